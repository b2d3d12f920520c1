"""An English question's lead, in English: what is counted, the figure as the document writes it
with its value in English words, and what it is counted per."""

from __future__ import annotations

import re

from core.figures import FIGURE_SPAN_RE, Figure

from core.script import normalise
from retrieval.query import Query


_ENGLISH_UNITS = {"money": "yuan", "volume": "ml", "weight": "kg", "area": "square metres",
                  "length": "metres", "age": "years old", "ratio": ""}
_ENGLISH_DURATION = {"个工作日": "working days", "工作日": "working days", "个月": "months", "月": "months",
                     "小时": "hours", "分钟": "minutes", "年": "years", "周年": "years", "日": "days",
                     "天": "days", "周": "weeks", "秒": "seconds", "秒钟": "seconds"}
# Common bases of fines and benefits set as multiples, in legal and benefit texts generally.
_RATIO_BASES = (("违法所得", "illegal gains"), ("货值金额", "value of the goods"), ("工资", "wages"),
                ("可支配收入", "disposable income"), ("最低生活", "minimum living standard"), ("标准", "standard"))
_CURRENCY_UNITS = {"澳门元": "MOP ", "港元": "HK$", "美元": "US$", "美金": "US$", "港币": "HK$", "澳门币": "MOP ",
                   "欧元": "€", "英镑": "£", "日元": "¥", "澳元": "A$", "韩元": "₩", "卢布": "RUB ", "法郎": "CHF ",
                   "越南盾": "VND ", "比索": "PHP "}
_CURRENCY_BEFORE = (("新台币", "NT$"), ("新臺幣", "NT$"), ("澳门币", "MOP"), ("澳門幣", "MOP"),
                    ("港币", "HK$"), ("港幣", "HK$"))


def english_value(f: Figure, context: str) -> str:
    """A figure's value in English words: 二万元 → 20,000 yuan; 十五日 → 15 days; 100多名 →
    more than 100 (多/余 after the number: the figure is a lower bound, not the count)."""
    value = _english_value(f, context)
    return f"more than {value}" if value and re.search(r"[多余餘]", f.text) else value


def _english_value(f: Figure, context: str) -> str:
    if f.value is None:
        return ""
    number = f"{f.value:,.0f}" if f.value == int(f.value) else f"{f.value:,g}"
    if f.kind == "money":
        if f.unit in ("万元",):
            number = f"{f.value * 10000:,.0f}"
        if f.unit in _CURRENCY_UNITS:
            return f"{_CURRENCY_UNITS[f.unit]}{number}"
        if not re.search(r"[\u4e00-\u9fff]", f.unit):  # written currency first: HK$, NT$, €
            return f"{f.unit.strip()}{'' if f.unit.strip()[-1:] in '$£€¥￥' else ' '}{number}"
        # A currency named before the first figure holds for the clause (新臺幣三萬元以上十五萬元以下).
        for cue, symbol in _CURRENCY_BEFORE:
            if cue in context[:f.start]:
                return f"{symbol}{number}"
        return f"{number} yuan"
    if f.kind == "clock":  # 22.5 → 22:30
        return f"{int(f.value):02d}:{round((f.value % 1) * 60):02d}"
    if f.kind == "duration":
        unit = _ENGLISH_DURATION.get(f.unit, f.unit)
        # One of a unit is singular: 一分钟 is 1 minute, 一个工作日 1 working day.
        return f"{number} {unit.removesuffix('s') if f.value == 1 and unit.endswith('s') else unit}"
    if f.kind == "ratio":
        if f.unit in "%％‰":
            return f"{number}{f.unit}"
        # What a multiple multiplies, when the clause names it just before (违法所得一倍以上).
        base = next((en for zh, en in _RATIO_BASES if zh in context[max(0, f.start - 8):f.start]), "")
        return f"{number} times{f' the {base}' if base else ''}"
    unit = _ENGLISH_UNITS.get(f.kind, "")
    return f"{number} {unit}".strip()


# What an English lead says is counted, from the question's words, else from the asked kind.
_ENGLISH_NOUNS = ((r"\bfines?\b|\bpenalt", "fine"), (r"\bfees?\b|\bcosts?\b|\bcharges?\b|\bprice", "fee"),
                  (r"subsid", "subsidy"), (r"allowance", "allowance"), (r"\bgrants?\b", "grant"),
                  (r"\breward|\bbonus", "reward"), (r"pension", "pension"), (r"\bvouchers?\b", "voucher"),
                  (r"\bage\b|how old", "age"), (r"\bdeadline|time limit", "time limit"),
                  (r"how long|\bperiod\b|interval|\bwait", "period"), (r"\bweigh", "weight"))
_KIND_NOUNS = {"money": "amount", "duration": "period", "date": "date", "age": "age", "count": "number",
               "ratio": "rate", "volume": "volume", "weight": "weight", "area": "area", "length": "length",
               "clock": "time"}
