"""The OpenAI-compatible API (issue 23): the real `openai` client against the real server on
127.0.0.1, streamed and not, authenticated by an access key; one model per base it may ask."""

from __future__ import annotations


import httpx
import pytest

from conftest import B_MARKERS, serving_two_bases

openai = pytest.importorskip("openai")
ADMIN = "adm-tok-oa"


@pytest.fixture(scope="module")
def served(two_bases, tmp_path_factory):
    with serving_two_bases(two_bases, tmp_path_factory, "openai", ADMIN) as (live, _store):
        r = httpx.post(live.base + "/api/admin/keys", headers={"Authorization": f"Bearer {ADMIN}"},
                       json={"name": "portal", "roles": {"组织部": ["ask", "read"]}})
        yield live.base, r.json()["token"]


def client(base, key):
    return openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0, timeout=60)


def test_models_are_the_bases_the_key_may_ask(served):
    base, key = served
    assert [m.id for m in client(base, key).models.list()] == ["policyqa-组织部"]
    admin = [m.id for m in client(base, ADMIN).models.list()]
    assert admin == ["policyqa-default", "policyqa-组织部", "policyqa-民政局"]


def test_a_cited_answer_whole(served):
    base, key = served
    done = client(base, key).chat.completions.create(
        model="policyqa-组织部", messages=[{"role": "system", "content": "你是助手"},
                                          {"role": "user", "content": "社区党组织每年工作经费不低于多少？"}])
    text = done.choices[0].message.content
    assert done.choices[0].finish_reason == "stop" and done.object == "chat.completion"
    assert "8万元" in text and "[1]" in text and "来源：\n[1] 《组织部关于社区党组织工作经费保障的通知》" in text
    extra = done.model_extra
    assert extra["kb"] == "组织部" and not extra["declined"]
    cite = extra["citations"][0]
    assert cite["n"] == 1 and cite["doc"] == "a1.txt" and "8万元" in cite["quote"] and cite["url"].startswith("/doc/")


def test_a_cited_answer_streamed(served):
    base, key = served
    pieces, last = [], None
    for chunk in client(base, key).chat.completions.create(
            model="policyqa-组织部", stream=True,
            messages=[{"role": "user", "content": "入党积极分子的培养考察期一般不少于多久？"}]):
        assert chunk.object == "chat.completion.chunk"
        pieces.append(chunk.choices[0].delta.content or "")
        last = chunk
    text = "".join(pieces)
    assert len([p for p in pieces if p]) >= 2  # streamed: the answer, then its sources
    assert "一年" in text and "[1]" in text and "来源：" in text
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["citations"][0]["doc"] == "a2.txt"


def test_history_and_an_english_question(served):
    base, key = served
    done = client(base, key).chat.completions.create(
        model="policyqa-组织部", messages=[{"role": "user", "content": "社区党组织工作经费怎么保障？"},
                                          {"role": "assistant", "content": "不低于8万元[1]"},
                                          {"role": "user", "content": "What is the minimum funding per year?"}])
    content, extra = done.choices[0].message.content, done.model_extra
    assert extra["kb"] == "组织部" and "来源" not in content  # an English question: English labels
    assert ("Sources:" in content) == (not extra["declined"])


def test_errors_are_openai_errors_in_the_question_language(served):
    base, key = served
    with pytest.raises(openai.AuthenticationError):
        client(base, "pqk_wrong").chat.completions.create(model="policyqa-组织部",
                                                          messages=[{"role": "user", "content": "经费？"}])
    with pytest.raises(openai.NotFoundError) as e:
        client(base, key).chat.completions.create(model="policyqa-民政局",
                                                  messages=[{"role": "user", "content": "高龄津贴每月多少？"}])
    assert "不存在或无权使用" in e.value.message and not any(m in str(e.value.body) for m in B_MARKERS)
    with pytest.raises(openai.NotFoundError) as e:
        client(base, key).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "What?"}])
    assert "unknown model" in e.value.message
    with pytest.raises(openai.BadRequestError):
        client(base, key).chat.completions.create(model="policyqa-组织部",
                                                  messages=[{"role": "assistant", "content": "你好"}])


def test_langchain_chat_openai(served):
    lc = pytest.importorskip("langchain_openai")
    base, key = served
    llm = lc.ChatOpenAI(base_url=base + "/v1", api_key=key, model="policyqa-组织部", max_retries=0, timeout=60)
    reply = llm.invoke("社区党组织每年工作经费不低于多少？")
    assert "8万元" in reply.content and "[1]" in reply.content
