"""Issue 21's lower findings, against the real server on 127.0.0.1: credentials compared as
bytes, one error schema for every error, document ids without control or bidi characters,
document text in the chat rendered without Markdown links or images."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys

import httpx
import pytest

from conftest import EMBED_CACHE, ROOT, LiveServer
from core.settings import load_settings
from policyqa.server import build_app

ADMIN = "adm-Hard-21"
CHAT = "chat-Hard-21"
NOTICE = "关于加固测试的通知\n一、测试补贴每人每年九百元。\n二、由区财政统一保障。\n"


@pytest.fixture(scope="module")
def served(sample_store, tmp_path_factory):
    store = tmp_path_factory.mktemp("hard") / "store"
    shutil.copytree(sample_store, store)
    app = build_app(load_settings(store=store, admin_token=ADMIN, chat_token=CHAT, rate_limit=100_000))
    with LiveServer(app) as live:
        yield app, live.base, store


# --- credentials ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["令牌", "tökén", "\u202eadm"])
def test_non_ascii_credentials_are_refused_not_errors(served, value):
    _, base, _ = served
    raw = value.encode("utf-8")
    r = httpx.post(base + "/api/ask", json={"question": "经费"}, timeout=30,
                   headers={"Authorization": b"Bearer " + raw})
    assert r.status_code == 401 and "chat token" in r.json()["error"], r.text
    r = httpx.get(base + "/api/documents", headers={"Authorization": b"Bearer " + raw}, timeout=30)
    assert r.status_code == 401, r.text
    for headers in ({"X-Admin-Token": raw}, {"Authorization": b"Bearer " + raw}):
        r = httpx.post(base + "/api/documents", headers=headers, timeout=30,
                       files={"file": ("a.txt", io.BytesIO(NOTICE.encode()), "text/plain")})
        assert r.status_code == 401 and "admin token" in r.json()["error"], r.text
        r = httpx.delete(base + "/api/documents/x.txt", headers=headers, timeout=30)
        assert r.status_code == 401, r.text
        r = httpx.post(base + "/ui/gradio_api/upload", headers=headers, timeout=30,
                       files={"files": ("a.txt", io.BytesIO(NOTICE.encode()), "text/plain")})
        assert r.status_code == 401, r.text
    r = httpx.get(base + "/doc/x.txt", params={"sig": value}, timeout=30)
    assert r.status_code == 403 and "链接无效" in r.text


# --- one error schema -------------------------------------------------------------------------

def test_every_error_is_one_json_schema(served):
    _, base, _ = served
    auth = {"Authorization": f"Bearer {CHAT}", "Content-Type": "application/json"}
    cases = [
        (lambda: httpx.get(base + "/no/such/route"), 404, "no such route"),
        (lambda: httpx.get(base + "/api/nothing-here"), 404, "no such route"),
        (lambda: httpx.put(base + "/api/ask", headers=auth), 405, "not allowed"),
        (lambda: httpx.post(base + "/api/ask", headers=auth, content=b'{"question": "\xff\xfe\xfd"}'),
         400, "UTF-8 JSON"),
        (lambda: httpx.post(base + "/api/ask", headers=auth,
                            content=b'{"question": "q", "history": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"),
         400, "could not be read"),
        (lambda: httpx.post(base + "/api/ask", headers=auth, content=b"{"), 422, "invalid request"),
        (lambda: httpx.get(base + "/ui/gradio_api/no-such-thing"), 404, "Not Found"),
        (lambda: httpx.post(base + "/ui/gradio_api/queue/join", json={"data": []}), 400, "Session hash"),
    ]
    for call, status, words in cases:
        r = call()
        assert r.status_code == status, (words, r.status_code, r.text[:300])
        assert r.headers["content-type"].startswith("application/json"), r.headers
        body = r.json()
        assert isinstance(body.get("error"), str) and words in body["error"], body
        assert set(body) <= {"error", "detail"}, body


# --- document ids -----------------------------------------------------------------------------

BAD_NAME = "通知\x1b[31m红字\x1b[0m\u202etxt.exe\u2066.txt"


def test_upload_names_lose_control_and_bidi_characters(served):
    app, base, store = served
    r = httpx.post(base + "/api/documents", headers={"X-Admin-Token": ADMIN}, timeout=300,
                   files={"file": (BAD_NAME, io.BytesIO(NOTICE.encode()), "text/plain")})
    assert r.status_code == 200, r.text
    doc = r.json()["doc"]
    assert doc.isprintable() and "\x1b" not in doc and "\u202e" not in doc, ascii(doc)
    assert "\\x1b" in doc and "\\u202e" in doc  # kept visible as escapes
    assert doc in {d["doc"] for d in app.state.assistant.store.documents()}


def test_cli_lists_documents_without_raw_escape_sequences(sample_store, tmp_path):
    """A document whose title carries a terminal escape and an RTL override (as a store written
    before names and titles were checked may hold), listed by `policyqa docs` in its own
    process: escapes shown, never written raw."""
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "escape.txt").write_text(NOTICE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env.update(POLICYQA_STORE=str(store), POLICYQA_EMBED_CACHE=str(EMBED_CACHE), PYTHONPATH=str(ROOT),
               OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE", ANONYMIZED_TELEMETRY="False")
    run = lambda *a: subprocess.run([sys.executable, "-m", "policyqa.cli", *a], env=env, cwd=ROOT,
                                    capture_output=True, text=True, timeout=300)
    ingested = run("ingest", str(folder))
    assert ingested.returncode == 0, ingested.stderr[-2000:]
    import sqlite3

    with sqlite3.connect(store / "policyqa.manifest.sqlite3") as db:  # no server holds the store
        db.execute("UPDATE documents SET title=? WHERE doc='escape.txt'", ("关于\x1b]0;pwned\x07测试\u202e的通知",))
    db.close()
    listed = run("docs")
    assert listed.returncode == 0, listed.stderr[-2000:]
    line = next(l for l in listed.stdout.splitlines() if l.startswith("escape.txt"))
    assert "\x1b" not in listed.stdout and "\x07" not in listed.stdout and "\u202e" not in listed.stdout
    assert "\\x1b" in line and "\\u202e" in line, line


# --- document text in the chat ----------------------------------------------------------------

def test_document_markdown_never_renders_as_links_or_images():
    """The chat renders messages as Markdown: a document's link, image, autolink, e-mail or
    www. address reaches the page as text (rendered here with a CommonMark renderer)."""
    from markdown_it import MarkdownIt

    from policyqa import ui_render
    from core.records import Answer

    text = ("请点击[官方通知](http://evil.example/login)办理，![公章](http://evil.example/seal.png)，"
            "<http://evil.example/auto>，或访问 www.evil.example、https://evil.example/x，"
            "邮件 boss@evil.example。*重要* `代码` | 表 |")
    message = ui_render.format_answer(Answer(text=text, citations=(), hits=(), declined=False, query="q"))
    rendered = MarkdownIt("commonmark").render(message)
    assert "<a " not in rendered and "<img" not in rendered and "<em>" not in rendered
    assert "<code>" not in rendered
    for raw in ("](", "![", "://", "www.", "@"):
        assert raw not in message, raw  # nothing for a GFM autolinker either
    assert ui_render.strip_sources(message) == text  # the history sent back is the original text
    assert "[官方通知](http://evil.example/login)" in __import__("html").unescape(rendered)
