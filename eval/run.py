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
    """Ask every item; an item with `exclude_docs` (leave-one-document-out) is asked against
    the index without those documents."""
    outputs, latencies = [], []
    for item in gold:
        filters = {"exclude_docs": item["exclude_docs"]} if item.get("exclude_docs") else None
        t0 = time.perf_counter()
        answer = assistant.ask(item["question"], item.get("history") or [], filters=filters)
        latencies.append(time.perf_counter() - t0)
        out = {"id": item["id"], **answer.to_dict()}
        if answer.decision is not None and answer.decision.features:
            out["decision_features"] = dict(answer.decision.features)
        outputs.append(out)
    return outputs, latencies


def leave_one_document_out(gold: list[dict], document_text) -> list[dict]:
    """Unanswerable items derived from the answerable ones: each is asked without its source
    documents. An item whose key facts all still occur in another document may still be
    answerable that way, so it is left out rather than labelled. Facts are compared as the
    scorer compares them (eval.metrics.norm: script, width, punctuation), so "4,350" in another
    document counts as the fact "4350"."""
    from eval.metrics import norm

    by_doc = getattr(document_text, "by_doc", None)
    normed = {d: norm(t) for d, t in by_doc.items()} if by_doc is not None else None
    others_cache: dict[tuple, str] = {}
    derived = []
    for item in gold:
        if not item.get("answerable") or not item.get("sources"):
            continue
        sources = tuple(sorted({s["doc"] for s in item["sources"]}))
        facts = [norm(m) for m in item.get("must_include") or []]
        if normed is not None:  # per document: no corpus-sized string per item
            elsewhere = all(any(f in t for d, t in normed.items() if d not in sources) for f in facts)
        else:
            if sources not in others_cache:
                others_cache[sources] = norm(document_text(exclude=sources))
            elsewhere = all(f in others_cache[sources] for f in facts)
        if facts and elsewhere:
            continue
        derived.append({**item, "id": item["id"] + "-loo", "answerable": False, "type": "unanswerable",
                        "must_include": [], "sources": [], "exclude_docs": list(sources),
                        "derived_from": item["id"]})
    return derived


def reliability(gold: list[dict], outputs: list[dict], bins: int = 5) -> list[dict]:
    """Decision score bins against the share of items decided right (answerable answered,
    unanswerable declined): a calibrated score has the share rise with the bin."""
    by_id = {o["id"]: o for o in outputs}
    rows = []
    for i in range(bins):
        lo, hi = i / bins, (i + 1) / bins
        inside = [(g, by_id[g["id"]]) for g in gold if g["id"] in by_id and
                  lo <= by_id[g["id"]].get("support", 0.0) < hi + (1e-9 if i == bins - 1 else 0)]
        right = sum(1 for g, o in inside if bool(g.get("answerable")) != bool(o.get("declined")))
        answerable = sum(1 for g, _ in inside if g.get("answerable"))
        rows.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": len(inside),
                     "share_right": round(right / len(inside), 3) if inside else None,
                     "share_answerable": round(answerable / len(inside), 3) if inside else None})
    return rows


def format_reliability(rows: list[dict]) -> str:
    lines = [f"{'score':<10}{'n':>5}{'decided right':>15}{'answerable':>12}"]
    for r in rows:
        fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
        lines.append(f"{r['bin']:<10}{r['n']:>5}{fmt(r['share_right']):>15}{fmt(r['share_answerable']):>12}")
    return "\n".join(lines)


def year_shifted(gold: list[dict], document_text) -> list[dict]:
    """More unanswerable items: an answerable question that names a year, asked about a year no
    document mentions (the nearest later year absent from the corpus). The documents cannot
    answer it; the decision must see that the year is missing."""
    import re

    corpus = document_text()
    derived = []
    for item in gold:
        years = re.findall(r"(?:19|20)\d{2}", item["question"])
        if not item.get("answerable") or not years:
            continue
        question = item["question"]
        shifted = {y: next((o for o in range(int(y) + 3, int(y) + 400) if str(o) not in corpus), None)
                   for y in dict.fromkeys(years)}
        if None in shifted.values():
            continue  # an encyclopaedia names nearly every year: no shift is made of this item
        for year, other in shifted.items():
            question = question.replace(year, str(other))
        derived.append({**item, "id": item["id"] + "-year", "question": question, "answerable": False,
                        "type": "unanswerable", "must_include": [], "sources": [],
                        "derived_from": item["id"]})
    return derived


def place_swapped(gold: list[dict], document_text) -> list[dict]:
    """More unanswerable items: a Chinese question that names a place, asked about a city no
    document mentions (from the gazetteer, chosen by the item's id). The documents cannot answer
    for a place they never name; the decision must see it."""
    import csv
    import hashlib

    from core.places import PLACES_PATH, places_named, short_place_name
    from core.script import normalise

    corpus = normalise(document_text())
    with PLACES_PATH.open(encoding="utf-8") as f:
        cities = sorted({short_place_name(r["name"]) for r in csv.DictReader(f, delimiter="\t")
                         if r["level"] == "city"})
    absent = [c for c in cities if len(c) >= 2 and c not in corpus]
    derived = []
    for item in gold:
        if not item.get("answerable") or item["lang"] == "en":
            continue
        question = normalise(item["question"])
        named = places_named(question)
        if not named or not absent:
            continue
        pick = absent[int(hashlib.sha1(item["id"].encode()).hexdigest(), 16) % len(absent)]
        derived.append({**item, "id": item["id"] + "-place", "question": question.replace(named[0], pick),
                        "lang": "zh-Hans", "answerable": False, "type": "unanswerable",
                        "must_include": [], "sources": [], "history": [], "derived_from": item["id"]})
    return derived


