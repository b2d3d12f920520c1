"""Chinese text rules shared by ingest and retrieval: script and width normalisation (for the index, never for what is shown), sentence ends, and (below) the other rules of Chinese policy text."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
import zhconv

_T2S = opencc.OpenCC("t2s")
_S2T = opencc.OpenCC("s2t")


def to_simplified(text: str) -> str:
    # OpenCC first (phrase-aware), then zhconv for variant characters OpenCC keeps (陜 → 陕).
    return zhconv.convert(_T2S.convert(text), "zh-hans")


def to_traditional(text: str) -> str:
    return _S2T.convert(text)


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """NFKC (full-width digits/letters → ASCII), Traditional → Simplified, lower case."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def is_traditional(text: str) -> bool:
    """True when converting to Simplified changes enough characters to call it Traditional."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return False
    simplified = to_simplified("".join(han))
    changed = sum(1 for a, b in zip(han, simplified) if a != b)
    return changed >= max(1, len(han) // 20)


# ----------------------------------------------------------------------------- sentences
# A sentence runs to a full stop, question/exclamation mark or semicolon (closing quotes and
# brackets stay with it), or to a line end. The answer stage quotes these units and the store's
# embedding cache is keyed by their exact text, so ingest and retrieval must cut alike.
SENTENCE_RE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+[”’」』）)]*)?")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence of `text`, surrounding white space excluded."""
    spans = []
    for m in SENTENCE_RE.finditer(text):
        raw = m.group()
        a = m.start() + (len(raw) - len(raw.lstrip()))
        b = m.start() + len(raw.rstrip())
        if b > a:
            spans.append((a, b))
    return spans


# ----------------------------------------------------------------------------- headings
# The heading families of Chinese laws, regulations and notices, outermost first. Levels are
# ranks, not depths: a document uses some of the families, and the heading path in force at a
# sentence keeps every heading of a lower rank than the newest one. Items inside an article
# (一、（一）1.) are its list, not sections: the path stops at the article.
_CN_NUM = "一二三四五六七八九十百千零〇两"
ARTICLE_RANK = 40
HEADING_FAMILIES: tuple[tuple[int, re.Pattern], ...] = (
    (10, re.compile(r"^第\s*[%s\d]+\s*[编編](?![制写寫辑輯号號])" % _CN_NUM)),
    (15, re.compile(r"^第\s*[%s\d]+\s*(?:分[编編]|部分|篇)" % _CN_NUM)),
    (20, re.compile(r"^第\s*[%s\d]+\s*章" % _CN_NUM)),
    (30, re.compile(r"^第\s*[%s\d]+\s*[节節](?![约約日假])" % _CN_NUM)),
    (ARTICLE_RANK, re.compile(r"^第\s*[%s\d]+(?:\s*-\s*\d+)?\s*[条條](?:之[%s]+)?(?=\s|$|[　:：])" % (_CN_NUM, _CN_NUM))),
    (50, re.compile(r"^[%s]+、" % _CN_NUM)),
    (60, re.compile(r"^[（(][%s]+[)）]" % _CN_NUM)),
    (70, re.compile(r"^\d{1,2}[.．、](?!\d)")),
    (80, re.compile(r"^[（(]\d{1,2}[)）]")),
)
MARKDOWN_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
HEADING_MAX_CHARS = 30


def heading_of(line: str) -> tuple[int, str] | None:
    """(rank, heading text) when `line` opens with a heading marker of an official document.

    Articles are named by their marker alone (「第三十二条」), sections by their short title
    line (「第四章 法律责任」, 「一、重要意义」); Markdown headings by their text, ranked by
    the family they contain or by their number of '#'. A single '#' line is the document title,
    not a section."""
    line = line.strip(" \t\u3000")
    md = MARKDOWN_HEADING_RE.match(line)
    if md:
        if len(md.group(1)) == 1:
            return None
        inner = heading_of(md.group(2))
        return inner or (len(md.group(1)) * 5, md.group(2)[:HEADING_MAX_CHARS])
    for rank, rx in HEADING_FAMILIES:
        m = rx.match(line)
        if not m:
            continue
        if rank == ARTICLE_RANK:
            return rank, re.sub(r"\s+", " ", m.group().strip())
        head = re.split(r"[。：:！？；;]", line, maxsplit=1)[0].rstrip("，, \u3000")
        if len(head) <= HEADING_MAX_CHARS:
            return rank, re.sub(r"[ \u3000]+", " ", head)
        return None
    return None


def opens_with_marker(line: str) -> bool:
    """True when the line opens with a heading or item marker, however long it is."""
    line = line.strip(" \t\u3000")
    return bool(MARKDOWN_HEADING_RE.match(line)) or any(rx.match(line) for _, rx in HEADING_FAMILIES)


def heading_path(path: dict[int, str], line: str) -> dict[int, str]:
    """The heading path after `line`: a new heading replaces its rank and every deeper one."""
    found = heading_of(line)
    if not found:
        return path
    rank, head = found
    if rank > ARTICLE_RANK and any(r == ARTICLE_RANK for r in path):
        return path  # an item of the article in force
    kept = {r: h for r, h in path.items() if r < rank}
    kept[rank] = head
    return kept


# ----------------------------------------------------------------------------- places
# Place words: administrative suffixes of the mainland and of Taiwan, Hong Kong and Macau. The
# names themselves come from a gazetteer (ingest/data/places.tsv); these rules say how a name
# may be written in running text.
ADMIN_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区",
                  "省", "市", "区", "县", "盟", "旗")


def short_place_name(name: str) -> str:
    """"德州市" → "德州", "广西壮族自治区" → "广西", "香港特别行政区" → "香港": the form
    people write; names that would shrink to one character keep their suffix (沙市, 和县)."""
    name = to_simplified(name)
    for suffix in ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            # Ethnic autonomous names: 广西壮族 → 广西, 延边朝鲜族 → 延边.
            if suffix.startswith("自治"):
                stem = re.sub(r"^([\u4e00-\u9fff]{2,}?)(?:[\u4e00-\u9fff]{1,3}族)+$", r"\1", stem)
            return stem if len(stem) >= 2 else name
    return name


def is_prose_line(line: str) -> bool:
    """A line of running text (a sentence with its full stop, or a long clause chain), as opposed
    to a title, issuer, date or menu line."""
    han = sum(1 for c in line if "\u4e00" <= c <= "\u9fff")
    ends = sum(line.count(c) for c in "。！？!；;")
    commas = sum(line.count(c) for c in "，,、")
    return (ends >= 1 and han >= 20) or (commas >= 2 and han >= 40)
