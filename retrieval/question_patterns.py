"""Question patterns: what a question asks, read from its words (English and Chinese cues side by
side, on the normalised question): a version of a text by its year, whether a text still holds,
a quantity and which kinds of unit answer it, and which kind of sum a money question names."""

from __future__ import annotations

import re
from functools import lru_cache

from core.figures import UNIT_CLASSES
from core.script import HAN_RE

# A question about one version of a text by its year (2018年版, 2022年修订的…, under the 2016
# law): revision notes of other versions name that year too, so only the document's date counts.
_VERSION_RE = re.compile(
    r"(?:19|20)\d{2}\s*年?\s*(?:版|修订|修正|修改)|(?:19|20)\d{2}\s*(?:version|edition|revision)"
    r"|(?:under|in|of) the (?:19|20)\d{2}\b|(?:revised|amended) in (?:19|20)\d{2}", re.I)


def asks_version_year(text: str) -> bool:
    return bool(_VERSION_RE.search(text))


# A question whether a text still holds (还有效吗, 是否废止, 仍然适用吗, still in force, repealed?),
# the document being the subject: it is answered by the document's status — repealed, or in force
# since a date — which its header and revision notes state (ingest records them as metadata).
# Whom or where a rule applies to (是否适用于外地人, 外地人适用吗, which rules are in force for
# dog owners, does it still apply to renters) is no question of validity: 适用 counts only as
# 仍/还 适用 with no 于 after it, and "in force"/"valid" only said of a named text (is the/this …).
_VALIDITY_RE = re.compile(
    r"(有效|施行|生效|实施|废止|失效|作废)了?(吗|么|没有|与否)|是否[^,，。?？]{0,4}(有效|施行|生效|实施|废止|失效|作废)"
    r"|(仍然?|还|依然|继续)(可以)?适用(?!于)"
    r"|\bstill (in force|valid|effective|in effect)\b|\bstill (applicable|appl(y|ies))\b(?! to\b)"
    r"|\b(is|are|was|were)\s+(the|this|that|these|those|it)\b[^?]{0,80}\b(in force|valid|in effect)\b"
    r"|\brepealed\b|\bno longer (valid|in force|in effect)\b", re.I)
# Words a text states its repeal with.
REPEAL_WORDS = ("废止", "失效", "停止施行")


def asks_validity(question_normalised: str) -> bool:
    return bool(_VALIDITY_RE.search(question_normalised))


