"""The chat UI (/ui) in a real headless Chromium, at desktop and phone widths and inside a
cross-origin frame, against one real server (tests/e2e/browser_pages.py).

Checked: Chinese only, stages while busy (send disabled, stop shown), the answer's first line in
view, errors as their own message, clickable suggestions, source cards without file names, the
exported conversation. Takes chat.png and chat-phone.png (into $POLICYQA_SCREENSHOTS, e.g. docs/,
or a temporary folder).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

# `browser` and `servers` are fixtures (one Chromium, one server per module).
from conftest import wait_until
from browser_pages import (  # noqa: F401
    ADMIN, OFF_TOPIC, QUESTION, SHOTS, TOKEN, browser, local_only, servers)


def chat_idle(page) -> None:
    wait_until(
        page, "() => { const s = document.querySelector('#pq-send'); const t = document.querySelector('#pq-stop');"
        " return s && !s.disabled && (!t || t.offsetParent === null); }", timeout=90_000)


def open_chat(page, api: str) -> None:
    page.goto(f"{api}/ui/")
    page.locator("#pq-question textarea").wait_for()
    page.get_by_text("筛选条件（可选）").click()
    page.get_by_label("访问令牌").fill(TOKEN)
    page.get_by_text("筛选条件（可选）").click()  # folded again, back at the top as a user would be
    page.evaluate("scrollTo(0, 0)")


def watch_busy(page) -> None:
    """Remember what the page showed while answering (answers can be too quick to poll)."""
    page.evaluate("""() => {
        const seen = window.__pqBusySeen = {stage: false, sendDisabled: false, stop: false};
        const check = () => {
            const send = document.querySelector('#pq-send'), stop = document.querySelector('#pq-stop');
            const stage = document.querySelector('#pq-chat .pq-stage');
            if (stage && stage.textContent.trim()) seen.stage = true;
            if (send && send.disabled && stop && stop.offsetParent !== null) {
                seen.sendDisabled = true; seen.stop = true;
            }
        };
        new MutationObserver(check).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                            characterData: true});
    }""")


def ask_chat(page, question: str) -> None:
    """Ask and wait until the answer is complete."""
    watch_busy(page)
    box = page.locator("#pq-question textarea")
    box.fill(question)
    box.press("Enter")
    wait_until(page, "window.__pqBusySeen.sendDisabled", timeout=15_000)
    chat_idle(page)


def first_line_in_view(page, settle_ms: int = 3000) -> dict:
    """Where the last answer's first line is, once the log has settled (it scrolls smoothly):
    polled until it is in view or `settle_ms` have passed."""
    view = {}
    for _ in range(max(1, settle_ms // 100)):
        view = _first_line(page)
        if view["ok"]:
            break
        page.wait_for_timeout(100)
    return view


def _first_line(page) -> dict:
    return page.evaluate(
        """() => {
            const rows = document.querySelectorAll('#pq-chat .bot-row');
            const r = rows[rows.length - 1].getBoundingClientRect();
            const log = document.querySelector('#pq-chat [role="log"]').getBoundingClientRect();
            return {top: r.top, logTop: log.top, logBottom: log.bottom, vh: innerHeight,
                    ok: r.top >= Math.max(0, log.top) - 2 && r.top + 24 <= Math.min(innerHeight, log.bottom)};
        }""")


ENGLISH_DEFAULTS = ("Drop File Here", "Click to Upload", "Built with Gradio", "Use via API", "Settings",
                    "Conversation", "Examples", "Clear", "Chatbot")


def test_chat_desktop(servers, browser):
    api, _page_origin, _store = servers
    seen: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")  # Chinese anyway
    local_only(context, seen)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        open_chat(page, api)
        ask_chat(page, QUESTION)
        # while it was busy: a stage was shown, send was disabled and a stop button offered
        assert page.evaluate("window.__pqBusySeen") == {"stage": True, "sendDisabled": True, "stop": True}
        answer = page.locator("#pq-chat .bot-row").last
        answer.locator(".pq-sources").wait_for()
        view = first_line_in_view(page)
        assert view["ok"], view
        cards = answer.locator(".pq-cite")
        assert cards.count() >= 1
        text = answer.inner_text()
        assert ".txt" not in text and "来源" in text and "查看原文" in text
        sections = [c.locator(".pq-meta").inner_text() for c in cards.all()]
        assert all(sections) and "2014" in sections[0]
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / "chat.png"))

        # the source opens the original document with the quote highlighted and in view
        quote = cards.first.locator(".pq-quote").inner_text().strip()
        with page.expect_popup() as popup:
            cards.first.locator(".pq-cite-head a").click()
        doc = popup.value
        doc.wait_for_load_state()
        mark = doc.locator("mark#cited")
        assert " ".join(mark.inner_text().split()) == " ".join(quote.split())
        wait_until(doc, "() => { const r = document.getElementById('cited').getBoundingClientRect();"
                        " return r.top >= 0 && r.bottom <= innerHeight; }", timeout=5_000)
        assert "发文机关" in doc.locator("header").inner_text() or "日期" in doc.locator("header").inner_text()
        doc.screenshot(path=str(SHOTS / "doc-view.png"))
        doc.close()

        # a bad date filter: an error message of its own, the answer above untouched
        before = answer.inner_text()
        page.get_by_text("筛选条件（可选）").click()
        page.get_by_label("起始日期").fill("去年")
        ask_chat(page, "街道党建工作经费是多少？")
        page.locator("#pq-chat .pq-error").wait_for()
        assert page.locator("#pq-chat .bot-row").nth(0).inner_text() == before
        assert "日期格式" in page.locator("#pq-chat .bot-row").last.inner_text()
        page.get_by_label("起始日期").fill("")

        # nothing English from Gradio, no branding
        body = page.evaluate("document.body.innerText")
        assert not [w for w in ENGLISH_DEFAULTS if w in body], body
        page.get_by_role("tab", name="文档管理").click()
        page.get_by_text("将文件拖放到此处").wait_for()
        body = page.evaluate("document.body.innerText")
        assert not [w for w in ENGLISH_DEFAULTS if w in body]
        page.get_by_role("tab", name="问答").click()

        # the conversation survives a reload, and is listed to rename, export and delete
        page.reload()
        page.locator("#pq-chat .user-row", has_text=QUESTION).wait_for(timeout=20_000)
        assert page.locator("#pq-chat .pq-sources").count() >= 1
        toggle = page.locator(".sidebar .toggle-button")
        assert toggle.get_attribute("aria-label") == "历史对话"
        toggle.click()
        convs = page.locator("#pq-convs label")
        convs.first.wait_for()
        assert convs.count() == 1 and QUESTION[:10] in convs.first.inner_text()
        page.locator("#pq-title textarea, #pq-title input").first.fill("社区经费")
        page.locator("#pq-rename").click()
        page.locator("#pq-convs label", has_text="社区经费").wait_for()
        with page.expect_download() as download:
            page.locator("#pq-export").click()
        assert download.value.suggested_filename == "社区经费.md"
        md = Path(download.value.path()).read_text(encoding="utf-8")
        assert md.startswith("# 社区经费\n\n导出时间：") and f"## 问：{QUESTION}" in md and "**来源**" in md
        assert re.search(r"^1\. 《[^》]+》（[^）]+）：“.+”$", md, re.M), md
        assert "/doc/" not in md and "http" not in md and ".txt" not in md
        assert "## 问：街道党建工作经费是多少？\n\n> 无法回答：日期格式应为" in md  # the error, as shown
        (SHOTS / "chat-export.md").write_text(md, encoding="utf-8")
        page.locator("#pq-new").click()
        wait_until(page, "document.querySelectorAll('#pq-chat .user-row').length === 0")
        page.locator("#pq-convs label", has_text="社区经费").click()
        page.locator("#pq-chat .user-row", has_text=QUESTION).wait_for()
        page.locator("#pq-delete").click()
        wait_until(page, "document.querySelectorAll('#pq-convs label').length === 0")
        page.reload()
        page.locator("#pq-question textarea").wait_for()
        page.wait_for_timeout(1_000)
        assert page.locator("#pq-chat .user-row").count() == 0
    finally:
        context.close()
    assert seen and all((urlsplit(u).hostname or "").startswith("127.0.0.") for u in seen), \
        [u for u in seen if not (urlsplit(u).hostname or "").startswith("127.0.0.")]


def test_chat_phone(servers, browser):
    api, _page_origin, _store = servers
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        open_chat(page, api)
        # a declined answer offers suggestions that ask when clicked
        ask_chat(page, OFF_TOPIC)
        chat_idle(page)
        option = page.locator("#pq-chat button.option").first  # under the last answer
        option.wait_for()
        asked = option.inner_text().strip()
        watch_busy(page)
        option.click()
        page.locator("#pq-chat .user-row", has_text=asked).wait_for(timeout=10_000)
        wait_until(page, "window.__pqBusySeen.sendDisabled", timeout=15_000)
        chat_idle(page)

        ask_chat(page, QUESTION)
        page.locator("#pq-chat .bot-row").last.locator(".pq-sources").wait_for()
        view = first_line_in_view(page)
        assert view["ok"], view  # not scrolled down to the sources
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for sel in ("#pq-send", "#pq-question textarea"):
            box = page.locator(sel).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (sel, box)
        page.screenshot(path=str(SHOTS / "chat-phone.png"))
        page.get_by_role("tab", name="文档管理").click()
        token = page.get_by_label("管理令牌")
        token.fill(ADMIN)
        token.press("Enter")
        page.locator("#pq-admin-table", has_text="2014-12-24").wait_for(timeout=20_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the admin table fits too
    finally:
        context.close()


def test_ui_in_an_iframe_loads_at_the_top(servers, browser):
    api, page_origin, _store = servers
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{page_origin}/frame.html")
        frame = page.frame_locator("iframe")
        frame.locator("#pq-question textarea").wait_for(timeout=60_000)
        page.wait_for_timeout(800)
        assert page.evaluate("scrollY") == 0  # the host page is not scrolled to the frame
        inner = next(f for f in page.frames if f.url.startswith(api))
        assert inner.evaluate("scrollY") == 0
    finally:
        context.close()


# What a browser that blocks third-party storage does in the frame: any reading of localStorage
# throws (seen in headless Chromium now and then, and always with third-party cookies blocked).
BLOCKED_STORAGE = """(() => {
  if (window.top === window) return;
  Object.defineProperty(window, 'localStorage', {configurable: true, get() {
    throw new DOMException("Failed to read the 'localStorage' property from 'Window'", 'SecurityError');
  }});
})();"""


def test_ui_in_a_frame_without_storage_loads_and_answers(servers, browser):
    api, page_origin, _store = servers
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="zh-CN")
    context.add_init_script(BLOCKED_STORAGE)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{page_origin}/frame.html")
        frame = page.frame_locator("iframe")
        box = frame.locator("#pq-question textarea")
        box.wait_for(timeout=60_000)
        frame.get_by_text("筛选条件（可选）").click()
        frame.get_by_label("访问令牌").fill(TOKEN)
        box.fill(QUESTION)
        box.press("Enter")
        frame.locator("#pq-chat .bot-row .pq-sources").last.wait_for(timeout=90_000)
        page.screenshot(path=str(SHOTS / "chat-frame-no-storage.png"))
        assert not [e for e in errors if "localStorage" in e], errors
    finally:
        context.close()
