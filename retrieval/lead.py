"""The answer's first line for a quantity question: for each part of the question, the clause
stating the asked figure, cited (relative years read against the document's date)."""

from __future__ import annotations

import re

from core.records import Chunk, Evidence
from core.figures import Figure, find_quantities
from core.script import normalise
from retrieval.chinese_terms import place_names
from retrieval.english_lead import english_line, english_statement
from retrieval.query import Query
from retrieval.wording import words

_CLAUSE_CUT_RE = re.compile(r"(?<=[，；;：:。])|(?<=,)(?!\d)")  # 2,400元 is one figure, not two clauses
_BOUND_END_RE = re.compile(r"(以上|以下|以内|以外)$")  # 「百分之十以上，百分之三十以下」: one range
_ITEM_MARK_RE = re.compile(r"^\s*(?:第\s*[一二三四五六七八九十百零〇\d]+\s*[条條](?:之[一二三四五六七八九十]+)?\s+|[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[、.．](?!\d)|[①-⑳●•▪·-])\s*")


def _names_other_place(clause: str, places: tuple[str, ...], question: str) -> bool:
    """The clause names a place the question does not, and none of those it asks about
    (`question` normalised)."""
    named = [p for p in place_names(normalise(clause)) if p not in question]
    return bool(named) and not any(a in b or b in a for a in named for b in places)


def is_case(text: str) -> bool:
    """A clause or list item stating a case the way Chinese rules write one: 「…的，」
    (「年满六十周岁的，」, 「（一）居民饲养烈性犬的；」). What happens in it follows it, or is said by
    the sentence introducing its list; a figure in it is a threshold of the case."""
    return text.strip().rstrip("，,；;：:。.").endswith("的")


def same_sentence(a: Evidence, b: Evidence) -> bool:
    """The same sentence of the same passage (two `Evidence` objects may quote it)."""
    return (a.chunk.id, a.a, a.b) == (b.chunk.id, b.a, b.b)


def _asked_clauses(e: Evidence, kinds: frozenset[str], whole_statement: bool = True,
                   ) -> list[tuple[range, str, list[Figure], str]]:
    """The clauses of a sentence that hold a figure of the asked kind, with the positions of the
    clauses they are read with (figures read on the normalised clause, so 新臺幣一萬五千元
    counts; the clause is shown as written, without its article or item marker). A figure keeps
    its condition: the clause is read from the nearest case (「…的，」) among the two before it,
    and a case holding the figure is read with the clause it conditions, so 「对获得表彰的，补贴
    上浮30%」 is quoted whole and a case's words count for the figure the case gets. Each comes
    with the text it is judged by (the clause and its case) and the text it is shown with (the
    statement it stands in, `_with_its_statement`, unless `whole_statement` is false: a question
    asking several figures takes each from its own clause, and the statement of one may hold
    another's)."""
    def asked(text: str) -> list[Figure]:
        return [f for f in find_quantities(normalise(text))
                if f.kind in kinds and (f.value is not None or f.kind == "date")]  # 点五级 is no figure

    def shown(text: str) -> str:
        return _ITEM_MARK_RE.sub("", text.strip()).rstrip("，,；;：:。")

    clauses = _CLAUSE_CUT_RE.split(e.text)
    found = [asked(c) for c in clauses]
    holds = [bool(f) for f in found]
    out = []
    for i, (clause, figs) in enumerate(zip(clauses, found)):
        if not figs:
            continue
        start = next((j for j in (i - 1, i - 2) if j >= 0 and is_case(clauses[j])), i)
        end = i + 1 if is_case(clause) and i + 1 < len(clauses) and clauses[i + 1].strip() else i
        judged = shown("".join(clauses[start:end + 1]))
        if whole_statement:
            start, end = _with_its_statement(clauses, holds, i, start, end)
        whole, own = shown("".join(clauses[start:end + 1])), shown(clause)
        # The figures as they stand in the whole span (their offsets are read against it).
        at = whole.find(own)
        in_whole = [f for f in asked(whole) if at >= 0 and at <= f.start and f.end <= at + len(own)]
        out.append((range(start, end + 1), whole, in_whole if len(in_whole) == len(figs) else figs, judged))
    return out


_SEGMENT_END_RE = re.compile(r"[；;。]\s*$")
_STATEMENT_CHARS = 80  # a first line, not a paragraph: clauses beyond this are left to the quote