# A question that asks for a quantity, and which kinds of unit can answer it. Checked on the
# normalised (Simplified, lower-case) question; English and Chinese cues side by side.
QUANTITY_CUES: tuple[tuple[re.Pattern, frozenset[str]], ...] = tuple(
    (re.compile(p, re.I), frozenset(k.split())) for p, k in (
        (r"罚.{0,6}(多少|几)|多少钱|多少元|金额|罚款(标准|幅度|数额)|补助.{0,4}(多少|标准)|补贴.{0,4}(多少|标准)"
         r"|津贴.{0,4}(多少|标准)|费用?.{0,3}(多少|标准)"
         r"|多少(补贴|补助|津贴|罚款|费用?|奖金)|奖金.{0,4}(多少|标准)"
         r"|\bfines?\b|\bpenalt|how much(?! (?:advance )?(?:time|notice)\b)|\bamount\b|\bcost|\bfees?\b|subsid|allowance|\bgrant\b|payment|\bpaid\b|threshold",
         "money ratio"),  # fines are also set as multiples (违法所得二倍以上五倍以下)
        # A wage, salary, pension, price or sum of money is paid in money: a multiple or a share
        # (加班费为工资的一点五倍) says how another sum is reckoned from it, not what it is.
        (r"多少钱|(工资|薪资|薪金|薪水|价格|价钱|退休金|养老金).{0,4}(多少|标准)"
         r"|yuan|dollars?|\bwages?\b|salar|pension|\bprices?\b", "money"),
        # "Period" asks a length of time; "which periods" asks which times a rule covers (named
        # periods, listed), no length.
        (r"多久|多长时间|多少天|(?<!哪)几天|(?<!哪)几年|多少年|(?<!哪)几个月|多少个?月|期限|时限|多少个?工作日|(?<!哪)几个工作日|间隔"
         r"|how long|how soon|within how|how many (minutes|hours|days|weeks|months|years)|period(?!s)|interval"
         # Time is asked "how much" too: how much notice, how much time, how much (advance) time.
         r"|how much (?:advance )?(?:time|notice)\b",
         "duration"),
        (r"几岁|多大年纪|年龄|多少岁|how old|\bage\b|aged", "age"),
        # A day asked by name (哪天, 哪几天, 几月几日, what date) is a calendar date; "when" or a
        # deadline may also be answered by a period (within 30 days of …).
        (r"哪(一|几)?天|哪些日子|几月几日|几号|哪(一|几)?日|哪(一|几)?年|(几|哪一?个?|什么)世纪"
         r"|what (date|day|year|century)|which (date|day|year|century)", "date"),
        (r"什么时候|何时|截止|日期|\bwhen\b|by when|deadline", "date duration"),
        # A time of day: hours of work, of quiet, of business (几点到几点, what time).
        (r"几点|什么时段|哪个时段|哪些时段|哪段时间|what time(?! (?:limit|period|frame|span))|(?:which|what|during what|between what) hours"
         r"|opening hours|business hours|office hours", "clock"),
        (r"多少毫升|多少升|容量|体积|millilit|\blitres?\b|\bvolume\b", "volume"),
        (r"多少公斤|多重|体重|\bkg\b|kilogram|weigh", "weight"),
        # Every kind of figure `core.figures` reads is askable: an area (office space, a plot) and
        # a length or distance (a road, a radius) by their own words.
        (r"面积|多少平方|多少亩|多少公顷|\barea\b|\bspace\b|square met|hectare", "area"),
        # "How big" asks the size of whatever it names: a fund's is a sum, a plot's an area.
        (r"how (large|big)", "area money count length ratio"),
        (r"多长(?!时间)|多远|距离|长度|多少公里|多少米|how far|\blength\b|distance|kilomet", "length"),
        (r"比例|[百千]分之|几倍|多少倍|百分比|几成|percent|proportion|share of|times the|per mille", "ratio"),
        (r"(?<!哪)(几|多少)(%s)|how many|number of" % "|".join(map(re.escape, UNIT_CLASSES["count"])), "count"),
    ))
# A unit the question names outright (多少元, 几岁, how many days) says exactly which kind answers
# it: the looser cues above (a fine may be set as a multiple) then add nothing.
EXPLICIT_UNIT_CUES: tuple[tuple[re.Pattern, frozenset[str]], ...] = tuple(
    (re.compile(p, re.I), frozenset(k.split())) for p, k in (
        (r"(多少|几)(万|千|百)?(元|块)|how many (yuan|dollars|patacas)", "money"),
        (r"(多少|几)(周)?岁", "age"),
        # 几月几日 asks for a date, not a duration: 几月 and 月几日 are left to the date cue.
        (r"(多少|(?<!哪)几)(个月|个?工作日|天|个?小时)|(?<![月哪])几日|多少日|how many (minutes|hours|days|weeks|months|years|working days)", "duration"),
        (r"几点|what time(?! (?:limit|period|frame|span))", "clock"),
        (r"(多少|几)(毫升|升)", "volume"),
        (r"(多少|几)(公斤|千克|斤|吨)", "weight"),
        (r"(多少|几)倍|[百千]分之几|百分比是多少|what percentage", "ratio"),
    ))
