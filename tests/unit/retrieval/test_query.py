"""Query analysis on tiny synthetic vocabularies: English expansion, romanised names, and the
Chinese tokens a corpus lacks."""

from __future__ import annotations

from core.zh import normalise
from retrieval.chinese_terms import corpus_tokens
from retrieval.english import expand_english
from retrieval.query import analyse
from retrieval.transliterate import Transliterator, syllable_key
from retrieval.tokens import tokenize

CORPUS = ("澳门特别行政区行政长官贺一诚发表施政报告，继续推行现金分享计划。台湾高雄市政府规定，"
          "违反规定的，处罚款。本市禁止燃放烟花爆竹的地方包括学校和医院。退休老人可以申请照顾。"
          "每年举行会议，新的条件自公布之日起施行。环境优良，满足需要，新闻发布。")
WORDS = sorted({t for t in tokenize(normalise(CORPUS))} | {"贺一诚", "高雄", "现金分享", "李家超"})


def vocabulary(word: str) -> bool:
    return word in CORPUS


def test_loose_syllable_keys_join_spellings_of_one_syllable():
    assert syllable_key("Seng") == syllable_key("Sing") == syllable_key("Shing")
    assert syllable_key("Hou") == syllable_key("Ho")  # Macau and Hong Kong spellings
    assert syllable_key("Iat") == syllable_key("Yat")
    assert syllable_key("Kwok") == syllable_key("Gwok")
    assert syllable_key("Sam") != syllable_key("San") and syllable_key("Lee") != syllable_key("Lau")


def test_names_romanised_in_cantonese_and_wade_giles_find_corpus_words():
    names = Transliterator(WORDS)
    assert names("Ho Iat Seng") == ["贺一诚"]
    assert names("Kaohsiung") == ["高雄"]
    assert names("Ho Lam Seng") == []  # a different name: no corpus word


def test_a_name_of_several_words_is_a_name_not_unknown_words():
    found = expand_english("Which plans did Ho Iat Seng announce in the policy address?", vocabulary,
                           Transliterator(WORDS))
    assert "贺一诚" in found.terms and "贺一诚" not in found.names  # a person, not a place
    assert not set(found.unknown_names) & {"Ho", "Iat", "Seng"}
    # An English given name before a Cantonese one: the run's part that spells a corpus name.
    hk = expand_english("What did John Lee Ka-chiu announce?", lambda w: w == "李家超", Transliterator(WORDS))
    assert hk.by_word["Lee Ka-chiu"] == ["李家超"] and not hk.unknown_names
    missing = expand_english("What did John Smith announce?", vocabulary, Transliterator(WORDS))
    assert {"John", "Smith"} <= set(missing.unknown_names)


