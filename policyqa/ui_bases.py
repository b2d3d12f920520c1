"""Which knowledge bases the UI chat offers a caller, and the base each of its questions goes to.

The chat's 「知识库」 selector lists `offered(token)`: the bases the caller named by the access
token field may `ask` (the rule of `GET /api/kb`; no token = public bases while no chat token is
set). The value a chat event carries is the browser's and can be forged, so every question's base
is checked again here (`chat`): a base the token may not ask and one that does not exist are
refused alike, never obeyed. A question then goes through the Library (curated answers, audit,
the question log), and its source cards link that base's documents, signed for it — or carry no
link for a caller without `read` on the base.

`chat_for` and `token_needed` are what the chat tab asks (a bare Assistant, without bases: the
chat token alone); `check_token` is the UI's constant-time check of the chat and admin tokens.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from core.settings import Settings
from policyqa.errors import UserError
from policyqa.kb import KnowledgeBase


@dataclass(frozen=True)
class Links:
    """How a chat answer's source cards link their documents."""

    secret: str | None = None  # the signing secret of the base (None: links need no signature)
    kb: str = ""  # how a link names its base ("" = the default base)
    readable: bool = True  # False: the caller may not read the originals: cards without links


class UiChat:
    """One base, as a caller allowed to ask it sees it in the chat: `stream` as the Assistant's
    (its final item an Answer of this base), `links` for its source cards."""

    def __init__(self, library, kb: KnowledgeBase, links: Links) -> None:
        self.kb = kb
        self.links = links
        self._library = library

    @property
    def store(self):  # the chosen base's numbers and regions, for the chat tab's header
        return self._library.assistant(self.kb).store

    def stream(self, question: str, history: list[dict] | None = None, filters: dict | None = None):
        from policyqa.library import Asked

        for part in self._library.stream(question, [self.kb], history, filters):
            yield part.answer if isinstance(part, Asked) else part


class UiBases:
    """The bases of a deployment as the UI chat may use them, decided on the server each time."""

    def __init__(self, library, access) -> None:
        self._library = library
        self._access = access

    def _principal(self, token: str | None):
        """The caller the token names; None for a token that names nobody (wrong, revoked) or
        none given where a chat token is required."""
        if self._access is None:
            return None
        try:
            return self._access.principal(token or None)
        except UserError:
            return None

    def offered(self, token: str | None) -> list[KnowledgeBase]:
        """The bases the caller may ask, in the deployment's order."""
        who = self._principal(token)
        if who is None:
            return []
        return [kb for kb in self._library.bases.list() if who.may(kb, "ask")]

    def private(self) -> bool:
        """Whether some base is private (so an access key may open more than no key does)."""
        return any(not kb.public for kb in self._library.bases.list())

    def preferred(self, token: str | None) -> KnowledgeBase | None:
        """The selector's default: the deployment's default base, else the caller's first."""
        bases = self.offered(token)
        default = self._library.bases.default()
        if default is not None and any(kb.collection == default.collection for kb in bases):
            return default
        return bases[0] if bases else None

    def chat(self, token: str | None, name: str | None) -> UiChat | None:
        """The base a chat question goes to: the one named (`name`, the selector's value) if the
        caller may ask it, else — with no name — the caller's default; None = refused."""
        who = self._principal(token)
        if who is None:
            return None
        name = (name or "").strip()
        kb = self._library.bases.find(name) if name else self.preferred(token)
        if kb is None or not who.may(kb, "ask"):
            return None
        default = self._library.bases.default()
        kb_param = "" if default is not None and kb.collection == default.collection else kb.collection
        return UiChat(self._library, kb, Links(self._access.link_secret(kb), kb_param, who.may(kb, "read")))


def check_token(expected: str | None, token: str | None) -> bool:
    """Constant-time token check; False when no token is configured."""
    if not expected:
        return False
    return hmac.compare_digest((token or "").encode("utf-8"), expected.encode("utf-8"))


def chat_for(assistant, settings: Settings, token: str | None, name: str | None):
    """(what answers, how its source cards link) for a chat question from the caller `token`
    names to the base `name` (the selector's value, as the browser sent it: checked here, every
    time), or None when refused. A bare Assistant: the chat token alone, as before bases."""
    bases = getattr(assistant, "bases", None)
    if bases is not None:
        chat = bases.chat(token, name)
        return (chat, chat.links) if chat is not None else None
    if settings.chat_token and not check_token(settings.chat_token, token):
        return None
    return assistant, Links(settings.chat_token)


def token_needed(assistant, settings: Settings) -> bool:
    """Whether the chat shows its access-token field: a chat token is set, or some base is
    private (an access key may open it), or nothing can be asked without one."""
    bases = getattr(assistant, "bases", None)
    if bases is None:
        return bool(settings.chat_token)
    return bool(settings.chat_token) or bases.private() or not bases.offered("")
