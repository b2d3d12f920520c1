"""Asking: health, a question answered at once (/api/ask) or streamed as server-sent events
(/api/ask/stream: stage, token…, answer, done — or error), and feedback on an answer."""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse

from policyqa.api_schemas import AskRequest, FeedbackRequest, filters_of
from policyqa.assistant import Assistant, Stage
from policyqa.errors import UserError
from policyqa.feedback import FeedbackStore
from policyqa.gate import Gate
from policyqa.health import UNAVAILABLE, unavailable
from policyqa.health import check as check_health
from policyqa.library import Asked
from policyqa.workers import AnswerWorkers
from core.script import detect_lang

log = logging.getLogger("policyqa.server")
STAGE_LABELS = {"search": "检索中…", "answer": "组织答案…"}


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def add_ask_routes(app: FastAPI, gate: Gate, workers: AnswerWorkers, assistant: Assistant) -> None:
    """/api/health (of the default base's store), /api/ask and /api/ask/stream."""
    library, settings = gate.library, gate.settings

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
        who = gate.caller(request)
        bases = gate.askable(who, body.kb)
        try:
            asked = await workers.run(library.ask, body.question, bases,
                                      [t.model_dump() for t in body.history], filters_of(body))
        except UserError:
            raise
        except ValueError as e:
            raise HTTPException(400, str(e)) from e
        return gate.asked_json(asked, who)

    @app.post("/api/ask/stream")
    async def ask_stream(body: AskRequest, request: Request) -> StreamingResponse:
        request.state.lang = lang = detect_lang(body.question)
        who = gate.caller(request)
        bases = gate.askable(who, body.kb)
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
                        yield _sse("answer", gate.asked_json(part, who))
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


def add_feedback_route(app: FastAPI, gate: Gate, feedback: FeedbackStore) -> None:
    @app.post("/api/feedback")
    def add_feedback(body: FeedbackRequest, request: Request) -> dict:
        who = gate.caller(request)
        item = body.model_dump()
        item["kb"] = ""
        if body.kb:  # the base the answer came from: kept (for the console) only if the caller may ask it
            found = gate.library.bases.find(body.kb)
            if found is not None and who.may(found, "ask"):
                item["kb"] = found.collection
        return {"ok": True, "id": feedback.add(item)}
