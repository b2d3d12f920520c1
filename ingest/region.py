"""The region a document belongs to: the most specific gazetteer place (core/data/places.tsv) its
title, issuer or header names, or one its body keeps coming back to; failing that, the
jurisdiction whose own words dominate the text (本港, 港元, an officeholder's name)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from core.places import MAINLAND, PLACES_PATH, jurisdiction_counts, short_place_name
from core.script import to_simplified
from core.sentences import is_prose_line
from ingest.header import lines_of

if TYPE_CHECKING:  # the options are metadata's; only their values are read here
    from ingest.metadata import Options


@dataclass(frozen=True)
class Place:
    name: str
    level: str  # province | city | county
    province: str
    city: str  # the prefecture-level city a county belongs to ("" for provinces and cities)


@lru_cache(maxsize=1)
def gazetteer() -> tuple[dict[str, list[Place]], dict[str, list[Place]]]:
    """(full name → places, short name → places) from the gazetteer (core/data/places.tsv)."""
    rows = list(csv.DictReader(PLACES_PATH.open(encoding="utf-8"), delimiter="\t"))
    by_code = {r["code"]: r["name"] for r in rows}
    full: dict[str, list[Place]] = {}
    short: dict[str, list[Place]] = {}
    for r in rows:
        city = by_code.get(r["code"][:4] + "00", "") if r["level"] == "county" else ""
        place = Place(r["name"], r["level"], r["province"], city)
        full.setdefault(r["name"], []).append(place)
        if r["level"] != "county":
            s = short_place_name(r["name"])
            if s != r["name"]:
                short.setdefault(s, []).append(place)
    return full, short


def _region_label(place: Place) -> str:
    province = short_place_name(place.province) if place.province in (
        "香港特别行政区", "澳门特别行政区", "台湾省") else place.province
    parts = [province]
    if place.level != "province":
        if place.city and place.city != place.name:
            parts.append(place.city)
        if place.name != place.province:
            parts.append(place.name)
    return "".join(dict.fromkeys(p for p in parts if p))


def places_in(text: str, allow_short: bool) -> list[Place]:
    """Gazetteer places named in `text` (Simplified or Traditional), longest names first at each
    position; short names (德州, 香港) only when `allow_short` (titles and headers)."""
    full, short = gazetteer()
    text = to_simplified(text)
    found: list[tuple[int, Place]] = []
    i = 0
    while i < len(text):
        for n in range(12, 1, -1):
            word = text[i:i + n]
            cands = full.get(word) or (short.get(word) if allow_short else None)
            if cands:
                found.append((i, _best(cands, text)))
                i += n - 1
                break
        i += 1
    return [p for _, p in found]


def _best(cands: list[Place], text: str) -> Place:
    """Among same-named places, the one whose province or city the text also names."""
    if len(cands) == 1:
        return cands[0]
    for p in cands:
        if short_place_name(p.province) in text or (p.city and short_place_name(p.city) in text):
            return p
    return min(cands, key=lambda p: ("province", "city", "county").index(p.level))


def region_of(title: str, header: list[str], issuer: str, head_text: str, options: Options) -> str:
    """The region label ("山东省德州市") of the first of title, issuer, header and body that names
    a place, or ""."""
    for source, allow_short in ((title, True), (issuer, True), ("\n".join(header), True), (head_text, False)):
        places = places_in(source, allow_short)
        if source is head_text:
            # The body names many places; only one it keeps coming back to, or the lede's own.
            first_prose = next((ln for ln in lines_of(head_text) if is_prose_line(ln)), "")
            lede = places_in(first_prose[: options.lede_chars], False)
            places = [p for p in places if places.count(p) >= 2 or p in lede]
        if places:
            # The most specific place that agrees with the first one named.
            first = places[0]
            same = [p for p in places if p.province == first.province]
            deepest = max(same, key=lambda p: ("province", "city", "county").index(p.level))
            return _region_label(deepest)
    return ""


def jurisdiction(text: str, options: Options) -> str:
    """The region whose markers dominate a text that names no place (a Hong Kong news page says
    本港, 港元 and its Financial Secretary's name, never 香港); "" when none does or when the
    mainland's own words do (a national text has no region)."""
    counts = jurisdiction_counts(text[: options.marker_chars])
    if not counts:
        return ""
    region, hits = max(counts.items(), key=lambda kv: kv[1])
    others = sum(counts.values()) - hits
    if region == MAINLAND or hits < options.marker_hits or hits < options.marker_dominance * others:
        return ""
    return region
