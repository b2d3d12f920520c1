"""How the chat shows an answer: the message text, the 「已审核」 mark, the source cards, error and
stage messages, in the question's language.

Documents are untrusted: every document-derived string that ends up in the chat's HTML or
Markdown (answer text, titles, quotes, chunk text, sections, suggestions) is escaped here — HTML
escaped, and Markdown's markup characters written as character references.
"""

from __future__ import annotations

import html
import re
from typing import Any

from core.records import Answer, Citation
from policyqa.docview import citation_url
from policyqa.ui_bases import Links

# Appended blocks (sources) start with this; the answer text before it is escaped, so the marker
# cannot occur inside it and `strip_sources` can cut there safely.
BLOCK_MARK = '\n\n<div class="pq-'
# Messages that are not answers start with one of these (escaped answer text never does).
ERROR_PREFIX = '<div class="pq-error">'
STAGE_PREFIX = '<div class="pq-stage">'

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


# Markdown's markup characters, written as character references so that document text in the
# chat (rendered as Markdown) stays plain text: no link, image, autolink (URL, www., e-mail),
# emphasis, code or table made by a document. `strip_sources` (html.unescape) restores them.
_MARKUP = {c: f"&#{ord(c)};" for c in "\\`*_[](){}!|~#:@"}
_WWW = re.compile(r"(?i)\b(www)\.")
# The same, with HTML's own characters (for text inside the chat's HTML blocks and attributes).
_PLAIN = {**_MARKUP, "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def escape_plain(value: Any) -> str:
    """A (document-derived) value as plain text inside the chat's HTML and Markdown: HTML
    escaped and Markdown's markup characters written as character references (so 2~3个 or
    0.5%~2% never turn into strikethrough, * and _ never into emphasis); newlines become <br> so
    an HTML block in the chat's Markdown never contains a blank line (which would end the block)."""
    text = "".join(_PLAIN.get(c, c) for c in str(value or "").strip())
    return _WWW.sub(r"\1&#46;", re.sub(r"\s*\n\s*", "<br>", text))


def _attr(url: str) -> str:
    """A URL we built (a document view link), for an href attribute."""
    return html.escape(url, quote=True)


def words(lang: str) -> dict:
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
    w = words(lang)
    links = _links(link_secret)
    url = _attr(citation_url(c, links.secret, links.kb)) if links.readable else None
    title = f'《{escape_plain(c.title or w["untitled"])}》'
    meta = [escape_plain(c.heading)] if c.heading else []  # no placeholder when there is no section
    if c.date:
        meta.append(escape_plain(c.date))
    if c.page is not None:
        meta.append(w["page"].format(int(c.page)))
    parts = [
        '<div class="pq-cite">',
        f'<div class="pq-cite-head">[{int(c.n)}] '
        + (f'<a href="{url}" target="_blank" rel="noopener">{title}</a>' if url else title) + '</div>',
        f'<div class="pq-meta">{" · ".join(meta)}</div>' if meta else "",
        f'<blockquote class="pq-quote">{escape_plain(c.quote)}</blockquote>',
    ]
    chunk = _chunk_text(answer, c)
    if chunk:
        parts.append(f'<details><summary>{w["passage"]}</summary><div class="pq-chunk">{escape_plain(chunk)}</div></details>')
    if url:
        parts.append(f'<a class="pq-open" href="{url}" target="_blank" rel="noopener">{w["open"]} ›</a>')
    parts.append("</div>")
    return "".join(parts)


def render_sources(answer: Answer, lang: str = "zh", link_secret: str | Links | None = None) -> str:
    """The sources block under an answer: "" for a declined answer or one without citations."""
    if answer.declined or not answer.citations:
        return ""
    cites = "".join(render_citation(answer, c, lang, link_secret) for c in answer.citations)
    return (f'<div class="pq-sources"><div class="pq-sources-title">{words(lang)["sources"]}</div>'
            f"{cites}</div>")


def render_reviewed(answer: Answer, lang: str = "zh") -> str:
    """The 「已审核」 mark of a curated answer, with who approved it and when ("" otherwise)."""
    r = answer.reviewed
    if r is None:
        return ""
    w = words(lang)
    return (f'<div class="pq-reviewed"><span class="pq-reviewed-badge">{w["reviewed"]}</span> '
            f'{escape_plain(w["reviewed_by"].format(by=r.by, at=r.at[:16].replace("T", " ")))}</div>')


def format_answer(answer: Answer, lang: str = "zh", link_secret: str | Links | None = None) -> str:
    """Chat message text for a finished answer: escaped text, then the reviewed mark of a
    curated answer and the sources. (Suggestions of a declined answer are the message's
    clickable options, see `answer_message`.)"""
    body = escape_answer(answer.text)
    extra = "" if answer.declined else render_reviewed(answer, lang) + render_sources(answer, lang, link_secret)
    return body + (BLOCK_MARK[:2] + extra if extra else "")


def answer_message(answer: Answer, lang: str = "zh", link_secret: str | Links | None = None) -> dict:
    message = {"role": "assistant", "content": format_answer(answer, lang, link_secret)}
    if answer.declined and answer.suggestions:
        message["options"] = [{"label": s, "value": s} for s in answer.suggestions]
    return message


def escape_answer(text: str) -> str:
    """Answer text for the chat: HTML escaped and Markdown markup neutralised."""
    escaped = html.escape((text or "").strip(), quote=False)
    escaped = "".join(_MARKUP.get(c, c) for c in escaped)
    return _WWW.sub(r"\1&#46;", escaped) or "…"


def error_message(text: str) -> dict:
    return {"role": "assistant", "content": f"{ERROR_PREFIX}{escape_plain(text)}</div>"}


def stage_message(label: str) -> dict:
    return {"role": "assistant", "content": f"{STAGE_PREFIX}{escape_plain(label)}</div>"}


def strip_sources(content: str) -> str:
    """An assistant message as plain answer text: appended blocks cut, escaping undone."""
    cut = content.find(BLOCK_MARK)
    return html.unescape(content if cut < 0 else content[:cut]).strip()


def is_answer(content: str) -> bool:
    """Whether an assistant message is an answer (not an error or an unfinished stage)."""
    return not content.startswith((ERROR_PREFIX, STAGE_PREFIX))
