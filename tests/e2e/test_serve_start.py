"""`policyqa serve` on an empty store, as a newcomer starts it: it says what it is doing
(documents, a progress bar, chunks) and when and where it is ready, and the app then answers
on 127.0.0.1 — the chat page, the offline API docs and a question."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from conftest import free_port

NOTICE = ("关于测试社区经费保障的通知\n\n各社区：为做好社区工作，现将经费保障有关事项通知如下。\n"
          "一、社区党组织工作经费由区财政统一保障，每年不少于5万元。\n二、经费专款专用，接受群众监督。\n")
PLAN = ("关于测试街道便民服务站建设的方案\n\n一、总体要求\n每个街道建设便民服务站1个，配备工作人员3名。\n"
        "二、保障措施\n区财政每年安排建设资金20万元。\n")


def test_first_start_reports_progress_and_readiness(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notice.txt").write_text(NOTICE, encoding="utf-8")
    (corpus / "plan.txt").write_text(PLAN, encoding="utf-8")
    port = free_port()
    env = {**os.environ, "POLICYQA_SAMPLE_CORPUS": str(corpus), "POLICYQA_STORE": str(tmp_path / "store"),
           "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1", "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "policyqa.cli", "serve", "--port", str(port)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env,
                            cwd=Path(__file__).resolve().parents[2])
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 240
        buffer = b""
        while not any("ready at" in line for line in lines):
            assert time.monotonic() < deadline, lines
            chunk = proc.stderr.read1(4096)
            assert chunk or proc.poll() is None, f"serve exited: {lines}"
            buffer += chunk
            *done, buffer = buffer.replace(b"\r", b"\n").split(b"\n")
            lines += [d.decode("utf-8", "replace") for d in done if d.strip()]
        log = "\n".join(lines)
        assert "indexing the 2 sample documents" in log
        assert "indexing: 100%" in log and "chunks=" in log  # the tqdm bar with chunks so far
        assert "indexed 2 of 2 documents" in log
        assert f"ready at http://127.0.0.1:{port}/ui/" in log
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(base + "/ui/", timeout=30).status_code == 200
        assert "/api-docs-assets/swagger-ui-bundle.js" in httpx.get(base + "/docs", timeout=30).text
        body = httpx.post(base + "/api/ask", json={"question": "社区党组织工作经费每年不少于多少？"}, timeout=60).json()
        assert "5万元" in body["answer"] and body["citations"][0]["url"].startswith("/doc/notice.txt?span=")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
