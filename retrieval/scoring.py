"""Scoring: how well each evidence sentence speaks to the question.

Each candidate sentence gets a row of frozen signals (`sentence_signals`): idf-weighted coverage
of the question's content words (script-neutral substring match; an English word counts as the
group of its Chinese renderings), the multilingual embedder's similarity between question and
sentence, its passage's rank and score, figures of the asked kind, its neighbours' coverage…
The learned ranker (`retrieval/ranker.py`, fitted by `python -m eval.train`) turns the row into
the probability that the sentence holds the answer; no weight here is set by hand.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
from langchain_core.embeddings import Embeddings

from core.records import Evidence
from core.figures import find_quantities, is_fine, is_figure
from core.headings import item_level
from core.script import normalise
from retrieval.question_patterns import QUANTITY_QUALIFIERS, names_amount
from retrieval.evidence import ends_with_colon, intro_chain, previous_paragraph
from retrieval.keyword import KeywordIndex
from retrieval.overlap import (bigrams, chars, common_run, distinct_characters, distinctive_shares,
                               pairs_beyond_title, words_beyond_title)
from retrieval.chinese_terms import is_dictionary_word
from retrieval.query import Query, search_text


_LATIN = re.compile(r"[a-z0-9'’\-]+")


@dataclass(frozen=True)
class ScoringOptions:
    """How the question's words are weighed for coverage."""

    # A one-character token (镇, 站) matches inside any word containing it: weak evidence.
    single_char_weight: float = 0.3
    asked_word_weight: float = 2.0  # words of a follow-up as asked, over those of the rewrite


# Function characters: a window with one of them inside (费和滥用, 违反本法) joins two phrases,
# it writes out no word.
_FUNCTION_CHARS = frozenset("和与及或的之其本并而且对于以被把将所该此这那")


@lru_cache(maxsize=4096)
def _word_starts(norm_text: str) -> frozenset[int]:
    import jieba

    return frozenset(a for _, a, _ in jieba.tokenize(norm_text))


def _abbreviates(word: str, norm_text: str) -> bool:
    """A two-character dictionary word as the short form of a four-character phrase the text
    writes out: its first and last characters (禁放 for 禁止燃放, 高校 for 高等学校). Only
    dictionary words (a segmentation artefact such as 走后 abbreviates nothing), and only the
    four-character form: a three-character one (老人 in 老年人) is most often another word. The
    phrase starts where the segmenter starts a word (费 of 乱收费 begins none) and holds no
    function character (费和滥用, 违反本法 are two phrases, not one written out)."""
    if not (len(word) == 2 and "\u4e00" <= word[0] <= "\u9fff" and "\u4e00" <= word[1] <= "\u9fff"
            and is_dictionary_word(word)):
        return False
    for m in re.finditer("(?=(" + re.escape(word[0]) + r"[\u4e00-\u9fff]{2}" + re.escape(word[1]) + "))", norm_text):
        window = m.group(1)
        if _FUNCTION_CHARS.isdisjoint(window[1:3]) and m.start() in _word_starts(norm_text):
            return True
    return False


@dataclass(frozen=True)
class TermWeights:
    """The question's content words. `present`: groups of alternatives (one present suffices)
    that the corpus uses, by idf; `absent`: words no document contains, at the idf of an unseen
    word — they can never be covered, which is what an out-of-scope question looks like."""

    present: dict
    absent: dict
    # How much more a follow-up's own words weigh than its rewrite's (1 for a question asked
    # alone): the same boost `present` holds for words, for signals read on characters.
    asked_boost: float = 1.0

    @property
    def total(self) -> float:
        return sum(self.present.values()) + sum(self.absent.values())

    def absent_share(self) -> float:
        return sum(self.absent.values()) / self.total if self.total else 0.0

    def coverage(self, norm_text: str) -> tuple[float, frozenset]:
        """Share of the weight of the words the corpus uses whose terms occur in the text (the
        words it lacks are measured apart, by `absent_share`)."""
        covered = frozenset(g for g in self.present if any(t in norm_text or _abbreviates(t, norm_text) for t in g))
        return self.share(covered), covered

    def share(self, covered: frozenset) -> float:
        present = math.fsum(self.present.values())
        # Groups of another question's weights (a follow-up against its rewrite) count nothing.
        # fsum: a set's order follows the hash seed, and a plain sum's last bit with it.
        return math.fsum(self.present.get(g, 0.0) for g in covered) / present if present else 0.0

    def key_share(self, covered: frozenset, n: int = 2) -> float:
        """Share of the question's `n` rarest (highest-idf) corpus words that are covered: the
        words that say what is specific about the question."""
        keys = sorted(self.present, key=self.present.get, reverse=True)[:n]
        return sum(1 for g in keys if g in covered) / len(keys) if keys else 0.0


