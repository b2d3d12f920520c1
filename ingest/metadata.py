"""Metadata of this document, read from its own title line, header and signature block.

Never from the body: a 《…》（…号） citation names another document's number and issuer, and a
date in a sentence is an event, not the document's date. When the document does not state a
fact, the fact is left out (no date rather than a wrong one).

Keys: title, date (the version's date: latest promulgation/revision stated in the header),
promulgated, revised, effective, repealed, number, issuer, region.

The title is read here; dates are read by `ingest.dates`, the header and signature block by
`ingest.header`, the region by `ingest.region`, in the order `extract_metadata` sets out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from core.headings import SECTION_RE
from core.sentences import han_count, is_prose_line
from ingest.dates import FILENAME_DATE_RE, dates_in, iso_date
from ingest.header import (ORGAN_LINE_RE, header_lines, labelled_or_header_date, lines_of, own_number,
                           regulation_header, signature, taiwan_header)
from ingest.region import jurisdiction, region_of


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

SITE_LINE_RE = re.compile(r"(?:网站|網站|门户|門戶|入口网|入口網|在线|在線|新闻网|新聞網|APP|app)$")


# ----------------------------------------------------------------------------- title
def _title_shape(line: str) -> bool:
    """Whatever its length, a line shaped like a title: no sentence, bracketed note, issuer, site
    name, date or issue number."""
    return (not is_prose_line(line) and not re.search(r"[。！？!?；;|｜]", line)
            and not line.startswith(("【", "(", "（", "<")) and not ORGAN_LINE_RE.match(re.sub(r"\s", "", line))
            and not SITE_LINE_RE.search(line) and not dates_in(line[:16]) and not re.fullmatch(r"第?\s*\d+\s*期", line))


def _title_candidate(line: str, options: Options) -> bool:
    return 6 <= len(line) <= options.title_max and han_count(line) >= 4 and _title_shape(line)


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


def _name_line_title(lines: list[str], file_stem: str) -> str:
    """A first line standing alone above the body with too few Chinese characters for a title
    candidate — the name an entry or a notice goes by (「桂林米粉」, 「5G基站」) — unless
    the file name already says it (「通知」 above a file named 关于…的通知), or it is a section
    heading or an addressee (「各街道：」): every passage is searched with the title, so a passage
    that never repeats the name is still found by it."""
    if len(lines) < 2:
        return ""
    first = lines[0].strip()
    if (han_count(first) < 2 or len(first) >= len(lines[1].strip()) or first in file_stem or not _title_shape(first)
            or re.search(r"[：:，,、]", first) or SECTION_RE.match(first)):
        return ""
    return first


# ----------------------------------------------------------------------------- entry point
def extract_metadata(title: str, text: str, file_name: str = "", options: Options = OPTIONS) -> dict:
    """Metadata of the document whose cleaned text is `text` and whose loader title is `title`."""
    lines = lines_of(text)
    header = header_lines(lines, options)
    meta: dict = {}
    if re.search(r"^法規名稱[:：]", text[:200], re.M):
        meta.update(taiwan_header(text))
    else:
        meta.update(regulation_header(header))
    if "date" not in meta:
        if (date := labelled_or_header_date(header, options)):
            meta["date"] = date
    if "date" not in meta or "issuer" not in meta:
        sig = signature(lines, options)
        for k, v in sig.items():
            meta.setdefault(k, v)
    if "date" not in meta and (m := FILENAME_DATE_RE.search(file_name)):
        if (d := iso_date(*(int(g) for g in m.groups()))):
            meta["date"] = d
    if "number" not in meta and (number := own_number(header, options)):
        meta["number"] = number
    if "issuer" not in meta:
        organs = [re.sub(r"\s", "", ln) for ln in header if len(ln) <= 30 and ORGAN_LINE_RE.match(re.sub(r"\s", "", ln))]
        if organs:
            meta["issuer"] = organs[0]
    meta.setdefault("title", _title(lines, title, options) or _name_line_title(lines, Path(file_name).stem)
                    or Path(file_name).stem or title)
    if "region" not in meta and (region := region_of(meta["title"], header, meta.get("issuer", ""), text[: options.body_chars], options)):
        meta["region"] = region
    if "region" not in meta and (region := jurisdiction(text, options)):
        meta["region"] = region
    return {k: v for k, v in meta.items() if v}
