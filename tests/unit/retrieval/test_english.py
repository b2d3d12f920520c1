"""English questions: the Chinese terms the corpus uses for their words and names
(retrieval/english.py, retrieval/dictionary.py)."""

from __future__ import annotations

from question_inputs import WORDS, vocabulary

from retrieval.english import expand_english
from retrieval.transliterate import Transliterator


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


def test_two_neighbouring_words_the_corpus_writes_as_one_word_are_rendered_by_it():
    # 驻 and 村 are each too common to render a word alone; the corpus's word 驻村 renders both.
    corpus = _CountingVocabulary({"驻村": 3, "村": 40, "农村": 12, "干部": 30, "联络": 2})
    found = expand_english("Must cadres stay in villages in winter?", corpus)
    assert "驻村" in found.by_word["stay"] and "驻村" in found.by_word["villages"]
    assert "驻村" in found.terms
    # Characters that never make a word of the corpus together stay apart.
    plain = _CountingVocabulary({"村": 40, "农村": 12, "干部": 30, "联络": 2})
    assert "驻村" not in expand_english("Must cadres stay in villages in winter?", plain).terms


def test_a_word_is_read_as_written_before_its_inflections():
    found = expand_english("Which new conditions apply at the meeting?", vocabulary)
    assert found.by_word.get("new", ["新"])[0] not in ("新闻", "消息")
    assert "会议" in found.by_word["meeting"]


def test_a_glossary_name_no_document_uses_counts_as_absent():
    corpus = "女职工生育的，给予休假。职工可以请假。"
    found = expand_english("Can a worker in Inner Mongolia take leave?", lambda w: w in corpus)
    assert "inner mongolia" in found.unmatched  # 内蒙古 is nowhere
    assert found.terms  # the other words still search


def test_policy_words_take_the_sense_the_corpus_uses_without_a_glossary():
    # No hand list renders these: the dictionary's senses do, ordered by the corpus's own use.
    corpus = _CountingVocabulary({"处罚": 30, "罚款": 25, "补贴": 20, "补助": 12, "养老金": 4, "违法": 9})
    found = expand_english("What penalty applies if the pension subsidy is paid illegally?", corpus)
    assert set(found.by_word["penalty"]) & {"处罚", "罚款"}
    assert "养老金" in found.by_word["pension"]
    assert set(found.by_word["subsidy"]) & {"补贴", "补助"}


def test_numbers_in_english_words_meet_figures_as_documents_write_them():
    corpus = "年满60岁的居民参观博物馆优惠。未满十八岁者不得驾驶。"
    found = expand_english("Do residents in their sixties pay less at the museum?", lambda w: w in corpus)
    assert "60" in found.by_word["sixties"]
    assert "十八" in expand_english("Is eighteen the minimum age?", lambda w: w in corpus).terms
    assert "1" not in expand_english("Which one applies?", lambda w: w in corpus + "1").terms


def test_a_capitalised_ordinary_word_is_absent_not_an_unknown_name():
    found = expand_english("What does the Registration Ordinance say about France?", lambda w: False)
    assert "France" in found.unknown_names  # a name no document mentions
    assert not {"Ordinance", "Registration"} & set(found.unknown_names)
    assert "ordinance" in found.unmatched


def test_a_capitalised_word_inside_a_title_is_no_name():
    # Between two ordinary words of a title in title case, a word the dictionary lacks is read
    # like any word (its nearest corpus words), not taken for a name the documents never mention.
    found = expand_english("What does the Public Welfare Lottery Regulation require?", lambda w: False)
    assert "Welfare" not in found.unknown_names and "welfare" in found.unmatched
    assert "Paris" in expand_english("Does the Paris Lottery Regulation apply?", lambda w: False).unknown_names


def test_an_acronym_is_an_unmatched_word_not_an_unknown_name():
    found = expand_english("Does the VAT rule apply to SMEs in Norway?", lambda w: False)
    assert "Norway" in found.unknown_names
    assert not {"VAT", "SMEs"} & set(found.unknown_names)
    assert {"vat", "smes"} <= set(found.unmatched)


def test_administrative_levels_meet_the_words_policy_text_writes():
    # The dictionary's own phrases, not a hand list, render the levels policy text writes.
    corpus = "自治区人民政府、各省及地级市、县级市，街道办事处和居民委员会应当落实补贴。"
    found = expand_english("Do each prefecture-level city, county-level city and subdistrict office "
                           "pay the subsidy?", lambda w: w in corpus)
    for word, rendering in (("prefecture-level city", "地级市"), ("county-level city", "县级市"),
                            ("subdistrict office", "街道办事处")):
        assert found.by_word[word][0] == rendering, word
    assert "委员会" in expand_english("Must the neighbourhood committee act?", lambda w: w in corpus).terms


def test_a_name_the_dictionary_spells_one_letter_apart_is_still_read():
    corpus = "新疆维吾尔自治区公布停车收费标准。"
    found = expand_english("What does Xinjang charge for parking?", lambda w: w in corpus)
    assert found.by_word["Xinjang"] == ["新疆"] and "Xinjang" not in found.unknown_names
    # a name nothing in the dictionary spells nearly alike stays unknown
    assert "Zzyzxville" in expand_english("Is Zzyzxville covered?", lambda w: w in corpus).unknown_names


