"""Chinese questions: their words resolved against the corpus (segmentation artefacts, regional
equivalents) and the places and names they mention."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Callable

from core.places import places_named
from core.script import HAN_RE
from retrieval.dictionary import same_sense_words
from retrieval.tokens import STOPWORDS

EQUIVALENTS_PATH = Path(__file__).parent / "data" / "zh_equivalents.tsv"


@lru_cache(maxsize=1)
def _equivalent_sets() -> dict[str, frozenset[str]]:
    """Word → the other words of its sets in the bundled table of regional and plain-language
    equivalents (狗 → 犬, 罚款 → 罚锾)."""
    out: dict[str, set[str]] = defaultdict(set)
    for line in EQUIVALENTS_PATH.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        words = [w.strip() for w in line.split(",") if w.strip()]
        for w in words:
            out[w].update(x for x in words if x != w)
    return {w: frozenset(v) for w, v in out.items()}


@lru_cache(maxsize=16384)
def _regional_forms(word: str) -> tuple[str, ...]:
    """The word's equivalents from the bundled table. Whole words only: a word made up by
    replacing part of another (遛狗 → 遛犬) is rare where it occurs at all, and would weigh as
    a key word. (OpenCC's regional phrase tables are about computing words, and some of their
    pairs mislead in policy text: 程序 "procedure" → 进程.)"""
    return tuple(sorted(_equivalent_sets().get(word, ())))


def equivalents(token: str, vocabulary: Callable[[str], bool]) -> tuple[str, ...]:
    """Regional equivalents the corpus uses of a Chinese question word the corpus never uses: a
    question in one region's words meets documents in another's (狗 / 犬); failing those, up to
    `SAME_SENSE_WORDS` words the dictionary gives the same first sense (`same_sense_words`: an
    everyday 房子 meets a regulation's 房屋). A word the corpus uses keeps its own weight and
    matches: an equivalent would let documents of another region cover it, and a rarer
    equivalent would weigh it as a key word (罚锾 for 罚款)."""
    if vocabulary(token):
        return ()
    regional = tuple(f for f in _regional_forms(token) if vocabulary(f))
    if regional or len(token) < 2 or not HAN_RE.search(token):
        return regional  # a lone character has too many senses (拉: pull, play, drag…)
    return tuple(w for w in same_sense_words(token) if vocabulary(w))[:SAME_SENSE_WORDS]


SAME_SENSE_WORDS = 3


_ADMIN_SUFFIX = "省市区县镇乡村"
# Common nouns jieba tags as places; they name no particular place.
_NOT_PLACES = frozenset("城市 城镇 城乡 农村 乡村 社区 基层 全国 全省 全市 全区 地方 中央 街道 村居 城区 市区 县城".split())


@lru_cache(maxsize=512)
def pos_tags(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's words and part-of-speech tags, once per text (places and names both need them)."""
    import jieba.posseg as pseg

    return tuple((w, f) for w, f in pseg.lcut(text))


# A noun right after 什么 and heading its phrase (靠什么东西取暖, 什么美德) is the kind of thing
# asked for, no place named; one that modifies the next noun (什么日本企业) still names a place.
# After 哪些 or 哪个 a place usually modifies the next word (哪个日本导演, where jieba may tag
# the noun a verb): only one ending the question is what is asked for (要带哪些东西？).
_WHAT = frozenset("什么 甚么 何种".split())
_WHICH = frozenset("哪些 哪个 哪种 哪一个".split())


def _asked_for(pairs: tuple[tuple[str, str], ...], i: int) -> bool:
    before = pairs[i - 1][0] if i > 0 else ""
    following = pairs[i + 1][1] if i + 1 < len(pairs) else "x"  # the end of the question
    return (before in _WHAT and not following.startswith("n")
            or before in _WHICH and following == "x")


def place_names(normalised: str) -> tuple[str, ...]:
    """Place names in a Chinese question, as stems without the administrative suffix so that
    长春市 also matches 长春: jieba's `ns` words, and any name followed by or ending in an
    administrative suffix (jieba tags 柳园 in 柳园镇 as a person's name)."""
    pairs = pos_tags(normalised)
    out = list(places_named(normalised))  # the gazetteer first: jieba misses many (烟台 is 'n')
    for i, (word, flag) in enumerate(pairs):
        following = pairs[i + 1][0] if i + 1 < len(pairs) else ""
        named = flag in ("ns", "nr", "nz", "nt")
        if flag == "ns" or named and (following in _ADMIN_SUFFIX or word[-1] in _ADMIN_SUFFIX):
            if len(word) < 2 or word in _NOT_PLACES or _asked_for(pairs, i):
                continue
            stem = word[:-1] if word[-1] in _ADMIN_SUFFIX and len(word) >= 3 else word
            out.append(stem)
    return tuple(dict.fromkeys(out))


def proper_nouns(normalised: str) -> tuple[str, ...]:
    """Names in a Chinese question (jieba tags nr/ns/nt/nz): if no document mentions one of
    them, no document can answer the question."""
    # Gazetteer places, and jieba's place names (ns): its person/organisation tags fire on
    # common words (小狗).
    return tuple(dict.fromkeys(list(places_named(normalised)) + [
        w for w, f in pos_tags(normalised) if f == "ns" and len(w) >= 2 and w not in _NOT_PLACES
        and (len(w) >= 3 or w[-1] in _PLACE_ENDINGS)]))


# jieba tags some two-character common words as places (新旧); outside the gazetteer, a short
# name counts as a place only when it ends like one (法国, 海南岛, 泰山).
_PLACE_ENDINGS = frozenset("国省市县区州岛山湖江河镇乡村洲")


def _corpus_pieces(word: str, vocabulary: Callable[[str], bool]) -> tuple[list[str], int]:
    """The segmentation of `word` into words the corpus uses (two characters or more) that
    covers most characters; stopwords count as covered. Returns (corpus words, characters left
    uncovered)."""
    n = len(word)
    best: list[tuple[int, list[str]]] = [(0, [])] + [(n + 1, [])] * n  # (uncovered, pieces)
    for end in range(1, n + 1):
        left, pieces = best[end - 1]
        best[end] = (left + 1, pieces)
        for start in range(end - 2, -1, -1):
            piece = word[start:end]
            if piece in STOPWORDS or vocabulary(piece):
                cand = (best[start][0], best[start][1] + ([] if piece in STOPWORDS else [piece]))
                if cand[0] < best[end][0]:
                    best[end] = cand
    uncovered, pieces = best[n]
    return pieces, uncovered


# Words about whether a text is in force; a question using one is answered by any of them.
VALIDITY_WORDS = ("有效", "失效", "废止", "停止施行", "施行", "生效")


def is_dictionary_word(word: str) -> bool:
    """Whether jieba's dictionary has the word (not a guess of its HMM)."""
    import jieba

    return jieba.dt.FREQ.get(word, 0) > 0


def _dictionary_cut(word: str) -> list[str]:
    import jieba

    return jieba.lcut(word, HMM=False)


def corpus_tokens(tokens: list[str], vocabulary: Callable[[str], bool]) -> list[str]:
    """A Chinese question's tokens with segmentation artefacts resolved against the corpus. jieba
    joins words the corpus writes apart (哪些地方, 老人家, HMM guesses like 税上); such a
    compound is not a word the corpus lacks when words the corpus uses (and stopwords) spell all
    of it: it is replaced by those words, and its absent fragments go with it. A word the corpus
    lacks that corpus words do not fully spell (搬家; 住宿费 where the corpus has 住宿 but never
    住宿费) stays: it is what an out-of-scope question looks like."""
    out = list(tokens)
    for token in sorted(set(tokens), key=len, reverse=True):
        if token not in out or len(token) < 2 or not HAN_RE.search(token) or vocabulary(token):
            continue
        if not is_dictionary_word(token):
            # An HMM guess: the dictionary's own words of it, when the corpus uses every one that
            # is not a stopword (税上 → 税, 能养 → 养).
            cut = [p for p in _dictionary_cut(token) if p not in STOPWORDS]
            pieces = [p for p in cut if vocabulary(p)]
            # Not into bare characters: 身障 (an abbreviation) is not 身 and 障, and a lone
            # character matches almost any passage.
            uncovered = 0 if pieces and any(len(p) >= 2 for p in pieces) else len(token)
        else:
            pieces, uncovered = _corpus_pieces(token, vocabulary)
        if not pieces or uncovered:
            continue
        out = [t for t in out if t != token and not (t in token and not vocabulary(t))]
        out += [p for p in pieces if p not in out]
    return out
