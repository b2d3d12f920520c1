"""eval's own parts on tiny synthetic items: reading gold files, the derived unanswerable items
(year shifted, foreign, leave-one-document-out) and lead recall. Agreement with the reference
scorer on the shared gold set is tests/quality/test_eval_metrics.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.metrics import format_table, load_jsonl, score


def test_load_jsonl_reports_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text('{"id": "a"}\n\n{"id": \n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:3: bad JSON"):
        load_jsonl(p)
    p.write_text('{"id": "a"}\n\n{"id": "b"}\n', encoding="utf-8")
    assert [r["id"] for r in load_jsonl(p)] == ["a", "b"]


def test_derived_unanswerable_items_for_calibration():
    from eval.run import foreign
    from eval.run import year_shifted

    gold = [{"id": "a", "question": "2019年某市消费券每人多少钱？", "answerable": True, "lang": "zh-Hans",
             "must_include": ["500元"], "sources": [{"doc": "x.txt"}], "history": []},
            {"id": "b", "question": "养犬登记要多久？", "answerable": True, "lang": "zh-Hans",
             "must_include": ["十五日"], "sources": [{"doc": "y.txt"}], "history": []},
            {"id": "c", "question": "国庆放假几天？", "answerable": False, "lang": "zh-Hans",
             "must_include": [], "sources": [], "history": []}]
    text = lambda exclude=(): "2019年每人可领消费券500元。2020年继续发放。"  # noqa: E731
    shifted = year_shifted(gold, text)
    assert [i["question"] for i in shifted] == ["2022年某市消费券每人多少钱？"]  # three years on at least, and absent
    assert all(not i["answerable"] for i in shifted)
    # Another set's answerable question is out of scope here unless one of its facts occurs here.
    assert [i["id"] for i in foreign(gold, text, "here")] == ["b-in-here"]


def test_leave_one_document_out_labels_facts_as_the_scorer_reads_them():
    from eval.run import foreign
    from eval.run import leave_one_document_out

    gold = [{"id": "a", "question": "某市最低生活保障标准是多少？", "answerable": True, "lang": "zh-Hans",
             "must_include": ["4350元"], "sources": [{"doc": "x.txt"}], "history": []},
            {"id": "b", "question": "某市养犬登记费是多少？", "answerable": True, "lang": "zh-Hans",
             "must_include": ["三百元"], "sources": [{"doc": "y.txt"}], "history": []}]
    # Without its source, item a's fact still stands in another document (with a thousands
    # separator the scorer ignores), so a is no unanswerable item; b's fact stands nowhere else.
    text = lambda exclude=(): "明年最低生活保障標準維持4,350元。"  # noqa: E731
    assert [i["id"] for i in leave_one_document_out(gold, text)] == ["b-loo"]
    assert [i["id"] for i in foreign(gold, text, "here")] == ["b-in-here"]


def test_lead_recall_reads_the_first_line_of_one_fact_answers_only():
    gold = [{"id": "a", "question": "q", "answerable": True, "lang": "zh-Hans", "type": "numeric",
             "must_include": ["500元"], "sources": [{"doc": "x.txt", "quote": "每人500元"}], "history": []},
            {"id": "b", "question": "q", "answerable": True, "lang": "zh-Hans", "type": "numeric",
             "must_include": ["500元"], "sources": [{"doc": "x.txt", "quote": "每人500元"}], "history": []},
            {"id": "c", "question": "q", "answerable": True, "lang": "en", "type": "list",
             "must_include": ["甲", "乙"], "sources": [{"doc": "x.txt", "quote": "甲乙"}], "history": []},
            {"id": "d", "question": "q", "answerable": True, "lang": "en", "type": "numeric",
             "must_include": ["500元"], "sources": [{"doc": "x.txt", "quote": "每人500元"}], "history": []}]
    outputs = [{"id": "a", "answer": "\n答：每人500元。[1]\n根据《某办法》：其他。[2]", "declined": False},
               {"id": "b", "answer": "答：由区财政保障。[1]\n每人500元。[2]", "declined": False},
               {"id": "c", "answer": "Answer: 甲、乙", "declined": False},
               {"id": "d", "answer": "抱歉，现有文档中没有找到 500元", "declined": True}]
    result, items = score(gold, outputs)
    assert [i.get("lead_recall") for i in items] == [1.0, 0.0, None, 0.0]  # a decline is a miss
    assert result["overall"]["lead_recall"] == pytest.approx(1 / 3) and result["overall"]["n_lead"] == 3
    assert result["by_lang"]["en"]["answer_chars"] == len("Answer: 甲、乙")  # declines have no length
    assert "lead" in format_table(result)
