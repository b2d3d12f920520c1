"""Romanised names → corpus words: pinyin, Wade–Giles and Cantonese romanisation."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

# Reading combinations kept per word in the Cantonese name index. Set by reasoning, not fitted
# to a gold set, and checked not to move dev or dev2 per language.
CANTONESE_READINGS = 16


# Romanised syllables compared loosely: spellings of one Chinese syllable differ between
# systems (Hong Kong "Ho", Macau "Hou"; "Shing"/"Sing"; "Kwok"/"Gwok"; Wade–Giles "Hsin" for
# pinyin "xin"), so a syllable is keyed by its initial consonant class and its final consonant
# only. Loose keys are used only for names of as many separate syllables as the word has
# characters ("Sam Hou Fai"), among corpus words jieba tags as names.
_INITIAL_CLASSES = (("tsz", "c"), ("ts", "c"), ("tz", "c"), ("ch", "c"), ("zh", "c"), ("sh", "s"),
                    ("hs", "s"), ("gw", "k"), ("kw", "k"), ("z", "c"), ("j", "c"), ("q", "c"),
                    ("x", "s"), ("g", "k"), ("d", "t"), ("b", "p"))
_SYLLABLE_RE = re.compile(r"^([^aeiouy]*)([aeiouy]*)([a-z]*)$")


def syllable_key(syllable: str) -> str:
    """The loose key of one romanised syllable: "Sam"/"Shum" → "s-m", "Hou"/"Ho" → "h-",
    "Iat"/"Yat" → "y-t", "Seng"/"Shing" → "s-ng"."""
    s = re.sub(r"[^a-z]", "", syllable.lower())
    if s in ("ng", "m"):  # syllabic nasals (吴 Ng, 唔 m)
        return s + "-"
    s = re.sub(r"(?<=[aeiou])r", "", s)  # Hong Kong's vowel-length r: larn, harp, hor
    m = _SYLLABLE_RE.match(s)
    if not m:
        return s
    initial, vowels, final = m.groups()
    if not initial and len(vowels) > 1 and vowels[0] in "iyuw":
        initial, vowels = ("y" if vowels[0] in "iy" else "w"), vowels[1:]  # Iat = Yat
    elif not initial and vowels[:1] in ("i", "y"):
        initial = "y"
    for spelled, cls in _INITIAL_CLASSES:
        if initial.startswith(spelled):
            initial = cls + initial[len(spelled):]
            break
    initial = initial.replace("w", "") or initial  # kw/gw → k
    # The vowel only by its class (Lee / Lei / Li; Ho / Hou; Seng / Sing agree; Lee / Lau do not).
    vowel = {"a": "a", "e": "i", "i": "i", "y": "i", "o": "u", "u": "u"}.get(vowels[:1], "")
    final = final if final in ("m", "n", "ng", "p", "t", "k") else ""
    return f"{initial}{vowel}-{final}"


@lru_cache(maxsize=1)
def _cantonese_readings() -> dict[str, list[str]]:
    """Character → its Hong Kong Government Cantonese romanisations (Traditional characters,
    from the cantonese-romanisation package's bundled table)."""
    try:
        from cantoroman import Cantonese
    except ImportError:  # an environment set up before the dependency was added: pinyin only
        return {}
    return Cantonese().charToRoman


@lru_cache(maxsize=65536)
def _wade_giles(pinyin_syllable: str) -> str:
    """A toneless pinyin syllable in Wade–Giles as Taiwan writes names (no apostrophes)."""
    from pypinyin import Style
    from pypinyin.style import convert

    return re.sub(r"[^a-z]", "", convert(pinyin_syllable, Style.WADEGILES, True).lower())


@lru_cache(maxsize=65536)
def _char_keys(ch: str) -> frozenset[str]:
    """Loose keys of one (Simplified) character's Cantonese readings."""
    from core.script import to_traditional

    table = _cantonese_readings()
    return frozenset(syllable_key(r) for r in set(table.get(ch, [])) | set(table.get(to_traditional(ch), [])))


def _cantonese_keys(word: str, limit: int = CANTONESE_READINGS) -> set[tuple[str, ...]]:
    """Loose syllable keys of a (Simplified) word read in Cantonese, one tuple per reading."""
    keys: set[tuple[str, ...]] = {()}
    for ch in word:
        readings = _char_keys(ch)
        if not readings:
            return set()
        keys = {k + (r,) for k in keys for r in readings}
        if len(keys) > limit:
            keys = set(sorted(keys)[:limit])
    return keys


class Transliterator:
    """Romanised names → corpus words: toneless pinyin (Changchun → 长春), Wade–Giles as Taiwan
    writes it (Kaohsiung → 高雄), and Cantonese romanisation as Hong Kong and Macau write
    personal names (Sam Hou Fai → 岑浩辉)."""

    def __init__(self, vocabulary: list[str]) -> None:
        from pypinyin import lazy_pinyin

        self._index: dict[str, list[str]] = defaultdict(list)
        self._loose: dict[tuple[str, ...], list[str]] = defaultdict(list)
        self._words: list[str] = []
        for word in vocabulary:
            if 2 <= len(word) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in word):
                self._words.append(word)
                syllables = lazy_pinyin(word)
                self._index["".join(syllables)].append(word)
                wade = "".join(_wade_giles(s) for s in syllables)
                if wade and word not in self._index[wade]:
                    self._index[wade].append(word)
        self._loose_built = False

    def _loose_index(self) -> dict[tuple[str, ...], list[str]]:
        if not self._loose_built:  # built on the first name of several syllables
            for word in self._words:
                if len(word) >= 2:
                    for key in _cantonese_keys(word):
                        self._loose[key].append(word)
            self._loose_built = True
        return self._loose

    def __call__(self, name: str) -> list[str]:
        """Corpus words spelled like the name; when some of them are names (jieba's place or
        person tags), only those: Qingdao is 青岛, not the homophone 倾倒. A name of separate
        syllables (Sam Hou Fai, Ching-kuo) is also read as Cantonese, and then only names count."""
        import jieba.posseg as pseg

        def is_name(w: str) -> bool:
            return any(f.startswith(("ns", "nr", "nz", "nt")) for _, f in pseg.lcut(w))

        key = re.sub(r"[^a-z]", "", name.lower())
        words = list(self._index.get(key, ()))
        named = [w for w in words if is_name(w)]
        if named or words:
            return (named or words)[:3]
        syllables = [s for s in re.split(r"[\s\-‐]+", name.lower()) if s]
        if len(syllables) < 2:
            return []
        loose = self._loose_index().get(tuple(syllable_key(s) for s in syllables), ())
        return [w for w in loose if len(w) == len(syllables) and is_name(w)][:3]


@lru_cache(maxsize=1)
def _gazetteer_by_pinyin() -> dict[str, tuple[str, ...]]:
    """Toneless pinyin → the gazetteer's names spelled so (luoyang → 洛阳, 洛阳市 → luoyangshi)."""
    from pypinyin import lazy_pinyin

    from core.places import place_words

    index: dict[str, list[str]] = defaultdict(list)
    for word in sorted(place_words()):
        if all("\u4e00" <= c <= "\u9fff" for c in word):
            index["".join(lazy_pinyin(word))].append(word)
    return {k: tuple(v) for k, v in index.items()}


def gazetteer_places(name: str) -> tuple[str, ...]:
    """The gazetteer's places a romanised name spells in pinyin (Luoyang → 洛阳), whether or not
    any document writes them: a city a province's regulation binds without naming it."""
    return _gazetteer_by_pinyin().get(re.sub(r"[^a-z]", "", name.lower()), ())
