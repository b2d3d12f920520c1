"""The comparison's report (bench/compare.py): the table of policyqa against the naive baseline
with their ratios, the 100k-chunk targets met or not, the summary JSON, and the run's header
(commit, time, machine load)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS_100K = {"retrieval_p95_ms": 100, "answer_p95_ms": 300, "peak_rss_mb": 2048,
                "startup_s": 10, "hit5": 0.90}


def report(p: dict, b: dict, lat: dict) -> dict:
    p = {**p, **lat}
    b = {**b, "retrieval_p50_ms": lat["baseline_retrieval_p50_ms"], "retrieval_p95_ms": lat["baseline_retrieval_p95_ms"]}
    def ratio(x: float, y: float) -> str:
        return f"{x / y:.2f}×" if y else "—"

    rate = lambda r, key: r[key] / r["ingest_s"] if r["ingest_s"] else 0.0  # noqa: E731
    rows = [
        ("chunks", p["chunks"], b["chunks"], "{:.0f}"),
        ("documents", p["docs"], b["docs"], "{:.0f}"),
        ("ingest chunks/s", rate(p, "chunks"), rate(b, "chunks"), "{:.1f}"),
        ("ingest docs/s", rate(p, "docs"), rate(b, "docs"), "{:.2f}"),
        ("embed cache hits/misses", f"{p['embed_cache_hits']}/{p['embed_cache_misses']}",
         f"{b['embed_cache_hits']}/{b['embed_cache_misses']}", "{}"),
        ("small files/s, embeddings cached (per-file overhead)", p["small_files_per_s"], None, "{:.1f}"),
        ("start-up s (new process to first answer)", p["startup_s"], b["startup_s"], "{:.2f}"),
        ("peak RSS MB", p["peak_rss_mb"], b["peak_rss_mb"], "{:.0f}"),
        ("retrieval p50 ms", p["retrieval_p50_ms"], b["retrieval_p50_ms"], "{:.1f}"),
        ("retrieval p95 ms", p["retrieval_p95_ms"], b["retrieval_p95_ms"], "{:.1f}"),
        ("answer p50 ms", p["answer_p50_ms"], b["retrieval_p50_ms"], "{:.1f}"),
        ("answer p95 ms", p["answer_p95_ms"], b["retrieval_p95_ms"], "{:.1f}"),
        ("dev hit@5", p["hit5"], b["hit5"], "{:.3f}"),
        ("store MB", p["store_mb"], b["store_mb"], "{:.1f}"),
    ]
    print(f"\n{'':<48}{'policyqa':>12}{'baseline':>12}{'ratio':>9}")
    for name, x, y, fmt in rows:
        r = ratio(x, y) if isinstance(x, (int, float)) and isinstance(y, (int, float)) else ""
        shown = "—" if y is None else fmt.format(y)
        print(f"{name:<48}{fmt.format(x):>12}{shown:>12}{r:>9}")
    print("(baseline has no answer stage: the answer rows compare with its retrieval)")
    if b.get("partial_of"):
        print(f"PARTIAL baseline: its ingest stopped at its time budget (--baseline-minutes) after "
              f"{b['chunks']} of {b['partial_of']} chunks ({b['docs']} of {b['partial_of_docs']} documents, "
              f"the sample documents first): its rate is over what it did; its start-up, RSS, "
              f"latency, hit@5 and store size are on that smaller store (fewer distractors)")
    print("targets at 100k chunks: " + ", ".join(
        f"{k} {'≤' if k != 'hit5' else '≥'} {v}: "
        f"{'met' if (p[k] <= v if k != 'hit5' else p[k] >= v) else 'NOT met'}"
        for k, v in TARGETS_100K.items()))
    return {
        "chunks": p["chunks"], "docs": p["docs"],
        "ingest_chunks_per_s": round(rate(p, "chunks"), 2),
        "baseline_ingest_chunks_per_s": round(rate(b, "chunks"), 2),
        "ingest_docs_per_s": round(rate(p, "docs"), 2),
        "startup_s": round(p["startup_s"], 2),
        "small_files_per_s": round(p["small_files_per_s"], 1),
        "retrieval_p50_ms": round(p["retrieval_p50_ms"], 1),
        "retrieval_p95_ms": round(p["retrieval_p95_ms"], 1),
        "answer_p50_ms": round(p["answer_p50_ms"], 1),
        "answer_p95_ms": round(p["answer_p95_ms"], 1),
        "baseline_retrieval_p50_ms": round(b["retrieval_p50_ms"], 1),
        "baseline_retrieval_p95_ms": round(b["retrieval_p95_ms"], 1),
        "retrieval_p95_ratio": round(p["retrieval_p95_ms"] / b["retrieval_p95_ms"], 2),
        "answer_p95_ratio": round(p["answer_p95_ms"] / b["retrieval_p95_ms"], 2),
        "peak_rss_mb": round(p["peak_rss_mb"]), "baseline_peak_rss_mb": round(b["peak_rss_mb"]),
        "hit5": round(p["hit5"], 3), "baseline_hit5": round(b["hit5"], 3),
        "store_mb": round(p["store_mb"], 1), "baseline_store_mb": round(b["store_mb"], 1),
        "baseline_chunks": b["chunks"],
        **({"baseline_partial_of_chunks": b["partial_of"]} if b.get("partial_of") else {}),
    }


def run_header() -> str:
    """Where and when the figures were taken: commit, UTC time, the machine's load (it is shared:
    only the ratios carry over)."""
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        commit += "+uncommitted changes" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"# bench/compare.py {' '.join(sys.argv[1:])} — commit {commit}, "
            f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {os.cpu_count()} cores, "
            f"load average {load}")
