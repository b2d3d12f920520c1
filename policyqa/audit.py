"""The audit log: every administrative action — upload, delete, ingest, reindex, a knowledge
base created, renamed, opened or closed to the public, deleted, an access key created or revoked,
a refused administrative request — with who (the key's name, `admin-token`, or `cli:<user>`),
when, what, and the result. Append-only, in the deployment database: rows are only ever inserted
(triggers refuse UPDATE and DELETE, so not even a bug of ours can rewrite the record)."""

from __future__ import annotations

import csv
import io
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Iterator

from policyqa.deployment import DeploymentDB
from core.migrations import Migrations

audit_migrations = Migrations("policyqa.audit")


@audit_migrations
def m001_audit_log(db) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, "
               "at REAL NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL, kb TEXT NOT NULL, "
               "target TEXT NOT NULL, result TEXT NOT NULL, detail TEXT NOT NULL)")
    db.execute("CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
               "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
    db.execute("CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
               "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: float  # unix time
    who: str
    action: str  # upload, delete, ingest, reindex, kb.create, kb.rename, kb.delete, key.create, …
    kb: str  # the base's name at the time ("" for actions on no base)
    target: str  # the document, key or new name acted on
    result: str  # ok, failed, refused
    detail: str

    @property
    def time(self) -> str:
        return datetime.fromtimestamp(self.at, timezone.utc).astimezone().isoformat(timespec="seconds")

    def to_json(self) -> dict:
        return {**asdict(self), "time": self.time}


@dataclass
class Pending:
    """What an action being done will record (filled in by the code doing it)."""

    who: str
    action: str
    kb: str = ""
    target: str = ""
    result: str = "ok"
    detail: str = ""


FIELDS = ("id", "time", "who", "action", "kb", "target", "result", "detail")


class AuditLog:
    def __init__(self, db: DeploymentDB) -> None:
        self.db = db
        db.migrate(audit_migrations)

    def record(self, who: str, action: str, kb: str = "", target: str = "", result: str = "ok",
               detail: str = "") -> None:
        with self.db.transaction() as tx:
            tx.execute("INSERT INTO audit_log (at, who, action, kb, target, result, detail) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (time.time(), who or "unknown", action, kb or "", target or "", result, detail[:2000]))

    @contextmanager
    def action(self, who: str, action: str, kb: str = "", target: str = "") -> Iterator[Pending]:
        """Record the action when it ends: its result as set, or `failed` with the error."""
        entry = Pending(who, action, kb, target)
        try:
            yield entry
        except BaseException as e:
            entry.result = "failed"
            entry.detail = entry.detail or f"{type(e).__name__}: {e}"
            self.record(**vars(entry))
            raise
        self.record(**vars(entry))

    def entries(self, limit: int | None = None, kb: str | None = None) -> list[AuditEntry]:
        """Newest first."""
        sql = "SELECT id, at, who, action, kb, target, result, detail FROM audit_log"
        params: tuple = ()
        if kb:
            sql += " WHERE kb=?"
            params = (kb,)
        sql += " ORDER BY id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [AuditEntry(*row) for row in self.db.rows(sql, params)]

    def csv(self, limit: int | None = None) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(FIELDS)
        for e in self.entries(limit):
            writer.writerow([e.id, e.time, *(_cell(v) for v in (e.who, e.action, e.kb, e.target, e.result,
                                                                 e.detail))])
        return out.getvalue()


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading = + - @ (a formula) gets a quote mark
    (document names and key names come from users)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
