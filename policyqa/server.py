"""One server: FastAPI (REST + SSE API, widget.js) with the Gradio UI mounted at /ui."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi import FastAPI, File, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (FileResponse, HTMLResponse, JSONResponse, RedirectResponse,
                               Response, StreamingResponse)
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware

from ingest.loaders import MAX_FILE_BYTES
from core.settings import Settings
from policyqa.guards import (GuardOptions, HostGuard, JsonErrors, RedactSecrets, RequestGuard, bearer_of, header_bytes,
                             secret_matches)
from policyqa.health import UNAVAILABLE, unavailable
from policyqa.health import check as check_health
from core import store_files
from policyqa import admin_api, uploads
from policyqa.questionlog import QuestionLog
from policyqa.runtime import worker_count
from policyqa.feedback import FeedbackStore
from core.records import Answer
from policyqa.assistant import Assistant, Stage
from policyqa.access import Access, Principal, management_off, may_not, needs_token, not_administrator
from policyqa.audit import AuditLog
from policyqa.docview import citation_url, render_document, signature_ok
from policyqa.errors import UserError
from policyqa.kb import KnowledgeBase, unknown
from policyqa.library import Asked, Library, UiAssistant
from retrieval.language import detect_lang
from policyqa.origins import RefusedOrigins, add_status_route, origin_allowed
from policyqa.pageimage import PageImageError, page_image

log = logging.getLogger("policyqa.server")
STATIC = Path(__file__).resolve().parent / "static"


# ------------------------------------------------------------------------------ schemas
class Turn(BaseModel):
    role: str = Field(pattern="^(user|assistant)$")
    content: str = Field(max_length=20000)


class Filters(BaseModel):
    doc: str | None = None
    region: str | None = None
    date_from: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    date_to: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    history: list[Turn] = Field(default_factory=list, max_length=40)
    filters: Filters | None = None
    # The knowledge base(s) asked: a name, or a list of names; unset = the default base (or,
    # when the caller may not ask that one, every base it may ask).
    kb: str | list[str] | None = None


class BaseRequest(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    public: bool = False


class BaseChange(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=40)
    public: bool | None = None


class KeyRequest(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    roles: dict[str, list[str]] = Field(description="base name (or *) → roles among ask, read, manage")
    identity: bool = Field(False, description="an identity named by the trusted proxy header, not a key")


class FeedbackRequest(BaseModel):
    rating: str = Field(pattern="^(up|down)$")
    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field("", max_length=20000)
    answer_id: str = ""
    citations: list[dict] = Field(default_factory=list, max_length=50)
    history: list[Turn] = Field(default_factory=list, max_length=40)
    declined: bool = False
    comment: str = Field("", max_length=2000)
    kb: str | None = Field(None, max_length=40, description="the base the answer came from (its `kb`)")


def answer_json(answer: Answer, link_secret: str | None = None, kb: KnowledgeBase | None = None,
                kb_param: str = "", readable: bool = True) -> dict:
    """The API's answer object; each citation carries `url`, its document view (docview) — or
    null for a caller who may not read the base's originals — and the base it came from."""
    body = answer.to_json()
    for c in body["citations"]:
        c["url"] = citation_url(c, link_secret, kb_param) if readable else None
        if kb is not None:
            c["kb"] = kb.name
    if kb is not None:
        body["kb"] = kb.name
    return {**body, "answer_id": uuid.uuid4().hex}


def request_lang(request: Request) -> str:
    """The language of a request's messages: its question's (set by the route), else English
    when Accept-Language prefers it, else Chinese."""
    lang = getattr(request.state, "lang", None)
    if lang:
        return lang
    accept = (request.headers.get("accept-language") or "").strip().lower()
    return "en" if accept.startswith("en") else "zh"


STAGE_LABELS = {"search": "检索中…", "answer": "组织答案…"}


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


