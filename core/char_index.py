"""The character index: "does any document contain this term" as an FTS5 phrase query, not a
scan of every text.

Each document's normalised text is kept (`doc_norm`) as one token per character, and an FTS5
table over it (`doc_chars`, kept in step by triggers; tables made by the manifest's
migrations). Rows are written and dropped inside the manifest's transaction for the document.
"""

from __future__ import annotations

import sqlite3

from core.script import normalise

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


# ---------------------------------------------------------------- writes (inside a transaction)
def put(db: sqlite3.Connection, doc: str, text: str) -> None:
    """Index a document's text, replacing what was indexed for it."""
    drop(db, doc)
    db.execute("INSERT INTO doc_norm VALUES (?, ?)", (doc, spaced(text)))


def drop(db: sqlite3.Connection, doc: str) -> None:
    db.execute("DELETE FROM doc_norm WHERE doc=?", (doc,))


def rebuild(db: sqlite3.Connection) -> None:
    """Index every document's text afresh (a migration changing how characters are indexed)."""
    db.execute("DELETE FROM doc_norm")
    for doc, text in db.execute("SELECT doc, text FROM texts").fetchall():
        db.execute("INSERT INTO doc_norm VALUES (?, ?)", (doc, spaced(text)))


# ---------------------------------------------------------------- reads
def normalised_text(db: sqlite3.Connection, doc: str) -> str:
    row = db.execute("SELECT chars FROM doc_norm WHERE doc=?", (doc,)).fetchone()
    return row[0] if row else ""


def any_document_contains(db: sqlite3.Connection, term: str) -> bool:
    phrase = fts_phrase(term)
    if phrase is None:
        return False
    row = db.execute("SELECT 1 FROM doc_chars WHERE doc_chars MATCH ? LIMIT 1", (phrase,)).fetchone()
    return row is not None


def documents_containing(db: sqlite3.Connection, term: str) -> set[str]:
    phrase = fts_phrase(term)
    if phrase is None:
        return set()
    return {r[0] for r in db.execute(
        "SELECT n.doc FROM doc_chars JOIN doc_norm n ON n.rowid = doc_chars.rowid "
        "WHERE doc_chars MATCH ?", (phrase,))}
