"""Who may see what: named access keys (and, when configured, identities from a trusted
intranet proxy) with roles per knowledge base.

Roles, per base: `ask` (questions; answers with their quotes, citations and suggestions),
`read` (the originals: document views, scanned page images, the document list) and `manage`
(upload, delete, reindex; implies ask and read). A grant on `*` holds for every base, present
and future; `manage` on `*` administers the deployment (bases, keys, the audit log).

Callers and what they may do:
- `POLICYQA_ADMIN_TOKEN`: manage on every base (deployment administrator), as before;
- `POLICYQA_CHAT_TOKEN`: ask and read on every base, as before (the deployment's shared token);
- an access key (`Authorization: Bearer pqk_…`): its roles; stored as the sha256 of the token,
  which is shown once, when the key is created;
- an identity (the user name a trusted proxy puts in `POLICYQA_IDENTITY_HEADER`; off unless that
  is set, and believed only from `POLICYQA_IDENTITY_PROXIES`): the roles granted to that name;
- nobody (no credentials): ask and read on public bases while no chat token is set; else 401.
A token that is given but is none of these (wrong, revoked) is a 401, never anonymous access.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass, field

from core.settings import Settings
from policyqa.deployment import DeploymentDB
from policyqa.errors import UserError
from policyqa.guards import secret_matches
from policyqa.kb import KnowledgeBase, KnowledgeBases
from core.migrations import Migrations

ROLES = ("ask", "read", "manage")
EVERY_BASE = "*"
TOKEN_PREFIX = "pqk_"

access_migrations = Migrations("policyqa.access")


@access_migrations
def m001_access_keys(db: sqlite3.Connection) -> None:
    # A key's token is kept only as its sha256; an identity (kind 'identity') has none.
    db.execute("CREATE TABLE IF NOT EXISTS access_keys (id INTEGER PRIMARY KEY AUTOINCREMENT, "
               "name TEXT NOT NULL, kind TEXT NOT NULL, token_hash TEXT UNIQUE, "
               "created_at REAL NOT NULL, created_by TEXT NOT NULL, revoked_at REAL)")
    db.execute("CREATE INDEX IF NOT EXISTS access_keys_name ON access_keys(name)")
    # Roles point to a base's collection (fixed for its life, so a rename keeps them) or '*'.
    db.execute("CREATE TABLE IF NOT EXISTS access_roles (key_id INTEGER NOT NULL, kb TEXT NOT NULL, "
               "roles TEXT NOT NULL, PRIMARY KEY (key_id, kb))")
    db.execute("CREATE TABLE IF NOT EXISTS access_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT OR IGNORE INTO access_info VALUES ('link_secret', ?)", (secrets.token_hex(32),))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is asking: a name (for the audit log) and roles per base collection."""

    name: str
    kind: str  # admin, chat, key, identity, anonymous
    grants: tuple[tuple[str, frozenset[str]], ...] = ()
    public: bool = False  # also ask and read on public bases (no credentials, no chat token)

    def roles(self, kb: KnowledgeBase) -> frozenset[str]:
        out: set[str] = set()
        for scope, roles in self.grants:
            if scope in (EVERY_BASE, kb.collection):
                out |= roles
        if "manage" in out:
            out |= {"ask", "read"}
        if self.public and kb.public:
            out |= {"ask", "read"}
        return frozenset(out)

    def may(self, kb: KnowledgeBase, role: str) -> bool:
        return role in self.roles(kb)

    @property
    def administers(self) -> bool:
        """Manage on every base: may create bases, keys, and read the audit log."""
        return any(scope == EVERY_BASE and "manage" in roles for scope, roles in self.grants)


ANONYMOUS = Principal("anonymous", "anonymous", (), public=True)


@dataclass(frozen=True)
class KeyInfo:
    name: str
    kind: str  # key or identity
    roles: dict = field(default_factory=dict)  # base name (or '*') → [roles]
    created_at: float = 0.0
    created_by: str = ""
    revoked_at: float | None = None

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "roles": self.roles, "created_at": self.created_at,
                "created_by": self.created_by, "revoked": self.revoked_at is not None,
                "revoked_at": self.revoked_at}


