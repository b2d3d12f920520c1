"""Noise repair that keeps provenance.

Cleaning only ever *deletes* characters of the original text, so the cleaned text comes with
`offsets[i]` = index in the original of cleaned character i, and any cleaned span maps back to
an exact span of the source file (what citations quote).

What is noise is decided from evidence inside the document: character noise of known shapes
(pinyin ruby "區(qū)", mojibake runs, tag debris), lines that match the site-furniture list
(ingest/data/furniture.txt), navigation rows, page-number fragments, and lines repeated
elsewhere in the same document. A line that reads as prose is never deleted by a furniture
pattern, and a document with any prose is never emptied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.headings import opens_with_marker
from core.script import normalise
from core.sentences import clause_spans, han_count

DATA_DIR = Path(__file__).with_name("data")

# "(bào)": a parenthesised Latin run with at least one tone-marked vowel (pinyin ruby text).
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
PINYIN_RE = re.compile(r"\(\s*[a-zü%s]*[%s][a-zü%s]*\s*\)" % (_TONED, _TONED, _TONED), re.I)
# Mojibake that is always noise: U+FFFD, HTML tag debris ("</strong>", "/strong>"), and runs of
# two or more ASCII '?' (an encoder's substitute for characters it could not write).
MOJIBAKE_RE = re.compile(r"\ufffd+|</?[a-zA-Z]{1,10}>|(?<![A-Za-z])/[a-zA-Z]{1,10}>|\?{2,}")
# A single '?' touching Han text is a substitute character only in documents that show other
# mojibake evidence (runs of '?', pinyin ruby); elsewhere it may be a real question mark.
LONE_QMARK_RE = re.compile(r"\?(?![ \n]*[A-Za-z]{2})")
# A navigation menu: 4+ short space-separated words and no sentence punctuation.
NAV_LINE_RE = re.compile(r"^(?:[^\s，。,.;；:：]{2,6}[ \u3000]+){3,}[^\s，。,.;；:：]{2,6}$")
URL_RE = re.compile(r"(?:https?://|www\.)[^\s，。）)]+", re.I)
# A site header or menu of segments between pipes ("點新聞 | 每日點新聞 點解香港事"); a Markdown
# table row opens with a pipe and is never one.
PIPE_NAV_RE = re.compile(r"^(?![|｜])[^|｜\d。，,；;！？!?]{1,15}(?:\s*[|｜]\s*[^|｜\d。，,；;！？!?]{1,15})+$")
# "12、" at a line start: numbered page fragments of doc-sharing sites.
PAGE_FRAGMENT_RE = re.compile(r"^(\d{1,3})、")
LABEL_RE = re.compile(r"^\s*(?:【[^】]{1,8}】\s*[:：]?|[^\s，。,:：]{1,8}[:：])")
SENTENCE_END = "。！？!?；;…”」』）)"
_SPACE = " \t\u3000\xa0"


@dataclass(frozen=True)
class Options:
    """Tuned constants of the cleaner (calibrated on ../shared/corpus and ../shared/dev2/corpus)."""

    prose_min_han: int = 30  # a line with this many Han characters and two sentence ends is prose
    prose_min_ends: int = 2
    repeat_min_chars: int = 6  # shorter repeated lines ("一、", dates) are not judged as copies
    abstract_min_sentences: int = 2  # a head line made of this many sentences of the body is a copy
    link_share: float = 0.5  # a non-prose line at least this much URL is a link row
    page_fragment_min_chars: int = 300  # doc-sharing pages run 800+ characters; list items far less
    abstract_max_line: int = 12  # summaries sit in the first lines, before the body they copy


OPTIONS = Options()


@dataclass(frozen=True)
class Cleaned:
    text: str
    offsets: tuple[int, ...]  # original index of each cleaned character

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) covering cleaned [start, end)."""
        if end <= start:
            o = self.offsets[start] if start < len(self.offsets) else (self.offsets[-1] + 1 if self.offsets else 0)
            return o, o
        return self.offsets[start], self.offsets[end - 1] + 1


