"""Chinese text rules shared by ingest and retrieval: script and width normalisation (for the index, never for what is shown), sentence ends, and (below) the other rules of Chinese policy text."""

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


# ----------------------------------------------------------------------------- sentences
# A sentence runs to a full stop, question/exclamation mark or semicolon (closing quotes and
# brackets stay with it), or to a line end. The answer stage quotes these units and the store's
# embedding cache is keyed by their exact text, so ingest and retrieval must cut alike.
SENTENCE_RE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+[”’」』）)]*)?")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence of `text`, surrounding white space excluded."""
    spans = []
    for m in SENTENCE_RE.finditer(text):
        raw = m.group()
        a = m.start() + (len(raw) - len(raw.lstrip()))
        b = m.start() + len(raw.rstrip())
        if b > a:
            spans.append((a, b))
    return spans
