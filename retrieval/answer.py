"""The grounded extractive answerer: picks the sentences that carry the asked-for facts from the
retrieved passages, keeps them in document order and cites each one; declines, by score and in
code, when the evidence does not cover the question."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from policyqa.zh import normalise, to_traditional
from policyqa.records import Answer, Chunk, Citation, Hit
from retrieval.keyword import KeywordIndex
from retrieval.tokens import FIGURE_RE, figures
from retrieval.query import Query, search_text

_SENT_RE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+[”’」』）)]*)?")
_SENT_END_RE = re.compile(r"[。！？!?；;:：][”’」』）)]*\s*$|\n\s*$")
_NUMBER_RE = re.compile(r"\d|[零一二两三四五六七八九十百千万亿]+(?:个|名|户|人|元|次|级|项|条|场|所|家|批|年|月|日|天|%|‰)")
_YEAR_RE = re.compile(r"(?:19|20)\d{2}")
# The question asks for a quantity: the answer must then carry a figure.
_QUANTITY_RE = re.compile(
    r"多少|几[个名户人项条次级场所家天年月]?|多大|多长|多高|比例|百分之|金额|数量|规模|标准是"
    r"|how (many|much|long|large|big)|what (percentage|proportion|share|amount|number)|number of|amount",
    re.I)
# "多少个就业岗位" / "几个工作组": the thing counted, after the question word and a measure word.
_COUNTED_RE = re.compile(r"(?:多少|几)[个名户人场份条项篇盏家所次位批座]([\u4e00-\u9fff]{2,16})")
_FIGURE_RE = re.compile(r"\d+(?:\.\d+)?|[一二两三四五六七八九十百千万]+[个名户人场份条项篇盏家所次位批座]")
_LIST_RE = re.compile(r"哪些|分别|各|包括|几个方面|哪几|措施|做法|要求|怎么|如何|what are|which|list|compare|how (do|does|did|should|to)\b", re.I)


# A one-character token (镇, 站) is matched as a substring of any word containing it, so it is
# far weaker evidence than its token idf suggests.
SINGLE_CHAR_WEIGHT = 0.3


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
    # A sentence cut by the chunk boundary goes on in the next chunk, up to `tail_end` there.
    tail: Chunk | None = None
    tail_end: int = 0

    def source_span(self) -> tuple[int, int]:
        """Original-document span of the whole sentence, continuation included."""
        start, end = self.hit.chunk.source_span(self.a, self.b)
        if self.tail is not None:
            end = self.tail.source_span(0, self.tail_end)[1]
        return start, end


def _grams(key: str) -> set[str]:
    return {key[i:i + 3] for i in range(max(1, len(key) - 2))}


def _continuation(chunk: Chunk, next_chunk) -> tuple[Chunk, str] | None:
    """The rest of a sentence that a long-sentence split cut at the end of `chunk`: the next
    chunk then starts exactly where this one ends (overlapping chunks start earlier)."""
    if next_chunk is None or _SENT_END_RE.search(chunk.text):
        return None
    following = next_chunk(chunk)
    if following is None or following.start != chunk.end:
        return None
    m = _SENT_RE.match(following.text)
    return (following, m.group().rstrip()) if m else None


def candidate_sentences(hits: list[Hit], mentions=None, places: tuple[str, ...] = (),
                        next_chunk=None) -> list[_Sentence]:
    """Sentences of the passages, without fragments and near-repeats (chunk overlap, an
    editor's note restating the body); when the question names places, only from documents
    that mention one of them. A sentence cut at a chunk's end is completed from the next."""
    out: list[_Sentence] = []
    seen: list[tuple[set[str], dict]] = []
    for rank, hit in enumerate(hits):
        if places and mentions is not None and not any(mentions(hit.chunk.doc, p) for p in places):
            continue
        matches = list(_SENT_RE.finditer(hit.chunk.text))
        for i, m in enumerate(matches):
            text = m.group().strip()
            tail = _continuation(hit.chunk, next_chunk) if i == len(matches) - 1 else None
            if tail is not None:
                text += tail[1]
            key = re.sub(r"\W", "", normalise(text))
            if len(key) < 6:
                continue
            grams, numbers = _grams(key), figures(key)
            # A near-repeat with other figures is no repeat: it may be a newer version's change.
            if any(len(grams & g) >= 0.8 * min(len(grams), len(g)) and numbers == n for g, n in seen):
                continue
            seen.append((grams, numbers))
            a = m.start() + (len(m.group()) - len(m.group().lstrip()))
            b = a + len(m.group().strip())
            out.append(_Sentence(rank, hit, a, b, text, normalise(text),
                                 tail=tail[0] if tail else None, tail_end=len(tail[1]) if tail else 0))
    return out


def _term_weights(query: Query, keyword: KeywordIndex) -> dict[tuple[str, ...], float]:
    """Weighted query terms, each a group of alternatives of which one present suffices: a
    Chinese token is its own group; an English word is the group of its Chinese renderings.
    Words of the question as asked weigh double when the query was rewritten from a follow-up."""
    # (group, the words of the question it stands for)
    groups: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
        ((t,), (t,)) for t in dict.fromkeys(query.tokens)
        if t not in query.expansion and not _is_inside(t, query.groups)]
    groups += [(g, (w,)) for g, w in zip(query.groups, query.group_words or [""] * len(query.groups))]
    rewritten = query.standalone != query.question
    asked = normalise(query.question)
    weights: dict[tuple[str, ...], float] = {}
    for group, words in groups:
        w = max((keyword.idf(t) for t in group if keyword.has(t)), default=0.0)
        if not w:
            continue
        if rewritten and any(t and t.lower() in asked for t in group + words):
            w *= 2.0
        if all(len(t) == 1 for t in group):
            w *= SINGLE_CHAR_WEIGHT
        weights[group] = w
    return weights


