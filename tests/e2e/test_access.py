"""Who may see what (issue 23): two private bases, keys with roles on one of them, and every
route a caller can reach walked with each key against the real server on 127.0.0.1 — a key for
组织部 never receives anything of 民政局 (a passage, a citation, a document view or page image, a
suggestion, a document list entry, a model)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from conftest import create_keys, leaks_of_b, serving_two_bases

ADMIN = "adm-tok-23"


@pytest.fixture(scope="module")
def served(two_bases, tmp_path_factory):
    with serving_two_bases(two_bases, tmp_path_factory, "access", ADMIN, identity_header="X-Remote-User",
                           identity_proxies="127.0.0.2") as (live, store):
        admin = {"Authorization": f"Bearer {ADMIN}"}
        tokens = create_keys(live.base, ADMIN, {"a-reader": {"组织部": ["ask", "read"]}, "a-asker": {"组织部": ["ask"]},
                                                "b-reader": {"民政局": ["ask", "read"]}})
        keys = {name: {"Authorization": "Bearer " + token} for name, token in tokens.items()}
        r = httpx.post(live.base + "/api/admin/keys", headers=admin,
                       json={"name": "zhang.san", "roles": {"民政局": ["ask"]}, "identity": True})
        assert r.status_code == 200 and r.json()["token"] is None
        collections = {kb.name: kb.collection for kb in live.app.state.library.bases.list()}
        yield live.base, keys, collections


def ask(base, headers, question, kb=None, path="/api/ask"):
    body = {"question": question, **({"kb": kb} if kb is not None else {})}
    return httpx.post(base + path, json=body, headers=headers, timeout=60)


def stream(base, headers, question, kb=None) -> tuple[int, str]:
    body = {"question": question, **({"kb": kb} if kb is not None else {})}
    with httpx.stream("POST", base + "/api/ask/stream", json=body, headers=headers, timeout=60) as r:
        return r.status_code, "".join(r.iter_text())


def test_a_key_asks_its_own_base_and_gets_cited_answers(served):
    base, keys, _ = served
    r = ask(base, keys["a-reader"], "社区党组织每年工作经费不低于多少？")
    assert r.status_code == 200, r.text
    body = r.json()
    assert not body["declined"] and "8万元" in body["answer"] and body["kb"] == "组织部"
    assert body["citations"] and all(c["kb"] == "组织部" and c["url"] for c in body["citations"])
    # the answer's link opens its document without a token (signed), for that base only
    url = body["citations"][0]["url"]
    page = httpx.get(base + url, timeout=30)
    assert page.status_code == 200 and "8万元" in page.text


def test_a_key_never_receives_anything_of_another_base(served):
    base, keys, collections = served
    a = keys["a-reader"]
    # the other base's question, unnamed base: asked of 组织部 only — declined, nothing of 民政局
    for question in ("高龄津贴每月发多少钱？", "城市最低生活保障标准是多少？"):
        r = ask(base, a, question)
        assert r.status_code == 200 and not leaks_of_b(r.text), r.text
        status, events = stream(base, a, question)
        assert status == 200 and not leaks_of_b(events), events
    # naming the other base: refused as if it did not exist, in the question's language
    for kb in ("民政局", ["组织部", "民政局"], "民政局,组织部"):
        r = ask(base, a, "高龄津贴每月发多少钱？", kb)
        assert r.status_code == 404 and r.json()["error"] == "知识库「民政局」不存在或无权访问。", r.text
        status, events = stream(base, a, "高龄津贴每月发多少钱？", kb)
        assert status == 404 and not leaks_of_b(events)
    r = ask(base, a, "How much is the old-age allowance?", "民政局")
    assert r.status_code == 404 and "no knowledge base '民政局'" in r.json()["error"]
    # bases, documents, document views and page images of the other base
    assert [kb["name"] for kb in httpx.get(base + "/api/kb", headers=a).json()] == ["组织部"]
    docs = httpx.get(base + "/api/documents", headers=a).json()
    assert {d["doc"] for d in docs} == {"a1.txt", "a2.txt"} and not leaks_of_b(json.dumps(docs, ensure_ascii=False))
    r = httpx.get(base + "/api/documents", params={"kb": "民政局"}, headers=a)
    assert r.status_code == 404 and not leaks_of_b(r.text)
    b = collections["民政局"]
    for path in (f"/doc/b1.txt?kb={b}", f"/doc/b1.txt/page/1?kb={b}", "/doc/b1.txt", f"/doc/b1.txt?kb={b}&sig=0"):
        r = httpx.get(base + path, headers=a, timeout=30)
        assert r.status_code in (403, 404) and not leaks_of_b(r.text), (path, r.status_code)
    # a 组织部 link's signature does not open a 民政局 document of the same view
    url = ask(base, a, "社区党组织每年工作经费不低于多少？").json()["citations"][0]["url"]
    sig = parse_qs(urlsplit(url).query)["sig"][0]
    assert httpx.get(base + f"/doc/b1.txt?kb={b}&sig={sig}").status_code == 403
    # the OpenAI-compatible API: only its own base is a model
    models = httpx.get(base + "/v1/models", headers=a).json()
    assert [m["id"] for m in models["data"]] == ["policyqa-组织部"]
    r = httpx.post(base + "/v1/chat/completions", headers=a, timeout=60,
                   json={"model": "policyqa-民政局", "messages": [{"role": "user", "content": "高龄津贴每月多少？"}]})
    assert r.status_code == 404 and not leaks_of_b(r.text) and r.json()["error"]["code"] == "model_not_found"
    r = httpx.post(base + "/v1/chat/completions", headers=a, timeout=60,
                   json={"model": "policyqa", "messages": [{"role": "user", "content": "高龄津贴每月多少？"}]})
    assert r.status_code == 200 and not leaks_of_b(r.text), r.text


def test_the_other_key_sees_its_own_base_only(served):
    base, keys, _ = served
    r = ask(base, keys["b-reader"], "高龄津贴每月发多少钱？")
    assert r.status_code == 200 and "200元" in r.json()["answer"] and r.json()["kb"] == "民政局"
    r = ask(base, keys["b-reader"], "社区党组织每年工作经费不低于多少？")
    assert "8万元" not in r.text and "a1.txt" not in r.text
    assert {d["doc"] for d in httpx.get(base + "/api/documents", headers=keys["b-reader"]).json()} == {"b1.txt", "b2.txt"}


def test_ask_without_read_gets_quotes_but_no_originals(served):
    base, keys, collections = served
    r = ask(base, keys["a-asker"], "社区党组织每年工作经费不低于多少？")
    assert r.status_code == 200 and "8万元" in r.json()["answer"]
    assert r.json()["citations"] and all(c["url"] is None for c in r.json()["citations"])
    assert httpx.get(base + "/api/documents", headers=keys["a-asker"]).json() == []
    r = httpx.get(base + f"/doc/a1.txt?kb={collections['组织部']}", headers=keys["a-asker"])
    assert r.status_code == 403
    r = httpx.get(base + "/api/documents", params={"kb": "组织部"}, headers=keys["a-asker"])
    assert r.status_code == 403 and "read" in r.json()["error"]


def test_no_key_sees_no_private_base(served):
    base, _, collections = served
    r = ask(base, {}, "社区党组织每年工作经费不低于多少？", "组织部")
    assert r.status_code == 404
    assert httpx.get(base + "/api/documents").json() == []  # the public default base is empty
    assert httpx.get(base + "/v1/models").json()["data"] == [{"id": "policyqa-default", "object": "model",
                                                               "created": pytest.approx(0, abs=1e10),
                                                               "owned_by": "policyqa"}]
    assert httpx.get(base + f"/doc/a1.txt?kb={collections['组织部']}").status_code == 403


def test_wrong_and_revoked_keys_are_401(served):
    base, keys, _ = served
    admin = {"Authorization": f"Bearer {ADMIN}"}
    r = httpx.post(base + "/api/admin/keys", headers=admin, json={"name": "temp", "roles": {"组织部": ["ask"]}})
    temp = {"Authorization": "Bearer " + r.json()["token"]}
    assert ask(base, temp, "工作经费多少？", "组织部").status_code == 200
    assert httpx.delete(base + "/api/admin/keys/temp", headers=admin).status_code == 200
    for headers in (temp, {"Authorization": "Bearer pqk_not-a-key"}):
        r = ask(base, headers, "工作经费多少？", "组织部")
        assert r.status_code == 401 and "无效" in r.json()["error"], r.text
        assert httpx.get(base + "/v1/models", headers=headers).status_code == 401
    listed = {k["name"]: k for k in httpx.get(base + "/api/admin/keys", headers=admin).json()}
    assert listed["temp"]["revoked"] and listed["a-reader"]["roles"] == {"组织部": ["ask", "read"]}
    assert "pqk_" not in json.dumps(listed) and "hash" not in json.dumps(listed)  # never tokens nor hashes


def test_keys_cannot_administer(served):
    base, keys, _ = served
    a = keys["a-reader"]
    assert httpx.post(base + "/api/admin/kb", json={"name": "x"}, headers=a).status_code == 403
    assert httpx.get(base + "/api/admin/keys", headers=a).status_code == 403
    assert httpx.get(base + "/api/admin/audit", headers=a).status_code == 403
    files = {"file": ("n.txt", "某区每个社区配备专职党务工作者2名。".encode(), "text/plain")}
    r = httpx.post(base + "/api/documents", params={"kb": "组织部"}, files=files, headers=a)
    assert r.status_code == 403 and "manage" in r.json()["error"]
    r = httpx.post(base + "/api/documents", params={"kb": "民政局"}, files=files, headers=a)
    assert r.status_code == 404 and not leaks_of_b(r.text)
    assert httpx.delete(base + "/api/documents/b1.txt", params={"kb": "民政局"}, headers=a).status_code == 404


def test_identity_from_the_trusted_proxy_only(served):
    base, _, _ = served
    who = {"X-Remote-User": "zhang.san"}
    trusted = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=60)
    r = trusted.post(base + "/api/ask", json={"question": "高龄津贴每月发多少钱？", "kb": "民政局"}, headers=who)
    assert r.status_code == 200 and "200元" in r.json()["answer"]
    # the same header from anyone else is not believed
    assert ask(base, who, "高龄津贴每月发多少钱？", "民政局").status_code == 404
    # an identity has no token, and ask without read opens no originals
    assert all(c["url"] is None for c in r.json()["citations"])
