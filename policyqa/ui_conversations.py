"""The chat's conversations, kept in the browser (`gr.BrowserState`, encrypted localStorage): the
server keeps no chat history. The functions `conv_*` and `export_data` work on that stored value;
`browser_secret` is the key it is encrypted with. The Markdown export itself is made in the page
by static/conversation-markdown.js, the one the widget uses too."""

from __future__ import annotations

import hashlib
import html
import json
import re
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

from core.settings import Settings
from policyqa.ui_chat import plain_messages
from policyqa.ui_render import ERROR_PREFIX, WORDS, is_answer, strip_sources

MAX_CONVERSATIONS = 50  # kept in the browser; the oldest go first


# The stored value: {"current": id | None, "conversations": {id: {"title", "renamed",
# "messages", "records", "updated"}}}. Record keys are message indices as strings (JSON keys).
def empty_store() -> dict:
    return {"current": None, "conversations": {}}


def as_store(value: Any) -> dict:
    if not isinstance(value, dict) or not isinstance(value.get("conversations"), dict):
        return empty_store()
    return {"current": value.get("current"), "conversations": dict(value["conversations"])}


def _title_of(messages: list[dict]) -> str:
    first = next((m["content"] for m in messages if m["role"] == "user" and m["content"].strip()), "")
    first = " ".join(first.split())
    return (first[:24] + "…") if len(first) > 24 else (first or "新对话")


def conv_save(value: Any, messages: list | None, records: dict | None) -> dict:
    """The store with the current conversation saved (a new one made for a first message)."""
    store = as_store(value)
    messages = plain_messages(messages)
    conv_id = store["current"]
    if not messages:
        return store
    if conv_id not in store["conversations"]:
        conv_id = uuid.uuid4().hex[:12]
        store["current"] = conv_id
    old = store["conversations"].get(conv_id, {})
    store["conversations"][conv_id] = {
        "title": old.get("title") if old.get("renamed") else _title_of(messages),
        "renamed": bool(old.get("renamed")), "messages": messages,
        "records": {str(k): v for k, v in (records or {}).items()}, "updated": time.time()}
    if len(store["conversations"]) > MAX_CONVERSATIONS:
        oldest = sorted(store["conversations"], key=lambda k: store["conversations"][k].get("updated", 0))
        for k in oldest[:len(store["conversations"]) - MAX_CONVERSATIONS]:
            del store["conversations"][k]
    return store


def conv_current(value: Any) -> tuple[list[dict], dict]:
    store = as_store(value)
    conv = store["conversations"].get(store["current"]) or {}
    return list(conv.get("messages") or []), dict(conv.get("records") or {})


def conv_select(value: Any, conv_id: str | None) -> dict:
    store = as_store(value)
    store["current"] = conv_id if conv_id in store["conversations"] else None
    return store


def conv_new(value: Any) -> dict:
    store = as_store(value)
    store["current"] = None
    return store


def conv_rename(value: Any, conv_id: str | None, title: str | None) -> dict:
    store = as_store(value)
    title = " ".join((title or "").split())[:60]
    if conv_id in store["conversations"] and title:
        store["conversations"][conv_id] = {**store["conversations"][conv_id], "title": title,
                                           "renamed": True}
    return store


def conv_delete(value: Any, conv_id: str | None) -> dict:
    store = as_store(value)
    store["conversations"].pop(conv_id, None)
    if store["current"] == conv_id:
        store["current"] = None
    return store


def conv_choices(value: Any) -> list[tuple[str, str]]:
    """(title, id) of every stored conversation, the most recent first."""
    convs = as_store(value)["conversations"]
    order = sorted(convs, key=lambda k: convs[k].get("updated", 0), reverse=True)
    return [(str(convs[k].get("title") or "新对话"), k) for k in order]


def _error_text(content: str) -> str:
    """An error message as the chat shows it: its text, markup and escaping undone."""
    return html.unescape(re.sub(r"<[^>]+>", "", content)).strip()


def export_items(conv: dict) -> list[dict]:
    """A stored conversation as the items the Markdown export reads (static/conversation-
    markdown.js): questions, answers (text, declined, citations' number, title, section, date, page
    and quote — no file name — and a declined answer's suggestions), errors, stops. Unfinished
    stages are left out."""
    records = conv.get("records") or {}
    items: list[dict] = []
    for i, m in enumerate(conv.get("messages") or []):
        content = str(m.get("content", ""))
        if m.get("role") == "user":
            items.append({"question": content.strip()})
        elif content.startswith(ERROR_PREFIX):
            text = _error_text(content)
            items.append({"stopped": True} if text == WORDS["zh"]["stopped"] else {"error": text})
        elif is_answer(content):
            record = records.get(str(i))
            item = {"answer": record["answer"] if record else strip_sources(content),
                    "declined": bool((record or {}).get("declined")),
                    "citations": [{k: c.get(k) for k in ("n", "title", "heading", "date", "page", "quote")}
                                  for c in (record or {}).get("citations") or []]}
            suggestions = [str(o.get("label") or "") for o in m.get("options") or []]
            if suggestions:
                item["suggestions"] = suggestions
            items.append(item)
    return items


def export_data(value: Any, conv_id: str | None) -> str:
    """A stored conversation as JSON for the page's Markdown export (the server's clock for its
    time, as before); "" when there is none."""
    store = as_store(value)
    conv = store["conversations"].get(conv_id or store["current"])
    if not conv:
        return ""
    return json.dumps({"title": conv.get("title") or "", "exported": time.strftime("%Y-%m-%d %H:%M"),
                       "items": export_items(conv)}, ensure_ascii=False)


def browser_secret(settings: Settings) -> str:
    """The key `gr.BrowserState` encrypts the stored conversations with. It must survive server
    restarts (or every stored conversation would be unreadable), so it is kept in the store."""
    path = Path(settings.store) / "ui-state.key"
    try:
        if path.exists():
            return path.read_text(encoding="ascii").strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(16)
        path.write_text(key, encoding="ascii")
        return key
    except OSError:  # a read-only store: a key for this process only
        return hashlib.sha256(str(Path(settings.store).resolve()).encode()).hexdigest()[:32]
