"""The fixed words of answers and the decline message (retrieval/wording.py)."""

from __future__ import annotations

from dataclasses import replace

from answer_inputs import one_passage

from core.records import Hit
from retrieval.query import analyse
from retrieval.wording import conflict_note, decline_text, words


def test_a_decline_gives_its_reason_the_documents_covered_and_a_question_to_try():
    chunk = replace(one_passage("第三条 犬只应当登记。", "dogs.txt", "某市养犬管理条例"), heading="第三条 犬只登记")
    text, suggestions = decline_text(analyse("火星上能养狗吗？", [], lambda w: False), [Hit(chunk, 1.0)], "文档中没有提到火星")
    assert text.startswith(words("zh-Hans")["decline"]) and "（原因：文档中没有提到火星。）" in text
    assert "《某市养犬管理条例》" in text and suggestions and suggestions[0] in text
    english, _ = decline_text(analyse("Can I keep a dog on Mars?", [], lambda w: False), [Hit(chunk, 1.0)], "")
    assert english.startswith(words("en")["decline"]) and "Why" not in english


def test_traditional_chinese_questions_get_traditional_words():
    assert words("zh-Hant")["answer"] == "答：" and words("zh-Hant")["decline"] != words("zh-Hans")["decline"]


def test_a_conflict_note_names_both_versions():
    old = one_passage("x", "a.txt", "旧办法", {"date": "2018-01-01"})
    new = one_passage("y", "b.txt", "新办法", {"date": "2023-01-01"})
    note = conflict_note(analyse("补贴多少？", [], lambda w: True), new, old)
    assert "《新办法》（2023-01-01）" in note and "《旧办法》（2018-01-01）" in note
