"""Metadata of this document, read from its own title line, header and signature block.

Never from the body: a 《…》（…号） citation names another document's number and issuer, and a
date in a sentence is an event, not the document's date. When the document does not state a
fact, the fact is left out (no date rather than a wrong one).

Keys: title, date (the version's date: latest promulgation/revision stated in the header),
promulgated, revised, effective, repealed, number, issuer, region.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.figures import numeral_value
from core.places import MAINLAND, PLACES_PATH, jurisdiction_counts, short_place_name
from core.script import to_simplified
from core.sentences import is_prose_line

DATA_DIR = Path(__file__).with_name("data")


@dataclass(frozen=True)
class Options:
    """Where the header and the signature block are (calibrated on ../shared/dev2/corpus)."""

    head_lines: int = 12  # the header: title, issuer, number, date lines before the body
    tail_lines: int = 6  # the signature block: issuer and date after the body
    short_line: int = 60  # header/signature lines are short; longer lines are body text
    title_max: int = 80
    body_chars: int = 1500  # a region named in the body must be named twice in this much text…
    lede_chars: int = 200  # …or in the lede
    # A document naming no place gets the jurisdiction whose markers (core/data/
    # jurisdiction_markers.tsv: currency, officeholders, 本港/本澳) it uses at least this often…
    marker_hits: int = 1  # one officeholder's name makes a short news page (dev2's Hong Kong/Macau pages)
    # …and this many times as often as every other jurisdiction's together, the mainland's
    # included (人民币, 国务院): a mainland law quoting 港元 stays without a region. Calibrated on
    # ../shared/dev2/corpus, ../shared/corpus and the 3,452 laws of ../shared/scale.
    marker_dominance: float = 2.0
    marker_chars: int = 20000  # read so much of the text for markers (a page shows them early)


OPTIONS = Options()

_CN_DIGITS = "〇○零一二三四五六七八九十百两"
# 2024年11月10日 · 2024-11-10 · 2024/11/10 · 2024.11.10
_YMD = r"((?:19|20)\d{2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|[-/.](\d{1,2})[-/.](\d{1,2})(?!\d))"
YMD_RE = re.compile(_YMD)
DMY_RE = re.compile(r"(?<!\d)(\d{1,2})[/.](\d{1,2})[/.]((?:19|20)\d{2})(?!\d)")  # 15/11/2022, 20.06.2017
CN_DATE_RE = re.compile(r"([%s]{4})年([%s]{1,3})月([%s]{1,3})日" % ((_CN_DIGITS,) * 3))  # 二〇一四年十二月二十四日
ROC_DATE_RE = re.compile(r"中華民國\s*([%s]{1,5})\s*年\s*([%s]{1,3})\s*月\s*([%s]{1,3})\s*日"
                         % ((_CN_DIGITS,) * 3))  # 中華民國一百零一年七月九日
COMPACT_DATE_RE = re.compile(r"((?:19|20)\d{2})(\d{2})(\d{2})")
FILENAME_DATE_RE = re.compile(r"[(（]((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})[)）]")
DATE_LABEL_RE = re.compile(r"(?:^|\s)(?:date|日期|时间|時間|发布日期|發布日期|发布时间|發布時間|发文日期|成文日期|印发日期|"
                           r"公布日期|發文日期)\s*[:：]?\s*$", re.I)

# 文号: 中办发〔2014〕6号, 国务院令第601号.
DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d{1,5}\s*[号號]")
DECREE_NUMBER_RE = re.compile(r"((?:中华人民共和国)?([\u4e00-\u9fff]{2,12}?)令)\s*第\s*(\d{1,5})\s*[号號]")
# An issuing body ends in one of these.
ORGAN_SUFFIX = ("委员会", "委員會", "人民政府", "政府", "办公厅", "辦公廳", "办公室", "辦公室", "人民代表大会常务委员会",
                "常务委员会", "常委会", "组织部", "組織部", "宣传部", "部", "厅", "廳", "局", "署", "院", "委", "小组",
                "小組", "中心", "党组", "黨組", "市委", "省委", "区委", "區委", "县委", "縣委", "总局", "總局")
ORGAN_LINE_RE = re.compile(r"^(?:中共|中国共产党)?[\u4e00-\u9fff（）()]{2,30}?(?:%s)$" % "|".join(
    sorted(ORGAN_SUFFIX, key=len, reverse=True)))
SITE_LINE_RE = re.compile(r"(?:网站|網站|门户|門戶|入口网|入口網|在线|在線|新闻网|新聞網|APP|app)$")
# A header line of a regulation: "2020年8月27日 德州市第十八届人民代表大会常务委员会第三十五次会议通过".
EVENT_VERBS = ("通过", "批准", "公布", "发布", "修订", "修正", "修改", "施行", "廢止", "废止")
REVISION_VERBS = ("修订", "修正", "修改", "修訂")


# ----------------------------------------------------------------------------- dates
def _cn_int(text: str) -> int | None:
    value = numeral_value(text)  # 二〇一四 digit by digit, 十二 as a number
    return int(value) if value is not None else None


def _iso(y: int | None, m: int | None, d: int | None) -> str:
    if y and m and d and 1900 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return ""


def dates_in(text: str) -> list[str]:
    """Every well-formed date in `text`, in order of appearance, as YYYY-MM-DD."""
    found: list[tuple[int, str]] = []
    for m in YMD_RE.finditer(text):
        y, mo, d = int(m.group(1)), int(m.group(2) or m.group(4)), int(m.group(3) or m.group(5))
        found.append((m.start(), _iso(y, mo, d)))
    for m in DMY_RE.finditer(text):
        found.append((m.start(), _iso(int(m.group(3)), int(m.group(2)), int(m.group(1)))))
    for m in CN_DATE_RE.finditer(text):
        found.append((m.start(), _iso(_cn_int(m.group(1)), _cn_int(m.group(2)), _cn_int(m.group(3)))))
    for m in ROC_DATE_RE.finditer(text):
        y = _cn_int(m.group(1))
        found.append((m.start(), _iso(y + 1911 if y else None, _cn_int(m.group(2)), _cn_int(m.group(3)))))
    return [iso for _, iso in sorted(found) if iso]


# ----------------------------------------------------------------------------- header
def _lines(text: str) -> list[str]:
    return [ln.strip(" \t\u3000|｜") for ln in text.split("\n") if ln.strip(" \t\u3000|｜")]


def _header(lines: list[str], options: Options) -> list[str]:
    """Lines before the body: up to the first article/chapter or the second prose paragraph."""
    out, prose = [], 0
    for ln in lines[: options.head_lines]:
        if re.match(r"^(?:#+\s*)?第\s*[一二三四五六七八九十百\d]+\s*[章条條]", ln):
            break
        if ln.startswith("<!--"):
            break
        if is_prose_line(ln):
            prose += 1
            if prose >= 2:
                break
        out.append(ln)
    return out


def _organ_of_event(line: str) -> str:
    """"德州市第十八届人民代表大会常务委员会第三十五次会议通过" → "德州市人民代表大会常务委员会"."""
    body = YMD_RE.sub("", line, count=1).strip(" 　")
    if body.startswith("《"):
        return ""
    m = re.match(r"^(.+?)(?:第[一二三四五六七八九十百\d]+次(?:常务)?会议)", body)
    if not m:
        m = DECREE_NUMBER_RE.match(body)
        return re.sub(r"^中华人民共和国", "", m.group(2)) if m else ""
    organ = re.sub(r"第[一二三四五六七八九十百\d]+届", "", m.group(1))
    return organ if 2 <= len(organ) <= 30 and not re.search(r"[，。《》]", organ) else ""


def _regulation_header(header: list[str]) -> dict:
    """Dates, issuer and decree number from the event lines under a regulation's title."""
    meta: dict = {}
    events: list[tuple[str, str, str]] = []  # (date, verb, line)
    for ln in header:
        ds = dates_in(ln)
        if not ds or not YMD_RE.match(ln):
            continue
        verbs = [v for v in EVENT_VERBS if v in ln]
        if not verbs:
            continue
        tail_verb = max(verbs, key=lambda v: ln.rfind(v))
        events.append((max(ds), tail_verb, ln))
    if not events:
        return meta
    enacted = [e for e in events if e[1] not in ("施行",)]
    if enacted:
        meta["promulgated"] = min(e[0] for e in enacted)
        meta["date"] = max(e[0] for e in enacted)
        revisions = [e for e in enacted if any(v in e[2] for v in REVISION_VERBS) and e[0] != meta["promulgated"]]
        if revisions:
            meta["revised"] = max(e[0] for e in revisions)
        if (organ := next((o for e in enacted if (o := _organ_of_event(e[2]))), "")):
            meta["issuer"] = organ
        decrees = [m for e in enacted for m in [DECREE_NUMBER_RE.search(e[2])] if m]
        if decrees:
            m = decrees[-1]
            meta["number"] = re.sub(r"^中华人民共和国", "", m.group(1)) + f"第{m.group(3)}号"
    effective = [e[0] for e in events if e[1] == "施行"]
    if effective:
        meta["effective"] = max(effective)
    return meta


