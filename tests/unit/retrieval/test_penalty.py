"""Penalty questions: the article punishing the breach of a quoted duty (retrieval/penalty.py)."""

from __future__ import annotations

from core.records import Chunk, Hit
from core.script import normalise
from retrieval.evidence import candidate_sentences
from retrieval.penalty import article_of, penalty_for
from retrieval.query import analyse

TEXT = ("第三十三条 单位和个人应当按照下列规定停放共享单车：\n（一）停放在指定区域内；\n"
        "第三十四条 运营企业应当及时清理。\n第六十七条 个人违反本条例第三十三条规定的，处20元以上50元以下罚款。\n"
        "单位违反本条例第三十三条规定，处800元罚款。\n第六十八条 违反本条例第三十四条规定的，处2000元罚款。")


def _chunks() -> list[Chunk]:
    cut = TEXT.index("第六十七条")
    return [Chunk(id=f"w{i}", doc="w.txt", title="某市非机动车管理条例", text=TEXT[a:b],
                  index_text=normalise(TEXT[a:b]), start=a, end=b, position=i, heading="第三十三条" if i == 0 else "")
            for i, (a, b) in enumerate([(0, cut), (cut, len(TEXT))])]


def test_a_penalty_question_answered_by_a_duty_brings_the_article_punishing_its_breach():
    chunks = _chunks()
    duty = candidate_sentences([Hit(chunks[0], 1.0)])[0]
    assert article_of(duty) == "三十三"
    query = analyse("单位不按规定停放共享单车，怎么罚？", [], lambda w: True)
    assert query.intent.penalty
    found = penalty_for(duty, query, lambda c: chunks[c.position + 1] if c.position + 1 < len(chunks) else None)
    assert [p.text for p in found] == ["单位违反本条例第三十三条规定，处800元罚款。"]


def test_without_the_following_passages_no_penalty_is_found():
    duty = candidate_sentences([Hit(_chunks()[0], 1.0)])[0]
    assert penalty_for(duty, analyse("不按规定停放共享单车怎么罚？", [], lambda w: True), None) == []
