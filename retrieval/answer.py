"""The grounded extractive answerer: picks the sentences that carry the asked-for facts from the
retrieved passages, keeps them in document order and cites each one; declines, by score and in
code, when the evidence does not cover the question."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.normalise import normalise, to_traditional
from policyqa.records import Answer, Citation, Hit
from retrieval.keyword import KeywordIndex
from retrieval.query import Query

_SENT_RE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+[”’」』）)]*)?")
_NUMBER_RE = re.compile(r"\d|[零一二两三四五六七八九十百千万亿]+(?:个|名|户|人|元|次|级|项|条|场|所|家|批|年|月|日|天|%|‰)")
_YEAR_RE = re.compile(r"(?:19|20)\d{2}")
# The question asks for a quantity: the answer must then carry a figure.
_QUANTITY_RE = re.compile(
    r"多少|几[个名户人项条次级场所家天年月]?|多大|多长|多高|比例|百分之|金额|数量|规模|标准是"
    r"|how (many|much|long|large|big)|what (percentage|proportion|share|amount|number)|number of|amount",
    re.I)
_LIST_RE = re.compile(r"哪些|分别|各|包括|几个方面|哪几|措施|做法|要求|怎么|如何|what are|which|list|compare|how (do|does|did|should|to)\b", re.I)


@dataclass(frozen=True)
class AnswerOptions:
    max_sentences: int = 3
    max_list_sentences: int = 6
    answer_chunks: int = 6  # top passages the answer may draw from
    min_support: float = 0.5  # evidence coverage below which we decline
    keep_ratio: float = 0.62  # a further sentence must score this share of the best


@dataclass
class _Sentence:
    hit_rank: int
    hit: Hit
    a: int  # offsets in chunk.text
    b: int
    text: str
    norm: str
    score: float = 0.0
    coverage: float = 0.0
    covered: frozenset = frozenset()


def candidate_sentences(hits: list[Hit], n_chunks: int) -> list[_Sentence]:
    out, seen = [], set()
    for rank, hit in enumerate(hits[:n_chunks]):
        for m in _SENT_RE.finditer(hit.chunk.text):
            text = m.group().strip()
            key = re.sub(r"\W", "", normalise(text))
            if len(key) < 6 or key in seen:
                continue  # fragments and sentences repeated by chunk overlap
            seen.add(key)
            a = m.start() + (len(m.group()) - len(m.group().lstrip()))
            out.append(_Sentence(rank, hit, a, a + len(text), text, normalise(text)))
    return out


def _term_weights(query: Query, keyword: KeywordIndex) -> dict[str, float]:
    """idf weight of each query term; the words of the question as asked weigh double when the
    query was rewritten from a follow-up (they say what is new)."""
    asked_norm = normalise(query.question)
    weights: dict[str, float] = {}
    for t in dict.fromkeys(query.tokens):
        w = keyword.idf(t) if keyword.has(t) else 0.0
        if not w:
            continue
        if query.standalone != query.question and t in asked_norm:
            w *= 2.0
        weights[t] = w
    return weights


def _coverage(norm_text: str, weights: dict[str, float], expansion: tuple[str, ...]) -> tuple[float, frozenset]:
    """Share of the query's idf weight found in the text (substring match, script-neutral)."""
    if not weights:
        return 0.0, frozenset()
    covered = frozenset(t for t in weights if t in norm_text)
    total = sum(weights.values())
    if expansion:
        # An English word expands to several alternative Chinese terms: one present is enough,
        # so the score is taken over the best-covered half of the weight.
        total = max(1e-9, total * 0.5)
    return min(1.0, sum(weights[t] for t in covered) / total), covered


def score_sentences(query: Query, sentences: list[_Sentence], keyword: KeywordIndex,
                    embeddings: Embeddings) -> dict[str, float]:
    weights = _term_weights(query, keyword)
    qv = np.asarray(embeddings.embed_query(query.standalone))
    sv = np.asarray(embeddings.embed_documents([s.text for s in sentences]))
    dense = sv @ qv
    lo, hi = float(dense.min()), float(dense.max())
    wants_number = bool(_QUANTITY_RE.search(query.question) or _QUANTITY_RE.search(query.standalone))
    for s, d in zip(sentences, dense):
        s.coverage, s.covered = _coverage(s.norm, weights, query.expansion)
        dense_rel = (float(d) - lo) / (hi - lo) if hi > lo else 0.5
        prior = 1.0 / (1.0 + 0.25 * s.hit_rank)
        bonus = 0.15 if wants_number and _NUMBER_RE.search(s.text) else 0.0
        s.score = 0.45 * s.coverage + 0.35 * dense_rel + 0.10 * prior + bonus
    return weights


def select(query: Query, sentences: list[_Sentence], opts: AnswerOptions) -> list[_Sentence]:
    """Greedy: the best sentence, then those that add uncovered query terms or score close to it."""
    if not sentences:
        return []
    is_list = bool(_LIST_RE.search(query.question))
    limit = opts.max_list_sentences if is_list else opts.max_sentences
    pool = sorted(sentences, key=lambda s: -s.score)
    chosen = [pool[0]]
    covered = set(pool[0].covered)
    best = pool[0].score
    for s in pool[1:]:
        if len(chosen) >= limit:
            break
        gain = len(s.covered - covered)
        if s.score >= best * opts.keep_ratio or (gain and s.score >= best * (opts.keep_ratio - 0.15)):
            chosen.append(s)
            covered |= s.covered
    return sorted(chosen, key=lambda s: (s.hit.chunk.doc, s.hit.chunk.start + s.a))


