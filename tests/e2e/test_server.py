"""The real server on 127.0.0.1: API schema, auth, origins, errors, SSE, UI page."""

from __future__ import annotations

import json
import shutil

import httpx
import pytest

from conftest import LiveServer
from core.settings import load_settings
from policyqa.server import build_app

ALLOWED = "http://127.0.0.2:8123"


@pytest.fixture(scope="module")
def server(sample_store, tmp_path_factory):
    store = tmp_path_factory.mktemp("srv") / "store"
    shutil.copytree(sample_store, store)
    settings = load_settings(store=store, admin_token="s3cret-admin", allowed_origins=ALLOWED)
    app = build_app(settings)
    with LiveServer(app) as live:
        yield live.base


def test_ask_returns_the_documented_schema(server):
    r = httpx.post(server + "/api/ask", timeout=60, json={
        "question": "How many organization cadres did Tongchuan send to their liaison points after the Spring Festival?"})
    assert r.status_code == 200
    body = r.json()
    assert {"answer", "citations", "retrieved", "declined", "answer_id"} <= body.keys()
    assert any(c["doc"] == "001_04a2f7de591a3251.txt" for c in body["citations"])
    assert "100多名" in body["answer"]


def test_stream_sends_tokens_then_answer_then_done(server):
    events = []
    with httpx.stream("POST", server + "/api/ask/stream", json={"question": "长春基层党组织的月例会制度是怎么规定的？"},
                      timeout=60) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("event: "):
                events.append(line[7:])
    # stages as they start, then the answer's pieces, the final answer and done
    assert events[:2] == ["stage", "stage"], events
    assert events[2] == "token" and "answer" in events and events[-1] == "done"


def test_management_needs_the_admin_token(server):
    files = {"file": ("note.txt", "某区每个社区配备专职党务工作者2名。".encode(), "text/plain")}
    assert httpx.post(server + "/api/documents", files=files).status_code == 401
    assert httpx.delete(server + "/api/documents/001_04a2f7de591a3251.txt").status_code == 401
    bad = httpx.post(server + "/api/documents", files=files, headers={"Authorization": "Bearer wrong"})
    assert bad.status_code == 401 and "admin token" in bad.json()["error"]
    assert "s3cret" not in bad.text