# Words that qualify the quantity asked (最多能养几只, 上限是多少): a figure answers them.
QUANTITY_QUALIFIERS = frozenset("最多 最少 最高 最低 最长 最短 至多 至少 上限 下限 最大 最小".split())
# A change asked for (增长多少, how much did it rise) is answered by a rate or by an amount.
_CHANGE_CUE = re.compile(r"(增长|增加|下降|减少|提高|降低|上涨|上升|增幅|涨)(了)?(多少|几)|grow|increase|rise|fall|decrease", re.I)
# "多少" alone asks for some quantity without saying which; so does a bound (a maximum, a
# minimum, a cap): of a sum, a count or a period, as the rest of the question says.
_ANY_QUANTITY = re.compile(r"多少|(?<!哪)几[^乎何]|what is the (number|figure|rate|level|standard)"
                           r"|maximum|minimum|\bcap\b", re.I)


# What a sum of money is: the noun a money question asks the amount of (补助多少钱, how much is
# the fine) must stand with the figure that answers it — a fee is no subsidy, a household's income
# threshold no wage. Each kind of sum by its word stems (Simplified, matched inside compounds:
# 罚 in 罚款/罚锾/处罚) and the English words that ask for it. Near-synonyms of one kind (补助 /
# 补贴 / 津贴) answer one another: a question's everyday word need not be the regulation's.
AMOUNT_NOUNS: tuple[tuple[tuple[str, ...], re.Pattern], ...] = tuple(
    (tuple(stems.split()), re.compile(english, re.I)) for stems, english in (
        ("罚", r"\bfines?\b|\bpenalt"),
        # A subsidy is also granted as a reward or support fund (以奖代补, 扶持资金, 奖励5000元).
        ("补助 补贴 津贴 资助 补偿 救助 救济 奖补 奖励 扶持 慰问金", r"subsid|allowance|\bgrants?\b"),
        ("工资 薪 报酬 酬金 酬劳", r"\bwages?\b|salar|\bpay\b|remunerat"),
        ("退休金 养老金 年金 退休费", r"pension"),
        ("费", r"\bfees?\b|\bcharges?\b"),
        ("价", r"\bprices?\b"),
        ("奖", r"\bbonus|\breward|\baward"),
    ))


@lru_cache(maxsize=1024)
def asked_amount_nouns(question_normalised: str) -> tuple[tuple[str, ...], ...]:
    """The kinds of sum (as word stems) a money question names; () when it asks no money or
    names no kind of sum (多少钱 alone, how much)."""
    if "money" not in (asked_quantity(question_normalised) or ()):
        return ()
    return tuple(stems for stems, english in AMOUNT_NOUNS
                 if any(s in question_normalised for s in stems) or english.search(question_normalised))


def names_amount(text_normalised: str, nouns: tuple[tuple[str, ...], ...]) -> bool:
    """Whether a text names one of the asked kinds of sum (always, when none is asked)."""
    return not nouns or any(s in text_normalised for stems in nouns for s in stems)


# What an English question asks: its question word and the noun phrase that follows it, up to an
# auxiliary or a preposition other than "of" ("how much is the fine", "what is the number of days
# in …", "what fine does …"). A word for a sum, an age or an area elsewhere names what the question
# is about, not what it asks ("what does wage bargaining cover", "can a hospital refuse care
# because of cost"): the Chinese cues pair such a noun with its asking word (补贴多少, 罚款标准)
# for the same reason.
_EN_STOP = ("do does did can could should must may might will would shall in for to on at from with by "
            "under between about after before during within without per if who that").split()
_EN_ASKED = re.compile(r"\b(?:how \w+|what|which|when)\b(?:'s| is| are| was| were)?"
                       r"(?: (?!(?:%s)\b)[\w'-]+)*" % "|".join(_EN_STOP))


_SENTENCE_START = re.compile(r"(?:^|[.?!;:]\s*|\b(?:by|until|till|since|and|or|so|then)\s+)$")


