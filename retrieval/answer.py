"""The grounded extractive answerer, stage by stage:

evidence (quotable sentences of the top passages) → scoring (coverage, similarity, figures) →
selection and decision (answer or decline, calibrated, with a reason) → composition (direct
lead, list items, citations). Refusal is decided here, in code, before any LLM call.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from langchain_core.embeddings import Embeddings

from core.records import Answer, Evidence, Hit
from core.figures import find_quantities
from core.script import normalise
from retrieval import ranker
from retrieval.compose import ComposeOptions, compose, ordered
from retrieval.context_sentences import with_items
from retrieval.decision import decide
from retrieval.evidence import candidate_sentences, is_headline, rejoined
from retrieval.keyword import KeywordIndex
from retrieval.penalty import lead_order, penalty_candidates, penalty_for
from retrieval.query import Query
from retrieval.scoring import (Scored, ScoringOptions, TermWeights, about_places, score_sentences,
                               sentence_signals, term_weights, with_probabilities)
from retrieval.status import status_evidence
from retrieval.versions import find_conflict, newer_version
from retrieval.wording import conflict_note, decline_text


@dataclass(frozen=True)
class AnswerOptions:
    answer_chunks: int = 6  # top passages the answer may draw from (per place compared)
    compare_chunks: int = 10  # …and when the question compares versions, years or documents
    # A compared document joins the answer when its best sentence scores this share of the
    # lead's (a side the question names by its year: `year_side_ratio`).
    compare_ratio: float = 0.6
    year_side_ratio: float = 0.3
    threshold: float | None = None  # decision threshold; None = the fitted model's own
    model_path: str | None = None  # the answer model; None = retrieval/data/answer_model.json
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    compose: ComposeOptions = field(default_factory=ComposeOptions)


@dataclass(frozen=True)
class Candidates:
    """What the answer stage weighs for one question: the quotable sentences of the evidence
    passages, the question's word weights and every sentence scored by the learned ranker."""

    sentences: list
    weights: TermWeights
    signals: object  # numpy matrix: one row of retrieval.ranker.SENTENCE_FEATURES per sentence
    details: list  # per sentence: (coverage, covered groups, raw similarity, figure fit)
    groups: list

    def scored(self, model: dict) -> list[Scored]:
        """Every sentence with the learned ranker's probability that it holds the answer."""
        return with_probabilities(self.sentences, ranker.predict(model["ranker"], self.signals),
                                  self.details, self.signals)


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


def select(scored: list[Scored], opts: ComposeOptions, selection: dict) -> list[Scored]:
    """The lead — the sentence the learned ranker finds likeliest to hold the answer — then the
    sentences it finds nearly as likely (`selection['keep_ratio']` of the lead's probability,
    chosen on the fitting folds by `eval.train`), at most `max_sentences` in all."""
    if not scored:
        return []
    pool = sorted(scored, key=lambda s: -s.score)
    lead = pool[0]
    keep = [s for s in pool[1:] if s.score >= selection["keep_ratio"] * lead.score
            and s.score >= selection.get("min_prob", 0.0)]
    return [lead] + keep[:opts.max_sentences - 1]


def select_evidence(query: Query, scored: list[Scored], opts: ComposeOptions,
                    groups: list[frozenset[str]], selection: dict) -> list[Scored]:
    """`select` over all candidates, or per place when the question compares places."""
    if not groups:
        return select(scored, opts, selection)
    chosen: list[Scored] = []
    for docs in groups:
        part = [s for s in scored if s.evidence.chunk.doc in docs]
        chosen += [s for s in select(part, opts, selection) if s not in chosen]
    return chosen


def comparison_sides(query: Query, hits: list[Hit], mentions) -> list[frozenset[str]]:
    """For a question naming two or more years, the documents of each year: those dated in it,
    or else those naming it; [] when the question names fewer."""
    years = query.intent.asked_years
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


def gather(query: Query, hits: list[Hit], keyword: KeywordIndex, embeddings: Embeddings,
           opts: AnswerOptions = AnswerOptions(), mentions=None, next_chunk=None,
           in_corpus=None) -> Candidates:
    """The candidate sentences of the top passages with their signals (what the ranker reads;
    `eval.train` fits it on exactly these)."""
    in_corpus = in_corpus or keyword.has
    groups = place_groups(query.places, {h.chunk.doc for h in hits}, mentions)
    passages = evidence_hits(hits, opts.answer_chunks, groups)
    # Every passage's sentences: whether a document is about the places the question names is
    # a signal (`place_fit`), weighed by the learned ranker and decision, not a filter.
    sentences = candidate_sentences(passages, None, next_chunk)
    if query.intent.penalty:
        sentences = penalty_candidates(sentences, next_chunk)
    weights = term_weights(query, keyword, in_corpus, opts.scoring)
    signals, details = sentence_signals(query, sentences, weights, embeddings, mentions,
                                        [h.score for h in passages])
    return Candidates(sentences, weights, signals, details, groups)


