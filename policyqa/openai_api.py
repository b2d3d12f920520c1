"""The OpenAI-compatible API: `GET /v1/models` (one model per knowledge base the caller may ask,
`policyqa-<base>`) and `POST /v1/chat/completions` (streamed as OpenAI's `chat.completion.chunk`
events, or whole), authenticated by `Authorization: Bearer <access key or token>`, so that an
existing client — the `openai` package, LangChain's ChatOpenAI, an intranet portal — works
unchanged.

The last user message is the question and the earlier user/assistant messages its history
(system messages are ignored: the answer is always the documents' own words). The answer text
carries its `[n]` markers and ends with a sources list; the structured citations (as in
`/api/ask`, with their document links) travel in the extra field `citations` of the response —
of the last chunk when streamed — beside `kb` and `declined`. Errors are OpenAI's shape,
`{"error": {"message", "type", "code"}}`, in the question's language.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from policyqa.assistant import Stage
from policyqa.errors import UserError
from policyqa.health import UNAVAILABLE, unavailable
from policyqa.library import Asked, Library
from retrieval.language import detect_lang

PREFIX = "policyqa-"


class Message(BaseModel):
    role: str = Field(max_length=20)
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model: str = Field(max_length=200)
    messages: list[Message] = Field(min_length=1, max_length=80)
    stream: bool = False

    model_config = {"extra": "allow"}  # temperature, max_tokens…: accepted, not used


def _text(content) -> str:
    if isinstance(content, list):  # content parts: the text ones
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type", "text") == "text")
    return content or ""


def sources_text(body: dict, lang: str) -> str:
    """The sources list appended to the answer text: `[n] 《title》 section（date）`."""
    if body.get("declined") or not body.get("citations"):
        return ""
    lines = ["", ""]
    reviewed = body.get("reviewed")
    if reviewed:  # a curated answer: said in the text too, since a chat client shows only the text
        when = str(reviewed.get("at", ""))[:16].replace("T", " ")
        lines += [f"Reviewed (approved by {reviewed.get('by')}, {when})" if lang == "en"
                  else f"已审核（审核人 {reviewed.get('by')}，{when}）", ""]
    lines.append("Sources:" if lang == "en" else "来源：")
    for c in body["citations"]:
        where = " · ".join(x for x in (c.get("heading"), c.get("date")) if x)
        lines.append(f"[{c['n']}] 《{c.get('title') or c.get('doc')}》" + (f" {where}" if where else ""))
    return "\n".join(lines)


def _error(e: UserError, lang: str) -> JSONResponse:
    kind = {401: "authentication_error", 403: "permission_error", 404: "invalid_request_error"}.get(
        e.status, "invalid_request_error")
    code = {401: "invalid_api_key", 404: "model_not_found"}.get(e.status)
    return JSONResponse({"error": {"message": e.text(lang), "type": kind, "code": code}}, status_code=e.status)


def mount_openai(app: FastAPI, library: Library, caller: Callable, askable: Callable, asked_json: Callable,
                 workers, request_lang: Callable) -> None:
    def model_bases(who, model: str):
        model = (model or "").strip()
        if model == "policyqa":
            return None  # the caller's default base(s)
        if not model.startswith(PREFIX):
            raise UserError(f"未知模型「{model}」：模型名为 policyqa-<知识库名>（见 GET /v1/models）。",
                            f"unknown model '{model}': models are policyqa-<knowledge base> (see GET /v1/models)",
                            404)
        name = model[len(PREFIX):]
        kb = library.bases.find(name)
        if kb is None or not who.may(kb, "ask"):
            raise UserError(f"模型「{model}」不存在或无权使用。", f"the model '{model}' does not exist or "
                            "you may not use it", 404)
        return [kb]

    @app.get("/v1/models", tags=["OpenAI-compatible"])
    def models(request: Request):
        try:
            who = caller(request)
        except UserError as e:
            return _error(e, request_lang(request))
        return {"object": "list", "data": [
            {"id": PREFIX + kb.name, "object": "model", "created": int(kb.created_at), "owned_by": "policyqa"}
            for kb in library.bases.list() if who.may(kb, "ask")]}

    @app.post("/v1/chat/completions", tags=["OpenAI-compatible"])
    async def chat_completions(body: ChatRequest, request: Request):
        turns = [{"role": m.role, "content": _text(m.content)} for m in body.messages
                 if m.role in ("user", "assistant")]
        question = turns[-1]["content"].strip() if turns and turns[-1]["role"] == "user" else ""
        lang = detect_lang(question) if question else request_lang(request)
        try:
            if not question:
                raise UserError("最后一条消息应是用户的问题（role: user）。",
                                "the last message must be the user's question (role: user)")
            who = caller(request)
            named = model_bases(who, body.model)
            bases = askable(who, None) if named is None else named
        except UserError as e:
            return _error(e, lang)
        history = turns[:-1]
        created = int(time.time())
        cid = "chatcmpl-" + uuid.uuid4().hex

        def extra(asked: Asked) -> tuple[dict, str]:
            data = asked_json(asked, who)
            return data, sources_text(data, lang)

        if not body.stream:
            try:
                asked = await workers.run(library.ask, question, bases, history, None)
            except UserError as e:
                return _error(e, lang)
            except ValueError as e:
                return _error(UserError(str(e), str(e)), lang)
            data, sources = extra(asked)
            content = data["answer"] + sources
            return {"id": cid, "object": "chat.completion", "created": created, "model": body.model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": len(question), "completion_tokens": len(content),
                              "total_tokens": len(question) + len(content)},
                    "citations": data["citations"], "kb": data.get("kb"), "declined": data["declined"],
                    "reviewed": data.get("reviewed")}

        def chunk(delta: dict, finish: str | None = None, **more) -> str:
            payload = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": body.model,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **more}
            return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

        workers._admit()  # a busy server says 503 before the stream starts
        workers.pending -= 1

        async def events():
            yield chunk({"role": "assistant", "content": ""})
            try:
                async for part in workers.iterate(lambda: library.stream(question, bases, history, None)):
                    if isinstance(part, Stage):
                        continue
                    if isinstance(part, Asked):
                        data, sources = extra(part)
                        if sources:
                            yield chunk({"content": sources})
                        yield chunk({}, "stop", citations=data["citations"], kb=data.get("kb"),
                                    declined=data["declined"], reviewed=data.get("reviewed"))
                    else:
                        yield chunk({"content": part})
            except Exception as e:  # noqa: BLE001 - said to the client as OpenAI streams errors
                if isinstance(e, UserError):
                    message = e.text(lang)
                elif isinstance(e, ValueError):
                    message = str(e)
                elif unavailable(e):
                    message = UNAVAILABLE
                else:
                    import logging

                    logging.getLogger("policyqa.server").exception("OpenAI-compatible stream failed")
                    message = "internal error; please try again"
                yield f"data: {json.dumps({'error': {'message': message, 'type': 'server_error'}}, ensure_ascii=False)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
