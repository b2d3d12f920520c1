"""BM25 (bm25s) over jieba tokens of the normalised chunk text, saved beside the store.

The index is built from token lists (kept per chunk id in the store, so a rebuild re-tokenises
only new chunks) and saved as bm25s's arrays, which load memory-mapped: start-up with a large
store costs a file open, not a rebuild. Document frequencies come from the same arrays. Kept
tokens and a saved index carry the tokenizer's fingerprint (`retrieval.tokens.fingerprint`):
made by another tokenizer, they are not used but made again.

A build from the store (`build_from_store`) streams: chunks are read, tokenised and their tokens
saved a batch at a time, and each chunk is held only as an array of vocabulary ids (4 bytes a
token) — never all chunks, nor all token strings, at once (≈2 GB at 100k chunks when it did).
"""

from __future__ import annotations

import json
import math
import shutil
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

import bm25s
import numpy as np

from core.records import Chunk
from retrieval.tokens import fingerprint, passage_tokens

if TYPE_CHECKING:
    from core.store import Store

@dataclass(frozen=True)
class KeywordOptions:
    # Chunks read, tokenised and saved at a time by `build_from_store`. It trades memory for
    # build time: a batch's chunk texts and token strings are held at once, while each batch
    # costs two SQLite reads and one write transaction. 2000 was set (not swept) on the 100k-chunk
    # scale corpus (../shared/scale, bench/compare.py): ingest + index build peaked at 880 MB
    # against ≈2 GB when the whole corpus was held at once.
    build_batch: int = 2000


OPTIONS = KeywordOptions()


def chunk_tokens(chunk: Chunk) -> list[str]:
    return passage_tokens(chunk.index_text)


def stored_token_lists(store: "Store", ids: list[str], batch: int = OPTIONS.build_batch,
                       tokenizer: str | None = None) -> Iterator[tuple[str, list[str]]]:
    """(chunk id, tokens) in `ids` order, a batch at a time: tokens kept in the store by this
    tokenizer (by default the current one), else the chunk is tokenised now and its tokens
    saved. A chunk deleted meanwhile is left out."""
    tokenizer = tokenizer or fingerprint()
    for i in range(0, len(ids), batch):
        part = ids[i:i + batch]
        tokens = store.stored_tokens(part, tokenizer)
        missing = [cid for cid in part if cid not in tokens]
        if missing:
            new = {cid: chunk_tokens(c) for cid, c in store.chunks_by_id(missing).items()}
            store.save_tokens(new, tokenizer)
            tokens.update(new)
        for cid in part:
            if cid in tokens:
                yield cid, tokens[cid]


def build_from_store(store: "Store", ids: list[str]) -> "KeywordIndex":
    """The index of the given chunks (in order), streamed from the store (see module doc)."""
    tokenizer = fingerprint()
    return KeywordIndex.from_token_lists(stored_token_lists(store, ids, tokenizer=tokenizer), tokenizer)


class KeywordIndex:
    """BM25 over a fixed list of chunks (one index per store generation)."""

    def __init__(self, ids: list[str], corpus: list[list[str]] | None = None,
                 bm25: bm25s.BM25 | None = None, tokenizer: str | None = None) -> None:
        self.ids = ids
        self.tokenizer = tokenizer or fingerprint()  # the tokenizer that made the tokens
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

    @classmethod
    def from_token_lists(cls, pairs: Iterable[tuple[str, list[str]]], tokenizer: str | None = None
                         ) -> "KeywordIndex":
        """Index (chunk id, tokens) pairs consumed one by one: each chunk's tokens become an
        array of vocabulary ids at once, so only the vocabulary is kept as strings. Same index
        as `cls(ids, corpus)` (bm25s's own build maps tokens to ids the same way)."""
        ids: list[str] = []
        vocab: dict[str, int] = {}
        corpus: list[array] = []
        for cid, tokens in pairs:
            ids.append(cid)
            corpus.append(array("i", [vocab.setdefault(t, len(vocab)) for t in tokens]))
        if not ids:
            return cls([], tokenizer=tokenizer)
        bm25 = bm25s.BM25()
        bm25.index((corpus, vocab), show_progress=False)
        return cls(ids, bm25=bm25, tokenizer=tokenizer)

    def _document_frequencies(self) -> dict[str, int]:
        vocab = getattr(self._bm25, "vocab_dict", None) or {}
        if not vocab or not self.ids:
            return {}
        counts = np.diff(np.asarray(self._bm25.scores["indptr"]))
        return {t: int(counts[i]) for t, i in vocab.items() if t and i < len(counts)}

    # ------------------------------------------------------------------ persistence
    def save(self, folder: Path) -> None:
        """Write atomically: a reader never sees a half-written index (nor one without the
        fingerprint of its tokenizer)."""
        folder = Path(folder)
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self._bm25.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
        (tmp / "tokenizer").write_text(self.tokenizer, encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex":
        """The saved index; ValueError when another tokenizer made it (the caller rebuilds),
        OSError when it is unreadable or was saved without a fingerprint."""
        folder = Path(folder)
        tokenizer = (folder / "tokenizer").read_text(encoding="utf-8")
        if tokenizer != fingerprint():
            raise ValueError(f"keyword index {folder} was made by another tokenizer")
        ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
        if not ids:
            return cls([], tokenizer=tokenizer)
        bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        return cls(ids, bm25=bm25, tokenizer=tokenizer)

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
