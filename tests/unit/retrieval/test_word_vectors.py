"""English words matched to corpus words by the embedder (retrieval/word_vectors.py), and their
use when the dictionary renders nothing the corpus uses (retrieval/english.py)."""

from __future__ import annotations

import numpy as np

from retrieval.english import expand_english
from retrieval.word_vectors import WordNeighbours, corpus_words

# Forty corpus words, each along its own axis; English words point where the test says.
WORDS = ["健身", "工资", "医院", "受害人", "临时"] + [f"词{chr(0x4e00 + i)}" for i in range(35)]
AXIS = {w: i for i, w in enumerate(WORDS)}


def embed(texts: list[str]) -> np.ndarray:
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for row, text in enumerate(texts):
        if text in AXIS:
            out[row, AXIS[text]] = 1.0
        elif text == "fitness":
            out[row, AXIS["健身"]] = 1.0
        elif text == "welfare":  # halfway between two words: neither stands out
            out[row, AXIS["工资"]] = out[row, AXIS["医院"]] = 1.0
        else:  # a word nothing in the corpus is near
            out[row, 63] = 1.0
    return out


def test_an_english_word_meets_the_corpus_word_that_stands_out_and_only_such_a_word():
    near = WordNeighbours.build(WORDS, embed)
    assert near("fitness") == ["健身"]
    assert near("welfare") == []  # two words alike: no rendering is better than a guess
    assert near("mooncake") == []


def test_the_vectors_are_kept_for_the_embedder_that_made_them(tmp_path):
    near = WordNeighbours.build(WORDS, embed)
    near.save(tmp_path / "g1", "embedder-a")
    again = WordNeighbours.load(tmp_path / "g1", "embedder-a", embed)
    assert again is not None and again("fitness") == ["健身"] and again.words == WORDS
    assert WordNeighbours.load(tmp_path / "g1", "embedder-b", embed) is None
    assert WordNeighbours.load(tmp_path / "missing", "embedder-a", embed) is None


def test_the_vocabulary_is_han_words_the_most_used_first():
    df = {"健身": 3, "工资": 9, "a": 50, "医": 20, "2021年": 4, "医院": 3}
    assert corpus_words(df) == ["工资", "健身", "医院"]  # ties in character order
    assert corpus_words(df, limit=1) == ["工资"]


class _Vocabulary:
    """Corpus words, and the embedder's neighbours of an English word."""

    def __init__(self) -> None:
        self.neighbours = WordNeighbours.build(WORDS, embed)

    def __call__(self, word: str) -> bool:
        return word in AXIS


def test_a_word_the_dictionary_renders_by_nothing_the_corpus_uses_is_read_through_its_neighbours():
    found = expand_english("Where is the fitness centre?", _Vocabulary())
    assert found.by_word["fitness"] == ["健身"] and "fitness" not in found.unmatched
    # A word the corpus has no counterpart for stays unmatched.
    assert "mooncake" in expand_english("Who pays for the mooncake?", _Vocabulary()).unmatched
    # Without neighbours the word is unmatched, as before.
    assert "fitness" in expand_english("Where is the fitness centre?", lambda w: w in AXIS).unmatched