def foreign(gold: list[dict], document_text, set_name: str) -> list[dict]:
    """Unanswerable items from another set: its answerable questions, asked of this corpus where
    none of their facts occurs. They are what a new user's out-of-scope question looks like —
    another topic, sharing only general words (标准, 补贴, 多少) with the documents. Facts are
    compared as the scorer compares them (eval.metrics.norm)."""
    from eval.metrics import norm

    text = norm(document_text())
    out = []
    for item in gold:
        facts = [norm(m) for m in item.get("must_include") or []]
        if not item.get("answerable") or item.get("history") or any(f in text for f in facts):
            continue
        out.append({**item, "id": f"{item['id']}-in-{set_name}", "answerable": False,
                    "type": "unanswerable", "must_include": [], "sources": [], "foreign": True})
    return out


def corpus_text(assistant: Assistant):
    """`text(exclude=docs)`: the original text of every other document; `text.by_doc` holds each
    document's text."""
    by_doc = {d["doc"]: assistant.store.document_text(d["doc"]) for d in assistant.store.documents()}

    def text(exclude=()) -> str:
        return "\n".join(t for d, t in by_doc.items() if d not in exclude)
    text.by_doc = by_doc
    return text


def malformed(item: dict) -> str | None:
    """Why a gold item cannot be asked (a public set may hold an empty question), or None."""
    if not str(item.get("question") or "").strip():
        return "the question is empty"
    return None


def evaluate(assistant: Assistant, gold_path: Path, out_dir: Path, loo: bool = False,
             split: str | None = None, fold: str = "val", with_loo: bool = False) -> dict:
    """Run and score a gold set: malformed items are reported and left out; `split` scores one
    fold of it (eval/splits/); `loo` asks only the leave-one-document-out items, `with_loo`
    adds them to the set's own."""
    gold = load_jsonl(gold_path)
    bad = [(g.get("id"), why) for g in gold if (why := malformed(g))]
    gold = [g for g in gold if not malformed(g)]
    if split:
        from eval.splits import items_in, load_split

        gold = items_in(gold, load_split(split), fold)
    if loo:
        gold = leave_one_document_out(gold, corpus_text(assistant))
    elif with_loo:
        gold = gold + leave_one_document_out(gold, corpus_text(assistant))
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs, latencies = run_items(assistant, gold)
    with open(out_dir / "outputs.jsonl", "w", encoding="utf-8") as f:
        for o in outputs:
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    result, items = score(gold, outputs)
    result["malformed"] = bad
    result["reliability"] = reliability(gold, outputs)
    result["reliability_table"] = format_reliability(result["reliability"])
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


def assistant_for_corpus(corpus: Path, settings=None) -> Assistant:
    """An Assistant over a store holding exactly `corpus` (built on first use, then reused and
    updated incrementally), under ./.policyqa-eval/ unless a store is configured."""
    import hashlib

    from core.settings import load_settings

    settings = settings or load_settings()
    corpus = Path(corpus).resolve()
    if not corpus.is_dir():
        raise ValueError(f"corpus folder not found: {corpus}")
    key = hashlib.sha1(f"{corpus}|{settings.embed_model}".encode()).hexdigest()[:10]
    store_dir = Path(".policyqa-eval") / f"{corpus.name}-{key}"
    assistant = Assistant(settings.model_copy(update={"store": store_dir}))
    assistant.ingest([corpus])
    return assistant


def fusion_sweep(assistant: Assistant, gold_path: Path, weights=(0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)
                 ) -> list[tuple[float, dict]]:
    """Retrieval alone (no answer stage) at each BM25 weight of the convex fusion: hit@1,
    hit@5 and MRR@10 over the answerable items, so the weight is chosen by evidence."""
    from dataclasses import replace

    gold = [g for g in load_jsonl(gold_path) if g.get("answerable")]
    queries = [assistant.understand_text(g["question"], g.get("history") or []) for g in gold]
    saved = assistant.search_options
    rows = []
    try:
        for w in weights:
            assistant.search_options = replace(saved, bm25_weight=w, bm25=w > 0, dense=w < 1)
            outputs = []
            for g, q in zip(gold, queries):
                hits = assistant.retrieve(q)
                outputs.append({"id": g["id"], "answer": "", "citations": [], "declined": False,
                                "retrieved": [{"doc": h.chunk.doc, "text": h.chunk.text, "score": h.score}
                                              for h in hits]})
            o = score(gold, outputs)[0]
            groups = {"overall": o["overall"], **o["by_lang"]}
            rows.append((w, {g: {k: v[k] for k in ("hit@1", "hit@5", "mrr@10")} for g, v in groups.items()}))
    finally:
        assistant.search_options = saved
    return rows
