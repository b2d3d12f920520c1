"""The manifest: the SQLite file that is the truth about a knowledge base — its documents, their
texts and chunks, the write generation, the writes in progress — shared by every process on the
store. Its schema changes through numbered migrations (core/manifest_migrations.py).

One writer connection (writes, and the reads a write makes inside its transaction) and one read
connection per thread, which sees only committed transactions (WAL snapshots): a request served
while an upload is being written never sees half a document, nor a generation that may yet be
rolled back. The write `generation` is bumped in the transaction that commits a change.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Iterable, Iterator

from core import char_index
from core.faults import stage
from core.manifest_migrations import manifest_migrations
from core.records import Chunk, Document


def chunk_from_json(record: str) -> Chunk:
    data = json.loads(record)
    data["runs"] = tuple(tuple(r) for r in data.get("runs", ()))
    return Chunk(**data)


class Manifest:
    """The SQLite manifest of one knowledge base (`core.store.Store` is one, with its vectors)."""

    def __init__(self, path: Path) -> None:
        self._manifest = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        manifest_migrations.apply(self._db)
        self._lock = threading.RLock()
        self._local = threading.local()
        self._closed = False

    # ---------------------------------------------------------------- connections
    def _read(self) -> sqlite3.Connection:
        """The connection for a read: the writer's inside a write (it must see its own
        uncommitted rows), else this thread's reader connection, opened on first use."""
        if getattr(self._local, "writing", 0):
            return self._db
        if self._closed:
            self._close_own_reader()
            raise sqlite3.ProgrammingError("the manifest is closed")
        reader = getattr(self._local, "reader", None)
        if reader is None:
            reader = self._local.reader = _Reader(sqlite3.connect(
                self._manifest, check_same_thread=False, isolation_level=None, timeout=60))
            reader.db.execute("PRAGMA query_only=ON")
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

    @property
    def generation(self) -> int:
        """Bumped in every committing transaction, by any process; caches key on it."""
        row = self._read().execute("SELECT value FROM info WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def _bump_generation(self) -> None:
        self._db.execute("UPDATE info SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")

    def close(self) -> None:
        """Close the writer (after a write in progress) and this thread's reader. Another
        thread's reader may be in the middle of a query (a server's warm-up, a request): closing
        a connection under a running statement can crash the process, so each thread closes its
        own at its next read, which then fails, or it goes with its thread."""
        with self._lock:
            self._closed = True
            self._close_own_reader()
            self._db.close()

    def _close_own_reader(self) -> None:
        reader = getattr(self._local, "reader", None)
        if reader is not None:
            self._local.reader = None
            reader.db.close()

    # ---------------------------------------------------------------- identity
    def _recorded_embedder(self) -> str | None:
        row = self._db.execute("SELECT value FROM info WHERE key='embedder'").fetchone()
        return row[0] if row else None

    def _record_embedder(self, name: str, schema: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO info VALUES ('embedder', ?)", (name,))
        self._db.execute("INSERT OR REPLACE INTO info VALUES ('schema', ?)", (schema,))
        self._db.execute("INSERT OR IGNORE INTO info VALUES ('generation', '0')")

    def _forget_chunks(self) -> None:
        """For a re-index: no chunks, no embedder identity (documents stay until rewritten)."""
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("DELETE FROM info WHERE key != 'generation'")
        self._db.execute("DELETE FROM chunks")
        self._bump_generation()
        self._db.execute("COMMIT")

    # ---------------------------------------------------------------- documents
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

    def indexed_as(self, doc: str) -> tuple[str | None, str | None]:
        """The content hash a document is indexed under and the ingest rules that prepared it
        (None, None when it is not indexed): what decides whether a re-ingest may skip it."""
        row = self._read().execute("SELECT content_hash, meta FROM documents WHERE doc=?", (doc,)).fetchone()
        if not row:
            return None, None
        return row[0], (json.loads(row[1]) if row[1] else {}).get("ingest_rules")

    def document_text(self, doc: str) -> str:
        """The original text of a document (citations quote exact spans of it)."""
        row = self._read().execute("SELECT text FROM texts WHERE doc=?", (doc,)).fetchone()
        return row[0] if row else ""

    def ocr_lines(self, doc: str) -> dict:
        """`Document.ocr` as stored ({} for a document not read by OCR)."""
        row = self._read().execute("SELECT record FROM ocr_lines WHERE doc=?", (doc,)).fetchone()
        return json.loads(row[0]) if row else {}

    def _source_of(self, doc: str) -> str:
        row = self._read().execute("SELECT source FROM documents WHERE doc=?", (doc,)).fetchone()
        return row[0] if row else ""

    # ---------------------------------------------------------------- the character index
    def normalised_text(self, doc: str) -> str:
        """The document's normalised text, white space removed, one space between characters
        (a normalised term occurs in it iff `spaced(term, True)` is a substring)."""
        return char_index.normalised_text(self._read(), doc)

    def any_document_contains(self, term: str) -> bool:
        """Whether any committed document's normalised text contains `term` (FTS5 phrase)."""
        return char_index.any_document_contains(self._read(), term)

    def documents_containing(self, term: str) -> set[str]:
        return char_index.documents_containing(self._read(), term)

    # ---------------------------------------------------------------- chunks
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

    def chunk_ids(self, doc: str) -> set[str]:
        return {r[0] for r in self._read().execute("SELECT id FROM chunks WHERE doc=?", (doc,))}

    def chunk_ids_in_order(self) -> list[str]:
        return [r[0] for r in self._read().execute("SELECT id FROM chunks ORDER BY doc, position")]

    def chunk_counts(self) -> dict[str, int]:
        """Chunks per document, as the chunks table holds them (integrity checks)."""
        return dict(self._read().execute("SELECT doc, COUNT(*) FROM chunks GROUP BY doc").fetchall())

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

    # ---------------------------------------------------------------- keyword tokens
    def stored_tokens(self, ids: list[str], tokenizer: str) -> dict[str, list[str]]:
        """Keyword tokens kept for these chunk ids by the tokenizer with this fingerprint (tokens
        another tokenizer made are not returned: the caller makes them again)."""
        out: dict[str, list[str]] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            q = (f"SELECT id, tokens FROM chunk_tokens WHERE tokenizer=? AND id IN "
                 f"({','.join('?' * len(part))})")
            out.update({cid: json.loads(t) for cid, t in self._read().execute(q, [tokenizer, *part])})
        return out

    def save_tokens(self, tokens: dict[str, list[str]], tokenizer: str) -> None:
        """Keep keyword tokens by chunk id, with the fingerprint of the tokenizer that made them
        (a derived cache: losing it costs only time)."""
        with self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO chunk_tokens VALUES (?, ?, ?)",
                                 [(k, tokenizer, json.dumps(v, ensure_ascii=False))
                                  for k, v in tokens.items()])
            self._db.execute("COMMIT")

    # ---------------------------------------------------------------- rows of a write
    def _put_document(self, document: Document, chunks: list[Chunk], source: str) -> None:
        """A document's rows, replacing its old ones (inside the writer's transaction)."""
        meta = {k: v for k, v in document.meta.items() if k != "page_starts"}
        self._db.execute("DELETE FROM chunks WHERE doc=?", (document.doc,))
        self._db.executemany(
            "INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?)",
            [(c.id, c.doc, c.position, json.dumps(asdict(c), ensure_ascii=False)) for c in chunks])
        self._db.execute(
            "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
            (document.doc, document.title, document.content_hash,
             json.dumps(meta, ensure_ascii=False), len(chunks), time.time(), source))
        self._db.execute("INSERT OR REPLACE INTO texts VALUES (?, ?)", (document.doc, document.text))
        self._db.execute("DELETE FROM ocr_lines WHERE doc=?", (document.doc,))
        if document.ocr:
            self._db.execute("INSERT INTO ocr_lines VALUES (?, ?)",
                             (document.doc, json.dumps(document.ocr, separators=(",", ":"))))
        char_index.put(self._db, document.doc, document.text)

    def _remove_document(self, doc: str) -> None:
        """A document's rows gone (inside the writer's transaction)."""
        for table in ("chunks", "documents", "texts"):
            self._db.execute(f"DELETE FROM {table} WHERE doc=?", (doc,))
        char_index.drop(self._db, doc)
        self._db.execute("DELETE FROM ocr_lines WHERE doc=?", (doc,))

    def _source_named(self, source: str) -> bool:
        """Whether a committed document names this kept original."""
        return self._db.execute("SELECT 1 FROM documents WHERE source=?", (source,)).fetchone() is not None

    # ---------------------------------------------------------------- writes in progress
    def _begin_pending_write(self) -> int:
        cur = self._db.execute("INSERT INTO pending_writes (pid, host, started) VALUES (?, ?, ?)",
                               (os.getpid(), socket.gethostname(), time.time()))
        return int(cur.lastrowid)

    def _end_pending_write(self, pending: int) -> None:
        self._db.execute("DELETE FROM pending_writes WHERE id=?", (pending,))

    def _dead_writes(self) -> list[int] | None:
        """Inside the writer's transaction: the rows of writes whose process is gone, or None
        while a live process is writing (no sweep may run under it)."""
        rows = self._db.execute("SELECT id, pid, host FROM pending_writes").fetchall()
        here = socket.gethostname()
        if any(pid > 0 and (host != here or _alive(pid)) for _, pid, host in rows):
            return None
        return [r[0] for r in rows]


class _Reader:
    """A thread's read connection, closed when its thread ends (its thread-local goes), or by
    that thread once the manifest is closed."""

    __slots__ = ("db",)

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
