"""Test hooks for crash tests. Unset in normal use; each costs one environment lookup.

- `POLICYQA_FAULT=<point>` kills the process with SIGKILL when a write reaches that point
  (e.g. "after-vectors": vectors written, manifest not yet committed), so the recovery sweep
  runs for real.
- `POLICYQA_FAULT=kill-in-write:<seconds>:<seed>` kills the process at a random moment *inside*
  a write: each write (Store.upsert_documents / delete_document) arms a timer of a random
  delay up to <seconds>; if the write is still running when it fires, the stage it reached is
  written to `POLICYQA_FAULT_LOG` and the process is killed (else the next write arms another).
  Stages, in order: pending (the pending_writes row is in), vectors (Chroma upsert under way),
  manifest (the SQLite transaction open), committed, stale-deleted, originals.
"""

from __future__ import annotations

import os
import random
import signal
import threading

_stage = ""  # the stage of the write in progress ("" outside a write)
_write = 0  # a number per write, so that a timer knows whether its write is still running
_rng: random.Random | None = None
# Held by a firing timer from reading the stage until the kill lands, and taken by stage(): the
# write cannot move on (or end, and the process exit cleanly) between the log line and the kill.
_lock = threading.Lock()


def fault_point(name: str) -> None:
    if os.environ.get("POLICYQA_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def stage(name: str) -> None:
    """The write in progress reached `name` ("" when it is over)."""
    global _stage
    with _lock:
        _stage = name


def write_started() -> None:
    """Called as a write begins: arms the in-write kill when it is configured."""
    global _write, _rng
    _write += 1
    spec = os.environ.get("POLICYQA_FAULT", "")
    if not spec.startswith("kill-in-write:"):
        return
    _, seconds, seed = spec.split(":")
    if _rng is None:
        _rng = random.Random(int(seed))
    mine = _write
    timer = threading.Timer(_rng.uniform(0.0, float(seconds)), _kill_if_still_writing, (mine,))
    timer.daemon = True
    timer.start()


def _kill_if_still_writing(write: int) -> None:
    _lock.acquire()  # never released: this process dies holding it, or returns below
    reached = _stage
    if write != _write or not reached:
        _lock.release()
        return
    log = os.environ.get("POLICYQA_FAULT_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(reached + "\n")
            f.flush()
            os.fsync(f.fileno())
    os.kill(os.getpid(), signal.SIGKILL)
