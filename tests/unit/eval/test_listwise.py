"""The listwise ranker fit (eval/listwise.py): it learns the order within each question's
candidates, where a sentence-by-sentence classifier sees only a pool of rows, and writes the
network `retrieval.ranker.predict` runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from eval import listwise
from retrieval import ranker

FEATURES = ("f0", "f1")


@dataclass
class _Item:
    set: str
    group: str
    labels: np.ndarray
    found: SimpleNamespace
    query: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(lang="zh-Hans"))


def _questions(n: int, seed: int) -> list[_Item]:
    """Each question's answer is its candidate with the highest f0 *relative to the others of
    the same question*; f0's level moves from question to question, so across questions f0 says
    nothing (f1 is noise)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = 6
        level = rng.normal(scale=3.0)
        f0 = level + rng.normal(size=k)
        labels = (f0 == f0.max()).astype(int)
        out.append(_Item("s", "answerable", labels, SimpleNamespace(signals=np.column_stack([f0, rng.normal(size=k)]))))
    return out


def test_the_fitted_network_leads_with_the_answer_of_questions_it_never_saw(monkeypatch):
    monkeypatch.setattr(listwise, "EPOCHS", 15)
    model = listwise.fit(_questions(200, 0), FEATURES, FEATURES, {"s": 1.0})
    assert model["kind"] == "mlp" and model["trained"] == "listwise" and model["features"] == list(FEATURES)
    fresh = _questions(100, 1)
    led = [int(q.labels[int(np.argmax(ranker.predict(model, q.found.signals)))]) for q in fresh]
    assert np.mean(led) > 0.9
    probs = ranker.predict(model, fresh[0].found.signals)
    assert ((probs > 0) & (probs < 1)).all()


def test_the_fit_is_reproducible(monkeypatch):
    monkeypatch.setattr(listwise, "EPOCHS", 2)
    a = listwise.fit(_questions(40, 2), FEATURES, FEATURES, {"s": 1.0})
    b = listwise.fit(_questions(40, 2), FEATURES, FEATURES, {"s": 1.0})
    assert a == b


def test_averaged_networks_are_one_network_with_the_mean_logit():
    rng = np.random.default_rng(3)
    members = [[(rng.normal(size=(2, 4)), rng.normal(size=4)), (rng.normal(size=(4, 1)), rng.normal(size=1))]
               for _ in range(3)]
    X = rng.normal(size=(7, 2))

    def logit(layers):
        h = np.maximum(X @ layers[0][0] + layers[0][1], 0.0)
        return (h @ layers[1][0] + layers[1][1]).ravel()

    merged = listwise.averaged(members)
    assert np.allclose(logit(merged), np.mean([logit(m) for m in members], axis=0))
    model = {"kind": "mlp", "features": list(FEATURES), "mean": [0.0, 0.0], "scale": [1.0, 1.0],
             "layers": [[W.tolist(), b.tolist()] for W, b in merged]}
    assert np.allclose(ranker.predict(model, X), 1 / (1 + np.exp(-logit(merged))))


PAIRED = ("bigram_overlap", "coverage")  # a character-pair signal and one English questions keep


def _two_signal_questions(n: int, seed: int, lang: str) -> list[_Item]:
    """The answer holds the question's character pairs (a clean signal, zero in English) and the
    best coverage, which moves with the question (useful only within one question)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = 6
        coverage = rng.normal(scale=3.0) + rng.normal(size=k)
        labels = (coverage == coverage.max()).astype(int)
        pairs = labels * 1.0 if lang != "en" else np.zeros(k)
        out.append(_Item("s", "answerable", labels, SimpleNamespace(signals=np.column_stack([pairs, coverage])),
                         SimpleNamespace(lang=lang)))
    return out


def test_chinese_questions_are_fitted_again_without_their_character_pairs():
    chinese, english = _two_signal_questions(2, 4, "zh-Hans"), _two_signal_questions(1, 5, "en")
    copies, negatives = listwise.cross_script_copies(chinese + english, [], PAIRED, {"s": 1.0}, [0, 1])
    assert len(copies) == 2 and negatives == []  # the Chinese questions only
    for (x, y, w), q in zip(copies, chinese):
        assert (x[:, 0] == 0).all() and (x[:, 1] == q.found.signals[:, 1]).all()
        assert (y == q.labels).all() and w == listwise.CROSS_SCRIPT


def test_english_questions_are_led_by_the_signals_they_keep(monkeypatch):
    """Fitted on Chinese questions alone, the network ranks an English one (no character pairs)
    by coverage only because the copies without character pairs taught it to."""
    monkeypatch.setattr(listwise, "EPOCHS", 10)
    monkeypatch.setattr(listwise, "MEMBERS", 2)
    model = listwise.fit(_two_signal_questions(150, 6, "zh-Hans"), PAIRED, PAIRED, {"s": 1.0})
    english = _two_signal_questions(100, 7, "en")
    led = [int(q.labels[int(np.argmax(ranker.predict(model, q.found.signals)))]) for q in english]
    assert np.mean(led) > 0.9
