"""Several processes, one store: `policyqa serve` processes see what `policyqa ingest` and
`policyqa delete` (other processes) committed, and agree with each other; the same round trip
through a Chroma server (`chroma run` on 127.0.0.1) as through the embedded store.
Real processes, real HTTP on 127.0.0.1, bounded in time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import EMBED_CACHE, ROOT, SAMPLE, free_port

POLICYQA = [sys.executable, "-m", "policyqa.cli"]
NEW_DOC = ("星河县人民政府关于建设乡村图书馆的通知\n"
           "2025年，星河县在全县乡镇新建乡村图书馆37座，每座配备图书不少于3000册。\n"
           "县财政安排专项资金480万元，用于图书馆建设和日常运行。\n")
QUESTION = "星河县新建了多少座乡村图书馆？"


def _env(store: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env.update(POLICYQA_STORE=str(store), POLICYQA_EMBED_CACHE=str(EMBED_CACHE),
               OMP_WAIT_POLICY="PASSIVE", OMP_NUM_THREADS="1", ANONYMIZED_TELEMETRY="False", **extra)
    return env


def _wait(url: str, proc: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(url)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _ask(base: str, question: str) -> dict:
    r = httpx.post(base + "/api/ask", json={"question": question}, timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


def _cites(body: dict, doc: str) -> bool:
    return any(c["doc"] == doc for c in body["citations"])


@pytest.fixture(scope="module")
def two_servers(sample_store, tmp_path_factory):
    store = tmp_path_factory.mktemp("procs") / "store"
    shutil.copytree(sample_store, store)
    procs, bases = [], []
    try:
        for _ in range(2):
            port = free_port()
            procs.append(subprocess.Popen(POLICYQA + ["serve", "--port", str(port)], env=_env(store),
                                          cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            bases.append(f"http://127.0.0.1:{port}")
        for proc, base in zip(procs, bases):
            _wait(base + "/api/health", proc)
        yield store, bases
    finally:
        for proc in procs:
            _stop(proc)


def test_running_servers_see_what_another_process_ingests_and_deletes(two_servers, tmp_path):
    store, bases = two_servers
    for base in bases:
        assert not _cites(_ask(base, QUESTION), "xinghe.txt")
    doc = tmp_path / "xinghe.txt"
    doc.write_text(NEW_DOC, encoding="utf-8")
    done = subprocess.run(POLICYQA + ["ingest", str(doc)], env=_env(store), cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    answers = [_ask(base, QUESTION) for base in bases]
    for body in answers:
        assert not body["declined"] and _cites(body, "xinghe.txt"), body["answer"]
        assert "37座" in body["answer"]
    assert answers[0]["answer"] == answers[1]["answer"]  # two servers, one store, one answer
    done = subprocess.run(POLICYQA + ["delete", "xinghe.txt"], env=_env(store), cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for base in bases:
        body = _ask(base, QUESTION)
        assert not _cites(body, "xinghe.txt")
        assert all(h["doc"] != "xinghe.txt" for h in body["retrieved"])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    chroma = Path(sys.executable).with_name("chroma")
    if not chroma.exists():
        pytest.skip("the chroma CLI is not installed")
    port = free_port()
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path_factory.mktemp("chroma")),
                             "--host", "127.0.0.1", "--port", str(port)],
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, seconds=60)
        yield port
    finally:
        _stop(proc)


@pytest.mark.parametrize("mode", ["embedded", "chroma-server"])
def test_round_trip_same_on_embedded_and_server_chroma(mode, request, tmp_path):
    """Ingest the sample corpus, answer with exact cited spans, decline what it cannot answer,
    and see a second process's ingest — with vectors in-process or on a Chroma server."""
    from policyqa.assistant import Assistant
    from core.settings import load_settings

    extra = {}
    if mode == "chroma-server":
        extra = {"chroma_host": "127.0.0.1", "chroma_port": request.getfixturevalue("chroma_server")}
    settings = load_settings(store=tmp_path / "store", collection=f"rt{os.getpid()}", **extra)
    a = Assistant(settings)
    assert a.ingest([SAMPLE]).count("indexed") == 5
    answer = a.ask("新建住宅小区要配建多大面积的社区办公用房？")
    assert not answer.declined and "400平方米" in answer.text
    original = (SAMPLE / "004_df71fea4efc04293.txt").read_text(encoding="utf-8")
    assert answer.citations and all(original[c.start:c.end] == c.quote for c in answer.citations
                                     if c.doc == "004_df71fea4efc04293.txt")
    assert a.ask("柳园镇2031年发放的救助金总额是多少？").declined
    doc = tmp_path / "xinghe.txt"
    doc.write_text(NEW_DOC, encoding="utf-8")
    env = {k.upper(): str(v) for k, v in (("POLICYQA_COLLECTION", settings.collection),
                                          *((f"POLICYQA_{k}", v) for k, v in extra.items()))}
    done = subprocess.run(POLICYQA + ["ingest", str(doc)], env=_env(tmp_path / "store", **env),
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    answer = a.ask(QUESTION)
    assert "37座" in answer.text and any(c.doc == "xinghe.txt" for c in answer.citations)
