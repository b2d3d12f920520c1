"""Crash safety under SIGKILL: 20 random kills during the ingest of 60 documents, each
followed by a consistency check in the next process, and a kill placed exactly between the
vector write and the manifest commit (the POLICYQA_FAULT hook) so the recovery sweep runs.
Real processes, real Chroma, the real embedder; bounded: small documents, 20 kills."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE

KILLS = 20
# The next process opens the store (the sweep runs if a writer died), checks it, prints the
# result as one JSON line, and ingests the folder again.
CHECK_THEN_INGEST = """
import json, sys
from pathlib import Path
from core.settings import load_settings
from policyqa.assistant import Assistant
from core.integrity import check
a = Assistant(load_settings(store=Path(sys.argv[1]), sample_corpus=Path(sys.argv[1]) / "none"))
r = check(a.store)
print(json.dumps({"ok": r.ok, "summary": r.summary(), "documents": r.documents}), flush=True)
if len(sys.argv) > 2:
    from ingest.pipeline import BatchOptions, ingest_paths
    # Small write batches, so that kills land before, inside and between many writes.
    report = ingest_paths(a.store, [Path(sys.argv[2])], progress=False,
                          options=BatchOptions(docs_per_write=4, chunks_per_write=32))
    print(json.dumps({"done": report.summary(), "failed": report.count("failed")}), flush=True)
"""


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


def start(store: Path, docs: Path | None, **extra) -> subprocess.Popen:
    args = [sys.executable, "-c", CHECK_THEN_INGEST, str(store)] + ([str(docs)] if docs else [])
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=ROOT, env=env(**extra))


def first_line(proc: subprocess.Popen) -> dict:
    line = proc.stdout.readline()
    assert line, f"the checking process died (exit {proc.wait()})"
    return json.loads(line)


def test_twenty_random_kills_during_ingest_leave_a_consistent_index(tmp_path):
    docs = small_documents(tmp_path / "docs")
    store = tmp_path / "store"
    rng = random.Random(12)
    sentences = sentences_of_sample()
    checks = []
    for kill in range(KILLS):
        if kill >= KILLS // 2:  # later rounds also update documents (stale vectors, old originals)
            for i in rng.sample(range(60), 4):
                write_document(docs, i, sentences, version=kill)
        proc = start(store, docs)
        checks.append(first_line(proc))
        time.sleep(rng.uniform(0.0, 4.0))  # somewhere in load, split, embed or write
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert checks[-1]["ok"], checks[-1]["summary"]
    final = start(store, docs)
    first_line(final)
    out, _ = final.communicate(timeout=600)
    done = json.loads(out.strip().splitlines()[-1])
    assert done["failed"] == 0, done
    after = start(store, None)
    result = first_line(after)
    after.wait(timeout=60)
    assert result["ok"] and result["documents"] == 60, result["summary"]
    assert len(checks) == KILLS and all(c["ok"] for c in checks)
    # The kills fell at different stages: some before the first write, some after several.
    seen = {c["documents"] for c in checks}
    assert 0 in seen and len(seen) >= 3, seen


def test_kill_between_vector_write_and_manifest_commit_is_swept(tmp_path):
    docs = small_documents(tmp_path / "docs", n=6)
    store = tmp_path / "store"
    proc = start(store, docs, POLICYQA_FAULT="after-vectors")
    assert first_line(proc)["ok"]
    proc.wait(timeout=300)
    assert proc.returncode == -signal.SIGKILL  # died at the hook
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
    proc = start(store, docs)
    check = first_line(proc)
    assert check["ok"] and check["documents"] == 0, check["summary"]
    out, _ = proc.communicate(timeout=300)
    assert json.loads(out.strip().splitlines()[-1])["failed"] == 0
    proc = start(store, None)
    check = first_line(proc)
    proc.wait(timeout=60)
    assert check["ok"] and check["documents"] == 6, check["summary"]
