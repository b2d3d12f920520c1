"""Who is asking, and what they may do: the caller of a request (a key, a proxy-named identity or
nobody), the bases a question goes to, the checks of managing and administering (refusals
audited), and the answer object each caller gets (document links only for readers)."""

from __future__ import annotations

import uuid

from fastapi import Request

from core.records import Answer
from core.settings import Settings
from policyqa.access import Access, Principal, management_off, may_not, needs_token, not_administrator
from policyqa.docview import citation_url, signature_ok
from policyqa.errors import UserError
from policyqa.guards import bearer_of, header_bytes
from policyqa.kb import KnowledgeBase, unknown
from policyqa.library import Asked, Library


def answer_json(answer: Answer, link_secret: str | None = None, kb: KnowledgeBase | None = None,
                kb_param: str = "", readable: bool = True) -> dict:
    """The API's answer object; each citation carries `url`, its document view (docview) — or
    null for a caller who may not read the base's originals — and the base it came from."""
    body = answer.to_dict()
    for c in body["citations"]:
        c["url"] = citation_url(c, link_secret, kb_param) if readable else None
        if kb is not None:
            c["kb"] = kb.name
    if kb is not None:
        body["kb"] = kb.name
    return {**body, "answer_id": uuid.uuid4().hex}


def needs_admin() -> UserError:
    return UserError("需要有效的管理令牌（admin token）或带 manage 权限的访问密钥：Authorization: Bearer … "
                     "或 X-Admin-Token。",
                     "a valid admin token is required (Authorization: Bearer … or X-Admin-Token), "
                     "or an access key with the manage role", 401)


class Gate:
    """The server's checks of callers, over one library and its access keys."""

    def __init__(self, settings: Settings, library: Library, access: Access) -> None:
        self.settings = settings
        self.library = library
        self.access = access
        self.audit = library.audit

    def identity_of(self, request: Request) -> str | None:
        """The user a trusted intranet proxy names (POLICYQA_IDENTITY_HEADER), believed only from
        POLICYQA_IDENTITY_PROXIES; None otherwise (off by default)."""
        if not self.settings.identity_header:
            return None
        peer = request.client.host if request.client else ""
        if peer not in self.settings.identity_from:
            return None
        value = request.headers.get(self.settings.identity_header, "").strip()
        return value or None

    def caller(self, request: Request, manage: bool = False) -> Principal:
        given = request.headers.get("x-admin-token") if manage else None
        token = header_bytes(given or bearer_of(request.headers.get("authorization")))
        return self.access.principal(token, self.identity_of(request), manage=manage)

    def askable(self, who: Principal, names) -> list[KnowledgeBase]:
        """The bases a question goes to: those named (each one the caller may ask: an unknown
        base and a forbidden one get the same answer), else the default base, else every base
        the caller may ask."""
        library = self.library
        if names:
            bases = library.resolve(names)
            for kb in bases:
                if not who.may(kb, "ask"):
                    raise unknown(kb.name)
            return bases
        default = library.bases.default()
        if default is not None and who.may(default, "ask"):
            return [default]
        bases = [kb for kb in library.bases.list() if who.may(kb, "ask")]
        if not bases:
            raise needs_token() if who.kind == "anonymous" else UserError(
                "此访问密钥没有可提问的知识库。", "this key may not ask any knowledge base", 403)
        return bases

    def kb_param(self, kb: KnowledgeBase) -> str:
        """How a document link names its base: nothing for the default base, else its collection."""
        default = self.library.bases.default()
        return "" if default is not None and kb.collection == default.collection else kb.collection

    def asked_json(self, asked: Asked, who: Principal) -> dict:
        return answer_json(asked.answer, self.access.link_secret(asked.kb), asked.kb, self.kb_param(asked.kb),
                           readable=who.may(asked.kb, "read"))

    def managed(self, request: Request, name: str | None, action: str,
                target: str = "") -> tuple[Principal, KnowledgeBase]:
        """The caller and the base it manages, or a refusal (recorded in the audit log)."""
        who = None
        try:
            who = self.caller(request, manage=True)
            if who.kind == "anonymous":
                raise management_off() if not self.settings.admin_token else needs_admin()
            kb = self.library.resolve(name)[0]
            if not who.may(kb, "manage"):
                raise may_not(kb, "manage") if who.roles(kb) else unknown(kb.name)
            return who, kb
        except UserError as e:
            if action:  # a refused write; refused reads (the console's lists) are not actions
                self.audit.record(who.name if who else "invalid-token", action, name or "", target, "refused", e.en)
            raise

    def administrator(self, request: Request, action: str, target: str = "") -> Principal:
        who = None
        try:
            who = self.caller(request, manage=True)
            if who.kind == "anonymous":
                raise management_off() if not self.settings.admin_token else needs_admin()
            if not who.administers:
                raise not_administrator()
            return who
        except UserError as e:
            if action:
                self.audit.record(who.name if who else "invalid-token", action, "", target, "refused", e.en)
            raise

    def doc_base(self, kb: str | None) -> KnowledgeBase | None:
        """The base a document link names (its collection), or the default base."""
        return self.library.bases.by_collection(kb) if kb else self.library.bases.default()

    def may_open(self, request: Request, base: KnowledgeBase, doc: str, sig: str | None) -> bool:
        """A link's own signature, or credentials that may read the base (a bearer token)."""
        if signature_ok(self.access.link_secret(base), doc, sig, self.kb_param(base)):
            return True
        if not request.headers.get("authorization"):
            return False
        try:
            return self.caller(request).may(base, "read")
        except UserError:
            return False
