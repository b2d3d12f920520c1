"""The knowledge base: Chroma for vectors, a SQLite manifest for the truth about documents.

Write order for one document (crash-safe at any point): embed → upsert vectors into Chroma →
one SQLite transaction replacing the document's chunk records → delete its stale vectors.
A vector whose id is not in the manifest is an orphan of an interrupted write: search
ignores it and `open` sweeps it away (when a write's `pending_writes` row outlived its
process), so the index is always the last committed state.

The manifest is the single source of truth shared by every process on the store: its schema
changes through numbered migrations (`manifest_migrations`), and the write `generation` is
bumped in the same transaction as the change, so a server sees what `policyqa ingest` wrote.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Iterator

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from core.settings import Settings
from core.faults import fault_point, stage, write_started
from core.embeddings import CachedEmbeddings
from core.migrations import Migrations
from core.records import Chunk, Document
from core.script import normalise

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"  # of the Chroma collection's metadata; the manifest has migrations


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


class EmbedderMismatch(RuntimeError):
    """The collection was built by a different embedder than the one configured."""


def chroma_client(settings: Settings):
    """Embedded PersistentClient by default, HttpClient when a Chroma server is configured."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                   settings=chroma_settings)
    path = Path(settings.store) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


manifest_migrations = Migrations("policyqa.manifest")


@manifest_migrations
def m001_manifest(db: sqlite3.Connection) -> None:
    # IF NOT EXISTS: stores made before migrations already have these tables.
    for sql in (
        "CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS documents (doc TEXT PRIMARY KEY, title TEXT NOT NULL, "
        "content_hash TEXT NOT NULL, meta TEXT NOT NULL, n_chunks INTEGER NOT NULL, "
        "updated_at REAL NOT NULL, source TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS chunks (id TEXT PRIMARY KEY, doc TEXT NOT NULL, "
        "position INTEGER NOT NULL, record TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc)",
        "CREATE TABLE IF NOT EXISTS texts (doc TEXT PRIMARY KEY, text TEXT NOT NULL)",
    ):
        db.execute(sql)


@manifest_migrations
def m002_generation(db: sqlite3.Connection) -> None:
    # The write generation lives here, bumped in the transaction that commits a change, so every
    # process on the store (server, `policyqa ingest`, a second server) sees the same state.
    db.execute("INSERT OR IGNORE INTO info VALUES ('generation', '0')")
    db.execute("CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash)")


@manifest_migrations
def m003_pending_writes(db: sqlite3.Connection) -> None:
    # A row per write in progress (vectors may be in Chroma that no committed chunk owns yet):
    # the sweep on open runs only when a writer died mid-write, and never under a live one.
    db.execute("CREATE TABLE IF NOT EXISTS pending_writes (id INTEGER PRIMARY KEY, "
               "pid INTEGER NOT NULL, host TEXT NOT NULL, started REAL NOT NULL)")
    db.execute("INSERT INTO pending_writes (pid, host, started) VALUES (0, '', 0)")  # sweep once


@manifest_migrations
def m004_document_characters(db: sqlite3.Connection) -> None:
    # Normalised document text, and an FTS5 index with one token per character, so "does any
    # document contain this term" is a phrase query instead of a scan of every text.
    db.execute("CREATE TABLE IF NOT EXISTS doc_norm (doc TEXT PRIMARY KEY, chars TEXT NOT NULL)")
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS doc_chars USING fts5("
               "chars, content='doc_norm', content_rowid='rowid', detail='full')")
    db.execute("CREATE TRIGGER IF NOT EXISTS doc_norm_ai AFTER INSERT ON doc_norm BEGIN "
               "INSERT INTO doc_chars(rowid, chars) VALUES (new.rowid, new.chars); END")
    db.execute("CREATE TRIGGER IF NOT EXISTS doc_norm_ad AFTER DELETE ON doc_norm BEGIN "
               "INSERT INTO doc_chars(doc_chars, rowid, chars) VALUES ('delete', old.rowid, old.chars); END")
    for doc, text in db.execute("SELECT doc, text FROM texts").fetchall():
        db.execute("INSERT OR REPLACE INTO doc_norm VALUES (?, ?)", (doc, spaced(text)))


