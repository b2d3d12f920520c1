"""The Chinese text rules (core/zh.py): sentences, figures incl. Chinese numerals, quantity
questions, list items."""

from __future__ import annotations

import pytest

from core.figures import find_figures, numeral_value, years_named
from core.headings import ITEM_RE
from core.places import jurisdiction_counts, jurisdiction_markers, place_within
from core.script import normalise, to_traditional
from core.sentences import sentence_spans
from retrieval.question_patterns import (asked_amount_nouns, asked_quantity, asks_validity, asks_version_year, names_amount)


def test_sentence_spans_exclude_white_space_and_keep_closing_marks():
    text = "第一条 为了规范管理。\n  二、违反规定的，责令改正；拒不改正的，罚款五百元」。 "
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "第一条 为了规范管理。", "二、违反规定的，责令改正；拒不改正的，罚款五百元」。"]


def test_semicolons_cut_only_long_sentences():
    long = "；".join(["违反本条例规定的，由主管部门责令改正"] * 12) + "。"
    spans = sentence_spans(long)
    assert len(spans) == 12 and all(long[a:b].startswith("违反") for a, b in spans)


@pytest.mark.parametrize("text, expected", [
    ("处二万元以上十万元以下的罚款", [("二万元", 20000, "money"), ("十万元", 100000, "money")]),
    ("每月发放1,500元，每年合共1.8万元", [("1,500元", 1500, "money"), ("1.8万元", 18000, "money")]),
    ("每次献血量一般为二五○毫升", [("二五○毫升", 250, "volume")]),
    ("津贴为19万8,000元", [("19万8,000元", 198000, "money")]),
    ("自出生满三个月之日起十五日内", [("三个月", 3, "duration"), ("十五日", 15, "duration")]),
    ("年满十七岁", [("十七岁", 17, "age")]),
    ("失业率控制在5.5%以内", [("5.5%", 5.5, "ratio")]),
])
def test_figures_in_arabic_and_chinese_numerals(text, expected):
    assert [(f.text, f.value, f.kind) for f in find_figures(text)] == expected


def test_words_with_numeral_characters_are_not_figures():
    assert find_figures("统一规定，一般情况下一律按规定办理") == []
    assert numeral_value("八千二百") == 8200


@pytest.mark.parametrize("question, kinds", [
    ("违规停车一次罚多少钱？", {"money", "ratio"}),  # fines may be multiples of illegal gains
    ("多久之内必须办理登记？", {"duration"}),
    ("几岁可以献血？", {"age"}),
    ("每户最多能养几只猫？", {"count"}),
    ("what is the fine for this?", {"money", "ratio"}),
    ("哪几个区禁止燃放？", None),  # which districts: a list, not a count
    ("how long does the review take?", {"duration"}),
    ("见义勇为奖金具体是多少元？", {"money"}),  # a unit named outright: a multiple does not answer it
    ("献血满几岁可以免费用血？", {"age"}),
    ("座谈会是几月几日举行的？", {"date"}),  # a day asked by name: a date, not "how many months"
    ("几日内作出决定？", {"duration"}),
    ("医生下乡一次能拿多少补贴？", {"money", "ratio"}),
    ("居民收入预计增长多少？", {"ratio", "money"}),  # a change: a rate or an amount
    ("今年有哪几天法定假日？", {"date"}),  # which days: dates, not a count nor a period (建县60年)
    ("什么时候之前必须申报？", {"date", "duration"}),  # "when" may be answered by a period
    ("建县是哪一年？", {"date"}),  # a year asked by name: 1964年, not a count of years (建县60年)
    ("what is the hourly salary of a trainee nurse?", {"money"}),  # a wage is money, not a multiple
    ("学徒工资是多少？", {"money"}),
    ("罚款是多少？", {"money", "ratio"}),  # a fine may be a multiple of illegal gains
])
def test_quantity_questions_and_the_unit_kinds_that_answer_them(question, kinds):
    assert asked_quantity(question) == (frozenset(kinds) if kinds else None)


@pytest.mark.parametrize("text, years", [
    ("某县2021年工作报告", ("2021",)),
    ("二〇二四年十一月十日发布", ("2024",)),
    ("What was the index in 2025 and 2019?", ("2025", "2019")),
    ("发布时间 20.06.2017 15:04", ("2017",)),
    ("罚款12345元，第1500号", ()),  # five digits, or a number outside 1900–2099, is no year
])
def test_years_named(text, years):
    assert years_named(text) == years


@pytest.mark.parametrize("question, version", [
    ("2018年版办法下，丧葬费怎么算？", True), ("2022年修订的消防条例罚款最高多少？", True),
    ("Under the 2016 Fire Safety Law, how much is the fine?", True),
    ("2021年工作报告里奖励上限是多少？", False), ("What was the index in 2025?", False),
])
def test_a_version_asked_by_its_year(question, version):
    assert asks_version_year(question) is version


@pytest.mark.parametrize("question, named", [
    ("流浪猫做绝育手术补助多少钱？", "补助"),
    ("违规燃放罚多少？", "罚"),
    ("What wage does a trainee nurse earn?", "工资"),
    ("How much is the registration fee?", "费"),
    ("办证要交多少钱？", None),  # a sum of no named kind: nothing to match
    ("补助的条件是什么？", None),  # no money asked
])
def test_the_kind_of_sum_a_money_question_asks_for(question, named):
    nouns = asked_amount_nouns(normalise(question))
    assert (named in {s for stems in nouns for s in stems}) if named else nouns == ()