def _is_inside(token: str, groups: tuple[tuple[str, ...], ...]) -> bool:
    return any(token in term for group in groups for term in group)


def _coverage(norm_text: str, weights: dict[tuple[str, ...], float]) -> tuple[float, frozenset]:
    """Share of the query's weight whose terms occur in the text (substring, script-neutral)."""
    if not weights:
        return 0.0, frozenset()
    covered = frozenset(g for g in weights if any(t in norm_text for t in g))
    return sum(weights[g] for g in covered) / sum(weights.values()), covered


def score_sentences(query: Query, sentences: list[_Sentence], keyword: KeywordIndex,
                    embeddings: Embeddings, mentions=None) -> dict[tuple[str, ...], float]:
    weights = _term_weights(query, keyword)
    qv = np.asarray(embeddings.embed_query(search_text(query)))
    sv = np.asarray(embeddings.embed_documents([s.text for s in sentences]))
    dense = sv @ qv
    lo, hi = float(dense.min()), float(dense.max())
    wants_number = bool(_QUANTITY_RE.search(query.question) or _QUANTITY_RE.search(query.standalone))
    for s, d in zip(sentences, dense):
        # The title heads every passage of its document: a sentence repeating it (the title
        # line, a by-line) gains no evidence from it.
        title = normalise(s.hit.chunk.title)
        context = s.norm.replace(title, " ") if len(title) >= 6 else s.norm
        if mentions is not None and query.places:
            # A place the question names counts as covered in a document about that place,
            # even where the sentence itself does not repeat the name.
            context += " " + " ".join(p for p in query.places if mentions(s.hit.chunk.doc, p))
        s.coverage, s.covered = _coverage(context, weights)
        dense_rel = (float(d) - lo) / (hi - lo) if hi > lo else 0.5
        prior = 1.0 / (1.0 + 0.5 * s.hit_rank)
        bonus = 0.15 if wants_number and _NUMBER_RE.search(s.text) else 0.0
        s.score = 0.40 * s.coverage + 0.30 * dense_rel + 0.25 * prior + bonus
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
    chosen = _with_continuations(chosen, sentences)
    return sorted(chosen, key=lambda s: (s.hit.chunk.doc, s.hit.chunk.start + s.a))


def place_groups(places: tuple[str, ...], docs: set[str], mentions) -> list[frozenset[str]]:
    """For a question naming several places ("晋安区和五华区…", "Jin'an … and Liuyuan …"), the
    documents about each place, when they differ: each part of such a question is answered
    from its own documents."""
    if mentions is None or len(places) < 2:
        return []
    groups: list[frozenset[str]] = []
    for place in places:
        group = frozenset(d for d in docs if mentions(d, place))
        if group and group != docs and group not in groups:
            groups.append(group)
    return groups if len(groups) >= 2 else []


def evidence_hits(hits: list[Hit], n_chunks: int, groups: list[frozenset[str]]) -> list[Hit]:
    """The passages answers are drawn from: the top `n_chunks`, or the top `n_chunks` of each
    place's documents when the question compares places."""
    if not groups:
        return hits[:n_chunks]
    keep = {h.chunk.id for docs in groups for h in [h for h in hits if h.chunk.doc in docs][:n_chunks]}
    return [h for h in hits if h.chunk.id in keep]


def select_evidence(query: Query, sentences: list[_Sentence], opts: AnswerOptions,
                    groups: list[frozenset[str]]) -> list[_Sentence]:
    """`select` over all candidates, or per place when the question compares places."""
    if not groups:
        return select(query, sentences, opts)
    chosen: list[_Sentence] = []
    for docs in groups:
        part = [s for s in sentences if s.hit.chunk.doc in docs]
        chosen += [s for s in select(query, part, opts) if s not in chosen]
    return sorted(chosen, key=lambda s: (s.hit.chunk.doc, s.hit.chunk.start + s.a))


