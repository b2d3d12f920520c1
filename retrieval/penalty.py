"""Penalty questions: the article that punishes breaking the duty an answer quotes."""

from __future__ import annotations

import re
from typing import Callable

from core.records import Evidence
from core.figures import FINE_WORD_RE, find_quantities
from core.headings import item_number
from core.script import normalise
from core.sentences import sentence_spans
from retrieval.evidence import display_text, intro_chain
from retrieval.query import Query

_ARTICLE_RE = re.compile(r"第\s*([一二三四五六七八九十百零〇\d]+)\s*条")
# An article opens a line (「第三十三条 …」); a 第N条 inside a sentence refers to another one.
_OPENED_RE = re.compile(r"(?:^|\n)[ \t\u3000]*第\s*([一二三四五六七八九十百零〇\d]+)\s*条")
# 「违反本条例第十二条、第十五条第一款第（二）项规定的」: what a penalty punishes is named by
# article (and item).
_BREACH_RE = re.compile(r"违反本[^第。；，]{0,4}?(第[^。；：]{0,80}?)规定")
# What a penalty provision lays down: a fine anywhere; a warning, a disciplinary sanction or a
# liability in an article of a rule (a history or a biography tells of confiscations and
# punishments without laying any down).
_SANCTION_RE = re.compile(r"[予给處处]以?警告|給予警告|处分|處分|追究[^。；]{0,6}?[责責]任|吊销|吊銷|没收违法|沒收違法")
_ITEM_RE = re.compile(r"第\s*[（(]?\s*([一二三四五六七八九十]+)\s*[）)]?\s*[项項]")


def article_of(e: Evidence) -> str | None:
    """The number of the article a sentence stands in (「三十三」): the last article opened in
    its passage before it, else its passage's heading."""
    opened = _OPENED_RE.findall(normalise(e.chunk.text[:e.b]))
    if opened:
        return opened[-1]
    found = _ARTICLE_RE.findall(normalise(e.chunk.heading or ""))
    return found[-1] if found else None


def states_penalty(e: Evidence) -> bool:
    """Whether a sentence, read with the sentences introducing its list, lays down a penalty
    (「…有下列行为之一的，处…罚款：」 and its items)."""
    text = normalise("".join(i.text for i in intro_chain(e)) + e.text)
    return bool(FINE_WORD_RE.search(text)) or bool(_SANCTION_RE.search(text)) and article_of(e) is not None


def lead_order(best_first: list[Evidence], asks_penalty: bool) -> list[Evidence]:
    """The evidence in the order it may lead the answer (stable otherwise): a question asking what
    breaking a rule costs is answered by a sentence laying down a penalty; any other question by
    the rule itself, since a penalty provision restates the rule it punishes in the rule's own
    words."""
    return sorted(best_first, key=lambda e: states_penalty(e) != asks_penalty)


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
    for chunk, fresh in _passages_read_on(e.chunk, next_chunk, max_chunks):
        for a, b, _, _ in fresh:
            norm = normalise(chunk.text[a:b])
            m = cites.search(norm)
            if m and any(f.kind == "money" for f in find_quantities(norm)):
                # Who broke the rule (「单位违反…」, 「个人违反…」) decides among the penalties.
                offender = norm[:m.start()]
                words = sum(1 for t in dict.fromkeys(query.tokens) if t in offender)
                found.append((words, Evidence(chunk, e.rank, a, b, display_text(chunk.text[a:b]))))
        if len(found) >= 3:
            break
    return [max(found, key=lambda x: x[0])[1]] if found else []


def cited_articles(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """The (article, its items named, if any) a penalty sentence says it punishes the breach of
    (「违反本条例第三十三条第二项规定的」 → [("三十三", ("二",))]); [] for any other sentence."""
    m = _BREACH_RE.search(normalise(text))
    if not m:
        return []
    cited = m.group(1)
    articles = list(_ARTICLE_RE.finditer(cited))
    return [(a.group(1), tuple(_ITEM_RE.findall(cited, a.end(), articles[i + 1].start() if i + 1 < len(articles)
                                                 else len(cited))))
            for i, a in enumerate(articles)]


def penalty_candidates(sentences: list[Evidence], next_chunk: Callable | None, max_rank: int = 6,
                       max_docs: int = 2, max_chunks: int = 300) -> list[Evidence]:
    """The sentences `sentences` with the penalties for breaking the articles they stand in added
    (those not among them already):
    a regulation punishes a duty in a later article that names it by number only
    (「违反本条例第三十三条第二项规定的，…处五千元以上五万元以下罚款」), so a question about the
    penalty for a conduct meets the conduct in one article and the sum in another. Each penalty
    found carries the sentences of the article (the item, when it names one) it cites (`cites`),
    with which it is read and quoted. Only the articles of the best `max_rank` passages, of at most
    `max_docs` documents, are followed, each document read once from its first such article on."""
    if next_chunk is None:
        return sentences
    duties: dict[tuple[str, str], list[Evidence]] = {}
    for e in sentences:
        number = article_of(e) if e.rank < max_rank else None
        if number is not None:
            duties.setdefault((e.chunk.doc, number), []).append(e)
    docs = list(dict.fromkeys(doc for doc, _ in duties))[:max_docs]
    known = {e.source_span() for e in sentences}
    out = list(sentences)
    for doc in docs:
        first = min((e.chunk for (d, _), es in duties.items() if d == doc for e in es), key=lambda c: c.start)
        for chunk, fresh in _passages_read_on(first, next_chunk, max_chunks):
            for a, b, start, end in fresh:
                text = chunk.text[a:b]
                if (start, end) in known:
                    continue  # retrieved already: it stands as it was found
                cited = [(n, item) for n, item in cited_articles(text) if (doc, n) in duties]
                if not cited or not any(f.kind in ("money", "ratio") for f in find_quantities(normalise(text))):
                    continue
                read_with: list[Evidence] = []
                for n, items in cited:
                    article = duties[(doc, n)]
                    wanted = {item_number(f"（{item}）") for item in items}
                    named = [e for e in article if item_number(e.text) in wanted] if items else []
                    read_with += named or article[:4]
                read_with = list({e.source_span(): e for e in read_with}.values())
                penalty = Evidence(chunk, read_with[0].rank, a, b, display_text(text), cites=tuple(read_with))
                known.add((start, end))
                out.append(penalty)
    return out


def _passages_read_on(chunk, next_chunk: Callable, max_chunks: int):
    """Each passage from `chunk` on (at most `max_chunks`) with the sentences of it not read yet,
    as (passage, [(a, b, start, end)]): passages overlap, so each is read on from where the last
    whole sentence ended; the last sentence of a passage may be cut by its end, and is read again
    whole in the next."""
    seen_end = chunk.start
    for _ in range(max_chunks):
        spans = sentence_spans(chunk.text)
        fresh = []
        for i, (a, b) in enumerate(spans):
            start, end = chunk.source_span(a, b)
            if start < seen_end:
                continue
            if i < len(spans) - 1:
                seen_end = end
            fresh.append((a, b, start, end))
        yield chunk, fresh
        chunk = next_chunk(chunk)
        if chunk is None:
            return
