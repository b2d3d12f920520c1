"""The admin console: the page at /admin (policyqa/static/admin.html + admin.js) and its API under
/api/admin/. Messages are Chinese (the console's language).

Every route works on one knowledge base, `kb` (unset = the default base), and needs the manage
role on it (the admin token, or an access key with manage on that base or on `*`): the server's
`managed` decides, exactly as for `POST/DELETE /api/documents` — an unknown base and one the
caller cannot see are the same 404, and a refused write is in the audit log. Writes go through
the Library (`library.upload/delete/reindex`), so they are audited with who made them.

- GET    /api/admin/settings                  whether question logging is on, and its retention
- GET    /api/admin/documents                 documents by title: 文号, date, issuer, region, chunks
- POST   /api/admin/documents                 upload (form field `file` or `files`), per-file results
- DELETE /api/admin/documents/{doc}           delete one document
- POST   /api/admin/documents/{doc}/reindex   rebuild one document from its kept original
- POST   /api/admin/hit-test                  命中测试: the Assistant's own search and decision, traced
- GET    /api/admin/unresolved                未解决的问题: declined questions and thumbs-down, grouped
- GET    /api/admin/curated                   审核答案: curated answers, flagged ones marked
- POST   /api/admin/curated                   approve the system's answer, or write one with citations
- DELETE /api/admin/curated/{id}              remove one
"""

from __future__ import annotations

import time
from pathlib import Path

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from policyqa import admin, uploads
from policyqa.unresolved import group_questions

STATIC = Path(__file__).resolve().parent / "static"
PASSAGE_CHARS = 600

# The decision's signals (retrieval/decision.py FEATURES) named for the console.
SIGNALS_ZH = {
    "lead_prob": "首句可能性", "second_prob": "次句可能性", "other_doc_prob": "其他文件最高可能性",
    "coverage_all": "问题用词覆盖", "key_terms": "关键词覆盖", "absent_share": "语料中缺失的词",
    "dense_best": "语义相似度", "figure_missing": "缺少所问数字", "year_missing": "缺少所问年份",
    "unknown_name": "未知名称", "english": "英文问题", "place_missing": "文档未涉及所问地方",
}
RETRIEVERS_ZH = {"dense": "向量检索（语义）", "bm25": "关键词检索（BM25）"}


class CuratedCite(BaseModel):
    chunk_id: str = Field(min_length=1, max_length=200)
    start: int | None = Field(None, ge=0)
    end: int | None = Field(None, ge=1)


class CuratedRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    kb: str | None = None
    answer: str | None = Field(None, max_length=20000, description="the text; with from_system: the edited wording")
    citations: list[CuratedCite] = Field(default_factory=list, max_length=20)
    from_system: bool = Field(False, description="approve the system's answer to the question (its citations)")


class HitTest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    kb: str | None = None


def router(library, settings, managed, feedback) -> APIRouter:
    """The console's routes. `managed(request, kb, action, target)` is the server's check: the
    caller and the base it may manage, or a refusal (audited when `action` is named)."""
    api = APIRouter(prefix="/api/admin", tags=["admin console"])

    @api.get("/settings")
    def console_settings(request: Request, kb: str | None = None) -> dict:
        _who, base = managed(request, kb, "")
        return {"kb": base.name, "question_log": library.question_log is not None,
                "question_log_days": settings.question_log_days}

    @api.get("/documents")
    def documents(request: Request, kb: str | None = None) -> dict:
        _who, base = managed(request, kb, "")
        docs = admin.document_list(library.assistant(base))
        return {"kb": base.name, "documents": docs, "chunks": sum(d["chunks"] for d in docs)}

    @api.post("/documents", description="Upload and index documents into the base `kb` (Chinese "
                                        "messages; audited). " + uploads.FIELDS_HELP)
    async def upload(request: Request, kb: str | None = None, file: list[UploadFile] | None = File(None),
                     files: list[UploadFile] | None = File(None)) -> JSONResponse:
        sent = [*(file or []), *(files or [])]
        who, base = managed(request, kb, "upload", ", ".join(f.filename or "" for f in sent))
        received = await uploads.receive(sent, "zh")
        body, status = await uploads.index(library, base, who.name, received, "zh")
        return JSONResponse({**body, "kb": base.name}, status_code=status)

    def known(assistant, doc: str) -> str:
        title = admin.title_of(assistant, doc)
        if title is None:
            raise HTTPException(404, f"未找到文档「{doc}」：它可能已被删除，请刷新列表。")
        return title

    @api.delete("/documents/{doc}")
    async def delete(doc: str, request: Request, kb: str | None = None) -> dict:
        who, base = managed(request, kb, "delete", doc)
        title = known(library.assistant(base), doc)
        try:
            n = await run_in_threadpool(library.delete, base, doc, who.name)
        except KeyError:
            raise HTTPException(404, f"未找到文档「{doc}」：它可能已被删除，请刷新列表。") from None
        return {"doc": doc, "title": title, "kb": base.name, "deleted_chunks": n,
                "message": f"已删除《{title}》（{n} 个段落）。"}

    @api.post("/documents/{doc}/reindex")
    async def reindex(doc: str, request: Request, kb: str | None = None) -> JSONResponse:
        who, base = managed(request, kb, "reindex", doc)
        title = known(library.assistant(base), doc)
        report = await run_in_threadpool(lambda: library.reindex(base, who.name, docs=[doc]))
        result = report.results[0]
        body = {"doc": doc, "title": title, "kb": base.name, **admin.result_json(result, "zh")}
        if result.status == "failed":
            return JSONResponse({"error": body["message"], **body}, status_code=422)
        body["message"] = f"已重建《{title}》的索引（{result.chunks} 个段落）。"
        return JSONResponse(body)

    @api.post("/hit-test")
    async def hit_test(body: HitTest, request: Request) -> dict:
        _who, base = managed(request, body.kb, "")
        try:
            seen = await run_in_threadpool(library.assistant(base).inspect, body.question)
        except ValueError as e:
            raise HTTPException(422, "问题为空或过长（最多 2000 字）。") from e
        return {**inspection_json(seen), "kb": base.name}

    @api.get("/unresolved")
    async def unresolved(request: Request, kb: str | None = None) -> dict:
        _who, base = managed(request, kb, "")
        days = settings.question_log_days
        since = time.time() - days * 86_400
        log = library.question_log
        default = library.bases.default()
        items = [{**q, "source": "declined"} for q in (log.declined(base.collection) if log else [])]
        items += [{"created": f["created"], "question": f["question"], "source": "down"}
                  for f in feedback.disliked(since, base.collection,
                                             default=default is not None and default.collection == base.collection)]
        embed = library.assistant(base).store.embeddings.embed_query
        groups = await run_in_threadpool(group_questions, items, embed)
        return {"kb": base.name, "logging": log is not None, "days": days, "groups": groups, "total": len(items)}

    @api.get("/curated")
    def curated(request: Request, kb: str | None = None) -> dict:
        _who, base = managed(request, kb, "")
        entries = library.curation.entries(base)
        return {"kb": base.name, "curated": entries, "flagged": sum(not e["served"] for e in entries)}

    @api.post("/curated", description="Approve the system's answer to `question` (`from_system`, "
                                      "optionally with the edited `answer`), or write `answer` citing "
                                      "`citations` ({chunk_id, start?, end?}). Audited.")
    async def add_curated(body: CuratedRequest, request: Request) -> dict:
        who, base = managed(request, body.kb, "curated.add", body.question[:200])
        if body.from_system:
            item = await run_in_threadpool(library.curation.approve, base, body.question, who.name, body.answer)
        else:
            item = await run_in_threadpool(library.curation.write, base, body.question, body.answer or "",
                                           [c.model_dump() for c in body.citations], who.name)
        return {**item.to_json(), "kb": base.name, "message": f"已保存审核答案 #{item.id}。"}

    @api.delete("/curated/{item_id}")
    def remove_curated(item_id: int, request: Request, kb: str | None = None) -> dict:
        who, base = managed(request, kb, "curated.remove", f"#{item_id}")
        library.curation.remove(base, item_id, who.name)
        return {"id": item_id, "kb": base.name, "message": f"已删除审核答案 #{item_id}。"}

    return api