def _taiwan_header(text: str) -> dict:
    """The fields of a Taiwan law database record: 法規名稱 / 修正日期 / 法規類別 / 沿革."""
    meta: dict = {}
    if (m := re.search(r"^法規名稱[:：]\s*(.+)$", text, re.M)):
        meta["title"] = m.group(1).strip()
    history = ""
    if (m := re.search(r"^沿革[:：]\s*\n(.*?)(?=^第\s*\S{1,8}\s*[條章]|\Z)", text, re.M | re.S)):
        history = re.sub(r"\s+", "", m.group(1))
    first = dates_in(history)
    if first:
        meta["promulgated"] = first[0]
    if (m := re.search(r"^(?:修正日期|公發布日|發布日期|公布日期)[:：]\s*(\d{8})", text, re.M)):
        if (d := COMPACT_DATE_RE.fullmatch(m.group(1))):
            meta["date"] = _iso(*(int(g) for g in d.groups()))
            if meta.get("promulgated") and meta["date"] > meta["promulgated"]:
                meta["revised"] = meta["date"]
    elif first:
        meta["date"] = first[-1]
    if (m := re.search(r"^法規類別[:：]\s*(.+)$", text, re.M)):
        parts = [p.strip() for p in re.split(r"[＞>]", m.group(1)) if p.strip()]
        organs = [p for p in parts[1:] if ORGAN_LINE_RE.match(p) and not p.endswith("本部")]
        if organs:
            meta["issuer"] = organs[0]
        if parts and "廢止" in parts[0]:
            entries = re.split(r"(?<=[；;。])|(?=\d+\.中華民國)", history)
            repeal = [dates_in(e)[0] for e in entries if "廢止" in e and dates_in(e)]
            meta["repealed"] = repeal[-1] if repeal else meta.get("date", "")
            if meta.get("revised") == meta["repealed"]:
                del meta["revised"]  # the record's last change is the repeal, not a revision
    meta["region"] = "台湾"
    return meta


