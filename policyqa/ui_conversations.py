"""The chat's conversations, kept in the browser (`gr.BrowserState`, encrypted localStorage): the
server keeps no chat history. The functions `conv_*` and `export_markdown` work on that stored
value; `browser_secret` is the key it is encrypted with."""

from __future__ import annotations

import hashlib
import html
import re
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

from core.settings import Settings
from policyqa.ui_chat import plain_messages
from policyqa.ui_render import ERROR_PREFIX, is_answer, strip_sources

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


def conversation_markdown(conv: dict) -> str:
    """One conversation as Markdown: questions, answers and their sources (titles, sections,
    dates, quotes) — no markup, no internal file names."""
    records = conv.get("records") or {}
    lines = [f"# {conv.get('title') or '对话'}", "",
             f"导出时间：{time.strftime('%Y-%m-%d %H:%M')}", ""]
    for i, m in enumerate(conv.get("messages") or []):
        content = m.get("content", "")
        if m.get("role") == "user":
            lines += [f"## 问：{content.strip()}", ""]
            continue
        if not is_answer(content):
            if content.startswith(ERROR_PREFIX):
                lines += [f"> {html.unescape(re.sub(r'<[^>]+>', '', content)).strip()}", ""]
            continue
        record = records.get(str(i))
        lines += [record["answer"] if record else strip_sources(content), ""]
        cites = (record or {}).get("citations") or []
        if cites:
            lines.append("**来源**")
            lines.append("")
            for c in cites:
                where = " · ".join(x for x in (c.get("heading"), c.get("date")) if x)
                quote = " ".join(str(c.get("quote", "")).split())
                lines.append(f"{c.get('n')}. 《{c.get('title')}》{'（' + where + '）' if where else ''}："
                             f"“{quote}”")
            lines.append("")
        for o in m.get("options") or []:
            lines.append(f"- {o.get('label')}")
    return "\n".join(lines).rstrip() + "\n"


def export_markdown(value: Any, conv_id: str | None) -> tuple[str, str]:
    """(Markdown, file name) of a stored conversation; ("", "") when there is none."""
    conv = as_store(value)["conversations"].get(conv_id or as_store(value)["current"])
    if not conv:
        return "", ""
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", conv.get("title") or "对话")[:40]
    return conversation_markdown(conv), f"{safe}.md"


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