@dataclass(frozen=True)
class Fidelity:
    """How much of a document survived cleaning (shown by `policyqa ingest -v`)."""

    chars: int  # non-space characters of the original
    kept: int  # of them, kept
    prose: int  # Han characters and digits on prose lines of the original
    prose_kept: int

    @property
    def kept_ratio(self) -> float:
        return self.kept / self.chars if self.chars else 1.0

    @property
    def prose_ratio(self) -> float:
        return self.prose_kept / self.prose if self.prose else 1.0

    def describe(self) -> str:
        return (f"kept {self.kept}/{self.chars} chars ({100 * self.kept_ratio:.1f}%), "
                f"prose {self.prose_kept}/{self.prose} ({100 * self.prose_ratio:.1f}%)")


@lru_cache(maxsize=1)
def furniture_patterns() -> tuple[tuple[re.Pattern, bool], ...]:
    """(pattern, prose_safe) from ingest/data/furniture.txt."""
    out = []
    for raw in (DATA_DIR / "furniture.txt").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        prose_safe = line.startswith("prose-safe:")
        out.append((re.compile(line.removeprefix("prose-safe:"), re.I), prose_safe))
    return tuple(out)


def is_prose(line: str, options: Options = OPTIONS) -> bool:
    """A line that reads as running text: sentence ends and a fair amount of Han text."""
    ends = sum(line.count(c) for c in "。！？；!;")
    return ends >= options.prose_min_ends and han_count(line) >= options.prose_min_han


def _mostly_links(line: str, options: Options) -> bool:
    solid = re.sub(r"\s", "", line)
    linked = sum(len(m.group()) for m in URL_RE.finditer(line))
    return bool(solid) and linked >= options.link_share * len(solid)


def is_furniture(line: str, options: Options = OPTIONS) -> bool:
    stripped = line.strip(_SPACE)
    prose = is_prose(stripped, options)
    for rx, prose_safe in furniture_patterns():
        if (prose_safe or not prose) and rx.fullmatch(stripped):
            return True
    return not prose and (bool(NAV_LINE_RE.match(stripped) or PIPE_NAV_RE.match(stripped))
                          or _mostly_links(stripped, options))


def _lines(text: str):
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


def _delete(keep: bytearray, start: int, end: int) -> None:
    keep[start:end] = b"\x00" * (end - start)


def _has_mojibake(text: str) -> bool:
    return bool(re.search(r"\?{2,}|\ufffd", text)) or bool(PINYIN_RE.search(text)) \
        or bool(re.search(r"^[ \t\u3000]*\?[ \t\u3000]*$", text, re.M))


def _mark_characters(text: str, keep: bytearray) -> None:
    rxs = [PINYIN_RE, MOJIBAKE_RE] + ([LONE_QMARK_RE] if _has_mojibake(text) else [])
    for rx in rxs:
        for m in rx.finditer(text):
            _delete(keep, m.start(), m.end())