@dataclass(frozen=True)
class Scored:
    evidence: Evidence
    score: float
    coverage: float
    covered: frozenset
    dense: float  # raw cosine similarity to the question
    # Carries a figure of the asked kind said of the asked kind of sum (or no quantity is asked).
    figure_fit: bool
    signals: tuple[float, ...] = ()  # its row of retrieval.ranker.SENTENCE_FEATURES


def term_weights(query: Query, keyword: KeywordIndex, in_corpus: Callable[[str], bool],
                 opts: ScoringOptions = ScoringOptions()) -> TermWeights:
    english = bool(query.groups) or query.lang == "en"
    groups: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
        ((t,), (t,)) for t in dict.fromkeys(query.tokens)
        if t not in query.expansion and not any(t in term for g in query.groups for term in g)
        # An English question's words are weighed through their Chinese renderings (groups)
        # and, where none exists, as absent words: never as tokens no Chinese text can contain.
        and not (english and _LATIN.fullmatch(t) and not t.isdigit())]  # a number is any script's
    groups += [(g, (w,)) for g, w in zip(query.groups, query.group_words or [""] * len(query.groups))]
    if query.intent.quantity:
        # "At most", "the cap": the figure answers them (限养两只 is the most one may keep), so
        # they are no topic words a sentence must repeat.
        groups = [(g, w) for g, w in groups if not all(t in QUANTITY_QUALIFIERS for t in g)]
    rewritten = query.standalone != query.question
    asked = query.intent.asked
    unseen = keyword.idf("\0")
    present: dict[tuple[str, ...], float] = {}
    absent: dict[str, float] = {}
    for group, words in groups:
        known = [t for t in group if keyword.has(t) or in_corpus(t)]
        boost = opts.asked_word_weight if rewritten and any(
            t and t.lower() in asked for t in group + words) else 1.0
        short = opts.single_char_weight if all(len(t) == 1 for t in group) else 1.0
        if known:
            present[group] = max(keyword.idf(t) for t in known) * boost * short
        elif not (len(group) == 1 and is_figure(group[0])):  # figures are compared by value
            absent[group[0]] = unseen * boost * short
    for word in query.absent_words:
        absent.setdefault(word, unseen)
    return TermWeights(present, absent, opts.asked_word_weight if rewritten else 1.0)


def _contexts(e: Evidence, query: Query, mentions) -> tuple[str, str]:
    """The sentence as evidence, read two ways: (in its document, as said). Both read a list item
    with the sentences introducing its list (and the lists around it), and count a place or a year
    the question names as covered in a document about it (its text, header or date names it).
    Read in its document (how the ranker tells which sentence answers), the document's title counts
    as said: every passage of it is about what the title names, so a sentence answering what is
    asked of the subject need not repeat its name, and the candidates of one document are told
    apart by the rest of the question. As said (what the decision and the comparison of sources
    judge), only what the sentence says counts, a long title it repeats aside (the title heads
    every passage: repeating it says nothing asked)."""
    norm = normalise("".join(i.text for i in intro_chain(e) + list(e.cites)) + e.text)
    title = normalise(e.chunk.title)
    anchors = ""
    if mentions is not None:
        anchors = " " + " ".join(a for a in query.places + query.intent.years if mentions(e.chunk.doc, a))
    said = norm.replace(title, " ") if len(title) >= 6 else norm
    return f"{title} {norm}{anchors}", said + anchors


def _own_words(e: Evidence, heading: bool = True) -> str:
    """A sentence with what it is read with: the sentence introducing its list (its figure may
    stand there), the paragraph it refers to (「达前项数额」) and, for what a figure is said of,
    its section heading (「二、登记费」 heads the fees below it) — never the document title."""
    intro = e.intro.text if e.intro is not None else ""
    text = "".join(p.text for p in previous_paragraph(e) + list(e.cites)) + intro + e.text
    return normalise(text + " " + (e.chunk.heading or "") if heading else text)