def inspection_json(seen) -> dict:
    """命中测试's answer: passages ranked with their scores and what each retriever gave them,
    the decision with its score, threshold, reason and signals, and the answer it leads to."""
    ranks = {name: {cid: (i + 1, score) for i, (cid, score) in enumerate(ranked)}
             for name, ranked in seen.rankings.items()}
    passages = []
    for i, hit in enumerate(seen.hits):
        c = hit.chunk
        by = {}
        for name in ("dense", "bm25"):
            got = ranks.get(name, {}).get(c.id)
            by[name] = {"rank": got[0], "score": round(float(got[1]), 4)} if got else None
        text = c.text if len(c.text) <= PASSAGE_CHARS else c.text[:PASSAGE_CHARS] + "…"
        passages.append({"rank": i + 1, "chunk_id": c.id, "doc": c.doc, "title": c.title, "heading": c.heading,
                         "date": str(c.meta.get("date") or ""), "text": text,
                         "score": round(float(hit.score), 4), "found_by": list(hit.found_by), **by})
    answer = seen.answer
    decision = answer.decision
    retrievers = {}
    for name, ranked in seen.rankings.items():
        in_top = sum(1 for p in passages if p[name])
        retrievers[name] = {"label": RETRIEVERS_ZH.get(name, name), "candidates": len(ranked),
                            "in_top": in_top, "only": sum(1 for p in passages if p["found_by"] == [name])}
    return {
        "question": seen.query.question, "searched": seen.query.standalone, "lang": seen.query.lang,
        "passages": passages, "retrievers": retrievers,
        "decision": {
            "answered": not answer.declined,
            "score": round(float(decision.score if decision else answer.support), 4),
            "threshold": round(float(decision.threshold), 4) if decision else None,
            "reason": answer.declined_because or (decision.reason if decision else ""),
            "signals": [{"name": f, "label": SIGNALS_ZH.get(f, f), "value": v}
                        for f, v in (decision.features if decision else ())
                        if not f.startswith("english") or seen.query.lang == "en"],
        },
        "answer": answer.text,
        "citations": [{"n": c.n, "title": c.title, "heading": c.heading, "quote": c.display or c.quote,
                       "chunk_id": c.chunk_id, "doc": c.doc, "start": c.start, "end": c.end}
                      for c in answer.citations],
    }


def page_routes(app) -> None:
    """The console page and its script (static; the data comes from /api/admin/ with the token)."""
    headers = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}

    @app.get("/admin", include_in_schema=False)
    def console() -> FileResponse:
        return FileResponse(STATIC / "admin.html", media_type="text/html; charset=utf-8", headers=headers)

    @app.get("/admin/admin.js", include_in_schema=False)
    def console_js() -> FileResponse:
        return FileResponse(STATIC / "admin.js", media_type="application/javascript", headers=headers)


__all__ = ["inspection_json", "page_routes", "router"]
