"""Evidence: the quotable sentences of the retrieved passages.

A sentence is a unit the answer may quote and cite. Fragments, datelines, title repeats and
near-repeats (chunk overlap, an editor's note restating the body) are left out here, so no later
stage can quote them; a sentence cut at a passage boundary is completed from the next passage.
"""

from __future__ import annotations

import re
from typing import Callable

from core.records import Chunk, Evidence, Hit
from core.figures import find_quantities
from core.headings import SECTION_RE, item_body, item_level
from core.script import normalise
from core.sentences import sentence_spans

_SENT_END_RE = re.compile(r"[。！？!?；;:：][”’」』）)]*\s*$|\n\s*$")
# A dateline or signature: a date standing (nearly) alone, with at most an issuing body beside it.
_DATELINE_RE = re.compile(r"^[（(]?\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?[^，,。；;]{0,40}$")
# "[1]" in a document is text, never a citation marker of ours: shown as full-width brackets.
_MARKER_RE = re.compile(r"\[(\s*\d{1,3}\s*)\]")
MIN_SENTENCE_CHARS = 6  # shorter word runs are headings or debris, not statements
LABEL_CHARS = 30  # a line without a full stop, shorter than this, before items is their label
WRAPPED_LINE_CHARS = 20  # a line at least this long that stops mid-sentence was wrapped
_OPEN_END_RE = re.compile(r"[^。！？!?；;：:”’」』）)]\s*$")


def display_text(text: str) -> str:
    """Shown text: lines a fixed-width layout wrapped are joined; "[1]" becomes full-width."""
    return _MARKER_RE.sub(lambda m: f"［{m.group(1).strip()}］", re.sub(r"[ \t\u3000]*\n\s*", "", text))


def unwrapped_spans(text: str) -> list[tuple[int, int]]:
    """`sentence_spans`, with lines that a fixed-width layout wrapped mid-sentence joined again
    (「…提撥百分之五以上，百分之二十以下\n作為檢舉人獎金…」): a long line ending without a
    sentence end, followed on the next line by text that opens no item or heading."""
    from core.headings import opens_with_marker

    out: list[tuple[int, int]] = []
    for a, b in sentence_spans(text):
        if out:
            pa, pb = out[-1]
            line_start = text.rfind("\n", 0, pa) + 1
            if (text[pb:a].strip(" \t\u3000") == "\n" and _OPEN_END_RE.search(text[pa:pb])
                    and pb - line_start >= WRAPPED_LINE_CHARS and item_level(text[a:b]) is None
                    and not opens_with_marker(text[a:b])):
                out[-1] = (pa, b)
                continue
        out.append((a, b))
    return out


def is_headline(e: Evidence) -> bool:
    """A line standing alone, short, with no sentence end and no figure, that announces no
    list: a headline, a slogan or layout debris (「利民纾困措施 2018接踵而来」, 「訂定發布」),
    which says nothing an answer can quote."""
    text = e.chunk.text
    whole_line = text[:e.a].rstrip(" \t\u3000").endswith("\n") or not text[:e.a].strip()
    end = e.tail.text[e.tail_end:] if e.tail is not None else text[e.b:]
    whole_line = whole_line and (end.lstrip(" \t\u3000").startswith("\n") or not end.strip())
    body = e.text.strip()
    following = end.lstrip().split("\n", 1)[0]
    return (whole_line and len(body) < LABEL_CHARS and not re.search(r"[。！？!?；;：:]$", body)
            and item_level(body) is None and not find_quantities(normalise(body))
            and not announces_list(body, following or None))


def rejoined(e: Evidence) -> Evidence:
    """`e` whole when a wrapped line cut it: the span of the joined lines it stands in."""
    if e.tail is not None:
        return e
    for a, b in unwrapped_spans(e.chunk.text):
        if a <= e.a and e.b <= b and (a, b) != (e.a, e.b):
            return Evidence(e.chunk, e.rank, a, b, display_text(e.chunk.text[a:b]), intro=e.intro,
                            cites=e.cites)
    return e


def _grams(key: str) -> set[str]:
    return {key[i:i + 3] for i in range(max(1, len(key) - 2))}


def _figure_set(norm: str) -> frozenset[str]:
    return frozenset(f.text for f in find_quantities(norm))


