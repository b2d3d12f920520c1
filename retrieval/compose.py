"""Composition: which evidence the answer quotes, in what order, and the words around it.

The answer leads with what was asked: for a quantity question the clause holding the figure
(with its value in English for English questions), for a list question every item of the list
(一是…二是…, 1、2、, （一）（二）, across passage boundaries). Further sentences come only when they
add something the lead lacks (another part of the question, another figure); each is cited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from core.records import Chunk, Citation, Evidence
from core.figures import FIGURE_SPAN_RE, Figure, find_quantities
from core.headings import SECTION_RE, item_level, item_number
from core.script import normalise, to_traditional
from core.sentences import sentence_spans
from retrieval.question_patterns import REPEAL_WORDS, asked_quantity
from retrieval.citations import make_citation
from retrieval.evidence import announces_list, display_text, intro_chain, is_quotable, previous_paragraph
from retrieval.query import Query
from retrieval.scoring import Scored, TermWeights

_LIST_RE = re.compile(r"哪些|哪几|几个方面|包括什么|包括哪|有什么(要求|条件|规定|措施|情形)|什么(条件|情形|要求)|列举|分别"
                      r"|what are|which (\w+ )?(are|conditions|cases|measures)|\blist\b|what (conditions|measures|requirements)",
                      re.I)
# A question asking how two versions, years or documents differ, or for each one's figure.
_COMPARE_RE = re.compile(r"变化|变动|怎么变|如何变|改变|修改前后|修订前后|前后|对比|比较|区别|不同|差别|差异|异同|各(说|是|为|自)"
                         r"|\bchang|\bdiffer|\bcompar|\bbetween\b|\bboth\b|\bversus\b|\bvs\b", re.I)
_LEAD_IN_RE = re.compile(r"[：:]\s*$|下列|如下|以下(几|各)")


@dataclass(frozen=True)
class ComposeOptions:
    """Calibrated on dev + dev2 (see eval/): how much evidence an answer quotes."""

    max_sentences: int = 3  # factoid/quantity answers: the lead and what adds to it
    max_list_items: int = 10
    follow_chunks: int = 2  # passages a list may run on into
    heading_chars: int = 30  # a chosen sentence shorter than this is a heading…
    heading_follow: int = 2  # …and brings this many following sentences of its passage


def is_list_question(query: Query) -> bool:
    return bool(_LIST_RE.search(query.question) or _LIST_RE.search(query.normalised))


# A question about the consequence of breaking a rule.
_PENALTY_RE = re.compile(r"罚|处罚|怎么处理|如何处理|惩|penalt|\bfined?\b|\bfines\b|punish|sanction", re.I)
_ARTICLE_RE = re.compile(r"第\s*([一二三四五六七八九十百零〇\d]+)\s*条")


def is_penalty_question(query: Query) -> bool:
    return bool(_PENALTY_RE.search(query.question) or _PENALTY_RE.search(query.normalised))


def article_of(e: Evidence) -> str | None:
    """The number of the article a sentence stands in (「三十三」): the last article opened in
    its passage before it, else its passage's heading."""
    opened = _ARTICLE_RE.findall(normalise(e.chunk.text[:e.b]))
    if opened:
        return opened[-1]
    found = _ARTICLE_RE.findall(normalise(e.chunk.heading or ""))
    return found[-1] if found else None


def penalty_for(e: Evidence, query: Query, next_chunk: Callable | None, max_chunks: int = 60) -> list[Evidence]:
    """For a penalty question answered by the article that lays down a duty, the sentence of the
    same document that punishes breaking it (「违反本条例第二十一条规定…处800元罚款」), found
    in the passages after it (a regulation's penalties follow its duties); of several, the one
    whose offender the question names (「单位违反…」 for a question about 单位)."""
    number = article_of(e)
    if number is None or next_chunk is None:
        return []
    cites = re.compile(r"违反本\w{0,4}?第(?:[^条。；]{0,30}?[、，,和及])?\s*%s\s*条" % re.escape(number))
    found: list[tuple[int, Evidence]] = []
    chunk, seen_end = e.chunk, e.chunk.start
    for _ in range(max_chunks):
        spans = sentence_spans(chunk.text)
        for i, (a, b) in enumerate(spans):
            start, end = chunk.source_span(a, b)
            if start < seen_end:
                continue
            if i < len(spans) - 1:  # the last may be cut by the passage end: read it again whole
                seen_end = end
            norm = normalise(chunk.text[a:b])
            m = cites.search(norm)
            if m and any(f.kind == "money" for f in find_quantities(norm)):
                # Who broke the rule (「单位违反…」, 「个人违反…」) decides among the penalties.
                offender = norm[:m.start()]
                words = sum(1 for t in dict.fromkeys(query.tokens) if t in offender)
                found.append((words, Evidence(chunk, e.rank, a, b, display_text(chunk.text[a:b]))))
        if len(found) >= 3:
            break
        chunk = next_chunk(chunk)
        if chunk is None:
            break
    return [max(found, key=lambda x: x[0])[1]] if found else []


