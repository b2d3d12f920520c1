"""Administration over the API (an administrator's token): knowledge bases (list, create,
rename, open or close, delete), access keys (list, create, revoke) and the audit log."""

from __future__ import annotations

from fastapi import FastAPI, Query, Request
from fastapi.responses import Response

from core import store_files
from policyqa.api_schemas import BaseChange, BaseRequest, KeyRequest
from policyqa.errors import UserError
from policyqa.gate import Gate


def add_admin_routes(app: FastAPI, gate: Gate) -> None:
    library, audit, administrator = gate.library, gate.audit, gate.administrator

    @app.get("/api/admin/kb")
    def list_bases(request: Request) -> list[dict]:
        administrator(request, "")
        default = library.bases.default()
        out = []
        for kb in library.bases.list():
            store = library.assistant(kb).store
            out.append({**kb.to_json(), "documents": len(store.documents()), "chunks": store.count_chunks(),
                        "default": default is not None and kb.collection == default.collection})
        return out

    @app.post("/api/admin/kb")
    def create_base(body: BaseRequest, request: Request) -> dict:
        who = administrator(request, "kb.create", body.name)
        kb = library.create_base(body.name, body.public, who.name)
        store_files.guard(library.assistant(kb).settings.store)
        return kb.to_json()

    @app.patch("/api/admin/kb/{name}")
    def change_base(name: str, body: BaseChange, request: Request) -> dict:
        who = administrator(request, "kb.rename", name)
        kb = library.bases.get(name)
        if body.public is not None and body.public != kb.public:
            kb = library.set_public(kb.name, body.public, who.name)
        if body.name is not None and body.name != kb.name:
            kb = library.rename_base(kb.name, body.name, who.name)
        return kb.to_json()

    @app.delete("/api/admin/kb/{name}")
    def delete_base(name: str, request: Request) -> dict:
        who = administrator(request, "kb.delete", name)
        return {"name": name, "deleted_documents": library.delete_base(name, who.name)}

    @app.get("/api/admin/keys")
    def list_keys(request: Request) -> list[dict]:
        administrator(request, "")
        return [k.to_json() for k in library.keys.list(library.bases)]

    @app.post("/api/admin/keys")
    def create_key(body: KeyRequest, request: Request) -> dict:
        who = administrator(request, "key.create", body.name)
        token = library.create_key(body.name, body.roles, who.name, identity=body.identity)
        return {"name": body.name, "token": token,
                "note": "令牌只显示这一次，请妥善保存。The token is shown this once only."}

    @app.delete("/api/admin/keys/{name}")
    def revoke_key(name: str, request: Request) -> dict:
        who = administrator(request, "key.revoke", name)
        library.revoke_key(name, who.name)
        return {"name": name, "revoked": True}

    @app.get("/api/admin/audit")
    def audit_log(request: Request, format: str = "json", limit: int = Query(1000, ge=1, le=100_000)):
        administrator(request, "")
        if format == "csv":
            return Response(audit.csv(limit), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="policyqa-audit.csv"'})
        if format != "json":
            raise UserError("format 只能是 json 或 csv。", "format is json or csv")
        return [e.to_json() for e in audit.entries(limit)]
