"""Numbered schema migrations for our SQLite files (in the style of simonw/llm's
embeddings_migrations.py): each migration is a function `mNNN_what(db)`, applied once, in
order, inside one transaction with the row recording it, so a crash never half-applies one."""

from __future__ import annotations

import sqlite3
import time
from typing import Callable

Migration = Callable[[sqlite3.Connection], None]


class Migrations:
    def __init__(self, name: str) -> None:
        self.name = name  # several sets may share one file: each keeps its own record
        self._steps: list[tuple[str, Migration]] = []

    def __call__(self, fn: Migration) -> Migration:
        """Decorator: register `fn` as the next migration (names must sort in order)."""
        if self._steps and fn.__name__ <= self._steps[-1][0]:
            raise ValueError(f"migration {fn.__name__} is out of order")
        self._steps.append((fn.__name__, fn))
        return fn

    def apply(self, db: sqlite3.Connection) -> list[str]:
        """Apply pending migrations; returns the names applied. `db` must be in autocommit mode
        (isolation_level=None); concurrent openers serialise on the write lock."""
        db.execute("CREATE TABLE IF NOT EXISTS _migrations ("
                   "migration_set TEXT, name TEXT, applied_at REAL, PRIMARY KEY (migration_set, name))")
        applied: list[str] = []
        for name, fn in self._steps:
            if self._done(db, name):
                continue
            db.execute("BEGIN IMMEDIATE")
            try:
                if self._done(db, name):  # another process applied it while we waited
                    db.execute("ROLLBACK")
                    continue
                fn(db)
                db.execute("INSERT INTO _migrations VALUES (?, ?, ?)", (self.name, name, time.time()))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            applied.append(name)
        return applied

    def _done(self, db: sqlite3.Connection, name: str) -> bool:
        return db.execute("SELECT 1 FROM _migrations WHERE migration_set=? AND name=?",
                          (self.name, name)).fetchone() is not None
