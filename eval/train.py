"""Fit the answer model (retrieval/data/answer_model.json) on the fitting folds.

    python -m eval.train --set dev=../shared/gold/dev.jsonl:../shared/corpus \
                         --set dev2=../shared/dev2/gold.jsonl:../shared/dev2/corpus \
                         --set cmrc=../shared/rc/cmrc_dev/gold.jsonl:../shared/rc/cmrc_dev/corpus \
                         --set drcd=../shared/rc/drcd_dev/gold.jsonl:../shared/rc/drcd_dev/corpus

Only items of each set's fitting fold (`eval/splits/<name>.json`, split by document) are read:
no validation document or question reaches any fitted number. Every item is asked through the
app's own search and candidate stage (`Assistant.candidates`), so the signals fitted on are the
ones the app computes. Then:

1. **Ranker.** A sentence is a positive when it stands in one of the item's source documents and
   holds one of its key facts (or, for an item without facts, overlaps its quote). Candidate
   models over `SENTENCE_FEATURES` — a logistic model and a one-hidden-layer network, each
   fitted sentence by sentence, and the same network fitted listwise (`eval.listwise`: the
   answering sentence against the other candidates of its question) — are compared by lead
   accuracy over all items in a 2-fold cross-fit grouped by document (out-of-fold predictions
   only); the best one is refitted on all fitting rows.
2. **Selection.** How near the lead's probability a further sentence must score to be quoted:
   the ratio that maximises key-fact recall of the quoted sentences minus `LENGTH_COST` per extra
   sentence, on out-of-fold probabilities.
3. **Decision.** A logistic model over `retrieval.decision.FEATURES` (computed on out-of-fold
   ranker probabilities, as a new question would see them) separating answerable items whose
   evidence holds the answer from unanswerable ones: the sets' own, leave-one-document-out,
   year-shifted and place-swapped items, and other sets' questions asked of this corpus
   (`eval.decision_fit`). The threshold maximises balanced accuracy on the fitting rows, its
   unanswerable side counting the questions a user would ask. Sets are weighted equally, so
   thousands of encyclopaedia questions do not drown the policy sets.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eval.decision_fit import GROUPS, extend_decision, fit_decision, set_weights
from eval.listwise import answered
from eval.metrics import load_jsonl, norm
from eval.run import assistant_for_corpus, corpus_text, foreign, leave_one_document_out, place_swapped, year_shifted
from eval.splits import items_in, load_split
from retrieval import ranker
from retrieval.compose import ComposeOptions
from retrieval.decision import FEATURES, features as decision_features
from retrieval.ranker import SENTENCE_FEATURES

SEED = 20261204
LENGTH_COST = 0.02  # recall a further quoted sentence must buy (per item): shorter answers, read first
KEEP_RATIOS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


@dataclass
class Example:
    set: str
    id: str
    group: str  # answerable, unanswerable, loo, year, place
    answerable: bool
    doc_group: str  # the document the cross-fit groups it by
    facts: list[str]
    query: object
    hits: list
    found: object
    labels: np.ndarray
    mentions: object = None
    oof: np.ndarray = field(default=None)


def sentence_labels(item: dict, found) -> np.ndarray:
    docs = {s["doc"] for s in item.get("sources") or []}
    facts = [norm(m) for m in item.get("must_include") or [] if norm(m)]
    quotes = [norm(s["quote"]) for s in item.get("sources") or []]
    out = []
    for e in found.sentences:
        if e.chunk.doc not in docs:
            out.append(0)
            continue
        text = norm(e.text)
        if facts:
            out.append(int(any(f in text for f in facts)))
        else:
            out.append(int(any(len(text) >= 6 and (text in q or q in text) for q in quotes)))
    return np.asarray(out, dtype=int)


def fitting_items(name: str, gold: list[dict], split: dict, max_items: int) -> list[dict]:
    fitting = [g for g in items_in(gold, split, "fit") if str(g.get("question") or "").strip()]
    rng = random.Random(f"{SEED}:{name}")
    if len(fitting) > max_items:
        fitting = sorted(rng.sample(fitting, max_items), key=lambda g: g["id"])
    return fitting


def collect(assistant, name: str, fitting: list[dict], others: list[dict]) -> list[Example]:
    """`others`: fitting questions of the other sets, asked here where none of their facts
    occurs (out-of-scope questions, as a new user asks them)."""
    text = corpus_text(assistant)
    derived = (leave_one_document_out(fitting, text) + year_shifted(fitting, text)
               + place_swapped(fitting, text) + foreign(others, text, name))
    by_id = {g["id"]: g for g in fitting}
    out: list[Example] = []
    t0 = time.time()
    items = fitting + derived
    items.sort(key=lambda g: g.get("derived_from", g["id"]))  # an item and its variants together
    for n, item in enumerate(items, 1):
        if not item["question"].strip():
            continue
        origin = by_id.get(item.get("derived_from", item["id"]), item)
        filters = {"exclude_docs": item["exclude_docs"]} if item.get("exclude_docs") else None
        query = assistant.understand_text(item["question"], item.get("history") or [])
        hits = assistant.retrieve(query, filters)
        found = assistant.candidates(query, hits)
        group = ("loo" if item.get("exclude_docs") else "foreign" if item.get("foreign")
                 else "year" if item["id"].endswith("-year")
                 else "place" if item["id"].endswith("-place")
                 else "answerable" if item["answerable"] else "unanswerable")
        sources = [s["doc"] for s in origin.get("sources") or []]
        out.append(Example(name, item["id"], group, bool(item["answerable"]),
                           f"{name}:{sources[0] if sources else origin['id']}",
                           [norm(m) for m in item.get("must_include") or []], query, hits, found,
                           sentence_labels(item, found), assistant.searcher.mentions))
        if n % 200 == 0:
            print(f"  {name}: {n}/{len(items)} items ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    return out


# ----------------------------------------------------------------------------- ranker
def ranker_rows(examples: list[Example]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of answerable items whose candidates hold the answer, and every row of the
    leave-one-document-out items (none of them answers: the same question without its article)."""
    use = [e for e in examples if answered(e) or (e.group == "loo" and len(e.labels))]
    weights = set_weights(use)
    X = np.vstack([e.found.signals for e in use])
    y = np.concatenate([e.labels for e in use])
    w = np.concatenate([np.full(len(e.labels), weights[e.set] / len(e.labels)) for e in use])
    return X, y, w * len(use) / w.sum() * (len(y) / len(use))


