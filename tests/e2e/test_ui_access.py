"""Who may see what through the UI chat (issue 23): the 「知识库」 selector lists the bases the
access key may ask, a question goes to the chosen base, and a key for 组织部 never receives
anything of 民政局 — not when the browser's event names 民政局 directly (a forged value is refused
by the server, not obeyed). A real server on 127.0.0.1, the real Gradio queue, real Chroma; then
headless Chromium takes docs/chat-kb.png."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from conftest import create_keys, leaks_of_b, serving_two_bases, wait_until
from test_gradio_paths import fn_index, gradio_blocks, queue_call

ADMIN = "adm-tok-23d"
A_QUESTION = "社区党组织每年工作经费不低于多少？"
B_QUESTION = "高龄津贴每月发多少钱？"


@pytest.fixture(scope="module")
def served(two_bases, tmp_path_factory):
    # lifespan on: Gradio's queue starts on startup
    with serving_two_bases(two_bases, tmp_path_factory, "ui-access", ADMIN, lifespan="on") as (live, store):
        keys = create_keys(live.base, ADMIN, {"a-reader": {"组织部": ["ask", "read"]}, "a-asker": {"组织部": ["ask"]},
                                              "a-two": {"default": ["ask"], "组织部": ["ask", "read"]},
                                              "b-reader": {"民政局": ["ask", "read"]}})
        blocks = gradio_blocks(live.app)
        fns = {"refresh": fn_index(blocks, "refresh"), "respond": fn_index(blocks, "respond")}
        collections = {kb.name: kb.collection for kb in live.app.state.library.bases.list()}
        yield live.base, keys, fns, collections


def _outputs(reply: str) -> list:
    """The output values of the event's completion message."""
    for line in reply.splitlines():
        if line.startswith("data:"):
            msg = json.loads(line[5:])
            if msg.get("msg") == "process_completed":
                assert msg.get("success"), msg
                return msg["output"]["data"]
    raise AssertionError(reply)


def selector(served, token: str | None, current: str | None = None) -> dict:
    base, _, fns, _ = served
    status, reply = queue_call(base, fns["refresh"], [token or "", current])
    assert status == 200, reply
    update = _outputs(reply)[0]
    return {"choices": [c[1] if isinstance(c, (list, tuple)) else c for c in update["choices"]],
            "value": update["value"], "visible": update["visible"], "reply": reply}


def chat(served, token: str | None, question: str, kb: str | None) -> tuple[str, str]:
    """(the last chat message's HTML, everything the client received) for one question."""
    base, _, fns, _ = served
    status, reply = queue_call(base, fns["respond"], [question, [], None, "", "", token or "", kb, None])
    assert status == 200, reply
    content = _outputs(reply)[0][-1]["content"]  # Gradio 6: a list of {"type": "text", "text"} parts
    return "".join(p.get("text", "") for p in content) if isinstance(content, list) else content, reply


def test_the_selector_lists_the_bases_the_key_may_ask(served):
    base, keys, _, _ = served
    assert "民政局" not in httpx.get(base + "/ui/config", timeout=30).text  # nothing listed in the page itself
    a = selector(served, keys["a-reader"])
    assert a["choices"] == ["组织部"] and a["value"] == "组织部" and a["visible"] is False  # one base: hidden
    assert not leaks_of_b(a["reply"]) and "民政局" not in a["reply"]
    two = selector(served, keys["a-two"])
    assert two["choices"] == ["default", "组织部"] and two["value"] == "default" and two["visible"] is True
    # a choice the key may make is kept; one it may not is replaced by its default
    assert selector(served, keys["a-two"], "组织部")["value"] == "组织部"
    assert selector(served, keys["a-two"], "民政局")["value"] == "default"
    assert selector(served, keys["b-reader"])["choices"] == ["民政局"]
    # no key: the public bases only; a wrong key: nothing
    assert selector(served, None)["choices"] == ["default"]
    assert selector(served, "pqk_not-a-key")["choices"] == []


