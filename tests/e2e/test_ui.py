"""The Gradio UI against a real Assistant on a real store: chat turns, the documents tab's actions,
and the app serving a page. (Its parts on synthetic inputs: tests/unit/policyqa/test_ui_*.py.)"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import httpx
import pytest

from policyqa import (admin, gradio_files, ui, ui_assets, ui_bases, ui_chat, ui_documents,
                      ui_documents_tab, ui_render)
from core.settings import load_settings
from policyqa.assistant import Assistant

CORPUS = Path(__file__).resolve().parents[2] / "sample_corpus"


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


def _visible(markup: str) -> str:
    return re.sub(r"<[^>]+>", " ", markup)


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
