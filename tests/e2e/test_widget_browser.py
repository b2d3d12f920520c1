"""The embeddable widget (policyqa/static/widget.js) and the document view (/doc) in a real
headless Chromium, at desktop and phone widths, against one real server (tests/e2e/browser_pages.py).

A host page on a *different* origin embeds it with the one script tag. Checked: the button opens
the panel, a streamed answer arrives with citation chips, a chip reveals its quote, feedback is
stored, a declined answer offers clickable suggestions, 新对话 clears the conversation, the host
page's own styles are untouched (and its CSS does not leak in), and on a phone-width screen the
panel fits the viewport; sources open the original with the quote highlighted; conversations
survive a reload and can be renamed, exported and deleted; a stop button ends an answer. Takes
widget.png and doc-view.png (into $POLICYQA_SCREENSHOTS, e.g. docs/, or a temporary folder).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

# `browser` and `servers` are fixtures (one Chromium, one server per module).
from conftest import wait_until
from browser_pages import (  # noqa: F401
    ACCENT, HOST_PROBES, OFF_TOPIC, QUESTION, SCREENSHOT, SHOTS, TOKEN, browser, computed, local_only, servers, shadow_style, sse_answer)


def test_widget_desktop(servers, browser):
    api, page_origin, store = servers
    seen: list[str] = []
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="zh-CN")
    local_only(context, seen)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        # the host page as it looks without the widget
        page.goto(f"{page_origin}/plain.html")
        before = computed(page, HOST_PROBES)

        page.goto(f"{page_origin}/")
        launcher = page.locator("policyqa-widget button.launcher")
        launcher.wait_for(state="visible", timeout=15_000)
        assert page.evaluate("window.PolicyQAWidget.base") == f"{api}/"
        assert launcher.get_attribute("aria-expanded") == "false"
        box = launcher.bounding_box()
        assert box["x"] > 1100 - 120 and box["y"] > 800 - 120, f"the button is not bottom-right: {box}"

        # host CSS does not leak into the widget…
        assert shadow_style(page, "button.launcher", ["background-color"])["background-color"] == ACCENT
        inner = shadow_style(page, ".welcome .bubble", ["color", "letter-spacing", "font-family"])
        assert inner["color"] != "rgb(0, 128, 0)" and inner["letter-spacing"] == "normal", inner
        assert "Georgia" not in inner["font-family"], inner

        launcher.click()
        panel = page.locator("policyqa-widget section.panel")
        panel.wait_for(state="visible")
        assert launcher.get_attribute("aria-expanded") == "true"
        assert panel.get_attribute("role") == "dialog"
        textarea = page.locator("policyqa-widget textarea.input")
        assert textarea.get_attribute("placeholder") == "请输入您的问题…"
        assert textarea.get_attribute("aria-label")
        wait_until(
            page, "document.querySelector('policyqa-widget').shadowRoot.activeElement?.tagName === 'TEXTAREA'",
            timeout=5_000)
        assert page.locator("policyqa-widget button.send").inner_text().strip() == "发送"

        # Shift+Enter is a newline, Enter sends (through the streaming endpoint)
        textarea.fill("第一行")
        textarea.press("Shift+Enter")
        assert textarea.input_value() == "第一行\n"
        textarea.fill(QUESTION)
        with page.expect_response(lambda r: r.url == f"{api}/api/ask/stream", timeout=60_000) as streamed:
            textarea.press("Enter")
        assert streamed.value.status == 200
        assert textarea.input_value() == ""
        assert page.locator("policyqa-widget .msg.user .bubble").last.inner_text() == QUESTION

        chip = page.locator('policyqa-widget .msg.bot button.chip[data-n="1"]').first
        chip.wait_for(state="visible", timeout=60_000)
        expected = sse_answer(streamed.value.body())
        first = next(c for c in expected["citations"] if c["n"] == 1)
        answer_text = page.locator("policyqa-widget .msg.bot .answer").last.inner_text()
        assert "[1]" not in answer_text and "经费" in answer_text

        # the cited passage is hidden until chip [1] is clicked
        quote = page.locator('policyqa-widget .src[data-n="1"] .quote').last
        assert not quote.is_visible()
        chip.click()
        quote.wait_for(state="visible", timeout=5_000)
        assert quote.inner_text().strip() == first["quote"].strip()
        assert "经费" in first["quote"]
        source = page.locator('policyqa-widget .src[data-n="1"]').last
        assert first["title"] in source.inner_text()
        if first.get("date"):
            assert first["date"] in source.inner_text()
        assert first["doc"] not in page.locator("policyqa-widget .sources").last.inner_text()  # no file names
        link = source.locator("a.src-open")
        assert link.get_attribute("href") == api + first["url"] and link.get_attribute("target") == "_blank"
        assert b"event: stage" in streamed.value.body()  # stages were streamed before the answer
        assert chip.get_attribute("aria-expanded") == "true"

        # the host page's own elements look exactly as they did without the widget
        after = computed(page, HOST_PROBES)
        assert after == before

        page.wait_for_timeout(1_200)  # let the highlight animation on source [1] settle
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))  # panel open, answer with source [1] revealed
        assert SCREENSHOT.stat().st_size > 10_000

        # thumbs up reaches /api/feedback and is stored
        page.locator("policyqa-widget .msg.bot button.fb-up").last.click()
        page.locator("policyqa-widget .fb-note", has_text="感谢").last.wait_for(timeout=10_000)
        with sqlite3.connect(Path(store) / "feedback.sqlite3") as db:
            rows = db.execute("SELECT rating, question, answer_id FROM feedback").fetchall()
        assert rows == [("up", QUESTION, expected["answer_id"])]

        # 新对话 clears the conversation
        page.locator("policyqa-widget button.new-chat").click()
        assert page.locator("policyqa-widget .msg.user").count() == 0
        assert page.locator("policyqa-widget .msg.bot").count() == 1  # the welcome
        assert page.locator("policyqa-widget .chip").count() == 0

        # (in the new conversation) a declined answer: no sources, suggestions that ask when clicked
        textarea.fill(OFF_TOPIC)
        with page.expect_request(lambda r: r.url == f"{api}/api/ask/stream") as fresh:
            page.locator("policyqa-widget button.send").click()
        assert fresh.value.post_data_json["history"] == []  # the old conversation is forgotten
        assert fresh.value.headers.get("authorization") == f"Bearer {TOKEN}"
        declined = page.locator("policyqa-widget .msg.bot.declined").last
        declined.wait_for(timeout=60_000)
        assert declined.locator(".chip").count() == 0 and declined.locator(".sources").count() == 0
        suggestion = declined.locator("button.sugg").first
        suggestion.wait_for(state="visible")
        asked = suggestion.inner_text().strip()
        with page.expect_request(lambda r: r.url == f"{api}/api/ask/stream") as follow:
            suggestion.click()
        assert follow.value.post_data_json["question"] == asked
        assert [t["role"] for t in follow.value.post_data_json["history"]] == ["user", "assistant"]
        page.locator("policyqa-widget .msg.user .bubble", has_text=asked).wait_for(timeout=5_000)
        wait_until(
            page, "!document.querySelector('policyqa-widget').shadowRoot.querySelector('[aria-busy=\"true\"]')",
            timeout=60_000)

        # Escape closes and hands focus back to the button
        textarea.press("Escape")
        panel.wait_for(state="hidden", timeout=5_000)
        assert launcher.get_attribute("aria-expanded") == "false"
        assert page.evaluate(
            "document.querySelector('policyqa-widget').shadowRoot.activeElement?.classList.contains('launcher')")
    finally:
        context.close()
    assert seen and all((urlsplit(u).hostname or "").startswith("127.0.0.") for u in seen), seen


def test_widget_phone(servers, browser):
    api, page_origin, _store = servers
    seen: list[str] = []
    context = browser.new_context(viewport={"width": 390, "height": 640}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2, locale="zh-CN")
    local_only(context, seen)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{page_origin}/")
        launcher = page.locator("policyqa-widget button.launcher")
        launcher.wait_for(state="visible")
        launcher.tap()
        panel = page.locator("policyqa-widget section.panel")
        panel.wait_for(state="visible")
        panel.evaluate("el => Promise.all(el.getAnimations().map(a => a.finished))")  # opening animation
        box = panel.bounding_box()
        assert box["x"] >= 0 and box["y"] >= 0, box
        assert box["x"] + box["width"] <= 390 + 0.5 and box["y"] + box["height"] <= 640 + 0.5, box
        assert box["width"] >= 389, f"the panel should fill a phone screen: {box}"
        for sel in ("textarea.input", "button.send", "button.close", "button.new-chat"):
            b = page.locator(f"policyqa-widget {sel}").bounding_box()
            assert b and b["x"] >= 0 and b["x"] + b["width"] <= 390 and b["y"] + b["height"] <= 640, (sel, b)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        # a long answer on a small screen: its first line is in view, not its sources (a short
        # phone screen, so that the answer is longer than it)
        page.set_viewport_size({"width": 390, "height": 400})
        textarea = page.locator("policyqa-widget textarea.input")
        textarea.fill(QUESTION)
        page.locator("policyqa-widget button.send").tap()
        page.locator('policyqa-widget .msg.bot button.chip[data-n="1"]').first.wait_for(timeout=60_000)
        page.wait_for_timeout(700)  # the log scrolls smoothly
        view = page.evaluate(
            """() => {
                const root = document.querySelector('policyqa-widget').shadowRoot;
                const log = root.querySelector('.log').getBoundingClientRect();
                const msgs = root.querySelectorAll('.msg.bot');
                const m = msgs[msgs.length - 1].getBoundingClientRect();
                return {top: m.top, logTop: log.top, logBottom: log.bottom, height: m.height};
            }""")
        assert view["height"] > view["logBottom"] - view["logTop"], view  # longer than the screen
        assert view["logTop"] - 2 <= view["top"] <= view["logTop"] + 40, view  # its first line on top
        page.locator("policyqa-widget button.close").tap()
        panel.wait_for(state="hidden")
        launcher.wait_for(state="visible")
    finally:
        context.close()
    assert all((urlsplit(u).hostname or "").startswith("127.0.0.") for u in seen), seen


# ---------------------------------------------------------------------------- widget: conversations
def widget_idle(page) -> None:
    wait_until(
        page, "!document.querySelector('policyqa-widget').shadowRoot.querySelector('[aria-busy=\"true\"]')",
        timeout=90_000)


def test_widget_conversation_survives_reload_and_can_be_managed(servers, browser, tmp_path):
    api, page_origin, _store = servers
    seen: list[str] = []
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="zh-CN", accept_downloads=True)
    local_only(context, seen)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{page_origin}/")
        page.locator("policyqa-widget button.launcher").click()
        textarea = page.locator("policyqa-widget textarea.input")
        stream_url = f"{api}/api/ask/stream"
        held: list = []  # requests held back, so that "busy" lasts as long as the test needs

        def hold(route):
            held.append(route)

        page.route(stream_url, hold)
        textarea.fill(QUESTION)
        textarea.press("Enter")
        while not held:
            page.wait_for_timeout(50)
        # busy: send gives way to a stop button; Enter does not lose what is typed
        stop = page.locator("policyqa-widget button.stop")
        assert stop.is_visible() and not page.locator("policyqa-widget button.send").is_visible()
        textarea.fill("下一个问题")
        textarea.press("Enter")
        assert textarea.input_value() == "下一个问题"
        held.pop().continue_()
        page.unroute(stream_url)
        widget_idle(page)
        assert stop.is_hidden()
        textarea.fill("")
        page.locator('policyqa-widget .msg.bot button.chip[data-n="1"]').first.wait_for()

        page.reload()
        page.locator("policyqa-widget button.launcher").click()
        restored = page.locator("policyqa-widget .msg.user .bubble")
        assert restored.all_inner_texts() == [QUESTION]  # the conversation is back
        chip = page.locator('policyqa-widget .msg.bot button.chip[data-n="1"]').first
        chip.click()
        page.locator('policyqa-widget .src[data-n="1"] .quote').first.wait_for(state="visible")

        # a stopped answer says so
        page.route(stream_url, hold)
        textarea.fill("街道党建工作经费是多少？")
        textarea.press("Enter")
        while not held:
            page.wait_for_timeout(50)
        stop.click()
        page.locator("policyqa-widget .msg.bot.stopped").wait_for(timeout=10_000)
        try:
            held.pop().abort()
        except Exception:  # the browser gave up on it already
            pass
        page.unroute(stream_url)
        assert page.locator("policyqa-widget button.send").is_visible()

        # the history view: rename, export as Markdown, delete
        page.locator("policyqa-widget button.history").click()
        rows = page.locator("policyqa-widget .conv")
        assert rows.count() == 1 and QUESTION[:10] in rows.first.inner_text()
        rows.first.locator("button.rename").click()
        name = page.locator("policyqa-widget input.conv-name")
        name.fill("经费保障")
        name.press("Enter")
        assert page.locator("policyqa-widget .conv .conv-open").first.inner_text().startswith("经费保障")
        with page.expect_download() as download:
            page.locator("policyqa-widget .conv button.export").click()
        assert download.value.suggested_filename == "经费保障.md"
        target = tmp_path / "conv.md"
        download.value.save_as(target)
        md = target.read_text(encoding="utf-8")
        # the chat's format (static/conversation-markdown.js, one export for both): no document
        # view links, so no file names
        assert md.startswith("# 经费保障\n\n导出时间：") and f"## 问：{QUESTION}" in md and "**来源**" in md
        assert re.search(r"^1\. 《[^》]+》（[^）]+）：“.+”$", md, re.M), md
        assert "/doc/" not in md and "http" not in md and ".txt" not in md
        assert "## 问：街道党建工作经费是多少？\n\n> 已停止。" in md  # the stopped answer
        (SHOTS / "widget-export.md").write_text(md, encoding="utf-8")
        page.locator("policyqa-widget .conv button.delete").click()
        assert rows.count() == 0
        page.locator("policyqa-widget button.back").click()
        assert page.locator("policyqa-widget .msg.user").count() == 0
        page.reload()
        page.locator("policyqa-widget button.launcher").click()
        assert page.locator("policyqa-widget .msg.user").count() == 0  # deleted for good
    finally:
        context.close()
    assert all((urlsplit(u).hostname or "").startswith("127.0.0.") for u in seen), seen


# ---------------------------------------------------------------------------- the chat UI (/ui)