def extractive_answer(query: Query, hits: list[Hit], keyword: KeywordIndex, embeddings: Embeddings,
                      document_text, opts: AnswerOptions = AnswerOptions(), mentions=None,
                      next_chunk=None, in_corpus=None) -> Answer:
    """`document_text(doc)` returns the original text, for exact quotes; `mentions(doc, term)`
    tells whether a document mentions a (normalised) term; `next_chunk(chunk)` returns the chunk
    after it in its document; `in_corpus(term)` whether any document contains the term."""
    model = ranker.load(opts.model_path or ranker.MODEL_PATH)
    found = gather(query, hits, keyword, embeddings, opts, mentions, next_chunk, in_corpus)
    sentences, weights, groups = found.sentences, found.weights, found.groups
    scored = found.scored(model)
    chosen = select_evidence(query, scored, opts.compose, groups, model["selection"])
    decision = decide(query, weights, chosen, hits, opts.threshold, model=model["decision"],
                      mentions=mentions, scored=scored, indexed=keyword.n_docs > 0)
    if not decision.answer:
        text, suggestions = decline_text(query, hits, decision.reason)
        return Answer(text=text, citations=(), hits=tuple(hits), declined=True, query=query.standalone,
                      suggestions=suggestions, support=decision.score,
                      declined_because=decision.reason, decision=decision)
    decided = chosen  # the passages the decision weighed lead the retrieved list
    sides = [] if groups else comparison_sides(query, hits[:opts.compare_chunks], mentions)
    if sides or (not groups and query.intent.comparison):
        # Each compared version, year or document is quoted: the wider passage list is read.
        wide = candidate_sentences(hits[:opts.compare_chunks], about_places(query, mentions), next_chunk)
        wide_scored = score_sentences(query, wide, weights, embeddings, mentions,
                                      [h.score for h in hits[:opts.compare_chunks]], model)
        chosen = chosen + compared_evidence(query, chosen, wide_scored, sides, opts)
    chosen = _rejoined(chosen)
    conflict = None if groups else find_conflict(chosen, weights)  # places compared: no conflict
    gathered = with_items(query, chosen, next_chunk, opts.compose, sentences)
    lead = max(chosen, key=lambda s: s.score).evidence
    punishing: list[Evidence] = []  # the articles punishing the breach of a chosen duty
    if query.intent.penalty and not any(
            f.kind in ("money", "ratio") for f in find_quantities(normalise(lead.text))):
        # The lead states a duty but no penalty: the article punishing its breach follows, for
        # the chosen article that best states the question's conduct (most question words).
        for s in sorted(chosen, key=lambda s: -s.coverage)[:3]:
            found = [p for p in penalty_for(s.evidence, query, next_chunk)
                     if not any(g.source_span() == p.source_span() for g in gathered)]
            if found:
                gathered += found
                punishing = found
                break
    # Headlines and layout debris say nothing: left out, unless nothing else was found.
    gathered = [e for e in gathered if not is_headline(e)] or gathered
    # "Is it still in force?" is answered by the lead document's status, cited by the sentence
    # stating it (its header's category, its repeal note, its entry-into-force article).
    status = status_evidence(lead.chunk.doc, candidate_sentences(
        [h for h in hits if h.chunk.doc == lead.chunk.doc], None, next_chunk)) \
        if query.intent.validity else None
    if status is not None and not any(g.source_span() == status.source_span() for g in gathered):
        gathered.append(status)
    evidence = ordered(gathered, newer_first=conflict is not None)
    # The lead clause comes from the best-scored evidence, or from the newest version when
    # versions of one document disagree.
    best_first = evidence if conflict is not None else [s.evidence for s in sorted(chosen, key=lambda s: -s.score)]
    best_first = lead_order(best_first + punishing, query.intent.penalty)
    text, citations = compose(query, evidence, document_text, as_list=query.intent.wants_list,
                              best_first=best_first, status=status,
                              newer=newer_version(status.chunk, [h.chunk for h in hits]) if status else None,
                              opts=opts.compose)
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