def support(query: Query, chosen: list[_Sentence], weights: dict[str, float]) -> float:
    """How well the chosen evidence answers: coverage of the best sentence and of all the
    evidence together, halved when a quantity is asked and no figure is there, or when the
    question names a year the evidence never mentions."""
    if not chosen:
        return 0.0
    best = max(s.coverage for s in chosen)
    union = " ".join(s.norm for s in chosen)
    together, _ = _coverage(union, weights, query.expansion)
    value = 0.6 * best + 0.4 * together
    if _QUANTITY_RE.search(query.question) and not any(_NUMBER_RE.search(s.text) for s in chosen):
        value *= 0.5
    years = set(_YEAR_RE.findall(normalise(query.standalone)))
    if years and not any(y in s.hit.chunk.text for s in chosen for y in years):
        value *= 0.5  # the question is about a year the evidence never mentions
    return value


# ------------------------------------------------------------------------- wording
_WORDS = {
    "zh-Hans": {"according": "根据《{title}》{date}：", "decline":
                "抱歉，现有文档中没有找到这个问题的答案，我不作推测。",
                "covers": "现有文档涉及：{titles}。", "try": "您可以试着问：{q}"},
    "en": {"according": "According to 《{title}》{date}: ", "decline":
           "The indexed documents do not answer this question, so I will not guess.",
           "covers": "They cover: {titles}.", "try": "You could ask: {q}"},
}


def _words(lang: str) -> dict[str, str]:
    if lang == "zh-Hant":
        return {k: to_traditional(v) for k, v in _WORDS["zh-Hans"].items()}
    return _WORDS.get(lang, _WORDS["zh-Hans"])


def _date_note(date: str, lang: str) -> str:
    if not date:
        return ""
    return f" ({date})" if lang == "en" else f"（{date}）"


def compose(query: Query, chosen: list[_Sentence]) -> tuple[str, tuple[Citation, ...]]:
    """Answer text with a [n] after each cited sentence, grouped by document with a lead-in."""
    words = _words(query.lang)
    citations: list[Citation] = []
    parts: list[str] = []
    current_doc = None
    as_list = len(chosen) > 3
    for s in chosen:
        c = s.hit.chunk
        start, end = c.source_span(s.a, s.b)
        n = len(citations) + 1
        citations.append(Citation(n=n, doc=c.doc, title=c.title, quote="", chunk_id=c.id,
                                  start=start, end=end, date=c.meta.get("date", ""),
                                  heading=c.heading, page=c.page))
        if c.doc != current_doc:
            lead = words["according"].format(title=c.title, date=_date_note(c.meta.get("date", ""), query.lang))
            parts.append(("\n" if parts else "") + lead + ("\n" if as_list else ""))
            current_doc = c.doc
        line = f"{s.text}[{n}]"
        parts.append(f"- {line}\n" if as_list else line)
    return "".join(parts).strip(), tuple(citations)


def decline_text(query: Query, hits: list[Hit]) -> tuple[str, tuple[str, ...]]:
    words = _words(query.lang)
    titles = list(dict.fromkeys(f"《{h.chunk.title}》" for h in hits[:5]))
    suggestions = []
    for h in hits[:6]:
        topic = (h.chunk.heading.split(" › ")[-1] if h.chunk.heading else "").strip()
        topic = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[)）、.．]?", "", topic)
        if not topic:
            continue
        q = (f"What does 《{h.chunk.title}》 say about {topic}?" if query.lang == "en"
             else f"《{h.chunk.title}》中关于“{topic}”是怎么规定的？")
        if query.lang == "zh-Hant":
            q = to_traditional(q)
        if q not in suggestions:
            suggestions.append(q)
        if len(suggestions) >= 3:
            break
    text = words["decline"]
    if titles:
        text += " " + words["covers"].format(titles="、".join(titles[:3]))
    if suggestions:
        text += " " + words["try"].format(q=suggestions[0])
    return text, tuple(suggestions)


def extractive_answer(query: Query, hits: list[Hit], keyword: KeywordIndex, embeddings: Embeddings,
                      document_text, opts: AnswerOptions = AnswerOptions()) -> Answer:
    """`document_text(doc)` returns the original text, for exact quotes."""
    sentences = candidate_sentences(hits, opts.answer_chunks)
    weights = score_sentences(query, sentences, keyword, embeddings) if sentences else {}
    chosen = select(query, sentences, opts)
    if not chosen or support(query, chosen, weights) < opts.min_support:
        text, suggestions = decline_text(query, hits)
        return Answer(text=text, citations=(), hits=tuple(hits), declined=True,
                      query=query.standalone, suggestions=suggestions)
    text, citations = compose(query, chosen)
    citations = tuple(attach_quotes(citations, document_text))
    return Answer(text=text, citations=citations, hits=tuple(hits), declined=False,
                  query=query.standalone)


def attach_quotes(citations, document_text):
    """Fill each citation's quote with the exact original span it points to."""
    from dataclasses import replace

    for c in citations:
        original = document_text(c.doc)
        yield replace(c, quote=original[c.start:c.end] if original else "")