def is_comparison(query: Query) -> bool:
    return bool(_COMPARE_RE.search(query.question) or _COMPARE_RE.search(query.normalised))


def select(scored: list[Scored], opts: ComposeOptions, selection: dict) -> list[Scored]:
    """The lead — the sentence the learned ranker finds likeliest to hold the answer — then the
    sentences it finds nearly as likely (`selection['keep_ratio']` of the lead's probability,
    chosen on the fitting folds by `eval.train`), at most `max_sentences` in all."""
    if not scored:
        return []
    pool = sorted(scored, key=lambda s: -s.score)
    lead = pool[0]
    keep = [s for s in pool[1:] if s.score >= selection["keep_ratio"] * lead.score
            and s.score >= selection.get("min_prob", 0.0)]
    return [lead] + keep[:opts.max_sentences - 1]


def list_items(lead: Evidence, next_chunk: Callable | None, opts: ComposeOptions) -> list[Evidence]:
    """The items that follow a lead-in sentence ("…下列规定：", "主要措施有：", a label 「二、登記費」)
    in its passage and the passages after it (overlapping passages are read on from where the
    last sentence ended): consecutive sentences opening with an item marker, each with the
    sentences that continue it and the items of lists inside it, until the list ends (an
    unmarked sentence, or an item at the level of the lead or of an outer list)."""
    items: list[Evidence] = []
    chunk, start, hops = lead.chunk, lead.b, 0
    if lead.tail is not None:
        chunk, start = lead.tail, lead.tail_end
    outer = item_level(lead.text)  # a lead that is itself an item: its list is nested deeper
    first: int | None = None
    done = chunk.source_span(0, start)[1] if start else chunk.start  # original offset read so far
    while chunk is not None and len(items) < opts.max_list_items:
        for a, b in sentence_spans(chunk.text):
            if a < start or chunk.source_span(a, b)[0] < done:
                continue
            done = chunk.source_span(a, b)[1]
            text = chunk.text[a:b]
            level = item_level(text)
            if level is None:
                # An unmarked sentence ends the list, unless the item before it announced it.
                if not (items and items[-1].text.rstrip().endswith(("：", ":"))):
                    return items
            elif (outer is not None and level <= outer) or (first is not None and level < first):
                return items
            elif first is None:
                first = level
            if is_quotable(text, chunk.title):
                items.append(Evidence(chunk, lead.rank, a, b, display_text(text)))
            if len(items) >= opts.max_list_items:
                return items
        hops += 1
        if next_chunk is None or hops > opts.follow_chunks:
            break
        chunk, start = next_chunk(chunk), 0
    return items


# A reference to another item of the same list (「享受第二项规定的待遇」) or to the paragraph
# before (`previous_paragraph`): the sentence is only understood with what it refers to.
_ITEM_REF_RE = re.compile(r"(?<![条條款])第([一二三四五六七八九十]{1,3})[项項]")


def referenced(e: Evidence, next_chunk: Callable | None, opts: ComposeOptions,
               pool: list[Evidence] = ()) -> list[Evidence]:
    """The sentences `e` refers to: the item of its own list it names by number (read from the
    list's intro, or else the nearest such item of its document among the retrieved sentences
    `pool`), or the paragraph before it in its passage."""
    out: list[Evidence] = []
    m = _ITEM_REF_RE.search(e.text)
    level, own = item_level(e.text), item_number(e.text)
    wanted = item_number(f"（{m.group(1)}）") if m else None
    if wanted is not None and wanted != own:
        found = [i for i in list_items(e.intro, next_chunk, opts)
                 if item_number(i.text) == wanted] if e.intro is not None else []
        if not found and level is not None:
            start = e.source_span()[0]
            same = [p for p in pool if p.chunk.doc == e.chunk.doc and item_level(p.text) == level
                    and item_number(p.text) == wanted]
            found = sorted(same, key=lambda p: abs(p.source_span()[0] - start))
        out += found[:1]
    return out + previous_paragraph(e)


def following_sentences(e: Evidence, n: int) -> list[Evidence]:
    """Up to `n` quotable sentences after `e` in its passage."""
    out = []
    for a, b in sentence_spans(e.chunk.text):
        if a >= e.b and len(out) < n and is_quotable(e.chunk.text[a:b], e.chunk.title):
            out.append(Evidence(e.chunk, e.rank, a, b, display_text(e.chunk.text[a:b])))
    return out


