"""/api/health reports each dependency; while the Chroma server is down the app answers 503
with a clear message (health, questions, the stream, the chat) and recovers without a restart
once Chroma is back. A real `chroma run` on 127.0.0.1, stopped and started again on the same
data; the real server; real questions."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import SAMPLE, LiveServer, free_port

QUESTION = "社区党组织的经费怎么保障？"


class Chroma:
    def __init__(self, path: Path) -> None:
        self.exe = Path(sys.executable).with_name("chroma")
        if not self.exe.exists():
            pytest.skip("the chroma CLI is not installed")
        self.path, self.port, self.proc = path, free_port(), None

    def start(self) -> None:
        self.proc = subprocess.Popen([str(self.exe), "run", "--path", str(self.path), "--host", "127.0.0.1",
                                      "--port", str(self.port)],
                                     env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "chroma run exited"
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise TimeoutError("chroma run did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()  # gone at once, as a crashed server would be
            self.proc.wait(timeout=30)


def test_health_and_answers_while_chroma_is_down_and_after_it_returns(tmp_path):
    from policyqa.assistant import Assistant
    from core.settings import load_settings
    from policyqa.server import build_app

    chroma = Chroma(tmp_path / "chroma")
    chroma.start()
    try:
        settings = load_settings(store=tmp_path / "store", chroma_host="127.0.0.1", chroma_port=chroma.port,
                                 sample_corpus=SAMPLE, rate_limit=0)
        app = build_app(settings, Assistant(settings))
        with LiveServer(app) as live:
            ask = lambda: httpx.post(live.base + "/api/ask", json={"question": QUESTION}, timeout=120)
            health = httpx.get(live.base + "/api/health", timeout=30)
            assert health.status_code == 200, health.text
            deps = health.json()["dependencies"]
            assert deps["chroma"]["ok"] and deps["chroma"]["mode"].startswith("server") and deps["manifest"]["ok"]
            assert ask().status_code == 200

            chroma.stop()
            health = httpx.get(live.base + "/api/health", timeout=30)
            assert health.status_code == 503, health.text
            body = health.json()
            assert body["status"] == "unavailable" and "Chroma" in body["error"]
            assert not body["dependencies"]["chroma"]["ok"] and body["dependencies"]["manifest"]["ok"]
            r = ask()
            assert r.status_code == 503 and "Chroma" in r.json()["error"], r.text
            assert r.headers.get("Retry-After")
            with httpx.stream("POST", live.base + "/api/ask/stream", json={"question": QUESTION},
                              timeout=120) as stream:
                events = "".join(stream.iter_text())
            assert "event: error" in events and "Chroma" in events, events[-500:]
            from policyqa import ui_chat

            steps = list(ui_chat.chat_reply(app.state.assistant, QUESTION, []))
            assert "暂时无法连接" in steps[-1][0][-1]["content"]

            chroma.start()  # same data, same port: no restart of the app
            health = httpx.get(live.base + "/api/health", timeout=30)
            assert health.status_code == 200, health.text
            r = ask()
            assert r.status_code == 200 and not r.json()["declined"], r.text
    finally:
        chroma.stop()