def _with_continuations(chosen: list[_Sentence], sentences: list[_Sentence]) -> list[_Sentence]:
    """A chosen heading or lead-in ("坚持“8433”创建思路", "…如下：") says little by itself: the
    sentences that follow it in the same passage carry the content, so they come along."""
    out = list(chosen)
    for s in chosen:
        if len(s.text) >= 30 and not s.text.endswith(("：", ":")):
            continue
        following = sorted((t for t in sentences if t.hit is s.hit and t.a >= s.b), key=lambda t: t.a)
        for t in following[:2]:
            if t not in out:
                out.append(t)
    return out


def support(query: Query, chosen: list[_Sentence], weights: dict[tuple[str, ...], float]) -> float:
    """How well the chosen evidence answers: coverage of the best sentence and of all the
    evidence together, halved when a quantity is asked and no figure is there, or when the
    question names a year the evidence never mentions."""
    if not chosen:
        return 0.0
    best = max(s.coverage for s in chosen)
    together = sum(weights[g] for g in frozenset().union(*(s.covered for s in chosen))) / max(
        1e-9, sum(weights.values()))
    value = 0.6 * best + 0.4 * together
    if _QUANTITY_RE.search(query.question) and not any(_NUMBER_RE.search(s.text) for s in chosen):
        value *= 0.5
    elif not _counted_things_found(query, chosen):
        value *= 0.5  # figures are there, but none counts the thing asked about
    years = set(_YEAR_RE.findall(normalise(query.question)))
    if years and not any(y in s.hit.chunk.text for s in chosen for y in years):
        value *= 0.5  # the question is about a year the evidence never mentions
    value *= 0.25 ** len(query.unknown)  # names (France, 北京) that no document mentions
    return value


def _counted_head(phrase: str) -> str:
    """The noun counted in "多少个<phrase>": after the last 的, before any verb or particle;
    the last two words of a compound (示范社区, 就业岗位)."""
    import jieba

    phrase = re.split(r"[，,、？?。和与及]", phrase)[0].split("的")[-1]
    phrase = re.split(r"被|把|将|在|是|有|为|给|了|来|去|进行|作为|上", phrase)[0]
    words = [w for w in jieba.lcut(phrase) if w.strip()]
    if not words:
        return ""
    head = "".join(words[-2:]) if len(words) >= 3 or len(words[-1]) == 1 else words[-1]
    return head if len(head) >= 2 else ""


def _counted_things_found(query: Query, chosen: list[_Sentence], window: int = 12) -> bool:
    """For "多少个X" questions: some evidence sentence has a figure within a few characters of
    X's head noun. Without it the figures present count something else."""
    from retrieval.tokens import tokenize

    for m in _COUNTED_RE.finditer(normalise(query.question)):
        head = _counted_head(m.group(1))
        if not head:
            continue
        for s in chosen:
            for hm in re.finditer(re.escape(head), s.norm):
                around = s.norm[max(0, hm.start() - window): hm.end() + window]
                if _FIGURE_RE.search(around):
                    return True
        return False
    return True


# ------------------------------------------------------------------------- conflicts
@dataclass(frozen=True)
class Conflict:
    newer: Chunk  # a passage of the preferred (newer) document
    older: Chunk


def find_conflict(chosen: list[_Sentence], weights: dict[tuple[str, ...], float]) -> Conflict | None:
    """Two documents of different dates whose chosen sentences speak of the same thing (the
    same query terms covered) with different figures in the same unit."""
    for s in chosen:
        for t in chosen:
            ds, dt = s.hit.chunk.meta.get("date", ""), t.hit.chunk.meta.get("date", "")
            if s.hit.chunk.doc == t.hit.chunk.doc or not ds or not dt or ds <= dt:
                continue
            shared = s.covered & t.covered
            if sum(weights.get(g, 0.0) for g in shared) < 0.5 * min(
                    sum(weights.get(g, 0.0) for g in s.covered), sum(weights.get(g, 0.0) for g in t.covered)):
                continue
            fs, ft = figures(s.norm), figures(t.norm)
            if any(fs[u].isdisjoint(ft[u]) for u in fs.keys() & ft.keys()):
                return Conflict(newer=s.hit.chunk, older=t.hit.chunk)
    return None


def newer_first(chosen: list[_Sentence]) -> list[_Sentence]:
    """Evidence grouped by document, the most recent document first, document order inside."""
    in_order = sorted(chosen, key=lambda s: (s.hit.chunk.doc, s.hit.chunk.start + s.a))
    return sorted(in_order, key=lambda s: s.hit.chunk.meta.get("date", ""), reverse=True)


