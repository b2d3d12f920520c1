"""Thumbs up/down on answers, kept in SQLite and exportable in the gold-set schema."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from core.migrations import Migrations
from retrieval.language import detect_lang

migrations = Migrations("feedback")


@migrations
def m001_feedback(db: sqlite3.Connection) -> None:
    # IF NOT EXISTS: a file written before migrations existed already has the table.
    db.execute("""CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL, answer_id TEXT, question TEXT NOT NULL,
    history TEXT NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL, declined INTEGER NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')), comment TEXT NOT NULL)""")


@migrations
def m002_feedback_kb(db: sqlite3.Connection) -> None:
    """The base (collection) the rated answer came from; '' = not said (the default base)."""
    db.execute("ALTER TABLE feedback ADD COLUMN kb TEXT NOT NULL DEFAULT ''")


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        migrations.apply(self._db)
        self._lock = threading.Lock()

    def add(self, item: dict) -> int:
        rating = item.get("rating")
        if rating not in ("up", "down"):
            raise ValueError("rating must be 'up' or 'down'")
        question = str(item.get("question") or "").strip()
        if not question:
            raise ValueError("feedback needs the question it is about")
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO feedback (created, answer_id, question, history, answer, citations, declined,"
                " rating, comment, kb) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), str(item.get("answer_id") or ""), question[:2000],
                 json.dumps(item.get("history") or [], ensure_ascii=False),
                 str(item.get("answer") or "")[:20000],
                 json.dumps(item.get("citations") or [], ensure_ascii=False),
                 int(bool(item.get("declined"))), rating, str(item.get("comment") or "")[:2000],
                 str(item.get("kb") or "")[:200]))
            return int(cur.lastrowid)

    def disliked(self, since: float = 0.0, kb: str | None = None, default: bool = False) -> list[dict]:
        """Thumbs-down answers since `since` (epoch seconds), oldest first; with `kb` (a
        collection) only that base's — and those that named no base when `default` (it is the
        default base)."""
        sql = "SELECT created, question, answer, comment, declined FROM feedback WHERE rating='down' AND created >= ?"
        params: tuple = (since,)
        if kb is not None:
            sql += " AND (kb = ?" + (" OR kb = '')" if default else ")")
            params += (kb,)
        rows = self._db.execute(sql + " ORDER BY id", params).fetchall()
        return [{"created": c, "question": q, "answer": a, "comment": m, "declined": bool(d)}
                for c, q, a, m, d in rows]

    def export(self, out: Path, only: str | None = None) -> int:
        """JSONL in the gold schema: good answers become candidate gold items for review."""
        query = "SELECT id, question, history, answer, citations, declined, rating, comment FROM feedback"
        rows = self._db.execute(query + (" WHERE rating=?" if only else "") + " ORDER BY id",
                                (only,) if only else ()).fetchall()
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8") as f:
            for fid, question, history, answer, citations, declined, rating, comment in rows:
                history = json.loads(history)
                lang = detect_lang(question)
                f.write(json.dumps({
                    "id": f"feedback-{fid}", "question": question, "answer": answer,
                    "must_include": [],
                    "sources": [{"doc": c.get("doc", ""), "quote": c.get("quote", "")}
                                for c in json.loads(citations)],
                    "answerable": not declined, "lang": lang,
                    "type": "multi-turn" if history else ("unanswerable" if declined else "factoid"),
                    "history": history, "rating": rating, "comment": comment,
                }, ensure_ascii=False) + "\n")
        return len(rows)
