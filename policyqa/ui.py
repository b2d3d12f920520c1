"""The Gradio 6 web UI: a streaming, cited chat and (with an admin token) document management.

`build_ui(assistant, settings, on_feedback)` returns a `gr.Blocks`. Gradio 6 takes the theme and
CSS at launch/mount time, not in the Blocks constructor, so pass `CSS` and `THEME` along:

    demo.launch(css=CSS, theme=THEME)
    gr.mount_gradio_app(app, demo, path="/", css=CSS, theme=THEME)   # or mount_ui(app, demo)

Documents are untrusted: every document-derived string that ends up in HTML or Markdown (answer
text, titles, quotes, chunk text, document names, suggestions) goes through `html.escape`. Tables
(`gr.Dataframe`, datatype "str") and dropdowns render their values as plain text, not HTML.
"""

from __future__ import annotations

import hmac
import html
import logging
import os
import re
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Iterator

import gradio as gr

from ingest.loaders import LOADERS
from ingest.pipeline import FileResult
from policyqa.config import Settings
from policyqa.records import Answer, Citation
from policyqa.assistant import Assistant

log = logging.getLogger("policyqa")

PRODUCT = "政策问答 policyqa"
DESCRIPTION = ("离线政策文件问答：每个回答都标注出处，可展开查看原文。"
               " Offline Q&A over policy documents — every answer cites its sources.")
EXAMPLES = [
    "社区党组织的经费怎么保障？",
    "柳園鎮2016年為多少人申請了大病救助？",
    "How should a community party branch be funded?",
    "How many livelihood service stations did Changchun set up?",
]
DOC_HEADERS = ["文档 doc", "标题 title", "段落 chunks", "日期 date", "地区 region", "文号 number",
               "发文机关 issuer"]
RESULT_HEADERS = ["文件 file", "状态 status", "段落 chunks", "说明 reason"]

