"""One server: FastAPI (REST + SSE API, widget.js) with the Gradio UI mounted at /ui."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi import Depends, FastAPI, File, Header, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (FileResponse, HTMLResponse, JSONResponse, RedirectResponse,
                               Response, StreamingResponse)
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware

from ingest.loaders import MAX_FILE_BYTES
from policyqa.config import Settings
from policyqa.guards import (GuardOptions, HostGuard, JsonErrors, RedactSecrets, RequestGuard, bearer_of, header_bytes,
                             secret_matches)
from policyqa.health import UNAVAILABLE, unavailable
from policyqa.health import check as check_health
from policyqa import admin_api, store_files, uploads
from policyqa.questionlog import QuestionLog
from policyqa.runtime import worker_count
from policyqa.feedback import FeedbackStore
from policyqa.records import Answer
from policyqa.assistant import Assistant, Stage
from policyqa.docview import citation_url, render_document, signature_ok
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


class FeedbackRequest(BaseModel):
    rating: str = Field(pattern="^(up|down)$")
    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field("", max_length=20000)
    answer_id: str = ""
    citations: list[dict] = Field(default_factory=list, max_length=50)
    history: list[Turn] = Field(default_factory=list, max_length=40)
    declined: bool = False
    comment: str = Field("", max_length=2000)


def answer_json(answer: Answer, link_secret: str | None = None) -> dict:
    """The API's answer object; each citation carries `url`, its document view (docview)."""
    body = answer.to_json()
    for c in body["citations"]:
        c["url"] = citation_url(c, link_secret)
    return {**body, "answer_id": uuid.uuid4().hex}


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
        if origin and request.url.path.startswith("/api/") and not self._allowed(origin, request):
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

    assistant = assistant or Assistant(settings)
    if assistant.store.count_chunks() == 0 and Path(settings.sample_corpus).is_dir():
        report = assistant.ingest([Path(settings.sample_corpus)])
        assistant.startup_note = (f"首次启动：知识库为空，已导入示例文档 {report.count('indexed')} 份"
                                  f"（{report.chunks} 个段落）。 First start: the sample corpus was indexed.")
        log.info(assistant.startup_note)
    feedback = FeedbackStore(Path(settings.store) / "feedback.sqlite3")
    question_log = (QuestionLog(Path(settings.store) / "questions.sqlite3", settings.question_log_days,
                                settings.collection) if settings.question_log else None)
    assistant.question_log = question_log  # opt-in: POLICYQA_QUESTION_LOG
    # From here on nothing in this process but SQLite opens the store's database files.
    store_files.guard(settings.store)

    app = FastAPI(title="policyqa", version="0.1.0", docs_url=None, redoc_url=None,  # served offline below
                  description="Cited answers over policy documents. Errors are JSON: {\"error\": message}.")
    app.state.assistant = assistant
    workers = AnswerWorkers(worker_count(settings.workers), settings.max_pending)
    app.state.workers = workers
    logging.getLogger("uvicorn.access").addFilter(RedactSecrets())
    refused_origins = RefusedOrigins()
    app.add_middleware(OriginGuard, origins=settings.origins, refused=refused_origins)
    if settings.origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.origins, allow_methods=["GET", "POST", "DELETE"],
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

    def chat_auth(authorization: str | None = Header(None)) -> None:
        if settings.chat_token and not secret_matches(header_bytes(bearer_of(authorization)),
                                                      settings.chat_token):
            raise HTTPException(401, "this assistant needs a chat token (Authorization: Bearer …)")

    def admin_auth(authorization: str | None = Header(None), x_admin_token: str | None = Header(None)) -> None:
        if not settings.admin_token:
            raise HTTPException(403, "document management is disabled: set POLICYQA_ADMIN_TOKEN to enable it")
        given = x_admin_token or bearer_of(authorization)
        if not secret_matches(header_bytes(given), settings.admin_token):
            raise HTTPException(401, "a valid admin token is required (Authorization: Bearer … or X-Admin-Token)")

    def filters_of(body: AskRequest) -> dict | None:
        return body.filters.model_dump(exclude_none=True) if body.filters else None

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
                "llm": bool(settings.llm_base_url)}

    @app.post("/api/ask", dependencies=[Depends(chat_auth)])
    async def ask(body: AskRequest) -> dict:
        try:
            answer = await workers.run(assistant.ask, body.question,
                                       [t.model_dump() for t in body.history], filters_of(body))
        except ValueError as e:
            raise HTTPException(400, str(e)) from e
        return answer_json(answer, settings.chat_token)

    @app.post("/api/ask/stream", dependencies=[Depends(chat_auth)])
    async def ask_stream(body: AskRequest) -> StreamingResponse:
        history = [t.model_dump() for t in body.history]
        workers._admit()  # a busy server says 503 before the stream starts
        workers.pending -= 1

        async def events():
            try:
                async for part in workers.iterate(
                        lambda: assistant.stream(body.question, history, filters_of(body))):
                    if isinstance(part, Stage):
                        yield _sse("stage", {"stage": part.name, "label": STAGE_LABELS.get(part.name, "")})
                    elif isinstance(part, Answer):
                        yield _sse("answer", answer_json(part, settings.chat_token))
                    else:
                        for i in range(0, len(part), 12):  # small pieces read as typing
                            yield _sse("token", {"text": part[i:i + 12]})
                yield _sse("done", {})
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

    @app.get("/api/documents", dependencies=[Depends(chat_auth)])
    def documents() -> list[dict]:
        return [{k: v for k, v in d.items() if k not in ("source", "content_hash")}
                for d in assistant.store.documents()]

    @app.post("/api/documents", dependencies=[Depends(admin_auth)],
              description="Upload and index documents. " + uploads.FIELDS_HELP + " One file: its "
              "`doc`, `status`, `chunks`, `reason` (English), `kind` and `message` (in `lang`: en or "
              "zh), and `results`; several: `results`, `indexed`, `failed`. 422 when nothing was indexed.")
    async def upload(file: list[UploadFile] | None = File(None, description="one or several files"),
                     files: list[UploadFile] | None = File(None, description="one or several files"),
                     lang: str = "en") -> JSONResponse:
        lang = "zh" if lang == "zh" else "en"
        received = await uploads.receive([*(file or []), *(files or [])], lang)
        body, status = await uploads.index(assistant, received, lang)
        return JSONResponse(body, status_code=status)

    @app.delete("/api/documents/{doc}", dependencies=[Depends(admin_auth)])
    def delete(doc: str) -> dict:
        try:
            return {"doc": doc, "deleted_chunks": assistant.delete(doc)}
        except KeyError:
            raise HTTPException(404, f"no document named '{doc}'") from None

    # The admin console (/admin) and its API (/api/admin/…): policyqa/admin_api.py.
    app.include_router(admin_api.router(assistant, settings, admin_auth, feedback, question_log))
    admin_api.page_routes(app)

    @app.post("/api/feedback", dependencies=[Depends(chat_auth)])
    def add_feedback(body: FeedbackRequest) -> dict:
        return {"ok": True, "id": feedback.add(body.model_dump())}

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

    @app.get("/doc/{doc}", include_in_schema=False, response_class=HTMLResponse)
    def document_view(doc: str, span: str | None = None, sig: str | None = None) -> HTMLResponse:
        """A cited document with the quoted span highlighted (links come from citations[].url)."""
        if not signature_ok(settings.chat_token, doc, sig):
            return HTMLResponse(_message_page("链接无效：请从回答的来源中打开原文。"), status_code=403)
        page = render_document(assistant.store, doc, span, settings.chat_token)
        if page is None:
            return HTMLResponse(_message_page("未找到该文档，它可能已被删除。"), status_code=404)
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @app.get("/doc/{doc}/page/{page}", include_in_schema=False)
    def document_page(doc: str, page: str, sig: str | None = None,
                      authorization: str | None = Header(None)) -> Response:
        """A scanned page's image for the document view: authorised like /doc (its `sig`, or the
        chat token as a bearer); the document is looked up in the store, the page must be one
        OCR read. Errors are JSON."""
        token_ok = bool(settings.chat_token) and secret_matches(header_bytes(bearer_of(authorization)),
                                                                settings.chat_token)
        if not (token_ok or signature_ok(settings.chat_token, doc, sig)):
            return JSONResponse({"error": "invalid link: open the page from an answer's sources"},
                                status_code=403)
        try:
            data = page_image(assistant.store, doc, page)
        except PageImageError as e:
            return JSONResponse({"error": str(e)}, status_code=e.status)
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})

    from policyqa.ui import build_ui, mount_ui

    # Mounted last and under /ui, so that it cannot shadow the API routes above.
    blocks = build_ui(assistant, settings, on_feedback=feedback.add)
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
