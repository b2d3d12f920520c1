"""What a question asks (retrieval/question_patterns.py): a quantity and the unit kinds that
answer it, the kind of sum, a version by its year, whether a text still holds."""

from __future__ import annotations

import pytest

from core.figures import UNIT_CLASSES
from core.script import normalise
from retrieval.question_patterns import asked_amount_nouns, asked_quantity, asks_validity, asks_version_year, names_amount


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
    ("这座桥是第几代重建的？", None),  # 第几: a place in an order, named by an ordinal, no count
    ("他在比赛中名列第几？", None),
    ("第几届运动会有多少人参加？", {"count", "ratio"}),  # the ordinal aside, a count (or a share of people) is still asked
    ("1950年前后主持扩建工程、使面积扩大三倍的是哪位官员？", None),  # who: a person
    ("这项补贴由谁来发放？", None),
    ("这座城于几世纪开始扩建？", {"date"}),  # a century: a date, not "how many"
    ("滞纳金按千分之几加收？", {"ratio"}),
    ("In which century was the bridge built?", {"date"}),
    # In a yes-or-no question 几 is "a few", whichever clause it stands in; each sentence of a
    # question is read apart.
    ("邻居来住几天，能不能把车停在我的车位上？", None),
    ("借书是否可以续借几次？", None),
    ("读者证丢了能不能补办？补办要等几天？", {"duration"}),
    ("检修要停水几天？要提前通知吗？", {"duration"}),
    ("During which periods are the gates closed?", None),  # named periods, listed
    ("what is the probation period for new staff?", {"duration"}),  # as normalised
])
def test_quantity_questions_and_the_unit_kinds_that_answer_them(question, kinds):
    assert asked_quantity(question) == (frozenset(kinds) if kinds else None)


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


@pytest.mark.parametrize("question, kind", [
    ("这块宅基地的面积最多是多少平方米？", "area"),
    ("How big may a balcony extension be?", "area"),
    ("新修的绿道有多长？", "length"),
    ("How far from a school may a kiosk stand?", "length"),
])
def test_area_and_length_are_asked_by_their_own_words(question, kind):
    assert kind in asked_quantity(normalise(question))


def test_how_big_asks_the_size_of_what_it_names_a_sum_as_much_as_an_area():
    kinds = asked_quantity(normalise("How big is the city's housing repair fund?"))
    assert {"money", "area"} <= kinds
    assert asked_quantity(normalise("How big is the town's new sports ground?")) >= {"area"}


def test_how_long_a_time_is_a_duration_not_a_length():
    assert asked_quantity(normalise("审批要多长时间？")) == frozenset({"duration"})


def test_how_many_must_agree_is_answered_by_a_share_too():
    assert asked_quantity(normalise("理事会要有多少人同意才能通过？")) == frozenset({"count", "ratio"})
    assert asked_quantity(normalise("How many members must attend a committee meeting?")) == frozenset({"count", "ratio"})
    assert asked_quantity(normalise("该县有多少人口？")) == frozenset({"count"})  # a population is a number
    assert asked_quantity(normalise("有几个街道？")) == frozenset({"count"})


def test_how_much_time_or_notice_is_a_duration_not_a_sum():
    assert asked_quantity(normalise("How much notice must a landlord give before raising the rent?")) == \
        frozenset({"duration"})
    assert asked_quantity(normalise("How much time does an applicant have to appeal?")) == frozenset({"duration"})
    assert "money" in asked_quantity(normalise("How much does a replacement card cost?"))


@pytest.mark.parametrize("question, kinds", [
    ("What is the minimum number of inspectors per market?", {"count"}),
    ("What is the maximum number of stalls a vendor may rent?", {"count"}),
    ("What is the minimum period of residence before applying?", {"duration"}),
    ("What is the maximum fine for blocking a fire lane?", {"money", "ratio"}),
    ("What is the minimum wage for trainees?", {"money"}),
])
def test_a_bound_asks_the_kind_the_rest_of_the_question_names(question, kinds):
    # "maximum" / "minimum" qualify a quantity; of what kind, the question's other words say.
    assert asked_quantity(normalise(question)) == frozenset(kinds)


def test_a_bound_alone_asks_some_quantity():
    assert asked_quantity(normalise("What is the maximum?")) == frozenset(UNIT_CLASSES)


@pytest.mark.parametrize("question", [
    "What does the pension reform change for farmers?",
    "Can a clinic refuse treatment because of its cost?",
    "Who is eligible for the housing subsidy?",
    "What is the application procedure for the childcare allowance?",
    "Besides the entrance fee, what other rules apply to visitors?",
])
def test_an_english_word_for_a_sum_outside_what_is_asked_asks_no_quantity(question):
    # the question asks what, whether or who; the sum only names what it is about
    assert asked_quantity(normalise(question)) is None


@pytest.mark.parametrize("question, kind", [
    ("What is the monthly childcare allowance in the county?", "money"),
    ("What fine does the town set for littering?", "money"),
    ("How is the housing subsidy calculated?", "money"),
    ("What is the number of days of leave per year?", "count"),
    ("At what age may a volunteer join?", "age"),
])
def test_an_english_word_for_a_sum_in_the_phrase_asked_asks_it(question, kind):
    assert kind in asked_quantity(normalise(question))


@pytest.mark.parametrize("question", ["图书馆晚上几点关门？", "装修在什么时段不能施工？", "What time does the hall open?",
                                      "During what hours is loud music banned?"])
def test_a_time_of_day_is_asked(question):
    assert asked_quantity(normalise(question)) == frozenset({"clock"})


def test_a_time_limit_is_no_time_of_day():
    assert "clock" not in (asked_quantity(normalise("What time limit applies to an appeal?")) or ())



def test_a_few_in_a_yes_or_no_question_asks_no_count():
    assert asked_quantity(normalise("我想在河边放生几条鱼，这样可以吗？")) is None
    assert "count" in asked_quantity(normalise("每户最多可以养几条狗？"))


def test_when_joining_a_clause_after_the_question_word_asks_no_time():
    assert asked_quantity(normalise("What must a shop show when it sells food?")) is None
    assert "date" in asked_quantity(normalise("When must a shop renew its licence?"))


def test_when_asks_a_time_only_where_it_opens_the_question():
    assert asked_quantity(normalise("Can I take my dog along when I go shopping? What happens if I do?")) is None
    assert asked_quantity(normalise("I moved house. When do I have to update the record?")) == {"date", "duration"}
    assert asked_quantity(normalise("By when must the fee be paid?")) == {"date", "duration"}
