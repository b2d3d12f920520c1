"""Crash safety with the kills *inside* the per-document write: each writing process arms a
timer of a random delay as a write begins (POLICYQA_FAULT=kill-in-write, core/faults.py),
and is SIGKILLed if that write is still running when it fires — while the pending row is in,
during the Chroma upsert, inside the SQLite transaction, after the commit before the stale
vectors go, or before the old originals go. After each of at least 50 such kills the next
process opens the store (the sweep runs) and checks it: vectors = manifest chunks, counts as
recorded, originals present. Real processes (forked, test_crash.Forker), real Chroma, the real
embedder."""

from __future__ import annotations

import random
import signal

from test_crash import forker, sentences_of_sample, small_documents, write_document  # noqa: F401 (a fixture)

KILLS_IN_WRITE = 50
DOCS = 24


def test_fifty_kills_inside_the_write_leave_a_consistent_index(tmp_path, forker):
    docs = small_documents(tmp_path / "docs", n=DOCS)
    store = tmp_path / "store"
    sentences = sentences_of_sample()
    rng = random.Random(21)
    stages: list[str] = []
    window = 0.25  # seconds: the timer's range, narrowed while kills miss the writes
    rounds = 0
    while len(stages) < KILLS_IN_WRITE:
        assert rounds < 4 * KILLS_IN_WRITE, f"only {len(stages)} kills inside a write in {rounds} rounds"
        assert stages or rounds < 10, "no kill landed inside a write in 10 rounds"
        for i in rng.sample(range(DOCS), 6):  # every round has writes to do (updates: stale vectors)
            write_document(docs, i, sentences, version=rounds + 1)
        log = tmp_path / f"kill{rounds}.log"
        run = forker.start(store, docs, POLICYQA_FAULT=f"kill-in-write:{window:.3f}:{rounds}",
                           POLICYQA_FAULT_LOG=str(log))
        check = run.first_line()
        assert check["ok"], (rounds, stages[-1:], check["summary"])
        if run.wait(600) == -signal.SIGKILL:
            assert log.exists(), "killed, but not by the in-write timer"
            stages.append(log.read_text(encoding="utf-8").strip())
        else:
            assert run.returncode == 0 and not log.exists()
            window = max(0.02, window * 0.7)
        rounds += 1
    final = forker.start(store, docs)
    assert final.first_line()["ok"]
    assert final.wait(600) == 0
    after = forker.start(store, None)
    result = after.first_line()
    after.wait(120)
    assert result["ok"] and result["documents"] == DOCS, result["summary"]
    # The kills fell inside the write, at several of its stages.
    assert len(stages) >= KILLS_IN_WRITE
    assert set(stages) <= {"pending", "vectors", "manifest", "committed", "stale-deleted", "originals"}
    assert len(set(stages)) >= 3, sorted(stages)
    print({s: stages.count(s) for s in set(stages)}, "in", rounds, "rounds")