# ------------------------------------------------------------------------------ origins
class OriginGuard(BaseHTTPMiddleware):
    """Refuses API calls from origins not on POLICYQA_ALLOWED_ORIGINS (same origin always
    allowed), and tells browsers which origins may frame the UI (CSP frame-ancestors)."""

    def __init__(self, app, origins: list[str], refused: RefusedOrigins | None = None) -> None:
        super().__init__(app)
        self.origins = origins
        self.refused = refused or RefusedOrigins()

    async def dispatch(self, request: Request, call_next):
        origin = (request.headers.get("origin") or "").rstrip("/")
        if origin and request.url.path.startswith(("/api/", "/v1/")) and not self._allowed(origin, request):
            self.refused.note(origin, request.url.path)  # the admin learns which origin to allow
            return JSONResponse({"error": f"origin {origin} is not allowed to use this assistant"},
                                status_code=403)
        response = await call_next(request)
        ancestors = " ".join(["'self'", *self.origins])
        response.headers["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    def _allowed(self, origin: str, request: Request) -> bool:
        return origin_allowed(origin, self.origins, request.headers.get("host", ""))


# ------------------------------------------------------------------------------ workers
class AnswerWorkers:
    """A bounded pool of threads that answer questions, one per core by default. The
    embedder and vector search release the GIL, so answers run in parallel; reads take no
    global lock (writes are serialised by the Assistant's write lock). When `max_pending`
    questions are already waiting, a new one gets 503 at once instead of queueing forever."""

    def __init__(self, workers: int, max_pending: int) -> None:
        self.workers = workers
        self.max_pending = max(workers, max_pending)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="answer")
        self.pending = 0

    def _admit(self) -> None:
        if self.pending >= self.max_pending:
            raise HTTPException(503, f"the assistant is busy ({self.pending} questions waiting); "
                                     "please retry shortly", headers={"Retry-After": "2"})
        self.pending += 1

    async def run(self, fn, *args):
        self._admit()
        try:
            return await asyncio.wrap_future(self.pool.submit(fn, *args))
        finally:
            self.pending -= 1

    async def iterate(self, make_iterator):
        """Items of a blocking iterator produced on a worker thread, as an async iterator."""
        self._admit()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()

        def produce() -> None:
            try:
                for item in make_iterator():
                    loop.call_soon_threadsafe(queue.put_nowait, ("item", item))
                loop.call_soon_threadsafe(queue.put_nowait, ("end", None))
            except BaseException as e:  # handed to the consumer, which decides what to say
                loop.call_soon_threadsafe(queue.put_nowait, ("error", e))

        try:
            self.pool.submit(produce)
            while True:
                kind, value = await queue.get()
                if kind == "end":
                    return
                if kind == "error":
                    raise value
                yield value
        finally:
            self.pending -= 1


def log_config() -> dict:
    """uvicorn's logging config: the access log on (client, method, path, status; tokens in
    query strings redacted), the server's own messages from warnings up."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": "policyqa.guards.RedactSecrets"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    config["loggers"]["uvicorn.error"]["level"] = "WARNING"
    config["loggers"]["uvicorn.access"]["level"] = "INFO"
    return config


def uvicorn_options(settings: Settings) -> dict:
    """How `policyqa serve` runs uvicorn: its logging (above), and X-Forwarded-For/-Proto believed
    only from POLICYQA_TRUSTED_PROXIES (uvicorn's default believes 127.0.0.1, so a client behind
    any local proxy would choose its own rate-limit bucket)."""
    return {"host": settings.host, "port": settings.port, "log_config": log_config(), "log_level": None,
            "proxy_headers": bool(settings.proxies), "forwarded_allow_ips": settings.proxies or None}


# ------------------------------------------------------------------------------ offline API docs
def _api_docs_routes(app: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc from the assets bundled in the fastapi-offline package:
    FastAPI's defaults load them from a CDN, which an intranet cannot reach."""
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    import fastapi_offline

    assets = Path(fastapi_offline.__file__).resolve().parent / "static"
    app.mount("/api-docs-assets", StaticFiles(directory=assets), name="api-docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title="policyqa API",
                                   swagger_js_url="/api-docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/api-docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/api-docs-assets/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=app.openapi_url, title="policyqa API",
                              redoc_js_url="/api-docs-assets/redoc.standalone.js",
                              redoc_favicon_url="/api-docs-assets/favicon.png", with_google_fonts=False)


