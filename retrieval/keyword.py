"""BM25 (bm25s) over jieba tokens of the normalised chunk text, saved beside the store.

The index is built from token lists (kept per chunk id in the store, so a rebuild re-tokenises
only new chunks) and saved as bm25s's arrays, which load memory-mapped: start-up with a large
store costs a file open, not a rebuild. Document frequencies come from the same arrays.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import bm25s
import numpy as np

from policyqa.records import Chunk
from retrieval.tokens import tokenize


def chunk_tokens(chunk: Chunk) -> list[str]:
    return tokenize(chunk.index_text) or ["∅"]


class KeywordIndex:
    """BM25 over a fixed list of chunks (one index per store generation)."""

    def __init__(self, ids: list[str], corpus: list[list[str]] | None = None,
                 bm25: bm25s.BM25 | None = None) -> None:
        self.ids = ids
        self.n_docs = len(ids)
        if bm25 is None:
            bm25 = bm25s.BM25()
            if corpus:
                bm25.index(corpus, show_progress=False)
        self._bm25 = bm25
        self.df = self._document_frequencies()

    @classmethod
    def from_chunks(cls, chunks: list[Chunk]) -> "KeywordIndex":
        return cls([c.id for c in chunks], [chunk_tokens(c) for c in chunks])

    def _document_frequencies(self) -> dict[str, int]:
        vocab = getattr(self._bm25, "vocab_dict", None) or {}
        if not vocab or not self.ids:
            return {}
        counts = np.diff(np.asarray(self._bm25.scores["indptr"]))
        return {t: int(counts[i]) for t, i in vocab.items() if t and i < len(counts)}

    # ------------------------------------------------------------------ persistence
    def save(self, folder: Path) -> None:
        """Write atomically: a reader never sees a half-written index."""
        folder = Path(folder)
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self._bm25.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex":
        folder = Path(folder)
        ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
        if not ids:
            return cls([])
        bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        return cls(ids, bm25=bm25)

    # ------------------------------------------------------------------ queries
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
        if allowed is None and len(scores) > k:
            top = np.argpartition(-scores, k)[:k]  # no full sort of every chunk's score
            order = top[np.argsort(-scores[top])]
        else:
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
