"""The web layer's small pieces on their own: the language of error messages, the framework's
errors said plainly, the SSE frame, the bounded answering pool and the answer object's links."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from fastapi import HTTPException
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.records import Answer, Citation
from policyqa.gate import answer_json
from policyqa.http_errors import _http_error_text, request_lang
from policyqa.routes_ask import _sse
from policyqa.workers import AnswerWorkers


def request(headers: dict | None = None, lang: str | None = None, method="GET", path="/x"):
    return SimpleNamespace(state=SimpleNamespace(lang=lang) if lang else SimpleNamespace(),
                           headers=headers or {}, method=method, url=SimpleNamespace(path=path))


def test_messages_speak_the_question_s_language_else_accept_language_else_chinese():
    assert request_lang(request(lang="en")) == "en"
    assert request_lang(request({"accept-language": "en-GB,en;q=0.9"})) == "en"
    assert request_lang(request({"accept-language": "zh-CN"})) == "zh"
    assert request_lang(request()) == "zh"


def test_framework_errors_are_said_plainly():
    r = request(method="PUT", path="/api/nope")
    assert _http_error_text(r, StarletteHTTPException(404, "Not Found")) == "no such route: PUT /api/nope"
    assert _http_error_text(r, StarletteHTTPException(405, "Method Not Allowed")) == \
        "method PUT is not allowed on /api/nope"
    assert _http_error_text(r, StarletteHTTPException(404, "no document named 'a'")) == "no document named 'a'"


def test_an_sse_frame_is_an_event_and_one_line_of_utf8_json():
    assert _sse("token", {"text": "经费"}) == 'event: token\ndata: {"text": "经费"}\n\n'


def test_a_full_pool_says_503_at_once_and_frees_its_place():
    workers = AnswerWorkers(1, 1)

    async def two_at_once():
        first = asyncio.ensure_future(workers.run(lambda: 1))
        await asyncio.sleep(0)
        assert workers.pending == 1
        with pytest.raises(HTTPException) as refused:
            await workers.run(lambda: 2)
        assert refused.value.status_code == 503 and refused.value.headers == {"Retry-After": "2"}
        return await first

    assert asyncio.run(two_at_once()) == 1 and workers.pending == 0
    workers.pool.shutdown()


def test_the_answer_object_links_citations_only_for_readers():
    answer = Answer("经费 [1]", (Citation(1, "a.txt", "甲", "经费", "a#0", 0, 2),), (), False, "经费")
    readable = answer_json(answer, "secret", None, "", readable=True)
    assert list(readable)[:3] == ["answer", "citations", "retrieved"] and list(readable)[-1] == "answer_id"
    assert readable["citations"][0]["url"].startswith("/doc/a.txt?") and "sig=" in readable["citations"][0]["url"]
    assert answer_json(answer, "secret", readable=False)["citations"][0]["url"] is None
