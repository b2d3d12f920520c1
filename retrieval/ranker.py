"""The learned answer model: which sentence answers, which leads, and whether to decline.

One file, `retrieval/data/answer_model.json`, written by `python -m eval.train` from the fitting
folds of the reading-comprehension and policy gold sets (`eval/splits/`), holds:

- `ranker`: a small network (or a logistic model) over a sentence's frozen signals
  (`SENTENCE_FEATURES`: coverage of the question's words, the multilingual embedder's
  similarity to its passage, the passage's rank and score, figures of the asked kind, its
  neighbours…),
  giving the probability that the sentence holds the answer;
- `selection`: how near the lead's probability a further sentence must come to be quoted;
- `decision`: a logistic model over the evidence's question-level signals
  (`retrieval.decision.FEATURES`) and its threshold, chosen on the fitting folds;
- `embedder`: the embedder its similarity signals were measured with — a store built with
  another one is reported at start-up (`check_embedder`), since raw similarities differ in scale.

Inference is numpy only: the app installs without scikit-learn or torch.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).parent / "data" / "answer_model.json"

# The signals of one candidate sentence, each computed by `retrieval.scoring.sentence_signals`.
# No signal says which language the question is in: the fitting folds hold about ten English
# questions whose answer is among their candidates, so a function of its own for them would be
# fitted on those alone. English questions are ranked by the function fitted on all questions
# (their words meet the text through their Chinese renderings, as counted in the coverages).
SENTENCE_FEATURES = (
    "coverage",  # idf-weighted share of the question's corpus words in the sentence as read (intro, place)
    "own_coverage",  # …in the sentence's own words only
    "coverage_rel",  # coverage over the best coverage among the candidates
    "key_terms",  # share of the question's two rarest words covered
    "bigram_overlap",  # share of the question's character pairs in the sentence (script-neutral)
    "bigram_rel",  # …over the best share among the candidates
    "common_run",  # longest run of characters shared with the question, over the question's length
    "neighbour_coverage",  # best own coverage of the sentences before and after it in its passage
    "dense",  # cosine similarity of question and the sentence's passage (raw: embedder-specific)
    "dense_gap",  # the best passage's similarity minus this one's
    "coverage_rank_recip",  # 1 / (1 + its rank by coverage among the candidates)
    "rank_recip",  # 1 / (1 + rank of its passage)
    "passage_score_rel",  # its passage's retrieval score over the best passage's
    "asks_quantity",  # the question asks for a figure (amount, duration, date, count…)
    "figure_fit",  # …and the sentence holds one of the asked kind, said of what is asked
    "any_figure",  # the sentence holds a figure of any kind
    "log_length",  # log of the sentence's length in characters
    "is_item",  # a list item
    "is_intro",  # it introduces a list
    "first_in_passage",
    # The same coverage with each question word weighed by how few candidates hold it (an idf
    # over the sentences retrieved for this question, not over the corpus): what sets this
    # sentence apart from the other candidates…
    "distinct_coverage",
    "distinct_coverage_doc",  # …from the other candidates of its own document
    "distinct_pairs",  # …in the question's character pairs (script-neutral)
    "distinct_pairs_rel",  # …over the best among the candidates
    "place_fit",  # the question names no place, or the sentence's document mentions one it names
    "pairs_beyond_title",  # share of the question's character pairs, its document's title taken out
    "words_beyond_title",  # …of the question's words its title does not hold, said by the sentence itself
    # The question's Chinese characters one by one, each weighed as `distinct_pairs` weighs pairs:
    # a word written another way (创立 for 创办) still shares its characters.
    "distinct_chars",
    "distinct_chars_rel",  # …over the best among the candidates
    "chars_beyond_title",  # …of the characters its document's title does not hold
)
# The signals read from the question's own characters: near zero for an English question over
# Chinese text, whose words meet the text only through their renderings (the coverages).
CHARACTER_PAIR_FEATURES = ("bigram_overlap", "bigram_rel", "common_run", "distinct_pairs",
                           "distinct_pairs_rel", "pairs_beyond_title", "distinct_chars",
                           "distinct_chars_rel", "chars_beyond_title")


@lru_cache(maxsize=4)
def load(path: str | Path = MODEL_PATH) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def predict(ranker: dict, X: np.ndarray) -> np.ndarray:
    """Probability of each row of `X` (one column per `SENTENCE_FEATURES`; the model reads the
    columns it names in `ranker['features']`)."""
    if len(X) == 0:
        return np.zeros(0)
    X = np.asarray(X, dtype=float)
    names = ranker.get("features")
    if names and X.shape[1] != len(names):
        X = X[:, [SENTENCE_FEATURES.index(f) for f in names]]
    Z = (X - np.asarray(ranker["mean"])) / np.asarray(ranker["scale"])
    if ranker["kind"] == "logistic":
        z = Z @ np.asarray(ranker["coef"]) + ranker["intercept"]
    else:  # "mlp": ReLU hidden layers, logistic output
        h = Z
        layers = ranker["layers"]
        for i, (W, b) in enumerate(layers):
            h = h @ np.asarray(W) + np.asarray(b)
            if i < len(layers) - 1:
                h = np.maximum(h, 0.0)
        z = h.ravel()
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def check_embedder(embedder_name: str, model: dict | None = None) -> str | None:
    """A warning when the model's similarity signals were fitted with another embedder than the
    store's (raw cosines differ in scale between models), else None."""
    if model is None:
        try:
            model = load()
        except FileNotFoundError:
            return f"the answer model {MODEL_PATH} is missing: fit it with `python -m eval.train`"
    fitted = model.get("embedder")
    if fitted and embedder_name and fitted != embedder_name:
        return (f"the answer model was fitted with the embedder {fitted!r} but this store uses "
                f"{embedder_name!r}: its decline decisions are not calibrated for it; refit with "
                f"`python -m eval.train` on this embedder")
    return None
