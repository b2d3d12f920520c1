"""Uploads over HTTP: the multipart form's files (field `file` or `files`, one or several) read
within bounds and indexed one by one, each result said in the caller's language. Used by
`POST /api/documents` and the admin console's `POST /api/admin/documents`; the writes go through
the Library (`library.upload`: audited)."""

from __future__ import annotations

from fastapi import HTTPException, UploadFile
from starlette.concurrency import run_in_threadpool

from ingest.loaders import MAX_FILE_BYTES
from policyqa.admin import result_json

MAX_FILES = 20  # per request (the request body is bounded too: policyqa/guards.py)
FIELDS_HELP = ("Send the file(s) as multipart/form-data, field `file` or `files` (either name; "
               f"one or several, at most {MAX_FILES} per request, {MAX_FILE_BYTES // 1_048_576} MiB each).")

_WORDS = {
    "en": {"none": "no file received: " + FIELDS_HELP,
           "many": f"too many files in one request (at most {MAX_FILES}); send them in several requests",
           "large": "{name}: the file is too large (limit {limit} MiB); split it and upload the parts"},
    "zh": {"none": "没有收到文件：请以 multipart/form-data 表单字段 file 或 files 发送文件。",
           "many": f"一次最多上传 {MAX_FILES} 个文件，请分批上传。",
           "large": "「{name}」超过大小上限（{limit} MiB），请拆分为较小的文件后分别上传。"},
}


async def receive(uploads: list[UploadFile], lang: str = "en") -> list[tuple[str, bytes]]:
    """(client file name, bytes) of each uploaded file, or an HTTP error saying what to change."""
    w = _WORDS["zh" if lang == "zh" else "en"]
    if not uploads:
        raise HTTPException(422, w["none"])
    if len(uploads) > MAX_FILES:
        raise HTTPException(413, w["many"])
    out = []
    for upload in uploads:
        data = await upload.read(MAX_FILE_BYTES + 1)
        name = upload.filename or "upload.txt"
        if len(data) > MAX_FILE_BYTES:
            raise HTTPException(413, w["large"].format(name=name, limit=MAX_FILE_BYTES // 1_048_576))
        out.append((name, data))
    return out


async def index(library, kb, who: str, files: list[tuple[str, bytes]], lang: str = "en") -> tuple[dict, int]:
    """Index each file into the base `kb` through the Library (each upload in the audit log,
    by `who`); → (response body, status). One file: its result's fields at the top
    (as before), plus `results`; a file that fails is a 422 whose `error` says why. Several:
    `results`, `indexed`, `failed`; 422 only when none was indexed."""
    results = []
    for name, data in files:
        result = await run_in_threadpool(library.upload, kb, data, name, who)
        results.append(result_json(result, lang))
    bad = [r for r in results if r["status"] in ("failed", "skipped")]
    body = {"results": results, "indexed": sum(r["status"] in ("indexed", "updated") for r in results),
            "failed": len(bad)}
    if len(results) == 1:
        body = {**results[0], **body}
    if bad and len(bad) == len(results):
        error = "; ".join(r["message"] if lang == "zh" else f"{r['doc']}: {r['reason']}" for r in bad)
        return {"error": error, **body}, 422
    return body, 200


__all__ = ["FIELDS_HELP", "MAX_FILES", "index", "receive"]
