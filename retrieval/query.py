"""The analysed question (`Query`): language, standalone form after follow-up rewriting, keyword
tokens, English → Chinese expansion, places and names; and the text embedded for dense search."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from core.figures import chinese_number, numeral_value
from core.script import normalise
from retrieval.chinese_terms import VALIDITY_WORDS, corpus_tokens, equivalents, place_names, proper_nouns
from retrieval.english import GENERIC_NAME_PARTS, expand_english
from retrieval.followup import condense
from retrieval.intent import Intent, read_intent
from core.script import HAN_RE, LATIN_RE, detect_lang
from retrieval.tokens import question_tokens, tokenize


@dataclass(frozen=True)
class Query:
    question: str  # as asked
    standalone: str  # after follow-up rewriting
    lang: str
    normalised: str  # Simplified, half-width, lower case
    tokens: tuple[str, ...]  # keyword tokens (with expansions for English)
    expansion: tuple[str, ...] = ()
    places: tuple[str, ...] = ()  # places the question is about (weighed by the ranker and decision)
    # English: one group of alternative Chinese terms per English word or phrase.
    groups: tuple[tuple[str, ...], ...] = ()
    group_words: tuple[str, ...] = ()  # the English word or phrase behind each group
    # Names the corpus never mentions (火星, France): no document can answer about them.
    unknown: tuple[str, ...] = ()
    # English content words no corpus word renders: they count as uncovered question words.
    absent_words: tuple[str, ...] = ()
    # The places are written about in separate documents ("in Baisha and in Qinghe"): each is
    # matched by the place prior and answered from its own documents (set by the searcher,
    # which can see the corpus).
    compares_places: bool = False

    @cached_property
    def intent(self) -> Intent:
        """What the question asks (`retrieval.intent`), read once per query on first use."""
        return read_intent(self)


def analyse(question: str, history: list[dict], vocabulary: Callable[[str], bool],
            transliterate: Callable[[str], list[str]] | None = None,
            standalone: str | None = None) -> Query:
    standalone = standalone or condense(question, history)
    lang = detect_lang(question)
    normalised = normalise(standalone)
    tokens = question_tokens(normalised)
    expansion: tuple[str, ...] = ()
    places = place_names(normalised)
    if lang == "en" or LATIN_RE.search(standalone) and not HAN_RE.search(standalone):
        found = expand_english(standalone, vocabulary, transliterate)
        expansion = found.terms
        places = tuple(n for n in found.names if len(n) >= 2)
        tokens = tokens + [t for term in expansion for t in tokenize(term)]
        groups = tuple(tuple(terms) for terms in found.by_word.values())
        group_words = tuple(found.by_word)
        numbers = {t: other_numeral_forms(t, vocabulary) for t in tokens if t.isdigit()}
        groups += tuple((t,) + forms for t, forms in numbers.items() if forms)
        group_words += tuple(t for t, forms in numbers.items() if forms)
        unknown = found.unknown_names
        absent_words = found.unmatched
    else:
        groups, group_words, absent_words = (), (), ()
        tokens = corpus_tokens(tokens, vocabulary)
        unknown = proper_nouns(normalise(question))
        alternatives = {t: equivalents(t, vocabulary) + other_numeral_forms(t, vocabulary) for t in dict.fromkeys(tokens)}
        for t in alternatives:
            if t in VALIDITY_WORDS:
                # "Is it still in force?" is answered by the note that repealed it, or by its
                # entry into force: the status words answer one another.
                alternatives[t] = tuple(w for w in VALIDITY_WORDS if w != t and vocabulary(w))
        if any(alternatives.values()):
            # Every word as a group of alternatives (itself and its equivalents), so that one
            # present suffices; the equivalents also search the keyword index.
            groups = tuple((t,) + alts for t, alts in alternatives.items())
            group_words = tuple(alternatives)
            tokens = tokens + [a for alts in alternatives.values() for a in alts if a not in tokens]
    return Query(question=question, standalone=standalone, lang=lang, normalised=normalised,
                 tokens=tuple(tokens), expansion=expansion, places=places, groups=groups,
                 group_words=group_words, unknown=unknown, absent_words=absent_words)


def other_numeral_forms(token: str, vocabulary: Callable[[str], bool]) -> tuple[str, ...]:
    """A whole number of the question in the other numerals, where the corpus uses them: 65 asked
    of 六十五周岁, 十五 of 15日. (Figures are compared by value; this lets the words meet too.)"""
    value = numeral_value(token) if re.fullmatch(r"\d{1,4}|[一二三四五六七八九十百千两]{1,6}", token) else None
    if value is None or value != int(value) or not 10 <= value <= 9999:
        return ()
    other = chinese_number(int(value)) if token.isdigit() else str(int(value))
    return (other,) if other != token and vocabulary(other) else ()


def search_text(query: Query) -> str:
    """What is embedded for dense matching. An English question: its Chinese terms, the best
    rendering of each English word or phrase, then the content words no corpus word renders
    (names it lacks, absent words), in English. The multilingual model matches English to
    Chinese policy text weakly, and the English sentence with every rendering of every word made
    the query embedding 2-3x the tokens of the question (its time grows with them); one rendering
    per word ranked the gold passage higher on dev2's English items (MRR 0.82 → 0.91, same
    hit@5). When the question compares places written about in separate documents, their names
    (with the capitalised name parts after them: Town, County) are left out: a list of place
    names draws the passages that name them (titles, introductions) rather than those stating
    what is asked, and the place prior and the answer's per-place evidence keep each place's
    documents. Chinese questions in the normalised form the chunks were embedded in (a
    Traditional question meets Simplified text as Simplified)."""
    if query.expansion:
        def is_place(word: str, terms: tuple[str, ...]) -> bool:
            return any(t in query.places for t in terms) or (
                word[:1].isupper() and word.lower() in GENERIC_NAME_PARTS)

        words = query.group_words or ("",) * len(query.groups)
        best = [terms[0] for word, terms in zip(words, query.groups)
                if terms and not (query.compares_places and is_place(word, terms))]
        text = " ".join(dict.fromkeys(best + list(query.unknown) + list(query.absent_words)))
        if text:
            return text
    return query.standalone if query.lang == "en" else normalise(query.standalone)
