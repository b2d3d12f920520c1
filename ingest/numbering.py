"""Automatic paragraph numbers of a .docx (numbering.xml): Word draws 「第四条」, 「一、」 or
「（三）」 in front of a numbered paragraph without storing it in the paragraph's text, so a
document whose articles are numbered by Word would lose its article paths. `Numbering.label`
gives the number as Word shows it, counted in document order, to put before the paragraph's
text: the loaded text is what the reader sees, and quotes stay exact spans of it."""

from __future__ import annotations

from docx.oxml.ns import qn

from core.figures import chinese_number

_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
MAX_LEVELS = 9


def _val(el, tag: str) -> str | None:
    child = el.find(qn(tag)) if el is not None else None
    return child.get(qn("w:val")) if child is not None else None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified",
               "taiwaneseCounting", "taiwaneseCountingThousand", "japaneseCounting"):
        return chinese_number(n)
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= len(_CIRCLED):
        return _CIRCLED[n - 1]
    if fmt == "decimalFullWidth":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        out, rest = "", n
        for value, numeral in _ROMAN:
            while rest >= value:
                out, rest = out + numeral, rest - value
        return out if fmt == "upperRoman" else out.lower()
    return str(n)  # decimal and anything unknown


class Numbering:
    """Counters of a document's numbered lists, advanced paragraph by paragraph in body order."""

    def __init__(self, document) -> None:
        self.levels: dict[str, dict[int, dict]] = {}  # numId → level → {fmt, text, start, suff}
        self.abstract_of: dict[str, str] = {}
        self.counters: dict[str, list[int | None]] = {}  # abstractNumId → counter per level
        self.styles = document.styles
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            root = None
        if root is None:
            return
        abstract = {}
        for a in root.findall(qn("w:abstractNum")):
            abstract[a.get(qn("w:abstractNumId"))] = self._read_levels(a)
        for num in root.findall(qn("w:num")):
            num_id, abs_id = num.get(qn("w:numId")), _val(num, "w:abstractNumId")
            levels = {k: dict(v) for k, v in abstract.get(abs_id, {}).items()}
            for override in num.findall(qn("w:lvlOverride")):
                ilvl = _int(override.get(qn("w:ilvl")), 0)
                start = _val(override, "w:startOverride")
                lvl = override.find(qn("w:lvl"))
                if lvl is not None:
                    levels.update(self._read_levels_from([lvl]))
                if start is not None and ilvl in levels:
                    levels[ilvl]["start"] = _int(start, 1)
            self.levels[num_id] = levels
            # Lists sharing an abstract definition share counters, unless the list restarts.
            restarts = any(o.find(qn("w:startOverride")) is not None for o in num.findall(qn("w:lvlOverride")))
            self.abstract_of[num_id] = f"{abs_id}/{num_id}" if restarts else str(abs_id)

    def _read_levels(self, abstract) -> dict[int, dict]:
        return self._read_levels_from(abstract.findall(qn("w:lvl")))

    @staticmethod
    def _read_levels_from(lvls) -> dict[int, dict]:
        out = {}
        for lvl in lvls:
            ilvl = _int(lvl.get(qn("w:ilvl")), 0)
            if 0 <= ilvl < MAX_LEVELS:
                out[ilvl] = {"fmt": _val(lvl, "w:numFmt") or "decimal", "text": _val(lvl, "w:lvlText") or "",
                             "start": _int(_val(lvl, "w:start"), 1), "suff": _val(lvl, "w:suff") or "tab"}
        return out

    def _num_pr(self, paragraph) -> tuple[str | None, int]:
        """(numId, level) of the paragraph, from its own properties or its style's."""
        p_pr = paragraph._p.pPr
        num_pr = p_pr.find(qn("w:numPr")) if p_pr is not None else None
        if num_pr is not None and _val(num_pr, "w:numId") is not None:
            return _val(num_pr, "w:numId"), _int(_val(num_pr, "w:ilvl"), 0)
        style = paragraph.style
        for _ in range(10):  # a style may inherit its numbering from its base style
            if style is None:
                break
            s_pr = style.element.pPr
            num_pr = s_pr.find(qn("w:numPr")) if s_pr is not None else None
            if num_pr is not None and _val(num_pr, "w:numId") is not None:
                return _val(num_pr, "w:numId"), _int(_val(num_pr, "w:ilvl"), 0)
            style = style.base_style
        return None, 0

    def label(self, paragraph) -> str:
        """The number Word draws before the paragraph ("" when it has none), with its separator."""
        num_id, ilvl = self._num_pr(paragraph)
        if num_id is None or num_id == "0" or num_id not in self.levels:
            return ""
        levels = self.levels[num_id]
        if ilvl not in levels:
            return ""
        key = self.abstract_of.get(num_id, num_id)
        counters = self.counters.setdefault(key, [None] * MAX_LEVELS)
        counters[ilvl] = levels[ilvl]["start"] if counters[ilvl] is None else counters[ilvl] + 1
        for deeper in range(ilvl + 1, MAX_LEVELS):
            counters[deeper] = None
        lvl = levels[ilvl]
        if lvl["fmt"] in ("bullet", "none"):
            return ""
        text = lvl["text"]
        for k in range(ilvl, -1, -1):
            n = counters[k] if counters[k] is not None else levels.get(k, {}).get("start", 1)
            fmt = levels.get(k, {}).get("fmt", "decimal")
            text = text.replace(f"%{k + 1}", format_number(n, fmt))
        if not text:
            return ""
        return text + {"space": " ", "nothing": ""}.get(lvl["suff"], " ")
