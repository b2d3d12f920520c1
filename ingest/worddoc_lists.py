"""Automatic list numbers of a Word 97-2003 document (.doc/.wps): Word draws 「第四条」 or
「（一）」 in front of a numbered paragraph without storing it in the text, so `ingest.worddoc`
puts the number as Word shows it before the paragraph ([MS-DOC] list tables; the numbers are
formatted by `ingest.numbering`, as for .docx)."""

from __future__ import annotations

import struct


# Number formats (LVLF.nfc) → the names ingest.numbering formats (its OOXML equivalents).
_NFC = {0: "decimal", 1: "upperRoman", 2: "lowerRoman", 3: "upperLetter", 4: "lowerLetter",
        14: "decimalFullWidth", 18: "decimalEnclosedCircle", 22: "decimalZero", 23: "bullet",
        28: "decimalEnclosedCircleChinese", 30: "ideographTraditional", 31: "ideographZodiac",
        255: "none", **{n: "chineseCounting" for n in (10, 11, 16, 17, 33, 35, 37, 38, 39)}}


class Lists:
    """Automatic paragraph numbers (「第四条」, 「（一）」): the list definitions (PlfLst, each
    followed in the table stream by its levels' LVL records) and the list instances (PlfLfo)
    paragraphs point at. Numbers are counted per list in document order."""

    def __init__(self, table: bytes, lst: tuple[int, int], lfo: tuple[int, int]) -> None:
        self.levels: dict[int, list[tuple[int, str, str, str]]] = {}  # lsid → (start, fmt, text, follow)
        self.lsids: list[int] = []  # by ilfo - 1
        self.counters: dict[int, list[int | None]] = {}
        try:
            self._read(table, *lst, *lfo)
        except (struct.error, IndexError, UnicodeError):
            self.levels, self.lsids = {}, []  # numbers are an extra: a damaged list table loses them only

    def _read(self, table: bytes, fc_lst: int, lcb_lst: int, fc_lfo: int, lcb_lfo: int) -> None:
        if lcb_lst < 2 or lcb_lfo < 4:
            return
        count = struct.unpack_from("<h", table, fc_lst)[0]
        heads = [(struct.unpack_from("<i", table, fc_lst + 2 + 28 * k)[0], table[fc_lst + 2 + 28 * k + 26] & 1)
                 for k in range(max(0, count))]
        o = fc_lst + lcb_lst  # the LVLs follow the PlfLst
        for lsid, simple in heads:
            levels = []
            for _ in range(1 if simple else 9):
                start = struct.unpack_from("<i", table, o)[0]
                nfc, follow = table[o + 4], table[o + 15]
                o += 28 + table[o + 25] + table[o + 24]  # LVLF, then its paragraph and run properties
                cch = struct.unpack_from("<H", table, o)[0]
                text = table[o + 2:o + 2 + 2 * cch].decode("utf-16-le")
                o += 2 + 2 * cch
                levels.append((start, _NFC.get(nfc, "decimal"), text, {0: " ", 1: " "}.get(follow, "")))
            self.levels[lsid] = levels
        lfo_count = struct.unpack_from("<i", table, fc_lfo)[0]
        self.lsids = [struct.unpack_from("<i", table, fc_lfo + 4 + 16 * k)[0] for k in range(max(0, lfo_count))]

    def label(self, ilfo: int, ilvl: int) -> str:
        from ingest.numbering import format_number

        if not 1 <= ilfo <= len(self.lsids) or self.lsids[ilfo - 1] not in self.levels:
            return ""
        lsid = self.lsids[ilfo - 1]
        levels = self.levels[lsid]
        if not 0 <= ilvl < len(levels):
            return ""
        counters = self.counters.setdefault(lsid, [None] * 9)
        counters[ilvl] = levels[ilvl][0] if counters[ilvl] is None else counters[ilvl] + 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = None
        start, fmt, text, follow = levels[ilvl]
        if fmt in ("bullet", "none") or not text:
            return ""
        shown = []
        for ch in text:  # characters 0-8 stand for the number of that level
            k = ord(ch)
            if k < 9 and k < len(levels):
                n = counters[k] if counters[k] is not None else levels[k][0]
                shown.append(format_number(n, levels[k][1]))
            else:
                shown.append(ch)
        return "".join(shown) + follow
