"""The Gradio 6 web UI: a streaming, cited chat in Chinese and (with an admin token) document
management.

`build_ui(assistant, settings, on_feedback)` returns a `gr.Blocks`. Gradio 6 takes the theme, CSS
and head at launch/mount time, not in the Blocks constructor, so use `mount_ui` (or pass
`**launch_options()` to `demo.launch`).

Documents are untrusted: every document-derived string that ends up in HTML or Markdown (answer
text, titles, quotes, chunk text, sections, suggestions) goes through `html.escape`. Tables
(`gr.Dataframe`, datatype "str") and dropdowns render their values as plain text, not HTML.

Conversations live in the browser (`gr.BrowserState`, localStorage): the server keeps no chat
history. The functions `conv_*` and `conversation_markdown` work on that stored value.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import os
import re
import secrets
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Iterator

import gradio as gr

from ingest.loaders import LOADERS
from ingest.pipeline import FileResult
from policyqa import admin
from core.settings import Settings
from policyqa.docview import citation_url
from policyqa.messages import file_message, status_label
from core.records import Answer, Citation
from policyqa.ui_bases import Links
from core.script import detect_lang
from policyqa.assistant import Assistant, Stage

log = logging.getLogger("policyqa")

PRODUCT = "政策问答"
DESCRIPTION = "依据已收录的政策文件作答，每句话都标注出处，点击来源即可查看原文。"
EXAMPLES = [
    "社区党组织的经费怎么保障？",
    "柳園鎮2016年為多少人申請了大病救助？",
    "长春设立了多少个民生服务站？",
    "How should a community party branch be funded?",
]
DOC_HEADERS = ["标题", "文号", "日期", "发文机关", "地区", "段落数", "文件名"]
RESULT_HEADERS = ["文件", "状态", "段落数", "说明"]

# Appended blocks (sources) start with this; the answer text before it is escaped, so the marker
# cannot occur inside it and `strip_sources` can cut there safely.
BLOCK_MARK = '\n\n<div class="pq-'
# Messages that are not answers start with one of these (escaped answer text never does).
ERROR_PREFIX = '<div class="pq-error">'
STAGE_PREFIX = '<div class="pq-stage">'
REFUSED = "管理令牌错误，操作已拒绝。"
PRIVATE = "private"  # gradio 6 api_visibility: usable by this UI, not by API clients
MAX_CONVERSATIONS = 50  # kept in the browser; the oldest go first
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
MAX_UPLOAD_FILES = 20
# Gradio's upload cache: swept every 10 minutes of files older than an hour (an upload is
# removed as soon as it is indexed; this catches files picked but never indexed).
UPLOAD_CACHE_SWEEP = (600, 3600)
# The browser sends the admin token with Gradio's upload request and its event calls: the upload
# route needs it, and so does an event carrying a file (policyqa/gradio_files.py).
UPLOAD_TOKEN_JS = r"""
<script>
(() => {
  let adminToken = "";
  document.addEventListener("input", (e) => {
    if (e.target && e.target.closest && e.target.closest("#pq-admin-token")) adminToken = e.target.value;
  }, true);
  const send = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : (input && input.url) || "";
    if (adminToken && /\/gradio_api\/(upload|queue\/join)(\?|$)/.test(url)) {
      init = Object.assign({}, init || {});
      const headers = new Headers(init.headers || {});
      headers.set("X-Admin-Token", adminToken);
      init.headers = headers;
    }
    return send.call(this, input, init);
  };
})();
</script>
"""

# Words of the interface that follow the question's language (the rest of the UI is Chinese).
WORDS = {
    "zh": {"reviewed": "已审核", "reviewed_by": "审核人 {by} · {at}", "search": "检索中…", "answer": "组织答案…", "sources": "来源", "passage": "展开所在段落",
           "open": "查看原文", "page": "第 {} 页", "untitled": "未命名文档", "suggest": "可以试着这样问：",
           "error": "无法回答：{}", "internal": "内部错误，请稍后再试。", "token": "访问令牌错误。", "kb": "知识库「{}」不存在或无权访问。",
           "unavailable": "知识库服务暂时无法连接，请稍后再试。",
           "stopped": "已停止。"},
    "en": {"reviewed": "Reviewed", "reviewed_by": "approved by {by} · {at}", "search": "Searching…", "answer": "Composing the answer…", "sources": "Sources",
           "passage": "Show the whole passage", "open": "Open the original", "page": "p. {}",
           "untitled": "Untitled document", "suggest": "You could ask:", "error": "Cannot answer: {}",
           "internal": "Internal error, please try again.", "token": "Wrong access token.",
           "kb": "There is no knowledge base '{}' that you may use.",
           "unavailable": "The knowledge base service cannot be reached; please retry shortly.",
           "stopped": "Stopped."},
}

FONTS = ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "system-ui",
         "sans-serif")
# Local fonts only: the default theme fonts come from a web font service an intranet cannot reach.
THEME = gr.themes.Soft(primary_hue="red", secondary_hue="slate", font=FONTS,
                       font_mono=("Consolas", "WenQuanYi Zen Hei Mono", "monospace"))
CSS = """
.pq-header h1 { margin: 0 0 0.1em 0; font-size: 1.5em; }
.pq-header p { margin: 0; color: var(--body-text-color-subdued); }
.pq-note { color: var(--body-text-color-subdued); font-size: 0.9em; }
.pq-stage { color: var(--body-text-color-subdued); font-style: italic; }
.pq-stage::before { content: ""; display: inline-block; width: 0.7em; height: 0.7em; margin-right: 0.5em;
  border: 2px solid currentColor; border-right-color: transparent; border-radius: 50%;
  animation: pq-spin 0.9s linear infinite; vertical-align: -0.05em; }
@keyframes pq-spin { to { transform: rotate(360deg); } }
.pq-error { color: #9a1c1c; background: #fdecec; border-left: 4px solid #c53030; padding: 0.35em 0.7em;
  border-radius: 4px; }
