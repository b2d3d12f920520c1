"""Scoring: the question's word weights and each evidence sentence's signals and probability
(retrieval/scoring.py)."""

from __future__ import annotations

import math

from answer_inputs import DOC, LISTS, embedder, fixtures, index_of, list_chunks, one_passage, scored_over

from core.records import Hit
from core.script import normalise
from retrieval.decision import features
from retrieval.evidence import candidate_sentences
from retrieval.query import analyse
from retrieval.scoring import TermWeights, sentence_signals, term_weights

PASSAGES = ("养犬人应当为犬只办理登记。", "养犬人应当遵守规定。", "养犬人应当及时清除犬粪。")


def test_a_word_fewer_passages_use_weighs_more():
    chunks = [one_passage(t, f"p{i}.txt", "某市养犬规定") for i, t in enumerate(PASSAGES)]
    keyword = index_of(chunks)
    assert keyword.has("登记") and not keyword.has("国庆节")
    assert keyword.idf("登记") > keyword.idf("养犬人")  # in one passage of three, against all three
    query = analyse("养犬人如何办理登记？", [], keyword.has)
    weights = term_weights(query, keyword, keyword.has)
    weight = {g[0]: w for g, w in weights.present.items()}
    assert weight["登记"] == weight["办理"] == keyword.idf("登记") > weight["养犬人"] == keyword.idf("养犬人")
    # The rarest words say what is specific: covering them is the key share.
    assert weights.key_share(frozenset({("登记",), ("办理",)})) == 1.0
    assert weights.key_share(frozenset({("养犬人",)})) == 0.0


def test_words_the_corpus_lacks_count_as_uncovered():
    _, _, keyword, vocabulary = fixtures()
    query = analyse("国庆节放假几天？", [], vocabulary)
    weights = term_weights(query, keyword, lambda t: t in normalise(DOC))
    assert weights.absent_share() == 1.0 and not weights.present
    assert set(weights.absent.values()) == {keyword.idf("\0")}  # the idf of an unseen word


def test_a_figure_the_corpus_writes_another_way_is_no_missing_word():
    # 六十五岁 asked of 六十五周岁, 三个月 of 3个月: the figure is compared by value (figure_fit),
    # not looked up as a word the documents never use.
    text = "六十五周岁以上老年人每年进行一次免费体格检查。申请人应当在3个月内补交材料。"
    keyword = index_of([one_passage(text, "a.txt", "某市老年人服务规定")])
    in_text = lambda t: keyword.has(t) or t in normalise(text)  # noqa: E731
    for question in ("六十五歲以上的老人每年可以免費體檢幾次？", "三个月内要补交什么？"):
        weights = term_weights(analyse(question, [], in_text), keyword, in_text)
        assert not {"六十五岁", "十五岁", "五岁", "三个月"} & set(weights.absent), weights.absent
    weights = term_weights(analyse("国庆节放假几天？", [], in_text), keyword, in_text)
    assert "国庆节" in weights.absent  # a word stays one


def _one_document(text: str, doc: str, title: str, question: str):
    """A store of one passage: (its chunk, keyword index, corpus vocabulary, the analysed question)."""
    chunk = one_passage(text, doc, title)
    keyword = index_of([chunk])
    in_text = lambda t: t in normalise(text)  # noqa: E731
    return chunk, keyword, in_text, analyse(question, [], lambda w: keyword.has(w) or in_text(w))


def test_figures_of_the_asked_kind_are_preferred():
    chunks, _, keyword, vocabulary = fixtures()
    query = analyse("未束犬链罚多少钱？", [], vocabulary)
    _, scored = scored_over(query, chunks, keyword, lambda t: t in normalise(DOC))
    best = max(scored, key=lambda s: s.score)
    assert "二百元以上五百元以下" in best.evidence.text and best.figure_fit


def test_a_figure_said_of_another_kind_of_sum_does_not_answer_a_money_question():
    text = "某市宠物管理办法\n第三条 未绝育犬只登记费每只三百元。\n第四条 主管机关可以补助流浪猫绝育手术的费用。"
    chunk, keyword, in_text, query = _one_document(text, "pets.txt", "某市宠物管理办法", "流浪猫做绝育手术补助多少钱？")
    weights, scored = scored_over(query, [chunk], keyword, in_text)
    fee = next(s for s in scored if "登记费" in s.evidence.text)
    assert not fee.figure_fit  # the fee is money, but not the subsidy asked for
    assert features(query, weights, scored, [])["figure_missing"] == 1.0
    fee_query = analyse("犬只登记费每只多少钱？", [], lambda w: keyword.has(w) or in_text(w))
    _, fee_scored = scored_over(fee_query, [chunk], keyword, in_text)
    assert next(s for s in fee_scored if "登记费" in s.evidence.text).figure_fit