def _continuation(chunk: Chunk, next_chunk: Callable | None) -> tuple[Chunk, str] | None:
    """The rest of a sentence that a long-sentence split cut at the end of `chunk`: the next
    chunk then starts exactly where this one ends (overlapping chunks start earlier)."""
    if next_chunk is None or _SENT_END_RE.search(chunk.text):
        return None
    following = next_chunk(chunk)
    if following is None or following.start != chunk.end:
        return None
    spans = sentence_spans(following.text)
    if not spans or spans[0][0] != 0:
        return None
    return following, following.text[: spans[0][1]]


def _repeats_title(text: str, title: str) -> bool:
    key, title_key = re.sub(r"\W", "", normalise(text)), re.sub(r"\W", "", normalise(title))
    return bool(key and title_key and len(title_key) >= 6 and key in title_key)


def is_quotable(text: str, title: str) -> bool:
    """Not a fragment, a dateline/signature, or a repeat of the document's title."""
    key = re.sub(r"\W", "", normalise(text))
    if len(key) < MIN_SENTENCE_CHARS or _DATELINE_RE.match(text.strip()):
        return False
    return not _repeats_title(text, title)


def ends_with_colon(text: str) -> bool:
    """A lead-in: the sentence ends with a colon (「…下列条件：」), what follows is what it announces."""
    return text.rstrip().endswith(("：", ":"))


MIN_ITEM_CHARS = 2  # an item of a list names what is listed: 「（三）稿酬所得；」 is a whole item


def is_quotable_item(text: str, title: str) -> bool:
    """An item of a list under its lead-in: its words after the marker name something (a list of
    kinds of income lists them in four characters each), and it is no dateline or title repeat.
    Alone it may be too short to be a statement (`is_quotable`); in its list it is one."""
    key = re.sub(r"\W", "", normalise(item_body(text)))
    return len(key) >= MIN_ITEM_CHARS and not _DATELINE_RE.match(text.strip()) and not _repeats_title(text, title)


UNMARKED_ITEM_CHARS = 80  # a line longer than this after a lead-in is a paragraph, not an item


def is_unmarked_item(text: str) -> bool:
    """A line that can be an item of a list written without markers (a lead-in 「…享受以下优待：」,
    then 「免费乘坐城市公共交通工具。」 on a line of its own): short, no marker, no article or
    chapter heading (which opens the next provision), no lead-in of its own."""
    body = text.strip()
    return (item_level(body) is None and not SECTION_RE.match(body) and len(body) <= UNMARKED_ITEM_CHARS
            and not ends_with_colon(body))


def is_item_heading(text: str) -> bool:
    """An item that heads the paragraph under it (「（一）强化服务功能」, then what it does on the
    next line): numbered (a bullet marks a terse item, 「●城镇新增就业110万人以上」), short, with no
    figure, no sentence end and no lead-in colon."""
    body = text.strip()
    level = item_level(body)
    return (level is not None and level < 90 and len(body) < LABEL_CHARS
            and not re.search(r"[。！？!?；;：:]$", body) and not find_quantities(normalise(body)))


def is_label(text: str) -> bool:
    """A section's label: a line shorter than `LABEL_CHARS` with no sentence end (「二、登記費」,
    「主要预期目标」)."""
    body = text.rstrip()
    return len(body) < LABEL_CHARS and not re.search(r"[。！？!?；;]$", body)


def announces_list(text: str, next_text: str | None) -> bool:
    """A sentence that opens a list: it ends with a colon (「…下列条件：」), or it is a label
    (`is_label`) directly followed by an item."""
    if ends_with_colon(text):
        return True
    return next_text is not None and item_level(next_text) is not None and is_label(text)


def _joins_previous(chunk: Chunk, previous: Evidence, a: int, text: str, level: int | None) -> bool:
    """A sentence too short to stand alone (「浙江人。」, 「已废止。」) on the line of the quotable
    sentence before it: it is quoted with that sentence instead of being lost. Items, datelines
    and title repeats stay out; so does anything after a line break or a passage boundary."""
    return (previous.chunk is chunk and previous.tail is None and level is None
            and not chunk.text[previous.b:a].strip() and "\n" not in chunk.text[previous.b:a]
            and bool(re.sub(r"\W", "", normalise(text))) and not _DATELINE_RE.match(text.strip())
            and not _repeats_title(text, chunk.title))


def _joined(e: Evidence, b: int) -> Evidence:
    return Evidence(e.chunk, e.rank, e.a, b, display_text(e.chunk.text[e.a:b]), intro=e.intro,
                    cites=e.cites)


