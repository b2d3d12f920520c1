"""The ranker trained listwise: one small network over `SENTENCE_FEATURES`, fitted so that among
one question's candidate sentences the answering one scores highest.

A pointwise classifier (is this sentence an answer?) spends its capacity on telling easy
negatives from positives across questions; what the answer stage needs is the order *within* one
question's candidates, since its lead is the argmax. The loss is therefore a softmax over each
answerable question's candidates (the answering sentences against all others of that question),
plus a lighter pointwise term — on the same candidates and on leave-one-document-out questions,
whose candidates all miss — that keeps the scores usable as probabilities by the selection and
the decision fitted after it.

English questions are few among the fitting questions (about ten whose answer is among their
candidates), and for them the signals read from the question's characters are near zero. Each
Chinese question is therefore also fitted a second time, at `CROSS_SCRIPT` of its weight, with
those signals zeroed (`retrieval.ranker.CHARACTER_PAIR_FEATURES`): the network learns to rank
from the other signals when the character pairs say nothing, as they say nothing for English.

The result is written in the `mlp` layout `retrieval.ranker.predict` reads (numpy only at
answer time); torch is needed only here, for fitting.
"""

from __future__ import annotations

import random

import numpy as np

SEED = 20261204
HIDDEN = 64
EPOCHS = 60
BATCH = 32
POINTWISE = 0.3  # weight of the pointwise term beside the listwise one
LOO_PER_BATCH = 8  # leave-one-document-out questions per batch (all their candidates negatives)
MEMBERS = 5  # networks averaged (seeds)
CROSS_SCRIPT = 0.25  # weight of each Chinese question's copy without its character-pair signals


def answered(e) -> bool:
    """An answerable question whose candidates hold its answer: the questions a ranker learns the
    order of candidates from (and is measured on)."""
    return e.group == "answerable" and len(e.labels) > 0 and bool(e.labels.any())


def fit(examples: list, features: tuple[str, ...], all_features: tuple[str, ...], set_weights: dict[str, float]) -> dict:
    """`examples`: objects with `.group`, `.set`, `.labels` (1 per answering candidate) and
    `.found.signals` (one row per candidate, columns `all_features`).

    `MEMBERS` networks are fitted from different seeds and their logits averaged: the policy sets
    give only a few dozen questions, and one network's scores on them move with its seed. The
    average of one-hidden-layer networks is itself one (their hidden units side by side, the
    output weights divided by their number), so it is written in the same `mlp` layout."""
    import torch

    torch.set_num_threads(1)  # reproducible sums; the network is small
    cols = [all_features.index(f) for f in features]
    answered_questions = [e for e in examples if answered(e)]
    loo_questions = [e for e in examples if e.group == "loo" and len(e.labels)]
    answerable = [(e.found.signals[:, cols], e.labels, set_weights[e.set]) for e in answered_questions]
    loo = [e.found.signals[:, cols] for e in loo_questions]
    more_answerable, more_loo = cross_script_copies(answered_questions, loo_questions, features, set_weights, cols)
    answerable, loo = answerable + more_answerable, loo + more_loo
    X = np.vstack([x for x, _, _ in answerable] + loo)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0

    def tensor(x):
        return torch.tensor((x - mean) / scale, dtype=torch.float32)

    groups = [(tensor(x), torch.tensor(y, dtype=torch.float32), w) for x, y, w in answerable]
    negatives = [tensor(x) for x in loo]
    members = [_fit_one(torch, groups, negatives, len(cols), f"{SEED}:{k}") for k in range(MEMBERS)]
    return {"kind": "mlp", "trained": "listwise", "members": MEMBERS, "features": list(features),
            "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
            "layers": [[W.round(6).tolist(), b.round(6).tolist()] for W, b in averaged(members)]}


def cross_script_copies(answered_questions: list, loo_questions: list, features: tuple[str, ...],
                        set_weights: dict[str, float], cols: list[int]) -> tuple[list, list]:
    """The Chinese ones among the questions fitted on, once more, their character-pair signals
    zeroed, at `CROSS_SCRIPT` of their weight (see the module's docstring): (answerable rows as
    (signals, labels, weight), leave-one-document-out rows)."""
    from retrieval.ranker import CHARACTER_PAIR_FEATURES

    zeroed = [features.index(f) for f in CHARACTER_PAIR_FEATURES if f in features]
    if not zeroed or CROSS_SCRIPT <= 0:
        return [], []

    def without_pairs(e) -> np.ndarray:
        x = e.found.signals[:, cols].astype(float)
        x[:, zeroed] = 0.0
        return x

    return ([(without_pairs(e), e.labels, CROSS_SCRIPT * set_weights[e.set])
             for e in answered_questions if e.query.lang != "en"],
            [without_pairs(e) for e in loo_questions if e.query.lang != "en"])


def averaged(members: list) -> list:
    """One-hidden-layer networks [(W1, b1), (W2, b2)] as the one network whose logit is the
    mean of theirs."""
    return [(np.hstack([m[0][0] for m in members]), np.concatenate([m[0][1] for m in members])),
            (np.vstack([m[1][0] for m in members]) / len(members), np.mean([m[1][1] for m in members], axis=0))]


def _fit_one(torch, groups: list, negatives: list, n_features: int, seed: str) -> list:
    """One network fitted from `seed`: its two layers as (weights, bias) numpy pairs."""
    torch.manual_seed(random.Random(seed).randrange(2**31))
    groups = list(groups)
    net = torch.nn.Sequential(torch.nn.Linear(n_features, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 1))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3, weight_decay=1e-4)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    for epoch in range(EPOCHS):
        random.Random(f"{seed}:{epoch}").shuffle(groups)
        for start in range(0, len(groups), BATCH):
            batch = groups[start:start + BATCH]
            loss = torch.zeros(())
            for x, y, w in batch:
                s = net(x).squeeze(-1)
                loss = loss + w * (torch.logsumexp(s, 0) - torch.logsumexp(s[y > 0], 0)) + POINTWISE * w * bce(s, y)
            for x in random.Random(f"{seed}:{epoch}:{start}").sample(negatives, min(len(negatives), LOO_PER_BATCH)):
                s = net(x).squeeze(-1)
                loss = loss + POINTWISE * bce(s, torch.zeros_like(s))
            opt.zero_grad()
            (loss / len(batch)).backward()
            opt.step()
    return [(m.weight.detach().numpy().T, m.bias.detach().numpy()) for m in net if isinstance(m, torch.nn.Linear)]
