"""The widget on a site whose origin the server does not allow, in a real headless Chromium: the
visitor is told the site is not enabled for the assistant (not to check the network), and the
server's log tells the administrator which origin to add to POLICYQA_ALLOWED_ORIGINS.

Needs /usr/bin/chromium; skipped otherwise. All traffic stays on 127.0.0.x."""

from __future__ import annotations

import http.server
import logging
import shutil
import threading
from pathlib import Path

import httpx
import pytest

from conftest import LiveServer, wait_until

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium fonts-wqy-zenhei)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def test_widget_on_a_site_not_allowed_says_so_and_the_log_names_the_origin(sample_store, tmp_path, caplog):
    from core.settings import load_settings
    from policyqa.server import build_app

    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    settings = load_settings(store=store, allowed_origins="http://127.0.0.3:9")  # not the page's
    page_port = _free_port("127.0.0.2")
    page_origin = f"http://127.0.0.2:{page_port}"
    with LiveServer(build_app(settings)) as live:
        page_html = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>'
                     f'<p>门户</p><script src="{live.base}/widget.js" async></script></body></html>').encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page_html)))
                self.end_headers()
                self.wfile.write(page_html)

            def log_message(self, *args):
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.2", page_port), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        caplog.set_level(logging.WARNING, logger="policyqa.server")
        try:
            with sync_api.sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
                try:
                    page = browser.new_page(locale="zh-CN")
                    page.set_default_timeout(20_000)
                    page.goto(page_origin + "/")
                    page.locator("policyqa-widget button.launcher").click()
                    textarea = page.locator("policyqa-widget textarea.input")
                    textarea.fill("社区党组织的经费怎么保障？")
                    textarea.press("Enter")
                    error = page.locator("policyqa-widget .error .answer")
                    error.wait_for(state="visible")
                    text = error.inner_text()
                    assert "本网站尚未开通政策问答助手" in text and "网络" not in text, text
                    textarea.fill("How should a community party branch be funded?")
                    textarea.press("Enter")
                    wait_until(
                        page, "document.querySelector('policyqa-widget').shadowRoot"
                        ".querySelectorAll('.error .answer').length === 2")
                    assert "not enabled for the assistant" in error.nth(1).inner_text()
                finally:
                    browser.close()
        finally:
            httpd.shutdown()
            httpd.server_close()
        # The administrator's side: the first refusal names the origin and the setting, once.
        notes = [r.getMessage() for r in caplog.records if "POLICYQA_ALLOWED_ORIGINS" in r.getMessage()]
        assert len(notes) == 1 and f"POLICYQA_ALLOWED_ORIGINS={page_origin}" in notes[0], notes
        # An allowed or same-origin caller is told it may ask; nothing else is disclosed.
        ok = httpx.get(live.base + "/widget/status", headers={"Origin": "http://127.0.0.3:9"})
        assert ok.json() == {"origin_allowed": True} and ok.headers["access-control-allow-origin"] in ("*", "http://127.0.0.3:9")
        assert httpx.get(live.base + "/widget/status").json() == {"origin_allowed": True}