@manifest_migrations
def m005_chunk_tokens(db: sqlite3.Connection) -> None:
    # Keyword tokens per chunk id (ids are content hashes): a rebuilt BM25 index re-tokenises
    # only new chunks. Written by the retrieval layer, which owns the tokenizer.
    db.execute("CREATE TABLE IF NOT EXISTS chunk_tokens (id TEXT PRIMARY KEY, tokens TEXT NOT NULL)")


@manifest_migrations
def m006_document_characters_keep_punctuation(db: sqlite3.Connection) -> None:
    # Punctuation becomes a token of its own (a private-use character), so that a phrase never
    # matches across it: 市，区 does not contain 市区.
    db.execute("DELETE FROM doc_norm")
    for doc, text in db.execute("SELECT doc, text FROM texts").fetchall():
        db.execute("INSERT INTO doc_norm VALUES (?, ?)", (doc, spaced(text)))


@manifest_migrations
def m007_ocr_lines(db: sqlite3.Connection) -> None:
    # Where OCR read a document's text (`Document.ocr`: page image sizes, each line's page, box
    # and span), so that the document view can mark a citation's lines on the page image. Too
    # large for the documents' meta (every document listing reads that).
    db.execute("CREATE TABLE IF NOT EXISTS ocr_lines (doc TEXT PRIMARY KEY, record TEXT NOT NULL)")


PUNCTUATION_TOKEN = "\ue000"  # FTS5's unicode61 tokenizer keeps private-use characters as tokens


def spaced(text: str, normalised: bool = False) -> str:
    """Text as one FTS5 token per character: normalised (unless it already is), white space
    dropped, punctuation and symbols as PUNCTUATION_TOKEN, characters separated by spaces.
    A normalised term occurs in a text iff spaced(term, True) is a substring of spaced(text)."""
    norm = text if normalised else normalise.__wrapped__(text)
    return " ".join(c if c.isalnum() else PUNCTUATION_TOKEN for c in norm if not c.isspace())


def fts_phrase(term: str) -> str | None:
    """An FTS5 phrase query for a normalised term (None: nothing to match)."""
    tokens = spaced(term, normalised=True)
    return f'"{tokens}"' if tokens else None


def chunk_from_json(record: str) -> Chunk:
    data = json.loads(record)
    data["runs"] = tuple(tuple(r) for r in data.get("runs", ()))
    return Chunk(**data)


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


