"""Document metadata found in the text itself: date, document number, issuing body, region."""

from __future__ import annotations

import re

DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")
DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*\d{1,4}\s*[号號]")
ISSUER_RE = re.compile(
    r"((?:中共|中国共产党)?[\u4e00-\u9fff]{2,12}?(?:委员会|委員會|人民政府|办公厅|辦公廳|办公室|辦公室|组织部|組織部|市委|省委|区委|區委|县委|縣委))"
)
REGION_RE = re.compile(r"([\u4e00-\u9fff]{2,4}?(?:省|市|区|區|县|縣|镇|鎮))")
_SKIP_REGION = {"城市", "全市", "全区", "全區", "全省", "全县", "全縣", "本市", "本区", "本區", "社区", "社區", "小区", "小區", "街区", "地区", "地區", "城区", "城區", "辖区", "轄區", "市区", "市區"}


def _first_date(text: str) -> str:
    # A date in parentheses on its own is the issuing date of Chinese official texts.
    for rx in (re.compile(r"[(（]\s*" + DATE_RE.pattern + r"\s*[)）]"), DATE_RE):
        if (m := rx.search(text)):
            y, mo, d = (int(g) for g in m.groups()[:3])
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return ""


def extract_metadata(title: str, text: str) -> dict:
    """Best-effort metadata from the title and the head of the cleaned text."""
    head = text[:1500]
    meta: dict = {}
    if (date := _first_date(head)):
        meta["date"] = date
    if (m := DOC_NUMBER_RE.search(head)):
        meta["number"] = re.sub(r"\s+", "", m.group())
    if (m := ISSUER_RE.search(title + "\n" + head)):
        meta["issuer"] = m.group(1)
    # Region: from the title, else the issuer, else the first place name at a clause start.
    for source in (title, re.sub(r"^(?:中共|中国共产党)", "", meta.get("issuer", "")), head):
        for m in REGION_RE.finditer(source):
            name = m.group(1)
            prev = source[m.start() - 1] if m.start() else ""
            if name not in _SKIP_REGION and (source is not head or not prev or not "\u4e00" <= prev <= "\u9fff"):
                meta["region"] = name
                return meta
    return meta
