"""Document management as a person sees it: documents by title with their metadata, the
confirmation naming a document before it is deleted or rebuilt, and each file's result in the
interface's language. Shared by the UI's documents tab and the admin console's API."""

from __future__ import annotations

from policyqa.messages import file_message, status_label

ACTIONS_ZH = {"delete": "删除", "reindex": "重建索引"}


def document_list(assistant) -> list[dict]:
    """Every document with what identifies it to a person, ordered by title."""
    out = []
    for d in assistant.store.documents():
        meta = d.get("meta") or {}
        out.append({"doc": d["doc"], "title": d.get("title") or d["doc"],
                    "number": str(meta.get("number") or ""), "date": str(meta.get("date") or ""),
                    "issuer": str(meta.get("issuer") or ""), "region": str(meta.get("region") or ""),
                    "chunks": int(d.get("chunks") or 0)})
    out.sort(key=lambda d: (d["title"], d["doc"]))
    return out


def title_of(assistant, doc: str) -> str | None:
    """The document's title (its name when it has none); None for an unknown document."""
    for d in assistant.store.documents():
        if d["doc"] == doc:
            return d.get("title") or d["doc"]
    return None


def choice_label(d: dict) -> str:
    """How a document is named in a picker: its title, then 文号 or date to tell versions apart."""
    extra = " · ".join(x for x in (d["number"], d["date"]) if x)
    return f"{d['title']}（{extra}）" if extra else d["title"]


def confirmation(assistant, action: str, doc: str) -> str | None:
    """The question asked before `action` (delete | reindex) on `doc`, naming its title."""
    d = next((x for x in document_list(assistant) if x["doc"] == doc), None)
    if d is None:
        return None
    if action == "delete":
        return (f"确定删除《{d['title']}》吗？将从知识库移除它的全部 {d['chunks']} 个段落和保存的原件，"
                "此操作无法撤销。")
    return f"确定重建《{d['title']}》的索引吗？将按保存的原件重新读取、切分并写入（{d['chunks']} 个段落）。"


def result_json(result, lang: str = "zh") -> dict:
    """One file's upload or rebuild result for an interface: its status and a message saying
    what happened (and for a problem, what to do) in `lang`; `reason` keeps the English detail."""
    return {"doc": result.doc, "status": result.status, "status_label": status_label(result.status, lang),
            "chunks": result.chunks, "kind": result.kind, "reason": result.reason,
            "message": file_message(result, lang)}


__all__ = ["ACTIONS_ZH", "choice_label", "confirmation", "document_list", "result_json", "title_of"]
