"""Figures and numerals: quantities with their units (Arabic or Chinese numerals), calendar
dates and years, and the one reading and writing of Chinese numerals (through `cn2an`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# ------------------------------------------------------------------------------ numerals
# Chinese digits written one by one (二〇二四, 二五○), read digit by digit.
_DIGIT_BY_DIGIT = str.maketrans("〇○零一二三四五六七八九", "000123456789")


def numeral_value(text: str) -> float | None:
    """The value of an Arabic or Chinese numeral (二万 → 20000, 1,500 → 1500, 二五○ → 250)."""
    import cn2an  # on first use: it takes 80 ms to import

    s = text.replace(",", "").replace("，", "").replace(" ", "")
    if re.fullmatch(r"[〇○零一二三四五六七八九]{2,}", s):  # digit-by-digit: 二五○
        s = s.translate(_DIGIT_BY_DIGIT)
    try:
        return float(cn2an.cn2an(s.replace("○", "零").replace("〇", "零"), "smart"))
    except Exception:
        return None


def chinese_number(n: int) -> str:
    """`n` in Chinese numerals as counted in running text: 4 → 四, 15 → 十五, 32 → 三十二."""
    import cn2an

    text = cn2an.an2cn(n)
    return text.replace("一十", "十", 1) if text.startswith("一十") else text


# ------------------------------------------------------------------------------ figures
# A figure as policy documents write it: Arabic (1,500 / 5.5 / 1.8万) or Chinese numerals
# (二万 / 一千二百 / 二五○), optionally "多/余" (16万多), then a unit. Units are grouped by what
# they measure, so a question asking "how much money" is matched by 元 and not by 日.
UNIT_CLASSES: dict[str, tuple[str, ...]] = {
    "money": ("万元", "亿元", "千元", "元", "块", "澳门元", "港元", "美元", "欧元", "日元", "韩元", "澳元", "英镑",
              "港币", "澳门币", "美金", "卢布", "法郎", "越南盾", "比索"),
    "volume": ("毫升", "升"),
    "weight": ("公斤", "千克", "克", "吨", "斤"),
    "area": ("平方米", "平方公里", "平方公尺", "平方千米", "亩", "公顷"),
    "length": ("公里", "千米", "公尺", "米", "公分", "厘米", "毫米"),
    "duration": ("个工作日", "工作日", "个月", "小时", "分钟", "秒钟", "周年", "年", "月", "日", "天", "周", "秒"),
    "age": ("周岁", "岁"),
    "ratio": ("倍", "%", "％", "‰", "成"),
}
# A count is a numeral before a measure word: the dictionary's (data/classifiers.txt, made from
# CC-CEDICT by make_classifiers.py: 名, 艘, 首, 层 …) and two nouns that count by themselves (五人,
# 三类). Left out: measure words of another kind above (块, 亩, 岁), and those whose number names a
# place in a sequence, not a count (3号, 十九届, 第3期, 一季度, a law's 二款, a decree's 令).
_SEQUENCE_WORDS = frozenset("号届期季款令")
_DATA = Path(__file__).parent / "data"
UNIT_CLASSES["count"] = tuple(
    w for w in ("人", "类", *(_DATA / "classifiers.txt").read_text(encoding="utf-8").split())
    if w not in _SEQUENCE_WORDS and not any(w in units for units in UNIT_CLASSES.values()))
# Words the dictionary lists that begin with 一, 二 or 两 and a measure word, and that running text
# uses as words, not counts (一些, 一起, 一方面, 二手; not 一次 or 一种, which count):
# data/numeral_words.txt, made by the same script; by their first two characters.
_NUMERAL_WORDS: dict[str, list[str]] = {}
for _word in (_DATA / "numeral_words.txt").read_text(encoding="utf-8").split():
    _NUMERAL_WORDS.setdefault(_word[:2], []).append(_word)
del _word
_UNIT_OF = {u: c for c, units in UNIT_CLASSES.items() for u in units}
_UNITS_RE = "|".join(sorted(map(re.escape, _UNIT_OF), key=len, reverse=True))
_CN_DIGITS = "零〇○一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
FIGURE_RE = re.compile(
    r"(?P<num>\d[\d,，]*(?:\.\d+)?\s*(?:[万亿](?:\d[\d,，]*[千百]?)?)?|[%s点]*[%s][%s点]*)" % (_CN_DIGITS, _CN_DIGITS, _CN_DIGITS)
    + r"(?P<approx>多|余)?\s*(?P<unit>%s)" % _UNITS_RE)
# A calendar date, Arabic or Chinese: 2019年, 2024年8月22日, 二〇二四年十一月十日, a year of the
# Republic era as Taiwan's texts write it (民国九十五年三月, 民國18年): no duration of years; and a
# century (19世纪末, 公元前五世纪), which answers "in which century".
DATE_RE = re.compile(r"(?:公元前?)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*世[纪紀](?:[初末中]|上半叶|下半叶|\d0年代)?|"
                     r"(?:(?:19|20)\d{2}|[一二〇○零][〇○零一二三四五六七八九]{3}|民[国國]\s*(?:\d{1,3}|[一二三四五六七八九十百〇○零]{1,5}))\s*年(?:\s*[\d一二三四五六七八九十]{1,3}\s*月(?:\s*[\d一二三四五六七八九十]{1,3}\s*日)?)?"
                     r"|(?<![\d.])\d{1,2}\s*月\s*\d{1,2}\s*日|[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日"
                     # A day of the lunar calendar (农历九月初九, 正月十五, 腊月廿三): festivals and
                     # memorial days are set by it; 初 and 廿 write its days, 正 and 腊 its months.
                     r"|(?:农历|阴历)?(?:[正腊冬]|[一二三四五六七八九十]{1,2})月(?:初[一二三四五六七八九十]|廿[一二三四五六七八九]?)"
                     r"|(?:农历|阴历)(?:[正腊冬]|[一二三四五六七八九十]{1,2})月[一二三四五六七八九十]{1,3}日?"
                     r"|[正腊]月[一二三四五六七八九十]{1,3}日?")
# A figure as raw text writes it (any script and width), with its units and range words (三万元以上八万元以下,
# 2,400元, 新臺幣六千五百元, 二五○毫升): a cut never falls inside one.
_SPAN_NUM = r"[\d０-９零〇○一二三四五六七八九十百千万萬亿億两兩][\d０-９零〇○一二三四五六七八九十百千万萬亿億两兩.,．]*"
_SPAN_UNIT = r"(?:[元圆圓倍%％个個人次日天年月岁歲号號条條款项項]|公斤|毫升|公里|平方米|立方米|小时|小時|周岁|週歲)"
FIGURE_SPAN_RE = re.compile(r"%s%s*(?:(?:以上|以下|至|到|[~～\-－—])%s%s*)*(?:以上|以下|以内|以內)?" % (_SPAN_NUM, _SPAN_UNIT, _SPAN_NUM, _SPAN_UNIT))
# Words that end in a numeral character but are no figures (万一, 统一 …); words that begin with
# one and a measure word (一些, 一起) are the dictionary's, below.
_NOT_FIGURE_BEFORE = re.compile(r"[统唯同万专单均划]$")


# A year as a question or a document names it: 2023, 2023年, 二〇二三年 (Gregorian only: an ROC
# year, 民国112年, is matched through the document's ISO date instead). 2000多年 (more than two
# thousand years) is a length of time, no year.
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?![\d多余餘])|([一二][〇○零一二三四五六七八九]{3})\s*年")


def years_named(text: str) -> tuple[str, ...]:
    """The Gregorian years `text` names, as four Arabic digits, in order of first mention."""
    out = []
    for m in _YEAR_RE.finditer(text):
        year = m.group(1) or m.group(2).translate(_DIGIT_BY_DIGIT)
        if 1900 <= int(year) <= 2099:
            out.append(year)
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class Figure:
    text: str  # as written: 二万元, 2,400元, 12万多盏
    value: float | None  # 20000.0; None when the numeral cannot be read
    unit: str
    kind: str  # UNIT_CLASSES key
    start: int
    end: int


# A short quoted phrase is a name or a slogan (“一家亲”, “三级联述联评联考”, “最后一公里”): a
# numeral inside it names, it does not count. A sum or a rate in quotes (“每人500元”) is still one.
_QUOTED_NAME_RE = re.compile(r"[“「『\"]([^”」』\"\n]{1,10})[”」』\"]")


def find_figures(text: str) -> list[Figure]:
    """Every figure with a unit in `text` (any script; Traditional units are matched after the
    caller normalises, or directly where the unit is written the same)."""
    out = []
    dates = [d.span() for d in DATE_RE.finditer(text)]
    names = [q.span(1) for q in _QUOTED_NAME_RE.finditer(text)]
    for m in FIGURE_RE.finditer(text):
        num, unit = m.group("num").strip(), m.group("unit")
        if any(a <= m.start() < b for a, b in dates) or text[max(0, m.start() - 1):m.start()] == "第":
            continue  # a date (2019年8月22日) or an ordinal (第十五条) is no quantity
        if _UNIT_OF[unit] not in ("money", "ratio") and any(a <= m.start() and m.end() <= b for a, b in names):
            continue
        if not re.search(r"\d", num) and _NOT_FIGURE_BEFORE.search(text[:m.start()]):
            continue
        if num in ("点",):
            continue
        if _UNIT_OF[unit] == "count" and (
                "\n" in m.group() or any(text.startswith(w, m.start()) for w in _NUMERAL_WORDS.get(num + unit, ()))):
            continue  # a word of its own (一些, 一方面, 一口气, 二手), or a number ending a line
        out.append(Figure(m.group().strip(), numeral_value(num.rstrip("点")), unit, _UNIT_OF[unit],
                          m.start(), m.end()))
    out += _range_lower_bounds(text, out, dates)
    # Dates answer "when" questions: kind "date", no unit, never compared as quantities.
    out += [Figure(text[a:b], None, "", "date", a, b) for a, b in dates]
    return sorted(out, key=lambda f: f.start)


# A bare number and a range word just before a figure (300至500元, 1~2个, 3-5年): the range's lower
# bound, written without the unit it shares with the upper one.
_RANGE_START_RE = re.compile(r"(?P<num>\d[\d,，]*(?:\.\d+)?[万萬亿億]?|[%s]+)\s*(?:至|到|[~～\-－—])\s*$" % _CN_DIGITS)


def _range_lower_bounds(text: str, figures: list[Figure], dates: list[tuple[int, int]]) -> list[Figure]:
    """The lower bound of each range whose first number goes without its unit, as a figure of
    the upper bound's unit and kind: 「每月300至500元」 is 300 to 500 yuan, not 500. Only a
    rising pair counts (a hyphen between other numbers is no range), and never an ordinal or a
    date."""
    out = []
    taken = [(f.start, f.end) for f in figures] + dates
    for f in figures:
        if f.value is None:
            continue
        m = _RANGE_START_RE.search(text, max(0, f.start - 16), f.start)
        if m is None or m.end() != f.start:
            continue
        a, b = m.span("num")
        if text[max(0, a - 1):a] == "第" or any(x < b and a < y for x, y in taken):
            continue
        value = numeral_value(m.group("num"))
        # 1至2万元: the lower bound shares the upper one's 万 or 亿 too.
        shared = re.search(r"[万萬亿億]$", f.text[: len(f.text) - len(f.unit)].rstrip("多余餘 "))
        if value is not None and shared and not re.search(r"[万萬亿億]", m.group("num")):
            value *= 1e8 if shared.group() in "亿億" else 1e4
        if value is not None and 0 <= value < f.value:
            out.append(Figure(m.group("num"), value, f.unit, f.kind, a, b))
    return out


# A share written with its unit first: 百分之五 / 百分之二十五 / 百分之0.5, and per mille, as late
# fees and tax rates are set (千分之五 → 5 ‰). FIGURE_RE reads the unit after the number, so these
# are found here.
_PERCENT_RE = re.compile(r"(?P<base>[百千])分之\s*(?P<num>\d+(?:\.\d+)?|[%s点]+)" % _CN_DIGITS)


# Any other fraction (三分之二, 四分之三以上, 2/3 written 3分之2) and a half (半数, 过半数), as votes,
# quorums and shares are set: a share, read in per cent (三分之二 → 66.7 %).
_FRACTION_RE = re.compile(r"(?P<den>\d+|[%s]+)分之\s*(?P<num>\d+(?:\.\d+)?|[%s]+)" % (_CN_DIGITS, _CN_DIGITS))
_HALF_RE = re.compile(r"过?半数|一半")

# A time of day, as hours of work, quiet and business are set (二十二时至次日六时, 上午8:30, 晚上10点):
# kind "clock", valued in hours (8:30 → 8.5). 点 is a time only where it cannot be a point or a
# decimal (两点意见, 三点五): after a part of the day, or before minutes, 半, 整, 钟 or a range word;
# a lone 一时 is "for a while".
_DAY_PART = r"(?:上午|下午|中午|晚上|早上|早晨|凌晨|夜间|夜里|傍晚|次日|当日|每日|每天)"
_CLOCK_HOUR = r"(?:[01]?\d|2[0-4]|[零〇一二两三四五六七八九十]{1,3})"
_CLOCK_MINUTE = r"(?:[0-5]?\d|[零〇一二三四五六七八九十]{1,3})"
_CLOCK_RE = re.compile(
    r"(?<![第\d.:：零〇一二两三四五六七八九十])(?:(?P<part>%s)\s*)?(?:(?P<hh>[01]?\d|2[0-4])[:：](?P<mm>[0-5]\d)(?![\d:：])"
    r"|(?P<h>%s)\s*(?:时(?![间期代候效段刻常空尚机局髦装令节事限])|点钟|点(?(part)|(?=\s*(?:%s分|半|整|[至到—\-~－]|前|后|以前|以后))))"
    r"(?:\s*(?P<m>%s)\s*分|半)?)" % (_DAY_PART, _CLOCK_HOUR, _CLOCK_MINUTE, _CLOCK_MINUTE))


# A sum written currency first, as Hong Kong, Macau and Taiwan texts and English-style prices do.
_CURRENCY_FIRST_RE = re.compile(r"(?P<cur>(?:NT|US|HK|MOP|A|C|S)?\$|MOP|HKD|USD|RMB|£|€|¥|￥)\s*"
                                r"(?P<num>\d[\d,]*(?:\.\d+)?)(?P<mult>[万萬亿億])?", re.I)


_CURRENCY_MARKS_RE = re.compile(r"[$£€¥￥]|MOP|HKD|USD|RMB", re.I)


# Half a period (半小时, 半个月, 半秒钟) and a period and a half (一年半, 两个半小时): durations.
_HALF_PERIOD_RE = re.compile(r"(?:(?P<num>\d+|[一二两三四五六七八九十]{1,3})(?P<count>个)?)?半(?(count)|个?)"
                             r"(?P<unit>小时|分钟|秒钟|工作日|月|年|天|日|周|秒)|(?P<whole>(?:\d+|[一二两三四五六七八九十]{1,3})(?P<u2>年|天|周))半")


def _half_periods(text: str) -> list[Figure]:
    out = []
    for m in _HALF_PERIOD_RE.finditer(text):
        whole = m.group("num") or m.group("whole")
        if m.group("whole"):
            whole = whole[:-len(m.group("u2"))]
        value = numeral_value(whole) if whole else 0.0
        if value is None:
            continue
        unit = m.group("unit") or m.group("u2")
        out.append(Figure(m.group(), value + 0.5, unit, "duration", m.start(), m.end()))
    return out


# Where a time of day can end: a numeral just before 时, 点 or a colon. `_CLOCK_RE` is read only in a
# window before each (a part of the day, a numeral of three characters) and after it (minutes).
_CLOCK_HINT_RE = re.compile(r"[\d零〇一二两三四五六七八九十][时点:：]")


def _clock_matches(text: str):
    end = 0
    for hint in _CLOCK_HINT_RE.finditer(text):
        if hint.start() < end:
            continue
        m = _CLOCK_RE.search(text[:hint.end() + 8], max(end, hint.start() - 8))
        if m is not None and m.end() > hint.start():
            end = m.end()
            yield m


def _clock_times(text: str) -> list[Figure]:
    out = []
    for m in _clock_matches(text):
        if m.group("hh") is not None:
            hour, minute = float(m.group("hh")), float(m.group("mm"))
        else:
            hour = numeral_value(m.group("h"))
            minute = numeral_value(m.group("m")) if m.group("m") else (30.0 if m.group().endswith("半") else 0.0)
            if m.group("part") is None and m.group("h") in ("一", "两"):
                continue  # 一时 / 两点: "for a while", "two points"
        if hour is None or minute is None or not 0 <= hour <= 24 or not 0 <= minute < 60:
            continue
        if m.group("part") in ("下午", "晚上", "傍晚") and hour < 12:
            hour += 12
        out.append(Figure(m.group(), hour + minute / 60, "时", "clock", m.start(), m.end()))
    return out


# A sum or a multiple written with 罚款 or 罚金 after it in its clause (处五千元以上五万元以下罚款,
# 一倍以上三倍以下的罚款) or just before it (罚款五百元) is a fine: what breaking a rule costs,
# not a fee, a price, a grant or a share.
FINE_WORD_RE = re.compile("罚款|罚金|罰款|罰金")
_FINE_AFTER_RE = re.compile(r"[^，。；：,;:！？!?\n]{0,14}?(?:" + FINE_WORD_RE.pattern + ")")
_FINE_BEFORE_RE = re.compile("(?:" + FINE_WORD_RE.pattern + r")[为為了]?\s*$")


def is_fine(text: str, figure: Figure) -> bool:
    """Whether a figure found in `text` is a fine (see `_FINE_AFTER_RE`)."""
    return bool(_FINE_AFTER_RE.match(text, figure.end)) or bool(
        _FINE_BEFORE_RE.search(text[max(0, figure.start - 4):figure.start]))


def find_quantities(text: str) -> list[Figure]:
    """`find_figures` plus shares written unit first (百分之五 → 5 %, 三分之二 → 66.7 %, 过半数 →
    50 %; kind "ratio"), times of day (二十二时 → 22.0; kind "clock") and halves of periods (半小时 →
    0.5 hours, 一年半 → 1.5 years)."""
    out = find_figures(text)
    taken = []
    for m in _PERCENT_RE.finditer(text):
        unit = "%" if m.group("base") == "百" else "‰"
        out.append(Figure(m.group(), numeral_value(m.group("num")), unit, "ratio", m.start(), m.end()))
        taken.append(m.span())
    for m in _FRACTION_RE.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken) or m.group("den") in ("百", "千"):
            continue
        den, num = numeral_value(m.group("den")), numeral_value(m.group("num"))
        if den and num is not None and 0 < num <= den:
            out.append(Figure(m.group(), round(100 * num / den, 1), "%", "ratio", m.start(), m.end()))
    for m in _HALF_RE.finditer(text):
        out.append(Figure(m.group(), 50.0, "%", "ratio", m.start(), m.end()))
    # The rarer forms are looked for only where their mark stands (every sentence is read, often).
    currency_first = _CURRENCY_FIRST_RE.finditer(text) if _CURRENCY_MARKS_RE.search(text) else ()
    for m in currency_first:  # HK$500, NT$25,000, US$3万
        if not any(a < m.end() and m.start() < b for a, b in taken):
            value = numeral_value(m.group("num"))
            if value is not None:
                value *= 1e4 if m.group("mult") in ("万", "萬") else 1e8 if m.group("mult") else 1
                out.append(Figure(m.group(), value, m.group("cur"), "money", m.start(), m.end()))
    clocks = _clock_times(text)
    halves = _half_periods(text) if "半" in text else []
    # A time of day is no count or period of the same characters (二十二时 is no 22 hours), and
    # 一年半 is no 一年.
    out = [f for f in out if not any(c.start <= f.start < c.end for c in clocks + halves)] + clocks
    out += [h for h in halves if not any(c.start <= h.start < c.end for c in clocks)]
    return sorted(out, key=lambda f: f.start)


def is_figure(token: str) -> bool:
    """A number, or a word that is one figure whole (六十五岁, 3天, 两年): a question's figure is
    compared with the documents' by value (六十五岁 asked of 六十五周岁), not looked up as a word."""
    return token.isdigit() or any(f.start == 0 and f.end == len(token) for f in find_quantities(token))
