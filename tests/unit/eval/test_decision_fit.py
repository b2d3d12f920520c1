"""The decision's fit (eval/decision_fit.fit_decision): its threshold is chosen on the unanswerable
questions a user asks, not on synthetic ones it declines at any threshold."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from eval.decision_fit import fit_decision
from retrieval.decision import probability


def _rows(groups: dict[str, tuple[int, float]], seed: int):
    rng = np.random.default_rng(seed)
    X, y, used = [], [], []
    for group, (n, centre) in groups.items():
        X += [[v] for v in rng.normal(centre, 1.0, size=n)]
        y += [int(group == "answerable")] * n
        used += [SimpleNamespace(set="s", group=group)] * n
    return np.asarray(X), np.asarray(y), used


def _decided_right(decision: dict, X, y, used, group: str) -> float:
    return float(np.mean([(probability({"x": x[0]}, decision) >= decision["threshold"]) == bool(label)
                          for x, label, e in zip(X, y, used) if e.group == group]))


def test_easy_synthetic_questions_do_not_lower_the_threshold():
    # Answerable questions and questions whose article is missing overlap; questions of another
    # corpus (many, far away) are declined at any threshold.
    groups = {"answerable": (300, 1.5), "loo": (300, -1.5), "foreign": (3000, -8.0)}
    X, y, used = _rows(groups, 0)
    decision, _ = fit_decision(X, y, used, ("x",))
    answered_right = _decided_right(decision, X, y, used, "answerable")
    declined_right = _decided_right(decision, X, y, used, "loo")
    # The boundary sits between the two groups that overlap, as if the easy rows were not there.
    assert declined_right > 0.85 and answered_right > 0.85
    assert abs(answered_right - declined_right) < 0.1
    assert _decided_right(decision, X, y, used, "foreign") == 1.0