def _labelled_or_header_date(header: list[str], options: Options) -> str:
    for ln in header:  # a labelled date: "发布日期：2013-10-25", "date 2026-02-25 …"
        for m in re.finditer(_YMD, ln):
            if DATE_LABEL_RE.search(ln[:m.start()]):
                if (ds := dates_in(ln[m.start():m.end()])):
                    return ds[0]
    for ln in header:  # a parenthesised date on its own line: "(2014年12月24日)"
        if re.fullmatch(r"[(（]\s*[^()（）]{6,20}\s*[)）]", ln) and (ds := dates_in(ln)):
            return ds[0]
    for ln in header:  # a short header line carrying a date: "青岛晚报 2023年01月14日"
        if len(ln) <= options.short_line and not is_prose_line(ln) and (ds := dates_in(ln)):
            return ds[0]
    return ""


def _signature(lines: list[str], options: Options) -> dict:
    """An issuer line followed by a date line at the end of a notice."""
    meta: dict = {}
    tail = lines[-options.tail_lines:]
    for i, ln in enumerate(tail):
        if len(ln) <= 24 and (ds := dates_in(ln)) and re.fullmatch(r"[\d〇○零一二三四五六七八九十年月日\s\-/.]+", ln):
            meta["date"] = ds[0]
            if i and ORGAN_LINE_RE.match(tail[i - 1]) and len(tail[i - 1]) <= 30:
                meta["issuer"] = tail[i - 1]
    return meta


def _own_number(header: list[str], options: Options) -> str:
    """A 文号 standing in the header, not inside a citation 《…》（…号）."""
    for ln in header:
        if len(ln) > options.short_line:
            continue
        for m in DOC_NUMBER_RE.finditer(ln):
            before = ln[: m.start()].rstrip()
            if before.endswith(("》", "》(", "》（")) or ln[m.start() - 1: m.start()] in "(（" and "》" in before:
                continue
            return re.sub(r"\s+", "", m.group())
    return ""