def with_items(query: Query, chosen: list[Scored], next_chunk: Callable | None,
               opts: ComposeOptions, pool: list[Evidence] = ()) -> list[Evidence]:
    """The chosen evidence, each followed by the list items after it (for a list question, or
    when the sentence announces a list). A chosen list item comes with the sentences introducing
    its list; when that list is a short label's (「一、年齡：」) or a list is asked for, with all
    its items. A sentence referring to another item or to the paragraph before comes with it."""
    out: list[Evidence] = []
    asks_list = is_list_question(query)
    kinds = asked_quantity(normalise(query.question)) or asked_quantity(query.normalised)
    listed: set[str] = set()  # documents whose list has been gathered

    def add(items: list[Evidence]) -> list[Evidence]:
        new = []
        for i in items:
            if i in out:
                continue
            longer = [n for n, o in enumerate(out) if _shorter(o, i)]
            if longer:  # the same sentence, completed from the next passage: quote it whole
                out[longer[0]] = i
            elif not _same_span(i, out):
                out.append(i)
                new.append(i)
        return new

    for s in chosen:
        e = s.evidence
        if e.chunk.doc in listed:
            continue  # the list answers for its document: other sentences only repeat the topic
        chain = intro_chain(e)
        add(chain)  # an item's condition is read with the sentences introducing it
        # A label that is itself an item of an outer list (「一、年齡：」) names what its items
        # answer together; a sentence introducing a list of cases (「有下列行为之一的」) does not.
        whole_list = bool(chain) and (asks_list or (item_level(chain[-1].text) is not None
                                                    and len(chain[-1].text) < opts.heading_chars))
        heading_like = len(e.text) < opts.heading_chars and not _LEAD_IN_RE.search(e.text)
        if whole_list:
            items = add(list_items(chain[-1], next_chunk, opts))
            add([e])
            if heading_like and not re.search(r"[。！？!?；;]$", e.text.rstrip()):
                add(completed(following_sentences(e, opts.heading_follow), pool))
            if asks_list and items:
                listed.add(e.chunk.doc)
            continue
        add(referenced(e, next_chunk, opts, pool))
        add([e])
        add(next_clauses(e, kinds))
        if heading_like:
            # A heading-like sentence (「（一）坚持“5321”发展思路」) says little by itself: the
            # sentences after it in its passage carry the content.
            add(completed(following_sentences(e, opts.heading_follow), pool))
        if _LEAD_IN_RE.search(e.text) or asks_list or announces_list(e.text, _next_sentence(e)):
            items = add(list_items(e, next_chunk, opts))
            if asks_list and items:
                listed.add(e.chunk.doc)
    return out


def completed(evidence: list[Evidence], pool: list[Evidence]) -> list[Evidence]:
    """Each sentence as the retrieved sentences `pool` hold it: completed from the next passage
    when the passage boundary cut it."""
    whole = {(p.chunk.id, p.a): p for p in pool}
    return [whole.get((e.chunk.id, e.a), e) for e in evidence]


def next_clauses(e: Evidence, kinds: frozenset[str] | None, n: int = 2) -> list[Evidence]:
    """For a quantity question, the clauses after `e` that finish its legal sentence (a long
    sentence is quoted clause by clause, cut at 「；」) and carry a figure of the asked kind:
    「…处三万元以上三十万元以下的罚款；」 goes on 「情节严重的，处三十万元以上…罚款；」."""
    if not kinds:
        return []
    out: list[Evidence] = []
    end = e.b
    for a, b in sentence_spans(e.chunk.text):
        if a < end:
            continue
        text = e.chunk.text[a:b]
        between = e.chunk.text[end:a]
        if "\n" in between or not re.search(r"[；;][”’」』）)]*$", e.chunk.text[:end].rstrip()) or len(out) >= n:
            break
        if any(f.kind in kinds for f in find_quantities(normalise(text))):
            out.append(Evidence(e.chunk, e.rank, a, b, display_text(text)))
        end = b
    return out


def _next_sentence(e: Evidence) -> str | None:
    return next((e.chunk.text[a:b] for a, b in sentence_spans(e.chunk.text) if a >= e.b), None)


def _shorter(o: Evidence, e: Evidence) -> bool:
    """`o` is `e` cut short: same document and start, ending earlier."""
    (oa, ob), (ea, eb) = o.source_span(), e.source_span()
    return o.chunk.doc == e.chunk.doc and oa == ea and ob < eb


def _same_span(e: Evidence, others: list[Evidence]) -> bool:
    return any(o.chunk.doc == e.chunk.doc and o.source_span()[0] <= e.source_span()[0] < o.source_span()[1]
               for o in others)


