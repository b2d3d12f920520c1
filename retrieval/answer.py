"""The grounded extractive answerer, stage by stage:

evidence (quotable sentences of the top passages) → scoring (coverage, similarity, figures) →
selection and decision (answer or decline, calibrated, with a reason) → composition (direct
lead, list items, citations). Refusal is decided here, in code, before any LLM call.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from langchain_core.embeddings import Embeddings

from policyqa.records import Answer, Hit
from policyqa.zh import asks_validity, normalise, years_named
from retrieval.compose import (ComposeOptions, article_of, compose, conflict_note, decline_text, find_conflict,
                               is_comparison, is_list_question, is_penalty_question, ordered, penalty_for,
                               newer_version, select, status_evidence, with_items)
from policyqa.zh import find_quantities, item_level
from retrieval.decision import decide
from retrieval.evidence import candidate_sentences, is_headline, rejoined
from retrieval.keyword import KeywordIndex
from retrieval.query import Query
from retrieval.scoring import Scored, ScoringOptions, score_sentences, term_weights


@dataclass(frozen=True)
class AnswerOptions:
    answer_chunks: int = 6  # top passages the answer may draw from (per place compared)
    compare_chunks: int = 10  # …and when the question compares versions, years or documents
    # A compared document joins the answer when its best sentence scores this share of the
    # lead's (a side the question names by its year: `year_side_ratio`). Calibrated on dev+dev2.
    compare_ratio: float = 0.6
    year_side_ratio: float = 0.3
    # A sentence of the lead's document scoring this near the lead is quoted too: the scorer
    # cannot tell which of the two answers.
    tie_ratio: float = 0.9
    # A sentence of the lead's own article covering this share of the lead's question words is
    # quoted too: an article's paragraphs are one rule (the rule, then its exceptions).
    # Calibrated on dev+dev2: scores are flat from 0.6 to 1.0; 1.0 changes the fewest answers.
    article_coverage_ratio: float = 1.0
    threshold: float | None = None  # decision threshold; None = the calibrated model's own
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    compose: ComposeOptions = field(default_factory=ComposeOptions)


def place_groups(places: tuple[str, ...], docs: set[str], mentions) -> list[frozenset[str]]:
    """For a question naming several places, the documents about each place, when they differ:
    each part of such a question is answered from its own documents."""
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


def select_evidence(query: Query, scored: list[Scored], opts: ComposeOptions,
                    groups: list[frozenset[str]]) -> list[Scored]:
    """`select` over all candidates, or per place when the question compares places."""
    if not groups:
        return select(query, scored, opts)
    chosen: list[Scored] = []
    for docs in groups:
        part = [s for s in scored if s.evidence.chunk.doc in docs]
        chosen += [s for s in select(query, part, opts) if s not in chosen]
    return chosen


def comparison_sides(query: Query, hits: list[Hit], mentions) -> list[frozenset[str]]:
    """For a question naming two or more years, the documents of each year: those dated in it,
    or else those naming it; [] when the question names fewer."""
    years = years_named(normalise(query.question))
    if len(years) < 2:
        return []
    dates = {h.chunk.doc: h.chunk.meta.get("date", "") for h in hits}
    sides = []
    for y in years:
        dated = frozenset(d for d, date in dates.items() if date.startswith(y))
        sides.append(dated or frozenset(d for d in dates if mentions is not None and mentions(d, y)))
    return sides


def compared_evidence(query: Query, chosen: list[Scored], scored: list[Scored], sides: list[frozenset[str]],
                      opts: AnswerOptions) -> list[Scored]:
    """For a comparison question, the best sentence of each compared document that the chosen
    evidence leaves out: of each year's documents when years are named and documents are
    dated, else of the other documents that score near the lead (nearer when the question names
    no years). A side is answered by a sentence with a figure of the asked kind, if one is asked."""
    if not chosen:
        return []
    lead = max(s.score for s in chosen)
    have = {s.evidence.chunk.doc for s in chosen}
    out: list[Scored] = []
    if any(sides):  # a side without documents of its year is left unanswered, not guessed
        for side in sides:
            if not side or side & have:
                continue
            part = [s for s in scored if s.evidence.chunk.doc in side and s.figure_fit
                    and s.score >= opts.year_side_ratio * lead]
            if part:
                best = max(part, key=lambda s: s.score)
                out.append(best)
                have.add(best.evidence.chunk.doc)
        return out
    best_of: dict[str, Scored] = {}
    for s in scored:
        d = s.evidence.chunk.doc
        if d not in have and s.figure_fit and (d not in best_of or s.score > best_of[d].score):
            best_of[d] = s
    ratio = opts.year_side_ratio if sides else opts.compare_ratio
    return [s for s in sorted(best_of.values(), key=lambda s: -s.score) if s.score >= ratio * lead][:1]


def _rejoined(chosen: list[Scored]) -> list[Scored]:
    """The chosen sentences with lines a fixed-width layout wrapped joined again, once each."""
    out: list[Scored] = []
    for s in chosen:
        whole = replace(s, evidence=rejoined(s.evidence))
        if not any(o.evidence.source_span() == whole.evidence.source_span() for o in out):
            out.append(whole)
    return out


def near_ties(chosen: list[Scored], scored: list[Scored], ratio: float) -> list[Scored]:
    """The best sentence of the lead's document left out although it scores within `ratio` of
    the lead: the scorer cannot tell which of the two answers, so both are quoted."""
    if not chosen:
        return []
    top = max(chosen, key=lambda s: s.score)
    return [s for s in sorted(scored, key=lambda s: -s.score)
            if s not in chosen and s.evidence.chunk.doc == top.evidence.chunk.doc
            and s.score >= ratio * top.score][:1]


def _plain(e) -> bool:
    """A sentence of running text: no list item, no list intro."""
    return e.intro is None and item_level(e.text) is None and not e.text.rstrip().endswith(("：", ":"))


def same_article_rule(chosen: list[Scored], scored: list[Scored], ratio: float) -> list[Scored]:
    """The best sentence of the lead's article, in a paragraph before the lead's, that covers
    the question nearly as well as the lead (`ratio` of its coverage): a later paragraph (「…可以
    将重点管理区调整为一般管理区」) is an exception, read after the rule it departs from."""
    if not chosen:
        return []
    top = max(chosen, key=lambda s: s.score)
    article = article_of(top.evidence)
    if article is None or not _plain(top.evidence):
        return []  # a list item comes with its list's intro already
    start = top.evidence.source_span()[0]
    before = [s for s in scored if s not in chosen and s.evidence.chunk.doc == top.evidence.chunk.doc
              and s.evidence.source_span()[1] < start and article_of(s.evidence) == article
              and _plain(s.evidence) and s.coverage >= ratio * top.coverage]
    return sorted(before, key=lambda s: -s.score)[:1]


def extractive_answer(query: Query, hits: list[Hit], keyword: KeywordIndex, embeddings: Embeddings,
                      document_text, opts: AnswerOptions = AnswerOptions(), mentions=None,
                      next_chunk=None, in_corpus=None) -> Answer:
    """`document_text(doc)` returns the original text, for exact quotes; `mentions(doc, term)`
    tells whether a document mentions a (normalised) term; `next_chunk(chunk)` returns the chunk
    after it in its document; `in_corpus(term)` whether any document contains the term."""
    in_corpus = in_corpus or keyword.has
    groups = place_groups(query.places, {h.chunk.doc for h in hits}, mentions)
    about_places = (lambda doc: any(mentions(doc, p) for p in query.places)) \
        if query.places and mentions is not None else None
    sentences = candidate_sentences(evidence_hits(hits, opts.answer_chunks, groups), about_places, next_chunk)
    weights = term_weights(query, keyword, in_corpus, opts.scoring)
    scored = score_sentences(query, sentences, weights, embeddings, mentions, opts.scoring)
    chosen = select_evidence(query, scored, opts.compose, groups)
    decision = decide(query, weights, chosen, hits, opts.threshold, mentions=mentions, scored=scored)
    if not decision.answer:
        text, suggestions = decline_text(query, hits, decision.reason)
        return Answer(text=text, citations=(), hits=tuple(hits), declined=True, query=query.standalone,
                      suggestions=suggestions, support=decision.score,
                      declined_because=decision.reason, decision=decision)
    decided = chosen  # the passages the decision weighed lead the retrieved list
    chosen = chosen + near_ties(chosen, scored, opts.tie_ratio)
    chosen = chosen + [s for s in same_article_rule(chosen, scored, opts.article_coverage_ratio) if s not in chosen]
    sides = [] if groups else comparison_sides(query, hits[:opts.compare_chunks], mentions)
    if sides or (not groups and is_comparison(query)):
        # Each compared version, year or document is quoted: the wider passage list is read.
        wide = candidate_sentences(hits[:opts.compare_chunks], about_places, next_chunk)
        wide_scored = score_sentences(query, wide, weights, embeddings, mentions, opts.scoring)
        chosen = chosen + compared_evidence(query, chosen, wide_scored, sides, opts)
    chosen = _rejoined(chosen)
    conflict = None if groups else find_conflict(chosen, weights)  # places compared: no conflict
    gathered = with_items(query, chosen, next_chunk, opts.compose, sentences)
    lead = max(chosen, key=lambda s: s.score).evidence
    if is_penalty_question(query) and not any(
            f.kind in ("money", "ratio") for f in find_quantities(normalise(lead.text))):
        # The lead states a duty but no penalty: the article punishing its breach follows, for
        # the chosen article that best states the question's conduct (most question words).
        for s in sorted(chosen, key=lambda s: -s.coverage)[:3]:
            found = [p for p in penalty_for(s.evidence, query, next_chunk)
                     if not any(g.source_span() == p.source_span() for g in gathered)]
            if found:
                gathered += found
                break
    # Headlines and layout debris say nothing: left out, unless nothing else was found.
    gathered = [e for e in gathered if not is_headline(e)] or gathered
    # "Is it still in force?" is answered by the lead document's status, cited by the sentence
    # stating it (its header's category, its repeal note, its entry-into-force article).
    status = status_evidence(lead.chunk.doc, candidate_sentences(
        [h for h in hits if h.chunk.doc == lead.chunk.doc], None, next_chunk)) \
        if asks_validity(normalise(query.question)) else None
    if status is not None and not any(g.source_span() == status.source_span() for g in gathered):
        gathered.append(status)
    evidence = ordered(gathered, newer_first=conflict is not None)
    # The lead clause comes from the best-scored evidence, or from the newest version when
    # versions of one document disagree.
    best_first = evidence if conflict is not None else [s.evidence for s in sorted(chosen, key=lambda s: -s.score)]
    text, citations = compose(query, evidence, document_text, as_list=is_list_question(query),
                              best_first=best_first, status=status,
                              newer=newer_version(status.chunk, [h.chunk for h in hits]) if status else None)
    if conflict is not None:
        text = conflict_note(query, *conflict) + "\n" + text
    return Answer(text=text, citations=citations, hits=evidence_first(hits, decided), declined=False,
                  query=query.standalone, support=decision.score, decision=decision)


def evidence_first(hits: list[Hit], chosen: list[Scored]) -> tuple[Hit, ...]:
    """The passages the answer is built from lead the retrieved list, best evidence first: the
    sentence scorer reranks what fusion ranked by whole-passage similarity. Their score becomes
    the best fused score plus their best sentence's score, so scores still fall down the list."""
    top = max((h.score for h in hits), default=0.0)
    evidence: dict[str, float] = {}
    for s in chosen:
        cid = s.evidence.chunk.id
        evidence[cid] = max(evidence.get(cid, 0.0), s.score)
    rescored = [Hit(h.chunk, top + evidence[h.chunk.id], h.found_by) if h.chunk.id in evidence else h
                for h in hits]
    return tuple(sorted(rescored, key=lambda h: -h.score))
