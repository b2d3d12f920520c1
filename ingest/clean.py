"""Noise repair that keeps provenance.

Cleaning only ever *deletes* characters of the original text, so the cleaned text comes with
`offsets[i]` = index in the original of cleaned character i, and any cleaned span maps back to
an exact span of the source file (what citations quote).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policyqa.zh import normalise

# "(bào)": a parenthesised Latin run with at least one tone-marked vowel (pinyin ruby text).
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
PINYIN_RE = re.compile(r"\(\s*[a-zü%s]*[%s][a-zü%s]*\s*\)" % (_TONED, _TONED, _TONED), re.I)
# Mojibake: ASCII '?' runs inside CJK text, U+FFFD, and HTML tag debris such as "/strong>".
MOJIBAKE_RE = re.compile(r"\ufffd+|</?[a-zA-Z]{1,10}>|(?<![A-Za-z])/[a-zA-Z]{1,10}>|\?+(?![ \n]*[A-Za-z]{2})")
# Whole lines that are site furniture, never document content.
BOILERPLATE_LINE_RE = re.compile(
    r"""^(?:
      第\s*\d+\s*[页頁]\s*/\s*共\s*\d+\s*[页頁]
    | .{2,120}\.(?:docx?|pdf|wps)(?:_第\d+[页頁])?
    | .*(?:上[传傳]人|文[档檔]编号|上[传傳]时间|[页頁]数[:：]).*
    | (?:返回|下[载載]|相[关關]|[举舉][报報]|\s)+
    | [点點][击擊][查查][看看]更多.*
    | [资資]源描述 | 展[开開][阅閱][读讀]全文 | 相[关關][资資]源 | 相[关關]搜索 | 相[关關][链鏈][结結接]
    | [图圖]片[图圖]表 | [栏欄]目推[荐薦] | 我要反[馈饋] | .*版[权權]反[馈饋].*
    | (?:当前位置|當前位置|首[页頁])\s*[:：>].* | 首[页頁]\s.{0,60}
    | .*(?:由[会會][员員]分享|版[权權]所有|[经經][营營]许可[证證]|ICP[备備]|公[网網]安[备備]|Copyright|All\ Rights\ Reserved|免[责責][声聲]明).*
    | [·•]\s?.{2,60}
    | [\s?|｜]+
    )$""",
    re.X,
)
# A navigation menu: 4+ short space-separated words and no sentence punctuation.
NAV_LINE_RE = re.compile(r"^(?:[^\s，。,.;；:：]{2,6}[ \u3000]+){3,}[^\s，。,.;；:：]{2,6}$")
# "12、" at a line start: numbered page fragments of doc-sharing sites.
PAGE_FRAGMENT_RE = re.compile(r"^(\d{1,3})、")
SENTENCE_END = "。！？!?；;…”」』）)"
_SENT_RE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?[”」』]?")


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


def _lines(text: str):
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


def _delete(keep: bytearray, start: int, end: int) -> None:
    keep[start:end] = b"\x00" * (end - start)


def _mark_noise(text: str, keep: bytearray) -> None:
    for rx in (PINYIN_RE, MOJIBAKE_RE):
        for m in rx.finditer(text):
            _delete(keep, m.start(), m.end())
    lines = list(_lines(text))
    fragments = [(i, int(m.group(1))) for i, (_, ln) in enumerate(lines)
                 if (m := PAGE_FRAGMENT_RE.match(ln.strip()))]
    # A run 1、2、3… whose lines mostly break mid-sentence is page numbering, not a list.
    numbers = [n for _, n in fragments]
    is_paged = len(numbers) >= 3 and numbers == list(range(1, len(numbers) + 1))
    if is_paged:
        broken = sum(1 for i, _ in fragments[1:]
                     if not _prev_content(lines, i).rstrip().endswith(tuple(SENTENCE_END)))
        is_paged = broken * 2 >= len(fragments) - 1
    fragment_lines = {i for i, _ in fragments} if is_paged else set()
    for i, (pos, line) in enumerate(lines):
        stripped = line.strip(" \t\u3000\xa0")
        visible = "".join(ch for j, ch in enumerate(line) if keep[pos + j]).strip(" \t\u3000\xa0?|")
        if not visible or BOILERPLATE_LINE_RE.match(stripped) or NAV_LINE_RE.match(stripped):
            _delete(keep, pos, pos + len(line) + 1)
            continue
        lead = len(line) - len(line.lstrip(" \t\u3000\xa0"))
        _delete(keep, pos, pos + lead)
        trail = len(line.rstrip(" \t\u3000\xa0|｜?"))
        _delete(keep, pos + trail, pos + len(line))
        if i in fragment_lines:
            m = PAGE_FRAGMENT_RE.match(line[lead:])
            _delete(keep, pos + lead, pos + lead + m.end())
            if fragments[0][0] != i:
                # Join to the previous fragment: drop the line breaks in between.
                j = pos - 1
                while j >= 0 and text[j] in "\n \t\u3000":
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


def _mark_duplicate_sentences(cleaned: Cleaned, keep: bytearray) -> None:
    """Drop later repeats of a sentence (e.g. an editor's note restating the body)."""
    seen: set[str] = set()
    for m in _SENT_RE.finditer(cleaned.text):
        key = re.sub(r"\W", "", normalise(m.group()))
        if len(key) < 12:
            continue
        if key in seen:
            a, b = cleaned.span(m.start(), m.end())
            _delete(keep, a, b)
        seen.add(key)


def clean(text: str) -> Cleaned:
    keep = bytearray(b"\x01" * len(text))
    _mark_noise(text, keep)
    _mark_duplicate_sentences(_apply(text, keep), keep)
    cleaned = _apply(text, keep)
    # Collapse the blank lines left behind into single paragraph breaks.
    keep2 = bytearray(b"\x01" * len(cleaned.text))
    for m in re.finditer(r"\n{2,}", cleaned.text):
        _delete(keep2, m.start() + 1, m.end())
    if cleaned.text.startswith("\n"):
        keep2[0] = 0
    idx = [i for i in range(len(cleaned.text)) if keep2[i]]
    return Cleaned("".join(cleaned.text[i] for i in idx), tuple(cleaned.offsets[i] for i in idx))
