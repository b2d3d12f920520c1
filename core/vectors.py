"""The vectors: a knowledge base's collection in Chroma (chunk id → vector, with the chunk's
index text and filterable metadata). The one module that speaks to chromadb, through its public
client API — save one workaround, kept here (`_forget_cached_system`).

Vectors are not the truth: the manifest is (core/manifest.py). A vector whose id no committed
chunk owns is an orphan of an interrupted write; `core.store.Store` orders writes and sweeps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings

from core.records import Chunk
from core.settings import Settings

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"  # of the collection's metadata; the manifest has migrations
# The chromadb release the workaround below was written for; pyproject.toml pins the same, and
# tests/unit/core/test_vectors.py fails on any other, so that an upgrade is looked at first.
CHROMA_VERSION = "1.5.9"
UPSERT_BATCH = 4000  # under Chroma's max batch size


@dataclass(frozen=True)
class VectorIndexOptions:
    """Chroma's HNSW index. `search_ef` is how many graph nodes a search keeps in play: with
    Chroma's default (100), on 100k chunks (bench/compare.py --chunks 100000; e5 vectors, whose
    cosines all sit in a narrow band) the 40 dense candidates shared on average 91% — for one dev
    question 23% — with the exact nearest 40, so a passage nearer than any returned was missed
    (dev hit@5 0.92); at 400: 98% (worst 88%), dev hit@5 0.96, ~1-3 ms a search. Below a few
    thousand chunks the search is exact either way."""

    space: str = "cosine"
    search_ef: int = 400


VECTOR_INDEX = VectorIndexOptions()


def chroma_client(settings: Settings):
    """Embedded PersistentClient by default, HttpClient when a Chroma server is configured."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                   settings=chroma_settings)
    path = Path(settings.store) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def chroma_metadata(chunk: Chunk) -> dict:
    """Flat, non-null metadata: what Chroma can filter on."""
    meta = {"doc": chunk.doc, "title": chunk.title, "position": chunk.position,
            "start": chunk.start, "end": chunk.end, "heading": chunk.heading}
    if chunk.page is not None:
        meta["page"] = chunk.page
    for key in ("date", "region", "issuer", "number"):
        if chunk.meta.get(key):
            meta[key] = str(chunk.meta[key])
    return meta


class Vectors:
    """The collection named `settings.collection`, made with the configured index if new."""

    def __init__(self, settings: Settings, embedder_name: str, reset: bool = False) -> None:
        """`reset=True` drops the collection first (a re-index, e.g. with a new embedder)."""
        self.settings = settings
        self.embedder_name = embedder_name
        self.client = chroma_client(settings)
        if reset and settings.collection in [c if isinstance(c, str) else c.name
                                             for c in self.client.list_collections()]:
            self.client.delete_collection(settings.collection)
        self.collection = self._open()
        self._widen_search()

    def _open(self):
        return self.client.get_or_create_collection(
            name=self.settings.collection, embedding_function=None,
            metadata={"embedder": self.embedder_name, "schema": SCHEMA_VERSION},
            configuration={"hnsw": {"space": VECTOR_INDEX.space, "ef_search": VECTOR_INDEX.search_ef}})

    @property
    def built_by(self) -> str | None:
        """The embedder the collection was made for."""
        return (self.collection.metadata or {}).get("embedder")

    def _widen_search(self) -> None:
        """A collection made with a narrower search (before `VectorIndexOptions.search_ef`, or by
        Chroma's default) gets the configured one; an embedded index is reopened to use it. A
        collection that refuses the change (e.g. on a Chroma server whose index is not HNSW)
        keeps its own search breadth: the store still opens, with a warning."""
        hnsw = (self.collection.configuration or {}).get("hnsw") or {}
        if (hnsw.get("ef_search") or 0) >= VECTOR_INDEX.search_ef:
            return
        try:
            self.collection.modify(configuration={"hnsw": {"ef_search": VECTOR_INDEX.search_ef}})
        except Exception as exc:  # noqa: BLE001 - whatever Chroma raises, the store must open
            log.warning("could not widen the vector search of collection %r to ef_search=%d "
                        "(%s: %s); searching with its own setting",
                        self.settings.collection, VECTOR_INDEX.search_ef, type(exc).__name__, exc)
            return
        if not self.settings.chroma_host:
            self.reopen()

    def reopen(self) -> None:
        """A new embedded client on the same path, loading the persisted index afresh (another
        process's writes become visible); objects still holding the old one keep working."""
        _forget_cached_system(self.client)
        self.client = chroma_client(self.settings)
        self.collection = self._open()

    # ---------------------------------------------------------------- reads
    def count(self) -> int:
        return self.collection.count()

    def ids(self) -> list[str]:
        """Every id in the collection, read a page at a time."""
        out: list[str] = []
        for offset in range(0, self.collection.count(), 5000):
            out.extend(self.collection.get(limit=5000, offset=offset, include=[])["ids"])
        return out

    def nearest(self, vector: list[float], k: int, where: dict | None = None) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the k nearest vectors. Ids and distances only: texts and
        metadata come from the manifest for the candidates that survive fusion."""
        found = self.collection.query(query_embeddings=[vector], n_results=k, where=where,
                                      include=["distances"])
        return [(cid, 1.0 - float(dist)) for cid, dist in zip(found["ids"][0], found["distances"][0])
                if cid]

    # ---------------------------------------------------------------- writes
    def upsert(self, chunks: list[Chunk], vectors: dict[str, list[float]]) -> None:
        for i in range(0, len(chunks), UPSERT_BATCH):
            part = chunks[i:i + UPSERT_BATCH]
            self.collection.upsert(
                ids=[c.id for c in part], embeddings=[vectors[c.id] for c in part],
                documents=[c.index_text for c in part], metadatas=[chroma_metadata(c) for c in part])

    def delete(self, ids: list[str]) -> None:
        self.collection.delete(ids=ids)


def _forget_cached_system(client) -> None:
    """Drop chromadb's cached in-process System for this client's path, so that the next client
    on the path loads the persisted index instead of sharing the stale one in memory.

    An embedded Chroma keeps one System per path for the whole process, and with it the vector
    index as loaded; another process's writes stay unseen and a new PersistentClient on the path
    is handed the same System. There is no public call to reload it: `client.close()` stops the
    System only when no other client in the process holds it, and
    `SharedSystemClient.clear_system_cache()` forgets every path's (and is meant for tests;
    chroma-core/chroma#2536, #3792). Private attributes of chromadb `CHROMA_VERSION`."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(client._identifier, None)
