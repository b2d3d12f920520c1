"""The decline decision's fit: a logistic model over `retrieval.decision.FEATURES` on the fitting
rows (`eval.train.decision_rows`), and the threshold it is used with. Sets weigh alike
(`set_weights`, also the ranker's), so thousands of encyclopaedia questions do not drown the
policy sets."""

from __future__ import annotations

import numpy as np

from retrieval.decision import FEATURES

GROUPS = ("answerable", "unanswerable", "loo", "year", "place", "foreign")
THRESHOLD_PLATEAU = 0.005  # balanced accuracy within this of the best counts as the best
# The unanswerable rows the threshold is chosen on: questions the documents do not answer, as a
# user asks them (a set's own unanswerable items, and questions whose article is not in the
# store). The year-shifted, place-swapped and other sets' questions are fitted on, but are
# declined at nearly any threshold: counted in the threshold's balanced accuracy, they would
# dilute the unanswerable side and let the threshold sink to where near-miss questions are answered.
THRESHOLD_UNANSWERABLE = ("unanswerable", "loo")


def set_weights(examples: list) -> dict[str, float]:
    """Each set weighs the same in all: a row of a small set counts for more."""
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.set] = counts.get(e.set, 0) + 1
    return {s: len(examples) / (len(counts) * c) for s, c in counts.items()}


def _row_weights(y: np.ndarray, used: list) -> np.ndarray:
    """Each set weighs alike (`set_weights`), and within that answerable and unanswerable rows."""
    set_w = set_weights(used)
    w = np.array([set_w[e.set] for e in used])
    for label in (0, 1):
        w[y == label] *= len(y) / (2 * max(1, (y == label).sum()))
    return w


def fit_decision(X: np.ndarray, y: np.ndarray, used: list, names: tuple[str, ...] = FEATURES
                 ) -> tuple[dict, list[str]]:
    """The decision model and its threshold (as `retrieval.decision.probability` reads them) fitted
    on rows `X` (one column per name) labelled `y` (1 answerable), `used` the example of each row
    (its `.set` and `.group`); and a report of each set's and group's rows decided right."""
    from sklearn.linear_model import LogisticRegression

    w = _row_weights(y, used)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    m = LogisticRegression(C=1.0, max_iter=2000).fit((X - mean) / scale, y, sample_weight=w)
    p = m.predict_proba((X - mean) / scale)[:, 1]
    model = {"features": list(names), "coef": m.coef_[0].round(4).tolist(),
             "intercept": round(float(m.intercept_[0]), 4), "mean": mean.round(4).tolist(),
             "scale": scale.round(4).tolist()}
    return _with_threshold(model, p, y, used, w)


def extend_decision(X: np.ndarray, y: np.ndarray, used: list, kept: dict, names: tuple[str, ...] = FEATURES
                    ) -> tuple[dict, list[str]]:
    """`kept` (an earlier decision) with the signals of `names` it lacks added: its coefficients
    stay, and the new signals' coefficients and a shift of its intercept are fitted on top of its
    score (an offset), with the same L2 penalty as `fit_decision`. A signal that fires on few rows
    (a figure asked that no article of a rule states) is weighed without every other weight being
    refitted on the same rows, where each refit moves them by as much as the new signal brings."""
    columns = list(names)
    old = [columns.index(f) for f in kept["features"]]
    new = [i for i, f in enumerate(columns) if f not in kept["features"]]
    w = _row_weights(y, used)
    offset = kept["intercept"] + sum(c * (X[:, i] - m) / s for i, c, m, s in
                                     zip(old, kept["coef"], kept["mean"], kept["scale"]))
    mean, scale = X[:, new].mean(axis=0), X[:, new].std(axis=0)
    scale[scale == 0] = 1.0
    Z = np.column_stack([np.ones(len(y)), (X[:, new] - mean) / scale])
    beta = np.zeros(Z.shape[1])
    penalty = np.r_[0.0, np.ones(len(new))]  # as scikit-learn's C=1: the intercept unpenalised
    for _ in range(100):  # Newton steps on the weighted, penalised log-likelihood
        p = 1.0 / (1.0 + np.exp(-(offset + Z @ beta)))
        grad = Z.T @ (w * (y - p)) - penalty * beta
        hess = (Z * (w * p * (1 - p))[:, None]).T @ Z + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    p = 1.0 / (1.0 + np.exp(-(offset + Z @ beta)))
    coef = dict(zip(kept["features"], kept["coef"]))
    means = dict(zip(kept["features"], kept["mean"])) | {columns[i]: float(m) for i, m in zip(new, mean)}
    scales = dict(zip(kept["features"], kept["scale"])) | {columns[i]: float(s) for i, s in zip(new, scale)}
    coef |= {columns[i]: float(b) for i, b in zip(new, beta[1:])}
    model = {"features": columns, "coef": [round(coef[f], 4) for f in columns],
             "intercept": round(kept["intercept"] + float(beta[0]), 4),
             "mean": [round(means[f], 4) for f in columns], "scale": [round(scales[f], 4) for f in columns]}
    return _with_threshold(model, p, y, used, w)


def _with_threshold(model: dict, p: np.ndarray, y: np.ndarray, used: list, w: np.ndarray
                    ) -> tuple[dict, list[str]]:
    # Balanced accuracy is flat near its best: its argmax moves by a tenth between two refits
    # of nearly the same rows. The threshold is the middle of the thresholds within
    # THRESHOLD_PLATEAU of the best, which moves far less.
    grid = [round(float(t), 2) for t in np.arange(0.05, 0.96, 0.01)]
    counted = (y == 1) | np.array([e.group in THRESHOLD_UNANSWERABLE for e in used])
    sides = [(y == c) & counted for c in (0, 1)]
    balanced = []
    for t in grid:
        right = np.where(y == 1, p >= t, p < t)
        balanced.append(float(np.mean([np.average(right[side], weights=w[side]) for side in sides])))
    near = [t for t, b in zip(grid, balanced) if b >= max(balanced) - THRESHOLD_PLATEAU]
    best = (max(balanced), near[len(near) // 2])
    report = []
    for s in sorted(set_weights(used)):
        for g in GROUPS:
            idx = [i for i, e in enumerate(used) if e.set == s and e.group == g]
            if idx:
                ok = np.mean([(p[i] >= best[1]) == bool(y[i]) for i in idx])
                report.append(f"  {s:<6}{g:<13}n={len(idx):<5} decided right {ok:.2f}")
    report.insert(0, f"  threshold {best[1]}: balanced accuracy {best[0]:.3f} at best, within "
                     f"{THRESHOLD_PLATEAU} of it from {near[0]} to {near[-1]}")
    return model | {"threshold": best[1]}, report