def parse_grants(specs: list[str] | dict, bases: KnowledgeBases) -> dict[str, frozenset[str]]:
    """`["组织部:ask,read", "*:ask"]` (or `{"组织部": ["ask", "read"]}`) → {collection: roles}.
    Every base must exist and every role be one of ask, read, manage."""
    pairs: list[tuple[str, list[str]]] = []
    if isinstance(specs, dict):
        pairs = [(k, list(v) if not isinstance(v, str) else v.split(",")) for k, v in specs.items()]
    else:
        for spec in specs:
            name, sep, roles = (spec or "").rpartition(":")
            if not sep or not name.strip():
                raise UserError(f"权限「{spec}」格式不对：应为 知识库:角色,角色（如 组织部:ask,read）。",
                                f"'{spec}' is not a grant: write BASE:ROLE,ROLE (e.g. 组织部:ask,read)")
            pairs.append((name, roles.split(",")))
    if not pairs:
        raise UserError("至少授予一个知识库的权限（--kb 知识库:ask,read）。",
                        "grant at least one base a role (--kb BASE:ask,read)")
    out: dict[str, set[str]] = {}
    for name, roles in pairs:
        name = name.strip()
        roles = [r.strip() for r in roles if r.strip()]
        bad = [r for r in roles if r not in ROLES]
        if bad or not roles:
            raise UserError(f"未知角色「{'、'.join(bad) or '（空）'}」：角色只有 ask、read、manage。",
                            f"unknown role {', '.join(bad) or '(none)'}: the roles are ask, read, manage")
        scope = EVERY_BASE if name == EVERY_BASE else bases.get(name).collection
        out.setdefault(scope, set()).update(roles)
    return {k: frozenset(v) for k, v in out.items()}


class Keys:
    """Access keys and identities, in the deployment database."""

    def __init__(self, db: DeploymentDB) -> None:
        self.db = db
        db.migrate(access_migrations)

    @property
    def link_secret(self) -> str:
        """The deployment's secret for signing document links when no chat token is set."""
        return self.db.rows("SELECT value FROM access_info WHERE key='link_secret'")[0][0]

    def create(self, name: str, grants: dict[str, frozenset[str]], created_by: str,
               identity: bool = False) -> str | None:
        """A new key (returns its token: shown once, kept only hashed) or identity (None)."""
        name = (name or "").strip()
        if not name or len(name) > 80 or any(not c.isprintable() for c in name):
            raise UserError("密钥名称须为 1–80 个可打印字符。", "a key's name is 1-80 printable characters")
        token = None if identity else TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.db.transaction() as tx:
            if tx.execute("SELECT 1 FROM access_keys WHERE name=? AND revoked_at IS NULL", (name,)).fetchone():
                raise UserError(f"名为「{name}」的密钥已存在。", f"a key named '{name}' exists already", status=409)
            cur = tx.execute("INSERT INTO access_keys (name, kind, token_hash, created_at, created_by) "
                             "VALUES (?, ?, ?, ?, ?)", (name, "identity" if identity else "key",
                                                        token_hash(token) if token else None,
                                                        time.time(), created_by or "unknown"))
            tx.executemany("INSERT INTO access_roles VALUES (?, ?, ?)",
                           [(cur.lastrowid, scope, ",".join(r for r in ROLES if r in roles))
                            for scope, roles in grants.items()])
        return token

    def revoke(self, name: str) -> None:
        with self.db.transaction() as tx:
            cur = tx.execute("UPDATE access_keys SET revoked_at=? WHERE name=? AND revoked_at IS NULL",
                             (time.time(), (name or "").strip()))
            if not cur.rowcount:
                raise UserError(f"没有名为「{name}」的有效密钥。", f"there is no active key named '{name}'",
                                status=404)

    def list(self, bases: KnowledgeBases, revoked: bool = True) -> list[KeyInfo]:
        names = {kb.collection: kb.name for kb in bases.list()}
        roles: dict[int, dict] = {}
        for key_id, scope, r in self.db.rows("SELECT key_id, kb, roles FROM access_roles"):
            roles.setdefault(key_id, {})[names.get(scope, scope if scope == EVERY_BASE else "(已删除)")] = r.split(",")
        rows = self.db.rows("SELECT id, name, kind, created_at, created_by, revoked_at FROM access_keys "
                            "ORDER BY id")
        return [KeyInfo(n, k, roles.get(i, {}), c, b, rv) for i, n, k, c, b, rv in rows
                if revoked or rv is None]

    def _principal(self, where: str, value: str) -> Principal | None:
        row = self.db.rows(f"SELECT id, name, kind FROM access_keys WHERE {where} AND revoked_at IS NULL",
                           (value,))
        if not row:
            return None
        key_id, name, kind = row[0]
        grants = tuple((scope, frozenset(r.split(","))) for scope, r in
                       self.db.rows("SELECT kb, roles FROM access_roles WHERE key_id=?", (key_id,)))
        return Principal(name, kind, grants)

    def by_token(self, token: str) -> Principal | None:
        return self._principal("token_hash=?", token_hash(token)) if token.startswith(TOKEN_PREFIX) else None

    def identity(self, name: str) -> Principal | None:
        return self._principal("kind='identity' AND name=?", name)