def test_a_share_written_unit_first_answers_a_question_asking_a_share():
    text = ("某市业主自治规定\n第八条 业主大会会议应当有过半数业主参加。\n"
            "第九条 改建共用设施，应当经三分之二以上的业主同意。\n第十条 业主委员会应当公布账目。")
    chunk, keyword, in_text, query = _one_document(text, "owners.txt", "某市业主自治规定", "改建共用设施要多少业主同意？")
    weights, scored = scored_over(query, [chunk], keyword, in_text)
    assert next(s for s in scored if "三分之二" in s.evidence.text).figure_fit
    assert not next(s for s in scored if "公布账目" in s.evidence.text).figure_fit
    assert features(query, weights, scored, [])["figure_missing"] == 0.0


def test_a_sentence_referring_to_the_paragraph_before_carries_its_figure():
    chunks = list_chunks([(0, len(LISTS))])
    keyword = index_of(chunks)
    query = analyse("捐书要达多少元才给予书面感谢？", [], lambda w: keyword.has(w) or w in normalise(LISTS))
    _, scored = scored_over(query, chunks, keyword, lambda t: t in normalise(LISTS))
    assert next(s for s in scored if s.evidence.text.startswith("捐书达前项")).figure_fit


def test_words_qualifying_the_asked_quantity_are_answered_by_the_figure():
    chunks, _, keyword, vocabulary = fixtures()
    query = analyse("携犬出户未束犬链最高罚多少钱？", [], vocabulary)
    weights = term_weights(query, keyword, lambda t: t in normalise(DOC) or t == "最高")
    assert not any("最高" in g for g in weights.present) and "最高" not in weights.absent
    plain = analyse("最高人民法院在哪里？", [], vocabulary)  # no quantity asked: a word like any other
    assert any("最高" in g for g in term_weights(plain, keyword, lambda t: t == "最高").present)


def test_a_dictionary_word_covers_the_four_character_phrase_it_abbreviates():
    weights_for = lambda *words: TermWeights({(w,): 1.0 for w in words}, {})  # noqa: E731
    assert weights_for("禁放").coverage("下列区域禁止燃放烟花爆竹")[0] == 1.0
    assert weights_for("老人").coverage("老年人优待办法")[0] == 0.0  # a three-character form is another word
    assert weights_for("走后").coverage("走出门后")[0] == 0.0  # a segmentation artefact abbreviates nothing
    # Two phrases joined by a function character, or a window starting inside a word, write out no word.
    assert weights_for("费用").coverage("防止乱收费和滥用职权")[0] == 0.0
    assert weights_for("违法").coverage("违反本法规定的")[0] == 0.0
    assert weights_for("高校").coverage("普通高等学校招生")[0] == 1.0


def test_a_question_word_every_candidate_holds_sets_none_apart():
    from retrieval.overlap import distinctive_shares

    # 养犬 is in all three candidates, 登记 in one, 清除 in two: 登记 weighs most.
    held = [frozenset({"养犬", "登记"}), frozenset({"养犬", "清除"}), frozenset({"养犬", "清除"})]
    asked = dict.fromkeys(["养犬", "登记", "清除", "国庆"], 1.0)  # 国庆 in no candidate: weighs nothing here
    shares = distinctive_shares(held, [[0, 1, 2]], asked)
    assert shares[0] > shares[1] == shares[2] > 0
    assert abs(sum(math.log(1 + 3 / n) for n in (3, 1)) / sum(math.log(1 + 3 / n) for n in (3, 1, 2))
               - shares[0]) < 1e-12
    # Weighed within each sentence's own document: alone in its pool, a sentence holds all.
    per_doc = distinctive_shares(held, [[0], [1, 2]], asked)
    assert per_doc == [1.0, 1.0, 1.0]
    # Each unit also keeps its own weight (a follow-up's asked word weighs more): 清除 at 3.
    heavier = distinctive_shares(held, [[0, 1, 2]], {**asked, "清除": 3.0})
    assert heavier[1] > heavier[0]


