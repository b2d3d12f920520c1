"""What the documents tab does (admin only): list, upload, delete and rebuild documents, each
through the Assistant's public writes (`ingest_upload`, `delete`, `reindex`), after checking the
admin token itself. Messages are Chinese; document-derived text in them is escaped."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from core.settings import Settings
from ingest.pipeline import FileResult
from policyqa import admin
from policyqa.assistant import Assistant
from policyqa.gradio_files import upload_root
from policyqa.messages import file_message, status_label
from policyqa.ui_bases import check_token
from policyqa.ui_render import escape_plain

REFUSED = "管理令牌错误，操作已拒绝。"
MAX_UPLOAD_FILES = 20


def document_rows(assistant: Assistant) -> list[list]:
    """The documents table: by title, with 文号, date, issuer, region, chunks, then the file name."""
    return [[d["title"], d["number"], d["date"], d["issuer"], d["region"], d["chunks"], d["doc"]]
            for d in admin.document_list(assistant)]


def document_choices(assistant: Assistant) -> list[tuple[str, str]]:
    """(label, document) for the picker: each document named by its title (and 文号 or date)."""
    return [(admin.choice_label(d), d["doc"]) for d in admin.document_list(assistant)]


def _result_row(r: FileResult) -> list:
    return [r.doc, status_label(r.status), r.chunks, file_message(r)]


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
    root = upload_root()
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
        return f"未找到文档「{escape_plain(doc)}」：它可能已被删除，请点「刷新」。"
    n = assistant.delete(doc)
    return f"已删除《{escape_plain(title)}》（{n} 个段落）。"


def reindex_documents(assistant: Assistant, settings: Settings, token: str | None,
                      doc: str | None = None) -> str:
    """Rebuild one document (or, without `doc`, every document) from its kept original."""
    if not check_token(settings.admin_token, token):
        return REFUSED
    title = None
    if doc:
        title = admin.title_of(assistant, doc)
        if title is None:
            return f"未找到文档「{escape_plain(doc)}」：它可能已被删除，请点「刷新」。"
    report = assistant.reindex([doc] if doc else None)
    failed = [r for r in report.results if r.status == "failed"]
    done = len(report.results) - len(failed)
    what = f"《{escape_plain(title)}》" if title else f"{len(report.results)} 份文档"
    lines = [f"重建索引完成：{what}，{done} 份成功，{len(failed)} 份失败，写入 {report.chunks} 个段落。"]
    lines += [f"- {escape_plain(file_message(r))}" for r in failed]
    return "\n".join(lines)


def list_documents(assistant: Assistant, settings: Settings, token: str | None) -> tuple[str, list[list]]:
    if not check_token(settings.admin_token, token):
        return REFUSED, []
    rows = document_rows(assistant)
    return f"共 {len(rows)} 份文档。", rows
