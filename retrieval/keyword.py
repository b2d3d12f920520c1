"""BM25 (bm25s) over jieba tokens of the normalised chunk text."""

from __future__ import annotations

import math
from collections import Counter

import bm25s
import numpy as np

from policyqa.records import Chunk
from retrieval.tokens import tokenize


class KeywordIndex:
    """Built from the committed chunks; rebuilt when the store's generation changes."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.ids = [c.id for c in chunks]
        corpus = [tokenize(c.index_text) or ["∅"] for c in chunks]
        self.n_docs = len(corpus)
        self.df: Counter[str] = Counter(t for toks in corpus for t in set(toks))
        self._bm25 = bm25s.BM25()
        if corpus:
            self._bm25.index(corpus, show_progress=False)

    def idf(self, token: str) -> float:
        """Smoothed inverse document frequency; unseen tokens get the maximum."""
        return math.log(1 + (self.n_docs + 1) / (self.df.get(token, 0) + 0.5))

    def has(self, token: str) -> bool:
        return token in self.df

    def search(self, tokens: list[str], k: int, allowed: set[str] | None = None
               ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first; `allowed` restricts to a filtered id set."""
        known = [t for t in tokens if t in self.df]
        if not known or not self.ids:
            return []
        scores = np.asarray(self._bm25.get_scores(known), dtype=float)
        order = np.argsort(-scores)
        out = []
        for i in order:
            if scores[i] <= 0:
                break
            cid = self.ids[i]
            if allowed is None or cid in allowed:
                out.append((cid, float(scores[i])))
                if len(out) >= k:
                    break
        return out
