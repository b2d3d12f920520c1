"""Run every gold item through the same chain the users get, then score and report."""

from __future__ import annotations

import json
import time
from pathlib import Path

from eval.metrics import load_jsonl, score
from eval.report import write_report
from policyqa.assistant import Assistant
from retrieval.search import SearchOptions

# Ablation variants: each switches retrieval stages off or on (see `policyqa eval --ablation`).
ABLATIONS: dict[str, SearchOptions] = {
    "dense only": SearchOptions(bm25=False, expand_english=False, place_prior=False, dedupe=False,
                                diversity=False),
    "bm25 only": SearchOptions(dense=False, expand_english=False, place_prior=False, dedupe=False,
                               diversity=False),
    "hybrid (rrf)": SearchOptions(fusion="rrf", expand_english=False, place_prior=False,
                                  dedupe=False, diversity=False),
    "hybrid (convex)": SearchOptions(expand_english=False, place_prior=False, dedupe=False,
                                     diversity=False),
    "+ english expansion": SearchOptions(place_prior=False, dedupe=False, diversity=False),
    "+ place prior": SearchOptions(dedupe=False, diversity=False),
    "+ dedupe": SearchOptions(diversity=False),
    "+ diversity (full)": SearchOptions(),
}


def run_items(assistant: Assistant, gold: list[dict]) -> tuple[list[dict], list[float]]:
    outputs, latencies = [], []
    for item in gold:
        t0 = time.perf_counter()
        answer = assistant.ask(item["question"], item.get("history") or [])
        latencies.append(time.perf_counter() - t0)
        outputs.append({"id": item["id"], **answer.to_json()})
    return outputs, latencies


def evaluate(assistant: Assistant, gold_path: Path, out_dir: Path) -> dict:
    gold = load_jsonl(gold_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs, latencies = run_items(assistant, gold)
    with open(out_dir / "outputs.jsonl", "w", encoding="utf-8") as f:
        for o in outputs:
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    result, items = score(gold, outputs)
    ordered = sorted(latencies)
    result["timings"] = {
        "latency_p50_ms": 1000 * ordered[len(ordered) // 2] if ordered else None,
        "latency_p95_ms": 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else None,
        "n_chunks": assistant.store.count_chunks(),
    }
    (out_dir / "metrics.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    write_report(out_dir / "report.html", gold, outputs, items, result)
    return result


def ablation(assistant: Assistant, gold_path: Path) -> str:
    """One row per retrieval variant, on the same store; the full chain's answers are not needed
    for hit@k/MRR, but recall and declines are scored with each variant's answers too."""
    gold = load_jsonl(gold_path)
    saved = assistant.search_options
    rows = [f"{'variant':<22}{'hit@1':>7}{'hit@5':>7}{'MRR@10':>8}{'recall':>8}{'dec_acc':>9}{'f_dec':>7}"]
    try:
        for name, options in ABLATIONS.items():
            assistant.search_options = options
            outputs, _ = run_items(assistant, gold)
            o = score(gold, outputs)[0]["overall"]
            rows.append(f"{name:<22}" + "".join(
                f"{(o[k] if o[k] is not None else float('nan')):>{w}.2f}"
                for k, w in (("hit@1", 7), ("hit@5", 7), ("mrr@10", 8), ("recall", 8), ("dec_acc", 9), ("f_dec", 7))))
    finally:
        assistant.search_options = saved
    return "\n".join(rows)


__all__ = ["evaluate", "ablation", "run_items"]
