"""Issue 21's reproduction: a client names a server file as a Gradio FileData `path` in an event
called through Gradio's queue (the documents tab's upload event, or the chat's message list).
With the admin token set (wrong, empty or right) and unset, the server must not read, copy or
serve the file: nothing of it in the answer, nothing in Gradio's temporary folder, nothing at
/ui/gradio_api/file=…. A real server on 127.0.0.1, the real Gradio queue, a real store."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, LiveServer
from core.settings import load_settings
from policyqa.server import build_app

ADMIN = "adm-Paths-21"


def gradio_blocks(app):
    """The Blocks mounted at /ui (found through the app's routes, as any embedding code would)."""
    for route in app.routes:
        if getattr(route, "path", "") == "/ui":
            return route.app.get_blocks()
    raise AssertionError("no Gradio app mounted at /ui")


def fn_index(blocks, name: str) -> int:
    for index, fn in blocks.fns.items():
        if getattr(fn.fn, "__name__", "") == name:
            return index
    raise AssertionError(f"no Gradio event runs {name}")


def file_data(path: Path | str) -> dict:
    return {"path": str(path), "url": None, "orig_name": Path(path).name, "size": None,
            "mime_type": None, "is_stream": False, "meta": {"_type": "gradio.FileData"}}


def queue_call(base: str, fn: int, data: list) -> tuple[int, str]:
    """(status of the join, everything the client got back: the join's body and the stream)."""
    session = uuid.uuid4().hex[:10]
    body = {"data": data, "fn_index": fn, "trigger_id": None, "session_hash": session,
            "event_data": None}
    r = httpx.post(base + "/ui/gradio_api/queue/join", json=body, timeout=60)
    if r.status_code != 200:
        return r.status_code, r.text
    seen = [r.text]
    with httpx.stream("GET", base + "/ui/gradio_api/queue/data", params={"session_hash": session},
                      timeout=120) as stream:
        for line in stream.iter_lines():
            seen.append(line)
            if line.startswith("data:") and json.loads(line[5:]).get("msg") in (
                    "process_completed", "close_stream", "unexpected_error"):
                break
    return r.status_code, "\n".join(seen)


def upload_folder() -> Path:
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()).resolve()


def copies_in_upload_folder(name: str, marker: bytes | None) -> list[Path]:
    """Files in Gradio's temporary folder named like the target or holding its marker."""
    found = []
    root = upload_folder()
    if not root.exists():
        return found
    for path in root.rglob("*"):
        try:
            if path.is_file() and (path.name == name or (marker and marker in path.read_bytes())):
                found.append(path)
        except OSError:
            continue
    return found


def served_anything(base: str, reply: str, target: Path, marker: bytes | None) -> list[str]:
    """What /ui/gradio_api/file=… gives for the target and for every URL the reply named."""
    urls = {f"/ui/gradio_api/file={target}"}
    for piece in reply.split('"'):
        if "file=" in piece:
            urls.add("/ui/gradio_api/" + piece[piece.index("file="):])
    leaks = []
    for url in urls:
        r = httpx.get(base + url, timeout=30)
        if r.status_code == 200 and (marker is None or marker in r.content):
            leaks.append(url)
    return leaks


@pytest.fixture(scope="module")
def targets(tmp_path_factory):
    """A document-extension file (mode 600), a non-document file, each with its own marker."""
    home = tmp_path_factory.mktemp("victim")
    marker = uuid.uuid4().hex.encode()
    doc = home / f"私密通知-{marker.decode()[:8]}.txt"
    doc.write_bytes("关于内部事项的通知\n内部口令：".encode() + marker + "。\n".encode())
    os.chmod(doc, 0o600)
    other = home / f"service-{marker.decode()[:8]}.conf"
    other.write_bytes(b"password=" + marker + b"\n")
    return {"doc": (doc, marker), "other": (other, marker)}


def make(sample_store, tmp_path, **settings):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    app = build_app(load_settings(store=store, **settings))
    return app, store


@pytest.mark.parametrize("token", ["wrong", "", ADMIN])
def test_upload_event_never_reads_copies_or_serves_a_server_path(sample_store, tmp_path, targets, token):
    app, store = make(sample_store, tmp_path, admin_token=ADMIN)
    manifest = store / "policyqa.manifest.sqlite3"
    chunks_before = app.state.assistant.store.count_chunks()
    with LiveServer(app) as live:
        fn = fn_index(gradio_blocks(app), "on_upload")
        cases = [targets["doc"], targets["other"], (manifest, None), (ROOT / "README.md", None)]
        for target, marker in cases:
            status, reply = queue_call(live.base, fn, [token, [file_data(target)]])
            if marker:
                assert marker.decode() not in reply, (target, reply)
            assert str(target) not in reply.replace("\\/", "/") or status != 200, (target, reply)
            assert not copies_in_upload_folder(target.name, marker), (target, token)
            assert not served_anything(live.base, reply, target, marker), (target, token)
        # Nothing was indexed from a server path, with any token.
        store_ = app.state.assistant.store
        assert store_.count_chunks() == chunks_before
        assert not any(d["doc"].startswith(("私密通知", "service-", "policyqa.manifest", "README"))
                       for d in store_.documents())
        # The manifest is untouched and still the live database.
        assert (store / "policyqa.manifest.sqlite3-wal").exists()


