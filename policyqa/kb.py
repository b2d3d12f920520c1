"""Knowledge bases: several in one deployment (组织部, 民政局…), each its own Chroma collection and
its own manifest, listed in the deployment database.

A base has a display `name` (what users, keys and the API name; renaming changes only this), a
`collection` (its Chroma collection, fixed for its life: keys' roles point to it, so a rename
keeps them) and a `root`, its folder under the store (manifest, kept originals, keyword index,
embedded Chroma). The base a deployment started with keeps the store folder itself as its root
and `POLICYQA_COLLECTION` as its collection: an existing store is that base, unchanged, and a
deployment that never creates another base works as before. A `public` base may be asked and
read without a key while no chat token is set (the first base is public, as every store was);
a new base is private: only keys granted a role on it see anything of it.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings
from policyqa.deployment import DeploymentDB
from policyqa.errors import UserError
from core.migrations import Migrations

DEFAULT_NAME = "default"
# Letters of any script (汉字 included), digits, _ - · . and inner spaces; at most 40 characters.
_NAME = re.compile(r"^[\w·.\-]+( [\w·.\-]+)*$")
MAX_NAME = 40

kb_migrations = Migrations("policyqa.kb")


@kb_migrations
def m001_knowledge_bases(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS knowledge_bases (name TEXT PRIMARY KEY, "
               "collection TEXT NOT NULL UNIQUE, root TEXT NOT NULL, public INTEGER NOT NULL, "
               "created_at REAL NOT NULL)")
    db.execute("CREATE TABLE IF NOT EXISTS kb_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@kb_migrations
def m002_existing_stores(db: sqlite3.Connection) -> None:
    # A store made before knowledge bases existed holds one manifest per collection in its folder
    # (`<collection>.manifest.sqlite3`): each becomes a public base with the store folder as root,
    # the bundled default collection (`policyqa`) under the name `default`.
    path = next((row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"), "")
    if not path:
        return
    for manifest in sorted(Path(path).parent.glob("*.manifest.sqlite3")):
        collection = manifest.name[: -len(".manifest.sqlite3")]
        name = DEFAULT_NAME if collection == "policyqa" else collection
        db.execute("INSERT OR IGNORE INTO knowledge_bases VALUES (?, ?, '', 1, ?)",
                   (name, collection, manifest.stat().st_mtime))
    if db.execute("SELECT 1 FROM knowledge_bases").fetchone():
        db.execute("INSERT OR REPLACE INTO kb_info VALUES ('seeded', '1')")


@dataclass(frozen=True)
class KnowledgeBase:
    name: str
    collection: str  # the Chroma collection; fixed for the base's life
    root: str  # folder under the store ("" = the store folder itself)
    public: bool
    created_at: float

    def to_json(self) -> dict:
        return {"name": self.name, "public": self.public, "created_at": self.created_at}


def check_name(name: str) -> str:
    """A base's name as given, trimmed; a clear error for one that cannot be a name."""
    name = (name or "").strip()
    if not name:
        raise UserError("知识库名称不能为空。", "a knowledge base needs a name")
    if len(name) > MAX_NAME:
        raise UserError(f"知识库名称太长（最多 {MAX_NAME} 个字符）。",
                        f"a knowledge base name has at most {MAX_NAME} characters")
    if not _NAME.match(name) or name.startswith("."):
        raise UserError(f"知识库名称「{name}」不可用：只能包含文字、数字、空格和 _ - · .",
                        f"'{name}' cannot name a knowledge base: use letters, digits, spaces and _ - · .")
    return name


def unknown(name: str) -> UserError:
    return UserError(f"知识库「{name}」不存在或无权访问。",
                     f"there is no knowledge base '{name}' that you may use", status=404)


class KnowledgeBases:
    """The registry of bases (rows only: the Library makes and removes their stores)."""

    def __init__(self, db: DeploymentDB, settings: Settings) -> None:
        self.db = db
        self.default_collection = settings.collection
        db.migrate(kb_migrations)
        with db.transaction() as tx:  # a new deployment starts with one public base
            seeded = tx.execute("SELECT 1 FROM kb_info WHERE key='seeded'").fetchone()
            if not seeded:
                tx.execute("INSERT OR IGNORE INTO knowledge_bases VALUES (?, ?, '', 1, ?)",
                           (DEFAULT_NAME, settings.collection, time.time()))
                tx.execute("INSERT OR REPLACE INTO kb_info VALUES ('seeded', '1')")

    def list(self) -> list[KnowledgeBase]:
        return [KnowledgeBase(n, c, r, bool(p), t) for n, c, r, p, t in self.db.rows(
            "SELECT name, collection, root, public, created_at FROM knowledge_bases ORDER BY created_at, name")]

    def find(self, name: str) -> KnowledgeBase | None:
        return next((kb for kb in self.list() if kb.name == (name or "").strip()), None)

    def get(self, name: str) -> KnowledgeBase:
        kb = self.find(name)
        if kb is None:
            raise unknown(name)
        return kb

    def by_collection(self, collection: str) -> KnowledgeBase | None:
        return next((kb for kb in self.list() if kb.collection == collection), None)

    def default(self) -> KnowledgeBase | None:
        """The base a question goes to when it names none: the one the deployment started with
        (POLICYQA_COLLECTION), while it exists."""
        return self.by_collection(self.default_collection)

    def create(self, name: str, public: bool = False) -> KnowledgeBase:
        name = check_name(name)
        collection = f"kb-{secrets.token_hex(6)}"
        kb = KnowledgeBase(name, collection, f"bases/{collection}", public, time.time())
        with self.db.transaction() as tx:
            if tx.execute("SELECT 1 FROM knowledge_bases WHERE name=?", (name,)).fetchone():
                raise UserError(f"知识库「{name}」已存在。", f"a knowledge base named '{name}' exists already",
                                status=409)
            tx.execute("INSERT INTO knowledge_bases VALUES (?, ?, ?, ?, ?)",
                       (kb.name, kb.collection, kb.root, int(kb.public), kb.created_at))
        return kb

    def rename(self, old: str, new: str) -> KnowledgeBase:
        new = check_name(new)
        kb = self.get(old)
        with self.db.transaction() as tx:
            if new != kb.name and tx.execute("SELECT 1 FROM knowledge_bases WHERE name=?", (new,)).fetchone():
                raise UserError(f"知识库「{new}」已存在。", f"a knowledge base named '{new}' exists already",
                                status=409)
            tx.execute("UPDATE knowledge_bases SET name=? WHERE collection=?", (new, kb.collection))
        return self.get(new)

    def set_public(self, name: str, public: bool) -> KnowledgeBase:
        kb = self.get(name)
        with self.db.transaction() as tx:
            tx.execute("UPDATE knowledge_bases SET public=? WHERE collection=?", (int(public), kb.collection))
        return self.get(name)

    def remove(self, kb: KnowledgeBase) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM knowledge_bases WHERE collection=?", (kb.collection,))