def fit_ranker(X: np.ndarray, y: np.ndarray, w: np.ndarray, kind: str, names: tuple[str, ...] = SENTENCE_FEATURES) -> dict:
    X = X[:, [SENTENCE_FEATURES.index(f) for f in names]]
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (X - mean) / scale
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        m = LogisticRegression(C=1.0, max_iter=2000).fit(Z, y, sample_weight=w)
        return {"kind": "logistic", "features": list(names), "mean": mean.round(6).tolist(),
                "scale": scale.round(6).tolist(), "coef": m.coef_[0].round(6).tolist(),
                "intercept": round(float(m.intercept_[0]), 6)}
    from sklearn.neural_network import MLPClassifier

    m = MLPClassifier(hidden_layer_sizes=(32,), alpha=1e-3, max_iter=400, random_state=SEED % 2**31,
                      early_stopping=True, validation_fraction=0.1, n_iter_no_change=15)
    m.fit(Z, y, sample_weight=w)
    return {"kind": "mlp", "features": list(names), "mean": mean.round(6).tolist(),
            "scale": scale.round(6).tolist(),
            "layers": [[W.round(6).tolist(), b.round(6).tolist()] for W, b in zip(m.coefs_, m.intercepts_)]}


def fit_any_ranker(examples: list[Example], kind: str, names: tuple[str, ...]) -> dict:
    """`logistic` and `mlp` (scikit-learn) fit each candidate on its own; `listwise` (torch, see
    `eval.listwise`) fits the order of each question's candidates."""
    if kind == "listwise":
        from eval import listwise

        return listwise.fit(examples, names, SENTENCE_FEATURES, set_weights([e for e in examples if answered(e)]))
    return fit_ranker(*ranker_rows(examples), kind, names)


def cross_fit(examples: list[Example], kind: str, names: tuple[str, ...], folds: int = 2) -> None:
    """Out-of-fold ranker probabilities for every example (folds grouped by document)."""
    docs = sorted({e.doc_group for e in examples})
    rng = random.Random(SEED)
    rng.shuffle(docs)
    fold_of = {d: i % folds for i, d in enumerate(docs)}
    for k in range(folds):
        model = fit_any_ranker([e for e in examples if fold_of[e.doc_group] != k], kind, names)
        for e in examples:
            if fold_of[e.doc_group] == k:
                e.oof = ranker.predict(model, e.found.signals)


