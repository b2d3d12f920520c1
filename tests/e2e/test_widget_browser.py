"""The embeddable widget (policyqa/static/widget.js), the chat UI (/ui) and the document view
(/doc) in a real headless Chromium, at desktop and phone widths, against one real server.

The real server (`build_app`, sample corpus ingested on first start) runs on 127.0.0.1; a host
page on a *different* origin (127.0.0.2) embeds it with the one script tag. Checked: the button
opens the panel, a streamed answer arrives with citation chips, a chip reveals its quote,
feedback is stored, a declined answer offers clickable suggestions, 新对话 clears the
conversation, the host page's own styles are untouched (and its CSS does not leak in), and on
a phone-width screen the panel fits the viewport; sources open the original with the quote
highlighted; conversations survive a reload and can be renamed, exported and deleted; a stop
button ends an answer. The chat UI: Chinese only, stages while busy (send disabled, stop shown),
the answer's first line in view, errors as their own message, clickable suggestions, source
cards without file names. Takes widget.png, chat.png, chat-phone.png and doc-view.png (into
$POLICYQA_SCREENSHOTS, e.g. docs/, or a temporary folder).

Needs /usr/bin/chromium (Debian package `chromium`, plus `fonts-wqy-zenhei` for Chinese glyphs);
skipped otherwise. All traffic stays on 127.0.0.x.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import re
import socket
import sqlite3
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
# Screenshots go to a temporary folder, so a test run never changes the checkout; to refresh the
# README's pictures: POLICYQA_SCREENSHOTS=docs python -m pytest tests/test_widget_browser.py
SHOTS = Path(os.environ.get("POLICYQA_SCREENSHOTS") or tempfile.mkdtemp(prefix="policyqa-shots-"))
SCREENSHOT = SHOTS / "widget.png"
QUESTION = "社区党组织的经费怎么保障？"
OFF_TOPIC = "今天天气怎么样"
TOKEN = "widget-test-token"
ADMIN = "widget-test-admin"
ACCENT = "rgb(29, 78, 216)"  # the widget's default accent colour

if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium fonts-wqy-zenhei)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]

HOST_CSS = """
  * { letter-spacing: 1px; }
  body { margin: 0; font-family: Georgia, "Times New Roman", serif; background: rgb(250, 247, 240);
         color: rgb(51, 51, 51); line-height: 1.8; }
  header { background: rgb(153, 27, 27); color: #fff; padding: 18px 48px; }
  header h1 { margin: 0; font-size: 26px; color: rgb(255, 255, 255); }
  nav { background: rgb(127, 29, 29); padding: 8px 48px; }
  nav a { color: rgb(254, 226, 226); margin-right: 24px; text-decoration: none; font-size: 15px; }
  main { max-width: 760px; margin: 28px 48px; }
  h2 { color: rgb(128, 0, 0); font-size: 22px; border-bottom: 2px solid rgb(153, 27, 27); }
  p.lead { font-size: 17px; color: rgb(40, 40, 40); }
  div { color: rgb(0, 128, 0) !important; }
  button { background: rgb(255, 0, 0); color: rgb(255, 255, 0); border-radius: 0; font-size: 28px; }
  .notice { border: 1px dashed rgb(153, 27, 27); padding: 10px 14px; }
"""

HOST_BODY = """
<header><h1 id="site-title">某市人民政府 · 内部办公门户</h1></header>
<nav><a href="#">首页</a><a href="#">通知公告</a><a href="#">政策文件</a><a href="#">办事指南</a></nav>
<main>
  <h2 id="section">关于加强基层党组织建设的政策汇编</h2>
  <p class="lead" id="lead">本栏目汇集本市及上级部门发布的基层党组织建设相关文件。如对政策条款有疑问，
     可点击右下角的“政策问答”按钮，系统将依据文件原文作答并标注出处。</p>
  <div class="notice" id="notice">提示：本页面为内部网站，仅供工作人员使用。</div>
  <p><button id="host-button" type="button">宿主按钮</button></p>
</main>
"""

# Host-page properties that must look the same with and without the widget.
HOST_PROBES = {
    "body": ["font-family", "background-color", "color", "line-height", "margin-top", "letter-spacing"],
    "#site-title": ["color", "font-size", "font-family"],
    "#section": ["color", "font-size", "border-bottom-color"],
    "#lead": ["font-size", "color", "line-height"],
    "#notice": ["color", "border-top-style", "padding-left"],
    "#host-button": ["background-color", "color", "font-size", "border-top-left-radius"],
}


def host_page(widget_src: str | None) -> bytes:
    tag = (f'<script src="{widget_src}" data-title="政策问答" data-token="{TOKEN}" async></script>'
           if widget_src else "")
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>内部门户</title><style>{HOST_CSS}</style></head>"
            f"<body>{HOST_BODY}{tag}</body></html>").encode("utf-8")


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """(assistant base URL, host-page base URL, store path) with both servers running."""
    from core.settings import load_settings
    from policyqa.server import build_app

    api_port, page_port = free_port("127.0.0.1"), free_port("127.0.0.2")
    page_origin = f"http://127.0.0.2:{page_port}"
    store = tmp_path_factory.mktemp("widget") / "s"
    settings = load_settings(store=store, allowed_origins=page_origin, chat_token=TOKEN,
                             admin_token=ADMIN, host="127.0.0.1", port=api_port)
    app = build_app(settings)  # empty store: ingests the bundled sample corpus

    running = contextlib.ExitStack()
    api = running.enter_context(LiveServer(app, port=api_port, lifespan="on")).base  # Gradio's queue starts on startup

    pages = {"/": host_page(f"{api}/widget.js"), "/plain.html": host_page(None),
             "/frame.html": (f'<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">'
                             f'<p style="height:300px">门户内容</p><iframe src="{api}/ui/" title="政策问答" '
                             f'style="width:100%;height:720px;border:0"></iframe><p style="height:900px"></p>'
                             f'</body></html>').encode("utf-8")}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = pages.get(self.path.split("?")[0])
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.2", page_port), Handler)
    page_thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    page_thread.start()
    try:
        yield api, page_origin, store
    finally:
        httpd.shutdown()
        httpd.server_close()
        running.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def local_only(context, seen: list[str]) -> None:
    """Abort anything not addressed to 127.0.0.x (nothing should be), and remember every URL."""
    def guard(route):
        url = route.request.url
        seen.append(url)
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host.startswith("127.0.0."):
            route.continue_()
        else:
            route.abort()
    context.route("**/*", guard)


def computed(page, probes: dict[str, list[str]]) -> dict:
    return page.evaluate(
        """(probes) => {
            const out = {};
            for (const [sel, props] of Object.entries(probes)) {
                const el = document.querySelector(sel);
                const cs = getComputedStyle(el);
                const r = el.getBoundingClientRect();
                out[sel] = Object.fromEntries(props.map(p => [p, cs.getPropertyValue(p)]));
                out[sel].box = [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)];
            }
            out.styleSheets = document.styleSheets.length;
            out.headChildren = document.head.children.length;
            return out;
        }""", probes)


def shadow_style(page, selector: str, props: list[str]) -> dict:
    return page.evaluate(
        """([sel, props]) => {
            const root = document.querySelector('policyqa-widget').shadowRoot;
            const cs = getComputedStyle(root.querySelector(sel));
            return Object.fromEntries(props.map(p => [p, cs.getPropertyValue(p)]));
        }""", [selector, props])


def sse_answer(body: bytes) -> dict:
    for block in body.decode("utf-8").split("\n\n"):
        lines = block.splitlines()
        if "event: answer" in lines:
            return json.loads("\n".join(line[6:] for line in lines if line.startswith("data: ")))
    raise AssertionError(f"no answer event in the stream: {body[:300]!r}")


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
        page.wait_for_function(
            "document.querySelector('policyqa-widget').shadowRoot.activeElement?.tagName === 'TEXTAREA'",
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
        page.wait_for_function(
            "!document.querySelector('policyqa-widget').shadowRoot.querySelector('[aria-busy=\"true\"]')",
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
    page.wait_for_function(
        "!document.querySelector('policyqa-widget').shadowRoot.querySelector('[aria-busy=\"true\"]')",
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
def chat_idle(page) -> None:
    page.wait_for_function(
        "() => { const s = document.querySelector('#pq-send'); const t = document.querySelector('#pq-stop');"
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
    page.wait_for_function("window.__pqBusySeen.sendDisabled", timeout=15_000)
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
        doc.wait_for_function("() => { const r = document.getElementById('cited').getBoundingClientRect();"
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
        page.wait_for_function("document.querySelectorAll('#pq-chat .user-row').length === 0")
        page.locator("#pq-convs label", has_text="社区经费").click()
        page.locator("#pq-chat .user-row", has_text=QUESTION).wait_for()
        page.locator("#pq-delete").click()
        page.wait_for_function("document.querySelectorAll('#pq-convs label').length === 0")
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
        page.wait_for_function("window.__pqBusySeen.sendDisabled", timeout=15_000)
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