def _http_error_text(request: Request, exc: StarletteHTTPException) -> str:
    """The framework's terse errors (unknown route, wrong method, unreadable body) said plainly."""
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        return f"no such route: {request.method} {request.url.path}"
    if exc.status_code == 405 and detail == "Method Not Allowed":
        return f"method {request.method} is not allowed on {request.url.path}"
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        return "the request body could not be read: send UTF-8 JSON (or multipart for uploads)"
    return detail


def _message_page(text: str) -> str:
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>政策问答</title></head>'
            f'<body style="font-family:sans-serif;padding:2em"><p>{text}</p></body></html>')


# ------------------------------------------------------------------------------ app
def build_app(settings: Settings, assistant: Assistant | None = None) -> FastAPI:
    from fastapi.middleware.cors import CORSMiddleware

    library = Library(settings, assistant)
    assistant = library.default_assistant()
    if assistant is not None and assistant.store.count_chunks() == 0 and Path(settings.sample_corpus).is_dir():
        report = assistant.ingest([Path(settings.sample_corpus)])
        assistant.startup_note = (f"首次启动：知识库为空，已导入示例文档 {report.count('indexed')} 份"
                                  f"（{report.chunks} 个段落）。 First start: the sample corpus was indexed.")
        log.info(assistant.startup_note)
    if assistant is None:  # the default base was deleted: the UI and health speak for the first base
        bases = library.bases.list()
        assistant = library.assistant(bases[0]) if bases else library.assistant(
            library.create_base("default", public=False, who="server"))
    access = Access(settings, library.keys)
    audit: AuditLog = library.audit
    feedback = FeedbackStore(Path(settings.store) / "feedback.sqlite3")
    if settings.question_log:  # opt-in: POLICYQA_QUESTION_LOG; each question is kept with its base
        library.set_question_log(QuestionLog(Path(settings.store) / "questions.sqlite3",
                                             settings.question_log_days))
    # From here on nothing in this process but SQLite opens the store's database files.
    store_files.guard(settings.store)
    for folder in library.base_folders():
        store_files.guard(folder)

    app = FastAPI(title="policyqa", version="0.1.0", docs_url=None, redoc_url=None,  # served offline below
                  description="Cited answers over policy documents. Errors are JSON: {\"error\": message}.")
    app.state.assistant = assistant  # the default base's
    app.state.library = library
    workers = AnswerWorkers(worker_count(settings.workers), settings.max_pending)
    app.state.workers = workers
    logging.getLogger("uvicorn.access").addFilter(RedactSecrets())
    refused_origins = RefusedOrigins()
    app.add_middleware(OriginGuard, origins=settings.origins, refused=refused_origins)
    if settings.origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.origins, allow_methods=["GET", "POST", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "X-Admin-Token"])

    @app.exception_handler(StarletteHTTPException)  # FastAPI's and the router's (404, 405)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": _http_error_text(request, exc)}, status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return JSONResponse({"error": f"invalid request: {problems}"}, status_code=422)

    @app.exception_handler(Exception)
    async def server_error(_request: Request, exc: Exception):
        if unavailable(exc):
            log.warning("request failed: a dependency is unreachable (%s)", type(exc).__name__)
            return JSONResponse({"error": UNAVAILABLE}, status_code=503, headers={"Retry-After": "5"})
        log.exception("request failed")
        return JSONResponse({"error": "internal error; the request was not completed"}, status_code=500)

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError):
        return JSONResponse({"error": exc.text(request_lang(request))}, status_code=exc.status)

    # ------------------------------------------------------------------ who is asking
    def identity_of(request: Request) -> str | None:
        """The user a trusted intranet proxy names (POLICYQA_IDENTITY_HEADER), believed only from
        POLICYQA_IDENTITY_PROXIES; None otherwise (off by default)."""
        if not settings.identity_header:
            return None
        peer = request.client.host if request.client else ""
        if peer not in settings.identity_from:
            return None
        value = request.headers.get(settings.identity_header, "").strip()
        return value or None

    def caller(request: Request, manage: bool = False) -> Principal:
        given = request.headers.get("x-admin-token") if manage else None
        token = header_bytes(given or bearer_of(request.headers.get("authorization")))
        return access.principal(token, identity_of(request), manage=manage)

    def askable(who: Principal, names) -> list[KnowledgeBase]:
        """The bases a question goes to: those named (each one the caller may ask: an unknown
        base and a forbidden one get the same answer), else the default base, else every base
        the caller may ask."""
        if names:
            bases = library.resolve(names)
            for kb in bases:
                if not who.may(kb, "ask"):
                    raise unknown(kb.name)
            return bases
        default = library.bases.default()
        if default is not None and who.may(default, "ask"):
            return [default]
        bases = [kb for kb in library.bases.list() if who.may(kb, "ask")]
        if not bases:
            raise needs_token() if who.kind == "anonymous" else UserError(
                "此访问密钥没有可提问的知识库。", "this key may not ask any knowledge base", 403)
        return bases

    def kb_param(kb: KnowledgeBase) -> str:
        """How a document link names its base: nothing for the default base, else its collection."""
        default = library.bases.default()
        return "" if default is not None and kb.collection == default.collection else kb.collection

    def asked_json(asked: Asked, who: Principal) -> dict:
        return answer_json(asked.answer, access.link_secret(asked.kb), asked.kb, kb_param(asked.kb),
                           readable=who.may(asked.kb, "read"))

    def managed(request: Request, name: str | None, action: str, target: str = "") -> tuple[Principal, KnowledgeBase]:
        """The caller and the base it manages, or a refusal (recorded in the audit log)."""
        who = None
        try:
            who = caller(request, manage=True)
            if who.kind == "anonymous":
                raise management_off() if not settings.admin_token else needs_admin()
            kb = library.resolve(name)[0]
            if not who.may(kb, "manage"):
                raise may_not(kb, "manage") if who.roles(kb) else unknown(kb.name)
            return who, kb
        except UserError as e:
            if action:  # a refused write; refused reads (the console's lists) are not actions
                audit.record(who.name if who else "invalid-token", action, name or "", target, "refused", e.en)
            raise

    def administrator(request: Request, action: str, target: str = "") -> Principal:
        who = None
        try:
            who = caller(request, manage=True)
            if who.kind == "anonymous":
                raise management_off() if not settings.admin_token else needs_admin()
            if not who.administers:
                raise not_administrator()
            return who
        except UserError as e:
            if action:
                audit.record(who.name if who else "invalid-token", action, "", target, "refused", e.en)
            raise

    def needs_admin() -> UserError:
        return UserError("需要有效的管理令牌（admin token）或带 manage 权限的访问密钥：Authorization: Bearer … "
                         "或 X-Admin-Token。",
                         "a valid admin token is required (Authorization: Bearer … or X-Admin-Token), "
                         "or an access key with the manage role", 401)

    def filters_of(body: AskRequest) -> dict | None:
        return body.filters.model_dump(exclude_none=True) if body.filters else None

    # ------------------------------------------------------------------ routes
    @app.get("/api/health")
    def health():
        dependencies = check_health(assistant.store)
        if not all(d["ok"] for d in dependencies.values()):
            down = ", ".join(name for name, d in dependencies.items() if not d["ok"])
            return JSONResponse({"error": f"{UNAVAILABLE} ({down})", "status": "unavailable",
                                 "dependencies": dependencies}, status_code=503,
                                headers={"Retry-After": "5"})
        return {"status": "ok", "dependencies": dependencies,
                "documents": len(assistant.store.documents()),
                "chunks": assistant.store.count_chunks(), "embedder": assistant.store.embedder_name,
                "llm": bool(settings.llm_base_url), "knowledge_bases": len(library.bases.list())}

    @app.post("/api/ask")
    async def ask(body: AskRequest, request: Request) -> dict:
        request.state.lang = detect_lang(body.question)
        who = caller(request)
        bases = askable(who, body.kb)
        try:
            asked = await workers.run(library.ask, body.question, bases,
                                      [t.model_dump() for t in body.history], filters_of(body))
        except UserError:
            raise
        except ValueError as e:
            raise HTTPException(400, str(e)) from e
        return asked_json(asked, who)

    @app.post("/api/ask/stream")
    async def ask_stream(body: AskRequest, request: Request) -> StreamingResponse:
        request.state.lang = lang = detect_lang(body.question)
        who = caller(request)
        bases = askable(who, body.kb)
        history = [t.model_dump() for t in body.history]
        workers._admit()  # a busy server says 503 before the stream starts
        workers.pending -= 1

        async def events():
            try:
                async for part in workers.iterate(
                        lambda: library.stream(body.question, bases, history, filters_of(body))):
                    if isinstance(part, Stage):
                        yield _sse("stage", {"stage": part.name, "label": STAGE_LABELS.get(part.name, "")})
                    elif isinstance(part, Asked):
                        yield _sse("answer", asked_json(part, who))
                    else:
                        for i in range(0, len(part), 12):  # small pieces read as typing
                            yield _sse("token", {"text": part[i:i + 12]})
                yield _sse("done", {})
            except UserError as e:
                yield _sse("error", {"error": e.text(lang)})
            except ValueError as e:
                yield _sse("error", {"error": str(e)})
            except HTTPException as e:
                yield _sse("error", {"error": str(e.detail)})
            except Exception as e:
                if unavailable(e):
                    yield _sse("error", {"error": UNAVAILABLE})
                else:
                    log.exception("streaming answer failed")
                    yield _sse("error", {"error": "internal error; please try again"})

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.get("/api/kb")
    def my_bases(request: Request) -> list[dict]:
        """The bases the caller may use, with its roles on each (for a selector)."""
        who = caller(request)
        default = library.bases.default()
        return [{**kb.to_json(), "roles": sorted(who.roles(kb)),
                 "default": default is not None and kb.collection == default.collection}
                for kb in library.bases.list() if who.roles(kb)]

    @app.get("/api/documents")
    def documents(request: Request, kb: str | None = None) -> list[dict]:
        """The documents of the bases the caller may read (`kb`: of that base only)."""
        who = caller(request)
        if kb:
            base = library.resolve(kb)[0]
            if not who.may(base, "read"):
                raise may_not(base, "read") if who.roles(base) else unknown(base.name)
            bases = [base]
        else:
            bases = [b for b in library.bases.list() if who.may(b, "read")]
        return [{**{k: v for k, v in d.items() if k not in ("source", "content_hash")}, "kb": b.name}
                for b in bases for d in library.assistant(b).store.documents()]

    @app.post("/api/documents",
              description="Upload and index documents into the base `kb` (manage role on it; unset = "
              "the default base). " + uploads.FIELDS_HELP + " One file: its `doc`, `status`, `chunks`, "
              "`reason` (English), `kind` and `message` (in `lang`: en or zh), and `results`; several: "
              "`results`, `indexed`, `failed`. 422 when nothing was indexed. Every upload is in the audit log.")
    async def upload(request: Request, kb: str | None = None,
                     file: list[UploadFile] | None = File(None, description="one or several files"),
                     files: list[UploadFile] | None = File(None, description="one or several files"),
                     lang: str = "en") -> JSONResponse:
        lang = "zh" if lang == "zh" else "en"
        sent = [*(file or []), *(files or [])]
        who, base = managed(request, kb, "upload", ", ".join(f.filename or "" for f in sent))
        try:
            received = await uploads.receive(sent, lang)
        except HTTPException as e:
            audit.record(who.name, "upload", base.name, ", ".join(f.filename or "" for f in sent), "refused",
                         str(e.detail))
            raise
        body, status = await uploads.index(library, base, who.name, received, lang)
        return JSONResponse({**body, "kb": base.name}, status_code=status)

    @app.delete("/api/documents/{doc}")
    def delete(doc: str, request: Request, kb: str | None = None) -> dict:
        who, base = managed(request, kb, "delete", doc)
        try:
            return {"doc": doc, "deleted_chunks": library.delete(base, doc, who.name), "kb": base.name}
        except KeyError:
            raise HTTPException(404, f"no document named '{doc}'") from None

    @app.post("/api/admin/kb/{name}/reindex")
    async def reindex_base(name: str, request: Request) -> dict:
        who, base = managed(request, name, "reindex")
        from starlette.concurrency import run_in_threadpool

        report = await run_in_threadpool(library.reindex, base, who.name)
        return {"kb": base.name, "summary": report.summary(),
                "failed": [{"doc": r.doc, "reason": r.reason} for r in report.results if r.status == "failed"]}

    # ------------------------------------------------------------------ administration
    @app.get("/api/admin/kb")
    def list_bases(request: Request) -> list[dict]:
        administrator(request, "")
        default = library.bases.default()
        out = []
        for kb in library.bases.list():
            store = library.assistant(kb).store
            out.append({**kb.to_json(), "documents": len(store.documents()), "chunks": store.count_chunks(),
                        "default": default is not None and kb.collection == default.collection})
        return out

    @app.post("/api/admin/kb")
    def create_base(body: BaseRequest, request: Request) -> dict:
        who = administrator(request, "kb.create", body.name)
        kb = library.create_base(body.name, body.public, who.name)
        store_files.guard(library.assistant(kb).settings.store)
        return kb.to_json()

    @app.patch("/api/admin/kb/{name}")
    def change_base(name: str, body: BaseChange, request: Request) -> dict:
        who = administrator(request, "kb.rename", name)
        kb = library.bases.get(name)
        if body.public is not None and body.public != kb.public:
            kb = library.set_public(kb.name, body.public, who.name)
        if body.name is not None and body.name != kb.name:
            kb = library.rename_base(kb.name, body.name, who.name)
        return kb.to_json()

    @app.delete("/api/admin/kb/{name}")
    def delete_base(name: str, request: Request) -> dict:
        who = administrator(request, "kb.delete", name)
        return {"name": name, "deleted_documents": library.delete_base(name, who.name)}

    @app.get("/api/admin/keys")
    def list_keys(request: Request) -> list[dict]:
        administrator(request, "")
        return [k.to_json() for k in library.keys.list(library.bases)]

    @app.post("/api/admin/keys")
    def create_key(body: KeyRequest, request: Request) -> dict:
        who = administrator(request, "key.create", body.name)
        token = library.create_key(body.name, body.roles, who.name, identity=body.identity)
        return {"name": body.name, "token": token,
                "note": "令牌只显示这一次，请妥善保存。The token is shown this once only."}

    @app.delete("/api/admin/keys/{name}")
    def revoke_key(name: str, request: Request) -> dict:
        who = administrator(request, "key.revoke", name)
        library.revoke_key(name, who.name)
        return {"name": name, "revoked": True}

    @app.get("/api/admin/audit")
    def audit_log(request: Request, format: str = "json", limit: int = Query(1000, ge=1, le=100_000)):
        administrator(request, "")
        if format == "csv":
            return Response(audit.csv(limit), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="policyqa-audit.csv"'})
        if format != "json":
            raise UserError("format 只能是 json 或 csv。", "format is json or csv")
        return [e.to_json() for e in audit.entries(limit)]

    from policyqa.openai_api import mount_openai

    mount_openai(app, library, caller, askable, asked_json, workers, request_lang)

    # The admin console (/admin) and its API (/api/admin/…, per base): policyqa/admin_api.py.
    app.include_router(admin_api.router(library, settings, managed, feedback))
    admin_api.page_routes(app)

    @app.post("/api/feedback")
    def add_feedback(body: FeedbackRequest, request: Request) -> dict:
        who = caller(request)
        item = body.model_dump()
        item["kb"] = ""
        if body.kb:  # the base the answer came from: kept (for the console) only if the caller may ask it
            found = library.bases.find(body.kb)
            if found is not None and who.may(found, "ask"):
                item["kb"] = found.collection
        return {"ok": True, "id": feedback.add(item)}

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="application/javascript",
                            headers={"Cache-Control": "public, max-age=300",
                                     "Access-Control-Allow-Origin": "*"})

    add_status_route(app, settings.origins, refused_origins)  # /widget/status

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/")

    _api_docs_routes(app)

    def doc_base(kb: str | None) -> KnowledgeBase | None:
        """The base a document link names (its collection), or the default base."""
        return library.bases.by_collection(kb) if kb else library.bases.default()

    def may_open(request: Request, base: KnowledgeBase, doc: str, sig: str | None) -> bool:
        """A link's own signature, or credentials that may read the base (a bearer token)."""
        if signature_ok(access.link_secret(base), doc, sig, kb_param(base)):
            return True
        if not request.headers.get("authorization"):
            return False
        try:
            return caller(request).may(base, "read")
        except UserError:
            return False

    @app.get("/doc/{doc}", include_in_schema=False, response_class=HTMLResponse)
    def document_view(doc: str, request: Request, span: str | None = None, sig: str | None = None,
                      kb: str | None = None) -> HTMLResponse:
        """A cited document with the quoted span highlighted (links come from citations[].url)."""
        base = doc_base(kb)
        if base is None:
            return HTMLResponse(_message_page("未找到该文档，它可能已被删除。"), status_code=404)
        if not may_open(request, base, doc, sig):
            return HTMLResponse(_message_page("链接无效：请从回答的来源中打开原文。"), status_code=403)
        page = render_document(library.assistant(base).store, doc, span, access.link_secret(base), kb_param(base))
        if page is None:
            return HTMLResponse(_message_page("未找到该文档，它可能已被删除。"), status_code=404)
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @app.get("/doc/{doc}/page/{page}", include_in_schema=False)
    def document_page(doc: str, page: str, request: Request, sig: str | None = None,
                      kb: str | None = None) -> Response:
        """A scanned page's image for the document view: authorised like /doc (its `sig`, or a
        bearer token that may read the base); the document is looked up in the store, the page
        must be one OCR read. Errors are JSON."""
        base = doc_base(kb)
        if base is None:
            return JSONResponse({"error": "no such document"}, status_code=404)
        if not may_open(request, base, doc, sig):
            return JSONResponse({"error": "invalid link: open the page from an answer's sources"},
                                status_code=403)
        try:
            data = page_image(library.assistant(base).store, doc, page)
        except PageImageError as e:
            return JSONResponse({"error": str(e)}, status_code=e.status)
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})

    from policyqa.ui import build_ui, mount_ui

    # Mounted last and under /ui, so that it cannot shadow the API routes above.
    blocks = build_ui(UiAssistant(assistant, library, access), settings, on_feedback=feedback.add)
    # Gradio runs one event at a time per handler by default: let UI chats use every worker.
    blocks.queue(default_concurrency_limit=workers.workers, max_size=settings.max_pending)
    app = mount_ui(app, blocks, path="/ui", max_file_size=f"{MAX_FILE_BYTES // 1_048_576}mb",
                   store=settings.store)
    # Outermost: rate limit, body bounds and the admin-only Gradio upload route apply to
    # the API and the mounted UI alike.
    app.add_middleware(JsonErrors)
    app.add_middleware(RequestGuard, admin_token=settings.admin_token,
                       options=GuardOptions(rate_per_minute=settings.rate_limit), ui_path="/ui")
    app.add_middleware(HostGuard, hosts=settings.hosts)  # outermost
    return app
