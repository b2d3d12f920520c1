"""The corpus words nearest an English word in the multilingual embedder's space: how an English
word the dictionary cannot render (a British spelling it lacks, an adjective it glosses only
inside longer glosses, a sense the corpus never uses) still meets the documents' own words
(fitness → 健身, unauthorised → 未经许可, victims → 受害人).

The corpus's words (the keyword index's vocabulary, Han words of two characters or more, the
most used first) are embedded once per index generation with the question role, as the English
word is, and kept beside the keyword index. A neighbour counts only when it stands far above the
vocabulary's typical similarity to the word (a z-score, so no raw cosine of one embedder is
built in): a word the corpus has no counterpart for (mooncake, weather) finds none."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

_HAN_WORD_RE = re.compile(r"[\u4e00-\u9fff]{2,8}")


@dataclass(frozen=True)
class NeighbourOptions:
    """Set by reasoning over a probe vocabulary (six regulations nobody had used, 1,900 words):
    rendering English words whose counterparts are known (fitness, fetal, refuse, cost, victims,
    recycling, wage: nearest word at z 4.8–7.4) and words without one (mooncake, weather, ride,
    cover, dispatch: 3.1–3.9), then checked on the fitting folds' English questions."""

    min_z: float = 4.5  # standard deviations above the vocabulary's mean similarity
    max_words: int = 30_000  # the most used words of a large corpus (embedding ≈ 5 ms a word)
    batch: int = 256


OPTIONS = NeighbourOptions()


def corpus_words(document_frequency: dict[str, int], limit: int = OPTIONS.max_words) -> list[str]:
    """The vocabulary worth embedding: Han words of two to eight characters, the most used first."""
    words = [w for w in document_frequency if _HAN_WORD_RE.fullmatch(w)]
    words.sort(key=lambda w: (-document_frequency[w], w))
    return words[:limit]


class WordNeighbours:
    """Corpus words and their unit vectors; called with an English word, its nearest words."""

    def __init__(self, words: list[str], vectors: np.ndarray, embed: Callable[[list[str]], np.ndarray],
                 opts: NeighbourOptions = OPTIONS) -> None:
        self.words, self.vectors, self._embed, self._opts = words, vectors, embed, opts

    @classmethod
    def build(cls, words: list[str], embed: Callable[[list[str]], np.ndarray],
              opts: NeighbourOptions = OPTIONS) -> "WordNeighbours":
        parts = [_unit(embed(words[i:i + opts.batch])) for i in range(0, len(words), opts.batch)]
        vectors = np.vstack(parts) if parts else np.zeros((0, 1), dtype=np.float32)
        return cls(words, vectors.astype(np.float32), embed, opts)

    def save(self, folder: Path, embedder: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "vectors.tmp.npy"
        np.save(tmp, self.vectors)
        tmp.replace(folder / "vectors.npy")
        (folder / "words.json").write_text(json.dumps({"embedder": embedder, "words": self.words},
                                                      ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, embedder: str, embed: Callable[[list[str]], np.ndarray],
             opts: NeighbourOptions = OPTIONS) -> "WordNeighbours | None":
        """The saved vectors, or None when missing, unreadable or made by another embedder."""
        try:
            meta = json.loads((folder / "words.json").read_text(encoding="utf-8"))
            vectors = np.load(folder / "vectors.npy")
        except (OSError, ValueError):
            return None
        if meta.get("embedder") != embedder or len(meta.get("words", ())) != len(vectors):
            return None
        return cls(meta["words"], vectors, embed, opts)

    def __call__(self, word: str, n: int = 3) -> list[str]:
        if len(self.words) < 2:
            return []
        scores = self.vectors @ _unit(self._embed([word]))[0]
        spread = float(scores.std())
        if spread == 0.0:
            return []
        z = (scores - float(scores.mean())) / spread
        best = np.argsort(-z)[:n]
        return [self.words[i] for i in best if z[i] >= self._opts.min_z]


def _unit(vectors) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return v / norms