def ordered(evidence: list[Evidence], newer_first: bool = False) -> list[Evidence]:
    """Documents in the order the evidence reached them (the lead's first), or the newest first
    when versions disagree; document order inside each document."""
    rank: dict[str, int] = {}
    for e in evidence:
        rank.setdefault(e.chunk.doc, len(rank))
    out = sorted(evidence, key=lambda e: (rank[e.chunk.doc], e.chunk.start + e.a))
    if newer_first:  # a stable sort: document order is kept inside each date
        out = sorted(out, key=lambda e: e.chunk.meta.get("date") or "", reverse=True)
    return out


# ------------------------------------------------------------------------------ wording
_WORDS = {
    "zh-Hans": {"according": "根据《{title}》{date}{section}：", "answer": "答：",
                "decline": "抱歉，现有文档中没有找到这个问题的答案，我不作推测。",
                "because": "（原因：{reason}。）",
                "covers": "现有文档涉及：{titles}。", "try": "您可以试着问：{q}",
                "conflict": "注意：文件之间的数字不一致。以较新的《{newer}》（{newer_date}）为准；"
                            "较早的《{older}》（{older_date}）给出的数字不同。"},
    "en": {"according": "According to 《{title}》{date}{section}: ", "answer": "Answer: ",
           "decline": "The indexed documents do not answer this question, so I will not guess.",
           "because": " (Why: {reason}.)",
           "covers": "They cover: {titles}.", "try": "You could ask: {q}",
           "conflict": "Note: the documents give different figures. The newer 《{newer}》 "
                       "({newer_date}) is preferred; the older 《{older}》 ({older_date}) differs."},
}


def words(lang: str) -> dict[str, str]:
    if lang == "zh-Hant":
        return {k: to_traditional(v) for k, v in _WORDS["zh-Hans"].items()}
    return _WORDS.get(lang, _WORDS["zh-Hans"])


def _note(value: str, lang: str) -> str:
    if not value:
        return ""
    return f" ({value})" if lang == "en" else f"（{value}）"


_ENGLISH_UNITS = {"money": "yuan", "volume": "ml", "weight": "kg", "area": "square metres",
                  "length": "metres", "age": "years old", "ratio": ""}
_ENGLISH_DURATION = {"个工作日": "working days", "工作日": "working days", "个月": "months", "月": "months",
                     "小时": "hours", "分钟": "minutes", "年": "years", "周年": "years", "日": "days",
                     "天": "days", "周": "weeks"}
# Common bases of fines and benefits set as multiples, in legal and benefit texts generally.
_RATIO_BASES = (("违法所得", "illegal gains"), ("货值金额", "value of the goods"), ("献血量", "volume donated"),
                ("工资", "wages"), ("可支配收入", "disposable income"), ("最低生活", "minimum living standard"),
                ("标准", "standard"))
_CURRENCY_UNITS = {"澳门元": "MOP ", "港元": "HK$", "美元": "US$"}
_CURRENCY_BEFORE = (("新台币", "NT$"), ("新臺幣", "NT$"), ("澳门币", "MOP"), ("澳門幣", "MOP"),
                    ("港币", "HK$"), ("港幣", "HK$"))


def english_value(f: Figure, context: str) -> str:
    """A figure's value in English words: 二万元 → 20,000 yuan; 十五日 → 15 days."""
    if f.value is None:
        return ""
    number = f"{f.value:,.0f}" if f.value == int(f.value) else f"{f.value:,g}"
    if f.kind == "money":
        if f.unit in ("万元",):
            number = f"{f.value * 10000:,.0f}"
        if f.unit in _CURRENCY_UNITS:
            return f"{_CURRENCY_UNITS[f.unit]}{number}"
        # A currency named before the first figure holds for the clause (新臺幣三萬元以上十五萬元以下).
        for cue, symbol in _CURRENCY_BEFORE:
            if cue in context[:f.start]:
                return f"{symbol}{number}"
        return f"{number} yuan"
    if f.kind == "duration":
        return f"{number} {_ENGLISH_DURATION.get(f.unit, f.unit)}"
    if f.kind == "ratio":
        if f.unit in "%％‰":
            return f"{number}{f.unit}"
        # What a multiple multiplies, when the clause names it just before (违法所得一倍以上).
        base = next((en for zh, en in _RATIO_BASES if zh in context[max(0, f.start - 8):f.start]), "")
        return f"{number} times{f' the {base}' if base else ''}"
    unit = _ENGLISH_UNITS.get(f.kind, "")
    return f"{number} {unit}".strip()


_CLAUSE_CUT_RE = re.compile(r"(?<=[，；;：:。])|(?<=,)(?!\d)")  # 2,400元 is one figure, not two clauses
_RANGE_RE = re.compile(r"以上.{0,12}以下|以上.{0,12}以内|至|到|[~～\-－—]")
_ITEM_MARK_RE = re.compile(r"^\s*(?:第\s*[一二三四五六七八九十百零〇\d]+\s*[条條](?:之[一二三四五六七八九十]+)?\s+|[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[、.．](?!\d)|[①-⑳●•▪·-])\s*")