class Store:
    """One per process: owns the Chroma client, the collection and the manifest."""

    def __init__(self, settings: Settings, embeddings: Embeddings, reset: bool = False) -> None:
        """`reset=True` empties the knowledge base (for a re-index, e.g. with a new embedder);
        the stored source files are kept."""
        self.settings = settings
        root = Path(settings.store)
        root.mkdir(parents=True, exist_ok=True)
        if not isinstance(embeddings, CachedEmbeddings):
            # Passage vectors persist beside the store (several stores may share one file).
            cache = Path(getattr(settings, "embed_cache", None) or root / "embed_cache.sqlite3")
            embeddings = CachedEmbeddings(embeddings, cache)
        self.embeddings = embeddings
        self.embedder_name = getattr(embeddings, "name", type(embeddings).__name__)
        self._manifest = root / f"{settings.collection}.manifest.sqlite3"
        # The writer's connection: writes, and the reads a write makes inside its transaction.
        # Every other read goes through its thread's own connection (`_read`), which sees only
        # committed transactions (WAL snapshots): a request served while an upload is being
        # written never sees half a document, nor a generation that may yet be rolled back.
        self._db = sqlite3.connect(self._manifest, check_same_thread=False, isolation_level=None,
                                   timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        manifest_migrations.apply(self._db)
        self._lock = threading.RLock()
        self._local = threading.local()
        self._readers: "weakref.WeakSet[_Reader]" = weakref.WeakSet()  # to close; a thread's goes with it
        self.files = root / "files"  # originals, named by content hash, never by upload name
        self.files.mkdir(exist_ok=True)
        self.client = chroma_client(settings)
        if reset:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM info WHERE key != 'generation'")
            self._db.execute("DELETE FROM chunks")
            self._bump_generation()
            self._db.execute("COMMIT")
            if settings.collection in [c if isinstance(c, str) else c.name
                                       for c in self.client.list_collections()]:
                self.client.delete_collection(settings.collection)
        self._check_embedder()
        self.vectors = self._open_vectors()
        self._widen_search()
        built_by = (self.vectors._collection.metadata or {}).get("embedder")
        if built_by and built_by != self.embedder_name:
            raise EmbedderMismatch(self._mismatch_message(built_by))
        self._sweep_if_a_writer_died()
        # The generation this process's view of the vectors is current for: an embedded Chroma
        # keeps its vector index in memory and does not see another process's writes until
        # it is reopened (a Chroma server has one index for every client).
        self._vectors_generation = self.generation

    def _open_vectors(self) -> Chroma:
        return Chroma(
            client=self.client, collection_name=self.settings.collection,
            embedding_function=self.embeddings,
            collection_metadata={"embedder": self.embedder_name, "schema": SCHEMA_VERSION},
            collection_configuration={"hnsw": {"space": VECTOR_INDEX.space,
                                               "ef_search": VECTOR_INDEX.search_ef}},
        )

    def _widen_search(self) -> None:
        """A collection made with a narrower search (before `VectorIndexOptions.search_ef`, or by
        Chroma's default) gets the configured one; an embedded index is reopened to use it. A
        collection that refuses the change (e.g. on a Chroma server whose index is not HNSW)
        keeps its own search breadth: the store still opens, with a warning."""
        collection = self.vectors._collection
        hnsw = (collection.configuration or {}).get("hnsw") or {}
        if (hnsw.get("ef_search") or 0) >= VECTOR_INDEX.search_ef:
            return
        try:
            collection.modify(configuration={"hnsw": {"ef_search": VECTOR_INDEX.search_ef}})
        except Exception as exc:  # noqa: BLE001 - whatever Chroma raises, the store must open
            log.warning("could not widen the vector search of collection %r to ef_search=%d "
                        "(%s: %s); searching with its own setting",
                        self.settings.collection, VECTOR_INDEX.search_ef, type(exc).__name__, exc)
            return
        if not self.settings.chroma_host:
            self._reopen_vectors()

    def _reopen_vectors(self) -> None:
        """A new embedded client on the same path, loading the persisted index afresh."""
        from chromadb.api.shared_system_client import SharedSystemClient

        # Drop the cached in-process system for this path so the new client loads the persisted
        # index afresh; objects still holding the old one keep working.
        SharedSystemClient._identifier_to_system.pop(self.client._identifier, None)
        self.client = chroma_client(self.settings)
        self.vectors = self._open_vectors()

    def _current_vectors(self) -> Chroma:
        """The vector store, reopened first when another process has committed a write."""
        if self.settings.chroma_host:
            return self.vectors
        generation = self.generation
        if generation != self._vectors_generation:
            with self._lock:
                if generation != self._vectors_generation:
                    self._reopen_vectors()
                    self._vectors_generation = generation
        return self.vectors

    def _committed(self, generation_before: int) -> None:
        """After our own commit: our view stays current unless someone else wrote meanwhile."""
        if self._vectors_generation == generation_before:
            self._vectors_generation = generation_before + 1

    @property
    def generation(self) -> int:
        """Bumped in every committing transaction, by any process; caches key on it."""
        row = self._read().execute("SELECT value FROM info WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def _read(self) -> sqlite3.Connection:
        """The connection for a read: the writer's inside a write (it must see its own
        uncommitted rows), else this thread's reader connection, opened on first use."""
        if getattr(self._local, "writing", 0):
            return self._db
        reader = getattr(self._local, "reader", None)
        if reader is None:
            reader = self._local.reader = _Reader(sqlite3.connect(
                self._manifest, check_same_thread=False, isolation_level=None, timeout=60))
            reader.db.execute("PRAGMA query_only=ON")
            self._readers.add(reader)
        return reader.db

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the write lock; this thread's reads go through the writer's connection."""
        with self._lock:
            self._local.writing = getattr(self._local, "writing", 0) + 1
            try:
                yield
            finally:
                self._local.writing -= 1
                if not self._local.writing:
                    stage("")  # a write that raised is over too (crash tests' in-write timer)

    def _bump_generation(self) -> None:
        self._db.execute("UPDATE info SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")

    # ---------------------------------------------------------------- embedder identity
    def _mismatch_message(self, built_by: str) -> str:
        return (f"The knowledge base '{self.settings.collection}' in {self.settings.store} was built "
                f"with embedder '{built_by}', but '{self.embedder_name}' is configured "
                f"(POLICYQA_EMBED_MODEL). Vectors from different models cannot be compared: "
                f"re-ingest with `policyqa reindex` (or use a new --store), or set "
                f"POLICYQA_EMBED_MODEL back to the model that built it.")

    def _check_embedder(self) -> None:
        row = self._db.execute("SELECT value FROM info WHERE key='embedder'").fetchone()
        if row is None:
            self._db.execute("INSERT OR REPLACE INTO info VALUES ('embedder', ?)", (self.embedder_name,))
            self._db.execute("INSERT OR REPLACE INTO info VALUES ('schema', ?)", (SCHEMA_VERSION,))
            self._db.execute("INSERT OR IGNORE INTO info VALUES ('generation', '0')")
        elif row[0] != self.embedder_name:
            raise EmbedderMismatch(self._mismatch_message(row[0]))

    # ---------------------------------------------------------------- reads
    def documents(self) -> list[dict]:
        rows = self._read().execute(
            "SELECT doc, title, content_hash, meta, n_chunks, updated_at, source FROM documents "
            "ORDER BY doc").fetchall()
        return [{"doc": d, "title": t, "content_hash": h, "meta": json.loads(m), "chunks": n,
                 "updated_at": u, "source": src} for d, t, h, m, n, u, src in rows]

    def forget_hash(self, doc: str) -> None:
        """Mark a document as needing a rebuild on its next ingest."""
        with self._writing():
            self._db.execute("UPDATE documents SET content_hash='' WHERE doc=?", (doc,))

    def doc_with_hash(self, content_hash: str) -> str | None:
        row = self._read().execute("SELECT doc FROM documents WHERE content_hash=?",
                               (content_hash,)).fetchone()
        return row[0] if row else None

    def keep_original(self, content_hash: str, suffix: str, data: bytes) -> Path:
        """Keep the source bytes so that `reindex` can rebuild without the original paths."""
        safe_suffix = suffix.lower() if suffix.lower().lstrip(".").isalnum() else ""
        path = self.files / f"{content_hash}{safe_suffix}"
        if not path.exists():
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return path

    def indexed_as(self, doc: str) -> tuple[str | None, str | None]:
        """The content hash a document is indexed under and the ingest rules that prepared it
        (None, None when it is not indexed): what decides whether a re-ingest may skip it."""
        row = self._read().execute("SELECT content_hash, meta FROM documents WHERE doc=?", (doc,)).fetchone()
        if not row:
            return None, None
        return row[0], (json.loads(row[1]) if row[1] else {}).get("ingest_rules")

    def all_chunks(self) -> list[Chunk]:
        rows = self._read().execute("SELECT record FROM chunks ORDER BY doc, position").fetchall()
        return [chunk_from_json(r[0]) for r in rows]

    def chunks_by_id(self, ids: Iterable[str]) -> dict[str, Chunk]:
        ids = list(ids)
        out: dict[str, Chunk] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            q = f"SELECT id, record FROM chunks WHERE id IN ({','.join('?' * len(part))})"
            out.update({cid: chunk_from_json(rec) for cid, rec in self._read().execute(q, part)})
        return out

    def chunk_at(self, doc: str, position: int) -> Chunk | None:
        """The chunk at a position of a document (a sentence cut at a chunk's end goes on there)."""
        row = self._read().execute("SELECT record FROM chunks WHERE doc=? AND position=?",
                               (doc, position)).fetchone()
        return chunk_from_json(row[0]) if row else None

    def document_text(self, doc: str) -> str:
        """The original text of a document (citations quote exact spans of it)."""
        row = self._read().execute("SELECT text FROM texts WHERE doc=?", (doc,)).fetchone()
        return row[0] if row else ""

    def ocr_lines(self, doc: str) -> dict:
        """`Document.ocr` as stored ({} for a document not read by OCR)."""
        row = self._read().execute("SELECT record FROM ocr_lines WHERE doc=?", (doc,)).fetchone()
        return json.loads(row[0]) if row else {}

    def original(self, doc: str) -> Path | None:
        """The kept original file of a document (None when there is none): only ever a file
        directly in the store's `files` folder, named by the store, never by a caller."""
        source = self._source_of(doc)
        if not source or "/" in source or "\\" in source or source.startswith("."):
            return None
        path = self.files / source
        if path.parent.resolve() != self.files.resolve() or not path.is_file() or path.is_symlink():
            return None
        return path

    def normalised_text(self, doc: str) -> str:
        """The document's normalised text, white space removed, one space between characters
        (a normalised term occurs in it iff `spaced(term, True)` is a substring)."""
        row = self._read().execute("SELECT chars FROM doc_norm WHERE doc=?", (doc,)).fetchone()
        return row[0] if row else ""

    def any_document_contains(self, term: str) -> bool:
        """Whether any committed document's normalised text contains `term` (FTS5 phrase)."""
        phrase = fts_phrase(term)
        if phrase is None:
            return False
        row = self._read().execute("SELECT 1 FROM doc_chars WHERE doc_chars MATCH ? LIMIT 1",
                               (phrase,)).fetchone()
        return row is not None

    def documents_containing(self, term: str) -> set[str]:
        phrase = fts_phrase(term)
        if phrase is None:
            return set()
        return {r[0] for r in self._read().execute(
            "SELECT n.doc FROM doc_chars JOIN doc_norm n ON n.rowid = doc_chars.rowid "
            "WHERE doc_chars MATCH ?", (phrase,))}

    def stored_tokens(self, ids: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            q = f"SELECT id, tokens FROM chunk_tokens WHERE id IN ({','.join('?' * len(part))})"
            out.update({cid: json.loads(t) for cid, t in self._read().execute(q, part)})
        return out

    def save_tokens(self, tokens: dict[str, list[str]]) -> None:
        """Keep keyword tokens by chunk id (a derived cache: losing it costs only time)."""
        with self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO chunk_tokens VALUES (?, ?)",
                                 [(k, json.dumps(v, ensure_ascii=False)) for k, v in tokens.items()])
            self._db.execute("COMMIT")

    def chunk_ids_in_order(self) -> list[str]:
        return [r[0] for r in self._read().execute("SELECT id FROM chunks ORDER BY doc, position")]

    def chunk_ids_matching(self, where: dict) -> set[str]:
        """Committed chunk ids of documents matching the filters: doc, region, issuer (exact),
        date_from / date_to (ISO dates, inclusive)."""
        docs = []
        for d in self.documents():
            meta = d["meta"]
            if where.get("doc") and d["doc"] != where["doc"]:
                continue
            if d["doc"] in (where.get("exclude_docs") or ()):
                continue  # leave-one-document-out runs (eval/) ask without a document
            if where.get("region") and where["region"] not in (meta.get("region") or ""):
                continue
            if where.get("issuer") and where["issuer"] not in (meta.get("issuer") or ""):
                continue
            date = meta.get("date") or ""
            if where.get("date_from") and (not date or date < where["date_from"]):
                continue
            if where.get("date_to") and (not date or date > where["date_to"]):
                continue
            docs.append(d["doc"])
        ids: set[str] = set()
        for doc in docs:
            ids |= self.chunk_ids(doc)
        return ids

    def count_chunks(self) -> int:
        return self._read().execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def dense_search(self, query_vector: list[float], k: int, where: dict | None = None
                     ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the nearest committed chunks."""
        if self.count_chunks() == 0:  # SQLite: cheaper than asking Chroma to count
            return []
        # Ids and distances only: the texts and metadata of the candidates come from the
        # manifest for those that survive fusion (fetching them from Chroma too cost ~1 ms).
        found = self._current_vectors()._collection.query(
            query_embeddings=[query_vector], n_results=k, where=where, include=["distances"])
        return [(cid, 1.0 - float(dist)) for cid, dist in zip(found["ids"][0], found["distances"][0])
                if cid]

    # ---------------------------------------------------------------- writes
    def chunk_ids(self, doc: str) -> set[str]:
        return {r[0] for r in self._read().execute("SELECT id FROM chunks WHERE doc=?", (doc,))}

    def upsert_document(self, document: Document, chunks: list[Chunk],
                        new_vectors: dict[str, list[float]], source: str = "") -> None:
        """Replace a document's chunks with `chunks` (crash-safe; see module doc).
        `new_vectors` holds vectors for the chunks not already stored (content-hash ids)."""
        self.upsert_documents([(document, chunks, source)], new_vectors)

    def upsert_documents(self, batch: list[tuple[Document, list[Chunk], str]],
                         new_vectors: dict[str, list[float]]) -> None:
        """Replace several documents' chunks at once: one Chroma upsert, one SQLite transaction
        (manifest + generation), one delete of stale vectors; crash-safe as for one document."""
        if not batch:
            return
        with self._writing():
            write_started()
            vectors = self._current_vectors()  # never write through a stale view
            pending = self._begin_pending_write()
            stage("pending")
            old_ids: set[str] = set()
            old_sources: dict[str, str] = {}
            for document, _, _ in batch:
                old_ids |= self.chunk_ids(document.doc)
                old_sources[document.doc] = self._source_of(document.doc)
            new = [c for _, chunks, _ in batch for c in chunks if c.id in new_vectors]
            stage("vectors")
            for i in range(0, len(new), 4000):  # under Chroma's max batch size
                part = new[i:i + 4000]
                vectors._collection.upsert(
                    ids=[c.id for c in part], embeddings=[new_vectors[c.id] for c in part],
                    documents=[c.index_text for c in part],
                    metadatas=[chroma_metadata(c) for c in part])
            fault_point("after-vectors")  # crash tests: vectors in, manifest not committed
            self._db.execute("BEGIN IMMEDIATE")
            stage("manifest")
            try:
                for document, chunks, source in batch:
                    meta = {k: v for k, v in document.meta.items() if k != "page_starts"}
                    self._db.execute("DELETE FROM chunks WHERE doc=?", (document.doc,))
                    self._db.executemany(
                        "INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?)",
                        [(c.id, c.doc, c.position, json.dumps(asdict(c), ensure_ascii=False))
                         for c in chunks])
                    self._db.execute(
                        "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (document.doc, document.title, document.content_hash,
                         json.dumps(meta, ensure_ascii=False), len(chunks), time.time(), source))
                    self._db.execute("INSERT OR REPLACE INTO texts VALUES (?, ?)",
                                     (document.doc, document.text))
                    self._db.execute("DELETE FROM ocr_lines WHERE doc=?", (document.doc,))
                    if document.ocr:
                        self._db.execute("INSERT INTO ocr_lines VALUES (?, ?)",
                                         (document.doc, json.dumps(document.ocr, separators=(",", ":"))))
                    self._db.execute("DELETE FROM doc_norm WHERE doc=?", (document.doc,))
                    self._db.execute("INSERT INTO doc_norm VALUES (?, ?)",
                                     (document.doc, spaced(document.text)))
                before = self.generation
                self._bump_generation()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._committed(before)
            stage("committed")
            kept = {c.id for _, chunks, _ in batch for c in chunks}
            stale = sorted(old_ids - kept)
            if stale:
                vectors.delete(ids=stale)
            stage("stale-deleted")
            for document, _, source in batch:
                if old_sources[document.doc] != source:
                    self._drop_original(old_sources[document.doc])
            stage("originals")
            self._end_pending_write(pending)
            stage("")

    def delete_document(self, doc: str) -> int:
        """Remove a document and all of its chunks; returns how many chunks went."""
        with self._writing():
            ids = [r[0] for r in self._db.execute("SELECT id FROM chunks WHERE doc=?", (doc,))]
            if not ids and self.indexed_as(doc)[0] is None:
                raise KeyError(doc)
            source = self._source_of(doc)
            vectors = self._current_vectors()
            pending = self._begin_pending_write()
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM chunks WHERE doc=?", (doc,))
            self._db.execute("DELETE FROM documents WHERE doc=?", (doc,))
            self._db.execute("DELETE FROM texts WHERE doc=?", (doc,))
            self._db.execute("DELETE FROM doc_norm WHERE doc=?", (doc,))
            self._db.execute("DELETE FROM ocr_lines WHERE doc=?", (doc,))
            before = self.generation
            self._bump_generation()
            self._db.execute("COMMIT")
            self._committed(before)
            if ids:
                vectors.delete(ids=ids)
            self._drop_original(source)
            self._end_pending_write(pending)
            return len(ids)

    def _source_of(self, doc: str) -> str:
        row = self._read().execute("SELECT source FROM documents WHERE doc=?", (doc,)).fetchone()
        return row[0] if row else ""

    def _drop_original(self, source: str) -> None:
        """Remove a kept original once no committed document names it (delete removes every copy)."""
        if not source or "/" in source or source.startswith("."):
            return
        if self._db.execute("SELECT 1 FROM documents WHERE source=?", (source,)).fetchone():
            return
        (self.files / source).unlink(missing_ok=True)

    # ---------------------------------------------------------------- crash recovery
    def _begin_pending_write(self) -> int:
        cur = self._db.execute("INSERT INTO pending_writes (pid, host, started) VALUES (?, ?, ?)",
                               (os.getpid(), socket.gethostname(), time.time()))
        return int(cur.lastrowid)

    def _end_pending_write(self, pending: int) -> None:
        self._db.execute("DELETE FROM pending_writes WHERE id=?", (pending,))

    def _sweep_if_a_writer_died(self) -> None:
        """Sweep orphan vectors when a write was interrupted (its row outlived its process) or
        when Chroma holds another number of vectors than the manifest has chunks (a commit lost
        after its vectors were written leaves no row behind) — but never while another process
        is writing. The check holds SQLite's write lock, so no writer can register meanwhile."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            rows = self._db.execute("SELECT id, pid, host FROM pending_writes").fetchall()
            here = socket.gethostname()
            live = [r for r in rows if r[1] > 0 and (r[2] != here or _alive(r[1]))]
            if not live and (rows or self._vectors_disagree()):
                self._sweep_orphans()
                for tmp in self.files.glob("*.tmp"):  # a half-written original
                    tmp.unlink(missing_ok=True)
                self._db.executemany("DELETE FROM pending_writes WHERE id=?", [(r[0],) for r in rows])
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _vectors_disagree(self) -> bool:
        chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return self.vectors._collection.count() != chunks

    def _sweep_orphans(self) -> None:
        """Delete vectors that no committed chunk owns (left by an interrupted write)."""
        coll = self.vectors._collection
        total = coll.count()
        if total == 0:
            return
        committed = {r[0] for r in self._db.execute("SELECT id FROM chunks")}
        orphans: list[str] = []
        for offset in range(0, total, 5000):
            ids = coll.get(limit=5000, offset=offset, include=[])["ids"]
            orphans.extend(i for i in ids if i not in committed)
        if orphans:
            self.vectors.delete(ids=orphans)

    def close(self) -> None:
        for reader in list(self._readers):
            reader.db.close()
        self._db.close()


class _Reader:
    """A thread's read connection (a holder, so that the store can track it weakly: it is
    closed when its thread ends, or by `Store.close`)."""

    __slots__ = ("db", "__weakref__")

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __del__(self) -> None:
        self.db.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