def test_upload_ask_delete_round_trip(server):
    auth = {"Authorization": "Bearer s3cret-admin"}
    files = {"file": ("../../etc/evil name.txt", "测试区每个社区配备专职党务工作者7名。".encode(), "text/plain")}
    r = httpx.post(server + "/api/documents", files=files, headers=auth, timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["doc"] == "evil name.txt"  # only the base name, never a path
    docs = [d["doc"] for d in httpx.get(server + "/api/documents").json()]
    assert "evil name.txt" in docs
    a = httpx.post(server + "/api/ask", json={"question": "测试区每个社区配备几名专职党务工作者？"}, timeout=60).json()
    assert "7名" in a["answer"]
    assert httpx.delete(server + "/api/documents/evil name.txt", headers=auth).status_code == 200
    assert "evil name.txt" not in [d["doc"] for d in httpx.get(server + "/api/documents").json()]
    assert httpx.delete(server + "/api/documents/evil name.txt", headers=auth).status_code == 404


def test_bad_upload_is_a_clear_error(server):
    auth = {"Authorization": "Bearer s3cret-admin"}
    r = httpx.post(server + "/api/documents", files={"file": ("x.exe", b"MZ\x00\x01", "application/octet-stream")},
                   headers=auth)
    assert r.status_code == 422 and "unsupported" in r.json()["error"]


def test_upload_takes_field_file_or_files_one_or_several_and_the_docs_say_so(server):
    auth = {"Authorization": "Bearer s3cret-admin"}
    one = [("files", ("甲.txt", "关于甲区社区工作的通知\n\n甲区每个社区配备网格员3名。".encode(), "text/plain"))]
    r = httpx.post(server + "/api/documents", files=one, headers=auth, timeout=60)
    assert r.status_code == 200 and r.json()["doc"] == "甲.txt" and r.json()["status"] == "indexed", r.text
    several = [("files", ("乙.txt", "关于乙区社区工作的通知\n\n乙区每个社区配备网格员4名。".encode(), "text/plain")),
               ("file", ("丙.pdf", b"%PDF-1.7 broken", "application/pdf"))]
    r = httpx.post(server + "/api/documents?lang=zh", files=several, headers=auth, timeout=60)
    body = r.json()
    assert r.status_code == 200 and body["indexed"] == 1 and body["failed"] == 1, r.text
    by_doc = {x["doc"]: x for x in body["results"]}
    assert by_doc["乙.txt"]["status"] == "indexed"
    assert by_doc["丙.pdf"]["kind"] == "corrupt" and by_doc["丙.pdf"]["message"].startswith("「丙.pdf」文件已损坏")
    r = httpx.post(server + "/api/documents", data={"x": "1"}, files=[("other", ("a.txt", b"x", "text/plain"))],
                   headers=auth)
    assert r.status_code == 422 and "field `file` or `files`" in r.json()["error"]
    upload = httpx.get(server + "/openapi.json").json()["paths"]["/api/documents"]["post"]
    assert "`file` or `files`" in upload["description"]
    schema = json.dumps(httpx.get(server + "/openapi.json").json()["components"])
    assert '"file"' in schema and '"files"' in schema
    for doc in ("甲.txt", "乙.txt"):
        assert httpx.delete(server + f"/api/documents/{doc}", headers=auth).status_code == 200


def test_origins_are_enforced(server):
    ok = httpx.post(server + "/api/ask", json={"question": "经费"}, headers={"Origin": ALLOWED}, timeout=60)
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == ALLOWED
    bad = httpx.post(server + "/api/ask", json={"question": "经费"}, headers={"Origin": "http://evil.example"})
    assert bad.status_code == 403 and "not allowed" in bad.json()["error"]
    page = httpx.get(server + "/ui/", follow_redirects=True)
    assert page.status_code == 200 and ALLOWED in page.headers["content-security-policy"]


def test_errors_are_json(server):
    r = httpx.post(server + "/api/ask", json={"question": ""})
    assert r.status_code == 422 and "question" in r.json()["error"]
    r = httpx.post(server + "/api/ask", content=b"not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "error" in r.json()
    assert httpx.get(server + "/api/health").json()["status"] == "ok"


def test_feedback_is_stored(server, tmp_path):
    r = httpx.post(server + "/api/feedback", json={"rating": "up", "question": "经费怎么保障？",
                                                    "answer": "不低于8万元[1]", "citations": [{"doc": "a.txt", "quote": "q"}]})
    assert r.status_code == 200 and r.json()["ok"]
    assert httpx.post(server + "/api/feedback", json={"rating": "meh", "question": "x"}).status_code == 422


def test_widget_js_and_openapi(server):
    js = httpx.get(server + "/widget.js")
    assert js.status_code == 200 and "attachShadow" in js.text
    spec = httpx.get(server + "/openapi.json").json()
    assert {"/api/ask", "/api/ask/stream", "/api/documents", "/api/feedback", "/api/health"} <= spec["paths"].keys()


def test_chat_token_when_configured(sample_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    from fastapi.testclient import TestClient

    client = TestClient(build_app(load_settings(store=store, chat_token="chat-tok")),
                        base_url="http://127.0.0.1")  # a Host the server answers to
    assert client.post("/api/ask", json={"question": "经费"}).status_code == 401
    assert client.post("/api/ask", json={"question": "经费"},
                       headers={"Authorization": "Bearer chat-tok"}).status_code == 200
    # management is off without an admin token
    assert client.delete("/api/documents/x.txt", headers={"Authorization": "Bearer chat-tok"}).status_code == 403
    assert json.loads(client.get("/api/health").text)["documents"] == 5
