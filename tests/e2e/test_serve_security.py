"""`policyqa serve` as deployed (its own process, its own uvicorn configuration, on 127.0.0.1):
X-Forwarded-For believed only from POLICYQA_TRUSTED_PROXIES, a Host allow-list, and the
access log SECURITY.md describes, with tokens redacted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import EMBED_CACHE, ROOT, free_port


def _wait(url: str, proc: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"policyqa serve exited with {proc.returncode}"
        try:
            httpx.get(url, timeout=2)  # any answer: it is serving (the Host may be refused)
            return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(url)


class Serve:
    """`policyqa serve` on a copy of the sample store; stdout and stderr kept in files."""

    def __init__(self, sample_store: Path, tmp: Path, **env) -> None:
        self.store = tmp / "store"
        shutil.copytree(sample_store, self.store)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.out = tmp / "serve.out"
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
        base_env.update(POLICYQA_STORE=str(self.store), POLICYQA_EMBED_CACHE=str(EMBED_CACHE),
                        PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE",
                        ANONYMIZED_TELEMETRY="False", **env)
        self.env = base_env

    def __enter__(self) -> "Serve":
        self.log = open(self.out, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "policyqa.cli", "serve", "--host", "127.0.0.1",
                                      "--port", str(self.port)], env=self.env, cwd=ROOT,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        _wait(self.base + "/api/health", self.proc)
        return self

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()

    def output(self) -> str:
        self.log.flush()
        time.sleep(0.5)
        return self.out.read_text(encoding="utf-8", errors="replace")


def feedback_codes(base: str, n: int, forwarded: bool, host: str | None = None) -> list[int]:
    codes = []
    for i in range(n):
        headers = {"X-Forwarded-For": f"10.9.{i // 250}.{i % 250 + 1}"} if forwarded else {}
        if host:
            headers["Host"] = host
        codes.append(httpx.post(base + "/api/feedback", json={"rating": "up", "question": "代理测试"},
                                headers=headers, timeout=30).status_code)
    return codes


def test_forwarded_for_is_ignored_by_default_and_the_access_log_redacts(sample_store, tmp_path):
    with Serve(sample_store, tmp_path, POLICYQA_RATE_LIMIT="1") as serve:
        # Each request claims another client: all still share the peer's bucket (burst 20).
        codes = feedback_codes(serve.base, 24, forwarded=True)
        assert codes[:20] == [200] * 20 and 429 in codes[20:], codes
        # The Host allow-list: the bound address and localhost names only.
        r = httpx.get(serve.base + "/api/health", headers={"Host": "evil.example"}, timeout=10)
        assert r.status_code == 400 and "evil.example" in r.json()["error"], r.text
        r = httpx.get(serve.base + "/ui/", headers={"Host": f"rebind.attacker.test:{serve.port}"}, timeout=10)
        assert r.status_code == 400
        for host in (f"localhost:{serve.port}", f"127.0.0.1:{serve.port}", "LOCALHOST"):
            assert httpx.get(serve.base + "/api/health", headers={"Host": host}, timeout=10).status_code == 200
        # The access log: client, method, path, status; token-like query values redacted.
        httpx.get(serve.base + "/api/health?token=LeakTok99&sig=LeakSig77&x=1", timeout=10)
        httpx.get(serve.base + "/doc/x.txt?sig=LeakSig55", timeout=10)
        out = serve.output()
    access = [line for line in out.splitlines() if '"GET /api/health' in line]
    assert access and "127.0.0.1" in access[-1] and "200" in access[-1], out[-3000:]
    assert "LeakTok99" not in out and "LeakSig77" not in out and "LeakSig55" not in out
    assert "token=[redacted]" in out and "x=1" in out
    assert '"POST /api/feedback HTTP/1.1" 429' in out  # refusals are logged too


def test_forwarded_for_is_believed_from_a_configured_proxy(sample_store, tmp_path):
    with Serve(sample_store, tmp_path, POLICYQA_RATE_LIMIT="1", POLICYQA_TRUSTED_PROXIES="127.0.0.1",
               POLICYQA_ALLOWED_HOSTS="policy.intranet.example") as serve:
        codes = feedback_codes(serve.base, 24, forwarded=True, host="policy.intranet.example")
        assert codes == [200] * 24, codes  # one bucket per real client behind the proxy
        out = serve.output()
        assert "10.9.0.24" in out  # the log names the client, not the proxy
        r = httpx.get(serve.base + "/api/health", headers={"Host": "policy.intranet.example"}, timeout=10)
        assert r.status_code == 200
        r = httpx.get(serve.base + "/api/health", headers={"Host": f"localhost:{serve.port}"}, timeout=10)
        assert r.status_code == 400  # a configured list replaces the default