.pq-reviewed { margin-top: 0.5em; color: var(--body-text-color-subdued); font-size: 0.9em; }
.pq-reviewed-badge { color: #166534; background: #dcfce7; border-radius: 4px; padding: 0 0.4em; font-weight: 600; }
.pq-sources { margin-top: 0.7em; border-top: 1px solid var(--border-color-primary); padding-top: 0.5em;
  font-size: 0.93em; }
.pq-sources-title, .pq-suggest-title { font-weight: 600; margin-bottom: 0.3em; }
.pq-cite { margin: 0.45em 0 0.8em 0; padding: 0.5em 0.7em; border: 1px solid var(--border-color-primary);
  border-radius: 8px; background: var(--background-fill-primary); }
.pq-cite-head { font-weight: 600; color: var(--body-text-color); }
.pq-cite-head a { color: #1d4ed8; text-decoration: none; }
.pq-cite-head a:hover { text-decoration: underline; }
.pq-meta { color: #4b5563; font-size: 0.92em; margin-top: 0.1em; }
.pq-quote { margin: 0.4em 0; padding: 0.25em 0.7em; border-left: 3px solid #b91c1c;
  background: var(--background-fill-secondary); color: var(--body-text-color); }
.pq-chunk { white-space: normal; padding: 0.3em 0.7em; background: var(--background-fill-secondary); }
.pq-open { font-size: 0.92em; color: #1d4ed8; }
.pq-conv-actions button { min-width: 0 !important; }
#pq-chat { min-height: 320px; }
/* "New conversation" (the sidebar) replaces the chatbot's own clear icon, which overlapped messages */
#pq-chat button[aria-label="清空对话"], #pq-chat button[aria-label="Clear"] { display: none; }
#pq-admin-table, #pq-admin-results { overflow-x: auto; max-width: 100%; }
@media (max-width: 640px) {
  .pq-header h1 { font-size: 1.25em; }
  #pq-chat { height: calc(100dvh - 270px) !important; min-height: 300px; }
}
"""

# After an answer: its first line in view (desktop and phone), not its end — the chat log is
# scrolled to the question just asked (or to the answer, if the question is long), and the page
# only when the answer's start is off screen.
SCROLL_TO_ANSWER_JS = """() => {
  const log = document.querySelector('#pq-chat [role="log"]');
  const bots = document.querySelectorAll('#pq-chat .bot-row');
  const users = document.querySelectorAll('#pq-chat .user-row');
  const answer = bots[bots.length - 1];
  if (!log || !answer) return [];
  const question = users[users.length - 1];
  const top = (el) => el.getBoundingClientRect().top;
  let anchor = answer;
  if (question && top(question) < top(answer) && top(answer) - top(question) < log.clientHeight / 3) anchor = question;
  log.scrollTop += top(anchor) - top(log) - 8;
  const r = answer.getBoundingClientRect();
  if (r.top < 0 || r.top > innerHeight - 60) answer.scrollIntoView({block: 'start', behavior: 'instant'});
  return [];
}"""
# When a question is sent: the conversation's end (the new question) in view.
SCROLL_TO_END_JS = """(...args) => {
  const log = document.querySelector('#pq-chat [role="log"]') || document.querySelector('#pq-chat .bubble-wrap');
  if (log) log.scrollTop = log.scrollHeight;
  return args;
}"""
DOWNLOAD_JS = """(md, name) => {
  if (!md) return [];
  const blob = new Blob([md], {type: 'text/markdown;charset=utf-8'});
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name || '对话.md';
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  return [];
}"""


# ---------------------------------------------------------------------------- rendering
def _esc(value: Any) -> str:
    """A (document-derived) value as plain text inside the chat's HTML and Markdown: HTML
    escaped and Markdown's markup characters written as character references (so 2~3个 or
    0.5%~2% never turn into strikethrough, * and _ never into emphasis); newlines become <br> so
    an HTML block in the chat's Markdown never contains a blank line (which would end the block)."""
    text = "".join(_PLAIN.get(c, c) for c in str(value or "").strip())
    return _WWW.sub(r"\1&#46;", re.sub(r"\s*\n\s*", "<br>", text))


def _attr(url: str) -> str:
    """A URL we built (a document view link), for an href attribute."""
    return html.escape(url, quote=True)


def _words(lang: str) -> dict:
    return WORDS["en" if lang == "en" else "zh"]


def _chunk_text(answer: Answer, citation: Citation) -> str | None:
    for hit in answer.hits:
        if hit.chunk.id == citation.chunk_id:
            return hit.chunk.text
    return None


def _links(link_secret: str | Links | None) -> Links:
    """A signing secret (the default base's links) or the chosen base's `Links`, as `Links`."""
    return link_secret if isinstance(link_secret, Links) else Links(link_secret)


def render_citation(answer: Answer, c: Citation, lang: str = "zh", link_secret: str | Links | None = None) -> str:
    """One source card: title (a link to the document view, signed for its base; no link for a
    caller who may not read the originals), section path, date, page, the quote; never the
    internal file name. Cards of one document differ by their section."""
    w = _words(lang)
    links = _links(link_secret)
    url = _attr(citation_url(c, links.secret, links.kb)) if links.readable else None
    title = f'《{_esc(c.title or w["untitled"])}》'
    meta = [_esc(c.heading)] if c.heading else []  # no placeholder when there is no section
    if c.date:
        meta.append(_esc(c.date))
    if c.page is not None:
        meta.append(w["page"].format(int(c.page)))
    parts = [
        '<div class="pq-cite">',
        f'<div class="pq-cite-head">[{int(c.n)}] '
        + (f'<a href="{url}" target="_blank" rel="noopener">{title}</a>' if url else title) + '</div>',
        f'<div class="pq-meta">{" · ".join(meta)}</div>' if meta else "",
        f'<blockquote class="pq-quote">{_esc(c.quote)}</blockquote>',
    ]
    chunk = _chunk_text(answer, c)
    if chunk:
        parts.append(f'<details><summary>{w["passage"]}</summary><div class="pq-chunk">{_esc(chunk)}</div></details>')
    if url:
        parts.append(f'<a class="pq-open" href="{url}" target="_blank" rel="noopener">{w["open"]} ›</a>')
    parts.append("</div>")
    return "".join(parts)


def render_sources(answer: Answer, lang: str = "zh", link_secret: str | Links | None = None) -> str:
    """The sources block under an answer: "" for a declined answer or one without citations."""
    if answer.declined or not answer.citations:
        return ""
    cites = "".join(render_citation(answer, c, lang, link_secret) for c in answer.citations)
    return (f'<div class="pq-sources"><div class="pq-sources-title">{_words(lang)["sources"]}</div>'
            f"{cites}</div>")


def render_reviewed(answer: Answer, lang: str = "zh") -> str:
    """The 「已审核」 mark of a curated answer, with who approved it and when ("" otherwise)."""
    r = answer.reviewed
    if r is None:
        return ""
    w = _words(lang)
    return (f'<div class="pq-reviewed"><span class="pq-reviewed-badge">{w["reviewed"]}</span> '
            f'{_esc(w["reviewed_by"].format(by=r.by, at=r.at[:16].replace("T", " ")))}</div>')


def format_answer(answer: Answer, lang: str = "zh", link_secret: str | Links | None = None) -> str:
    """Chat message text for a finished answer: escaped text, then the reviewed mark of a
    curated answer and the sources. (Suggestions of a declined answer are the message's
    clickable options, see `answer_message`.)"""
    body = _escape_text(answer.text)
    extra = "" if answer.declined else render_reviewed(answer, lang) + render_sources(answer, lang, link_secret)
    return body + (BLOCK_MARK[:2] + extra if extra else "")


def answer_message(answer: Answer, lang: str = "zh", link_secret: str | Links | None = None) -> dict:
    message = {"role": "assistant", "content": format_answer(answer, lang, link_secret)}
    if answer.declined and answer.suggestions:
        message["options"] = [{"label": s, "value": s} for s in answer.suggestions]
    return message


# Markdown's markup characters, written as character references so that document text in the
# chat (rendered as Markdown) stays plain text: no link, image, autolink (URL, www., e-mail),
# emphasis, code or table made by a document. `strip_sources` (html.unescape) restores them.
_MARKUP = {c: f"&#{ord(c)};" for c in "\\`*_[](){}!|~#:@"}
_WWW = re.compile(r"(?i)\b(www)\.")
# The same, with HTML's own characters (for text inside the chat's HTML blocks and attributes).
_PLAIN = {**_MARKUP, "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def _escape_text(text: str) -> str:
    """Answer text for the chat: HTML escaped and Markdown markup neutralised."""
    escaped = html.escape((text or "").strip(), quote=False)
    escaped = "".join(_MARKUP.get(c, c) for c in escaped)
    return _WWW.sub(r"\1&#46;", escaped) or "…"


def error_message(text: str) -> dict:
    return {"role": "assistant", "content": f"{ERROR_PREFIX}{_esc(text)}</div>"}


def stage_message(label: str) -> dict:
    return {"role": "assistant", "content": f"{STAGE_PREFIX}{_esc(label)}</div>"}


def strip_sources(content: str) -> str:
    """An assistant message as plain answer text: appended blocks cut, escaping undone."""
    cut = content.find(BLOCK_MARK)
    return html.unescape(content if cut < 0 else content[:cut]).strip()


# ---------------------------------------------------------------------------- chat
def _text_of(content: Any) -> str:
    """Message content as text: gradio 6 sends a list of {"type": "text", "text": ...} parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", "")) if content.get("type", "text") == "text" else ""
    if isinstance(content, (list, tuple)):
        return " ".join(_text_of(p) for p in content).strip()
    return ""


def plain_messages(messages: list | None) -> list[dict]:
    """Chatbot messages (as gradio sends them back) → [{role, content[, options]}] with string
    content, for storing and re-displaying."""
    out = []
    for m in messages or []:
        get = m.get if isinstance(m, dict) else lambda k, d=None, m=m: getattr(m, k, d)
        role = get("role")
        if role not in ("user", "assistant"):
            continue
        item = {"role": role, "content": _text_of(get("content", ""))}
        options = get("options")
        if options:
            item["options"] = [{"label": str(o.get("label") or o.get("value") or ""),
                                "value": str(o.get("value") or o.get("label") or "")}
                               for o in options if isinstance(o, dict)]
        out.append(item)
    return out


def _is_answer(content: str) -> bool:
    return not content.startswith((ERROR_PREFIX, STAGE_PREFIX))


def history_from_messages(messages: list | None) -> list[dict]:
    """Chatbot messages → [{role, content}] for the assistant: sources stripped, errors and
    unfinished stages skipped."""
    out = []
    for m in plain_messages(messages):
        role, content = m["role"], m["content"]
        if role == "assistant":
            if not _is_answer(content):
                continue
            content = strip_sources(content)
        if content.strip():
            out.append({"role": role, "content": content.strip()})
    return out


def _date_bound(value: str | None, upper: bool) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not _DATE.match(value):
        raise ValueError(f"日期格式应为 YYYY-MM-DD（或 YYYY、YYYY-MM）：“{value}”")
    if len(value) == 4:
        return value + ("-12-31" if upper else "-01-01")
    if len(value) == 7:
        return value + ("-31" if upper else "-01")
    return value


def build_filters(region: str | None = None, date_from: str | None = None,
                  date_to: str | None = None) -> dict | None:
    """Filters dict {region, date_from, date_to} with empty ones omitted (None when all empty).
    A year or year-month is widened to the whole period. Raises ValueError for a bad date."""
    filters = {"region": (region or "").strip() or None,
               "date_from": _date_bound(date_from, upper=False),
               "date_to": _date_bound(date_to, upper=True)}
    filters = {k: v for k, v in filters.items() if v}
    return filters or None


def answer_record(question: str, history: list[dict], answer: Answer) -> dict:
    """What feedback on this answer (and the Markdown export) needs to know."""
    return {"question": question, "answer": answer.text, "declined": answer.declined,
            "citations": [asdict(c) for c in answer.citations], "history": history}


def chat_reply(assistant: Assistant, question: str, messages: list | None,
               filters: dict | None = None, link_secret: str | Links | None = None,
               ) -> Iterator[tuple[list[dict], dict | None]]:
    """Stream one turn: yields (chat messages, record) as things happen — the stage being worked
    on (检索中…, 组织答案…), the answer's sentences as produced, then the final answer with its
    sources. The record (for feedback) is None until the answer is final. Each yield is a new
    list. Errors become their own message."""
    question = (question or "").strip()
    lang = detect_lang(question) if question else "zh"
    w = _words(lang)
    history = history_from_messages(messages)
    chat = plain_messages(messages)
    if question:  # an empty user message would be dropped by the Chatbot and shift indices
        chat.append({"role": "user", "content": question})
    chat.append(stage_message(w["search"]))
    yield list(chat), None
    text = ""
    try:
        for part in assistant.stream(question, history, filters):
            if isinstance(part, Stage):
                if not text:
                    chat[-1] = stage_message(w.get(part.name, part.name))
                    yield list(chat), None
                continue
            if isinstance(part, Answer):
                chat[-1] = answer_message(part, lang, link_secret)
                yield list(chat), answer_record(question, history, part)
                return
            text += part
            chat[-1] = {"role": "assistant", "content": _escape_text(text)}
            yield list(chat), None
    except ValueError as e:
        chat[-1] = error_message(w["error"].format(_question_error(e, lang)))
        yield list(chat), None
    except Exception as e:  # never crash the UI; the details go to the log
        from policyqa.health import unavailable

        if unavailable(e):
            log.warning("chat failed: a dependency is unreachable (%s)", type(e).__name__)
            chat[-1] = error_message(w["unavailable"])
        else:
            log.exception("chat failed: %s", type(e).__name__)
            chat[-1] = error_message(w["internal"])
        yield list(chat), None


def _question_error(e: ValueError, lang: str) -> str:
    """The assistant's (English) validation errors in the question's language."""
    text = str(e)
    if lang == "en":
        return text
    known = {"the question is empty": "问题为空，请输入问题。",
             "the question is too long (over 2000 characters)": "问题太长（超过 2000 字）。"}
    return known.get(text, text)


def feedback_payload(record: dict, liked: Any) -> dict | None:
    """The on_feedback item for a like (True) / dislike (False); None for anything else."""
    if liked is True or liked == "Like":
        rating = "up"
    elif liked is False or liked == "Dislike":
        rating = "down"
    else:
        return None
    return {"question": record["question"], "answer": record["answer"],
            "citations": record["citations"], "rating": rating, "comment": "",
            "declined": record.get("declined", False), "history": record.get("history", [])}


def check_token(expected: str | None, token: str | None) -> bool:
    """Constant-time token check; False when no token is configured."""
    if not expected:
        return False
    return hmac.compare_digest((token or "").encode("utf-8"), expected.encode("utf-8"))


# ---------------------------------------------------------------------------- conversations
# The stored value: {"current": id | None, "conversations": {id: {"title", "renamed",
# "messages", "records", "updated"}}}. Record keys are message indices as strings (JSON keys).
def empty_store() -> dict:
    return {"current": None, "conversations": {}}


def _store(value: Any) -> dict:
    if not isinstance(value, dict) or not isinstance(value.get("conversations"), dict):
        return empty_store()
    return {"current": value.get("current"), "conversations": dict(value["conversations"])}


def _title_of(messages: list[dict]) -> str:
    first = next((m["content"] for m in messages if m["role"] == "user" and m["content"].strip()), "")
    first = " ".join(first.split())
    return (first[:24] + "…") if len(first) > 24 else (first or "新对话")


def conv_save(value: Any, messages: list | None, records: dict | None) -> dict:
    """The store with the current conversation saved (a new one made for a first message)."""
    store = _store(value)
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
    store = _store(value)
    conv = store["conversations"].get(store["current"]) or {}
    return list(conv.get("messages") or []), dict(conv.get("records") or {})


def conv_select(value: Any, conv_id: str | None) -> dict:
    store = _store(value)
    store["current"] = conv_id if conv_id in store["conversations"] else None
    return store


def conv_new(value: Any) -> dict:
    store = _store(value)
    store["current"] = None
    return store


def conv_rename(value: Any, conv_id: str | None, title: str | None) -> dict:
    store = _store(value)
    title = " ".join((title or "").split())[:60]
    if conv_id in store["conversations"] and title:
        store["conversations"][conv_id] = {**store["conversations"][conv_id], "title": title,
                                           "renamed": True}
    return store


def conv_delete(value: Any, conv_id: str | None) -> dict:
    store = _store(value)
    store["conversations"].pop(conv_id, None)
    if store["current"] == conv_id:
        store["current"] = None
    return store


def conv_choices(value: Any) -> list[tuple[str, str]]:
    """(title, id) of every stored conversation, the most recent first."""
    convs = _store(value)["conversations"]
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
        if not _is_answer(content):
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
    conv = _store(value)["conversations"].get(conv_id or _store(value)["current"])
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


# ---------------------------------------------------------------------------- documents (admin)
def document_rows(assistant: Assistant) -> list[list]:
    """The documents table: by title, with 文号, date, issuer, region, chunks, then the file name."""
    return [[d["title"], d["number"], d["date"], d["issuer"], d["region"], d["chunks"], d["doc"]]
            for d in admin.document_list(assistant)]


def document_choices(assistant: Assistant) -> list[tuple[str, str]]:
    """(label, document) for the picker: each document named by its title (and 文号 or date)."""
    return [(admin.choice_label(d), d["doc"]) for d in admin.document_list(assistant)]


def knowledge_stats(assistant: Assistant) -> str:
    docs = len(assistant.store.documents())
    return f"知识库：{docs} 份文档 · {assistant.store.count_chunks()} 个段落"


def regions(assistant: Assistant) -> list[str]:
    return sorted({str((d.get("meta") or {}).get("region") or "") for d in assistant.store.documents()}
                  - {""})


def _result_row(r: FileResult) -> list:
    return [r.doc, status_label(r.status), r.chunks, file_message(r)]


def upload_folder() -> Path:
    """Where Gradio's upload route stores files (GRADIO_TEMP_DIR or <tmp>/gradio)."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()).resolve()


def _uploaded_bytes(p: Any, root: Path) -> tuple[str, bytes]:
    """(client file name, bytes) of one file Gradio's upload route stored, then removed.
    The handler is given a path by the client: anything not a regular file inside the upload
    folder is refused, so a client can never make the server read one of its own files."""
    from ingest.loaders import LoadError, read_file

    raw = Path(p if isinstance(p, str) else getattr(p, "path", None) or getattr(p, "name", str(p)))
    name = raw.name  # the base name only: the client's name is an identifier, never a path
    resolved = Path(os.path.realpath(raw.parent)) / raw.name
    if root not in resolved.parents or raw.is_symlink():
        raise LoadError("not an uploaded file: the server only reads files sent to it", kind="not_uploaded")
    try:
        return name, read_file(resolved)
    finally:
        resolved.unlink(missing_ok=True)  # an upload is kept only as the store's original
        try:
            if resolved.parent != root:
                resolved.parent.rmdir()
        except OSError:
            pass


def upload_documents(assistant: Assistant, settings: Settings, token: str | None,
                     paths: list[str] | None) -> tuple[str, list[list]]:
    """Index files sent through Gradio's upload route under their base names
    → (message, per-file result rows)."""
    from ingest.loaders import LoadError

    if not check_token(settings.admin_token, token):
        return REFUSED, []
    if not paths:
        return "请先选择要上传的文件。", []
    if len(paths) > MAX_UPLOAD_FILES:
        return f"一次最多上传 {MAX_UPLOAD_FILES} 个文件，请分批上传。", []
    root = upload_folder()
    rows = []
    for p in paths:
        name = Path(str(p if isinstance(p, str) else getattr(p, "path", p))).name
        try:
            name, data = _uploaded_bytes(p, root)
            result = assistant.ingest_upload(data, name)
        except LoadError as e:
            result = FileResult(name, name, "failed", reason=str(e), kind=e.kind)
        except OSError as e:
            result = FileResult(name, name, "failed", reason=f"{type(e).__name__}: cannot read the upload",
                                kind="io")
        rows.append(_result_row(result))
    ok = sum(1 for r in rows if r[1] in (status_label("indexed"), status_label("updated")))
    failed = len(rows) - ok
    tail = f"，{failed} 个未收录（原因和处理办法见下表「说明」）" if failed else ""
    return f"已处理 {len(rows)} 个文件：{ok} 个已收录{tail}。", rows


def delete_document(assistant: Assistant, settings: Settings, token: str | None,
                    doc: str | None) -> str:
    """Delete one document (after the tab's confirmation naming its title)."""
    if not check_token(settings.admin_token, token):
        return REFUSED
    doc = (doc or "").strip()
    if not doc:
        return "请先在「选择文档」中选择要删除的文档。"
    title = admin.title_of(assistant, doc)
    if title is None:
        return f"未找到文档「{_esc(doc)}」：它可能已被删除，请点「刷新」。"
    n = assistant.delete(doc)
    return f"已删除《{_esc(title)}》（{n} 个段落）。"


def reindex_documents(assistant: Assistant, settings: Settings, token: str | None,
                      doc: str | None = None) -> str:
    """Rebuild one document (or, without `doc`, every document) from its kept original."""
    if not check_token(settings.admin_token, token):
        return REFUSED
    title = None
    if doc:
        title = admin.title_of(assistant, doc)
        if title is None:
            return f"未找到文档「{_esc(doc)}」：它可能已被删除，请点「刷新」。"
    report = assistant.reindex([doc] if doc else None)
    failed = [r for r in report.results if r.status == "failed"]
    done = len(report.results) - len(failed)
    what = f"《{_esc(title)}》" if title else f"{len(report.results)} 份文档"
    lines = [f"重建索引完成：{what}，{done} 份成功，{len(failed)} 份失败，写入 {report.chunks} 个段落。"]
    lines += [f"- {_esc(file_message(r))}" for r in failed]
    return "\n".join(lines)


def list_documents(assistant: Assistant, settings: Settings, token: str | None) -> tuple[str, list[list]]:
    if not check_token(settings.admin_token, token):
        return REFUSED, []
    rows = document_rows(assistant)
    return f"共 {len(rows)} 份文档。", rows


# ---------------------------------------------------------------------------- layout
def _header() -> None:
    gr.Markdown(f"# {PRODUCT}\n{DESCRIPTION}", elem_classes=["pq-header"])


def chat_for(assistant: Assistant, settings: Settings, token: str | None, name: str | None):
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


def kb_selector(assistant: Assistant, token: str | None, current: str | None = None) -> dict:
    """The 「知识库」 selector for a caller: the bases it may ask (the rule of GET /api/kb), its
    current choice kept if still allowed, else the deployment's default base (or the caller's
    first); shown only when there is a choice to make."""
    bases = getattr(assistant, "bases", None)
    offered = [kb.name for kb in bases.offered(token)] if bases is not None else []
    if current not in offered:
        preferred = bases.preferred(token) if bases is not None else None
        current = preferred.name if preferred is not None else None
    return gr.update(choices=offered, value=current, visible=len(offered) > 1)


def _token_needed(assistant: Assistant, settings: Settings) -> bool:
    """Whether the chat shows its access-token field: a chat token is set, or some base is
    private (an access key may open it), or nothing can be asked without one."""
    bases = getattr(assistant, "bases", None)
    if bases is None:
        return bool(settings.chat_token)
    return bool(settings.chat_token) or bases.private() or not bases.offered("")


def _chat_tab(assistant: Assistant, settings: Settings, on_feedback: Callable[[dict], int] | None,
              saved: gr.BrowserState, conv_list: gr.Radio):
    stats = gr.Markdown(elem_classes=["pq-note"], elem_id="pq-stats")
    # (Not in a Row with the numbers: a Row holding a hidden component kept the UI from rendering
    # in a cross-origin frame — tests/test_widget_browser.py::test_ui_in_an_iframe_loads_at_the_top.)
    kb = gr.Dropdown(label="知识库", choices=[], value=None, visible=False, allow_custom_value=True,
                     elem_id="pq-kb")
    chatbot = gr.Chatbot(
        show_label=False, elem_id="pq-chat", height="62vh", autoscroll=False, latex_delimiters=[],
        sanitize_html=True, group_consecutive_messages=False, buttons=["copy"],
        feedback_options=("Like", "Dislike") if on_feedback else None,
        placeholder="<b>请输入关于已收录政策文件的问题</b><br>回答中的每句话都标注出处，点击来源可查看原文。",
    )
    records = gr.State({})  # chat message index (str) → answer record, for feedback and export
    with gr.Row(equal_height=True):
        question = gr.Textbox(placeholder="输入问题，回车发送", show_label=False,
                              scale=8, lines=1, max_lines=6, elem_id="pq-question")
        send = gr.Button("发送", variant="primary", scale=1, min_width=72, elem_id="pq-send")
        stop = gr.Button("停止", variant="stop", scale=1, min_width=72, visible=False, elem_id="pq-stop")
    gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question], label="示例问题")
    with gr.Accordion("筛选条件（可选）", open=False):
        with gr.Row():
            region = gr.Dropdown(label="地区", choices=regions(assistant), value=None,
                                 allow_custom_value=True, scale=2)
            date_from = gr.Textbox(label="起始日期", placeholder="YYYY-MM-DD", scale=1)
            date_to = gr.Textbox(label="截止日期", placeholder="YYYY-MM-DD", scale=1)
        # Who may ask, and which bases: the server's assistant says (chat token, access keys,
        # private bases; policyqa/ui_bases.py); else the chat token alone, as before.
        token_needed = _token_needed(assistant, settings)
        chat_token = gr.Textbox(label="访问令牌", type="password", visible=token_needed,
                                elem_id="pq-token")
    if token_needed:
        gr.Markdown("需要访问令牌或访问密钥：请在「筛选条件」中填写。", elem_classes=["pq-note"])

    def refresh(token_v: str, kb_v: str | None):
        """The selector, the header's numbers and the region choices for this caller's base."""
        selector = kb_selector(assistant, token_v, kb_v)
        chosen = chat_for(assistant, settings, token_v, selector.get("value"))
        shown = chosen[0] if chosen is not None else assistant
        return selector, knowledge_stats(shown), gr.update(choices=regions(shown))

    def respond(message: str, messages: list, region_v: str | None, from_v: str, to_v: str,
                token_v: str, kb_v: str | None, recs: dict) -> Iterator[tuple[list, str, dict]]:
        message = (message or "").strip()
        w = _words(detect_lang(message) if message else "zh")
        base = plain_messages(messages) + ([{"role": "user", "content": message}] if message else [])
        chosen = chat_for(assistant, settings, token_v, kb_v)
        if chosen is None:  # a wrong token, or a base it may not ask (or that does not exist)
            bases = getattr(assistant, "bases", None)
            known = bases is not None and kb_v and bases.offered(token_v)
            refusal = w["kb"].format(kb_v) if known else w["token"]
            yield base + [error_message(refusal)], "", recs
            return
        try:
            filters = build_filters(region_v, from_v, to_v)
        except ValueError as e:
            yield base + [error_message(w["error"].format(e))], "", recs
            return
        recs = dict(recs or {})
        asker, links = chosen
        for chat, record in chat_reply(asker, message, messages, filters, links):
            if record is not None:
                recs[str(len(chat) - 1)] = record
            yield chat, "", recs

    def busy():
        return (gr.update(interactive=False), gr.update(visible=True),
                gr.update(interactive=False, placeholder="正在回答…可点「停止」中止"))

    def idle():
        return (gr.update(interactive=True), gr.update(visible=False),
                gr.update(interactive=True, placeholder="输入问题，回车发送"))

    def save(value, messages, recs):
        store = conv_save(value, messages, recs)
        return store, gr.update(choices=conv_choices(store), value=store["current"])

    def stopped(messages: list):
        chat = plain_messages(messages)
        if chat and chat[-1]["role"] == "assistant" and chat[-1]["content"].startswith(STAGE_PREFIX):
            chat[-1] = error_message(WORDS["zh"]["stopped"])
        elif chat and chat[-1]["role"] == "assistant":
            chat.append(error_message(WORDS["zh"]["stopped"]))
        return chat

    inputs = [question, chatbot, region, date_from, date_to, chat_token, kb, records]
    outputs = [chatbot, question, records]
    runs = []

    def wire(trigger, **api) -> None:
        started = trigger(busy, None, [send, stop, question], queue=False, js=SCROLL_TO_END_JS, **api)
        run = started.then(respond, inputs, outputs, api_visibility=PRIVATE)
        runs.append(run)
        (run.then(idle, None, [send, stop, question], queue=False, api_visibility=PRIVATE)
            .then(save, [saved, chatbot, records], [saved, conv_list], queue=False, api_visibility=PRIVATE)
            .then(None, None, None, js=SCROLL_TO_ANSWER_JS, api_visibility=PRIVATE))

    # UI internals all: the documented API is the REST one (/api/ask, /api/ask/stream).
    wire(question.submit, api_visibility=PRIVATE)
    wire(send.click, api_visibility=PRIVATE)
    # A suggestion under a declined answer asks it.
    def pick(data: gr.SelectData) -> str:
        return str(data.value)

    picked = chatbot.option_select(pick, None, question, queue=False, api_visibility=PRIVATE)
    wire(picked.then, api_visibility=PRIVATE)
    stop.click(stopped, [chatbot], [chatbot], cancels=runs, queue=False, api_visibility=PRIVATE) \
        .then(idle, None, [send, stop, question], queue=False, api_visibility=PRIVATE) \
        .then(save, [saved, chatbot, records], [saved, conv_list], queue=False, api_visibility=PRIVATE)

    def like(recs: dict, data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        record = (recs or {}).get(str(index))
        payload = feedback_payload(record, data.liked) if record else None
        if payload is None or on_feedback is None:
            return
        try:
            on_feedback(payload)
            gr.Info("感谢反馈！")
        except Exception as e:  # a feedback failure must not break the chat
            log.warning("feedback failed: %s", e)
            gr.Warning("反馈未能保存。")

    if on_feedback is not None:
        chatbot.like(like, [records], None, api_visibility=PRIVATE)

    def show(value):
        messages, recs = conv_current(value)
        return messages, recs, gr.update(choices=conv_choices(value), value=_store(value)["current"])

    # A new token (another key) lists its own bases; another base shows its own numbers.
    looks = [kb, stats, region]
    chat_token.change(refresh, [chat_token, kb], looks, queue=False, api_visibility=PRIVATE)
    kb.input(refresh, [chat_token, kb], looks, queue=False, api_visibility=PRIVATE)
    return stats, region, chatbot, records, show, (refresh, [chat_token, kb], looks)


def _conversation_panel(saved: gr.BrowserState):
    """Earlier conversations (kept in this browser): open, rename, delete, export."""
    new = gr.Button("＋ 新对话", variant="primary", elem_id="pq-new")
    conv_list = gr.Radio(label="历史对话", choices=[], value=None, elem_id="pq-convs")
    title = gr.Textbox(label="对话名称", placeholder="选中对话后可重命名", elem_id="pq-title")
    with gr.Row(elem_classes=["pq-conv-actions"]):
        rename = gr.Button("重命名", size="sm", elem_id="pq-rename")
        delete = gr.Button("删除", size="sm", variant="stop", elem_id="pq-delete")
        export = gr.Button("导出 Markdown", size="sm", elem_id="pq-export")
    gr.Markdown("对话只保存在本浏览器中，服务器不保存对话记录。", elem_classes=["pq-note"])
    md = gr.Textbox(visible="hidden", elem_id="pq-export-md")
    md_name = gr.Textbox(visible="hidden")
    return new, conv_list, title, rename, delete, export, md, md_name


def _documents_tab(assistant: Assistant, settings: Settings) -> list:
    """Builds the admin tab; returns its write events (so the caller can refresh other views).
    Documents are listed and picked by title; delete and rebuild ask first, naming the title."""
    if settings.admin_token is None:
        gr.Markdown("文档管理未启用。设置环境变量 `POLICYQA_ADMIN_TOKEN` 后重启即可启用。")
        return []
    gr.Markdown("完整的管理控制台（命中测试、未解决的问题）：[/admin](/admin)", elem_classes=["pq-note"])
    token = gr.Textbox(label="管理令牌", type="password", elem_id="pq-admin-token",
                       placeholder="输入后按回车加载文档列表")
    status = gr.Markdown(elem_id="pq-admin-status")
    with gr.Row():
        with gr.Column(scale=3, min_width=260):
            files = gr.File(label="上传文档", file_count="multiple", type="filepath",
                            file_types=sorted(LOADERS))
            upload = gr.Button("上传并索引", variant="primary")
        with gr.Column(scale=2, min_width=260):
            doc_choice = gr.Dropdown(label="选择文档", choices=[], value=None, elem_id="pq-admin-doc")
            with gr.Row():
                delete = gr.Button("删除", variant="stop", elem_id="pq-admin-delete")
                reindex_btn = gr.Button("重建索引", elem_id="pq-admin-reindex")
                refresh = gr.Button("刷新")
            with gr.Group(visible=False, elem_id="pq-admin-confirm") as confirm_box:
                confirm_text = gr.Markdown()
                with gr.Row():
                    confirm_yes = gr.Button("确认", variant="stop", elem_id="pq-admin-yes")
                    confirm_no = gr.Button("取消", elem_id="pq-admin-no")
    pending = gr.State(None)  # (action, doc) awaiting confirmation
    results = gr.Dataframe(headers=RESULT_HEADERS, datatype="str", interactive=False, wrap=True,
                           label="上传结果", value=[], elem_id="pq-admin-results")
    table = gr.Dataframe(headers=DOC_HEADERS, datatype="str", interactive=False, wrap=True,
                         label="全部文档", value=[], show_search="search", elem_id="pq-admin-table")

    def current(tok: str) -> tuple[list[list], Any]:
        """Table and picker; empty for a wrong token (the list is admin-only too)."""
        if not check_token(settings.admin_token, tok):
            return [], gr.update(choices=[], value=None)
        return document_rows(assistant), gr.update(choices=document_choices(assistant), value=None)

    def on_list(tok: str):
        msg, _ = list_documents(assistant, settings, tok)
        return (msg, *current(tok))

    def on_upload(tok: str, paths: list[str] | None):
        msg, rows = upload_documents(assistant, settings, tok, paths)
        # Refused: the picker is left as the browser has it (a path is never handed back as a
        # value, which Gradio would copy and serve); processed: the picker is cleared.
        keep = gr.update() if msg == REFUSED else None
        return (msg, rows, *current(tok), keep)

    def ask_first(action: str):
        def ask(tok: str, doc: str | None):
            if not check_token(settings.admin_token, tok):
                return REFUSED, gr.update(visible=False), "", None
            question = admin.confirmation(assistant, action, doc) if doc else None
            if question is None:
                return (f"请先在「选择文档」中选择要{admin.ACTIONS_ZH[action]}的文档。",
                        gr.update(visible=False), "", None)
            return "", gr.update(visible=True), _esc(question), (action, doc)
        return ask

    def on_confirm(tok: str, what):
        if not what:
            return ("", gr.update(visible=False), None, *current(tok))
        action, doc = what
        msg = (delete_document(assistant, settings, tok, doc) if action == "delete"
               else reindex_documents(assistant, settings, tok, doc))
        return (msg, gr.update(visible=False), None, *current(tok))

    def on_cancel():
        return "已取消。", gr.update(visible=False), None

    # Every handler checks the token itself; the endpoints are also kept out of the Gradio API.
    token.submit(on_list, [token], [status, table, doc_choice], api_visibility=PRIVATE)
    refresh.click(on_list, [token], [status, table, doc_choice], api_visibility=PRIVATE)
    asking = [status, confirm_box, confirm_text, pending]
    delete.click(ask_first("delete"), [token, doc_choice], asking, api_visibility=PRIVATE)
    reindex_btn.click(ask_first("reindex"), [token, doc_choice], asking, api_visibility=PRIVATE)
    confirm_no.click(on_cancel, None, [status, confirm_box, pending], api_visibility=PRIVATE)
    return [
        upload.click(on_upload, [token, files], [status, results, table, doc_choice, files],
                     api_visibility=PRIVATE),
        confirm_yes.click(on_confirm, [token, pending], [status, confirm_box, pending, table, doc_choice],
                          api_visibility=PRIVATE),
    ]


def build_ui(assistant: Assistant, settings: Settings,
             on_feedback: Callable[[dict], int] | None = None) -> gr.Blocks:
    """The whole app. Mount it with `mount_ui` (or launch with `**launch_options()`)."""
    with gr.Blocks(title=PRODUCT) as demo:
        saved = gr.BrowserState(empty_store(), storage_key="policyqa-conversations",
                                secret=browser_secret(settings))
        with gr.Sidebar(label="历史对话", open=False, width=280, elem_id="pq-sidebar"):
            new, conv_list, title, rename, delete, export, md, md_name = _conversation_panel(saved)
        _header()
        with gr.Tabs():
            with gr.Tab("问答"):
                stats, region, chatbot, records, show, looks = _chat_tab(assistant, settings, on_feedback,
                                                                         saved, conv_list)
                refresh, looks_in, looks_out = looks
            with gr.Tab("文档管理"):
                writes = _documents_tab(assistant, settings)

        def on_load(value, token_v, kb_v):  # the bases, numbers and regions on page load
            return (*refresh(token_v, kb_v), *show(value))

        demo.load(on_load, [saved, *looks_in], [*looks_out, chatbot, records, conv_list], queue=False,
                  api_visibility=PRIVATE)
        for event in writes:  # and after every write
            event.then(refresh, looks_in, looks_out, queue=False, api_visibility=PRIVATE)

        def on_new(value):
            store = conv_new(value)
            return (store, *show(store), "")

        def on_pick(value, conv_id):
            store = conv_select(value, conv_id)
            conv = store["conversations"].get(conv_id) or {}
            return (store, *show(store), conv.get("title", ""))

        def on_rename(value, conv_id, new_title):
            store = conv_rename(value, conv_id, new_title)
            return store, gr.update(choices=conv_choices(store), value=store["current"])

        def on_delete(value, conv_id):
            store = conv_delete(value, conv_id)
            return (store, *show(store), "")

        shown = [chatbot, records, conv_list]
        new.click(on_new, [saved], [saved, *shown, title], queue=False, api_visibility=PRIVATE)
        conv_list.input(on_pick, [saved, conv_list], [saved, *shown, title], queue=False,
                        api_visibility=PRIVATE)
        rename.click(on_rename, [saved, conv_list, title], [saved, conv_list], queue=False,
                     api_visibility=PRIVATE)
        title.submit(on_rename, [saved, conv_list, title], [saved, conv_list], queue=False,
                     api_visibility=PRIVATE)
        delete.click(on_delete, [saved, conv_list], [saved, *shown, title], queue=False,
                     api_visibility=PRIVATE)
        export.click(export_markdown, [saved, conv_list], [md, md_name], queue=False,
                     api_visibility=PRIVATE) \
            .then(None, [md, md_name], None, js=DOWNLOAD_JS, api_visibility=PRIVATE)
    return demo


# Gradio words its own widgets (the upload area, the Chatbot's buttons) in the browser's language;
# this UI is Chinese whatever that is, so its English words are replaced. (A few accessibility
# labels Gradio hard-codes in English — "Fullscreen", "Scroll down" — are not translatable.)
GRADIO_WORDS = {
    "upload_text.drop_file": "将文件拖放到此处",
    "upload_text.click_to_upload": "点击上传",
    "common.or": "或",
    "common.clear": "清除",
    "chatbot.copy_message": "复制消息",
    "chatbot.like": "有帮助",
    "chatbot.dislike": "没有帮助",
    "chatbot.clear": "清空对话",
}


# The side panel's toggle is labelled in English by Gradio (not translatable): name it in Chinese.
LABELS_JS = """() => {
  const name = () => {
    const b = document.querySelector('.sidebar .toggle-button');
    if (b && b.getAttribute('aria-label') !== '历史对话') b.setAttribute('aria-label', '历史对话');
  };
  name();
  new MutationObserver(name).observe(document.body, {childList: true, subtree: true});
}"""


def launch_options() -> dict:
    """Theme, CSS, words and footer of this UI, for `demo.launch` and `gr.mount_gradio_app`."""
    return {"css": CSS, "theme": THEME, "footer_links": [], "js": LABELS_JS,
            "i18n": gr.I18n(en=GRADIO_WORDS, **{"en-US": GRADIO_WORDS})}


def mount_ui(app, demo: gr.Blocks, path: str = "/", **kwargs):
    """`gr.mount_gradio_app` with this UI's theme, CSS and head (mount it after the API routes)."""
    for key, value in launch_options().items():
        kwargs.setdefault(key, value)
    kwargs["head"] = (kwargs.get("head") or "") + UPLOAD_TOKEN_JS
    if demo.delete_cache is None:
        demo.delete_cache = UPLOAD_CACHE_SWEEP
    # Gradio serves no files for this UI (policyqa/gradio_files.py closes its file routes); its
    # own path lists are set anyway: nothing allowed beyond its upload folder, and the store,
    # the project and the working folder blocked.
    kwargs.setdefault("allowed_paths", [])
    kwargs.setdefault("blocked_paths", blocked_paths(kwargs.pop("store", None)))
    kwargs.setdefault("run_history", False)  # no run records kept or offered
    app = gr.mount_gradio_app(app, demo, path=path, **kwargs)
    # A mounted app never counts as launched, and Gradio skips its checks of the paths a client
    # sends until it is: with this, its preprocessing accepts only files in its upload folder.
    demo.has_launched = True
    return app


def blocked_paths(store: Path | str | None) -> list[str]:
    """The store, the project and the working folder, unless one holds Gradio's upload folder."""
    from core.settings import PROJECT_ROOT
    from policyqa.gradio_files import upload_root

    uploads = upload_root()
    out = []
    for p in (store, PROJECT_ROOT, os.getcwd()):
        if p is None:
            continue
        p = Path(os.path.realpath(p))
        if p != uploads and p not in uploads.parents and str(p) not in out:
            out.append(str(p))
    return out


__all__ = ["build_ui", "mount_ui", "launch_options", "CSS", "THEME"]
