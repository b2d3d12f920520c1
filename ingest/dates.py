"""Dates as policy documents write them: 2024年11月10日, 2024-11-10, 15/11/2022, 二〇一四年十二月
二十四日, 中華民國一百零一年七月九日 (Taiwan's calendar), 20241110; each read as YYYY-MM-DD,
and a date that cannot be (month 13) is no date."""

from __future__ import annotations

import re

from core.figures import numeral_value

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


def _cn_int(text: str) -> int | None:
    value = numeral_value(text)  # 二〇一四 digit by digit, 十二 as a number
    return int(value) if value is not None else None


def iso_date(y: int | None, m: int | None, d: int | None) -> str:
    if y and m and d and 1900 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return ""


def dates_in(text: str) -> list[str]:
    """Every well-formed date in `text`, in order of appearance, as YYYY-MM-DD."""
    found: list[tuple[int, str]] = []
    for m in YMD_RE.finditer(text):
        y, mo, d = int(m.group(1)), int(m.group(2) or m.group(4)), int(m.group(3) or m.group(5))
        found.append((m.start(), iso_date(y, mo, d)))
    for m in DMY_RE.finditer(text):
        found.append((m.start(), iso_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))))
    for m in CN_DATE_RE.finditer(text):
        found.append((m.start(), iso_date(_cn_int(m.group(1)), _cn_int(m.group(2)), _cn_int(m.group(3)))))
    for m in ROC_DATE_RE.finditer(text):
        y = _cn_int(m.group(1))
        found.append((m.start(), iso_date(y + 1911 if y else None, _cn_int(m.group(2)), _cn_int(m.group(3)))))
    return [iso for _, iso in sorted(found) if iso]
