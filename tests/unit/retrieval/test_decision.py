"""Decision: answer or decline, with its signals and reason (retrieval/decision.py)."""

from __future__ import annotations

import pytest
from answer_inputs import DOC, chunks_of, dated, embedder, fixtures, index_of, scored_over, signals

from core.records import Chunk, Hit
from core.script import normalise
from retrieval.decision import decide, features
from retrieval.evidence import candidate_sentences
from retrieval.query import analyse
from retrieval.scoring import Scored, score_sentences, term_weights


def test_the_decision_declines_with_the_reason_that_pulled_the_score_down():
    chunks, _, keyword, vocabulary = fixtures()
    model = {"features": ["absent_share", "lead_prob"], "coef": [-3.0, 1.0], "intercept": 0.0,
             "mean": [0.0, 0.0], "scale": [1.0, 1.0], "threshold": 0.5}
    query = analyse("国庆节放假几天？", [], vocabulary)
    weights, scored = scored_over(query, chunks, keyword, lambda t: t in normalise(DOC))
    decision = decide(query, weights, scored[:1], [], model=model)
    assert not decision.answer and "国庆节" in decision.reason
    assert dict(decision.features)["absent_share"] == 1.0
    assert set(features(query, weights, scored[:1], [])) >= {"lead_prob", "dense_best", "figure_missing"}


def test_an_asked_figure_is_found_whatever_sentence_it_stands_in():
    # The fine is asked for: its sentence covers the question's words and holds the figure.
    fine = signals("携犬出户未束犬链的罚多少钱？")
    # A vaccination fee is asked for: the passage's only money figure stands beside other words;
    # whether it answers is the ranker's call (its coverage and similarity), not a rule's.
    fee = signals("接种狂犬病疫苗要交多少钱？")
    assert fine["figure_missing"] == 0.0 and fine["coverage_all"] == pytest.approx(1.0)
    # What sets the fee question apart is a word no document uses (要交).
    assert fee["absent_share"] > fine["absent_share"]
    # The fine's sentence does not fit the fee question: a fine is what breaking a rule costs,
    # not a fee. It fits the question asking the fine.
    chunks, _, keyword, vocabulary = fixtures()
    for question, fits in (("接种狂犬病疫苗要交多少钱？", False), ("携犬出户未束犬链的罚多少钱？", True)):
        query = analyse(question, [], vocabulary)
        _, scored = scored_over(query, chunks, keyword, lambda t: t in normalise(DOC))
        assert next(s for s in scored if "二百元" in s.evidence.text).figure_fit == fits


def test_a_year_the_dated_document_never_names_counts_as_missing():
    assert signals("2021年未束犬链罚多少钱？")["year_missing"] == 0.0
    assert signals("2035年未束犬链罚多少钱？")["year_missing"] == 1.0


def test_a_version_asked_by_its_year_is_matched_by_the_document_date_only():
    # The text names 2019 (as a revision note of another version would); its date is 2021.
    text = DOC + "\n本条例2019年曾作修改。"
    assert signals("2019年未束犬链罚多少钱？", text)["year_missing"] == 0.0
    assert signals("2019年版条例对未束犬链罚多少钱？", text)["year_missing"] == 1.0
    assert signals("2021年版条例对未束犬链罚多少钱？", text)["year_missing"] == 0.0


def test_a_version_year_is_matched_by_the_leads_document_not_by_another_chosen_one():
    old = dated("fines-2017.txt", "2017-11-04", "情节严重的，对单位处五千元以上十万元以下的罚款。")
    other = dated("parking-2022.txt", "2022-08-22", "情节严重的，处一万元以上五万元以下罚款。")
    keyword = index_of([old, other])
    query = analyse("2022年修订的条例，情节严重的罚款最高多少？", [], keyword.has)
    weights = term_weights(query, keyword, keyword.has)
    evidence = candidate_sentences([Hit(old, 1.0), Hit(other, 0.9)])
    scored = score_sentences(query, evidence, weights, embedder())
    lead = next(s for s in scored if s.evidence.chunk is old)
    side = next(s for s in scored if s.evidence.chunk is other)
    chosen = [Scored(lead.evidence, 1.0, lead.coverage, lead.covered, lead.dense, lead.figure_fit),
              Scored(side.evidence, 0.5, side.coverage, side.covered, side.dense, side.figure_fit)]
    assert features(query, weights, chosen, [])["year_missing"] == 1.0  # the 2017 version leads
    chosen = [chosen[1], replace_score(chosen[0], 0.4)]
    assert features(query, weights, chosen, [])["year_missing"] == 0.0  # the 2022 version leads