# ----------------------------------------------------------------------------- title
def _title_candidate(line: str, options: Options) -> bool:
    han = sum(1 for c in line if "\u4e00" <= c <= "\u9fff")
    return (6 <= len(line) <= options.title_max and han >= 4 and not is_prose_line(line)
            and not re.search(r"[。！？!?；;|｜]", line) and not line.startswith(("【", "(", "（", "<"))
            and not ORGAN_LINE_RE.match(re.sub(r"\s", "", line)) and not SITE_LINE_RE.search(line)
            and not dates_in(line[:16]) and not re.fullmatch(r"第?\s*\d+\s*期", line))


def _title(lines: list[str], loader_title: str, options: Options) -> str:
    for ln in lines[:3]:
        if (m := re.match(r"^#\s+(.+?)\s*#*$", ln)):
            return m.group(1)
    seen: list[str] = []
    prose = 0
    for ln in lines[: options.head_lines]:
        if is_prose_line(ln):
            prose += 1
            if prose >= 2:
                break
            continue
        if _title_candidate(ln, options) and not any(ln in s for s in seen):
            return ln
        seen.append(ln)
    # The loader's guess only when it is a head line or not in the text at all (file metadata,
    # a file-name line): never a headline from further down the page.
    in_head = any(loader_title in ln for ln in lines[: options.head_lines])
    in_text = any(loader_title in ln for ln in lines)
    if loader_title and _title_candidate(loader_title, options) and (in_head or not in_text):
        return loader_title
    return ""


# ----------------------------------------------------------------------------- region
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


def _region(title: str, header: list[str], issuer: str, head_text: str, options: Options) -> str:
    for source, allow_short in ((title, True), (issuer, True), ("\n".join(header), True), (head_text, False)):
        places = places_in(source, allow_short)
        if source is head_text:
            # The body names many places; only one it keeps coming back to, or the lede's own.
            first_prose = next((ln for ln in _lines(head_text) if is_prose_line(ln)), "")
            lede = places_in(first_prose[: options.lede_chars], False)
            places = [p for p in places if places.count(p) >= 2 or p in lede]
        if places:
            # The most specific place that agrees with the first one named.
            first = places[0]
            same = [p for p in places if p.province == first.province]
            deepest = max(same, key=lambda p: ("province", "city", "county").index(p.level))
            return _region_label(deepest)
    return ""


def _jurisdiction(text: str, options: Options) -> str:
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


# ----------------------------------------------------------------------------- entry point
def extract_metadata(title: str, text: str, file_name: str = "", options: Options = OPTIONS) -> dict:
    """Metadata of the document whose cleaned text is `text` and whose loader title is `title`."""
    lines = _lines(text)
    header = _header(lines, options)
    meta: dict = {}
    if re.search(r"^法規名稱[:：]", text[:200], re.M):
        meta.update(_taiwan_header(text))
    else:
        meta.update(_regulation_header(header))
    if "date" not in meta:
        if (date := _labelled_or_header_date(header, options)):
            meta["date"] = date
    if "date" not in meta or "issuer" not in meta:
        sig = _signature(lines, options)
        for k, v in sig.items():
            meta.setdefault(k, v)
    if "date" not in meta and (m := FILENAME_DATE_RE.search(file_name)):
        if (d := _iso(*(int(g) for g in m.groups()))):
            meta["date"] = d
    if "number" not in meta and (number := _own_number(header, options)):
        meta["number"] = number
    if "issuer" not in meta:
        organs = [re.sub(r"\s", "", ln) for ln in header if len(ln) <= 30 and ORGAN_LINE_RE.match(re.sub(r"\s", "", ln))]
        if organs:
            meta["issuer"] = organs[0]
    meta.setdefault("title", _title(lines, title, options) or Path(file_name).stem or title)
    if "region" not in meta and (region := _region(meta["title"], header, meta.get("issuer", ""), text[: options.body_chars], options)):
        meta["region"] = region
    if "region" not in meta and (region := _jurisdiction(text, options)):
        meta["region"] = region
    return {k: v for k, v in meta.items() if v}