def test_a_short_word_heading_a_dictionary_compound_is_rendered_by_it():
    # CC-CEDICT glosses 奶牛 "milk cow / dairy cow": the head "cow" names what the word is,
    # short as it is.
    corpus = _CountingVocabulary({"奶牛": 6, "农场": 9})
    found = expand_english("How many cows does the farm keep?", corpus)
    assert "奶牛" in found.by_word["cows"]
    assert "cows" not in found.unmatched


def test_a_hyphenated_compound_is_read_as_its_words_not_as_an_unknown_name():
    corpus = "开展法治宣传教育，加强农村法治建设。"
    found = expand_english("How is Rule-of-law education organised in villages?", lambda w: w in corpus)
    assert not found.unknown_names and found.by_word["Rule of law"] == ["法治"]
    # Read whole when the corpus uses a rendering of the whole word, else by its parts.
    assert "长远" in expand_english("Is a long-term plan needed?", lambda w: w in "长远规划").by_word["long-term"]
    assert "长期" in expand_english("Is a long-term plan needed?", lambda w: w in "长期规划").by_word["long term"]
    # A romanised name written with a hyphen stays one name.
    city = expand_english("How many jobs did Chang-chun create?", lambda w: w == "长春", Transliterator(["长春"]))
    assert city.by_word["Chang-chun"] == ["长春"] and not city.unknown_names


def test_british_spellings_are_read_through_the_dictionary_s_american_ones():
    corpus = "未取得机动车驾驶证的，不得驾驶机动车。劳动合同由用人单位与劳动者订立。社会组织应当登记。"
    vocabulary = lambda w: w in corpus  # noqa: E731
    found = expand_english("What is the fine for driving without a driving licence?", vocabulary)
    assert "驾驶证" in found.terms and "licence" not in found.unmatched
    found = expand_english("Who signs the labour contract?", vocabulary)
    assert "劳动合同" in found.terms
    found = expand_english("Must a social organisation register?", vocabulary)
    assert "组织" in found.terms and "organisation" not in found.unmatched
    # A word the dictionary glosses as written is read as written (four, hour).
    assert expand_english("How many hours?", lambda w: w == "小时").terms == ("小时",)


def test_a_derived_word_the_dictionary_lacks_is_read_as_the_word_it_is_formed_from():
    corpus = "申请人应当办理登记。对违反规定的单位给予通报。"
    vocabulary = lambda w: w in corpus  # noqa: E731
    found = expand_english("Is registration required?", vocabulary)
    assert "登记" in found.terms and "registration" not in found.unmatched
    found = expand_english("What happens after violations?", vocabulary)
    assert "违反" in found.terms
    # Only a word the dictionary forms it from with a suffix of word formation counts, and a
    # short base that would lose a letter for it is no base (station is not state + ion).
    assert "违反" not in expand_english("Is it a violin?", vocabulary).terms
    from retrieval.dictionary import related_words

    assert related_words("station") == [] and related_words("registration") == ["register"]


def test_a_word_glossed_only_inside_longer_glosses_is_also_read_through_its_base():
    # The dictionary has "registration" only within compounds' glosses (registration form…).
    corpus = "宠物应当办理登记。户口名簿应当妥善保管。"
    found = expand_english("Is pet registration required?", lambda w: w in corpus)
    assert "登记" in found.by_word["registration"]


def test_es_is_a_plural_ending_only_after_the_stems_that_take_it():
    from retrieval.dictionary import variants

    assert "far" not in variants("fares") and "fare" in variants("fares")
    assert "tax" in variants("taxes") and "church" in variants("churches")


def test_a_glossary_word_the_dictionary_lacks_is_read_by_the_glossary():
    # "hongkonger" is in the place glossary only: no dictionary sense to judge, no fallback.
    found = expand_english("Can a hongkonger apply?", lambda w: w in "香港居民可以申请。")
    assert "香港" in found.terms


def test_a_phrase_is_rendered_by_words_not_by_single_characters():
    # "take part in" is glossed by the lone characters 与 and 参, which stand inside countless
    # words; the phrase falls back to "take part" (参加), as a single word never takes one.
    corpus = "居民应当参加社区活动。参与和与会的人员名单另行公布。"
    found = expand_english("Who must take part in community activities?", lambda w: w in corpus)
    assert found.by_word.get("take part") == ["参加"]
    assert not any(len(t) == 1 for t in found.terms)


def test_a_number_renders_a_whole_gloss_not_a_word_of_it():
    # The dictionary's 十一 is "National Day": neither "day" nor "national" is 十一, though law
    # text writes 第十一条 in every other article (so the corpus's own use would rank it first).
    corpus = "第十一条 开放日每日开放时间不少于八小时。第二十一条 全国统一组织实施。第十一条 投资一百万元。"
    found = expand_english("Which national day is an open day?", lambda w: w in corpus)
    assert "十一" not in found.terms and "全国" in found.terms
    # A number the word itself is glossed by still renders it.
    assert "百万" in expand_english("Is a million invested?", lambda w: w in corpus).terms


def test_the_degree_word_after_how_asks_a_measure_and_names_no_topic():
    # 一经 glosses "as soon as": "how soon" asks a time limit, it names nothing a passage covers.
    corpus = _CountingVocabulary({"一经": 3, "报告": 20, "雇主": 4, "尽快": 2})
    found = expand_english("How soon must an employer report it?", corpus)
    assert "soon" not in found.by_word and "一经" not in found.terms and "soon" not in found.unmatched
    assert "报告" in found.by_word["report"]
    # Elsewhere the word is read as any other (a soon-to-expire permit is about expiry).
    assert "soon" in expand_english("Is the permit soon to expire?", corpus).by_word