# 每 + a unit: what a figure is counted per (每人每月 → per person per month).
_PER_UNITS = (("平方米", "square metre"), ("小时", "hour"), ("人", "person"), ("户", "household"),
              ("月", "month"), ("年", "year"), ("日", "day"), ("天", "day"), ("周", "week"), ("次", "time"),
              ("件", "item"), ("生", "pupil"), ("名", "person"), ("宗", "case"), ("起", "case"),
              ("只", "animal"), ("头", "animal"))
_LOWER_BOUND_RE = re.compile(r"不低于|不少于|不得低于|不得少于|最低|至少|以上")
_UPPER_BOUND_RE = re.compile(r"不超过|不得超过|不高于|最多|最高|上限|以下|以内")


def _per_phrase(norm_clause: str, query: Query) -> str:
    """「每人每月」 → " per person per month"; 「每个街道办事处」 → " per street office" when the
    question's own English words render the noun; 「对单位…」 → " for an organisation"."""
    out = []
    for m in re.finditer(r"每(?:个|一)?", norm_clause):
        rest = norm_clause[m.end():m.end() + 12]
        unit = next((en for zh, en in _PER_UNITS if rest.startswith(zh)), None)
        if unit is None:  # the noun in the question's own English words, in the order written
            noun = re.split(r"[每的，,；;。、\s]", rest, maxsplit=1)[0]
            found = sorted((noun.find(t), word) for g, word in zip(query.groups, query.group_words or ())
                           for t in g[:1] if word and t and t in noun)
            unit = " ".join(dict.fromkeys(w for _, w in found)) or None
        if unit and f"per {unit}" not in out:
            out.append(f"per {unit}")
    if "对单位" in norm_clause:
        out.append("for an organisation")
    elif "对个人" in norm_clause:
        out.append("for an individual")
    return "".join(f" {p}" for p in out)


def english_statement(clause: str, figs: list[Figure], query: Query, kinds: frozenset[str],
                      first_of_line: bool = True) -> str:
    """An English lead for one clause: what is counted, the figure as the document writes it and
    its value in English, and what it is counted per — "The minimum amount is 6万元 (60,000 yuan)
    per street office"; "The fine is 三百元以上两千元以下 (300 to 2,000 yuan)". A further clause of
    the same line gives the figure alone."""
    norm = normalise(clause)
    low = query.question.lower()
    noun = next((n for rx, n in _ENGLISH_NOUNS if re.search(rx, low)), None)
    noun = noun or _KIND_NOUNS.get(next((f.kind for f in figs if f.kind in kinds), figs[0].kind), "figure")
    each = [english_value(f, norm) for f in figs]
    values = [v for v in dict.fromkeys(each) if v]
    # The figure as written, with its range words (三百元以上两千元以下), from the first asked figure.
    span = FIGURE_SPAN_RE.match(norm, figs[0].start) if len(norm) == len(clause) else None
    written = clause[span.start():span.end()] if span and span.end() >= figs[0].end else figs[0].text
    # Two figures are a range only when the document writes them as one (三百元以上两千元以下,
    # 300至500元); apart (「由每月三千五百元提高至五千元」, a change) each is said with its own value.
    apart = span is not None and span.end() < figs[-1].end
    if len(figs) >= 2 and len(values) >= 2 and apart:
        shown_apart = [f"{f.text} ({v})" if v != f.text else f.text
                       for f, v in zip(figs, each) if v]
        statement = "; ".join(dict.fromkeys(shown_apart)) + _per_phrase(norm, query)
        return f"The {noun} is {statement}" if first_of_line else statement
    if len(figs) >= 2 and len(values) >= 2:
        first, last = values[0], values[-1]
        unit = first.split(" ", 1)[1] if " " in first and first.split(" ", 1)[1] == last.split(" ", 1)[-1] else ""
        value = f"{first.split(' ', 1)[0]} to {last}" if unit else f"{first} to {last}"
        head = f"The {noun} is"
    else:
        value = values[0] if values else ""
        after = norm[figs[0].end:figs[0].end + 4] if figs else ""
        before = norm[max(0, figs[0].start - 6):figs[0].start] if figs else ""
        if _LOWER_BOUND_RE.search(before) or after.startswith("以上"):
            head = f"The minimum {noun} is"
        elif _UPPER_BOUND_RE.search(before) or after.startswith(("以下", "以内")):
            head = f"The maximum {noun} is"
        else:
            head = f"The {noun} is"
    # A figure English writes the same way (a share in %) is not given twice.
    shown = f" ({value})" if value and value != written else ""
    statement = f"{written}{shown}{_per_phrase(norm, query)}"
    return f"{head} {statement}" if first_of_line else statement


def english_line(shown: list[tuple[str, str]]) -> str:
    """English statements, each followed by the clause it comes from, as the document says it."""
    return "; ".join(f"{statement}: {clause}" for statement, clause in shown)
