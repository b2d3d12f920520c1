"""Chinese text rules shared by ingest and retrieval: script and width normalisation (for the index, never for what is shown), sentence ends, and (below) the other rules of Chinese policy text."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from dataclasses import dataclass
from functools import lru_cache

import opencc
import zhconv

_T2S = opencc.OpenCC("t2s")
_S2T = opencc.OpenCC("s2t")


def to_simplified(text: str) -> str:
    # OpenCC first (phrase-aware), then zhconv for variant characters OpenCC keeps (陜 → 陕).
    return zhconv.convert(_T2S.convert(text), "zh-hans")


def to_traditional(text: str) -> str:
    return _S2T.convert(text)


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """NFKC (full-width digits/letters → ASCII), Traditional → Simplified, lower case."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def is_traditional(text: str) -> bool:
    """True when converting to Simplified changes enough characters to call it Traditional."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return False
    simplified = to_simplified("".join(han))
    changed = sum(1 for a, b in zip(han, simplified) if a != b)
    return changed >= max(1, len(han) // 20)


# ----------------------------------------------------------------------------- sentences
# A sentence runs to a full stop, question or exclamation mark (closing quotes and brackets stay
# with it), or to a line end. A semicolon joins the clauses of one legal sentence (「…责令改正；
# 拒不改正的，处…罚款。」: the condition and the penalty belong together), so it only cuts a
# sentence longer than MAX_SENTENCE_CHARS. The answer stage quotes these units and the store's
# embedding cache is keyed by their exact text, so ingest and retrieval must cut alike.
SENTENCE_RE = re.compile(r"[^。！？!?\n]+(?:[。！？!?]+[”’」』）)]*)?")
CLAUSE_RE = re.compile(r"[^；;]+(?:[；;]+[”’」』）)]*)?")
MAX_SENTENCE_CHARS = 160


def sentence_spans(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """[start, end) of each sentence of `text`, surrounding white space excluded."""
    spans = []
    for m in SENTENCE_RE.finditer(text):
        pieces = [m] if m.end() - m.start() <= max_chars else list(CLAUSE_RE.finditer(m.group()))
        for p in pieces:
            raw = p.group()
            base = m.start() if p is not m else 0
            a = base + p.start() + (len(raw) - len(raw.lstrip()))
            b = base + p.start() + len(raw.rstrip())
            if b > a:
                spans.append((a, b))
    return spans


# ------------------------------------------------------------------------------ figures
# A figure as policy documents write it: Arabic (1,500 / 5.5 / 1.8万) or Chinese numerals
# (二万 / 一千二百 / 二五○), optionally "多/余" (16万多), then a unit. Units are grouped by what
# they measure, so a question asking "how much money" is matched by 元 and not by 日.
UNIT_CLASSES: dict[str, tuple[str, ...]] = {
    "money": ("万元", "亿元", "千元", "元", "块", "澳门元", "港元", "美元"),
    "volume": ("毫升", "升"),
    "weight": ("公斤", "千克", "克", "吨", "斤"),
    "area": ("平方米", "平方公里", "平方公尺", "平方千米", "亩", "公顷"),
    "length": ("公里", "千米", "公尺", "米", "公分", "厘米", "毫米"),
    "duration": ("个工作日", "工作日", "个月", "小时", "分钟", "周年", "年", "月", "日", "天", "周"),
    "age": ("周岁", "岁"),
    "ratio": ("倍", "%", "％", "‰", "成"),
    "count": ("个", "名", "户", "人", "只", "条", "次", "项", "家", "所", "座", "批", "件", "份",
              "盏", "篇", "位", "台", "辆", "头", "犬", "张", "套", "间", "处", "类", "种", "级"),
}
_UNIT_OF = {u: c for c, units in UNIT_CLASSES.items() for u in units}
_UNITS_RE = "|".join(sorted(map(re.escape, _UNIT_OF), key=len, reverse=True))
_CN_DIGITS = "零〇○一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
FIGURE_RE = re.compile(
    r"(?P<num>\d[\d,，]*(?:\.\d+)?\s*(?:[万亿](?:\d[\d,，]*[千百]?)?)?|[%s点]*[%s][%s点]*)" % (_CN_DIGITS, _CN_DIGITS, _CN_DIGITS)
    + r"(?P<approx>多|余)?\s*(?P<unit>%s)" % _UNITS_RE)
# A calendar date, Arabic or Chinese: 2019年, 2024年8月22日, 二〇二四年十一月十日, 民国九十五年三月.
DATE_RE = re.compile(r"(?:(?:19|20)\d{2}|[一二〇○零][〇○零一二三四五六七八九]{3})\s*年(?:\s*[\d一二三四五六七八九十]{1,3}\s*月(?:\s*[\d一二三四五六七八九十]{1,3}\s*日)?)?"
                     r"|(?<![\d.])\d{1,2}\s*月\s*\d{1,2}\s*日|[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日")
# A figure as raw text writes it (any script and width), with its units and range words (三万元以上八万元以下,
# 2,400元, 新臺幣六千五百元, 二五○毫升): a cut never falls inside one.
_SPAN_NUM = r"[\d０-９零〇○一二三四五六七八九十百千万萬亿億两兩][\d０-９零〇○一二三四五六七八九十百千万萬亿億两兩.,．]*"
_SPAN_UNIT = r"(?:[元圆圓倍%％个個人次日天年月岁歲号號条條款项項]|公斤|毫升|公里|平方米|立方米|小时|小時|周岁|週歲)"
FIGURE_SPAN_RE = re.compile(r"%s%s*(?:(?:以上|以下|至|到|[~～\-－—])%s%s*)*(?:以上|以下|以内|以內)?" % (_SPAN_NUM, _SPAN_UNIT, _SPAN_NUM, _SPAN_UNIT))
# Words that contain numeral characters but are no figures (一般, 万一, 统一, 十分 …).
_NOT_FIGURE_BEFORE = re.compile(r"[统唯同万专单均划]$")
_NOT_FIGURE_AFTER = ("一般", "一律", "一致", "一定", "一切", "一起", "一同", "一并", "一旦", "一些", "一方")


# A year as a question or a document names it: 2023, 2023年, 二〇二三年 (Gregorian only: an ROC
# year, 民国112年, is matched through the document's ISO date instead).
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)|([一二][〇○零一二三四五六七八九]{3})\s*年")


def years_named(text: str) -> tuple[str, ...]:
    """The Gregorian years `text` names, as four Arabic digits, in order of first mention."""
    out = []
    for m in _YEAR_RE.finditer(text):
        year = m.group(1) or m.group(2).translate(str.maketrans("〇○零一二三四五六七八九", "000123456789"))
        if 1900 <= int(year) <= 2099:
            out.append(year)
    return tuple(dict.fromkeys(out))


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


@dataclass(frozen=True)
class Figure:
    text: str  # as written: 二万元, 2,400元, 12万多盏
    value: float | None  # 20000.0; None when the numeral cannot be read
    unit: str
    kind: str  # UNIT_CLASSES key
    start: int
    end: int


def numeral_value(text: str) -> float | None:
    """The value of an Arabic or Chinese numeral (二万 → 20000, 1,500 → 1500, 二五○ → 250)."""
    import cn2an

    s = text.replace(",", "").replace("，", "").replace(" ", "")
    if re.fullmatch(r"[〇○零一二三四五六七八九]{2,}", s):  # digit-by-digit: 二五○
        s = s.translate(str.maketrans("〇○零一二三四五六七八九", "00012345678 9".replace(" ", "")))
    try:
        return float(cn2an.cn2an(s.replace("○", "零").replace("〇", "零"), "smart"))
    except Exception:
        return None


def find_figures(text: str) -> list[Figure]:
    """Every figure with a unit in `text` (any script; Traditional units are matched after the
    caller normalises, or directly where the unit is written the same)."""
    out = []
    dates = [d.span() for d in DATE_RE.finditer(text)]
    for m in FIGURE_RE.finditer(text):
        num, unit = m.group("num").strip(), m.group("unit")
        if any(a <= m.start() < b for a, b in dates) or text[max(0, m.start() - 1):m.start()] == "第":
            continue  # a date (2019年8月22日) or an ordinal (第十五条) is no quantity
        if not re.search(r"\d", num) and (
                _NOT_FIGURE_BEFORE.search(text[:m.start()]) or text[m.start():].startswith(_NOT_FIGURE_AFTER)):
            continue
        if num in ("点",):
            continue
        out.append(Figure(m.group().strip(), numeral_value(num.rstrip("点")), unit, _UNIT_OF[unit],
                          m.start(), m.end()))
    # Dates answer "when" questions: kind "date", no unit, never compared as quantities.
    out += [Figure(text[a:b], None, "", "date", a, b) for a, b in dates]
    return sorted(out, key=lambda f: f.start)

# A question that asks for a quantity, and which kinds of unit can answer it. Checked on the
# normalised (Simplified, lower-case) question; English and Chinese cues side by side.
QUANTITY_CUES: tuple[tuple[re.Pattern, frozenset[str]], ...] = tuple(
    (re.compile(p, re.I), frozenset(k.split())) for p, k in (
        (r"罚.{0,6}(多少|几)|多少钱|多少元|金额|罚款(标准|幅度|数额)|补助.{0,4}(多少|标准)|补贴.{0,4}(多少|标准)"
         r"|津贴.{0,4}(多少|标准)|费用?.{0,3}(多少|标准)|上限是多少|最多.{0,4}(多少|能拿|能领)|领多少|发多少|给多少"
         r"|多少(补贴|补助|津贴|罚款|费用?|奖金)|奖金.{0,4}(多少|标准)"
         r"|\bfines?\b|\bpenalt|how much|\bamount\b|\bcost|\bfees?\b|subsid|allowance|\bgrant\b|payment|\bpaid\b|\bcap\b|maximum|minimum|threshold",
         "money ratio"),  # fines are also set as multiples (违法所得二倍以上五倍以下)
        # A wage, salary, pension, price or sum of money is paid in money: a multiple or a share
        # (加班费为工资的一点五倍) says how another sum is reckoned from it, not what it is.
        (r"多少钱|(工资|薪资|薪金|薪水|价格|价钱|退休金|养老金).{0,4}(多少|标准)"
         r"|yuan|dollars?|\bwages?\b|salar|pension|\bprices?\b", "money"),
        (r"多久|多长时间|多少天|(?<!哪)几天|(?<!哪)几年|多少年|(?<!哪)几个月|多少个?月|期限|时限|多少个?工作日|(?<!哪)几个工作日|间隔"
         r"|how long|how soon|within how|how many (minutes|hours|days|weeks|months|years)|period|interval",
         "duration"),
        (r"几岁|多大年纪|年龄|多少岁|how old|\bage\b|aged", "age"),
        # A day asked by name (哪天, 哪几天, 几月几日, what date) is a calendar date; "when" or a
        # deadline may also be answered by a period (within 30 days of …).
        (r"哪(一|几)?天|哪些日子|几月几日|几号|哪(一|几)?日|哪(一|几)?年|what (date|day|year)|which (date|day|year)", "date"),
        (r"什么时候|何时|截止|日期|\bwhen\b|by when|deadline", "date duration"),
        (r"多少毫升|献多少|多少血|how much blood|millilit", "volume"),
        (r"多少公斤|多重|体重|\bkg\b|kilogram|weigh", "weight"),
        (r"比例|百分之|几倍|多少倍|百分比|几成|percent|proportion|share of|times the", "ratio"),
        (r"(?<!哪)(几|多少)[个只条名户人项家所次件份位台辆张套间处类种]|how many|number of", "count"),
    ))
# A unit the question names outright (多少元, 几岁, how many days) says exactly which kind answers
# it: the looser cues above (a fine may be set as a multiple) then add nothing.
EXPLICIT_UNIT_CUES: tuple[tuple[re.Pattern, frozenset[str]], ...] = tuple(
    (re.compile(p, re.I), frozenset(k.split())) for p, k in (
        (r"(多少|几)(万|千|百)?(元|块)|how many (yuan|dollars|patacas)", "money"),
        (r"(多少|几)(周)?岁", "age"),
        # 几月几日 asks for a date, not a duration: 几月 and 月几日 are left to the date cue.
        (r"(多少|(?<!哪)几)(个月|个?工作日|天|个?小时)|(?<![月哪])几日|多少日|how many (minutes|hours|days|weeks|months|years|working days)", "duration"),
        (r"(多少|几)(毫升|升)", "volume"),
        (r"(多少|几)(公斤|千克|斤|吨)", "weight"),
        (r"(多少|几)倍|百分之几|百分比是多少|what percentage", "ratio"),
    ))
# Words that qualify the quantity asked (最多能养几只, 上限是多少): a figure answers them.
QUANTITY_QUALIFIERS = frozenset("最多 最少 最高 最低 最长 最短 至多 至少 上限 下限 最大 最小".split())
# A change asked for (增长多少, how much did it rise) is answered by a rate or by an amount.
_CHANGE_CUE = re.compile(r"(增长|增加|下降|减少|提高|降低|上涨|上升|增幅|涨)(了)?(多少|几)|grow|increase|rise|fall|decrease", re.I)
# "多少" alone asks for some quantity without saying which.
_ANY_QUANTITY = re.compile(r"多少|(?<!哪)几[^乎何]|what is the (number|figure|rate|level|standard)", re.I)


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


@lru_cache(maxsize=1024)  # asked by scoring, selection, composition and the decision alike
def asked_quantity(question_normalised: str) -> frozenset[str] | None:
    """The unit kinds that can answer a quantity question, or None when no quantity is asked.
    A bare 几 inside a word (几乎, 几何) is no question word: only 几 + measure word counts."""
    explicit = {k for pattern, ks in EXPLICIT_UNIT_CUES if pattern.search(question_normalised) for k in ks}
    if explicit:
        return frozenset(explicit)
    if asks_validity(question_normalised):
        return None  # whether the wage rules still hold asks their status, not a wage
    kinds: set[str] = set()
    if _CHANGE_CUE.search(question_normalised) and _ANY_QUANTITY.search(question_normalised):
        kinds |= {"ratio", "money"}  # a count grows too, but its cue (多少人, 几个) says so itself
    for pattern, ks in QUANTITY_CUES:
        if pattern.search(question_normalised):
            kinds |= ks
    if not kinds and _ANY_QUANTITY.search(question_normalised):
        kinds = set(UNIT_CLASSES)
    return frozenset(kinds) if kinds else None


# ---------------------------------------------------------------------------- list items
# A sentence that opens an item of an enumeration: 一是 / 一、 / （一） / 1、 1. 1） / 第一， / ① / •
ITEM_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}(?:是|、)|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}(?:[、)）]|[.．](?!\d))"
    r"|第[一二三四五六七八九十]{1,3}[，,、]|[①-⑳]|[-•·●▪]\s?)")


# ------------------------------------------------------------------------------ places
# Jurisdictions whose own texts rarely name themselves: a Taiwan regulation says 中华民国 and
# 新台币, not 台湾. A document using a marker is about that place (normalised Simplified forms).
PLACE_MARKERS: dict[str, tuple[str, ...]] = {
    "台湾": ("中华民国", "新台币", "行政院", "立法院", "台北市", "高雄市"),
    "香港": ("香港特别行政区", "港币", "港元", "港府"),  # not 立法会 or 特首: Macau has them too
    "澳门": ("澳门特别行政区", "澳门元", "澳门币"),
}


# A chapter, section or article heading: 第四章 / 第二节 / 第三十二条 / 第 5 條.
SECTION_RE = re.compile(r"^第\s*[一二三四五六七八九十百零〇\d]+\s*[编編章节節条條款]")

# ----------------------------------------------------------------------------- headings
# The heading families of Chinese laws, regulations and notices, outermost first. Levels are
# ranks, not depths: a document uses some of the families, and the heading path in force at a
# sentence keeps every heading of a lower rank than the newest one. Items inside an article
# (一、（一）1.) are its list, not sections: the path stops at the article.
_CN_NUM = "一二三四五六七八九十百千零〇两"
ARTICLE_RANK = 40
HEADING_FAMILIES: tuple[tuple[int, re.Pattern], ...] = (
    (10, re.compile(r"^第\s*[%s\d]+\s*[编編](?![制写寫辑輯号號])" % _CN_NUM)),
    (15, re.compile(r"^第\s*[%s\d]+\s*(?:分[编編]|部分|篇)" % _CN_NUM)),
    (20, re.compile(r"^第\s*[%s\d]+\s*章" % _CN_NUM)),
    (30, re.compile(r"^第\s*[%s\d]+\s*[节節](?![约約日假])" % _CN_NUM)),
    (ARTICLE_RANK, re.compile(r"^第\s*[%s\d]+(?:\s*-\s*\d+)?\s*[条條](?:之[%s]+)?(?=\s|$|[　:：])" % (_CN_NUM, _CN_NUM))),
    (50, re.compile(r"^[%s]+、" % _CN_NUM)),
    (60, re.compile(r"^[（(][%s]+[)）]" % _CN_NUM)),
    (70, re.compile(r"^\d{1,2}[.．、](?!\d)")),
    (80, re.compile(r"^[（(]\d{1,2}[)）]")),
)
MARKDOWN_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
HEADING_MAX_CHARS = 30


def heading_of(line: str) -> tuple[int, str] | None:
    """(rank, heading text) when `line` opens with a heading marker of an official document.

    Articles are named by their marker alone (「第三十二条」), sections by their short title
    line (「第四章 法律责任」, 「一、重要意义」); Markdown headings by their text, ranked by
    the family they contain or by their number of '#'. A single '#' line is the document title,
    not a section."""
    line = line.strip(" \t\u3000")
    md = MARKDOWN_HEADING_RE.match(line)
    if md:
        if len(md.group(1)) == 1:
            return None
        inner = heading_of(md.group(2))
        return inner or (len(md.group(1)) * 5, md.group(2)[:HEADING_MAX_CHARS])
    for rank, rx in HEADING_FAMILIES:
        m = rx.match(line)
        if not m:
            continue
        if rank == ARTICLE_RANK:
            return rank, re.sub(r"\s+", " ", m.group().strip())
        head = re.split(r"[。：:！？；;]", line, maxsplit=1)[0].rstrip("，, \u3000")
        if len(head) <= HEADING_MAX_CHARS:
            return rank, re.sub(r"[ \u3000]+", " ", head)
        return None
    return None


def opens_with_marker(line: str) -> bool:
    """True when the line opens with a heading or item marker, however long it is."""
    line = line.strip(" \t\u3000")
    return bool(MARKDOWN_HEADING_RE.match(line)) or any(rx.match(line) for _, rx in HEADING_FAMILIES)


def heading_path(path: dict[int, str], line: str) -> dict[int, str]:
    """The heading path after `line`: a new heading replaces its rank and every deeper one."""
    found = heading_of(line)
    if not found:
        return path
    rank, head = found
    if rank > ARTICLE_RANK and any(r == ARTICLE_RANK for r in path):
        return path  # an item of the article in force
    kept = {r: h for r, h in path.items() if r < rank}
    kept[rank] = head
    return kept


# ----------------------------------------------------------------------------- places
# Place words: administrative suffixes of the mainland and of Taiwan, Hong Kong and Macau. The
# names themselves come from a gazetteer (core/data/places.tsv); these rules say how a name
# may be written in running text.
ADMIN_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区",
                  "省", "市", "区", "县", "盟", "旗")


PLACES_PATH = Path(__file__).parent / "data" / "places.tsv"


@lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """Every gazetteer name as written in running text: full names (德州市, 德城区) and, for
    provinces and cities, their short forms (德州, 香港, 台湾)."""
    return frozenset(w for w in _gazetteer()[0] if len(w) >= 2)


@lru_cache(maxsize=512)
def places_named(normalised_text: str) -> tuple[str, ...]:
    """Gazetteer places a (Simplified) text names, longest match at each position, in the short
    form documents and questions share (长春市 → 长春)."""
    words = place_words()
    found: list[str] = []
    i = 0
    while i < len(normalised_text):
        for n in range(12, 1, -1):
            word = normalised_text[i:i + n]
            if word in words:
                found.append(short_place_name(word))
                i += n - 1
                break
        i += 1
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """name (full and, above county level, short) → codes; code → short name."""
    import csv

    codes: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    with PLACES_PATH.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            short = short_place_name(row["name"])
            names[row["code"]] = short
            for n in {row["name"], short} if row["level"] != "county" else {row["name"]}:
                codes.setdefault(n, []).append(row["code"])
    return {n: tuple(c) for n, c in codes.items()}, names


def is_place(word: str) -> bool:
    return word in _gazetteer()[0]


def place_within(place: str, region: str) -> bool:
    """Whether a gazetteer place lies in a document's region (山东省德州市, 台湾): the region names
    the place or one of the place's enclosing city and province (a city's regulation holds in its
    districts). A document that merely mentions a place in passing is not about it."""
    region = to_simplified(region)
    if place in region:  # the region is the place or lies inside it
        return True
    named = places_named(region)
    if not named:
        return False
    codes, names = _gazetteer()
    return any(names.get(parent) == named[-1]  # the region's most specific place encloses it
               for code in codes.get(place, ())
               for parent in {code[:4] + "00", code[:2] + "0000"} - {code})


JURISDICTION_MARKERS_PATH = Path(__file__).parent / "data" / "jurisdiction_markers.tsv"
MAINLAND = "内地"  # the markers table's counter-evidence: words of the mainland's own texts


@lru_cache(maxsize=1)
def _jurisdiction_markers() -> tuple[re.Pattern, dict[str, str]]:
    """One pattern over every marker of core/data/jurisdiction_markers.tsv (longest first, so
    经济财政司司长 is Macau's and not Hong Kong's 财政司司长) and normalised marker → region."""
    import csv

    with JURISDICTION_MARKERS_PATH.open(encoding="utf-8") as f:
        rows = list(csv.DictReader((ln for ln in f if not ln.startswith("#")), delimiter="\t"))
    region_of: dict[str, str] = {}
    alternatives: list[tuple[str, str]] = []
    for row in rows:
        marker = normalise(row["marker"])
        region_of[marker] = row["region"]
        pattern = re.escape(marker)
        if marker[0].isascii() and marker[0].isalpha():
            pattern = r"(?<![a-z])" + pattern
        if marker[-1].isascii() and marker[-1].isalpha():
            pattern += r"(?![a-z])"
        if row.get("not_before"):
            pattern += "(?![%s])" % re.escape(normalise(row["not_before"]))
        alternatives.append((marker, pattern))
    alternatives.sort(key=lambda a: len(a[0]), reverse=True)
    # The lookahead on the markers' first characters lets most positions fail at once (about 8×
    # faster over a long law than trying every alternative at each character).
    firsts = re.escape("".join(sorted({m[0] for m in region_of})))
    return re.compile("(?=[%s])(?:%s)" % (firsts, "|".join(p for _, p in alternatives))), region_of


def jurisdiction_markers() -> dict[str, str]:
    """Every marker of the table (normalised Simplified) → its region (香港, 澳门, 台湾, 内地)."""
    return dict(_jurisdiction_markers()[1])


def jurisdiction_counts(text: str) -> dict[str, int]:
    """How often `text` (either script) uses each region's markers: its currency, officeholders,
    institutions and words for "here" (本港, 本澳), which its own texts use without naming it."""
    pattern, region_of = _jurisdiction_markers()
    counts: dict[str, int] = {}
    for m in pattern.finditer(normalise(text)):
        region = region_of[m.group()]
        counts[region] = counts.get(region, 0) + 1
    return counts


def short_place_name(name: str) -> str:
    """"德州市" → "德州", "广西壮族自治区" → "广西", "香港特别行政区" → "香港": the form
    people write; names that would shrink to one character keep their suffix (沙市, 和县)."""
    name = to_simplified(name)
    for suffix in ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            # Ethnic autonomous names: 广西壮族 → 广西, 延边朝鲜族 → 延边.
            if suffix.startswith("自治"):
                stem = re.sub(r"^([\u4e00-\u9fff]{2,}?)(?:[\u4e00-\u9fff]{1,3}族)+$", r"\1", stem)
            return stem if len(stem) >= 2 else name
    return name


def is_prose_line(line: str) -> bool:
    """A line of running text (a sentence with its full stop, or a long clause chain), as opposed
    to a title, issuer, date or menu line."""
    han = sum(1 for c in line if "\u4e00" <= c <= "\u9fff")
    ends = sum(line.count(c) for c in "。！？!；;")
    commas = sum(line.count(c) for c in "，,、")
    return (ends >= 1 and han >= 20) or (commas >= 2 and han >= 40)


# ------------------------------------------------------------------ quantities and list items
# A share written with its unit first: 百分之五 / 百分之二十五 / 百分之0.5 (FIGURE_RE reads the
# unit after the number, so these are found here).
_PERCENT_RE = re.compile(r"百分之\s*(?P<num>\d+(?:\.\d+)?|[%s点]+)" % _CN_DIGITS)


def find_quantities(text: str) -> list[Figure]:
    """`find_figures` plus shares written unit first (百分之五 → 5 %, kind "ratio")."""
    out = find_figures(text)
    for m in _PERCENT_RE.finditer(text):
        out.append(Figure(m.group(), numeral_value(m.group("num")), "%", "ratio", m.start(), m.end()))
    return sorted(out, key=lambda f: f.start)


# The marker families of enumerations, outermost first: an item of a higher-ranked family after
# items of a lower one ends the inner list (「（三）…」 then 「二、…」 is the next outer item).
_ITEM_LEVELS: tuple[tuple[int, re.Pattern], ...] = (
    (50, re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}(?:是|、)|第[一二三四五六七八九十]{1,3}[，,、])")),
    (60, re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}[)）]")),
    (70, re.compile(r"^\s*\d{1,2}(?:[、)）]|[.．](?!\d))")),
    (80, re.compile(r"^\s*[（(]\d{1,2}[)）]")),
    (90, re.compile(r"^\s*(?:[①-⑳]|[-•·●▪]\s?)")),
)


def item_level(text: str) -> int | None:
    """The rank of the enumeration marker a sentence opens with (一、 50, （一） 60, 1. 70,
    (1) 80, ①/● 90), or None when it opens no item."""
    for level, rx in _ITEM_LEVELS:
        if rx.match(text):
            return level
    return None


def item_number(text: str) -> int | None:
    """The number of an item's marker: （三） → 3, 2. → 2, 四、 → 4."""
    m = re.match(r"^\s*(?:第)?[（(]?([一二三四五六七八九十]{1,3}|\d{1,2})", text)
    if not m or item_level(text) is None:
        return None
    value = numeral_value(m.group(1))
    return int(value) if value is not None else None
