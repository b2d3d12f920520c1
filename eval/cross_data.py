"""The pairs file of the answer-stage cross-encoder (eval/train_cross.py): items, their seeded
A/B split by document group, and how a question and a sentence are joined for the encoder."""
from __future__ import annotations

import json
import random

SETS = ("cmrc", "drcd", "dev", "dev2")


def joined(q, s):
    return q + "\n" + s


def load_items(path):
    return [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]


def split(items, seed):
    """Halve the doc groups of each set (stratified by set, seeded) into A/B;
    ~15% of A's doc groups become A_cal (fits the ranker+CE combination)."""
    rng = random.Random(seed)
    part_g = {}
    for st in sorted({it["set"] for it in items}):
        groups = sorted({it["doc_group"] for it in items if it["set"] == st})
        rng.shuffle(groups)
        half = (len(groups) + 1) // 2
        a, b = groups[:half], groups[half:]
        n_cal = max(1, round(0.15 * len(a))) if len(a) > 1 else 0
        for g in b:
            part_g[g] = "B"
        for i, g in enumerate(a):
            part_g[g] = "Acal" if i < n_cal else "Atrain"
    return {it["id"]: part_g[it["doc_group"]] for it in items}


def answerable(it):
    return it["group"] == "answerable" and sum(it["labels"]) > 0