def test_a_sentence_is_read_in_its_document_and_told_apart_by_the_question_beyond_the_title():
    from retrieval.ranker import SENTENCE_FEATURES

    # An article titled by what it is about: its opening names the subject, a later sentence
    # answers what is asked of it without repeating the name.
    text = "青石镇古桥\n青石镇古桥是一座三孔石拱桥，横跨镇东的小河。\n桥身全长四十二米，始建于清代。"
    chunk, keyword, in_text, query = _one_document(text, "bridge.txt", "青石镇古桥", "青石镇古桥全长多少米？")
    weights = term_weights(query, keyword, in_text)
    sentences = candidate_sentences([Hit(chunk, 1.0)])
    rows, details = sentence_signals(query, sentences, weights, embedder())
    coverage = {s.text: row[SENTENCE_FEATURES.index("coverage")] for s, row in zip(sentences, rows)}
    said = {s.text: d[0] for s, d in zip(sentences, details)}
    beyond = {s.text: row[SENTENCE_FEATURES.index("pairs_beyond_title")] for s, row in zip(sentences, rows)}
    pairs = {s.text: row[SENTENCE_FEATURES.index("bigram_overlap")] for s, row in zip(sentences, rows)}
    words = {s.text: row[SENTENCE_FEATURES.index("words_beyond_title")] for s, row in zip(sentences, rows)}
    opening = next(t for t in beyond if t.startswith("青石镇古桥是"))
    length = next(t for t in beyond if t.startswith("桥身全长"))
    assert pairs[opening] > pairs[length]  # the name's pairs favour the opening…
    assert beyond[length] > beyond[opening] == 0.0  # …the rest of the question, the answer
    assert words[length] > words[opening] == 0.0  # the same read on words (English too)
    # Read in its document, the answer covers the subject its title names: it covers the whole
    # question, the opening only the name.
    assert coverage[length] == 1.0 > coverage[opening]
    # What the decision judges is what the sentence itself says: the name is the opening's.
    assert said[opening] == coverage[opening] and said[length] < 1.0


def test_a_word_written_another_way_still_shares_its_characters():
    from retrieval.ranker import SENTENCE_FEATURES

    # Asked who founded (创办) it, the answering sentence says 创立: no character pair of the
    # question beyond the title is written there, one of its characters is.
    text = ("青禾书画协会\n青禾书画协会是一个民间艺术团体，以书画交流为主。\n"
            "协会由画家周慕白于1990年创立，会址设在城东。\n现有会员两百余名，多是退休教师。")
    chunk, keyword, in_text, query = _one_document(text, "society.txt", "青禾书画协会", "青禾书画协会的创办人是谁？")
    weights = term_weights(query, keyword, in_text)
    sentences = candidate_sentences([Hit(chunk, 1.0)])
    rows, _ = sentence_signals(query, sentences, weights, embedder())
    column = {f: [row[SENTENCE_FEATURES.index(f)] for row in rows]
              for f in ("pairs_beyond_title", "distinct_chars", "chars_beyond_title", "distinct_chars_rel")}
    at = {s.text[:2]: i for i, s in enumerate(sentences)}
    founded, opening, members = at["协会"], at["青禾"], at["现有"]
    assert column["pairs_beyond_title"][founded] == 0.0
    # 创 is in one candidate, 是 in two: the rarer character among the candidates weighs more.
    assert column["chars_beyond_title"][founded] > column["chars_beyond_title"][opening] \
        == column["chars_beyond_title"][members] > 0.0
    # All of the question's characters, the title's too: the opening, which names the subject, holds most.
    assert column["distinct_chars"][opening] > column["distinct_chars"][founded] > 0.0
    assert column["distinct_chars_rel"][opening] == 1.0
    # An English question has no Chinese characters: the columns say nothing, as its pairs do.
    en = analyse("Who founded the society?", [], lambda w: keyword.has(w) or in_text(w))
    en_rows, _ = sentence_signals(en, sentences, term_weights(en, keyword, in_text), embedder())
    assert all(row[SENTENCE_FEATURES.index(f)] == 0.0 for row in en_rows
               for f in ("distinct_chars", "distinct_chars_rel", "chars_beyond_title"))
