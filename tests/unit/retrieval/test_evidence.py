"""Evidence: the quotable sentences of the retrieved passages (retrieval/evidence.py)."""

from __future__ import annotations

from answer_inputs import DOC, fixtures, one_passage

from core.records import Chunk, Hit
from retrieval.evidence import candidate_sentences, is_headline, rejoined


def test_evidence_leaves_out_datelines_and_title_and_neutralises_markers():
    chunk = Chunk(id="x", doc="d.txt", title="某市养犬管理条例", start=0, end=60, position=0,
                  text="某市养犬管理条例\n2021年8月26日\n见上文[1]所述的登记办法，应当按期办理。",
                  index_text="")
    texts = [e.text for e in candidate_sentences([Hit(chunk, 1.0)])]
    assert texts == ["见上文［1］所述的登记办法，应当按期办理。"]


def test_a_sentence_cut_at_the_passage_boundary_is_completed_from_the_next():
    cut = DOC.index("处二百元")
    chunks, by_pos, *_ = fixtures(cut)
    evidence = candidate_sentences([Hit(chunks[0], 1.0)], next_chunk=lambda c: by_pos.get(c.position + 1))
    last = evidence[-1]
    assert last.text.endswith("处二百元以上五百元以下罚款。")
    start, end = last.source_span()
    assert DOC[start:end] == last.text


def test_a_sentence_wrapped_by_a_fixed_width_layout_is_quoted_whole():
    text = ("第 8 條\n圖書館應就每年收取逾期費總金額，提撥百分之三以上，百分之十五以下\n"
            "作為購書經費，並應依據前條所定標準編列預算。\n第 9 條\n同一圖書不得重複採購。")
    chunk = one_passage(text, "w.txt", "圖書館辦法")
    pieces = candidate_sentences([Hit(chunk, 1.0)])
    first = next(e for e in pieces if e.text.startswith("圖書館應"))
    whole = rejoined(first)
    assert whole.text == "圖書館應就每年收取逾期費總金額，提撥百分之三以上，百分之十五以下作為購書經費，並應依據前條所定標準編列預算。"
    start, end = whole.source_span()
    assert text[start:end].startswith("圖書館應") and text[start:end].endswith("編列預算。")
    last = next(e for e in pieces if e.text.startswith("同一圖書"))
    assert rejoined(last) == last  # a heading line is no wrapped line


def test_a_headline_standing_alone_is_no_quotable_answer():
    text = ("惠民措施 2019陆续推出\n本文来源 政府新闻网\n局长表示，已迁居外地的学生也可领取每月860元交通补贴。\n"
            "主要预期目标\n●城镇新增就业110万人以上")
    chunk = one_passage(text, "n.txt", "多项惠民措施落地")
    flags = {e.text: is_headline(e) for e in candidate_sentences([Hit(chunk, 1.0)])}
    assert flags["惠民措施 2019陆续推出"] and flags["本文来源 政府新闻网"]
    assert not flags["局长表示，已迁居外地的学生也可领取每月860元交通补贴。"]
    assert not flags["主要预期目标"]  # it announces the list after it


def test_the_document_title_heading_its_items_is_no_list_label():
    text = "某市高龄津贴通知\n一、对八十周岁以上老人每月发放高龄津贴二百元。\n二、资金由区财政保障。"
    chunk = one_passage(text, "g.txt", "某市高龄津贴通知")
    items = candidate_sentences([Hit(chunk, 1.0)])
    assert [e.text[:2] for e in items] == ["一、", "二、"] and all(e.intro is None for e in items)


def test_a_sentence_too_short_to_stand_alone_is_quoted_with_the_one_before_it():
    text = "李某，字维之，生卒年不详。浙江人。早年能文，深得通判赏识。\n附记。\n次年出任鄞县知县。"
    chunk = one_passage(text, "p.txt", "李某")
    texts = [e.text for e in candidate_sentences([Hit(chunk, 1.0)])]
    # Joined on its line; after a line break a fragment is still left out.
    assert texts == ["李某，字维之，生卒年不详。浙江人。", "早年能文，深得通判赏识。", "次年出任鄞县知县。"]
    joined = candidate_sentences([Hit(chunk, 1.0)])[0]
    start, end = joined.source_span()
    assert text[start:end] == "李某，字维之，生卒年不详。浙江人。"


def test_a_passage_starting_inside_a_sentence_yields_to_the_passage_holding_it_whole():
    # Overlapping passages: the second starts after a semicolon, inside the item. Ranked first,
    # its part of the item (「其配偶…」, whose case stands before the semicolon) gives way to
    # the whole item of the first passage, in its place.
    text = ("第九条 献血者及其亲属用血，按照下列规定免交费用：\n（一）献血者捐献造血干细胞的，本人终身免交用血费用；"
            "其配偶和子女终身按照不超过八百毫升的献血量免交用血费用；\n（二）稀有血型的献血者，本人终身免交用血费用。")
    cut = text.index("其配偶")
    first = Chunk(id="p0", doc="b.txt", title="某市献血条例", text=text[:text.index("（二）")], index_text="",
                  start=0, end=text.index("（二）"), position=0)
    second = Chunk(id="p1", doc="b.txt", title="某市献血条例", text=text[cut:], index_text="",
                   start=cut, end=len(text), position=1)
    texts = [e.text for e in candidate_sentences([Hit(second, 2.0), Hit(first, 1.0)])]
    assert texts[0].startswith("（一）献血者捐献造血干细胞的，本人终身免交用血费用；其配偶")
    assert not any(t.startswith("其配偶") for t in texts)