# Appended blocks (sources, suggestions) start with this; the answer text before it is escaped,
# so the marker cannot occur inside it and `strip_sources` can cut there safely.
BLOCK_MARK = '\n\n<div class="pq-'
ERROR_PREFIX = "⚠️ "
PENDING = "⏳ 正在检索… Searching…"
REFUSED = "⛔ 管理令牌错误，操作已拒绝。Wrong admin token — action refused."
PRIVATE = "private"  # gradio 6 api_visibility: usable by this UI, not by API clients
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
MAX_UPLOAD_FILES = 20
# Gradio's upload cache: swept every 10 minutes of files older than an hour (an upload is
# removed as soon as it is indexed; this catches files picked but never indexed).
UPLOAD_CACHE_SWEEP = (600, 3600)
# The browser sends the admin token with Gradio's upload request (the route needs it).
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
    if (adminToken && /\/gradio_api\/upload(\?|$)/.test(url)) {
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

THEME = gr.themes.Soft(primary_hue="red", secondary_hue="slate")
CSS = """
.pq-header h1 { margin-bottom: 0.2em; }
.pq-note { color: var(--body-text-color-subdued); }
.pq-sources { margin-top: 0.6em; border-top: 1px solid var(--border-color-primary); padding-top: 0.4em;
  font-size: 0.92em; }
.pq-sources-title, .pq-suggest-title { font-weight: 600; margin-bottom: 0.3em; }
.pq-cite { margin: 0.5em 0 0.7em 0; }
.pq-meta { color: var(--body-text-color-subdued); }
.pq-doc { font-family: var(--font-mono); font-size: 0.85em; color: var(--body-text-color-subdued); }
.pq-quote { margin: 0.3em 0; padding: 0.2em 0.7em; border-left: 3px solid var(--color-accent);
  background: var(--background-fill-secondary); }
.pq-chunk { white-space: normal; padding: 0.3em 0.7em; background: var(--background-fill-secondary); }
.pq-suggest { margin-top: 0.6em; font-size: 0.92em; }
"""


# ---------------------------------------------------------------------------- rendering
def _esc(value: Any) -> str:
    """HTML-escape a (document-derived) value; newlines become <br> so an HTML block in the
    chat's Markdown never contains a blank line (which would end the block)."""
    text = html.escape(str(value or ""), quote=True)
    return re.sub(r"\s*\n\s*", "<br>", text.strip())


def _chunk_text(answer: Answer, citation: Citation) -> str | None:
    for hit in answer.hits:
        if hit.chunk.id == citation.chunk_id:
            return hit.chunk.text
    return None


def render_citation(answer: Answer, c: Citation) -> str:
    meta = [f"《{_esc(c.title or c.doc)}》"]
    if c.date:
        meta.append(_esc(c.date))
    if c.heading:
        meta.append(_esc(c.heading))
    if c.page is not None:
        meta.append(f"第 {int(c.page)} 页 p. {int(c.page)}")
    parts = [
        '<div class="pq-cite">',
        f'<b>[{int(c.n)}]</b> <span class="pq-meta">{" · ".join(meta)}</span> ',
        f'<span class="pq-doc">{_esc(c.doc)}</span>',
        f'<blockquote class="pq-quote">{_esc(c.quote)}</blockquote>',
    ]
    chunk = _chunk_text(answer, c)
    if chunk:
        parts.append('<details><summary>展开原文段落 Full passage</summary>'
                     f'<div class="pq-chunk">{_esc(chunk)}</div></details>')
    parts.append("</div>")
    return "".join(parts)


def render_sources(answer: Answer) -> str:
    """The sources block under an answer: "" for a declined answer or one without citations."""
    if answer.declined or not answer.citations:
        return ""
    cites = "".join(render_citation(answer, c) for c in answer.citations)
    return f'<div class="pq-sources"><div class="pq-sources-title">来源 Sources</div>{cites}</div>'


def render_suggestions(answer: Answer) -> str:
    if not answer.suggestions:
        return ""
    items = "".join(f"<li>{_esc(s)}</li>" for s in answer.suggestions)
    return ('<div class="pq-suggest"><div class="pq-suggest-title">可以试着这样问 You could ask:</div>'
            f"<ul>{items}</ul></div>")


def format_answer(answer: Answer) -> str:
    """Chat message for a finished answer: escaped text, then sources (or suggestions)."""
    body = _escape_text(answer.text)
    extra = render_suggestions(answer) if answer.declined else render_sources(answer)
    return body + (BLOCK_MARK[:2] + extra if extra else "")


def _escape_text(text: str) -> str:
    return html.escape((text or "").strip(), quote=False) or "…"


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


def history_from_messages(messages: list[dict] | None) -> list[dict]:
    """Chatbot messages → [{role, content}] for the assistant: sources stripped, errors skipped."""
    out = []
    for m in messages or []:
        role = m.get("role") if isinstance(m, dict) else getattr(m, "role", None)
        content = _text_of(m.get("content") if isinstance(m, dict) else getattr(m, "content", ""))
        if role == "assistant":
            if content.startswith(ERROR_PREFIX) or content == PENDING:
                continue
            content = strip_sources(content)
        if role in ("user", "assistant") and content.strip():
            out.append({"role": role, "content": content.strip()})
    return out


def _date_bound(value: str | None, upper: bool) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not _DATE.match(value):
        raise ValueError(f"日期格式应为 YYYY-MM-DD：'{value}' (dates look like 2016-05-01)")
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
    """What feedback on this answer needs to know."""
    return {"question": question, "answer": answer.text, "declined": answer.declined,
            "citations": [asdict(c) for c in answer.citations], "history": history}


def chat_reply(assistant: Assistant, question: str, messages: list[dict] | None,
               filters: dict | None = None) -> Iterator[tuple[list[dict], dict | None]]:
    """Stream one turn: yields (chat messages, record) with the assistant message growing;
    the record (for feedback) is None until the answer is final. Each yield is a new list. Errors become a chat message."""
    question = (question or "").strip()
    history = history_from_messages(messages)
    chat = list(messages or [])
    if question:  # an empty user message would be dropped by the Chatbot and shift indices
        chat.append({"role": "user", "content": question})
    chat.append({"role": "assistant", "content": PENDING})
    yield list(chat), None
    text = ""
    try:
        for part in assistant.stream(question, history, filters):
            if isinstance(part, Answer):
                chat[-1] = {"role": "assistant", "content": format_answer(part)}
                yield list(chat), answer_record(question, history, part)
                return
            text += part
            chat[-1] = {"role": "assistant", "content": _escape_text(text)}
            yield list(chat), None
    except ValueError as e:
        chat[-1] = {"role": "assistant", "content": f"{ERROR_PREFIX}无法回答 Cannot answer: {_esc(e)}"}
        yield list(chat), None
    except Exception as e:  # never crash the UI; the details go to the log
        log.exception("chat failed")
        chat[-1] = {"role": "assistant",
                    "content": f"{ERROR_PREFIX}内部错误，请稍后再试。Internal error ({_esc(type(e).__name__)})."}
        yield list(chat), None


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


# ---------------------------------------------------------------------------- documents (admin)
def document_rows(assistant: Assistant) -> list[list]:
    rows = []
    for d in assistant.store.documents():
        meta = d.get("meta") or {}
        rows.append([d["doc"], d.get("title", ""), int(d.get("chunks") or 0), meta.get("date", ""),
                     meta.get("region", ""), meta.get("number", ""), meta.get("issuer", "")])
    return rows


def knowledge_stats(assistant: Assistant) -> str:
    docs = len(assistant.store.documents())
    return (f"📚 知识库 Knowledge base: {docs} 份文档 documents · "
            f"{assistant.store.count_chunks()} 个段落 passages")


def regions(assistant: Assistant) -> list[str]:
    return sorted({str((d.get("meta") or {}).get("region") or "") for d in assistant.store.documents()}
                  - {""})


def _result_row(r: FileResult) -> list:
    return [r.doc, r.status, r.chunks, r.reason]


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
        raise LoadError("not an uploaded file: the server only reads files sent to it")
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
        return "请先选择文件。Choose one or more files first.", []
    if len(paths) > MAX_UPLOAD_FILES:
        return f"一次最多上传 {MAX_UPLOAD_FILES} 个文件。At most {MAX_UPLOAD_FILES} files at a time.", []
    root = upload_folder()
    rows = []
    for p in paths:
        name = Path(str(p if isinstance(p, str) else getattr(p, "path", p))).name
        try:
            name, data = _uploaded_bytes(p, root)
            result = assistant.ingest_upload(data, name)
        except LoadError as e:
            result = FileResult(name, name, "failed", reason=str(e))
        except OSError as e:
            result = FileResult(name, name, "failed", reason=f"{type(e).__name__}: cannot read the upload")
        rows.append(_result_row(result))
    ok = sum(1 for r in rows if r[1] in ("indexed", "updated"))
    return f"✅ 已处理 {len(rows)} 个文件，{ok} 个已索引。Processed {len(rows)} file(s), {ok} indexed.", rows


def delete_document(assistant: Assistant, settings: Settings, token: str | None,
                    doc: str | None) -> str:
    if not check_token(settings.admin_token, token):
        return REFUSED
    doc = (doc or "").strip()
    if not doc:
        return "请选择要删除的文档。Choose a document to delete."
    if doc not in {d["doc"] for d in assistant.store.documents()}:
        return f"未找到文档 No such document: {_esc(doc)}"
    n = assistant.delete(doc)
    return f"🗑️ 已删除 {_esc(doc)}（{n} 个段落）。Deleted {_esc(doc)} ({n} chunks)."


def reindex_documents(assistant: Assistant, settings: Settings, token: str | None) -> str:
    if not check_token(settings.admin_token, token):
        return REFUSED
    from ingest.pipeline import reindex

    # Hold the assistant's write lock (if it has one) so no upload/delete runs during a rebuild.
    with getattr(assistant, "_write_lock", None) or nullcontext():
        report = reindex(assistant.store, settings.chunk_tokens, progress=False)
    failed = [r for r in report.results if r.status == "failed"]
    lines = [f"🔄 重建完成 Re-index done: {_esc(report.summary())}"]
    lines += [f"- {_esc(r.doc)}: {_esc(r.reason)}" for r in failed]
    return "\n".join(lines)


def list_documents(assistant: Assistant, settings: Settings, token: str | None) -> tuple[str, list[list]]:
    if not check_token(settings.admin_token, token):
        return REFUSED, []
    rows = document_rows(assistant)
    return f"共 {len(rows)} 份文档。{len(rows)} document(s).", rows


# ---------------------------------------------------------------------------- layout
def _header(assistant: Assistant) -> None:
    gr.Markdown(f"# {PRODUCT}\n{DESCRIPTION}", elem_classes=["pq-header"])
    note = getattr(assistant, "startup_note", "") or ""
    if note:
        gr.Markdown(f"ℹ️ {_esc(note)}", elem_classes=["pq-note"])


def _chat_tab(assistant: Assistant, settings: Settings,
              on_feedback: Callable[[dict], int] | None) -> tuple[gr.Markdown, gr.Dropdown]:
    stats = gr.Markdown(elem_classes=["pq-note"])
    chatbot = gr.Chatbot(
        label="对话 Conversation", height=560, latex_delimiters=[], sanitize_html=True,
        feedback_options=("Like", "Dislike") if on_feedback else None, buttons=["copy"],
        placeholder="问任何关于已收录政策文件的问题，回答会标注出处。<br>"
                    "Ask about the indexed policy documents; every answer cites its sources.",
    )
    records = gr.State({})  # chat message index → answer record, for feedback
    with gr.Row():
        question = gr.Textbox(placeholder="输入问题，回车发送 Type a question and press Enter",
                              show_label=False, scale=8, max_lines=6, autofocus=True)
        send = gr.Button("发送 Send", variant="primary", scale=1, min_width=90)
        new = gr.Button("新对话 New conversation", scale=1, min_width=90)
    gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question], label="示例问题 Examples")
    with gr.Accordion("筛选 Filters (optional)", open=False):
        with gr.Row():
            region = gr.Dropdown(label="地区 Region", choices=regions(assistant), value=None,
                                 allow_custom_value=True, scale=2)
            date_from = gr.Textbox(label="起始日期 From", placeholder="YYYY-MM-DD", scale=1)
            date_to = gr.Textbox(label="截止日期 To", placeholder="YYYY-MM-DD", scale=1)
        chat_token = gr.Textbox(label="访问令牌 Access token", type="password",
                                visible=bool(settings.chat_token))
    if settings.chat_token:
        gr.Markdown("🔒 需要访问令牌（见「筛选」）。An access token is required (see Filters).")

    def respond(message: str, messages: list, region_v: str | None, from_v: str, to_v: str,
                token_v: str, recs: dict) -> Iterator[tuple[list, str, dict]]:
        if settings.chat_token and not check_token(settings.chat_token, token_v):
            chat = list(messages or []) + [
                {"role": "assistant", "content": f"{ERROR_PREFIX}访问令牌错误 Wrong access token."}]
            yield chat, message, recs
            return
        try:
            filters = build_filters(region_v, from_v, to_v)
        except ValueError as e:
            chat = list(messages or []) + [
                {"role": "assistant", "content": f"{ERROR_PREFIX}{_esc(e)}"}]
            yield chat, message, recs
            return
        recs = dict(recs or {})
        for chat, record in chat_reply(assistant, message, messages, filters):
            if record is not None:
                recs[len(chat) - 1] = record
            yield chat, "", recs

    def like(recs: dict, data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        record = (recs or {}).get(index)
        payload = feedback_payload(record, data.liked) if record else None
        if payload is None or on_feedback is None:
            return
        try:
            on_feedback(payload)
            gr.Info("感谢反馈！Thanks for the feedback.")
        except Exception as e:  # a feedback failure must not break the chat
            log.warning("feedback failed: %s", e)
            gr.Warning("反馈未能保存 Feedback could not be saved.")

    inputs = [question, chatbot, region, date_from, date_to, chat_token, records]
    outputs = [chatbot, question, records]
    # Only the chat is a (documented) Gradio API endpoint; the rest are UI internals.
    question.submit(respond, inputs, outputs, api_name="chat")
    send.click(respond, inputs, outputs, api_visibility=PRIVATE)
    new.click(lambda: ([], "", {}), None, [chatbot, question, records], queue=False,
              api_visibility=PRIVATE)
    chatbot.clear(lambda: {}, None, records, queue=False, api_visibility=PRIVATE)
    if on_feedback is not None:
        chatbot.like(like, [records], None, api_visibility=PRIVATE)
    return stats, region


def _documents_tab(assistant: Assistant, settings: Settings) -> list:
    """Builds the admin tab; returns its write events (so the caller can refresh other views)."""
    if settings.admin_token is None:
        gr.Markdown("🔒 文档管理未启用。设置环境变量 `POLICYQA_ADMIN_TOKEN` 后重启即可启用。\n\n"
                    "Document management is disabled: set `POLICYQA_ADMIN_TOKEN` and restart.")
        return []
    token = gr.Textbox(label="管理令牌 Admin token", type="password", elem_id="pq-admin-token",
                       placeholder="输入后回车以加载文档列表 Enter to load the document list")
    status = gr.Markdown()
    with gr.Row():
        with gr.Column(scale=3):
            files = gr.File(label="上传文档 Upload documents", file_count="multiple", type="filepath",
                            file_types=sorted(LOADERS))
            upload = gr.Button("上传并索引 Upload & index", variant="primary")
        with gr.Column(scale=2):
            doc_choice = gr.Dropdown(label="删除文档 Delete a document", choices=[], value=None)
            delete = gr.Button("删除 Delete", variant="stop")
            reindex_btn = gr.Button("重建索引 Re-index")
            refresh = gr.Button("刷新 Refresh")
    results = gr.Dataframe(headers=RESULT_HEADERS, datatype="str", interactive=False, wrap=True,
                           label="上传结果 Upload results", value=[])
    table = gr.Dataframe(headers=DOC_HEADERS, datatype="str", interactive=False, wrap=True,
                         label="全部文档 All documents", value=[], show_search="search")

    def current(tok: str) -> tuple[list[list], Any]:
        """Table and delete choices; empty for a wrong token (the list is admin-only too)."""
        if not check_token(settings.admin_token, tok):
            return [], gr.update(choices=[], value=None)
        rows = document_rows(assistant)
        return rows, gr.update(choices=[r[0] for r in rows], value=None)

    def on_list(tok: str):
        msg, _ = list_documents(assistant, settings, tok)
        return (msg, *current(tok))

    def on_upload(tok: str, paths: list[str] | None):
        msg, rows = upload_documents(assistant, settings, tok, paths)
        keep = paths if msg == REFUSED else None  # clear the picker once the files are processed
        return (msg, rows, *current(tok), keep)

    def on_delete(tok: str, doc: str | None):
        return (delete_document(assistant, settings, tok, doc), *current(tok))

    def on_reindex(tok: str):
        return (reindex_documents(assistant, settings, tok), *current(tok))

    # Every handler checks the token itself; the endpoints are also kept out of the Gradio API.
    token.submit(on_list, [token], [status, table, doc_choice], api_visibility=PRIVATE)
    refresh.click(on_list, [token], [status, table, doc_choice], api_visibility=PRIVATE)
    return [
        upload.click(on_upload, [token, files], [status, results, table, doc_choice, files],
                     api_visibility=PRIVATE),
        delete.click(on_delete, [token, doc_choice], [status, table, doc_choice],
                     api_visibility=PRIVATE),
        reindex_btn.click(on_reindex, [token], [status, table, doc_choice], api_visibility=PRIVATE),
    ]


def build_ui(assistant: Assistant, settings: Settings,
             on_feedback: Callable[[dict], int] | None = None) -> gr.Blocks:
    """The whole app. Launch or mount it with `css=CSS, theme=THEME`."""
    with gr.Blocks(title=PRODUCT) as demo:
        _header(assistant)
        with gr.Tabs():
            with gr.Tab("问答 Chat"):
                stats, region = _chat_tab(assistant, settings, on_feedback)
            with gr.Tab("文档管理 Documents"):
                writes = _documents_tab(assistant, settings)

        def on_load():  # fresh numbers and region choices on page load and after every write
            return knowledge_stats(assistant), gr.update(choices=regions(assistant))

        demo.load(on_load, None, [stats, region], queue=False, api_visibility=PRIVATE)
        for event in writes:
            event.then(on_load, None, [stats, region], queue=False, api_visibility=PRIVATE)
    return demo


def mount_ui(app, demo: gr.Blocks, path: str = "/", **kwargs):
    """`gr.mount_gradio_app` with this UI's theme and CSS (mount it after the API routes)."""
    kwargs.setdefault("css", CSS)
    kwargs.setdefault("theme", THEME)
    kwargs["head"] = (kwargs.get("head") or "") + UPLOAD_TOKEN_JS
    if demo.delete_cache is None:
        demo.delete_cache = UPLOAD_CACHE_SWEEP
    return gr.mount_gradio_app(app, demo, path=path, **kwargs)


__all__ = ["build_ui", "mount_ui", "CSS", "THEME"]
