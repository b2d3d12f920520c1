"""Script and normalisation: Traditional ↔ Simplified, the normalised form the index and every
comparison use (never what is shown), and the language a question is written in."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
import zhconv

_T2S = opencc.OpenCC("t2s")
_S2T = opencc.OpenCC("s2t")


def to_simplified(text: str) -> str:
    # OpenCC first (phrase-aware), then zhconv for variant characters OpenCC keeps (陜 → 陕).
    return zhconv.convert(_T2S.convert(text), "zh-hans")


def to_traditional(text: str) -> str:
    return _S2T.convert(text)


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """NFKC (full-width digits/letters → ASCII), Traditional → Simplified, lower case."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def is_traditional(text: str) -> bool:
    """True when converting to Simplified changes enough characters to call it Traditional."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return False
    simplified = to_simplified("".join(han))
    changed = sum(1 for a, b in zip(han, simplified) if a != b)
    return changed >= max(1, len(han) // 20)


LATIN_RE = re.compile(r"[A-Za-z]")
HAN_RE = re.compile(r"[\u4e00-\u9fff]")


def detect_lang(text: str) -> str:
    """'en', 'zh-Hant' or 'zh-Hans' (the script the answer's own words should use)."""
    han = len(HAN_RE.findall(text))
    latin = len(LATIN_RE.findall(text))
    if latin > han * 2:
        return "en"
    return "zh-Hant" if is_traditional(text) else "zh-Hans"