# ------------------------------------------------------------------------- wording
_WORDS = {
    "zh-Hans": {"according": "根据《{title}》{date}：", "decline":
                "抱歉，现有文档中没有找到这个问题的答案，我不作推测。",
                "covers": "现有文档涉及：{titles}。", "try": "您可以试着问：{q}",
                "conflict": "注意：文件之间的数字不一致。以较新的《{newer}》（{newer_date}）为准；"
                            "较早的《{older}》（{older_date}）给出的数字不同。"},
    "en": {"according": "According to 《{title}》{date}: ", "decline":
           "The indexed documents do not answer this question, so I will not guess.",
           "covers": "They cover: {titles}.", "try": "You could ask: {q}",
           "conflict": "Note: the documents give different figures. The newer 《{newer}》 "
                       "({newer_date}) is preferred; the older 《{older}》 ({older_date}) differs."},
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
        start, end = s.source_span()
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
    text = "".join(parts).strip()
    if query.lang == "en" and _QUANTITY_RE.search(query.question):
        text = _english_figures(chosen) + text
    return text, tuple(citations)


def _english_figures(chosen: list[_Sentence], limit: int = 10) -> str:
    """An English lead for a quantity question: the figures of the cited sentences, as the
    documents write them, each with its citation; the Chinese sentences follow as evidence."""
    found: list[str] = []
    for n, s in enumerate(chosen, 1):
        for m in FIGURE_RE.finditer(s.text):
            figure = m.group().strip()
            if _YEAR_RE.fullmatch(figure) or len(found) >= limit:
                continue  # a bare year is a date, not an asked-for quantity
            item = f"{figure} [{n}]"
            if item not in found:
                found.append(item)
    return f"Figures in the cited passages: {'; '.join(found)}.\n" if found else ""


def conflict_note(query: Query, conflict: Conflict) -> str:
    n, o = conflict.newer, conflict.older
    return _words(query.lang)["conflict"].format(newer=n.title, newer_date=n.meta.get("date", ""),
                                                 older=o.title, older_date=o.meta.get("date", ""))


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
                      document_text, opts: AnswerOptions = AnswerOptions(), mentions=None,
                      next_chunk=None) -> Answer:
    """`document_text(doc)` returns the original text, for exact quotes; `mentions(doc, term)`
    tells whether a document mentions a (normalised) term anywhere; `next_chunk(chunk)` returns
    the chunk after it in its document."""
    groups = place_groups(query.places, {h.chunk.doc for h in hits}, mentions)
    sentences = candidate_sentences(evidence_hits(hits, opts.answer_chunks, groups),
                                    mentions, query.places, next_chunk)
    weights = score_sentences(query, sentences, keyword, embeddings, mentions) if sentences else {}
    chosen = select_evidence(query, sentences, opts, groups)
    evidence = support(query, chosen, weights)
    if not chosen or evidence < opts.min_support:
        text, suggestions = decline_text(query, hits)
        return Answer(text=text, citations=(), hits=tuple(hits), declined=True,
                      query=query.standalone, suggestions=suggestions, support=evidence)
    conflict = None if groups else find_conflict(chosen, weights)  # places compared: no conflict
    if conflict is not None:
        chosen = newer_first(chosen)
    text, citations = compose(query, chosen)
    if conflict is not None:
        text = conflict_note(query, conflict) + "\n" + text
    citations = tuple(attach_quotes(citations, document_text))
    return Answer(text=text, citations=citations, hits=evidence_first(hits, chosen), declined=False,
                  query=query.standalone, support=evidence)


def evidence_first(hits: list[Hit], chosen: list[_Sentence]) -> tuple[Hit, ...]:
    """The passages the answer is built from lead the retrieved list, best evidence first: the
    sentence scorer reranks what fusion ranked by whole-passage similarity. Their score becomes
    the best fused score plus their best sentence's score, so scores still fall down the list."""
    top = max((h.score for h in hits), default=0.0)
    evidence: dict[str, float] = {}
    for s in chosen:
        evidence[s.hit.chunk.id] = max(evidence.get(s.hit.chunk.id, 0.0), s.score)
    rescored = [Hit(h.chunk, top + evidence[h.chunk.id], h.found_by) if h.chunk.id in evidence else h
                for h in hits]
    return tuple(sorted(rescored, key=lambda h: -h.score))


def attach_quotes(citations, document_text):
    """Fill each citation's quote with the exact original span it points to."""
    from dataclasses import replace

    for c in citations:
        original = document_text(c.doc)
        yield replace(c, quote=original[c.start:c.end] if original else "")
