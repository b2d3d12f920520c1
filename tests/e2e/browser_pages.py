"""What the browser tests of the widget and the chat UI share: one real server on 127.0.0.1 with
the sample corpus, a host page on another origin (127.0.0.2) embedding the widget with its one
script tag, headless Chromium, and probes of computed styles. All traffic stays on 127.0.0.x.

Needs /usr/bin/chromium (Debian package `chromium`, plus `fonts-wqy-zenhei` for Chinese glyphs);
the tests importing it are skipped otherwise.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import socket
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
# Screenshots go to a temporary folder, so a test run never changes the checkout; to refresh the
# README's pictures: POLICYQA_SCREENSHOTS=docs python -m pytest tests/e2e/test_widget_browser.py tests/e2e/test_chat_browser.py
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
