"""Crash safety under SIGKILL: 20 random kills during the ingest of 60 documents, each
followed by a consistency check in the next process, and a kill placed exactly between the
vector write and the manifest commit (the POLICYQA_FAULT hook) so the recovery sweep runs.
Real processes, real Chroma, the real embedder; bounded: small documents, 20 kills.

Each writing process is forked from one process that has imported the program once
(`Forker`): a process of its own that opens the store itself and dies of a real SIGKILL, only
without the seconds of imports a fresh interpreter spends before its first write."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE

KILLS = 20
# The forking process: imports what a writer needs, then for each command line forks a child
# that opens the store (the sweep runs if a writer died), checks it, writes the result as one
# JSON line to its output file, and ingests the folder again. The parent answers the child's pid
# at once and its exit code (negative: the signal that killed it) once it is gone.
FORKER = """
import json, os, sys, traceback
from pathlib import Path
from core.settings import load_settings
from policyqa.assistant import Assistant
from core.integrity import check
from ingest.pipeline import BatchOptions, ingest_paths

def run(store, docs, out):
    a = Assistant(load_settings(store=Path(store), sample_corpus=Path(store) / "none"))
    r = check(a.store)
    print(json.dumps({"ok": r.ok, "summary": r.summary(), "documents": r.documents}), file=out, flush=True)
    if docs:
        # Small write batches, so that kills land before, inside and between many writes.
        report = ingest_paths(a.store, [Path(docs)], progress=False,
                              options=BatchOptions(docs_per_write=4, chunks_per_write=32))
        print(json.dumps({"done": report.summary(), "failed": report.count("failed")}), file=out, flush=True)