def test_a_year_asked_is_looked_for_in_the_leads_document_not_in_another_chosen_one():
    # The lead's document (2017) never names the year asked; a side document of that year does.
    old = dated("fines-2017.txt", "2017-11-04", "情节严重的，对单位处五千元以上十万元以下的罚款。")
    other = dated("parking-2022.txt", "2022-08-22", "情节严重的，处一万元以上五万元以下罚款。")
    keyword = index_of([old, other])
    query = analyse("2022年情节严重的罚款最高多少？", [], keyword.has)
    assert not query.intent.asks_version_year
    weights = term_weights(query, keyword, keyword.has)
    scored = score_sentences(query, candidate_sentences([Hit(old, 1.0), Hit(other, 0.9)]), weights, embedder())
    lead = replace_score(next(s for s in scored if s.evidence.chunk is old), 1.0)
    side = replace_score(next(s for s in scored if s.evidence.chunk is other), 0.5)
    mentions = lambda doc, term: term in {"fines-2017.txt": "2017", "parking-2022.txt": "2022"}[doc]  # noqa: E731
    assert features(query, weights, [lead, side], [], mentions)["year_missing"] == 1.0
    assert features(query, weights, [replace_score(side, 1.0), replace_score(lead, 0.5)], [],
                    mentions)["year_missing"] == 0.0


def replace_score(s: Scored, score: float) -> Scored:
    return Scored(s.evidence, score, s.coverage, s.covered, s.dense, s.figure_fit)


def test_a_follow_up_is_not_declined_for_a_name_only_its_earlier_turn_used():
    chunks, _, keyword, vocabulary = fixtures()
    history = [{"role": "user", "content": "What did Zorblax Quentin say about dogs?"},
               {"role": "assistant", "content": "Dogs must be leashed."}]
    follow_up = analyse("And what about the fine?", history, vocabulary)
    asked = analyse("What fine did Zorblax Quentin set?", [], vocabulary)
    assert follow_up.unknown and asked.unknown  # the rewrite carries the name along
    weights, scored = scored_over(follow_up, chunks, keyword, lambda t: t in normalise(DOC))
    assert features(follow_up, weights, scored[:1], [])["unknown_name"] == 0.0
    # Scored against the asked question's own words.
    weights, scored = scored_over(asked, chunks, keyword, lambda t: t in normalise(DOC))
    assert features(asked, weights, scored[:1], [])["unknown_name"] == 1.0


def test_the_best_sentence_of_another_document_is_a_signal_of_its_own():
    chunks, _, keyword, vocabulary = fixtures()
    other = Chunk(id="cats-0", doc="cats.txt", title="某市养猫须知", text="养猫人应当为猫接种疫苗。",
                  index_text=normalise("养猫人应当为猫接种疫苗。"), start=0, end=12, position=0)
    query = analyse("携犬出户未束犬链的罚多少钱？", [], vocabulary)
    weights, scored = scored_over(query, chunks + [other], keyword, lambda t: t in normalise(DOC))
    best = max((s for s in scored if s.evidence.chunk.doc == "dogs.txt"), key=lambda s: s.score)
    rival = max(s.score for s in scored if s.evidence.chunk.doc == "cats.txt")
    x = features(query, weights, [best], [], scored=scored)
    assert x["lead_prob"] == best.score and x["other_doc_prob"] == rival