# What an English lead says is counted, from the question's words, else from the asked kind.
_ENGLISH_NOUNS = ((r"\bfines?\b|\bpenalt", "fine"), (r"\bfees?\b|\bcosts?\b|\bcharges?\b|\bprice", "fee"),
                  (r"subsid", "subsidy"), (r"allowance", "allowance"), (r"\bgrants?\b", "grant"),
                  (r"\breward|\bbonus", "reward"), (r"pension", "pension"), (r"\bvouchers?\b", "voucher"),
                  (r"\bage\b|how old", "age"), (r"\bdeadline|time limit", "time limit"),
                  (r"how long|\bperiod\b|interval|\bwait", "period"), (r"\bweigh", "weight"))
_KIND_NOUNS = {"money": "amount", "duration": "period", "date": "date", "age": "age", "count": "number",
               "ratio": "rate", "volume": "volume", "weight": "weight", "area": "area", "length": "length"}
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
    values = [v for v in dict.fromkeys(english_value(f, norm) for f in figs) if v]
    # The figure as written, with its range words (三百元以上两千元以下), from the first asked figure.
    span = FIGURE_SPAN_RE.match(norm, figs[0].start) if len(norm) == len(clause) else None
    written = clause[span.start():span.end()] if span and span.end() >= figs[0].end else figs[0].text
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
    statement = f"{written}{f' ({value})' if value else ''}{_per_phrase(norm, query)}"
    return f"{head} {statement}" if first_of_line else statement


def _english_line(shown: list[tuple[str, str]]) -> str:
    """English statements, each followed by the clause it comes from, as the document says it."""
    return "; ".join(f"{statement}: {clause}" for statement, clause in shown)


def _asked_clauses(e: Evidence, kinds: frozenset[str]) -> list[tuple[int, str, list[Figure]]]:
    """The clauses of a sentence that hold a figure of the asked kind, with their position
    (figures read on the normalised clause, so 新臺幣一萬五千元 counts; the clause is shown as
    written, without its article or item marker)."""
    out = []
    for i, clause in enumerate(_CLAUSE_CUT_RE.split(e.text)):
        figs = [f for f in find_quantities(normalise(clause))
                if f.kind in kinds and (f.value is not None or f.kind == "date")]  # 点五级 is no figure
        if figs:
            shown = _ITEM_MARK_RE.sub("", clause.strip()).rstrip("，,；;：:。")
            out.append((i, shown, figs))
    return out


# The question word of a quantity part; the few characters before it say what is counted
# (「总共能领多少」, 「全年合共多少」, 「每季度至少检查几次」).
_ASK_WORD_RE = re.compile(r"多少|几|多久|多长|什么时候|何时|哪天|上限|下限|最高|最多|最低|最少")
HEAD_CHARS = 6


def question_parts(query: Query) -> list[tuple[frozenset[str], dict[str, float]]]:
    """The parts of a question that each ask for a quantity (「一次补贴多少？两次申领要隔多久？」),
    with the kinds each asks for and the weight of each question word it uses."""
    text = query.question if query.lang == "en" else normalise(query.question)
    pieces = [p for p in re.split(r"[？?；;。]|[，,](?:\s*and\b)?|\band\b(?=\s+(?:how|what|when|which))", text, flags=re.I)
              if p.strip()]
    parts = [(k, p) for p in pieces if (k := asked_quantity(normalise(p)))]
    if len(parts) < 2:
        kinds = asked_quantity(normalise(query.question)) or asked_quantity(query.normalised)
        return [(kinds, _part_words(query, query.question))] if kinds else []
    return [(k, _part_words(query, p)) for k, p in parts]


def _part_words(query: Query, part: str) -> dict[str, float]:
    """The question's words in one part of it, by weight: the character pairs just before its
    question word, which name what is counted (2), and its other Chinese tokens (0.25); for an
    English question the Chinese renderings of the English words the part uses (1)."""
    if query.groups:
        low = part.lower()
        return {t: 1.0 for g, word in zip(query.groups, query.group_words or [""] * len(query.groups))
                if word and word.lower() in low for t in g}
    norm = normalise(part)
    out = {t: 0.25 for t in dict.fromkeys(query.tokens) if len(t) >= 2 and t in norm}
    m = _ASK_WORD_RE.search(norm)
    if m:
        head = re.sub(r"\W", "", norm[max(0, m.start() - HEAD_CHARS):m.start()])
        for i in range(len(head) - 1):
            out[head[i:i + 2]] = out.get(head[i:i + 2], 0.0) + 2.0
    return out


