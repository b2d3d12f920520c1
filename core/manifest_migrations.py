"""The manifest's schema, as numbered migrations (core/migrations.py): each applied once, in
order, in the transaction that records it. A schema change is a new migration at the end;
migrations already shipped are never edited (stores made with them have applied them)."""

from __future__ import annotations

import sqlite3

from core import char_index
from core.migrations import Migrations

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
    char_index.rebuild(db)


@manifest_migrations
def m005_chunk_tokens(db: sqlite3.Connection) -> None:
    # Keyword tokens per chunk id (ids are content hashes): a rebuilt BM25 index re-tokenises
    # only new chunks. Written by the retrieval layer, which owns the tokenizer.
    db.execute("CREATE TABLE IF NOT EXISTS chunk_tokens (id TEXT PRIMARY KEY, tokens TEXT NOT NULL)")


@manifest_migrations
def m006_document_characters_keep_punctuation(db: sqlite3.Connection) -> None:
    # Punctuation becomes a token of its own (a private-use character), so that a phrase never
    # matches across it: 市，区 does not contain 市区.
    char_index.rebuild(db)


@manifest_migrations
def m007_ocr_lines(db: sqlite3.Connection) -> None:
    # Where OCR read a document's text (`Document.ocr`: page image sizes, each line's page, box
    # and span), so that the document view can mark a citation's lines on the page image. Too
    # large for the documents' meta (every document listing reads that).
    db.execute("CREATE TABLE IF NOT EXISTS ocr_lines (doc TEXT PRIMARY KEY, record TEXT NOT NULL)")


@manifest_migrations
def m008_chunk_tokens_by_tokenizer(db: sqlite3.Connection) -> None:
    # Keyword tokens carry the fingerprint of the tokenizer that made them (the retrieval
    # layer's, retrieval/tokens.py), and only tokens with the current one are read: a changed
    # tokenizer (e.g. a new stopword) re-tokenises instead of indexing stale tokens. Tokens
    # kept before carry no fingerprint, so they cannot be trusted: they go (a cache; losing it
    # costs one re-tokenisation on the next keyword index build).
    db.execute("DROP TABLE IF EXISTS chunk_tokens")
    db.execute("CREATE TABLE chunk_tokens (id TEXT PRIMARY KEY, tokenizer TEXT NOT NULL, "
               "tokens TEXT NOT NULL)")
