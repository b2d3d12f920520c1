"""Headings and list items: the heading families of Chinese laws, regulations and notices, the
heading path in force at a line, and the markers and numbers of enumeration items."""

from __future__ import annotations

import re

from core.figures import numeral_value

# A chapter, section or article heading: 第四章 / 第二节 / 第三十二条 / 第 5 條.
SECTION_RE = re.compile(r"^第\s*[一二三四五六七八九十百零〇\d]+\s*[编編章节節条條款]")

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


def heading_after(heading: str, text: str) -> str:
    """The heading path in force at the end of `text`, which starts where `heading` (a path as
    `heading_path` builds it, joined by " › ") is in force: a passage's heading is that of its
    first line, and a sentence further on may stand under the next article."""
    path: dict[int, str] = {}
    for part in heading.split(" › ") if heading else ():
        found = heading_of(part)
        if found is None:
            return heading  # a part not read as a heading (a Markdown title): kept as written
        path[found[0]] = found[1]
    moved = False
    for line in text.split("\n"):
        after = heading_path(path, line)
        moved, path = moved or after is not path, after
    return " › ".join(path[r] for r in sorted(path)) if moved else heading


# ---------------------------------------------------------------------------- list items
# A sentence that opens an item of an enumeration: 一是 / 一、 / （一） / 1、 1. 1） / 第一， / ① / •
ITEM_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}(?:是|、)|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}(?:[、)）]|[.．](?!\d))"
    r"|第[一二三四五六七八九十]{1,3}[，,、]|[①-⑳]|[-•·●▪]\s?)")

# The marker families of enumerations, outermost first: an item of a higher-ranked family after
# items of a lower one ends the inner list (「（三）…」 then 「二、…」 is the next outer item).
_ITEM_LEVELS: tuple[tuple[int, re.Pattern], ...] = (
    (50, re.compile(r"^\s*[一二三四五六七八九十]{1,3}、")),
    (60, re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}[)）]")),
    (70, re.compile(r"^\s*\d{1,2}(?:[、)）]|[.．](?!\d))")),
    (80, re.compile(r"^\s*[（(]\d{1,2}[)）]")),
    # 「一是…二是…」 and 「第一，…」 enumerate inside a paragraph, under whatever heads it (an
    # 「（一）…」 item's measures): the innermost numbered level.
    (85, re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}是|第[一二三四五六七八九十]{1,3}[，,、])")),
    (90, re.compile(r"^\s*(?:[①-⑳]|[-•·●▪]\s?)")),
)


def item_level(text: str) -> int | None:
    """The rank of the enumeration marker a sentence opens with (一、 50, （一） 60, 1. 70,
    (1) 80, 一是/第一， 85, ①/● 90), or None when it opens no item."""
    for level, rx in _ITEM_LEVELS:
        if rx.match(text):
            return level
    return None


def item_body(text: str) -> str:
    """An item's words after its marker (「（三）稿酬所得；」 → 「稿酬所得；」); the text itself when
    it opens no item."""
    for _, rx in _ITEM_LEVELS:
        m = rx.match(text)
        if m:
            return text[m.end():]
    return text


def item_number(text: str) -> int | None:
    """The number of an item's marker: （三） → 3, 2. → 2, 四、 → 4."""
    m = re.match(r"^\s*(?:第)?[（(]?([一二三四五六七八九十]{1,3}|\d{1,2})", text)
    if not m or item_level(text) is None:
        return None
    value = numeral_value(m.group(1))
    return int(value) if value is not None else None
