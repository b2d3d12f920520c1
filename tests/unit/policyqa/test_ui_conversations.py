"""The chat's conversations kept in the browser (policyqa/ui_conversations.py)."""

from __future__ import annotations

from core.settings import load_settings
from policyqa import ui_conversations


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
