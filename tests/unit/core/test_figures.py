"""Figures and numerals (core/figures.py): quantities with units in Arabic and Chinese numerals,
dates and years, reading and writing Chinese numerals."""

from __future__ import annotations

import pytest

from core.figures import chinese_number, find_figures, find_quantities, is_fine, numeral_value, years_named


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


def test_counts_take_the_dictionarys_measure_words():
    # 艘, 首 and 层 are CC-CEDICT measure words no hand list named; 一样, 一方面 and 二手 are words
    # the dictionary lists, not counts; a number before 号, 季 or 届 names a place in a sequence.
    # 一次 is a dictionary word too, but legal text counts with its measure word (三次, 五次): a count.
    found = [(f.text, f.value, f.kind) for f in find_figures("港口停泊12艘货轮，收录五首诗，楼高三十层，配备一名向导，每月巡查一次")]
    assert found == [("12艘", 12, "count"), ("五首", 5, "count"), ("三十层", 30, "count"), ("一名", 1, "count"),
                     ("一次", 1, "count")]
    assert find_figures("各地做法一样，一方面印发3号文件，一季度召开十九届会议，收购二手设备") == []


def test_a_year_of_the_republic_era_is_a_date_not_a_duration():
    # Taiwan's texts count years from 1912 (民國18年 is 1929): a date, as a "when" question asks.
    assert [(f.text, f.kind) for f in find_figures("民國18年10月成立，民国九十五年三月修正，服务满18年")] == \
        [("民國18年10月", "date"), ("民国九十五年三月", "date"), ("18年", "duration")]


def test_a_century_is_a_date():
    assert [(f.text, f.kind) for f in find_figures("该镇19世纪末建成，公元前五世纪已有人居住，20世纪80年代扩建")] == \
        [("19世纪末", "date"), ("公元前五世纪", "date"), ("20世纪80年代", "date")]


def test_fractions_and_a_half_are_shares():
    # Votes and quorums are set as fractions: 三分之二以上 is a share of 66.7 %, 过半数 one of 50 %.
    found = [(f.text, f.kind, f.value) for f in find_quantities("经三分之二以上委员同意，过半数业主参加，收取千分之五")]
    assert found == [("三分之二", "ratio", 66.7), ("过半数", "ratio", 50.0), ("千分之五", "ratio", 5.0)]
    assert [(f.text, f.value) for f in find_quantities("百分之五十以上")] == [("百分之五十", 50.0)]


def test_a_day_of_the_lunar_calendar_is_a_date():
    # Festivals are set by the lunar calendar, whose days are written 初一…初十, 廿一…; no count.
    assert [(f.text, f.kind) for f in find_figures("每年农历八月初五为开放日，腊月廿六起休市，正月十五前复市")] == \
        [("农历八月初五", "date"), ("腊月廿六", "date"), ("正月十五", "date")]
    assert [(f.text, f.kind) for f in find_figures("九个月内办结")] == [("九个月", "duration")]


def test_words_with_numeral_characters_are_not_figures():
    assert find_figures("统一规定，一般情况下一律按规定办理") == []
    assert numeral_value("八千二百") == 8200


@pytest.mark.parametrize("text, years", [
    ("某县2021年工作报告", ("2021",)),
    ("二〇二四年十一月十日发布", ("2024",)),
    ("What was the index in 2025 and 2019?", ("2025", "2019")),
    ("发布时间 20.06.2017 15:04", ("2017",)),
    ("罚款12345元，第1500号", ()),  # five digits, or a number outside 1900–2099, is no year
    ("这项手艺传承了2000多年，1980年列入名录", ("1980",)),  # 2000多年: a length of time
])
def test_years_named(text, years):
    assert years_named(text) == years


def test_a_count_of_years_is_no_calendar_date():
    kinds = {f.text: f.kind for f in find_figures("明年是建县60年，建县于1964年10月1日")}
    assert kinds["60年"] == "duration" and kinds["1964年10月1日"] == "date"


@pytest.mark.parametrize("text, value", [
    ("八千二百", 8200), ("二万", 20000), ("1,500", 1500), ("二五○", 250), ("二〇二四", 2024),
    ("十二", 12), ("一百零一", 101), ("两千", 2000), ("不是数字", None),
])
def test_numeral_value(text, value):
    assert numeral_value(text) == value


@pytest.mark.parametrize("n, text", [(0, "零"), (4, "四"), (10, "十"), (15, "十五"), (32, "三十二"), (110, "一百一十")])
def test_chinese_number(n, text):
    assert chinese_number(n) == text


