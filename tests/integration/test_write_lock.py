"""An upload holds the write lock only for its write: while a long document is loaded, split
and embedded, another write (a delete) goes through. Real store, real embedder, real threads."""

from __future__ import annotations

import random
import shutil
import threading
import time
import uuid

from policyqa.assistant import Assistant
from core.settings import load_settings


def long_unique_document(lines: int = 250) -> bytes:
    rng = random.Random(uuid.uuid4().int)  # never in the embedding cache
    words = "经费 保障 社区 服务 补贴 建设 管理 办法 规定 通知 单位 街道 财政 项目 考核 资金 设施 人员".split()
    body = [f"第{i + 1}条 " + "".join(rng.choice(words) for _ in range(12)) + f"，每年{rng.randint(1, 999)}万元。"
            for i in range(lines)]
    return ("关于长文件上传测试的通知\n" + "\n".join(body) + "\n").encode("utf-8")


def test_a_delete_goes_through_while_a_long_upload_is_prepared(sample_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    assistant = Assistant(load_settings(store=store, sample_corpus=tmp_path / "none"))
    victim = assistant.store.documents()[0]["doc"]
    result = {}
    upload = threading.Thread(target=lambda: result.update(r=assistant.ingest_upload(long_unique_document(), "长文件.txt")))
    started = time.monotonic()
    upload.start()
    time.sleep(1.0)  # the upload is loading and embedding its ~250 new sentences by now
    assert upload.is_alive(), "the upload finished too soon to tell"
    deleted = assistant.delete(victim)
    delete_done = time.monotonic() - started
    upload_running = upload.is_alive()
    upload.join(timeout=600)
    assert deleted > 0
    assert upload_running, f"the delete waited for the whole upload ({delete_done:.1f} s)"
    assert result["r"].status == "indexed", result["r"]
    docs = {d["doc"] for d in assistant.store.documents()}
    assert "长文件.txt" in docs and victim not in docs
    from core.integrity import check

    assert check(assistant.store).ok
    assistant.store.close()
