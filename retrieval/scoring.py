"""Scoring: how well each evidence sentence speaks to the question.

Three general signals, combined with weights declared in `ScoringOptions`: idf-weighted coverage
of the question's content words (script-neutral substring match; an English word counts as the
group of its Chinese renderings), the multilingual embedder's similarity between question and
sentence, and the rank of the sentence's passage. A sentence carrying a figure of the kind a
quantity question asks for (money for a fine, days for a deadline) gains a bonus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
from langchain_core.embeddings import Embeddings

from policyqa.records import Evidence
from policyqa.zh import QUANTITY_QUALIFIERS, asked_amount_nouns, asked_quantity, find_figures, names_amount, normalise, years_named
from retrieval.evidence import intro_chain, previous_paragraph
from retrieval.keyword import KeywordIndex
from retrieval.query import Query, is_dictionary_word, search_text


_LATIN = re.compile(r"[a-z0-9'’\-]+")


@dataclass(frozen=True)
class ScoringOptions:
    """Calibrated by a sweep on dev (shared/gold, 30 items) + dev2 (150 items); see eval/."""

    coverage_weight: float = 0.40
    dense_weight: float = 0.30
    rank_weight: float = 0.25
    figure_bonus: float = 0.15  # a figure of the asked kind, when a quantity is asked
    any_figure_bonus: float = 0.05  # a figure of another kind
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
        present = sum(self.present.values())
        # Groups of another question's weights (a follow-up against its rewrite) count nothing.
        return sum(self.present.get(g, 0.0) for g in covered) / present if present else 0.0

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
    if asked_quantity(normalise(query.question)) or asked_quantity(query.normalised):
        # "At most", "the cap": the figure answers them (限养两只 is the most one may keep), so
        # they are no topic words a sentence must repeat.
        groups = [(g, w) for g, w in groups if not all(t in QUANTITY_QUALIFIERS for t in g)]
    rewritten = query.standalone != query.question
    asked = normalise(query.question)
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
        elif not (len(group) == 1 and group[0].isdigit()):
            absent[group[0]] = unseen * boost * short
    for word in query.absent_words:
        absent.setdefault(word, unseen)
    return TermWeights(present, absent)


def _context(e: Evidence, query: Query, mentions) -> str:
    """The sentence as evidence: the title's words gain nothing (the title heads every passage
    of its document), a list item is read with the sentences introducing its list (and the
    lists around it), and a place or a year the question names counts as covered in a document
    about it (its text, header or date names it)."""
    norm = normalise("".join(i.text for i in intro_chain(e)) + e.text)
    title = normalise(e.chunk.title)
    context = norm.replace(title, " ") if len(title) >= 6 else norm
    if mentions is not None:
        anchors = query.places + years_named(query.normalised)
        context += " " + " ".join(a for a in anchors if mentions(e.chunk.doc, a))
    return context


def _own_words(e: Evidence, heading: bool = True) -> str:
    """A sentence with what it is read with: the sentence introducing its list (its figure may
    stand there), the paragraph it refers to (「达前项数额」) and, for what a figure is said of,
    its section heading (「二、登记费」 heads the fees below it) — never the document title."""
    intro = e.intro.text if e.intro is not None else ""
    text = "".join(p.text for p in previous_paragraph(e)) + intro + e.text
    return normalise(text + " " + (e.chunk.heading or "") if heading else text)


def score_sentences(query: Query, sentences: list[Evidence], weights: TermWeights,
                    embeddings: Embeddings, mentions=None,
                    opts: ScoringOptions = ScoringOptions()) -> list[Scored]:
    if not sentences:
        return []
    qv = np.asarray(embeddings.embed_query(search_text(query)))
    # Chunks are embedded in their normalised form (Simplified, half-width): sentences and
    # questions too, so a Traditional question meets Simplified text (and the reverse) alike.
    sv = np.asarray(embeddings.embed_documents([normalise(e.text) for e in sentences]))
    dense = sv @ qv
    lo, hi = float(dense.min()), float(dense.max())
    kinds = asked_quantity(normalise(query.question)) or asked_quantity(query.normalised)
    nouns = asked_amount_nouns(normalise(query.question)) or asked_amount_nouns(query.normalised)
    out = []
    for e, d in zip(sentences, dense):
        coverage, covered = weights.coverage(_context(e, query, mentions))
        found = {f.kind for f in find_figures(_own_words(e, heading=False))}
        fit = kinds is None or bool(found & kinds) and names_amount(_own_words(e), nouns)
        bonus = (opts.figure_bonus if kinds and fit else opts.any_figure_bonus if kinds and found else 0.0)
        dense_rel = (float(d) - lo) / (hi - lo) if hi > lo else 0.5
        score = (opts.coverage_weight * coverage + opts.dense_weight * dense_rel
                 + opts.rank_weight / (1.0 + 0.5 * e.rank) + bonus)
        out.append(Scored(e, score, coverage, covered, float(d), fit))
    return out