def test_a_figure_counts_for_the_kind_of_sum_its_sentence_names():
    subsidy = asked_amount_nouns("流浪猫做绝育手术补助多少钱?")
    assert not names_amount("未绝育犬只登记费每只三百元", subsidy)  # a fee is no subsidy
    assert names_amount("每只补贴二百元", subsidy)  # near-synonyms of one kind answer one another
    assert names_amount("未绝育犬只登记费每只三百元", ())  # no kind asked: any sum


@pytest.mark.parametrize("question, sentence", [
    ("创业补贴能领多少钱？", "对首次创业的给予一次性奖励五千元"),  # a subsidy granted as a reward
    ("见习期间工资多少？", "见习人员的劳动报酬每月不低于两千元"),  # a wage stated as pay
    ("退休金每月多少？", "退休费按月发放，每月一千八百元"),
])
def test_common_synonyms_of_a_kind_of_sum_answer_it(question, sentence):
    assert names_amount(sentence, asked_amount_nouns(normalise(question)))


@pytest.mark.parametrize("question, validity", [
    ("《某市养犬管理条例》现在还有效吗？", True), ("这个条例是否仍然适用？", True), ("这个办法废止了没有？", True),
    ("Is the parking fee regulation still in force?", True), ("Was it repealed?", True),
    ("有效期是多久？", False), ("本办法何时施行？", False), ("目前实施哪些措施？", False),
    ("目前有效的补贴标准是多少？", False),
    # Whom or where a rule applies to is no question whether the text still holds.
    ("这项补贴是否适用于外地户籍人员？", False), ("外地人适用吗？", False), ("本条例是否适用于香港？", False),
    ("Which rules are in force for dog owners?", False), ("Does the subsidy still apply to renters?", False),
    ("Is this regulation still applicable?", True), ("Is the 2019 dog regulation in force?", True),
])
def test_a_question_whether_a_text_still_holds(question, validity):
    assert asks_validity(normalise(question)) is validity


def test_a_validity_question_asks_no_quantity():
    assert asked_quantity(normalise("Is the parking fee regulation still in force?")) is None


def test_no_quantity_without_a_question_word_for_it():
    assert asked_quantity("社区党组织的经费怎么保障？") is None
    assert asked_quantity("这几乎是所有人的要求吗？") is None  # 几 inside 几乎 asks nothing


@pytest.mark.parametrize("line", ["一是加强领导", "（三）其他情形", "2、按时申报", "3.年满十八周岁", "第一，明确责任", "①登记"])
def test_list_item_markers(line):
    assert ITEM_RE.match(line)


@pytest.mark.parametrize("line", ["2024年起施行", "一般规定如下", "3.5万元"])
def test_not_list_items(line):
    assert not ITEM_RE.match(line)


@pytest.mark.parametrize("place, region, within", [
    ("德州", "山东省德州市", True),
    ("德城区", "山东省德州市", True),  # a city's regulation holds in its districts
    ("山东", "山东省德州市", True),
    ("烟台", "山东省德州市", False),  # same province, another city
    ("高雄", "台湾", True),
    ("台湾", "浙江省宁波市", False),  # naming 台湾地区居民 does not make Ningbo's text Taiwan's
])
def test_place_within_a_documents_region(place, region, within):
    assert place_within(place, region) is within


def test_jurisdiction_markers_count_alike_in_both_scripts():
    simplified = "财政司司长陈茂波说，本港长者可获港币三千元；经济财政司司长说，本澳居民获澳门元一万元。"
    assert jurisdiction_counts(simplified) == jurisdiction_counts(to_traditional(simplified)) == {"香港": 4, "澳门": 3}
    # every marker of the table folds to itself from either script
    assert all(normalise(to_traditional(m)) == m for m in jurisdiction_markers())


def test_jurisdiction_markers_longest_first_and_never_inside_another_word():
    assert jurisdiction_counts("經濟財政司司長") == {"澳门": 1}  # not Hong Kong's 財政司司長 inside it
    assert jurisdiction_counts("船舶驶入本港口，往来港澳，赴澳洲旅游，园林全面绿化") == {}
    assert jurisdiction_counts("HK$3,500、MOP 900、NT$200") == {"香港": 1, "澳门": 1, "台湾": 1}
    assert jurisdiction_counts("shampoo mopped") == {}


@pytest.mark.parametrize("region, names", [
    ("香港", "董建華 曾蔭權 梁振英 林鄭月娥 李家超 陳方安生 許仕仁 唐英年 林瑞麟 張建宗 陳國基 梁錦松 曾俊華 陳茂波"),
    ("澳门", "何厚鏵 崔世安 賀一誠 岑浩輝 陳麗敏 陳海帆 張永春 譚伯源 梁維特 李偉農 戴建業"),
    ("台湾", "李登輝 陳水扁 馬英九 蔡英文 賴清德 蕭萬長 張俊雄 游錫堃 謝長廷 蘇貞昌 劉兆玄 吳敦義 江宜樺 毛治國 張善政 陳建仁 卓榮泰"),
])
def test_jurisdiction_markers_hold_every_officeholder_of_their_kinds(region, names):
    """Chief executives, chief/financial secretaries (Macau: its two secretaries for administration
    and for finance) since the handovers; Taiwan's presidents and premiers since 1996."""
    markers = jurisdiction_markers()
    assert [n for n in names.split() if markers.get(normalise(n)) != region] == []


def test_a_count_of_years_is_no_calendar_date():
    kinds = {f.text: f.kind for f in find_figures("明年是建县60年，建县于1964年10月1日")}
    assert kinds["60年"] == "duration" and kinds["1964年10月1日"] == "date"
