"""The chat's conversations kept in the browser (policyqa/ui_conversations.py)."""

from __future__ import annotations

import json
import re

from core.settings import load_settings
from policyqa import ui_conversations
from policyqa import ui_render as render


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

    data = json.loads(ui_conversations.export_data(store, first))  # what the page's export reads
    assert data["title"] == "经费 保障" and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", data["exported"])
    assert data["items"] == [
        {"question": "社区党组织的经费怎么保障？"},
        {"answer": "经费纳入预算。[1]", "declined": False, "citations": [
            {"n": 1, "title": "实施意见", "heading": "四、主要措施", "date": "2014-12-24", "page": None,
             "quote": "纳入 财政预算"}]},
        {"question": "街道呢？"}]
    assert "004_x" not in json.dumps(data, ensure_ascii=False)  # no file name reaches the page

    store = ui_conversations.conv_delete(store, second)
    assert store["current"] is None and [c[1] for c in ui_conversations.conv_choices(store)] == [first]
    assert ui_conversations.export_data(store, "nope") == ""
    assert ui_conversations.conv_choices("garbage from the browser") == []


def test_browser_state_key_survives_restarts(tmp_path):
    settings = load_settings(store=tmp_path / "s")
    assert ui_conversations.browser_secret(settings) == ui_conversations.browser_secret(settings) != ""


def test_the_export_reads_errors_stops_suggestions_and_unfinished_answers():
    messages = [{"role": "user", "content": "问一"}, render.error_message("无法回答：问题太长。"),
                {"role": "user", "content": "问二"}, {"role": "assistant", "content": "部分&#42;答案"},
                render.error_message(render.WORDS["zh"]["stopped"]),
                {"role": "user", "content": "问三"}, render.stage_message("检索中…"),
                {"role": "user", "content": "问四"},
                {"role": "assistant", "content": "没有找到。", "options": [{"label": "换个问法？", "value": "x"}]}]
    record = {"answer": "没有找到。", "declined": True, "citations": []}
    items = ui_conversations.export_items({"messages": messages, "records": {"8": record}})
    assert items == [{"question": "问一"}, {"error": "无法回答：问题太长。"},
                     {"question": "问二"}, {"answer": "部分*答案", "declined": False, "citations": []},
                     {"stopped": True}, {"question": "问三"}, {"question": "问四"},
                     {"answer": "没有找到。", "declined": True, "citations": [], "suggestions": ["换个问法？"]}]