# ------------------------------------------------------------------------------ refusals
def needs_token(lang: str = "zh") -> UserError:
    return UserError("需要访问令牌（chat token 或访问密钥）：请在请求头加入 Authorization: Bearer <令牌>。",
                     "this assistant needs a chat token or an access key (Authorization: Bearer …)", 401)


def bad_token(manage: bool = False) -> UserError:
    if manage:
        return UserError("管理令牌或访问密钥无效（admin token / access key）：请检查 Authorization: Bearer "
                         "或 X-Admin-Token。",
                         "a valid admin token or access key is required (Authorization: Bearer … or "
                         "X-Admin-Token)", 401)
    return UserError("访问令牌无效或已吊销（chat token / access key）。",
                     "the chat token or access key is not valid (wrong or revoked)", 401)


def may_not(kb: KnowledgeBase, role: str) -> UserError:
    what = {"ask": ("提问", "ask"), "read": ("查看原文和文档列表", "read the originals and document list of"),
            "manage": ("管理文档", "manage the documents of")}[role]
    return UserError(f"无权{what[0]}：知识库「{kb.name}」（需要 {role} 权限）。",
                     f"you may not {what[1]} the knowledge base '{kb.name}' (needs the {role} role)", 403)


def management_off() -> UserError:
    return UserError("文档管理未启用：请设置 POLICYQA_ADMIN_TOKEN，或使用带 manage 权限的访问密钥（admin token）。",
                     "document management is disabled: set POLICYQA_ADMIN_TOKEN to enable it, or use an "
                     "access key with the manage role", 403)


def not_administrator() -> UserError:
    return UserError("此操作需要部署管理员（admin token，或对 * 有 manage 权限的密钥）。",
                     "this needs the deployment administrator (the admin token, or a key with manage on *)",
                     403)


class Access:
    """Who a request's credentials name."""

    def __init__(self, settings: Settings, keys: Keys) -> None:
        self.settings = settings
        self.keys = keys

    def principal(self, token: bytes | str | None, identity: str | None = None,
                  manage: bool = False) -> Principal:
        """The caller: from its token (admin, chat, key), else a trusted proxy's identity, else
        anonymous. A token that names nobody is an error (`manage`: said as the management
        routes say it)."""
        raw = token.encode("utf-8", "surrogateescape") if isinstance(token, str) else (token or b"")
        if raw:
            if self.settings.admin_token and secret_matches(raw, self.settings.admin_token):
                return Principal("admin-token", "admin", ((EVERY_BASE, frozenset(ROLES)),))
            if self.settings.chat_token and secret_matches(raw, self.settings.chat_token):
                return Principal("chat-token", "chat", ((EVERY_BASE, frozenset({"ask", "read"})),))
            try:
                found = self.keys.by_token(raw.decode("ascii"))
            except UnicodeDecodeError:
                found = None
            if found is None:
                raise bad_token(manage)
            return found
        if identity and self.settings.identity_header:
            found = self.keys.identity(identity)
            if found is not None:
                return found
        if self.settings.chat_token:
            raise needs_token()
        return ANONYMOUS

    def link_secret(self, kb: KnowledgeBase) -> str | None:
        """The secret a base's document links are signed with: none for a public base while no
        chat token is set (anyone may open them), else the chat token or the deployment's own."""
        if not self.settings.chat_token and kb.public:
            return None
        return self.settings.chat_token or self.keys.link_secret
