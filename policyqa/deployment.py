"""The deployment database: one SQLite file in the store folder (`deployment.sqlite3`) holding
what the knowledge bases of one deployment share — the bases themselves (`kb.py`), the access
keys and their roles (`access.py`) and the audit log (`audit.py`). Each of those modules keeps
its own numbered migrations in this file (`core/migrations.py`); nothing else opens it."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from core.migrations import Migrations

FILE_NAME = "deployment.sqlite3"


class DeploymentDB:
    """One connection per process (serialised by a lock: the rows are few and small); every
    read goes to the file, so a key created or revoked by `policyqa key` in another process
    counts at once."""

    def __init__(self, root: Path) -> None:
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        self.path = root / FILE_NAME
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._lock = threading.RLock()

    def migrate(self, migrations: Migrations) -> list[str]:
        with self._lock:
            return migrations.apply(self._db)

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (SQLite's write lock held from its start)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()
