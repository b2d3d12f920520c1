"""Documents: the bases a caller may use, their documents (list, upload, delete, reindex), and
the document view a citation links to (/doc/…, with its scanned pages' images)."""

from __future__ import annotations

from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from policyqa import uploads
from policyqa.access import may_not
from policyqa.docview import render_document
from policyqa.gate import Gate
from policyqa.kb import unknown
from policyqa.pageimage import PageImageError, page_image


def _message_page(text: str) -> str:
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>政策问答</title></head>'
            f'<body style="font-family:sans-serif;padding:2em"><p>{text}</p></body></html>')


def add_document_routes(app: FastAPI, gate: Gate) -> None:
    """/api/kb and /api/documents (list, upload, delete), and /api/admin/kb/{name}/reindex."""
    library = gate.library

    @app.get("/api/kb")
    def my_bases(request: Request) -> list[dict]:
        """The bases the caller may use, with its roles on each (for a selector)."""
        who = gate.caller(request)
        default = library.bases.default()
        return [{**kb.to_json(), "roles": sorted(who.roles(kb)),
                 "default": default is not None and kb.collection == default.collection}
                for kb in library.bases.list() if who.roles(kb)]

    @app.get("/api/documents")
    def documents(request: Request, kb: str | None = None) -> list[dict]:
        """The documents of the bases the caller may read (`kb`: of that base only)."""
        who = gate.caller(request)
        if kb:
            base = library.resolve(kb)[0]
            if not who.may(base, "read"):
                raise may_not(base, "read") if who.roles(base) else unknown(base.name)
            bases = [base]
        else:
            bases = [b for b in library.bases.list() if who.may(b, "read")]
        return [{**{k: v for k, v in d.items() if k not in ("source", "content_hash")}, "kb": b.name}
                for b in bases for d in library.assistant(b).store.documents()]

    @app.post("/api/documents",
              description="Upload and index documents into the base `kb` (manage role on it; unset = "
              "the default base). " + uploads.FIELDS_HELP + " One file: its `doc`, `status`, `chunks`, "
              "`reason` (English), `kind` and `message` (in `lang`: en or zh), and `results`; several: "
              "`results`, `indexed`, `failed`. 422 when nothing was indexed. Every upload is in the audit log.")
    async def upload(request: Request, kb: str | None = None,
                     file: list[UploadFile] | None = File(None, description="one or several files"),
                     files: list[UploadFile] | None = File(None, description="one or several files"),
                     lang: str = "en") -> JSONResponse:
        lang = "zh" if lang == "zh" else "en"
        sent = [*(file or []), *(files or [])]
        who, base = gate.managed(request, kb, "upload", ", ".join(f.filename or "" for f in sent))
        try:
            received = await uploads.receive(sent, lang)
        except HTTPException as e:
            gate.audit.record(who.name, "upload", base.name, ", ".join(f.filename or "" for f in sent), "refused",
                              str(e.detail))
            raise
        body, status = await uploads.index(library, base, who.name, received, lang)
        return JSONResponse({**body, "kb": base.name}, status_code=status)

    @app.delete("/api/documents/{doc}")
    def delete(doc: str, request: Request, kb: str | None = None) -> dict:
        who, base = gate.managed(request, kb, "delete", doc)
        try:
            return {"doc": doc, "deleted_chunks": library.delete(base, doc, who.name), "kb": base.name}
        except KeyError:
            raise HTTPException(404, f"no document named '{doc}'") from None

    @app.post("/api/admin/kb/{name}/reindex")
    async def reindex_base(name: str, request: Request) -> dict:
        who, base = gate.managed(request, name, "reindex")
        report = await run_in_threadpool(library.reindex, base, who.name)
        return {"kb": base.name, "summary": report.summary(),
                "failed": [{"doc": r.doc, "reason": r.reason} for r in report.results if r.status == "failed"]}


def add_document_view_routes(app: FastAPI, gate: Gate) -> None:
    """/doc/{doc} (the cited span highlighted) and /doc/{doc}/page/{page} (a scanned page's image),
    opened by a link's signature or by credentials that may read the base."""
    library, access = gate.library, gate.access

    @app.get("/doc/{doc}", include_in_schema=False, response_class=HTMLResponse)
    def document_view(doc: str, request: Request, span: str | None = None, sig: str | None = None,
                      kb: str | None = None) -> HTMLResponse:
        """A cited document with the quoted span highlighted (links come from citations[].url)."""
        base = gate.doc_base(kb)
        if base is None:
            return HTMLResponse(_message_page("未找到该文档，它可能已被删除。"), status_code=404)
        if not gate.may_open(request, base, doc, sig):
            return HTMLResponse(_message_page("链接无效：请从回答的来源中打开原文。"), status_code=403)
        page = render_document(library.assistant(base).store, doc, span, access.link_secret(base),
                               gate.kb_param(base))
        if page is None:
            return HTMLResponse(_message_page("未找到该文档，它可能已被删除。"), status_code=404)
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @app.get("/doc/{doc}/page/{page}", include_in_schema=False)
    def document_page(doc: str, page: str, request: Request, sig: str | None = None,
                      kb: str | None = None) -> Response:
        """A scanned page's image for the document view: authorised like /doc (its `sig`, or a
        bearer token that may read the base); the document is looked up in the store, the page
        must be one OCR read. Errors are JSON."""
        base = gate.doc_base(kb)
        if base is None:
            return JSONResponse({"error": "no such document"}, status_code=404)
        if not gate.may_open(request, base, doc, sig):
            return JSONResponse({"error": "invalid link: open the page from an answer's sources"},
                                status_code=403)
        try:
            data = page_image(library.assistant(base).store, doc, page)
        except PageImageError as e:
            return JSONResponse({"error": str(e)}, status_code=e.status)
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})