def test_a_question_is_answered_from_the_chosen_base_with_links_signed_for_it(served):
    base, keys, _, collections = served
    answer, reply = chat(served, keys["a-two"], A_QUESTION, "组织部")
    assert "8万元" in answer and "pq-sources" in answer and not leaks_of_b(reply)
    hrefs = {h for h in answer.split('href="')[1:] for h in [h.split('"')[0].replace("&amp;", "&")]}
    assert hrefs and all(parse_qs(urlsplit(h).query)["kb"] == [collections["组织部"]] for h in hrefs)
    page = httpx.get(base + next(iter(hrefs)), timeout=30)  # the link opens without a key (signed)
    assert page.status_code == 200 and "8万元" in page.text
    # the same key's default base (empty) does not answer it: the selector's value is obeyed
    answer, _ = chat(served, keys["a-two"], A_QUESTION, "default")
    assert "8万元" not in answer and "pq-sources" not in answer
    # ask without read: quotes, no links to the originals
    answer, _ = chat(served, keys["a-asker"], A_QUESTION, "组织部")
    assert "8万元" in answer and "pq-sources" in answer and "/doc/" not in answer


def test_nothing_of_another_base_reaches_the_chat_even_when_named(served):
    _, keys, _, _ = served
    a = keys["a-reader"]
    # the other base's question, asked of its own base: declined, nothing of 民政局 (suggestions neither)
    for kb in ("组织部", None):
        answer, reply = chat(served, a, B_QUESTION, kb)
        assert "200元" not in answer and not leaks_of_b(reply), reply
    # the event names 民政局 (a forged selector value): refused, as a base that does not exist
    for kb in ("民政局", "民政局,组织部", "没有这个库"):
        answer, reply = chat(served, a, B_QUESTION, kb)
        assert f"知识库「{kb}」不存在或无权访问" in answer and not leaks_of_b(reply), reply
    answer, reply = chat(served, None, B_QUESTION, "民政局")  # no key
    assert "不存在或无权访问" in answer and not leaks_of_b(reply)
    answer, reply = chat(served, "pqk_not-a-key", B_QUESTION, "民政局")  # a wrong key
    assert "访问令牌错误" in answer and not leaks_of_b(reply)
    # the key that may ask it gets it
    answer, _ = chat(served, keys["b-reader"], B_QUESTION, "民政局")
    assert "200元" in answer


# ---------------------------------------------------------------------------- in the browser
CHROMIUM = Path("/usr/bin/chromium")
# As tests/e2e/test_widget_browser.py tests/e2e/test_chat_browser.py: to refresh the README's picture,
# POLICYQA_SCREENSHOTS=docs python -m pytest tests/test_ui_access.py
SHOTS = Path(os.environ.get("POLICYQA_SCREENSHOTS") or tempfile.mkdtemp(prefix="policyqa-shots-"))


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_the_selector_in_the_browser(served):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    base, keys, _, _ = served
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.set_default_timeout(20_000)
            page.goto(base + "/ui/")
            page.locator("#pq-question textarea").wait_for()
            assert not page.locator("#pq-kb").is_visible()  # no key: the public default base only
            page.get_by_text("筛选条件（可选）").click()
            page.get_by_label("访问令牌").fill(keys["a-two"])
            page.get_by_text("筛选条件（可选）").click()
            selector = page.locator("#pq-kb")
            selector.wait_for(state="visible")
            assert "知识库" in selector.inner_text()
            selector.locator("input").click()
            options = page.locator("ul[role='listbox'] li")
            options.first.wait_for()
            assert [o.inner_text().replace("✓", "").strip() for o in options.all()] == ["default", "组织部"]
            options.filter(has_text="组织部").click()
            wait_until(page, "document.querySelector('#pq-kb input').value === '组织部'")
            # the header's numbers follow the chosen base (the default one is empty)
            page.locator("#pq-stats", has_text="2 份文档").wait_for()
            box = page.locator("#pq-question textarea")
            box.fill(A_QUESTION)
            box.press("Enter")
            answer = page.locator("#pq-chat .bot-row").last
            answer.locator(".pq-sources").wait_for(timeout=90_000)
            wait_until(page, "() => { const s = document.querySelector('#pq-send');"
                             " return s && !s.disabled; }", timeout=90_000)
            text = answer.inner_text()
            assert "8万元" in text and "查看原文" in text and not leaks_of_b(page.content())
            page.wait_for_timeout(300)
            page.evaluate("scrollTo(0, 0)")
            page.screenshot(path=str(SHOTS / "chat-kb.png"))
            with page.expect_popup() as popup:
                answer.locator(".pq-cite-head a").first.click()
            doc = popup.value
            doc.wait_for_load_state()
            assert "8万元" in doc.locator("mark#cited").inner_text()
        finally:
            browser.close()
