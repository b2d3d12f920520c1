"""The sentence cuts (core/sentences.py): quotable sentences, the clause units chunks are
packed from, prose lines."""

from __future__ import annotations

from core.sentences import clause_spans, is_prose_line, sentence_spans


def test_sentence_spans_exclude_white_space_and_keep_closing_marks():
    text = "第一条 为了规范管理。\n  二、违反规定的，责令改正；拒不改正的，罚款五百元」。 "
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "第一条 为了规范管理。", "二、违反规定的，责令改正；拒不改正的，罚款五百元」。"]


def test_semicolons_cut_only_long_sentences():
    long = "；".join(["违反本条例规定的，由主管部门责令改正"] * 12) + "。"
    spans = sentence_spans(long)
    assert len(spans) == 12 and all(long[a:b].startswith("违反") for a, b in spans)


def test_clause_units_cut_at_every_semicolon_and_cover_the_line():
    line = "  违反规定的，责令改正；拒不改正的，处罚款。”；其他 "
    assert [line[a:b] for a, b in clause_spans(line)] == [
        "违反规定的，责令改正；", "拒不改正的，处罚款。”", "；", "其他"]


def test_clause_units_keep_a_run_of_marks_with_its_sentence():
    line = "是否符合条件？！请咨询「窗口」。"
    assert [line[a:b] for a, b in clause_spans(line)] == ["是否符合条件？！", "请咨询「窗口」。"]


def test_a_sentence_span_may_be_cut_at_every_clause():
    text = "甲项；乙项。"
    assert [text[a:b] for a, b in sentence_spans(text)] == ["甲项；乙项。"]
    assert [text[a:b] for a, b in sentence_spans(text, 0)] == ["甲项；", "乙项。"]


def test_prose_lines():
    assert is_prose_line("申请人应当在规定期限内向所在地的主管部门提出书面申请。")
    assert not is_prose_line("某市人民政府办公室")
    assert not is_prose_line("2024年8月22日")
