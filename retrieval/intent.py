"""What a question asks — a figure and of what kind, a list, a comparison, a penalty, whether a
text is in force, which years — read once per question (`Query.intent`). Search, scoring,
decision and composition read this record; none reads the question's words for it again.

Some signals are read from the question as asked, others from its standalone form (a follow-up
with the earlier turn's words): each field says which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.figures import years_named

from core.script import normalise

from retrieval.question_patterns import asked_amount_nouns, asked_quantity, asks_validity, asks_version_year

if TYPE_CHECKING:
    from retrieval.query import Query

_LIST_RE = re.compile(r"哪些|哪几|几个方面|包括什么|包括哪|有什么(要求|条件|规定|措施|情形)|什么(条件|情形|要求)|列举|分别"
                      r"|what are|which (\w+ )?(are|conditions|cases|measures)|\blist\b|what (conditions|measures|requirements)",
                      re.I)
# A question asking how two versions, years or documents differ, or for each one's figure.
_COMPARE_RE = re.compile(r"变化|变动|怎么变|如何变|改变|修改前后|修订前后|前后|对比|比较|区别|不同|差别|差异|异同|各(说|是|为|自)"
                         r"|\bchang|\bdiffer|\bcompar|\bbetween\b|\bboth\b|\bversus\b|\bvs\b", re.I)
# A question about the consequence of breaking a rule.
_PENALTY_RE = re.compile(r"罚|处罚|怎么处理|如何处理|惩|后果|会怎么样|会怎样|penalt|\bfined?\b|\bfines\b|punish|sanction"
                         r"|consequence|what happens (if|when)", re.I)
# The question word of a quantity part; the few characters before it say what is counted
# (「总共能领多少」, 「全年合共多少」, 「每季度至少检查几次」).
_ASK_WORD_RE = re.compile(r"多少|几|多久|多长|什么时候|何时|哪天|上限|下限|最高|最多|最低|最少")
HEAD_CHARS = 6

# One part of a question asking a quantity: the kinds of figure that answer it, and the weight
# of each question word it uses.
QuantityPart = tuple[frozenset[str], dict[str, float]]


@dataclass(frozen=True)
class Intent:
    asked: str  # the question as asked, normalised (a follow-up without the earlier turn's words)
    # The kinds of figure that answer it (money, duration…), as asked or else in the standalone
    # form; None when no quantity is asked.
    quantity: frozenset[str] | None
    amount_nouns: tuple[tuple[str, ...], ...]  # the kinds of sum a money question names (补助, 罚款)
    quantity_parts: tuple[QuantityPart, ...]  # each part asking a quantity (「多少？…多久？」)
    asked_years: tuple[str, ...]  # years the question as asked names
    asks_version_year: bool  # …and whether it asks for a version by its year (2019年版)
    years: tuple[str, ...]  # years the standalone question names (search and coverage read them)
    version_year: bool  # …and whether it asks for a version by its year
    validity: bool  # whether a text is still in force (as asked)
    wants_list: bool  # a list of conditions, measures, cases…
    penalty: bool  # the consequence of breaking a rule
    comparison: bool  # how versions, years or documents differ


def read_intent(query: "Query") -> Intent:
    """The intent of an analysed question (its words, standalone form, tokens and renderings)."""
    asked = normalise(query.question)
    years = years_named(query.normalised)
    return Intent(
        asked=asked,
        quantity=asked_quantity(asked) or asked_quantity(query.normalised),
        amount_nouns=asked_amount_nouns(asked) or asked_amount_nouns(query.normalised),
        quantity_parts=tuple(question_parts(query)),
        asked_years=years_named(asked),
        asks_version_year=asks_version_year(asked),
        years=years,
        version_year=asks_version_year(query.normalised),
        validity=asks_validity(asked),
        wants_list=bool(_LIST_RE.search(query.question) or _LIST_RE.search(query.normalised)),
        penalty=bool(_PENALTY_RE.search(query.question) or _PENALTY_RE.search(query.normalised)),
        comparison=bool(_COMPARE_RE.search(query.question) or _COMPARE_RE.search(query.normalised)),
    )


def question_parts(query: "Query") -> list[QuantityPart]:
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


def _part_words(query: "Query", part: str) -> dict[str, float]:
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
