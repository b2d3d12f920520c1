"""The decision's fit (eval/decision_fit.fit_decision): its threshold is chosen on the unanswerable
questions a user asks, not on synthetic ones it declines at any threshold."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from eval.decision_fit import extend_decision, fit_decision
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


def test_a_new_signal_is_weighed_on_top_of_a_kept_decision_whose_weights_stay():
    rng = np.random.default_rng(1)
    n = 2000
    x = rng.normal(0.0, 1.0, n)
    rare = (rng.random(n) < 0.05).astype(float)  # a signal that fires on few rows, all unanswerable
    y = ((x + rng.normal(0.0, 0.5, n) > 0) & (rare == 0)).astype(int)
    used = [SimpleNamespace(set="s", group="answerable" if label else "loo") for label in y]
    kept, _ = fit_decision(x[:, None], y, used, ("x",))
    X = np.column_stack([x, rare])
    extended, _ = extend_decision(X, y, used, kept, ("x", "rare"))
    assert extended["features"] == ["x", "rare"]
    assert extended["coef"][0] == kept["coef"][0] and extended["mean"][0] == kept["mean"][0]
    assert extended["coef"][1] < 0  # the rows it fires on are declined
    fired = probability({"x": 1.0, "rare": 1.0}, extended)
    assert fired < extended["threshold"] <= probability({"x": 1.0, "rare": 0.0}, extended)