def asked_phrase(question_normalised: str) -> str:
    """The part of a question that says what it asks: an English question's question words with
    the noun phrases after them (see `_EN_ASKED`; "" for a yes-or-no question); a question with
    Chinese in it whole."""
    if HAN_RE.search(question_normalised):
        return question_normalised
    found = list(_EN_ASKED.finditer(question_normalised))
    # "when" asks a time where it opens the question (or a sentence of it: "…. When must I
    # apply?"); inside a sentence it joins a clause ("what must a seller show when pricing goods",
    # "can I take my dog when I go shopping"): it asks no time.
    return " ".join(m.group(0) for m in found if not m.group(0).startswith("when")
                    or _SENTENCE_START.search(question_normalised[:m.start()]))


# A person asked for (谁, 哪位官员, 何人): figures and dates in such a question say which person
# (1950年扩建工程的主持人是谁); they are not what is asked.
_PERSON_ASKED = re.compile(r"谁|哪位|何人|什么人")
# A yes-or-no question: one ending in 吗, or asking 是否 or by a verb and its negation (能不能,
# 可不可以, 是不是, 有没有).
_YES_NO_RE = re.compile(r"[吗嗎][\s?？!！。]*$|是否|(\w)[不没]\1")
_QUESTION_END = re.compile(r"(?<=[?？!！。])")
# A count of people (多少人同意, 几名委员出席, how many members): votes and quorums are set as a
# share of them (三分之二以上, 过半数), which answers it as well as a number does.
_PEOPLE_COUNTED = re.compile(r"(几|多少)个?(人(?![口数次])|名|位)|how many (members|owners|votes|directors)", re.I)
_ORDINAL_ASKED = re.compile(r"第\s*(几|多少)\s*(%s)?" % "|".join(map(re.escape, UNIT_CLASSES["count"])))


@lru_cache(maxsize=1024)  # asked by scoring, selection, composition and the decision alike
def asked_quantity(question_normalised: str) -> frozenset[str] | None:
    """The unit kinds that can answer a quantity question, or None when no quantity is asked.
    A bare 几 inside a word (几乎, 几何) is no question word: only 几 + measure word counts."""
    # 第几 / 第多少 (which place in an order: 第几代, 第几名) asks an ordinal, a position named,
    # not a quantity: `core.figures` reads no ordinal as a figure, so the rest decides.
    question_normalised = _ORDINAL_ASKED.sub("", question_normalised)
    # In a yes-or-no question 几 is "a few" (放生几只乌龟可以吗, 住几天就搬，能不能…): it counts
    # nothing asked. Each sentence of the question is read on its own (…能不能…？要等几天？).
    question_normalised = "".join(
        re.sub(r"(?<!哪)几(?![乎何])", "", sentence) if _YES_NO_RE.search(sentence) else sentence
        for sentence in _QUESTION_END.split(question_normalised))
    explicit = {k for pattern, ks in EXPLICIT_UNIT_CUES if pattern.search(question_normalised) for k in ks}
    if explicit:
        return frozenset(explicit)
    if asks_validity(question_normalised):
        return None  # whether the wage rules still hold asks their status, not a wage
    if _PERSON_ASKED.search(question_normalised):
        return None  # who: a person, whatever figure or date the question says around it
    kinds: set[str] = set()
    asked = asked_phrase(question_normalised)
    if _CHANGE_CUE.search(question_normalised) and _ANY_QUANTITY.search(asked):
        kinds |= {"ratio", "money"}  # a count grows too, but its cue (多少人, 几个) says so itself
    for pattern, ks in QUANTITY_CUES:
        if pattern.search(asked):
            kinds |= ks
    if not kinds and _ANY_QUANTITY.search(asked):
        kinds = set(UNIT_CLASSES)
    if "count" in kinds and _PEOPLE_COUNTED.search(asked):
        kinds.add("ratio")  # how many must agree: a vote or quorum is set as a share of them
    return frozenset(kinds) if kinds else None