def lead_accuracy(examples: list[Example]) -> dict[str, float]:
    """Share of answerable items (whose candidates hold the answer) led by a right sentence, per
    set and over all items pooled (`all`: what decides between models, so a set of a dozen items
    cannot)."""
    out: dict[str, list[int]] = {}
    for e in examples:
        if answered(e):
            out.setdefault(e.set, []).append(int(e.labels[int(np.argmax(e.oof))]))
    pooled = [v for vs in out.values() for v in vs]
    return {**{s: round(float(np.mean(v)), 3) for s, v in out.items()}, "all": round(float(np.mean(pooled)), 4)}


# ----------------------------------------------------------------------------- selection, decision
def _scored(e: Example, probs: np.ndarray):
    from retrieval.scoring import with_probabilities

    return with_probabilities(e.found.sentences, probs, e.found.details, e.found.signals)


def _chosen(e: Example, selection: dict, scored=None):
    """The sentences the app would quote; `scored` (the same objects) lets the decision tell the
    lead from the rest, as it does in the app."""
    from retrieval.answer import select_evidence

    scored = scored if scored is not None else _scored(e, e.oof)
    return select_evidence(e.query, scored, ComposeOptions(), e.found.groups, selection)


def choose_keep_ratio(examples: list[Example]) -> tuple[float, list[str]]:
    rows = []
    best = None
    use = [e for e in examples if answered(e) and e.facts]
    for r in KEEP_RATIOS:
        recall, extra = [], []
        for e in use:
            chosen = _chosen(e, {"keep_ratio": r})
            text = norm("".join(s.evidence.text for s in chosen))
            recall.append(sum(f in text for f in e.facts) / len(e.facts))
            extra.append(len(chosen) - 1)
        objective = float(np.mean(recall)) - LENGTH_COST * float(np.mean(extra))
        rows.append(f"  keep_ratio {r:.2f}: fact recall {np.mean(recall):.3f}, sentences {1 + np.mean(extra):.2f}, "
                    f"objective {objective:.3f}")
        if best is None or objective > best[0]:
            best = (objective, r)
    return best[1], rows