def test_an_empty_knowledge_base_is_told_apart_from_a_question_without_a_match():
    _chunks, _, keyword, vocabulary = fixtures()
    model = {"features": ["lead_prob"], "coef": [1.0], "intercept": 0.0, "mean": [0.0], "scale": [1.0],
             "threshold": 0.5}
    for question, empty, nothing_found in (("经费怎么保障？", "知识库中还没有文档", "没有检索到相关段落"),
                                           ("經費怎麼保障？", "知識庫中還沒有文檔", "沒有檢索到相關段落"),
                                           ("How is the funding secured?", "holds no documents", "no related passage")):
        query = analyse(question, [], vocabulary)
        weights = term_weights(query, keyword, lambda t: True)
        assert empty in decide(query, weights, [], [], model=model, indexed=False).reason
        assert nothing_found in decide(query, weights, [], [], model=model).reason


def test_the_question_s_rarest_word_missing_from_the_lead_s_document_is_a_signal():
    chunks, _, keyword, vocabulary = fixtures()
    other = "职工退休后按月领取养老金。"  # another document of the corpus
    text = {c.doc: normalise(DOC) for c in chunks}
    for question, missing in (("养犬人退休后未束犬链罚多少钱？", 1.0), ("未束犬链罚多少钱？", 0.0)):
        query = analyse(question, [], lambda w: vocabulary(w) or w in other)
        weights, scored = scored_over(query, chunks, keyword, lambda t: t in normalise(DOC) or t in other)
        chosen = sorted(scored, key=lambda s: -s.score)[:2]
        x = features(query, weights, chosen, [], mentions=lambda doc, term: term in text.get(doc, ""))
        assert x["rarest_missing_in_doc"] == missing


def test_an_article_of_another_place_s_rule_is_a_signal_a_national_law_is_not():
    from dataclasses import replace

    _chunks, _, _keyword, vocabulary = fixtures()
    text = normalise(DOC)
    mentions = lambda doc, term: term in text  # noqa: E731  (the document names no place)
    for title, heading, local in (("大连市养犬管理条例", "第十五条", 1.0),  # a city's rule, an article
                                  ("养犬管理条例", "第十五条", 0.0),  # no place in its title: national
                                  ("大连市养犬管理条例", "", 0.0)):  # no numbered article
        chunks = [replace(c, heading=heading) for c in chunks_of(DOC, DOC.index("（二）"), title=title)]
        keyword = index_of(chunks)
        query = analyse("珠海市携犬出户未束犬链的罚多少钱？", [], vocabulary)
        weights, scored = scored_over(query, chunks, keyword, lambda t: t in text)
        lead = max(scored, key=lambda s: s.score)
        x = features(query, weights, [lead], [], mentions=mentions, scored=scored)
        assert x["place_missing"] == 1.0 and x["place_missing_local_rule"] == local
        # The question names the place of the rule: nothing is missing.
        asked_here = analyse("大连市携犬出户未束犬链的罚多少钱？", [], vocabulary)
        weights, scored = scored_over(asked_here, chunks, keyword, lambda t: t in text)
        x = features(asked_here, weights, scored[:1], [], mentions=lambda doc, term: term in text + "大连",
                     scored=scored)
        assert x["place_missing"] == 0.0 and x["place_missing_local_rule"] == 0.0


def test_a_figure_asked_that_no_chosen_article_of_a_rule_states_is_a_signal():
    from dataclasses import replace
    _chunks, _, _keyword, vocabulary = fixtures()
    text = normalise(DOC)
    for heading, in_rule in (("第十六条", 1.0), ("", 0.0)):  # an article of a rule; a page without
        chunks = [replace(c, heading=heading) for c in chunks_of(DOC, DOC.index("（二）"))]
        keyword = index_of(chunks)
        # A duration asked of the registration: the passages set no time limit.
        query = analyse("为犬只办理登记要多少天？", [], vocabulary)
        weights, scored = scored_over(query, chunks, keyword, lambda t: t in text)
        lead = next(s for s in scored if "登记" in s.evidence.text)
        x = features(query, weights, [lead], [], scored=scored)
        assert x["figure_missing"] == 1.0 and x["figure_missing_in_rule"] == in_rule
        # The fine asked is stated: nothing is missing.
        asked = analyse("携犬出户未束犬链的罚多少钱？", [], vocabulary)
        weights, scored = scored_over(asked, chunks, keyword, lambda t: t in text)
        x = features(asked, weights, [max(scored, key=lambda s: s.score)], [], scored=scored)
        assert x["figure_missing"] == 0.0 and x["figure_missing_in_rule"] == 0.0
