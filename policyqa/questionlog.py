"""The opt-in question log (POLICYQA_QUESTION_LOG): each asked question with the time, its
language, whether it was answered or declined, the decision's score and reason — what the admin
console's 未解决的问题 groups. Kept in STORE/questions.sqlite3 (its own numbered migrations);
entries older than POLICYQA_QUESTION_LOG_DAYS are purged when the log is opened and then at most
hourly as questions arrive. No answer text, no user identity, no address is kept."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from core.migrations import Migrations
from retrieval.language import detect_lang

migrations = Migrations("questions")


@migrations
def m001_questions(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE questions (id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL,"
               " kb TEXT NOT NULL, question TEXT NOT NULL, lang TEXT NOT NULL, declined INTEGER NOT NULL,"
               " support REAL NOT NULL, reason TEXT NOT NULL)")
    db.execute("CREATE INDEX questions_created ON questions (created)")


DAY = 86_400.0
PURGE_EVERY = 3600.0


class QuestionLog:
    def __init__(self, path: Path, days: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.days = days
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        migrations.apply(self._db)
        self._lock = threading.Lock()
        self._purged = 0.0
        self.purge()

    def record(self, question: str, answer, kb: str, now: float | None = None) -> None:
        """Keep one asked question and its decision (`answer`: a records.Answer) for the base
        `kb` (its collection, which a rename does not change)."""
        now = time.time() if now is None else now
        with self._lock:
            self._db.execute(
                "INSERT INTO questions (created, kb, question, lang, declined, support, reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (now, kb, question[:2000], detect_lang(question), int(bool(answer.declined)),
                 float(answer.support), str(answer.declined_because or "")[:500]))
        if now - self._purged > PURGE_EVERY:
            self.purge(now)

    def purge(self, now: float | None = None) -> int:
        """Delete entries older than the retention period; returns how many went."""
        now = time.time() if now is None else now
        with self._lock:
            cur = self._db.execute("DELETE FROM questions WHERE created < ?", (now - self.days * DAY,))
            self._purged = now
        return cur.rowcount

    def declined(self, kb: str) -> list[dict]:
        """The base's (collection's) declined questions within the retention period, oldest first."""
        rows = self._db.execute(
            "SELECT created, question, support, reason FROM questions WHERE declined=1 AND kb=?"
            " AND created >= ? ORDER BY created", (kb, time.time() - self.days * DAY)).fetchall()
        return [{"created": c, "question": q, "support": s, "reason": r} for c, q, s, r in rows]

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM questions").fetchone()[0]

    def close(self) -> None:
        self._db.close()


__all__ = ["QuestionLog", "migrations"]
