"""The audit log (issue 23): administrative actions through the API and the CLI are recorded
with who, when, what and the result; the log cannot be rewritten; CSV from both."""

from __future__ import annotations

import csv
import io
import sqlite3

import httpx
import pytest

from conftest import serving_two_bases
from policyqa.cli import main

ADMIN = "adm-tok-audit"


@pytest.fixture(scope="module")
def served(two_bases, tmp_path_factory):
    with serving_two_bases(two_bases, tmp_path_factory, "audit", ADMIN) as (live, store):
        yield live.base, store


def test_every_administrative_action_is_recorded(served):
    base, _ = served
    admin = {"Authorization": f"Bearer {ADMIN}"}
    r = httpx.post(base + "/api/admin/keys", headers=admin, json={"name": "ops-a", "roles": {"组织部": ["manage"]}})
    ops = {"Authorization": "Bearer " + r.json()["token"]}
    files = {"file": ("n.txt", "组织部通知\n每个社区配备专职党务工作者2名。".encode(), "text/plain")}
    assert httpx.post(base + "/api/documents", params={"kb": "组织部"}, files=files, headers=ops, timeout=60).status_code == 200
    assert httpx.post(base + "/api/documents", params={"kb": "民政局"}, files=files, headers=ops).status_code == 404
    assert httpx.delete(base + "/api/documents/n.txt", params={"kb": "组织部"}, headers=ops).status_code == 200
    assert httpx.post(base + "/api/admin/kb/组织部/reindex", headers=ops, timeout=120).status_code == 200
    assert httpx.post(base + "/api/admin/kb", headers=admin, json={"name": "人社局"}).status_code == 200
    assert httpx.patch(base + "/api/admin/kb/人社局", headers=admin, json={"name": "人社"}).status_code == 200
    assert httpx.delete(base + "/api/admin/kb/人社", headers=admin).status_code == 200
    assert httpx.delete(base + "/api/admin/keys/ops-a", headers=admin).status_code == 200
    entries = httpx.get(base + "/api/admin/audit", headers=admin).json()
    got = [(e["who"], e["action"], e["kb"], e["target"], e["result"]) for e in reversed(entries)]
    assert got[-9:] == [
        ("admin-token", "key.create", "", "ops-a", "ok"),
        ("ops-a", "upload", "组织部", "n.txt", "ok"),
        ("ops-a", "upload", "民政局", "n.txt", "refused"),
        ("ops-a", "delete", "组织部", "n.txt", "ok"),
        ("ops-a", "reindex", "组织部", "", "ok"),
        ("admin-token", "kb.create", "人社局", "", "ok"),
        ("admin-token", "kb.rename", "人社局", "", "ok"),
        ("admin-token", "kb.delete", "人社", "", "ok"),
        ("admin-token", "key.revoke", "", "ops-a", "ok"),
    ]
    assert all(e["time"] and e["at"] > 0 for e in entries)
    r = httpx.get(base + "/api/admin/audit", params={"format": "csv"}, headers=admin)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows[0]["action"] == "key.revoke" and rows[0]["who"] == "admin-token"
    assert httpx.get(base + "/api/admin/audit", params={"format": "xml"}, headers=admin).status_code == 400


def test_the_log_cannot_be_rewritten_and_the_cli_reads_it(served, capsys):
    _, store = served
    db = sqlite3.connect(store / "deployment.sqlite3")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit_log SET result='ok'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM audit_log")
    db.close()
    assert main(["key", "create", "reader", "--kb", "民政局:ask,read", "--store", str(store)]) == 0
    capsys.readouterr()
    assert main(["audit", "--csv", "--limit", "1", "--store", str(store)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["who"].startswith("cli"), r["action"], r["target"], r["detail"]) for r in rows] == [
        (True, "key.create", "reader", "民政局:ask,read")]


def test_a_formula_in_a_name_is_text_in_the_csv(served):
    base, _ = served
    admin = {"Authorization": f"Bearer {ADMIN}"}
    files = {"file": ("=cmd.txt", "民政局通知\n测试。".encode(), "text/plain")}
    httpx.post(base + "/api/documents", params={"kb": "民政局"}, files=files, headers=admin, timeout=60)
    r = httpx.get(base + "/api/admin/audit", params={"format": "csv", "limit": 1}, headers=admin)
    assert list(csv.DictReader(io.StringIO(r.text)))[0]["target"] == "'=cmd.txt"