def _pick_clauses(kinds: frozenset[str], part_words: dict[str, float], candidates: list[Evidence],
                  used: set[tuple[int, int]], single: bool, lookahead: int = 3) -> list[tuple[Evidence, list[tuple[str, list[Figure]]]]]:
    """The clause answering one part: among the first `lookahead` sentences holding a figure of
    the asked kind (best-scored first), the clause that uses most of the part's words (words of
    the document's title aside: every clause of it shares them), a range (以上…以下) before a
    single bound; each later sentence must use one more pair of head words. A lone part takes
    the next clause of the same sentence holding an asked figure too (a second tier), or else
    the other bound of a range cut by a comma (「百分之十以上，百分之三十以下」)."""
    best = None
    order = 0
    for e in candidates:
        clauses = _asked_clauses(e, kinds)
        if not clauses:
            continue
        for pos, clause, figs in clauses:
            if (id(e), pos) in used:
                continue
            norm = normalise(clause)
            title = normalise(e.chunk.title)
            hits = sum(wt for t, wt in part_words.items() if t in norm and t not in title)
            ranged = 1 if len(figs) >= 2 or _RANGE_RE.search(norm) else 0
            score = hits + 0.5 * ranged - 1.0 * order
            if best is None or score > best[0]:
                best = (score, e, pos, clause, figs, clauses)
        order += 1
        if order >= lookahead:
            break
    if best is None:
        return []
    _, e, pos, clause, figs, clauses = best
    used.add((id(e), pos))
    picked = [(clause, figs)]
    # A lone part: the next clause with an asked figure; one part of several: the next clause
    # only when it goes on with the same kind of figure (「二百元，最多不得超过四百元」).
    following = [(p, c, f) for p, c, f in clauses if p > pos and (id(e), p) not in used
                 and (single or (p == pos + 1 and {x.kind for x in f} <= {x.kind for x in figs}))]
    if not following:  # the other bound of a range cut by a comma may stand before it
        following = [(p, c, f) for p, c, f in clauses if p == pos - 1 and (id(e), p) not in used
                     and {x.kind for x in f} == {x.kind for x in figs}]
    if following:
        used.add((id(e), following[0][0]))
        picked.append(following[0][1:])
    return [(e, picked)]


# Years said relative to the document's own date: read against it, the answer line names them.
_RELATIVE_YEARS = (("今年", 0), ("本年", 0), ("去年", -1), ("上年", -1), ("明年", 1), ("前年", -2))


def with_dates_resolved(text: str, chunk: Chunk) -> str:
    """`text` with each relative year (今年, 去年, 明年…) followed by the year it means, reckoned
    from the document's date (「今年（2019年）」); unchanged when the document is undated. Only
    the answer line is annotated: quotes and citations stay exact."""
    date = chunk.meta.get("date") or ""
    if not re.match(r"\d{4}", date):
        return text
    year = int(date[:4])
    for word, shift in _RELATIVE_YEARS:
        text = re.sub(f"{word}(?![（(]\\d)", f"{word}（{year + shift}年）", text)
    return text


def lead_line(query: Query, evidence: list[Evidence], best_first: list[Evidence] = ()) -> str:
    """The direct answer first: for each part of the question that asks a quantity, the clause
    that states it — the figure of the asked kind in the clause that best fits the part's words,
    from the best-scored sentences (`best_first`, then the rest) — cited; in English with the
    value spelled out beside the figure as the document writes it."""
    parts = question_parts(query)
    if not parts:
        return ""
    w = words(query.lang)
    number = {id(e): n for n, e in enumerate(evidence, 1)}
    candidates = list({id(e): e for e in [e for e in best_first if id(e) in number] + evidence}.values())
    if len(parts) == 1 and candidates and _asked_clauses(candidates[0], parts[0][0]):
        # One quantity asked: the clause comes from the lead sentence (the one the ranker chose),
        # when it states a figure of the asked kind.
        candidates = candidates[:1]
    used: set[tuple[int, int]] = set()
    picked: list[tuple[Evidence, list[tuple[str, list[Figure]]]]] = []
    for kinds, part_words in parts[:3]:
        picked += _pick_clauses(kinds, part_words, candidates, used, single=len(parts) == 1)
    if not picked:
        return ""
    if query.lang == "en":
        out = []
        for (e, clauses), (kinds, _) in zip(picked, parts[:3] if len(parts) > 1 else parts * len(picked)):
            shown = [(english_statement(clause, figs, query, kinds, first_of_line=i == 0), clause)
                     for i, (clause, figs) in enumerate(clauses)]
            out.append(f"{_english_line(shown)} [{number[id(e)]}].")
        return f"{w['answer']}{' '.join(out)}\n"
    merged: list[tuple[Evidence, list[tuple[str, list[Figure]]]]] = []
    for e, clauses in picked:  # clauses of one sentence, one after the other, share one citation
        if merged and merged[-1][0] is e:
            merged[-1][1].extend(clauses)
        else:
            merged.append((e, list(clauses)))
    for e, clauses in merged:
        clauses.sort(key=lambda c: e.text.find(c[0]))  # in the order the sentence says them
    return w["answer"] + "".join(f"{with_dates_resolved('，'.join(c for c, _ in clauses), e.chunk)}。[{number[id(e)]}]"
                                 for e, clauses in merged) + "\n"


