"""Penalty questions: the article that punishes breaking the duty an answer quotes."""

from __future__ import annotations

import re
from typing import Callable

from core.records import Evidence
from core.figures import find_quantities
from core.script import normalise
from core.sentences import sentence_spans
from retrieval.evidence import display_text
from retrieval.query import Query

_ARTICLE_RE = re.compile(r"第\s*([一二三四五六七八九十百零〇\d]+)\s*条")


def article_of(e: Evidence) -> str | None:
    """The number of the article a sentence stands in (「三十三」): the last article opened in
    its passage before it, else its passage's heading."""
    opened = _ARTICLE_RE.findall(normalise(e.chunk.text[:e.b]))
    if opened:
        return opened[-1]
    found = _ARTICLE_RE.findall(normalise(e.chunk.heading or ""))
    return found[-1] if found else None


def penalty_for(e: Evidence, query: Query, next_chunk: Callable | None, max_chunks: int = 60) -> list[Evidence]:
    """For a penalty question answered by the article that lays down a duty, the sentence of the
    same document that punishes breaking it (「违反本条例第二十一条规定…处800元罚款」), found
    in the passages after it (a regulation's penalties follow its duties); of several, the one
    whose offender the question names (「单位违反…」 for a question about 单位)."""
    number = article_of(e)
    if number is None or next_chunk is None:
        return []
    cites = re.compile(r"违反本\w{0,4}?第(?:[^条。；]{0,30}?[、，,和及])?\s*%s\s*条" % re.escape(number))
    found: list[tuple[int, Evidence]] = []
    chunk, seen_end = e.chunk, e.chunk.start
    for _ in range(max_chunks):
        spans = sentence_spans(chunk.text)
        for i, (a, b) in enumerate(spans):
            start, end = chunk.source_span(a, b)
            if start < seen_end:
                continue
            if i < len(spans) - 1:  # the last may be cut by the passage end: read it again whole
                seen_end = end
            norm = normalise(chunk.text[a:b])
            m = cites.search(norm)
            if m and any(f.kind == "money" for f in find_quantities(norm)):
                # Who broke the rule (「单位违反…」, 「个人违反…」) decides among the penalties.
                offender = norm[:m.start()]
                words = sum(1 for t in dict.fromkeys(query.tokens) if t in offender)
                found.append((words, Evidence(chunk, e.rank, a, b, display_text(chunk.text[a:b]))))
        if len(found) >= 3:
            break
        chunk = next_chunk(chunk)
        if chunk is None:
            break
    return [max(found, key=lambda x: x[0])[1]] if found else []
