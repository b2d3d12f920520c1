"""The answer stage's own steps: evidence per compared year or place, selection
(retrieval/answer.py)."""

from __future__ import annotations

from answer_inputs import dated

from core.records import Hit
from retrieval.answer import AnswerOptions, compared_evidence, comparison_sides, select
from retrieval.compose import ComposeOptions
from retrieval.evidence import candidate_sentences
from retrieval.query import analyse
from retrieval.scoring import Scored


def test_a_question_naming_two_years_quotes_each_years_document():
    old = dated("old.txt", "2019-03-01", "每月补贴三百元。")
    new = dated("new.txt", "2024-09-01", "每月补贴五百元。")
    other = dated("other.txt", "2024-01-01", "办理地点在市民中心。")
    query = analyse("2019年和2024年每月补贴各是多少？", [], lambda w: True)
    hits = [Hit(new, 1.0), Hit(other, 0.9), Hit(old, 0.8)]
    sides = comparison_sides(query, hits, None)
    assert sides == [frozenset({"old.txt"}), frozenset({"new.txt", "other.txt"})]
    scored = [Scored(e, 1.0 - 0.1 * i, 0.5, frozenset(), 0.9, "元" in e.text)
              for i, e in enumerate(candidate_sentences(hits))]
    chosen = [s for s in scored if s.evidence.chunk.doc == "new.txt"]
    added = compared_evidence(query, chosen, scored, sides, AnswerOptions())
    assert [s.evidence.chunk.doc for s in added] == ["old.txt"]


def test_selection_keeps_the_lead_and_the_sentences_nearly_as_likely():
    chunk = dated("a.txt", "2020-01-01", "第一句话说明办法。第二句话说明标准。第三句话说明地点。第四句话说明时间。")
    evidence = candidate_sentences([Hit(chunk, 1.0)])
    scored = [Scored(e, p, 0.5, frozenset(), 0.9, True) for e, p in zip(evidence, (0.5, 0.9, 0.4, 0.8))]
    chosen = select(scored, ComposeOptions(max_sentences=2), {"keep_ratio": 0.5})
    assert [s.score for s in chosen] == [0.9, 0.8]  # at most max_sentences
    assert [s.score for s in select(scored, ComposeOptions(), {"keep_ratio": 0.6})] == [0.9, 0.8]
    assert select([], ComposeOptions(), {"keep_ratio": 0.5}) == []
