"""Retrieval and answer latency on a store, side by side with a baseline (dense-only search).

    .venv/bin/python bench/latency.py [--store DIR] [--gold ../shared/gold/dev.jsonl] [--repeat 3]

Prints p50/p95 per stage in milliseconds and the ratio of the full chain to the baseline.
Targets (issue roadmap): retrieval p95 ≤ 100 ms at 100k chunks on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from core.settings import PROJECT_ROOT, load_settings
from policyqa.assistant import Assistant, Request
from retrieval.search import SearchOptions


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, default=Path("/tmp/policyqa-bench"))
    ap.add_argument("--gold", type=Path, default=PROJECT_ROOT.parent / "shared" / "gold" / "dev.jsonl")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    assistant = Assistant(load_settings(store=args.store))
    if assistant.store.count_chunks() == 0:
        t0 = time.perf_counter()
        assistant.ingest([assistant.settings.sample_corpus])
        print(f"ingest: {time.perf_counter() - t0:.1f} s")
    questions = [json.loads(line)["question"] for line in args.gold.open(encoding="utf-8")]
    assistant.searcher.keyword()  # build the keyword index outside the timings
    rows = {}
    for name, options in (("baseline dense-only", SearchOptions(bm25=False, expand_english=False,
                                                                  dedupe=False, diversity=False)),
                          ("hybrid search", SearchOptions())):
        assistant.search_options = options
        search_t, answer_t = [], []
        for _ in range(args.repeat):
            for q in questions:
                t0 = time.perf_counter()
                query = assistant.understand(Request(q))
                hits = assistant.retrieve(query)
                t1 = time.perf_counter()
                assistant.ground(query, hits)
                t2 = time.perf_counter()
                search_t.append(t1 - t0)
                answer_t.append(t2 - t1)
        rows[name] = (pct(search_t, 0.5), pct(search_t, 0.95), pct(answer_t, 0.5), pct(answer_t, 0.95),
                      statistics.mean(search_t) * 1000)
    print(f"{assistant.store.count_chunks()} chunks, {len(questions)} questions × {args.repeat}")
    print(f"{'variant':<22}{'search p50':>12}{'search p95':>12}{'answer p50':>12}{'answer p95':>12}")
    for name, (s50, s95, a50, a95, _) in rows.items():
        print(f"{name:<22}{s50:>12.1f}{s95:>12.1f}{a50:>12.1f}{a95:>12.1f}")
    base, full = rows["baseline dense-only"], rows["hybrid search"]
    print(f"ratio hybrid/baseline: search p50 {full[0] / base[0]:.2f}×, p95 {full[1] / base[1]:.2f}×")


if __name__ == "__main__":
    main()
