"""The Gradio UI: helpers against a real Assistant on a real store, and the app serving a page."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import httpx
import pytest

from policyqa import (admin, gradio_files, ui, ui_assets, ui_bases, ui_chat, ui_conversations,
                      ui_documents, ui_documents_tab, ui_render)
from core.settings import load_settings
from core.records import Answer, Chunk, Citation, Hit
from policyqa.assistant import Assistant

CORPUS = Path(__file__).resolve().parents[2] / "sample_corpus"
EVIL = '<script>alert("x")</script>'


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ui")
    settings = load_settings(store=tmp / "s", admin_token="secret")
    assistant = Assistant(settings)
    assistant.ingest([CORPUS])
    return assistant, settings


def _final(assistant, question, messages=None, filters=None):
    steps = list(ui_chat.chat_reply(assistant, question, messages, filters))
    return steps, steps[-1][0], steps[-1][1]


def _evil_answer(declined: bool = False) -> Answer:
    chunk = Chunk(id="c1", doc=f"{EVIL}.txt", title=EVIL, text=f"full {EVIL}\n\nsecond paragraph",
                  index_text="", start=0, end=10, position=0)
    cite = Citation(n=1, doc=chunk.doc, title=EVIL, quote=f"quote {EVIL}", chunk_id="c1", start=0,
                    end=10, date="2016-01-01", heading=EVIL, page=3)
    return Answer(text=f"answer {EVIL} [1]", citations=() if declined else (cite,),
                  hits=(Hit(chunk, 1.0),), declined=declined, query="q",
                  suggestions=(f"ask {EVIL}",) if declined else ())


def _visible(markup: str) -> str:
    return re.sub(r"<[^>]+>", " ", markup)


def test_render_sources_escapes_documents_and_hides_file_names():
    html_out = ui_render.render_sources(_evil_answer())
    assert "<script>" not in html_out
    assert "&lt;script&gt;" in html_out
    assert "<details>" in html_out and "second paragraph" in html_out  # full chunk, expandable
    assert "[1]" in html_out and "2016-01-01" in html_out and "第 3 页" in html_out
    assert "\n\n" not in html_out  # one HTML block: Markdown would resume after a blank line
    assert ".txt" not in _visible(html_out)  # the title, never the internal file name
    assert 'href="/doc/%3Cscript%3E' in html_out and "span=0-10" in html_out  # opens the original
    message = ui_render.format_answer(_evil_answer())
    assert "<script>" not in message
    assert ui_render.strip_sources(message) == f"answer {EVIL} [1]"
    english = ui_render.render_sources(_evil_answer(), lang="en")
    assert "Sources" in english and "来源" not in english


def test_cards_of_one_document_differ_by_section():
    chunk = Chunk(id="c1", doc="001_abc.txt", title="某文件", text="t", index_text="", start=0, end=9,
                  position=0)
    cites = tuple(Citation(n=i, doc="001_abc.txt", title="某文件", quote=f"引文{i}", chunk_id="c1",
                           start=i * 10, end=i * 10 + 5, heading=h, date="2016-01-01")
                  for i, h in ((1, "一、总体要求"), (2, "二、主要措施 › （一）经费保障")))
    cards = ui_render.render_sources(Answer("答 [1][2]", cites, (Hit(chunk, 1.0),), False, "q")).split('class="pq-cite"')[1:]
    assert len(cards) == 2 and "一、总体要求" in cards[0] and "（一）经费保障" in cards[1]
    assert "001_abc" not in _visible("".join(cards))


def test_source_cards_have_no_placeholder_section_and_no_markdown_from_documents():
    """A passage without a section shows no 「正文」 label; figure ranges and emphasis marks in a
    title, quote or passage reach the page as characters (entities), never as Markdown."""
    text = "每个社区配备2~3个专职人员，费率0.5%~2%，*重点*_保障_。"
    chunk = Chunk(id="c1", doc="001_abc.txt", title="关于~试行~的通知", text=text, index_text="", start=0,
                  end=len(text), position=0)
    cite = Citation(n=1, doc="001_abc.txt", title="关于~试行~的通知", quote=text, chunk_id="c1", start=0,
                    end=len(text), heading="")
    html_out = ui_render.render_sources(Answer(f"{text}[1]", (cite,), (Hit(chunk, 1.0),), False, "q"))
    assert "正文" not in html_out and 'class="pq-meta"' not in html_out
    assert "~" not in html_out and "*" not in html_out and "_保障_" not in html_out
    assert "2&#126;3个" in html_out and "0.5%&#126;2%" in html_out
    assert "~" not in ui_render.format_answer(Answer(f"{text}[1]", (cite,), (Hit(chunk, 1.0),), False, "q"))


def test_declined_answer_offers_clickable_suggestions():
    message = ui_render.answer_message(_evil_answer(declined=True))
    assert ui_render.render_sources(_evil_answer(declined=True)) == ""
    assert "pq-sources" not in message["content"]
    assert message["options"] == [{"label": f"ask {EVIL}", "value": f"ask {EVIL}"}]  # rendered as text
    assert "<script>" not in message["content"]


def test_filters():
    assert ui_chat.build_filters("", " ", None) is None
    assert ui_chat.build_filters("福州市", "2012", "2016-05") == {
        "region": "福州市", "date_from": "2012-01-01", "date_to": "2016-05-31"}
    with pytest.raises(ValueError):
        ui_chat.build_filters(None, "last year", None)


def test_chat_streams_stages_then_a_cited_answer(env):
    assistant, _ = env
    steps, chat, record = _final(assistant, "社区党组织的经费怎么保障？")
    texts = [s[0][-1]["content"] for s in steps]
    assert texts[0].startswith(ui_render.STAGE_PREFIX) and "检索中" in texts[0]
    assert any("组织答案" in t for t in texts[1:])
    assert len(steps) >= 4  # search stage, answer stage, sentences, final
    assert all(s[1] is None for s in steps[:-1])  # the record comes with the final answer only
    final = texts[-1]
    assert chat[0] == {"role": "user", "content": "社区党组织的经费怎么保障？"}
    assert "[1]" in final and 'class="pq-sources"' in final and "<details>" in final
    assert "五华区" in final and 'href="/doc/' in final and "来源" in final
    assert ".txt" not in _visible(final)
    assert record["citations"] and record["question"] == "社区党组织的经费怎么保障？"


def test_english_question_gets_english_labels(env):
    assistant, _ = env
    steps, chat, _ = _final(assistant, "How should a community party branch be funded?")
    assert "Searching" in steps[0][0][-1]["content"]
    assert "Sources" in chat[-1]["content"] and "来源" not in chat[-1]["content"]


def test_multi_turn_history_strips_sources(env):
    assistant, _ = env
    _, chat, _ = _final(assistant, "社区党组织的经费怎么保障？")
    # what gradio 6 sends back: content as a list of text parts
    sent = [{"role": m["role"], "content": [{"type": "text", "text": m["content"]}]} for m in chat]
    history = ui_chat.history_from_messages(sent)
    assert [h["role"] for h in history] == ["user", "assistant"]
    assert "pq-sources" not in history[1]["content"] and "<" not in history[1]["content"]
    steps, chat2, record = _final(assistant, "街道呢？", sent)
    assert len(chat2) == 4 and record["history"] == history


def test_declined_question_shows_no_sources(env):
    assistant, _ = env
    for question, filters in (("量子计算机的纠错码原理是什么？", None),
                              ("社区党组织的经费怎么保障？", {"region": "不存在的地区"})):
        _, chat, record = _final(assistant, question, filters=filters)
        final = chat[-1]["content"]
        assert record["declined"] is True, final
        assert "pq-sources" not in final and "<details>" not in final


def test_empty_question_is_an_error_message_not_a_crash(env):
    assistant, _ = env
    _, chat, record = _final(assistant, "   ")
    assert record is None
    assert chat[-1]["content"].startswith(ui_render.ERROR_PREFIX)
    assert all(m["role"] == "assistant" for m in chat)  # no empty user message


def test_feedback_payload():
    record = {"question": "q", "answer": "a", "citations": [{"n": 1}], "declined": False, "history": []}
    up = ui_chat.feedback_payload(record, True)
    assert up["rating"] == "up" and up["comment"] == "" and up["citations"] == [{"n": 1}]
    assert ui_chat.feedback_payload(record, False)["rating"] == "down"
    assert ui_chat.feedback_payload(record, "Other") is None


def test_admin_actions_check_the_token(env, tmp_path):
    assistant, settings = env
    # Where Gradio's upload route puts a file sent to it (the handler reads nothing else).
    upload = gradio_files.upload_root() / tmp_path.name / "测试通知.txt"
    upload.parent.mkdir(parents=True)
    upload.write_text("关于测试上传的通知\n\n各单位：为做好测试工作，现将有关事项通知如下。"
                      "一、测试经费由区财政统一保障，每年不少于3万元。", encoding="utf-8")

    for bad in (None, "", "wrong", "secret "):
        assert ui_documents.upload_documents(assistant, settings, bad, [str(upload)]) == (ui_documents.REFUSED, [])
        assert ui_documents.delete_document(assistant, settings, bad, "测试通知.txt") == ui_documents.REFUSED
        assert ui_documents.reindex_documents(assistant, settings, bad) == ui_documents.REFUSED
        assert ui_documents.list_documents(assistant, settings, bad) == (ui_documents.REFUSED, [])
    assert not ui_bases.check_token(None, "")  # management off: nothing matches

    msg, rows = ui_documents.upload_documents(assistant, settings, "secret", [str(upload)])
    assert rows[0][0] == "测试通知.txt" and rows[0][1] == "已收录" and rows[0][2] > 0, rows
    assert msg == "已处理 1 个文件：1 个已收录。"
    _, docs = ui_documents.list_documents(assistant, settings, "secret")
    assert len(docs) == 6 and len(docs[0]) == len(ui_documents_tab.DOC_HEADERS)
    # Listed and picked by title; the file name comes last in the table, never as the label.
    assert ["关于测试上传的通知", "测试通知.txt"] in [[r[0], r[-1]] for r in docs]
    labels = dict((doc, label) for label, doc in ui_documents.document_choices(assistant))
    assert labels["测试通知.txt"] == "关于测试上传的通知"
    assert not any(label.endswith(".txt") for label in labels.values())

    # The confirmation names the title, not the file.
    ask = admin.confirmation(assistant, "delete", "测试通知.txt")
    assert "《关于测试上传的通知》" in ask and "测试通知.txt" not in ask and "无法撤销" in ask
    assert "《关于测试上传的通知》" in admin.confirmation(assistant, "reindex", "测试通知.txt")
    assert admin.confirmation(assistant, "delete", "nope.txt") is None
    assert ui_documents.reindex_documents(assistant, settings, "secret", "测试通知.txt").startswith(
        "重建索引完成：《关于测试上传的通知》，1 份成功，0 份失败")

    assert ui_documents.delete_document(assistant, settings, "secret", "测试通知.txt") == "已删除《关于测试上传的通知》（1 个段落）。"
    assert "测试通知.txt" not in [r[-1] for r in ui_documents.document_rows(assistant)]
    assert "未找到" in ui_documents.delete_document(assistant, settings, "secret", "测试通知.txt")


def test_upload_errors_are_chinese_and_say_what_to_do(env, tmp_path):
    """A damaged PDF, an empty file and an unsupported type each get a Chinese line naming the
    file, what is wrong and what to do; the English reason stays for the CLI and logs."""
    assistant, settings = env
    folder = gradio_files.upload_root() / tmp_path.name
    folder.mkdir(parents=True)
    files = {"损坏.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "空白.txt": b"",
             "表格.xyz": b"a,b"}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    msg, rows = ui_documents.upload_documents(assistant, settings, "secret", [str(folder / n) for n in files])
    assert msg == "已处理 3 个文件：0 个已收录，3 个未收录（原因和处理办法见下表「说明」）。"
    said = {r[0]: r[3] for r in rows}
    assert said["损坏.pdf"].startswith("「损坏.pdf」文件已损坏或不是有效的 PDF 文件") and "另存为" in said["损坏.pdf"]
    assert said["空白.txt"] == "「空白.txt」文件中没有可读取的文字。请确认文件内容完整后重新上传。"
    assert said["表格.xyz"].startswith("「表格.xyz」不支持 .xyz 格式的文件") and ".docx" in said["表格.xyz"]
    for line in said.values():  # no English left in what the Chinese UI shows
        assert not re.search(r"[A-Za-z]{4,}", line.replace("UTF-8", "")
                             .replace(".docx", "").replace(".pdf", "")) or "支持的格式" in line, line


def test_reindex(env):
    assistant, settings = env
    before = assistant.store.count_chunks()
    msg = ui_documents.reindex_documents(assistant, settings, "secret")
    assert msg.startswith("重建索引完成：5 份文档，5 份成功，0 份失败"), msg
    assert assistant.store.count_chunks() == before


def test_conversations_are_saved_renamed_deleted_and_exported():
    store = ui_conversations.empty_store()
    assert ui_conversations.conv_save(store, [], {}) == store  # nothing to keep yet
    messages = [{"role": "user", "content": [{"type": "text", "text": "社区党组织的经费怎么保障？"}]},
                {"role": "assistant", "content": "经费纳入预算。[1]\n\n<div class=\"pq-sources\">…</div>"}]
    record = {"question": "社区党组织的经费怎么保障？", "answer": "经费纳入预算。[1]", "declined": False,
              "citations": [{"n": 1, "doc": "004_x.txt", "title": "实施意见", "quote": "纳入 财政预算",
                             "heading": "四、主要措施", "date": "2014-12-24"}], "history": []}
    store = ui_conversations.conv_save(store, messages, {1: record})
    first = store["current"]
    assert ui_conversations.conv_choices(store) == [("社区党组织的经费怎么保障？", first)]
    shown, recs = ui_conversations.conv_current(store)
    assert shown[0] == {"role": "user", "content": "社区党组织的经费怎么保障？"} and recs["1"] == record

    store = ui_conversations.conv_rename(store, first, "  经费  保障 ")
    store = ui_conversations.conv_save(store, messages + [{"role": "user", "content": "街道呢？"}], {1: record})
    assert ui_conversations.conv_choices(store)[0][0] == "经费 保障"  # a rename survives later saves

    store = ui_conversations.conv_save(ui_conversations.conv_new(store), [{"role": "user", "content": "第二个对话"}], {})
    second = store["current"]
    assert second != first and [c[1] for c in ui_conversations.conv_choices(store)] == [second, first]
    assert ui_conversations.conv_current(ui_conversations.conv_select(store, first))[0][-1]["content"] == "街道呢？"

    md, name = ui_conversations.export_markdown(store, first)
    assert name == "经费_保障.md"
    assert "## 问：社区党组织的经费怎么保障？" in md and "经费纳入预算。[1]" in md
    assert "《实施意见》（四、主要措施 · 2014-12-24）：“纳入 财政预算”" in md
    assert "004_x" not in md and "<div" not in md

    store = ui_conversations.conv_delete(store, second)
    assert store["current"] is None and [c[1] for c in ui_conversations.conv_choices(store)] == [first]
    assert ui_conversations.export_markdown(store, "nope") == ("", "")
    assert ui_conversations.conv_choices("garbage from the browser") == []


def test_browser_state_key_survives_restarts(tmp_path):
    settings = load_settings(store=tmp_path / "s")
    assert ui_conversations.browser_secret(settings) == ui_conversations.browser_secret(settings) != ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("admin", ["secret", None])
def test_app_serves_a_page(env, admin):
    assistant, settings = env
    settings = settings.model_copy(update={"admin_token": admin})
    fed: list[dict] = []
    demo = ui.build_ui(assistant, settings, on_feedback=lambda item: fed.append(item) or len(fed))
    port = _free_port()
    try:
        demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True,
                    **ui_assets.launch_options())
        r = httpx.get(f"http://127.0.0.1:{port}/", timeout=30)
        assert r.status_code == 200
        config = httpx.get(f"http://127.0.0.1:{port}/config", timeout=30).json()
        text = str(config)
        assert "政策问答" in text and "Conversation" not in text and "Examples" not in text
        assert config.get("footer_links") == []  # no "Built with Gradio"
        assert ("POLICYQA_ADMIN_TOKEN" in text) == (admin is None)
    finally:
        demo.close()
