"""The language of a question: English, or Chinese in the script its answer should use."""

from __future__ import annotations

import re

from core.zh import is_traditional

LATIN_RE = re.compile(r"[A-Za-z]")
HAN_RE = re.compile(r"[\u4e00-\u9fff]")


def detect_lang(text: str) -> str:
    """'en', 'zh-Hant' or 'zh-Hans' (the script the answer's own words should use)."""
    han = len(HAN_RE.findall(text))
    latin = len(LATIN_RE.findall(text))
    if latin > han * 2:
        return "en"
    return "zh-Hant" if is_traditional(text) else "zh-Hans"
