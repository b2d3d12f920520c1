"""Penalty questions: the article punishing the breach of a quoted duty (retrieval/penalty.py)."""

from __future__ import annotations

import re

from core.records import Chunk, Hit
from core.script import normalise
from retrieval.evidence import candidate_sentences
from retrieval.penalty import article_of, cited_articles, lead_order, penalty_candidates, penalty_for, states_penalty
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
    # A number inside a sentence refers to another article; the one opening the line is its own.
    text = "第八条 依照本条例第三十五条的规定执行。\n违反规定的，予以警告。"
    chunk = Chunk(id="r0", doc="r.txt", title="某市条例", text=text, index_text=normalise(text), start=0,
                  end=len(text), position=0)
    assert [article_of(e) for e in candidate_sentences([Hit(chunk, 1.0)])] == ["八", "八"]
    query = analyse("单位不按规定停放共享单车，怎么罚？", [], lambda w: True)
    assert query.intent.penalty
    found = penalty_for(duty, query, lambda c: chunks[c.position + 1] if c.position + 1 < len(chunks) else None)
    assert [p.text for p in found] == ["单位违反本条例第三十三条规定，处800元罚款。"]


def test_without_the_following_passages_no_penalty_is_found():
    duty = candidate_sentences([Hit(_chunks()[0], 1.0)])[0]
    assert penalty_for(duty, analyse("不按规定停放共享单车怎么罚？", [], lambda w: True), None) == []


def _next(chunks):
    return lambda c: chunks[c.position + 1] if c.position + 1 < len(chunks) else None


def test_a_penalty_naming_an_article_by_number_is_read_with_that_article():
    chunks = _chunks()
    duties = candidate_sentences([Hit(chunks[0], 1.0)])
    found = penalty_candidates(duties, _next(chunks))
    assert found[:len(duties)] == duties  # the retrieved sentences stay as they were
    added = {re.sub(r"^第\S+条 ", "", p.text): [c.text for c in p.cites] for p in found[len(duties):]}
    # Both penalties of article 33 and the one of article 34, each with the article it punishes.
    assert set(added) == {"个人违反本条例第三十三条规定的，处20元以上50元以下罚款。",
                          "单位违反本条例第三十三条规定，处800元罚款。", "违反本条例第三十四条规定的，处2000元罚款。"}
    assert "（一）停放在指定区域内；" in added["单位违反本条例第三十三条规定，处800元罚款。"]
    assert [re.sub(r"^第\S+条 ", "", c) for c in added["违反本条例第三十四条规定的，处2000元罚款。"]] \
        == ["运营企业应当及时清理。"]
    # Without the passages after the duty, nothing is added.
    assert penalty_candidates(duties, None) == duties


def test_a_penalty_citing_an_item_is_read_with_that_item_alone():
    assert cited_articles("违反本条例第十二条、第十五条第二项规定的，处一千元罚款") == [("十二", ()), ("十五", ("二",))]
    assert cited_articles("违反本条例第三十五条第一款第（一）项、第（三）项规定的，处罚款") == [("三十五", ("一", "三"))]
    assert cited_articles("依照本条例第十二条的规定办理") == []
    text = ("第十五条 禁止下列行为：\n（一）占用消防车通道；\n（二）堵塞登高作业场地；\n"
            "第四十条 违反本条例第十五条第二项规定的，处五千元罚款。")
    cut = text.index("第四十条")
    chunks = [Chunk(id=f"f{i}", doc="f.txt", title="某市消防条例", text=text[a:b], index_text=normalise(text[a:b]),
                    start=a, end=b, position=i) for i, (a, b) in enumerate([(0, cut), (cut, len(text))])]
    duties = candidate_sentences([Hit(chunks[0], 1.0)])
    penalty = penalty_candidates(duties, _next(chunks))[-1]
    assert "违反本条例第十五条第二项" in penalty.text
    assert [c.text for c in penalty.cites] == ["（二）堵塞登高作业场地；"]
    # A penalty retrieved with its duty stays as it was found.
    both = candidate_sentences([Hit(chunks[0], 1.0), Hit(chunks[1], 0.9)])
    assert penalty_candidates(both, _next(chunks)) == both


def test_a_rule_leads_before_the_penalty_restating_it_and_the_penalty_when_it_is_asked():
    text = ("第九条 供水单位应当定期检测水质，并向用户公示结果。\n"
            "第二十条 供水单位有下列行为之一的，处五千元以上五万元以下罚款：\n（一）未向用户公示水质检测结果的；\n"
            "第二十一条 有关部门工作人员玩忽职守的，依法给予处分。")
    chunk = Chunk(id="s0", doc="s.txt", title="某市供水条例", text=text, index_text=normalise(text), start=0,
                  end=len(text), position=0)
    rule, intro, item, sanction = candidate_sentences([Hit(chunk, 1.0)])
    # What was confiscated, or a punishment a history tells of, is no sanction laid down.
    for told in ("对被没收的犬只，收留所可以寻找领养人。", "1852年他没收了王室成员的所有财产，并受到处分。"):
        chunk = Chunk(id="s1", doc="h.txt", title="某人", text=told, index_text="", start=0, end=len(told), position=1)
        assert not states_penalty(candidate_sentences([Hit(chunk, 1.0)])[0])
    assert not states_penalty(rule) and states_penalty(item) and states_penalty(sanction)
    assert lead_order([item, sanction, rule], asks_penalty=False) == [rule, item, sanction]
    assert lead_order([rule, item, sanction], asks_penalty=True) == [item, sanction, rule]