def decision_rows(examples: list[Example], selection: dict, names: tuple[str, ...] = FEATURES
                  ) -> tuple[np.ndarray, np.ndarray, list[Example]]:
    X, y, used = [], [], []
    for e in examples:
        if e.group == "answerable" and not e.labels.any():
            continue  # the search missed the answer: no evidence to judge answerable by
        if not len(e.found.sentences):
            continue  # no evidence at all: declined whatever the model says
        scored = _scored(e, e.oof)
        chosen = _chosen(e, selection, scored)
        x = decision_features(e.query, e.found.weights, chosen, e.hits, e.mentions, scored)
        X.append([x[f] for f in names])
        y.append(int(e.group == "answerable"))
        used.append(e)
    return np.asarray(X, dtype=float), np.asarray(y), used


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", action="append", required=True, metavar="NAME=GOLD:CORPUS")
    ap.add_argument("--max-items", type=int, default=1200, help="fitting items per set (seeded sample)")
    ap.add_argument("--foreign-per-set", type=int, default=60,
                    help="fitting questions of each other set asked of this one's corpus (unanswerable)")
    ap.add_argument("--ranker", choices=("auto", "listwise", "mlp", "logistic"), default="auto")
    ap.add_argument("--out", default=str(ranker.MODEL_PATH))
    ap.add_argument("--from-dump", help="refit from a --dump file instead of asking the questions again")
    ap.add_argument("--dump", help="also save every example's signals and labels (npz) for analysis")
    ap.add_argument("--keep-ranker", metavar="MODEL.json", help="keep an earlier model's ranker (a refit with lower "
                    "out-of-fold lead accuracy is not adopted); refit the selection and decision only")
    ap.add_argument("--keep-decision", action="store_true", help="with --keep-ranker: keep its selection and its "
                    "decision's weights, and fit only the decision signals it lacks on top of them (`extend_decision`)")
    ap.add_argument("--without", default="", help="comma-separated SENTENCE_FEATURES / decision FEATURES "
                    "the fitted models leave out (e.g. dense,dense_gap,dense_best: no similarity at all)")
    args = ap.parse_args(argv)
    without = {f.strip() for f in args.without.split(",") if f.strip()}
    ranker_names = tuple(f for f in SENTENCE_FEATURES if f not in without)
    decision_names = tuple(f for f in FEATURES if f not in without)
    examples: list[Example] = []
    fitted_on = {}
    embedder = None
    sets = {}
    for spec in args.set:
        name, paths = spec.split("=", 1)
        gold_path, corpus = paths.split(":", 1)
        sets[name] = (Path(corpus), fitting_items(name, load_jsonl(gold_path), load_split(name), args.max_items))
    if args.from_dump:
        import pickle

        with open(args.from_dump, "rb") as f:
            examples = pickle.load(f)
        for name, (corpus, _) in sets.items():
            assistant = assistant_for_corpus(corpus)
            embedder = assistant.store.embeddings.name
            for e in examples:
                if e.set == name:
                    e.mentions = assistant.searcher.mentions
            fitted_on[name] = {g: sum(1 for e in examples if e.set == name and e.group == g) for g in GROUPS}
        examples = [e for e in examples if e.set in sets]
    for name, (corpus, fitting) in ([] if args.from_dump else sets.items()):
        assistant = assistant_for_corpus(corpus)
        embedder = assistant.store.embeddings.name
        rng = random.Random(f"{SEED}:foreign:{name}")
        others = [g for other, (_, items) in sets.items() if other != name
                  for g in rng.sample(items, min(args.foreign_per_set, len(items)))]
        got = collect(assistant, name, fitting, others)
        examples += got
        fitted_on[name] = {g: sum(1 for e in got if e.group == g) for g in GROUPS}
        print(f"{name}: {fitted_on[name]}", flush=True)
    if args.dump:
        import pickle

        saved = [e.mentions for e in examples]
        for e in examples:
            e.mentions = None
        with open(args.dump, "wb") as f:
            pickle.dump(examples, f)
        for e, m in zip(examples, saved):
            e.mentions = m
    kept = json.loads(Path(args.keep_ranker).read_text(encoding="utf-8")) if args.keep_ranker else None
    if kept is not None:
        if tuple(kept["ranker"]["features"]) != ranker_names:
            sys.exit(f"--keep-ranker: {args.keep_ranker} reads other sentence features than these")
        kinds = (kept["fitted_on"]["chosen_ranker"],)
    else:
        kinds = ("logistic", "mlp", "listwise") if args.ranker == "auto" else (args.ranker,)
    accuracy = {}
    for kind in kinds:
        cross_fit(examples, kind, ranker_names)
        accuracy[kind] = lead_accuracy(examples)
        print(f"ranker {kind}: out-of-fold lead accuracy by set {accuracy[kind]}", flush=True)
    kind = max(kinds, key=lambda k: accuracy[k]["all"])
    if len(kinds) > 1:
        cross_fit(examples, kind, ranker_names)
    extending = args.keep_decision and kept is not None  # the kept decision, extended by the signals it lacks
    if extending:
        selection = kept["selection"]  # the decision it extends was fitted on what this selection chooses
    else:
        keep_ratio, rows = choose_keep_ratio(examples)
        print("\n".join(rows))
        selection = {"keep_ratio": keep_ratio, "min_prob": 0.0}
    X, y, used = decision_rows(examples, selection, decision_names)
    if extending:
        decision, report = extend_decision(X, y, used, kept["decision"], decision_names)
    else:
        decision, report = fit_decision(X, y, used, decision_names)
    print("decision (fitting rows, out-of-fold ranker):\n" + "\n".join(report))
    fitted = {"sets": fitted_on, "folds": "fit (eval/splits/)", "seed": SEED,
              "ranker_lead_accuracy_out_of_fold": accuracy, "chosen_ranker": kind,
              "date": time.strftime("%Y-%m-%d"), "by": "python -m eval.train"}
    if kept is not None:
        if kept["embedder"] != embedder:
            sys.exit(f"--keep-ranker: {args.keep_ranker} was fitted with {kept['embedder']}, not {embedder}")
        fitted["ranker_kept"] = kept["fitted_on"].get("ranker_kept") or {  # where it was fitted
            "date": kept["fitted_on"].get("date"),
            "lead_accuracy_out_of_fold": kept["fitted_on"]["ranker_lead_accuracy_out_of_fold"].get(kind)}
    model = {
        "embedder": embedder,
        "ranker": kept["ranker"] if kept is not None else fit_any_ranker(examples, kind, ranker_names),
        "selection": selection,
        "decision": decision,
        "fitted_on": fitted,
    }
    Path(args.out).write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: ranker {kind}, keep_ratio {selection['keep_ratio']}, threshold {decision['threshold']}")


if __name__ == "__main__":
    main()