def _with_its_statement(clauses: list[str], holds: list[bool], i: int, start: int, end: int) -> tuple[int, int]:
    """The clauses a figure is stated with: its clause's part of the sentence (up to ； or 。),
    from the clause after the last one stating another asked figure, and to the part's end where
    no asked figure follows in it. The subject or condition written before (「未满十六周岁的公民，」)
    and what the deadline is for (「…三十日内，将账户转移到新单位」) stay with the figure. Clauses
    beyond `_STATEMENT_CHARS` are dropped: those before the case the figure needs, then a case
    written before a ；, then those after the figure, the farthest first (never leaving a case
    cut from what it leads to)."""
    first = i
    while first > 0 and not _SEGMENT_END_RE.search(clauses[first - 1]) and not holds[first - 1]:
        first -= 1
    last = i
    while last + 1 < len(clauses) and not _SEGMENT_END_RE.search(clauses[last]):
        last += 1
    if any(holds[i + 1:last + 1]):
        last = end  # another asked figure follows in this part: it has its own statement
    own_part = first  # where the figure's own part of the sentence (after a ；) begins
    first, last = min(first, start), max(last, end)

    def too_long() -> bool:
        return sum(len(c) for c in clauses[first:last + 1]) > _STATEMENT_CHARS

    while too_long() and first < start:
        first += 1
    # A case written before a ； conditions the parts after it too, yet the figure's own part
    # says what the figure is for: where both do not fit, the case goes first.
    while too_long() and first < min(own_part, i):
        first += 1
    while too_long() and last > end:
        last -= 1
        while last > end and is_case(clauses[last]):
            last -= 1  # a case cut from what it leads to would state a condition with no rule
    return first, last


def _asked_words(norm: str, part_words: dict[str, float], e: Evidence) -> float:
    """The weight of the part's words a normalised clause of `e` uses, words of its document's
    title aside (every clause of the document shares them)."""
    title = normalise(e.chunk.title)
    return sum(wt for t, wt in part_words.items() if t in norm and t not in title)


def _pick_clauses(kinds: frozenset[str], part_words: dict[str, float], candidates: list[Evidence],
                  used: set[tuple[int, int]], single: bool, lookahead: int = 3, places: tuple[str, ...] = (),
                  question: str = "") -> list[tuple[Evidence, list[tuple[str, list[Figure], str]]]]:
    """The clause answering one part: among the first `lookahead` sentences holding a figure of
    the asked kind (best-scored first), the clause that uses most of the part's words (words of
    the document's title aside: every clause of it shares them), a range (以上…以下) before a
    single bound; each later sentence must use one more pair of head words. A lone part takes
    the next clause of the same sentence holding an asked figure too (a second tier), or else
    the other bound of a range cut by a comma (「百分之十以上，百分之三十以下」)."""
    best = None
    order = 0
    for e in candidates:
        clauses = _asked_clauses(e, kinds, whole_statement=single)
        if not clauses:
            continue
        for span, clause, figs, judged in clauses:
            if any((id(e), p) in used for p in span):
                continue
            norm = normalise(judged)
            hits = _asked_words(norm, part_words, e)
            # A range states two figures of the asked kind: the figure reader adds the lower bound
            # of 一千至三千元 (written without its unit) as one of its own; 至今 or 达到 add none.
            ranged = 1 if len(figs) >= 2 else 0
            score = hits + 0.5 * ranged - 1.0 * order
            if best is None or score > best[0]:
                best = (score, e, span, clause, figs, judged, clauses)
        order += 1
        if order >= lookahead:
            break
    if best is None:
        return []
    _, e, span, clause, figs, judged, clauses = best
    used.update((id(e), p) for p in span)
    picked = [(clause, figs, judged)]
    # A lone part: the next clause with an asked figure; one part of several: the next clause
    # only when it goes on with the same kind of figure (「二百元，最多不得超过四百元」).
    # A clause about another place than the one asked for (「北京市…500元，上海市…800元」) is
    # another place's figure, not more of this one's.
    free = [(s, c, f, j) for s, c, f, j in clauses if not any((id(e), p) in used for p in s)
            and not (places and _names_other_place(j, places, question))]
    following = [(s, c, f, j) for s, c, f, j in free if s[0] > span[-1]
                 and (single or (s[0] == span[-1] + 1 and {x.kind for x in f} <= {x.kind for x in figs}))]
    if not following:  # the other bound of a range cut by a comma may stand before it
        following = [(s, c, f, j) for s, c, f, j in free if s[-1] == span[0] - 1 and _BOUND_END_RE.search(normalise(j))
                     and {x.kind for x in f} == {x.kind for x in figs}]
    if following:
        used.update((id(e), p) for p in following[0][0])
        picked.append(following[0][1:])
    return [(e, picked)]


# Years and months said relative to the document's own date: read against it, the answer line
# names them.
_RELATIVE_YEARS = (("今年", 0), ("本年", 0), ("去年", -1), ("上年", -1), ("明年", 1), ("前年", -2))
# (当月 and 次月 are not among them: in a rule they count from the event it names, 申请当月.)
_RELATIVE_MONTHS = (("本月", 0), ("上个月", -1), ("上個月", -1), ("上月", -1), ("下个月", 1), ("下個月", 1),
                    ("下月", 1))


