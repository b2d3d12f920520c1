"""Chinese questions: words resolved against the corpus, places and names
(retrieval/chinese_terms.py)."""

from __future__ import annotations

from question_inputs import vocabulary

from core.script import normalise
from retrieval.chinese_terms import corpus_tokens, place_names, proper_nouns
from retrieval.tokens import tokenize


def test_compounds_the_corpus_writes_apart_are_not_absent_words():
    tokens = tokenize(normalise("哪些地方可以申请照顾？"))
    resolved = corpus_tokens(tokens, vocabulary)
    assert "地方" in resolved and not [t for t in resolved if not vocabulary(t)]
    # A word no corpus words spell stays absent: that is what an out-of-scope question shows.
    moved = corpus_tokens(tokenize(normalise("搬家以后要做什么？")), vocabulary)
    assert "搬家" in moved


def test_common_words_jieba_tags_as_places_are_no_unknown_names():
    assert proper_nouns("北京养犬管理条例新旧两版有什么不同") == ("北京",)  # 新旧 is tagged ns
    assert "法国" in proper_nouns("法国的养狗规定是什么")


def test_the_kind_of_thing_asked_for_is_no_place_named():
    # jieba tags 东西 (a thing) and 王国 as places; after 什么 or 哪个, heading the phrase, they
    # are what is asked for. A place that modifies the next noun is still named.
    assert place_names(normalise("直到十九世纪什么东西发明后才有电厂？")) == ()
    assert place_names(normalise("当时亚洲最强的是哪个王国？")) == ("亚洲",)
    assert "日本" in place_names(normalise("这部漫画是哪个日本漫画家的作品？"))
