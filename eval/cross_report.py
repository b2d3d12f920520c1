"""The cross-encoder's report (`eval/train_cross.py report`): lead accuracy per set of the ranker,
the cross-encoder alone, reranking the ranker's top 3, and their logistic combination (fitted on
A_cal, written to combiner.json); torch against the engine where the engine scored."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cross_data import SETS, load_items, split


def lead(sel, score_of):
    """share of items whose top-scored sentence is labelled, per set + pooled."""
    hit = {s: [] for s in SETS}
    for it in sel:
        sc = score_of(it)
        hit[it["set"]].append(it["labels"][int(np.argmax(sc))] == 1)
    allh = [h for s in SETS for h in hit[s]]
    return {s: (float(np.mean(hit[s])) if hit[s] else float("nan"), len(hit[s])) for s in SETS} | \
        {"pooled": (float(np.mean(allh)), len(allh))}


def logit(p):
    p = np.clip(np.asarray(p, float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def scores_by_item(keys, scores):
    d = {}
    for (iid, i), s in zip(keys, scores):
        d.setdefault(iid, {})[i] = float(s)
    return {k: np.array([v[i] for i in range(len(v))]) for k, v in d.items()}


def cmd_report(args):
    from sklearn.linear_model import LogisticRegression
    from scipy.stats import spearmanr
    items = load_items(args.pairs)
    part = split(items, args.seed)
    work = Path(args.work)
    byid = {it["id"]: it for it in items}
    kB = [tuple(k) for k in json.load(open(work / "keys_B.json"))["keys"]]
    kC = [tuple(k) for k in json.load(open(work / "keys_Acal.json"))["keys"]]
    ms_torch = json.load(open(work / "keys_B.json"))["ms_per_pair"]
    sB = scores_by_item(kB, np.load(work / "scores_torch_B.npy"))
    sC = scores_by_item(kC, np.load(work / "scores_torch_Acal.npy"))
    # logistic combination on A_cal (pairs of answerable items)
    X, y = [], []
    for iid, sc in sC.items():
        it = byid[iid]
        for i in range(len(sc)):
            X.append([logit(it["ranker_prob_oof"][i]), sc[i]]); y.append(it["labels"][i])
    lr = LogisticRegression(C=1.0).fit(np.array(X), np.array(y))
    comb = dict(coef_logit_ranker=float(lr.coef_[0, 0]), coef_ce=float(lr.coef_[0, 1]),
                intercept=float(lr.intercept_[0]), fitted_on="A_cal pairs", n=len(y))
    (work / "combiner.json").write_text(json.dumps(comb, indent=1))

    def combo(it, sc):
        return comb["coef_logit_ranker"] * logit(it["ranker_prob_oof"]) + comb["coef_ce"] * sc

    def top3(it, sc):
        pr = np.array(it["ranker_prob_oof"])
        o = np.argsort(-pr)[:3]
        out = np.full(len(pr), -np.inf)
        out[o] = sc[o]
        return out

    selB = [byid[i] for i in sB]
    rows = {
        "(a) ranker_prob_oof": lead(selB, lambda it: np.array(it["ranker_prob_oof"])),
        "(b) CE alone (torch)": lead(selB, lambda it: sB[it["id"]]),
        "(c) CE reranks ranker top 3": lead(selB, lambda it: top3(it, sB[it["id"]])),
        "(d) logistic(logit ranker, CE) fit on A_cal": lead(selB, lambda it: combo(it, sB[it["id"]])),
    }
    eng = None
    if (work / "scores_engine_B.npy").exists():
        kE = [tuple(k) for k in json.load(open(work / "keys_engine_B.json"))["keys"]]
        sE = scores_by_item(kE, np.load(work / "scores_engine_B.npy"))
        selE = [byid[i] for i in sE]
        tE = np.concatenate([sB[i] for i in sE]); eE = np.concatenate([sE[i] for i in sE])
        rng = np.random.RandomState(0)
        pick = rng.choice(len(tE), min(200, len(tE)), replace=False)
        eng = dict(
            spearman_200=float(spearmanr(tE[pick], eE[pick]).correlation),
            spearman_all=float(spearmanr(tE, eE).correlation),
            pearson_all=float(np.corrcoef(tE, eE)[0, 1]),
            items=len(selE),
            rows={
                "(b) CE alone": (lead(selE, lambda it: sB[it["id"]]), lead(selE, lambda it: sE[it["id"]])),
                "(c) CE top 3": (lead(selE, lambda it: top3(it, sB[it["id"]])),
                                 lead(selE, lambda it: top3(it, sE[it["id"]]))),
                "(d) combination": (lead(selE, lambda it: combo(it, sB[it["id"]])),
                                    lead(selE, lambda it: combo(it, sE[it["id"]]))),
                "(a) ranker (same items)": (lead(selE, lambda it: np.array(it["ranker_prob_oof"])),) * 2,
            })
    res = dict(rows=rows, combiner=comb, torch_ms_per_pair=ms_torch, engine=eng,
               split={k: sum(1 for v in part.values() if v == k) for k in ("Atrain", "Acal", "B")})
    if (work / "engine_timing.json").exists():
        res["engine_timing"] = json.load(open(work / "engine_timing.json"))
    (work / "report.json").write_text(json.dumps(res, indent=1))

    def fmt(r):
        return " | ".join(f"{100 * r[s][0]:.1f} ({r[s][1]})" for s in SETS + ("pooled",))
    print("| method | " + " | ".join(SETS + ("pooled",)) + " |")
    for k, r in rows.items():
        print(f"| {k} | {fmt(r)} |")
    print("combiner:", comb)
    if eng:
        print(f"engine vs torch on {eng['items']} B items: spearman(200 pairs)={eng['spearman_200']:.4f} "
              f"spearman(all)={eng['spearman_all']:.4f} pearson={eng['pearson_all']:.4f}")
        for k, (a, b) in eng["rows"].items():
            print(f"| {k} torch | {fmt(a)} |\n| {k} engine | {fmt(b)} |")