def _page_fragment_lines(lines, options: Options) -> set[int]:
    fragments = [(i, int(m.group(1))) for i, (_, ln) in enumerate(lines)
                 if (m := PAGE_FRAGMENT_RE.match(ln.strip()))]
    # A run 1、2、3… of page-long lines that mostly break mid-sentence is page numbering;
    # short numbered lines are a list, whatever their punctuation.
    numbers = [n for _, n in fragments]
    if len(numbers) < 3 or numbers != list(range(1, len(numbers) + 1)):
        return set()
    lengths = sorted(len(lines[i][1].strip()) for i, _ in fragments)
    if lengths[len(lengths) // 2] < options.page_fragment_min_chars:
        return set()
    broken = sum(1 for i, _ in fragments[1:]
                 if not _prev_content(lines, i).rstrip().endswith(tuple(SENTENCE_END)))
    return {i for i, _ in fragments} if broken * 2 >= len(fragments) - 1 else set()


def _mark_lines(text: str, keep: bytearray, options: Options, drop_lines: bool = True) -> None:
    lines = list(_lines(text))
    edge = _SPACE + "|｜" + ("?" if _has_mojibake(text) else "")
    fragment_lines = _page_fragment_lines(lines, options)
    first_fragment = min(fragment_lines) if fragment_lines else -1
    furniture_parts: set[str] = set()  # segments of furniture lines seen so far
    for i, (pos, line) in enumerate(lines):
        # A stray pipe ends scraped table cells ("辦公室 |"); a Markdown table row keeps its own.
        edge_here = edge.replace("|", "") if line.lstrip(_SPACE).startswith("|") else edge
        visible = "".join(ch for j, ch in enumerate(line) if keep[pos + j]).strip(edge_here)
        if not visible or (drop_lines and (is_furniture(visible, options) or (
                _key(visible) in furniture_parts and not is_prose(visible, options)))):
            # A piece of a furniture line printed again on its own (a site slogan) is furniture.
            furniture_parts.update(k for part in re.split(r"[|｜·•]", visible)
                                   if len(k := _key(part)) >= options.repeat_min_chars)
            _delete(keep, pos, pos + len(line) + 1)
            continue
        lead = len(line) - len(line.lstrip(_SPACE))
        _delete(keep, pos, pos + lead)
        trail = len(line.rstrip(edge_here))
        _delete(keep, pos + trail, pos + len(line))
        if i in fragment_lines:
            m = PAGE_FRAGMENT_RE.match(line[lead:])
            _delete(keep, pos + lead, pos + lead + m.end())
            if i != first_fragment:
                # Join to the previous fragment: drop the line breaks in between.
                j = pos - 1
                while j >= 0 and text[j] in "\n" + _SPACE:
                    keep[j] = 0
                    j -= 1


def _prev_content(lines, i: int) -> str:
    for _, ln in reversed(lines[:i]):
        if ln.strip():
            return ln
    return ""


def _apply(text: str, keep: bytearray) -> Cleaned:
    offsets = tuple(i for i in range(len(text)) if keep[i])
    return Cleaned("".join(text[i] for i in offsets), offsets)


def _key(text: str) -> str:
    return re.sub(r"\W", "", normalise(text))


def _is_wrapped(text: str, start: int) -> bool:
    """True when the original line at `start` is an indented continuation of a hard-wrapped
    paragraph (the line before it does not end a sentence)."""
    line_start = text.rfind("\n", 0, start) + 1
    if line_start == start or not text[line_start:start].strip(_SPACE) == "":
        return False
    before = text[:line_start].rstrip()
    return bool(before) and not before.endswith(tuple(SENTENCE_END + "：:"))


def _mark_repeated_lines(text: str, cleaned: Cleaned, keep: bytearray, options: Options) -> None:
    """Copies inside one document: a headline, footer or date line (no sentence end) printed
    again (later copies go), and a summary line stitched from sentences of the body ("【摘要】…", the copy goes).
    Numbered items and articles may legitimately repeat ("二、未接受政府其他補貼。" in two
    articles), so lines that open with a heading marker are never judged."""
    lines = [(pos, ln) for pos, ln in _lines(cleaned.text) if ln.strip()]
    seen: set[str] = set()
    sentences_by_line = []
    for pos, ln in lines:
        # A label before a summary ("【摘要】:", "内容提要：") is not part of what it copies.
        label = LABEL_RE.match(ln)
        body = ln[label.end():] if label else ln
        sentences_by_line.append([_key(body[a:b]) for a, b in clause_spans(body)])
    for idx, (pos, ln) in enumerate(lines):
        key = _key(ln)
        if len(key) < options.repeat_min_chars or opens_with_marker(ln.strip()):
            continue
        if key in seen and not any(c in ln for c in "。！？；!;") \
                and not _is_wrapped(text, cleaned.offsets[pos]):
            a, b = cleaned.span(pos, pos + len(ln))
            _delete(keep, a, b + 1 if b < len(keep) else b)
            continue
        seen.add(key)
        # A summary: most of its sentences occur in other lines, the last one may be cut short.
        sents = [k for k in sentences_by_line[idx] if len(k) >= 8]
        if idx >= options.abstract_max_line or len(sents) < options.abstract_min_sentences:
            continue
        others = "\x00".join(_key(l2) for _, l2 in lines[idx + 1:])
        # Every sentence is found in the body (a last one cut short is a prefix of a body sentence).
        if all(k in others for k in sents):
            a, b = cleaned.span(pos, pos + len(ln))  # the whole line goes, its label with it
            _delete(keep, a, b)


def _finish(cleaned: Cleaned) -> Cleaned:
    """Collapse the blank lines left behind into single paragraph breaks."""
    keep2 = bytearray(b"\x01" * len(cleaned.text))
    for m in re.finditer(r"\n{2,}", cleaned.text):
        _delete(keep2, m.start() + 1, m.end())
    if cleaned.text.startswith("\n"):
        keep2[0] = 0
    idx = [i for i in range(len(cleaned.text)) if keep2[i]]
    return Cleaned("".join(cleaned.text[i] for i in idx), tuple(cleaned.offsets[i] for i in idx))


def _has_text(text: str) -> bool:
    return any(c.isalnum() for c in text)


def clean(text: str, options: Options = OPTIONS) -> Cleaned:
    keep = bytearray(b"\x01" * len(text))
    _mark_characters(text, keep)
    chars_only = bytes(keep)
    _mark_lines(text, keep, options)
    _mark_repeated_lines(text, _apply(text, keep), keep, options)
    cleaned = _apply(text, keep)
    if not _has_text(cleaned.text) and _has_text(_apply(text, bytearray(chars_only)).text):
        # Every line looked like furniture: a document is never emptied, so keep its lines
        # and remove only character noise and surrounding white space.
        keep = bytearray(chars_only)
        _mark_lines(text, keep, options, drop_lines=False)
        cleaned = _apply(text, keep)
    return _finish(cleaned)


def _reads_as_text(line: str) -> bool:
    """For the fidelity count: a line with punctuated Han text that no furniture pattern names."""
    stripped = line.strip(_SPACE)
    if han_count(stripped) < 8 or not re.search(r"[，。；！？、：,;:!?]", stripped):
        return False
    return not any(rx.fullmatch(stripped) for rx, _ in furniture_patterns())


def fidelity(text: str, cleaned: Cleaned) -> Fidelity:
    """Characters kept, overall and of prose: Han characters and digits on lines of the original
    that read as text (so pinyin ruby, '?' runs, menus and furniture rows do not count). A
    whole line deleted as a copy counts as kept when its sentences are still in the cleaned text;
    a sentence cut out of a kept line always counts as lost."""
    kept = bytearray(len(text))
    for i in cleaned.offsets:
        kept[i] = 1
    chars = sum(1 for c in text if not c.isspace())
    kept_chars = sum(1 for i in cleaned.offsets if not text[i].isspace())
    cleaned_key = _key(cleaned.text)
    prose = prose_kept = 0
    for pos, line in _lines(text):
        if not _reads_as_text(PINYIN_RE.sub("", line)):
            continue
        idx = [pos + j for j, ch in enumerate(line) if "\u4e00" <= ch <= "\u9fff" or ch.isdigit()]
        n_kept = sum(kept[i] for i in idx)
        body = line[m.end():] if (m := LABEL_RE.match(line)) else line
        if n_kept == 0 and all(len(k) < 8 or k in cleaned_key for a, b in clause_spans(body)
                               if (k := _key(PINYIN_RE.sub("", body[a:b])))):
            n_kept = len(idx)  # a whole line deleted as a copy of text that is kept elsewhere
        prose += len(idx)
        prose_kept += n_kept
    return Fidelity(chars, kept_chars, prose, prose_kept)
