"""Composition: the answer text from the evidence chosen, each quoted sentence cited.

The answer leads with what was asked: a validity question's status (`status`), a quantity
question's clause holding the figure (`lead`, in English for English questions), else the lead
sentence itself. The other sentences follow by document, under a lead-in naming the document,
its date and section; which sentences come with the chosen ones (list items, intros, referenced
items) is `context_sentences`' job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from core.records import Chunk, Citation, Evidence
from core.headings import SECTION_RE, heading_after, heading_of, item_level
from retrieval.citations import make_citation
from retrieval.evidence import ends_with_colon, is_item_heading, is_label
from retrieval.lead import is_case, lead_line, same_sentence, with_dates_resolved
from retrieval.query import Query
from retrieval.status import status_line
from retrieval.wording import date_note, words


@dataclass(frozen=True)
class ComposeOptions:
    """Calibrated on dev + dev2 (see eval/): how much evidence an answer quotes."""

    max_sentences: int = 3  # factoid/quantity answers: the lead and what adds to it
    max_list_items: int = 20  # a law lists up to about twenty cases; `list_chars` bounds the length
    # Characters of its document a list may run on over after its lead-in, across passages (an
    # item's paragraph may go on for a few hundred characters before the next item opens).
    list_chars: int = 4000
    heading_chars: int = 30  # a chosen sentence shorter than this is a heading…
    heading_follow: int = 2  # …and brings this many following sentences of its passage
    # A list whose items together are at most this long is said on its lead-in's line (an
    # enumeration of kinds, of documents to bring); longer items stay a list under it.
    inline_list_chars: int = 120
    # …and when a list is what the question asks for (哪些, which), up to this long: the items are
    # then the answer, and a lead-in alone on the first line (「…是指：」) says nothing.
    inline_asked_list_chars: int = 300


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


def _article(heading: str) -> str:
    """The chapter/article part of a heading path (「第四章 法律责任 › 第三十二条」), shown beside
    the title; list-item headings (（一）…) are left to the citation."""
    parts = [p.strip() for p in heading.split(" › ") if SECTION_RE.match(p.strip())]
    return f" {' › '.join(parts)}" if parts else ""


def short_list_items(lead: Evidence, evidence: list[Evidence], max_chars: int) -> list[Evidence]:
    """The quoted items of the list a lead announces (「下列各项所得，应当缴纳个人所得税：」), when
    together they are short enough to read on its line (「（一）工资、薪金所得；（二）…」): they are
    the answer the lead-in only announces. Longer items stay a list under it. Items that head a
    paragraph each (「（一）强化服务功能」) under a label (「四、主要措施」) are gathered past their
    paragraphs: they name what the section holds (`headed_items`)."""
    at = next((i for i, e in enumerate(evidence) if e is lead), None)
    if at is None or not (ends_with_colon(lead.text) or is_label(lead.text)):
        return []
    items: list[Evidence] = []
    for e in evidence[at + 1:]:
        level = item_level(e.text)
        if e.chunk.doc != lead.chunk.doc or level is None and heading_of(e.text) is not None:
            break  # another document, or the next chapter, part or article
        if items and is_item_heading(items[0].text):
            if level is not None and level < item_level(items[0].text):
                break  # the next item of an outer list: the section has ended
            if level == item_level(items[0].text) and is_item_heading(e.text):
                items.append(e)
            continue  # a paragraph under a heading item
        if level is None:
            break
        items.append(e)
    return items if sum(len(e.text) for e in items) <= max_chars else []


def _list_lead_in(lead: Evidence, evidence: list[Evidence]) -> Evidence:
    """For a question asking a list: the quoted lead-in of the lead's own passage that announces
    quoted items (「…应当用于：」 then 「（一）…；（二）…」), when the lead is neither a lead-in nor an
    item. A list is what was asked, and the sentence announcing it says what it lists; the lead
    sentence (often the article's opening, naming its subject) stays quoted beneath it."""
    if ends_with_colon(lead.text) or item_level(lead.text) is not None:
        return lead
    for i, e in enumerate(evidence):
        if e is lead or e.chunk.id != lead.chunk.id or not ends_with_colon(e.text):
            continue
        following = evidence[i + 1:i + 3]
        if len(following) == 2 and all(x.chunk.doc == e.chunk.doc and item_level(x.text) is not None
                                       for x in following):
            return e
    return lead


def headed_items(items: list[Evidence]) -> bool:
    """Items that head a paragraph each: said on the first line as the section's contents, and
    quoted again under it with their paragraphs."""
    return bool(items) and is_item_heading(items[0].text)


def compose(query: Query, evidence: list[Evidence], document_text: Callable[[str], str],
            as_list: bool = False, best_first: list[Evidence] = (),
            status: Evidence | None = None, newer: Chunk | None = None,
            opts: ComposeOptions = ComposeOptions()) -> tuple[str, tuple[Citation, ...]]:
    """Answer text with a [n] after each quoted sentence. The first line is the direct answer:
    for a validity question the document's status, for a quantity question the clause stating
    the asked figure, otherwise the lead sentence itself (the best-ranked one). The other
    sentences follow, grouped by document under a lead-in naming the document, its date and
    the section."""
    w = words(query.lang)
    first = (status_line(query, status, evidence, newer) if status is not None else "") + lead_line(query, evidence, best_first)
    lead = case_of = None
    if not first:
        quoted = {id(e) for e in evidence}
        lead = next((e for e in list(best_first) + list(evidence) if id(e) in quoted), None)
        if as_list and lead is not None:
            lead = _list_lead_in(lead, evidence)
        if lead is not None and lead.intro is not None and (is_case(lead.text) or item_level(lead.text) is not None):
            # An item of a list is read with the sentence introducing the list: a case
            # (「（一）…的；」) says what happens only with it (「有下列行为之一的，处…罚款：」), and a
            # measure (「（二）申请人民法院强制执行。」) says under what and by whom. Both lead.
            case_of = next((e for e in evidence if same_sentence(e, lead.intro)), None)
            if case_of is None:
                case_of = lead.intro
                evidence = [*evidence, case_of]
    # The section each sentence stands in: a passage may run on into the next article.
    section_of = {id(e): heading_after(e.chunk.heading, e.chunk.text[:e.b]) for e in evidence}
    citations = [make_citation(n, e.chunk, e.source_span(), e.text, document_text, section_of[id(e)])
                 for n, e in enumerate(evidence, 1)]
    number = {id(e): n for n, e in enumerate(evidence, 1)}
    on_first_line: list[Evidence] = []
    summary = False
    if lead is not None:
        on_first_line = [e for e in (case_of, lead) if e is not None]
        if case_of is None:
            items = short_list_items(lead, evidence, opts.inline_asked_list_chars if as_list else opts.inline_list_chars)
            summary = headed_items(items)
            on_first_line += items
        else:
            # An item leading with its lead-in: where the whole list reads on one line, it is
            # said whole (the item is one of what the lead-in announces), in the list's order.
            items = short_list_items(case_of, evidence, opts.inline_list_chars)
            if any(e is lead for e in items) and not headed_items(items):
                on_first_line = [case_of, *items]
        said = [f"{with_dates_resolved(e.text, e.chunk)}[{number[id(e)]}]" for e in on_first_line]
        if summary:  # a label and the headings of its items: 「四、主要措施：（一）…；（二）…」
            said = [said[0] + ("" if ends_with_colon(lead.text) else "："), "；".join(said[1:]) + "。"]
        first = f"{w['answer']}{''.join(said)}\n"
    # Headings said on the first line as a summary stay above their paragraphs below it.
    rest = [e for e in evidence if not any(e is x for x in on_first_line[:1 if summary else None])]
    parts: list[str] = []
    current = None
    bullets = as_list or len(rest) > 3 or sum(item_level(e.text) is not None for e in rest) > 1
    for e in rest:
        c = e.chunk
        if c.doc != current:
            # The lead-in names the article only when every sentence quoted under it is of it.
            sections = {_article(section_of[id(x)]) for x in rest if x.chunk.doc == c.doc}
            section = sections.pop() if len(sections) == 1 else ""
            intro = w["according"].format(title=c.title, date=date_note(c.meta.get("date", ""), query.lang),
                                          section=section)
            parts.append(("\n" if parts else "") + intro + ("\n" if bullets else ""))
            current = c.doc
        line = f"{e.text}[{number[id(e)]}]"
        parts.append(f"- {line}\n" if bullets else line)
    return (first + "".join(parts).strip()).strip(), tuple(citations)