# A validity question's direct answer: the document's status, as its header or notes record it.
_STATUS_WORDS = {
    "zh-Hans": {"repealed": "答：《{title}》已废止（{date}）。[{n}]\n",
                "effective": "答：《{title}》自{date}起施行，现有文件中未见其废止的记载。[{n}]\n"},
    "en": {"repealed": "Answer: 《{title}》 was repealed ({date}). [{n}]\n",
           "effective": "Answer: 《{title}》 has been in force since {date}; the documents record no repeal. [{n}]\n"},
}
# …and when a later version of the same text is among the documents, "no repeal" would mislead.
_SUPERSEDED_WORDS = {
    "zh-Hans": "答：《{title}》自{date}起施行，已有较新的版本《{newer}》（{newer_date}），应以新版本为准。{cites}\n",
    "en": "Answer: 《{title}》 (in force since {date}) has been superseded by a newer version, 《{newer}》 ({newer_date}). {cites}\n",
}


def newer_version(chunk: Chunk, others: list[Chunk]) -> Chunk | None:
    """The newest of `others` that is a later version of `chunk`'s document: the same title
    (years and 修订/版 aside), a later date."""
    key, date = _title_key(chunk.title), chunk.meta.get("date", "")
    later = [c for c in others if c.doc != chunk.doc and date and c.meta.get("date", "") > date
             and _title_key(c.title) == key]
    return max(later, key=lambda c: c.meta["date"], default=None)


def document_status(chunk: Chunk) -> tuple[str, str, tuple[str, ...]] | None:
    """(status, date, the words a sentence states it with) from a document's metadata: repealed,
    or else in force since its entry-into-force date; None when neither is recorded."""
    if chunk.meta.get("repealed"):
        return "repealed", chunk.meta["repealed"], REPEAL_WORDS
    if chunk.meta.get("effective"):
        return "effective", chunk.meta["effective"], ("施行", "生效")
    return None


def status_evidence(doc: str, sentences: list[Evidence]) -> Evidence | None:
    """The first sentence of document `doc` among `sentences` that states the status its
    metadata records (「法规类别：废止法规」, 「本办法自发布之日起施行」), to cite the status by."""
    own = sorted((e for e in sentences if e.chunk.doc == doc), key=lambda e: e.chunk.start + e.a)
    status = document_status(own[0].chunk) if own else None
    if status is None:
        return None
    return next((e for e in own if any(w in normalise(e.text) for w in status[2])), None)


def status_line(query: Query, status: Evidence, evidence: list[Evidence], newer: Chunk | None = None) -> str:
    """The direct answer to a validity question: repealed on a date, or in force since one,
    citing the sentence that states it — or, when a `newer` version of the text is among the
    documents, superseded by it (cited too when a sentence of it is quoted)."""
    found = document_status(status.chunk)
    n = next((i for i, e in enumerate(evidence, 1) if e.chunk.doc == status.chunk.doc
              and e.source_span() == status.source_span()), None)
    if found is None or n is None:
        return ""
    lang = "en" if query.lang == "en" else "zh-Hans"
    if found[0] == "effective" and newer is not None:
        m = next((i for i, e in enumerate(evidence, 1) if e.chunk.doc == newer.doc), None)
        line = _SUPERSEDED_WORDS[lang].format(title=status.chunk.title, date=found[1], newer=newer.title,
                                             newer_date=newer.meta.get("date", ""),
                                             cites=f"[{n}]" + (f"[{m}]" if m else ""))
    else:
        line = _STATUS_WORDS[lang][found[0]].format(title=status.chunk.title, date=found[1], n=n)
    return to_traditional(line) if query.lang == "zh-Hant" else line


def _article(heading: str) -> str:
    """The chapter/article part of a heading path (「第四章 法律责任 › 第三十二条」), shown beside
    the title; list-item headings (（一）…) are left to the citation."""
    parts = [p.strip() for p in heading.split(" › ") if SECTION_RE.match(p.strip())]
    return f" {' › '.join(parts)}" if parts else ""


