"""The analysed question and the text embedded for dense search (retrieval/query.py)."""

from __future__ import annotations

from dataclasses import replace

from question_inputs import vocabulary

from core.script import normalise
from retrieval.query import analyse, search_text
from retrieval.transliterate import Transliterator


def test_traditional_question_words_are_not_content_words():
    query = analyse("老人退休後可以申請甚麼照顧？", [], vocabulary)
    assert "甚么" not in query.tokens and "照顾" in query.tokens


def test_regional_and_plain_words_meet_the_corpus_words_that_mean_the_same():
    corpus = "违反本办法规定者，处新台币三千元以上罚锾。饲主应为犬只办理登记。"
    known = lambda w: w in corpus  # noqa: E731
    query = analyse("台湾的狗不登记罚款多少？", [], known)
    groups = dict(zip(query.group_words, query.groups))
    assert "罚锾" in groups["罚款"] and "犬" in groups["狗"]
    assert "罚锾" in query.tokens  # the keyword search looks for them too
    plain = analyse("台湾的狗不登记罚款多少？", [], lambda w: False)
    assert not plain.groups  # nothing to add where the corpus has no equivalent
    # Where the corpus uses the question's own word, it is matched as it is.
    both = analyse("台湾的狗不登记罚款多少？", [], lambda w: w in corpus + "罚款")
    assert "罚款" not in dict(zip(both.group_words, both.groups)) or \
        dict(zip(both.group_words, both.groups))["罚款"] == ("罚款",)


def test_an_english_question_is_embedded_as_one_rendering_per_word():
    corpus = "违反规定的，处罚款。罚金另计。本市禁止燃放烟花爆竹。"
    query = analyse("What is the fine for fireworks in France?", [], lambda w: w in corpus)
    dense = search_text(query)
    # The best rendering of each word once, then what no corpus word renders, in English;
    # not the English sentence, nor a word's other renderings (the fine's 罚金 feeds BM25).
    assert "罚款" in dense.split() and "罚金" in query.tokens and "罚金" not in dense
    assert "France" in dense and "What" not in dense
    assert len(dense.split()) == len(set(dense.split()))
    # A Chinese question is embedded as itself, normalised.
    assert search_text(analyse("燃放煙花爆竹罰多少？", [], lambda w: w in corpus)) == normalise("燃放煙花爆竹罰多少？")


def test_places_compared_across_documents_are_left_to_the_place_prior():
    corpus = "白沙区收集问题。清河镇收集问题，解决问题。"
    query = analyse("How many problems were collected in Baisha District and in Qinghe Town?", [],
                    lambda w: w in corpus, Transliterator(["白沙", "清河", "问题", "收集"]))
    assert {"白沙", "清河"} <= set(query.places) and not query.compares_places
    assert {"白沙", "清河", "收集"} <= set(search_text(query).split())
    compared = search_text(replace(query, compares_places=True)).split()
    assert "收集" in compared and not {"白沙", "清河", "区", "镇"} & set(compared)


def test_a_number_meets_the_corpus_in_the_other_numerals():
    corpus = "六十五周岁以上老年人每年进行一次免费体格检查。申请材料应当在15日内补齐。"
    in_corpus = lambda w: w in corpus  # noqa: E731
    assert ("65", "六十五") in analyse("65岁以上老人每年免费体检几次？", [], in_corpus).groups
    assert ("十五", "15") in analyse("十五日内要补齐材料吗？", [], in_corpus).groups
    english = analyse("How often can people over 65 get a free health check?", [], in_corpus)
    assert ("65", "六十五") in english.groups
    # Only the forms the corpus uses; a year is no count written in words.
    assert not any("二千零一十九" in g for g in analyse("2019年补齐了吗？", [], in_corpus).groups)
