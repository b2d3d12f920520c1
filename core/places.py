"""Places: the gazetteer (core/data/places.tsv) and how a place name is written in running text,
whether a place lies in a document's region, and the jurisdiction markers
(core/data/jurisdiction_markers.tsv) by which a text shows where it holds without naming it."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from core.script import normalise, to_simplified

# Jurisdictions whose own texts rarely name themselves: a Taiwan regulation says 中华民国 and
# 新台币, not 台湾. A document using a marker is about that place (normalised Simplified forms).
PLACE_MARKERS: dict[str, tuple[str, ...]] = {
    "台湾": ("中华民国", "新台币", "行政院", "立法院", "台北市", "高雄市"),
    "香港": ("香港特别行政区", "港币", "港元", "港府"),  # not 立法会 or 特首: Macau has them too
    "澳门": ("澳门特别行政区", "澳门元", "澳门币"),
}

# Place words: administrative suffixes of the mainland and of Taiwan, Hong Kong and Macau. The
# names themselves come from a gazetteer (core/data/places.tsv); these rules say how a name
# may be written in running text.
ADMIN_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区",
                  "省", "市", "区", "县", "盟", "旗")


PLACES_PATH = Path(__file__).parent / "data" / "places.tsv"


@lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """Every gazetteer name as written in running text: full names (德州市, 德城区) and, for
    provinces and cities, their short forms (德州, 香港, 台湾)."""
    return frozenset(w for w in _gazetteer()[0] if len(w) >= 2)


@lru_cache(maxsize=512)
def places_named(normalised_text: str) -> tuple[str, ...]:
    """Gazetteer places a (Simplified) text names, longest match at each position, in the short
    form documents and questions share (长春市 → 长春)."""
    words = place_words()
    found: list[str] = []
    i = 0
    while i < len(normalised_text):
        for n in range(12, 1, -1):
            word = normalised_text[i:i + n]
            if word in words:
                found.append(short_place_name(word))
                i += n - 1
                break
        i += 1
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """name (full and, above county level, short) → codes; code → short name."""
    import csv

    codes: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    with PLACES_PATH.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            short = short_place_name(row["name"])
            names[row["code"]] = short
            for n in {row["name"], short} if row["level"] != "county" else {row["name"]}:
                codes.setdefault(n, []).append(row["code"])
    return {n: tuple(c) for n, c in codes.items()}, names


def is_place(word: str) -> bool:
    return word in _gazetteer()[0]


def place_within(place: str, region: str) -> bool:
    """Whether a gazetteer place lies in a document's region (山东省德州市, 台湾): the region names
    the place or one of the place's enclosing city and province (a city's regulation holds in its
    districts). A document that merely mentions a place in passing is not about it."""
    region = to_simplified(region)
    if place in region:  # the region is the place or lies inside it
        return True
    named = places_named(region)
    if not named:
        return False
    codes, names = _gazetteer()
    return any(names.get(parent) == named[-1]  # the region's most specific place encloses it
               for code in codes.get(place, ())
               for parent in {code[:4] + "00", code[:2] + "0000"} - {code})


JURISDICTION_MARKERS_PATH = Path(__file__).parent / "data" / "jurisdiction_markers.tsv"
MAINLAND = "内地"  # the markers table's counter-evidence: words of the mainland's own texts


@lru_cache(maxsize=1)
def _jurisdiction_markers() -> tuple[re.Pattern, dict[str, str]]:
    """One pattern over every marker of core/data/jurisdiction_markers.tsv (longest first, so
    经济财政司司长 is Macau's and not Hong Kong's 财政司司长) and normalised marker → region."""
    import csv

    with JURISDICTION_MARKERS_PATH.open(encoding="utf-8") as f:
        rows = list(csv.DictReader((ln for ln in f if not ln.startswith("#")), delimiter="\t"))
    region_of: dict[str, str] = {}
    alternatives: list[tuple[str, str]] = []
    for row in rows:
        marker = normalise(row["marker"])
        region_of[marker] = row["region"]
        pattern = re.escape(marker)
        if marker[0].isascii() and marker[0].isalpha():
            pattern = r"(?<![a-z])" + pattern
        if marker[-1].isascii() and marker[-1].isalpha():
            pattern += r"(?![a-z])"
        if row.get("not_before"):
            pattern += "(?![%s])" % re.escape(normalise(row["not_before"]))
        alternatives.append((marker, pattern))
    alternatives.sort(key=lambda a: len(a[0]), reverse=True)
    # The lookahead on the markers' first characters lets most positions fail at once (about 8×
    # faster over a long law than trying every alternative at each character).
    firsts = re.escape("".join(sorted({m[0] for m in region_of})))
    return re.compile("(?=[%s])(?:%s)" % (firsts, "|".join(p for _, p in alternatives))), region_of


def jurisdiction_markers() -> dict[str, str]:
    """Every marker of the table (normalised Simplified) → its region (香港, 澳门, 台湾, 内地)."""
    return dict(_jurisdiction_markers()[1])


def jurisdiction_counts(text: str) -> dict[str, int]:
    """How often `text` (either script) uses each region's markers: its currency, officeholders,
    institutions and words for "here" (本港, 本澳), which its own texts use without naming it."""
    pattern, region_of = _jurisdiction_markers()
    counts: dict[str, int] = {}
    for m in pattern.finditer(normalise(text)):
        region = region_of[m.group()]
        counts[region] = counts.get(region, 0) + 1
    return counts


def short_place_name(name: str) -> str:
    """"德州市" → "德州", "广西壮族自治区" → "广西", "香港特别行政区" → "香港": the form
    people write; names that would shrink to one character keep their suffix (沙市, 和县)."""
    name = to_simplified(name)
    for suffix in ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            # Ethnic autonomous names: 广西壮族 → 广西, 延边朝鲜族 → 延边.
            if suffix.startswith("自治"):
                stem = re.sub(r"^([\u4e00-\u9fff]{2,}?)(?:[\u4e00-\u9fff]{1,3}族)+$", r"\1", stem)
            return stem if len(stem) >= 2 else name
    return name
