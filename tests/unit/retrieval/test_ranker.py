"""The learned answer model: inference matches the fitted models, the committed model is whole
and says which embedder it belongs to, and a store built with another embedder is reported."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval import ranker
from retrieval.decision import FEATURES


def _logistic(n_features: int, rng) -> dict:
    return {"kind": "logistic", "mean": rng.normal(size=n_features).tolist(),
            "scale": (rng.random(n_features) + 0.5).tolist(), "coef": rng.normal(size=n_features).tolist(),
            "intercept": 0.3}


def test_logistic_inference_is_the_logistic_of_the_standardised_rows():
    rng = np.random.default_rng(0)
    model = _logistic(4, rng)
    X = rng.normal(size=(5, 4))
    z = ((X - model["mean"]) / model["scale"]) @ model["coef"] + model["intercept"]
    assert np.allclose(ranker.predict(model, X), 1 / (1 + np.exp(-z)))


def test_network_inference_matches_scikit_learn():
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    m = MLPClassifier(hidden_layer_sizes=(8,), max_iter=500, random_state=0).fit(X, y)
    model = {"kind": "mlp", "mean": [0.0] * 3, "scale": [1.0] * 3,
             "layers": [[W.tolist(), b.tolist()] for W, b in zip(m.coefs_, m.intercepts_)]}
    assert np.allclose(ranker.predict(model, X), m.predict_proba(X)[:, 1], atol=1e-9)
    assert ranker.predict(model, np.zeros((0, 3))).shape == (0,)


def test_the_committed_model_is_whole_and_names_its_embedder():
    model = ranker.load()
    assert model["ranker"]["features"] == list(ranker.SENTENCE_FEATURES)
    assert model["decision"]["features"] == list(FEATURES)
    assert 0.0 < model["decision"]["threshold"] < 1.0
    assert 0.0 < model["selection"]["keep_ratio"] <= 1.01
    assert model["embedder"] and model["fitted_on"]["folds"].startswith("fit")
    # fitted on the fitting folds of every set, reading-comprehension sets included
    assert {"cmrc", "drcd", "dev", "dev2"} <= set(model["fitted_on"]["sets"])


def test_another_embedder_than_the_model_was_fitted_with_is_reported():
    model = ranker.load()
    assert ranker.check_embedder(model["embedder"]) is None
    warning = ranker.check_embedder("sentence-transformers/BAAI/bge-m3")
    assert warning and "bge-m3" in warning and "eval.train" in warning


@pytest.mark.parametrize("kind", ["logistic", "mlp"])
def test_probabilities_stay_in_the_unit_interval_for_extreme_rows(kind):
    rng = np.random.default_rng(2)
    n = len(ranker.SENTENCE_FEATURES)
    model = _logistic(n, rng) if kind == "logistic" else {
        "kind": "mlp", "mean": [0.0] * n, "scale": [1.0] * n,
        "layers": [[rng.normal(size=(n, 4)).tolist(), [0.0] * 4], [rng.normal(size=(4, 1)).tolist(), [0.0]]]}
    p = ranker.predict(model, np.full((2, n), 1e6) * np.array([[1], [-1]]))
    assert np.all((p >= 0) & (p <= 1))
