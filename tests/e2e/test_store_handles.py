"""Issue 21's lost write: nothing but the store opens the store's SQLite files in the server's
process (a foreign open and close drops SQLite's POSIX locks, so another process's close then
deletes the live -wal/-shm), and vectors that no committed chunk owns are swept on open even
when no interrupted write was recorded. The real server on 127.0.0.1, the real CLI in its own
process, real Chroma."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from conftest import EMBED_CACHE, ROOT, LiveServer
from policyqa.assistant import Assistant
from core.settings import load_settings
from core.integrity import check
from policyqa.server import build_app
from test_gradio_paths import file_data, fn_index, gradio_blocks, queue_call

ADMIN = "adm-Handles-21"
NOTICE = ("关于数据持久性测试的通知\n一、已确认的上传在重启后必须仍然存在。\n"
          "二、测试经费每年不少于五万元。\n").encode()


def cli(store: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env.update(POLICYQA_STORE=str(store), POLICYQA_EMBED_CACHE=str(EMBED_CACHE),
               OMP_WAIT_POLICY="PASSIVE", OMP_NUM_THREADS="1", ANONYMIZED_TELEMETRY="False",
               PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "policyqa.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_acknowledged_upload_survives_the_repro_sequence_and_a_restart(sample_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    manifest = store / "policyqa.manifest.sqlite3"
    app = build_app(load_settings(store=store, admin_token=ADMIN))
    with LiveServer(app) as live:
        # 1. A visitor names the manifest in the upload event (wrong token, then the right one).
        fn = fn_index(gradio_blocks(app), "on_upload")
        for token in ("wrong", ADMIN):
            queue_call(live.base, fn, [token, [file_data(manifest)]])
        # 2. An ordinary CLI read of the same store, in another process.
        listed = cli(store, "docs")
        assert listed.returncode == 0, listed.stderr[-2000:]
        assert (store / "policyqa.manifest.sqlite3-wal").exists(), "the live WAL was deleted"
        # 3. An upload the server acknowledges.
        r = httpx.post(live.base + "/api/documents", headers={"X-Admin-Token": ADMIN}, timeout=300,
                       files={"file": ("持久性测试通知.txt", io.BytesIO(NOTICE), "text/plain")})
        assert r.status_code == 200 and r.json()["status"] == "indexed", r.text
        assert httpx.get(live.base + "/api/health", timeout=30).status_code == 200
    app.state.assistant.store.close()
    # 4. Restart: the acknowledged upload is there and the store is consistent.
    again = Assistant(load_settings(store=store, sample_corpus=tmp_path / "none"))
    try:
        assert "持久性测试通知.txt" in {d["doc"] for d in again.store.documents()}
        result = check(again.store)
        assert result.ok, result.summary()
    finally:
        again.store.close()


def test_orphan_vectors_are_swept_on_open_without_a_pending_write(sample_store, tmp_path):
    """A committed write whose manifest transaction was lost (as with a deleted WAL) leaves
    vectors no chunk owns and no `pending_writes` row: the next open sweeps them anyway."""
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    settings = load_settings(store=store, sample_corpus=tmp_path / "none")
    first = Assistant(settings)
    coll = first.store.vectors.collection
    some = coll.get(limit=1, include=["embeddings"])
    coll.upsert(ids=["orphan-from-a-lost-commit"], embeddings=[list(some["embeddings"][0])],
                documents=["孤立向量"], metadatas=[{"doc": "lost.txt"}])
    assert first.store._db.execute("SELECT COUNT(*) FROM pending_writes").fetchone()[0] == 0
    assert not check(first.store).ok
    first.store.close()
    second = Assistant(settings)
    try:
        result = check(second.store)
        assert result.ok and "orphan-from-a-lost-commit" not in result.orphan_vectors, result.summary()
    finally:
        second.store.close()


def test_the_server_process_never_opens_the_store_databases_itself(sample_store, tmp_path):
    """Once the app is built, a Python-level open of the store's SQLite files — the way Gradio
    copied a client-named path — is refused in this process; SQLite's own handles go on."""
    import shutil as sh

    import pytest

    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    app = build_app(load_settings(store=store, admin_token=ADMIN))
    for name in ("policyqa.manifest.sqlite3", "policyqa.manifest.sqlite3-wal", "feedback.sqlite3"):
        with pytest.raises(PermissionError, match="opened by the store only"):
            open(store / name, "rb")
        with pytest.raises(PermissionError):
            sh.copy(store / name, tmp_path / "copy")
        with pytest.raises(PermissionError):
            os.open(str(store / "." / name), os.O_RDONLY)
    assert (store / "policyqa.manifest.sqlite3-wal").exists()
    (store / "notes.txt").write_text("other files are not guarded", encoding="utf-8")
    with LiveServer(app) as live:
        r = httpx.post(live.base + "/api/documents", headers={"X-Admin-Token": ADMIN}, timeout=300,
                       files={"file": ("守卫测试通知.txt", io.BytesIO(NOTICE), "text/plain")})
        assert r.status_code == 200 and r.json()["status"] == "indexed", r.text
        r = httpx.post(live.base + "/api/feedback", json={"rating": "up", "question": "守卫"}, timeout=30)
        assert r.status_code == 200
    assert check(app.state.assistant.store).ok
    app.state.assistant.store.close()
