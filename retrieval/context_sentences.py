"""The sentences that come with a chosen one: the items of the list it introduces (across
passage boundaries), the sentences introducing the list it stands in, the item or paragraph it
refers to, the sentences under a heading-like one, and the clauses finishing its legal sentence."""

from __future__ import annotations

import re
from typing import Callable

from core.records import Evidence
from core.figures import find_quantities
from core.headings import heading_of, item_level, item_number
from core.script import normalise
from core.sentences import sentence_spans
from retrieval.compose import ComposeOptions
from retrieval.evidence import (announces_list, display_text, ends_with_colon, intro_chain, is_item_heading,
                                is_quotable, is_quotable_item, is_unmarked_item, previous_paragraph)
from retrieval.query import Query
from retrieval.scoring import Scored

_LEAD_IN_RE = re.compile(r"[：:]\s*$|下列|如下|以下(几|各)")


_MAX_PASSAGES = 40  # a bound on the passages one list reads, whatever their size


def list_items(lead: Evidence, next_chunk: Callable | None, opts: ComposeOptions) -> list[Evidence]:
    """The items that follow a lead-in sentence ("…下列规定：", "主要措施有：", a label 「二、登記費」)
    in its passage and the passages after it (overlapping passages are read on from where the
    last sentence ended): consecutive sentences opening with an item marker, each with the
    sentences that continue it and the items of lists inside it, until the list ends (an
    unmarked sentence on a line of its own, or an item at the level of the lead or of an outer
    list). An item whose paragraph goes on (「一是…。」 and what it does, 「二是…。」 on the same
    line) is quoted by its opening sentence, up to `ComposeOptions.list_chars` past the lead."""
    items: list[Evidence] = []
    chunk, start, hops = lead.chunk, lead.b, 0
    if lead.tail is not None:
        chunk, start = lead.tail, lead.tail_end
    outer = item_level(lead.text)  # a lead that is itself an item: its list is nested deeper
    first: int | None = None
    done = chunk.source_span(0, start)[1] if start else chunk.start  # original offset read so far
    lead_end = done
    unmarked = ends_with_colon(lead.text)  # its items may be lines without a marker
    headed = opened = False  # the last item read is a heading; the paragraph under it is quoted
    while chunk is not None and len(items) < opts.max_list_items:
        read_to = None  # where the last sentence read in this passage ended
        for a, b in sentence_spans(chunk.text):
            if a < start or chunk.source_span(a, b)[0] < done:
                read_to = b  # read already (the lead, or the overlap with the passage before)
                continue
            span = chunk.source_span(a, b)
            # On the line of the sentence read before: nothing but spaces between them in this
            # passage, or, at a passage's start, no gap at all (a line break leaves one).
            same_line = "\n" not in chunk.text[read_to:a] if read_to is not None else span[0] == done
            on_its_line = bool(items) and same_line
            done, read_to = span[1], b
            text = chunk.text[a:b]
            level = item_level(text)
            if level is None and first is None and unmarked and not same_line and is_unmarked_item(text):
                # A list written without markers: short lines of their own after a lead-in ending
                # in a colon (「…享受以下优待：」, 「免费乘坐城市公共交通工具。」 …).
                if is_quotable_item(text, chunk.title):
                    items.append(Evidence(chunk, lead.rank, a, b, display_text(text)))
                continue
            if level is None and heading_of(text) is not None:
                return items  # the next chapter, part or article: the list has ended
            if level is None:
                if headed and opened:
                    # The paragraphs under an item that is a heading (「（一）强化服务功能」) run
                    # to the next item: quoted by their first sentence, the list goes on.
                    continue
                # An item ending in a colon announces what follows, and an item that is a heading
                # heads it.
                announced = headed or bool(items) and ends_with_colon(items[-1].text)
                opened = headed
                if on_its_line and not announced:
                    # An item's paragraph goes on after its opening sentence (「一是上门服务。」
                    # and what it does, then 「二是…」 on the same line): the list goes on too,
                    # quoted by its items' openings.
                    continue
                # An unmarked sentence ends the list, unless the item before it announced it.
                if not announced:
                    return items
            elif (outer is not None and level <= outer) or (first is not None and level < first):
                return items
            else:
                first = level if first is None else first
                headed, opened = is_item_heading(text), False
            if is_quotable_item(text, chunk.title) if level is not None else is_quotable(text, chunk.title):
                items.append(Evidence(chunk, lead.rank, a, b, display_text(text)))
            if len(items) >= opts.max_list_items:
                return items
        hops += 1
        if next_chunk is None or done - lead_end > opts.list_chars or hops > _MAX_PASSAGES:
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
    return out + previous_paragraph(e) + list(e.cites)


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
    asks_list = query.intent.wants_list
    kinds = query.intent.quantity
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
        # A list short enough to read on one line is read whole: an item alone is one of what
        # its lead-in announces, the others standing beside it. The chosen item stays as it was
        # chosen, read with its lead-in.
        siblings = [] if whole_list or not chain else list_items(chain[-1], next_chunk, opts)
        short_list = (sum(len(i.text) for i in siblings) <= opts.inline_list_chars and _same_span(e, siblings))
        heading_like = len(e.text) < opts.heading_chars and not _LEAD_IN_RE.search(e.text)
        if whole_list or short_list:
            items = add([e if _same_span(i, [e]) else i for i in siblings] if short_list
                        else list_items(chain[-1], next_chunk, opts))
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