class _CountingVocabulary:
    """A corpus vocabulary that also tells how many passages use a word."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    def __call__(self, word: str) -> bool:
        return word in self.counts

    def frequency(self, word: str) -> int:
        return self.counts.get(word, 0)


def test_dictionary_senses_are_ranked_by_the_corpus_own_use():
    # A general dictionary's first sense of "fine" is 优良; a policy corpus mostly means 罚款.
    policy = _CountingVocabulary({"罚款": 40, "罚金": 5, "优良": 1, "良好": 2})
    found = expand_english("What is the fine for this?", policy)
    assert found.by_word["fine"][0] == "罚款"
    school = _CountingVocabulary({"罚款": 1, "优良": 30, "良好": 25})
    assert expand_english("What is the fine for this?", school).by_word["fine"][0] != "罚款"


def test_a_word_is_read_as_written_before_its_inflections():
    found = expand_english("Which new conditions apply at the meeting?", vocabulary)
    assert found.by_word.get("new", ["新"])[0] not in ("新闻", "消息")
    assert "会议" in found.by_word["meeting"]


def test_compounds_the_corpus_writes_apart_are_not_absent_words():
    tokens = tokenize(normalise("哪些地方可以申请照顾？"))
    resolved = corpus_tokens(tokens, vocabulary)
    assert "地方" in resolved and not [t for t in resolved if not vocabulary(t)]
    # A word no corpus words spell stays absent: that is what an out-of-scope question shows.
    moved = corpus_tokens(tokenize(normalise("搬家以后要做什么？")), vocabulary)
    assert "搬家" in moved


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


def test_a_glossary_term_no_document_uses_counts_as_absent():
    corpus = "女职工生育的，给予休假。职工可以请假。"
    found = expand_english("Can a worker take maternity leave?", lambda w: w in corpus)
    assert "maternity leave" in found.unmatched  # 产假 is nowhere
    assert found.terms  # its words may still search, one by one


def test_common_words_jieba_tags_as_places_are_no_unknown_names():
    from retrieval.chinese_terms import proper_nouns

    assert proper_nouns("北京养犬管理条例新旧两版有什么不同") == ("北京",)  # 新旧 is tagged ns
    assert "法国" in proper_nouns("法国的养狗规定是什么")


def test_numbers_in_english_words_meet_figures_as_documents_write_them():
    corpus = "年满60岁的长者乘车优惠。未满十八岁者不得献血。"
    found = expand_english("Do residents in their sixties pay less for the ferry?", lambda w: w in corpus)
    assert "60" in found.by_word["sixties"]
    assert "十八" in expand_english("Is eighteen the minimum age?", lambda w: w in corpus).terms
    assert "1" not in expand_english("Which one applies?", lambda w: w in corpus + "1").terms


def test_a_capitalised_ordinary_word_is_absent_not_an_unknown_name():
    found = expand_english("What does the Registration Ordinance say about France?", lambda w: False)
    assert "France" in found.unknown_names  # a name no document mentions
    assert not {"Ordinance", "Registration"} & set(found.unknown_names)
    assert "ordinance" in found.unmatched


def test_an_acronym_is_an_unmatched_word_not_an_unknown_name():
    found = expand_english("Does the VAT rule apply to SMEs in Norway?", lambda w: False)
    assert "Norway" in found.unknown_names
    assert not {"VAT", "SMEs"} & set(found.unknown_names)
    assert {"vat", "smes"} <= set(found.unmatched)


def test_an_english_question_is_embedded_as_one_rendering_per_word():
    from retrieval.query import search_text

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
    from dataclasses import replace

    from retrieval.query import search_text

    corpus = "白沙区收集问题。清河镇收集问题，解决问题。"
    query = analyse("How many problems were collected in Baisha District and in Qinghe Town?", [],
                    lambda w: w in corpus, Transliterator(["白沙", "清河", "问题", "收集"]))
    assert {"白沙", "清河"} <= set(query.places) and not query.compares_places
    assert {"白沙", "清河", "收集"} <= set(search_text(query).split())
    compared = search_text(replace(query, compares_places=True)).split()
    assert "收集" in compared and not {"白沙", "清河", "区", "镇"} & set(compared)


def test_administrative_levels_meet_the_words_policy_text_writes():
    corpus = "自治区人民政府、各省及地级市、县级市，街道办事处和居民委员会应当落实补贴。"
    found = expand_english("Do the autonomous region, each province, every prefecture-level city, "
                           "county-level city and subdistrict office pay the subsidy?", lambda w: w in corpus)
    for word, rendering in (("autonomous region", "自治区"), ("province", "省"),
                            ("prefecture-level city", "地级市"), ("county-level city", "县级市"),
                            ("subdistrict office", "街道办事处")):
        assert found.by_word[word][0] == rendering, word
    assert "居民委员会" in expand_english("Must the neighbourhood committee act?", lambda w: w in corpus).terms


def test_a_name_the_dictionary_spells_one_letter_apart_is_still_read():
    corpus = "新疆维吾尔自治区公布停车收费标准。"
    found = expand_english("What does Xinjang charge for parking?", lambda w: w in corpus)
    assert found.by_word["Xinjang"] == ["新疆"] and "Xinjang" not in found.unknown_names
    # a name nothing in the dictionary spells nearly alike stays unknown
    assert "Zzyzxville" in expand_english("Is Zzyzxville covered?", lambda w: w in corpus).unknown_names
