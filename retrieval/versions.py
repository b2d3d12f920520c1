"""Versions of one text: the newer version of a document, and two versions whose chosen sentences
give different figures for the same thing."""

from __future__ import annotations

import re

from core.records import Chunk
from core.figures import find_quantities
from core.places import places_named
from core.script import normalise, to_simplified
from retrieval.scoring import Scored, TermWeights


def newer_version(chunk: Chunk, others: list[Chunk]) -> Chunk | None:
    """The newest of `others` that is a later version of `chunk`'s document: the same title
    (years and 修订/版 aside), a later date."""
    key, date = _title_key(chunk.title), chunk.meta.get("date", "")
    later = [c for c in others if c.doc != chunk.doc and date and c.meta.get("date", "") > date
             and _title_key(c.title) == key]
    return max(later, key=lambda c: c.meta["date"], default=None)


def find_conflict(chosen: list[Scored], weights: TermWeights) -> tuple[Chunk, Chunk] | None:
    """Two documents of different dates whose chosen sentences speak of the same thing (mostly
    the same question words covered) with different figures of the same unit: (newer, older)."""
    for s in chosen:
        for t in chosen:
            cs, ct = s.evidence.chunk, t.evidence.chunk
            ds, dt = cs.meta.get("date", ""), ct.meta.get("date", "")
            if cs.doc == ct.doc or not ds or not dt or ds <= dt or not _versions(cs.title, ct.title):
                continue
            if weights.share(s.covered & t.covered) < 0.5 * min(weights.share(s.covered), weights.share(t.covered)):
                continue
            fs, ft = _by_unit(s.evidence.text), _by_unit(t.evidence.text)
            if any(fs[u].isdisjoint(ft[u]) for u in fs.keys() & ft.keys()):
                return cs, ct
    return None


def _title_key(title: str) -> str:
    """A title without its years, punctuation and 修订/版 marks: what versions of a text share."""
    return re.sub(r"[\W\d_]|年|版|修订|修正", "", normalise(title))


def _bigrams(title: str) -> set[str]:
    key = _title_key(title)
    return {key[i:i + 2] for i in range(len(key) - 1)}


def _versions(title_a: str, title_b: str, min_overlap: float = 0.5) -> bool:
    """Two documents are versions of one text (a notice and its revision, a law before and after
    amendment) when their titles share most character pairs, years and 修订 aside: only then do
    different figures mean a change rather than two different rules. Titles naming different
    places (a city's regulation and its province's) are two rules of two jurisdictions, however
    alike their wording: each binds where it was enacted, and neither replaces the other."""
    if set(_places(title_a)) != set(_places(title_b)):
        return False
    a, b = _bigrams(title_a), _bigrams(title_b)
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= min_overlap


def _places(title: str) -> tuple[str, ...]:
    return places_named(to_simplified(normalise(title)))


def _by_unit(text: str) -> dict[str, set[float]]:
    out: dict[str, set[float]] = {}
    for f in find_quantities(normalise(text)):
        if f.value is not None and f.kind != "date":
            out.setdefault(f.unit, set()).add(f.value)
    return out