def test_chat_event_never_copies_a_server_path_without_management(sample_store, tmp_path, targets):
    """Management off: no upload event, but the chat's message list can carry a FileData too."""
    app, store = make(sample_store, tmp_path)
    with LiveServer(app) as live:
        fn = fn_index(gradio_blocks(app), "stopped")
        for target, marker in (targets["doc"], targets["other"]):
            messages = [{"role": "user", "content": [{"type": "file", "file": file_data(target)}]}]
            status, reply = queue_call(live.base, fn, [messages])
            assert marker.decode() not in reply
            assert not copies_in_upload_folder(target.name, marker), target
            assert not served_anything(live.base, reply, target, marker), target


def test_refused_upload_returns_only_its_error(sample_store, tmp_path, targets):
    """A refused call gives its error and changes nothing else: no file value is handed back."""
    app, _ = make(sample_store, tmp_path, admin_token=ADMIN)
    with LiveServer(app) as live:
        fn = fn_index(gradio_blocks(app), "on_upload")
        doc, marker = targets["doc"]
        status, reply = queue_call(live.base, fn, ["wrong", [file_data(doc)]])
        assert "gradio.FileData" not in reply and "file=" not in reply, reply


def test_gradio_serves_no_files(sample_store, tmp_path):
    """Gradio's file routes are closed: nothing under the temp folder, the working folder or the
    store is served to anyone, whatever the path spelling."""
    app, store = make(sample_store, tmp_path, admin_token=ADMIN)
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    planted = folder / f"planted-{uuid.uuid4().hex}.txt"
    planted.write_text("planted\n", encoding="utf-8")
    try:
        with LiveServer(app) as live:
            for path in (planted, ROOT / "README.md", store / "policyqa.manifest.sqlite3"):
                for url in (f"/ui/gradio_api/file={path}", f"/ui/gradio_api/file/{path}",
                            f"/ui//gradio_api/file={path}", f"/ui/gradio_api/./file={path}"):
                    r = httpx.get(live.base + url, timeout=30)
                    assert r.status_code in (403, 404), (url, r.status_code)
                    assert r.json()["error"], url
    finally:
        planted.unlink(missing_ok=True)


def test_admin_upload_through_the_queue_still_indexes_from_bytes(sample_store, tmp_path):
    """The documents tab's real flow: the upload route (admin token) stores the bytes, the event
    (admin token in the header, as the page sends it) indexes them and removes the copy. Without
    the header the event is refused before Gradio sees it."""
    import io

    app, _ = make(sample_store, tmp_path, admin_token=ADMIN)
    notice = "关于队列上传测试的通知\n一、队列上传的文件经管理令牌校验后索引。\n二、测试补贴每人每年八百元。\n"
    with LiveServer(app) as live:
        fn = fn_index(gradio_blocks(app), "on_upload")
        r = httpx.post(live.base + "/ui/gradio_api/upload", headers={"X-Admin-Token": ADMIN}, timeout=30,
                       files={"files": ("队列上传通知.txt", io.BytesIO(notice.encode()), "text/plain")})
        stored = Path(r.json()[0])
        body = {"data": [ADMIN, [file_data(stored)]], "fn_index": fn, "trigger_id": None,
                "session_hash": "s21queue", "event_data": None}
        r = httpx.post(live.base + "/ui/gradio_api/queue/join", json=body, timeout=30)
        assert r.status_code == 401 and "管理令牌" in r.json()["error"], r.text
        assert stored.exists()
        r = httpx.post(live.base + "/ui/gradio_api/queue/join", json=body, timeout=30,
                       headers={"X-Admin-Token": ADMIN})
        assert r.status_code == 200, r.text
        with httpx.stream("GET", live.base + "/ui/gradio_api/queue/data", timeout=120,
                          params={"session_hash": "s21queue"}) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:") and json.loads(line[5:]).get("msg") == "process_completed":
                    break
        docs = {d["doc"] for d in app.state.assistant.store.documents()}
        assert "队列上传通知.txt" in docs
        assert not stored.exists()