def candidate_sentences(hits: list[Hit], keep_doc: Callable[[str], bool] | None = None,
                        next_chunk: Callable | None = None) -> list[Evidence]:
    """Quotable sentences of the passages, best passage first; `keep_doc(doc)` may restrict
    them to documents that can answer (those about the places a question names). A list item
    carries the sentence that introduces its list (`intro`, itself carrying the intro of an
    outer list), since its condition is only read with it."""
    out: list[Evidence] = []
    seen: list[tuple[set[str], frozenset[str]]] = []
    for rank, hit in enumerate(hits):
        chunk = hit.chunk
        if keep_doc is not None and not keep_doc(chunk.doc):
            continue
        spans = sentence_spans(chunk.text)
        # The lists open at this point: (level of the introducing sentence, its evidence);
        # a plain sentence is level 0, an item its marker's rank.
        open_lists: list[tuple[int, Evidence]] = []
        unmarked: Evidence | None = None  # a lead-in whose items, lines of their own, have no marker
        for i, (a, b) in enumerate(spans):
            text = chunk.text[a:b]
            tail = _continuation(chunk, next_chunk) if i == len(spans) - 1 else None
            if tail is not None:
                text += tail[1]
            level = item_level(text)
            own_line = i == 0 or "\n" in chunk.text[spans[i - 1][1]:a]
            if level is None:
                open_lists = []
                if not (unmarked is not None and own_line and is_unmarked_item(text)):
                    unmarked = None
            else:
                open_lists = [(lv, e) for lv, e in open_lists if lv < level]
                unmarked = None
            parent = open_lists[-1][1] if level is not None and open_lists else unmarked
            next_text = chunk.text[spans[i + 1][0]:spans[i + 1][1]] if i + 1 < len(spans) else None
            if announces_list(text, next_text) and not _repeats_title(text, chunk.title):
                intro = Evidence(chunk, rank, a, b, display_text(text), intro=parent)
                open_lists.append((level or 0, intro))
                if ends_with_colon(text):
                    unmarked = intro
            if not is_quotable(text, chunk.title):
                if out and _joins_previous(chunk, out[-1], a, text, level):
                    out[-1] = _joined(out[-1], b)
                continue
            norm = normalise(text)
            grams, numbers = _grams(re.sub(r"\W", "", norm)), _figure_set(norm)
            # A near-repeat with other figures is no repeat: it may be a newer version's change.
            repeat = next((k for k, (g, n) in enumerate(seen)
                           if len(grams & g) >= 0.8 * min(len(grams), len(g)) and numbers == n), None)
            if repeat is not None and not seen[repeat][0] < grams:
                continue
            e = Evidence(chunk, rank, a, b, display_text(text), tail=tail[0] if tail else None,
                         tail_end=len(tail[1]) if tail else 0, intro=parent)
            if repeat is not None:
                # The whole of a sentence a passage boundary cut (the next passage starts at its
                # 「；其配偶…」): the part loses its case, the whole keeps it, in the part's place.
                seen[repeat], out[repeat] = (grams, numbers), e
                continue
            seen.append((grams, numbers))
            out.append(e)
    return out


def intro_chain(e: Evidence) -> list[Evidence]:
    """The sentences introducing `e`'s list and the lists around it, outermost first."""
    chain: list[Evidence] = []
    intro = e.intro
    while intro is not None and len(chain) < 4:
        chain.insert(0, intro)
        intro = intro.intro
    return chain


# A reference to the paragraph before (「达前项数额」, 「有前款行为」): the sentence is only
# understood with it — its figure or its conduct stands there.
_PREVIOUS_REF_RE = re.compile(r"前[项項款]")


def previous_paragraph(e: Evidence) -> list[Evidence]:
    """The (last two) sentences of the paragraph before `e` in its passage, when `e` refers to
    it; [] otherwise."""
    if not _PREVIOUS_REF_RE.search(e.text):
        return []
    text = e.chunk.text
    line_start = text.rfind("\n", 0, e.a)
    if line_start <= 0:
        return []
    previous = text.rfind("\n", 0, line_start) + 1
    return [Evidence(e.chunk, e.rank, a, b, display_text(text[a:b]))
            for a, b in sentence_spans(text) if a >= previous and b <= line_start
            and is_quotable(text[a:b], e.chunk.title)][-2:]