def with_dates_resolved(text: str, chunk: Chunk) -> str:
    """`text` with each relative year (今年, 去年, 明年…) or month (本月, 上月, 下个月…) followed by
    the one it means, reckoned from the document's date (「今年（2019年）」, 「上月（2019年7月）」);
    unchanged when the document is undated (months: when its date names no month). Only the
    answer line is annotated: quotes and citations stay exact."""
    date = chunk.meta.get("date") or ""
    if not re.match(r"\d{4}", date):
        return text
    year = int(date[:4])
    for word, shift in _RELATIVE_YEARS:
        text = re.sub(f"{word}(?![（(]\\d)", f"{word}（{year + shift}年）", text)
    month = re.match(r"\d{4}-(\d{2})", date)
    if month:
        for word, shift in _RELATIVE_MONTHS:
            y, m = divmod(year * 12 + int(month.group(1)) - 1 + shift, 12)
            text = re.sub(f"(?<![上下]){word}(?![（(]\\d)", f"{word}（{y}年{m + 1}月）", text)
    return text


def lead_line(query: Query, evidence: list[Evidence], best_first: list[Evidence] = ()) -> str:
    """The direct answer first: for each part of the question that asks a quantity, the clause
    that states it — the figure of the asked kind in the clause that best fits the part's words,
    from the best-scored sentences (`best_first`, then the rest) — cited; in English with the
    value spelled out beside the figure as the document writes it."""
    parts = query.intent.quantity_parts
    if not parts:
        return ""
    w = words(query.lang)
    number = {id(e): n for n, e in enumerate(evidence, 1)}
    candidates = list({id(e): e for e in [e for e in best_first if id(e) in number] + evidence}.values())
    from_lead = len(parts) == 1 and bool(candidates) and bool(_asked_clauses(candidates[0], parts[0][0]))
    if from_lead:
        # One quantity asked: the clause comes from the lead sentence (the one the ranker chose),
        # when it states a figure of the asked kind.
        candidates = candidates[:1]
    used: set[tuple[int, int]] = set()
    picked: list[tuple[Evidence, list[tuple[str, list[Figure], str]]]] = []
    for kinds, part_words in parts[:3]:
        picked += _pick_clauses(kinds, part_words, candidates, used, single=len(parts) == 1,
                                places=query.places, question=query.normalised)
    if not picked:
        return ""
    if from_lead and query.lang != "en":  # an English lead states the figure in English
        # A figure in a clause using none of the words asked about, beside a clause that uses them
        # (「证书编号为K12，有效期三年」 asked for the certificate's number: 三年 is not it), is not
        # the one asked for: the lead sentence is then said whole.
        e, clauses = picked[0]
        words_of = parts[0][1]
        if all(_asked_words(normalise(j), words_of, e) == 0 for _, _, j in clauses) and any(
                _asked_words(normalise(c), words_of, e) > 0 for c in _CLAUSE_CUT_RE.split(e.text)):
            return ""
    if query.lang == "en":
        out = []
        for (e, clauses), (kinds, _) in zip(picked, parts[:3] if len(parts) > 1 else parts * len(picked)):
            shown = [(english_statement(clause, figs, query, kinds, first_of_line=i == 0), clause)
                     for i, (clause, figs, _) in enumerate(clauses)]
            out.append(f"{english_line(shown)} [{number[id(e)]}].")
        return f"{w['answer']}{' '.join(out)}\n"
    merged: list[tuple[Evidence, list[tuple[str, list[Figure], str]]]] = []
    for e, clauses in picked:  # clauses of one sentence, one after the other, share one citation
        if merged and merged[-1][0] is e:
            merged[-1][1].extend(clauses)
        else:
            merged.append((e, list(clauses)))
    for e, clauses in merged:
        clauses.sort(key=lambda c: e.text.find(c[0]))  # in the order the sentence says them
    words_asked = {t: wt for _, part in parts for t, wt in part.items()}
    out = []
    for e, clauses in merged:
        line = with_dates_resolved("，".join(c for c, _, _ in clauses), e.chunk)
        case = _case_asked(e, evidence, words_asked)
        out.append(f"{line}：{case.text.strip().rstrip('，,；;。.')}。[{number[id(e)]}][{number[id(case)]}]" if case is not None
                   else f"{line}。[{number[id(e)]}]")
    return w["answer"] + "".join(out) + "\n"


def _case_asked(intro: Evidence, evidence: list[Evidence], words_asked: dict[str, float]) -> Evidence | None:
    """Of the quoted cases listed under `intro` (「有下列行为之一的，处…罚款：」), the one using most
    of the question's words: the figure applies to it, and the first line says so."""
    def hits(e: Evidence) -> float:
        text = normalise(e.text)
        return sum(wt for t, wt in words_asked.items() if t in text)

    cases = [e for e in evidence if e.intro is not None and same_sentence(e.intro, intro)
             and is_case(e.text) and hits(e) > 0]
    return max(cases, key=hits, default=None)
