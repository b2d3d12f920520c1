"""One server: FastAPI (REST + SSE API, widget.js) with the Gradio UI mounted at /ui. This module
assembles it; the routes, checks and middleware live in their own modules:

  routes_ask        /api/health, /api/ask, /api/ask/stream (SSE), /api/feedback
  routes_documents  /api/kb, /api/documents, reindex, the document view /doc/…
  routes_admin      /api/admin/kb, /api/admin/keys, /api/admin/audit
  admin_api         the admin console's API and page; openai_api: /v1/…
  gate              who is asking and what they may do; http_errors: errors as JSON
  guards, origins   host, rate, body and origin checks; workers: the answering threads
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse, Response

from core import store_files
from core.settings import Settings
from ingest.loaders import MAX_FILE_BYTES
from policyqa import admin_api
from policyqa.access import Access
from policyqa.assistant import Assistant
from policyqa.feedback import FeedbackStore
from policyqa.gate import Gate
from policyqa.guards import GuardOptions, HostGuard, JsonErrors, RedactSecrets, RequestGuard
from policyqa.http_errors import add_error_handlers, request_lang
from policyqa.library import Library, UiAssistant
from policyqa.openai_api import mount_openai
from policyqa.origins import OriginGuard, RefusedOrigins, add_status_route
from policyqa.questionlog import QuestionLog
from policyqa.routes_admin import add_admin_routes
from policyqa.routes_ask import add_ask_routes, add_feedback_route
from policyqa.routes_documents import add_document_routes, add_document_view_routes
from policyqa.runtime import worker_count
from policyqa.serving import api_docs_routes
from policyqa.widget_bundle import widget_script
from policyqa.workers import AnswerWorkers

log = logging.getLogger("policyqa.server")


def _open_library(settings: Settings, assistant: Assistant | None) -> tuple[Library, Assistant]:
    """The library and the assistant that speaks for the server (the default base's; on a first
    start with an empty store, the sample corpus indexed into it)."""
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
    return library, assistant


def build_app(settings: Settings, assistant: Assistant | None = None) -> FastAPI:
    from fastapi.middleware.cors import CORSMiddleware

    library, assistant = _open_library(settings, assistant)
    access = Access(settings, library.keys)
    gate = Gate(settings, library, access)
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
    # Off the request path: the first English question would otherwise wait seconds for the
    # dictionary and the transliterator to load.
    threading.Thread(target=_warm_up_behind_requests, args=(assistant,), name="policyqa-warm-up", daemon=True).start()
    app.state.library = library
    workers = AnswerWorkers(worker_count(settings.workers), settings.max_pending)
    app.state.workers = workers
    logging.getLogger("uvicorn.access").addFilter(RedactSecrets())
    refused_origins = RefusedOrigins()
    app.add_middleware(OriginGuard, origins=settings.origins, refused=refused_origins)
    if settings.origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.origins, allow_methods=["GET", "POST", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "X-Admin-Token"])
    add_error_handlers(app)

    add_ask_routes(app, gate, workers, assistant)
    add_document_routes(app, gate)
    add_admin_routes(app, gate)
    mount_openai(app, library, gate.caller, gate.askable, gate.asked_json, workers, request_lang)
    # The admin console (/admin) and its API (/api/admin/…, per base): policyqa/admin_api.py.
    app.include_router(admin_api.router(library, settings, gate.managed, feedback))
    admin_api.page_routes(app)
    add_feedback_route(app, gate, feedback)

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> Response:  # one script: widget.js with its parts and CSS in place
        return Response(widget_script(), media_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=300",
                                 "Access-Control-Allow-Origin": "*"})

    add_status_route(app, settings.origins, refused_origins)  # /widget/status

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/")

    api_docs_routes(app)
    add_document_view_routes(app, gate)
    return _with_ui_and_guards(app, settings, assistant, library, access, feedback, workers)


def _with_ui_and_guards(app: FastAPI, settings: Settings, assistant: Assistant, library: Library,
                        access: Access, feedback: FeedbackStore, workers: AnswerWorkers) -> FastAPI:
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


def _warm_up_behind_requests(assistant) -> None:
    """The warm-up at a lower CPU priority than the threads answering requests (Linux schedules
    threads apart; elsewhere it runs as it is): questions asked meanwhile go first."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass
    assistant.warm_up()
