"""The admin's upload in a real headless Chromium: Gradio's upload route needs the admin
token, so the documents tab sends the token typed into it with the upload request. Without
the token the upload is refused; with it the file is indexed from its bytes and its
temporary copy removed. Needs /usr/bin/chromium; skipped otherwise. Traffic stays on 127.0.0.1."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

ADMIN = "browser-admin-token"
NOTICE = ("关于浏览器上传测试的通知\n一、浏览器上传的文件经管理令牌校验后索引。\n"
          "二、测试补贴每人每年六百元。\n")


@pytest.fixture(scope="module")
def server(sample_store, tmp_path_factory):

    from core.settings import load_settings
    from policyqa.server import build_app

    store = tmp_path_factory.mktemp("upload-browser") / "store"
    shutil.copytree(sample_store, store)
    app = build_app(load_settings(store=store, admin_token=ADMIN))
    with LiveServer(app) as live:
        yield app, live.base


def test_admin_upload_in_the_browser_sends_the_token(server, tmp_path):
    app, base = server
    upload = tmp_path / "浏览器上传通知.txt"
    upload.write_text(NOTICE, encoding="utf-8")
    statuses: list[int] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.on("response", lambda r: statuses.append(r.status)
                    if "/gradio_api/upload" in r.url and "progress" not in r.url else None)
            page.goto(base + "/ui/", timeout=120_000)
            page.get_by_role("tab", name="文档管理").click()
            file_input = page.locator("input[type=file]").first
            # No token typed yet: the route refuses the file.
            file_input.set_input_files(str(upload))
            deadline = time.time() + 60
            while not statuses and time.time() < deadline:
                page.wait_for_timeout(200)
            assert statuses and statuses[0] == 401, statuses
            page.reload()
            page.get_by_role("tab", name="文档管理").click()
            page.locator("#pq-admin-token input, #pq-admin-token textarea").first.fill(ADMIN)
            statuses.clear()
            page.locator("input[type=file]").first.set_input_files(str(upload))
            deadline = time.time() + 60
            while not statuses and time.time() < deadline:
                page.wait_for_timeout(200)
            assert statuses == [200], statuses
            page.get_by_role("button", name="上传并索引").click()
            deadline = time.time() + 120
            while "已收录" not in page.locator("#pq-admin-results").inner_text() and time.time() < deadline:
                page.wait_for_timeout(300)
            assert "已收录" in page.locator("#pq-admin-results").inner_text()
        finally:
            browser.close()
    assistant = app.state.assistant
    assert "浏览器上传通知.txt" in {d["doc"] for d in assistant.store.documents()}
    from policyqa import gradio_files

    assert not list(gradio_files.upload_root().rglob("浏览器上传通知.txt"))  # temp copy removed
    answer = assistant.ask("测试补贴每人每年多少？")
    assert "六百元" in answer.text