print("ready", flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 0
        with open(cmd["out"], "w", encoding="utf-8") as out:
            try:
                os.environ.update(cmd["env"])
                run(cmd["store"], cmd["docs"], out)
            except BaseException:
                traceback.print_exc(file=out)
                code = 1
        os._exit(code)
    print(json.dumps({"pid": pid}), flush=True)
    print(json.dumps({"exit": os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}), flush=True)
"""


class Forker:
    """The forking process above, and the one child it runs at a time."""

    def __init__(self, tmp: Path):
        self.tmp, self.runs = tmp, 0
        tmp.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([sys.executable, "-c", FORKER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     cwd=ROOT, env=env())
        self.said: queue.Queue[str] = queue.Queue()  # its lines, read as they come
        threading.Thread(target=lambda: [self.said.put(line.strip()) for line in self.proc.stdout],
                         daemon=True).start()
        assert self._line(120) == "ready"

    def _line(self, timeout: float) -> str:
        try:
            return self.said.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the forking process said nothing in {timeout} s (exit {self.proc.poll()})")

    def start(self, store: Path, docs: Path | None, **extra) -> "Child":
        self.runs += 1
        out = self.tmp / f"run{self.runs}.jsonl"
        self.proc.stdin.write(json.dumps({"store": str(store), "docs": str(docs) if docs else None,
                                          "out": str(out), "env": extra}) + "\n")
        self.proc.stdin.flush()
        return Child(self, json.loads(self._line(60))["pid"], out)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


class Child:
    """One forked run: its output lines as they come, a real SIGKILL, and its exit code."""

    def __init__(self, forker: Forker, pid: int, out: Path):
        self.forker, self.pid, self.out = forker, pid, out
        self.returncode: int | None = None

    def lines(self) -> list[dict]:
        text = self.out.read_text(encoding="utf-8") if self.out.exists() else ""
        return [json.loads(s) for s in text.splitlines(keepends=True) if s.endswith("\n") and s.startswith("{")]

    def first_line(self, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while not self.lines():
            assert time.monotonic() < deadline, f"no check line in {timeout} s"
            if not self._alive():
                got = self.out.read_text(encoding="utf-8") if self.out.exists() else ""
                raise AssertionError(f"the checking process died (exit {self.wait(5)}): {got[-2000:]}")
            time.sleep(0.02)
        return self.lines()[0]

    def _alive(self) -> bool:
        if self.returncode is not None:
            return False
        try:
            os.kill(self.pid, 0)  # a zombie still answers until the forking process reaps it
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # it may have finished its work already
            os.kill(self.pid, signal.SIGKILL)

    def wait(self, timeout: float = 600) -> int:
        if self.returncode is None:
            self.returncode = json.loads(self.forker._line(timeout))["exit"]
        return self.returncode


def sentences_of_sample() -> list[str]:
    out = []
    for f in sorted(SAMPLE.glob("*.txt")):
        text = f.read_text(encoding="utf-8")
        out.extend(s.strip() + "。" for s in text.replace("\n", "").split("。") if 20 < len(s.strip()) < 120)
    return out


def write_document(folder: Path, i: int, sentences: list[str], version: int = 0) -> None:
    """A small real document: two sentences of the sample corpus (another pair per version)."""
    k = (i * 2 + version * 7) % (len(sentences) - 1)
    (folder / f"doc{i:03d}.txt").write_text(
        f"关于第{i + 1}号事项的通知\n{sentences[k]}\n{sentences[k + 1]}\n", encoding="utf-8")


def small_documents(folder: Path, n: int = 60) -> Path:
    folder.mkdir(parents=True)
    sentences = sentences_of_sample()
    for i in range(n):
        write_document(folder, i, sentences)
    return folder


def env(**extra) -> dict:
    e = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1",
         "ANONYMIZED_TELEMETRY": "False", "PYTHONPATH": str(ROOT), **extra}
    return {k: v for k, v in e.items() if not (k.startswith("POLICYQA_") and k not in extra)}


@pytest.fixture
def forker(tmp_path):
    f = Forker(tmp_path / "runs")
    yield f
    f.close()


def test_twenty_random_kills_during_ingest_leave_a_consistent_index(tmp_path, forker):
    docs = small_documents(tmp_path / "docs")
    store = tmp_path / "store"
    rng = random.Random(12)
    sentences = sentences_of_sample()
    checks = []
    for kill in range(KILLS):
        if kill >= KILLS // 2:  # later rounds also update documents (stale vectors, old originals)
            for i in rng.sample(range(60), 4):
                write_document(docs, i, sentences, version=kill)
        run = forker.start(store, docs)
        checks.append(run.first_line())
        time.sleep(rng.uniform(0.0, 4.0))  # somewhere in load, split, embed or write
        run.kill()
        assert run.wait(30) in (-signal.SIGKILL, 0)
        assert checks[-1]["ok"], checks[-1]["summary"]
    final = forker.start(store, docs)
    final.first_line()
    assert final.wait(600) == 0
    done = final.lines()[-1]
    assert done["failed"] == 0, done
    after = forker.start(store, None)
    result = after.first_line()
    after.wait(60)
    assert result["ok"] and result["documents"] == 60, result["summary"]
    assert len(checks) == KILLS and all(c["ok"] for c in checks)
    # The kills fell at different stages: some before the first write, some after several.
    seen = {c["documents"] for c in checks}
    assert 0 in seen and len(seen) >= 3, seen


def test_kill_between_vector_write_and_manifest_commit_is_swept(tmp_path, forker):
    docs = small_documents(tmp_path / "docs", n=6)
    store = tmp_path / "store"
    run = forker.start(store, docs, POLICYQA_FAULT="after-vectors")
    assert run.first_line()["ok"]
    assert run.wait(300) == -signal.SIGKILL  # died at the hook
    # Before any store opens it: vectors are in Chroma, the manifest has no chunk for them.
    raw = subprocess.run([sys.executable, "-c", (
        "import chromadb, sqlite3, sys\n"
        "from chromadb.config import Settings\n"
        "c = chromadb.PersistentClient(path=sys.argv[1] + '/chroma', settings=Settings(anonymized_telemetry=False))\n"
        "v = c.get_collection('policyqa').count()\n"
        "m = sqlite3.connect(sys.argv[1] + '/policyqa.manifest.sqlite3').execute('SELECT COUNT(*) FROM chunks').fetchone()[0]\n"
        "print(v, m)"), str(store)], capture_output=True, text=True, cwd=ROOT, env=env(), timeout=120)
    vectors, chunks = map(int, raw.stdout.split())
    assert vectors > 0 and chunks == 0, raw.stdout
    # Opening the store sweeps the orphans; then the same ingest completes.
    run = forker.start(store, docs)
    check = run.first_line()
    assert check["ok"] and check["documents"] == 0, check["summary"]
    assert run.wait(300) == 0 and run.lines()[-1]["failed"] == 0
    run = forker.start(store, None)
    check = run.first_line()
    run.wait(60)
    assert check["ok"] and check["documents"] == 6, check["summary"]