def test_shares_written_unit_first_are_quantities():
    found = [(f.text, f.value, f.kind) for f in find_quantities("按百分之五提取，另加2%")]
    assert found == [("百分之五", 5, "ratio"), ("2%", 2, "ratio")]
    # Per mille, as late fees are set: 千分之五 is 5 ‰, not 5 %.
    found = [(f.text, f.value, f.unit) for f in find_quantities("逾期按日加收千分之五的滞纳金")]
    assert found == [("千分之五", 5, "‰")]


def test_ordinals_are_no_figures():
    assert find_figures("依照第十五条规定") == []


def test_a_numeral_inside_a_short_quoted_name_is_no_figure():
    text = "推行“两户一册”做法，开展“百村千户”走访，全年走访3200户，发放“每户300元”慰问金。"
    assert [f.text for f in find_figures(text)] == ["3200户", "300元"]


def test_a_range_lower_bound_written_without_its_unit_shares_the_upper_bounds():
    money = [(f.text, f.value, f.kind) for f in find_quantities("每月发放300至500元补贴")]
    assert money == [("300", 300.0, "money"), ("500元", 500.0, "money")]
    assert [f.value for f in find_quantities("投入1至2万元")] == [10000.0, 20000.0]  # 万 shared
    assert [f.value for f in find_quantities("每年3-5次")] == [3.0, 5.0]
    # No range: a falling pair, an ordinal, a date.
    assert [f.text for f in find_quantities("编号300-200元")] == ["200元"]
    assert [f.text for f in find_quantities("依照第3-5条处理")] == ["5条"]
    assert [f.kind for f in find_quantities("2019-2020年")] == ["date"]


def test_a_time_of_day_is_a_clock_figure_valued_in_hours():
    def clocks(text):
        return [(f.text, f.value) for f in find_quantities(text) if f.kind == "clock"]
    assert clocks("每日十二时至十四时、二十一时至次日七时禁止施工") == [
        ("每日十二时", 12.0), ("十四时", 14.0), ("二十一时", 21.0), ("次日七时", 7.0)]
    assert clocks("办公时间为上午8:30至下午5点半") == [("上午8:30", 8.5), ("下午5点半", 17.5)]
    assert clocks("晚上九点以后不得使用音响") == [("晚上九点", 21.0)]
    # No time of day: a period of hours, a point made, a decimal, "at once", "for a while", a ratio.
    for text in ("实行二十四小时值班", "提出两点意见", "增长三点五倍", "同时办理", "一时难以认定", "按1:2配套", "依照第十二时"):
        assert clocks(text) == [], text
    # The hours of a time of day are not also counted as a period.
    assert [f.kind for f in find_quantities("二十二时起")] == ["clock"]


def test_seconds_and_halves_of_periods_are_durations():
    def durations(text):
        return [(f.text, f.value, f.unit) for f in find_quantities(text) if f.kind == "duration"]
    assert durations("鸣喇叭每次不得超过半秒钟") == [("半秒钟", 0.5, "秒钟")]
    assert durations("应当在半小时内到场，三十秒内接听") == [("半小时", 0.5, "小时"), ("三十秒", 30.0, "秒")]
    assert durations("试用期一年半，公示期一个半月") == [("一年半", 1.5, "年"), ("一个半月", 1.5, "月")]
    # A half that is a share stays a share.
    assert [f.kind for f in find_quantities("经半数以上业主同意")] == ["ratio"]


def test_sums_in_other_currencies_and_written_currency_first_are_money():
    def money(text):
        return [(f.text, f.value) for f in find_quantities(text) if f.kind == "money"]
    assert money("补助标准为每人每月500欧元") == [("500欧元", 500.0)]
    assert money("每程车费HK$4.9，奖金NT$25,000") == [("HK$4.9", 4.9), ("NT$25,000", 25000.0)]
    assert money("项目投入US$3万") == [("US$3万", 30000.0)]


def test_a_sum_or_multiple_written_with_its_fine_is_a_fine():
    def fines(text):
        return [(f.text, is_fine(text, f)) for f in find_quantities(text)]
    assert fines("对单位处五千元以上五万元以下罚款") == [("五千元", True), ("五万元", True)]
    assert fines("并处违法所得一倍以上三倍以下的罚款") == [("一倍", True), ("三倍", True)]
    assert fines("罚款五百元") == [("五百元", True)]
    # A fee, a grant, a threshold of a fine in another clause: not fines.
    assert fines("收费标准为每小时10元") == [("10元", False)]
    assert fines("收取五元服务费，逾期不交的处以罚款") == [("五元", False)]
    assert fines("违法所得五千元以上的，处罚款") == [("五千元", False)]
    assert fines("罚款收入五百万元") == [("五百万元", False)]
