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
    # jieba tags 东西 (a thing) and 美德 as places; after 什么, heading the phrase, they are what
    # is asked for. A place that modifies the next noun is still named, after 哪个 always.
    assert place_names(normalise("办理临时救助需要准备什么东西？")) == ()
    assert place_names(normalise("办理临时救助要带哪些东西？")) == ()
    assert place_names(normalise("他最看重什么美德？")) == ()
    assert "日本" in place_names(normalise("有什么日本企业在这里投资？"))
    assert "日本" in place_names(normalise("哪个日本导演拍了这部电影？"))


def test_an_everyday_word_the_corpus_lacks_meets_the_words_the_dictionary_gives_its_sense():
    from retrieval.chinese_terms import equivalents

    corpus = "出售房屋的，应当告知买受人。转让住房应当办理登记。"
    uses = lambda w: w in corpus  # noqa: E731
    assert "房屋" in equivalents("房子", uses)
    assert "出售" in equivalents("卖出", uses)
    # A word the corpus uses keeps its own; a word without a shared first sense gets nothing.
    assert equivalents("房屋", uses) == ()
    assert equivalents("物业费", uses) == ()
    assert equivalents("卖", uses) == ()  # a lone character has too many senses
    # The bundled regional table comes first (狗 → 犬).
    assert equivalents("狗", lambda w: w in "饲养犬只应当登记。") == ("犬",)


def test_an_abbreviation_meets_its_full_form_and_back():
    from retrieval.chinese_terms import equivalents

    corpus = "六十五周岁以上老年人每年进行一次免费体格检查。"
    assert "体格检查" in equivalents("体检", lambda w: w in corpus)
    assert "医疗保险" in equivalents("医保", lambda w: w in "参加基本医疗保险的职工。")