def _ranks(values: np.ndarray) -> np.ndarray:
    """0 for the largest value, 1 for the next…"""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=float)
    ranks[order] = np.arange(len(values))
    return ranks


def about_places(query: Query, mentions) -> Callable[[str], bool] | None:
    """Whether a document is about a place the question names (it mentions one of them); None
    when the question names none or places cannot be checked. A signal the ranker and the
    decision weigh, never a filter: a place name read from a question is sometimes no place."""
    if not query.places or mentions is None:
        return None
    return lambda doc: any(mentions(doc, p) for p in query.places)


def _place_fit(query: Query, sentences: list[Evidence], mentions) -> list[float]:
    """1 for a sentence whose document is about a place the question names, or when it names
    none; else 0."""
    about = about_places(query, mentions)
    if about is None:
        return [1.0] * len(sentences)
    by_doc: dict[str, float] = {}
    for e in sentences:
        if e.chunk.doc not in by_doc:
            by_doc[e.chunk.doc] = float(about(e.chunk.doc))
    return [by_doc[e.chunk.doc] for e in sentences]


def sentence_signals(query: Query, sentences: list[Evidence], weights: TermWeights,
                     embeddings: Embeddings, mentions=None, passage_scores: list[float] | None = None
                     ) -> tuple[np.ndarray, list[tuple[float, frozenset, float, bool]]]:
    """The frozen signals of every candidate sentence (`retrieval.ranker.SENTENCE_FEATURES`, one
    row each) and, per sentence, (coverage and covered groups of what it says itself, its
    passage's similarity, figure fit) for the later stages. `passage_scores[rank]` is the
    retrieval score of each evidence passage.

    Similarity is the question's to the sentence's passage, from the passage vectors ingest
    stored (a cache lookup, the query vector is the search's): sentences are never embedded —
    on the fitting folds a sentence's own similarity added nothing to which one answers."""
    from retrieval.ranker import SENTENCE_FEATURES

    if not sentences:
        return np.zeros((0, len(SENTENCE_FEATURES))), []
    qv = np.asarray(embeddings.embed_query(search_text(query)))
    chunks = list({e.chunk.id: e.chunk for e in sentences}.values())
    vectors = np.asarray(embeddings.embed_documents([c.index_text for c in chunks]))
    by_chunk = dict(zip((c.id for c in chunks), (vectors @ qv).tolist()))
    dense = np.asarray([by_chunk[e.chunk.id] for e in sentences])
    hi = float(dense.max())
    kinds = query.intent.quantity
    nouns = query.intent.amount_nouns
    q_pairs = bigrams(query.normalised)
    # A follow-up's own character pairs weigh more than its rewrite's, as its words do in coverage.
    asked_pairs = bigrams(query.intent.asked) if weights.asked_boost != 1.0 else set()
    pair_weight = {u: weights.asked_boost if u in asked_pairs else 1.0 for u in q_pairs}
    pair_total = math.fsum(pair_weight.values())
    top_passage = max(passage_scores or [0.0]) or 1.0
    coverage, own, covered, said, fits, figures = [], [], [], [], [], []
    for e in sentences:
        in_document, as_said = _contexts(e, query, mentions)
        c, cov = weights.coverage(in_document)
        coverage.append(c)
        covered.append(cov)
        said.append(weights.coverage(as_said))
        own.append(weights.coverage(normalise(e.text))[0])
        # Shares written unit first (百分之六十, 三分之二, 过半数) are figures too: policy text sets
        # rates, quotas and votes so, and a question asking a share is answered by them.
        own_words = _own_words(e, heading=False)
        quantities = find_quantities(own_words)
        figures.append(bool(quantities))
        # A fine answers what breaking a rule costs: a question asking a fee, a price or a grant
        # (no penalty asked) is not answered by one.
        found = {f.kind for f in quantities if query.intent.penalty or not is_fine(own_words, f)}
        fits.append(kinds is None or bool(found & kinds) and names_amount(_own_words(e), nouns))
    # Neighbours: the sentences just before and after in the same passage.
    order = sorted(range(len(sentences)), key=lambda i: (sentences[i].chunk.id, sentences[i].a))
    neighbour = [0.0] * len(sentences)
    first = [0.0] * len(sentences)
    for j, i in enumerate(order):
        same = lambda k: 0 <= k < len(order) and sentences[order[k]].chunk.id == sentences[i].chunk.id  # noqa: E731
        neighbour[i] = max([own[order[k]] for k in (j - 1, j + 1) if same(k)], default=0.0)
        first[i] = float(not same(j - 1))
    best_cov = max(coverage) or 1.0
    q_chars = chars(query.normalised)
    texts = [normalise(e.text) for e in sentences]
    pairs = [frozenset(bigrams(t)) for t in texts]
    overlap = [math.fsum(pair_weight[u] for u in q_pairs & p) / pair_total if q_pairs else 0.0 for p in pairs]
    best_overlap = max(overlap) or 1.0
    coverage_rank = _ranks(np.asarray(coverage))
    everyone = [list(range(len(sentences)))]
    by_doc: dict[str, list[int]] = {}
    for i, e in enumerate(sentences):
        by_doc.setdefault(e.chunk.doc, []).append(i)
    # A question word weighs as in coverage (its idf, more for the words a follow-up asks).
    distinct = distinctive_shares(covered, everyone, weights.present)
    distinct_doc = distinctive_shares(covered, list(by_doc.values()), weights.present)
    distinct_pairs = distinctive_shares(pairs, everyone, pair_weight)
    best_pairs = max(distinct_pairs) or 1.0
    place_fit = _place_fit(query, sentences, mentions)
    beyond_title = pairs_beyond_title(query, sentences, pairs)
    words_beyond = words_beyond_title(weights, sentences, [cov for _, cov in said])
    characters = distinct_characters(query, sentences, texts)
    rows = []
    for i, e in enumerate(sentences):
        d = float(dense[i])
        passage = (passage_scores[e.rank] if passage_scores and e.rank < len(passage_scores) else 0.0)
        signal = {
            "coverage": coverage[i], "own_coverage": own[i], "coverage_rel": coverage[i] / best_cov,
            "key_terms": weights.key_share(covered[i]),
            "bigram_overlap": overlap[i], "bigram_rel": overlap[i] / best_overlap,
            "common_run": common_run(q_chars, chars(texts[i])) / len(q_chars) if q_chars else 0.0,
            "neighbour_coverage": neighbour[i],
            "dense": d, "dense_gap": hi - d,
            "coverage_rank_recip": 1.0 / (1.0 + coverage_rank[i]),
            "rank_recip": 1.0 / (1.0 + e.rank), "passage_score_rel": passage / top_passage,
            "asks_quantity": float(kinds is not None),
            "figure_fit": float(kinds is not None and fits[i]), "any_figure": float(figures[i]),
            "log_length": float(np.log1p(len(e.text))),
            "is_item": float(item_level(e.text) is not None),
            "is_intro": float(ends_with_colon(e.text)),
            "first_in_passage": first[i],
            "distinct_coverage": distinct[i], "distinct_coverage_doc": distinct_doc[i],
            "distinct_pairs": distinct_pairs[i], "distinct_pairs_rel": distinct_pairs[i] / best_pairs,
            "place_fit": place_fit[i], "pairs_beyond_title": beyond_title[i],
            "words_beyond_title": words_beyond[i],
            "distinct_chars": characters[i][0], "distinct_chars_rel": characters[i][1],
            "chars_beyond_title": characters[i][2],
        }
        rows.append([signal[f] for f in SENTENCE_FEATURES])
    details = [(*said[i], float(dense[i]), bool(fits[i])) for i in range(len(sentences))]
    return np.asarray(rows, dtype=float), details


def score_sentences(query: Query, sentences: list[Evidence], weights: TermWeights,
                    embeddings: Embeddings, mentions=None, passage_scores: list[float] | None = None,
                    model: dict | None = None) -> list[Scored]:
    """Every candidate sentence with the learned ranker's probability that it holds the answer."""
    from retrieval import ranker

    model = model or ranker.load()
    X, details = sentence_signals(query, sentences, weights, embeddings, mentions, passage_scores)
    return with_probabilities(sentences, ranker.predict(model["ranker"], X), details, X)


def with_probabilities(sentences: list[Evidence], probs, details: list, signals: np.ndarray) -> list[Scored]:
    """Each sentence as `Scored`: its probability of holding the answer, its `details` from
    `sentence_signals` and its row of signals."""
    return [Scored(e, float(p), c, cov, d, fit, tuple(x))
            for e, p, (c, cov, d, fit), x in zip(sentences, probs, details, signals.tolist())]