def compose(query: Query, evidence: list[Evidence], document_text: Callable[[str], str],
            as_list: bool = False, best_first: list[Evidence] = (),
            status: Evidence | None = None, newer: Chunk | None = None) -> tuple[str, tuple[Citation, ...]]:
    """Answer text with a [n] after each quoted sentence. The first line is the direct answer:
    for a validity question the document's status, for a quantity question the clause stating
    the asked figure, otherwise the lead sentence itself (the best-ranked one). The other
    sentences follow, grouped by document under a lead-in naming the document, its date and
    the section."""
    w = words(query.lang)
    citations = [make_citation(n, e.chunk, e.source_span(), e.text, document_text)
                 for n, e in enumerate(evidence, 1)]
    number = {id(e): n for n, e in enumerate(evidence, 1)}
    first = (status_line(query, status, evidence, newer) if status is not None else "") + lead_line(query, evidence, best_first)
    lead = None
    if not first:
        lead = next((e for e in list(best_first) + list(evidence) if id(e) in number), None)
        if lead is not None:
            first = f"{w['answer']}{with_dates_resolved(lead.text, lead.chunk)}[{number[id(lead)]}]\n"
    rest = [e for e in evidence if e is not lead]
    parts: list[str] = []
    current = None
    bullets = as_list or len(rest) > 3
    for e in rest:
        c = e.chunk
        if c.doc != current:
            section = _article(c.heading)
            intro = w["according"].format(title=c.title, date=_note(c.meta.get("date", ""), query.lang),
                                          section=section)
            parts.append(("\n" if parts else "") + intro + ("\n" if bullets else ""))
            current = c.doc
        line = f"{e.text}[{number[id(e)]}]"
        parts.append(f"- {line}\n" if bullets else line)
    return (first + "".join(parts).strip()).strip(), tuple(citations)


def decline_text(query: Query, hits, reason: str) -> tuple[str, tuple[str, ...]]:
    w = words(query.lang)
    titles = list(dict.fromkeys(f"《{h.chunk.title}》" for h in hits[:5]))
    suggestions = []
    for h in hits[:6]:
        topic = (h.chunk.heading.split(" › ")[-1] if h.chunk.heading else "").strip()
        topic = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[)）、.．]?", "", topic).strip()
        if len(topic) < 2:
            continue
        q = (f"What does 《{h.chunk.title}》 say about {topic}?" if query.lang == "en"
             else f"《{h.chunk.title}》中关于“{topic}”是怎么规定的？")
        if query.lang == "zh-Hant":
            q = to_traditional(q)
        if q not in suggestions:
            suggestions.append(q)
        if len(suggestions) >= 3:
            break
    text = w["decline"]
    if reason:
        text += w["because"].format(reason=reason)
    if titles:
        text += " " + w["covers"].format(titles="、".join(titles[:3]))
    if suggestions:
        text += " " + w["try"].format(q=suggestions[0])
    return text, tuple(suggestions)


def conflict_note(query: Query, newer: Chunk, older: Chunk) -> str:
    return words(query.lang)["conflict"].format(newer=newer.title, newer_date=newer.meta.get("date", ""),
                                                older=older.title, older_date=older.meta.get("date", ""))


def find_conflict(chosen: list[Scored], weights: TermWeights) -> tuple[Chunk, Chunk] | None:
    """Two documents of different dates whose chosen sentences speak of the same thing (mostly
    the same question words covered) with different figures of the same unit: (newer, older)."""
    for s in chosen:
        for t in chosen:
            cs, ct = s.evidence.chunk, t.evidence.chunk
            ds, dt = cs.meta.get("date", ""), ct.meta.get("date", "")
            if cs.doc == ct.doc or not ds or not dt or ds <= dt or not _versions(cs.title, ct.title):
                continue
            if weights.share(s.covered & t.covered) < 0.5 * min(weights.share(s.covered), weights.share(t.covered)):
                continue
            fs, ft = _by_unit(s.evidence.text), _by_unit(t.evidence.text)
            if any(fs[u].isdisjoint(ft[u]) for u in fs.keys() & ft.keys()):
                return cs, ct
    return None


def _title_key(title: str) -> str:
    """A title without its years, punctuation and 修订/版 marks: what versions of a text share."""
    return re.sub(r"[\W\d_]|年|版|修订|修正", "", normalise(title))


def _bigrams(title: str) -> set[str]:
    key = _title_key(title)
    return {key[i:i + 2] for i in range(len(key) - 1)}


def _versions(title_a: str, title_b: str, min_overlap: float = 0.5) -> bool:
    """Two documents are versions of one text (a notice and its revision, a law before and after
    amendment) when their titles share most character pairs, years and 修订 aside: only then do
    different figures mean a change rather than two different rules."""
    a, b = _bigrams(title_a), _bigrams(title_b)
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= min_overlap


def _by_unit(text: str) -> dict[str, set[float]]:
    out: dict[str, set[float]] = {}
    for f in find_quantities(normalise(text)):
        if f.value is not None and f.kind != "date":
            out.setdefault(f.unit, set()).add(f.value)
    return out
