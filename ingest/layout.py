"""Reading order of the text boxes an OCR engine finds on a page: the detector's order is
not the reader's. Boxes on one line (vertical centres within half a line height) are joined
left to right; a page with two columns (a blank vertical strip in its middle third that no
narrow box crosses, three or more lines on each side) is read column by column, a line that
spans both (a title, a full-width paragraph) staying where it stands; vertical text (seals,
stamps, margin notes) comes after the body, each on its own line, instead of interleaving with
the body's lines; visual line wraps of the body are rejoined as for a PDF page."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.pdf import unwrap_lines


@dataclass(frozen=True)
class Box:
    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0


def _vertical(b: Box) -> bool:
    return b.h > 1.5 * b.w and len(b.text) >= 2


def _rows(boxes: list[Box]) -> list[list[Box]]:
    """Boxes on one line (vertical centres within half a line height) left to right."""
    rows: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: (b.y0 + b.y1) / 2):
        centre = (b.y0 + b.y1) / 2
        if rows:
            last = rows[-1]
            lc = sum((x.y0 + x.y1) / 2 for x in last) / len(last)
            if abs(centre - lc) < 0.5 * max(b.h, max(x.h for x in last)):
                last.append(b)
                continue
        rows.append([b])
    return [sorted(r, key=lambda b: b.x0) for r in rows]


def _gutter(boxes: list[Box], width: float) -> float | None:
    """The x of a blank vertical strip in the middle of the page between two columns of text:
    no narrow box crosses it and at least three lines stand on each side."""
    narrow = [b for b in boxes if b.w < 0.55 * width]
    if len(narrow) < 6:
        return None
    step = max(width / 200, 1.0)
    best = None
    x = 0.3 * width
    while x <= 0.7 * width:
        if not any(b.x0 < x < b.x1 for b in narrow):
            left = sum(1 for b in narrow if b.x1 <= x)
            right = sum(1 for b in narrow if b.x0 >= x)
            if left >= 3 and right >= 3:
                score = min(left, right)
                if best is None or score > best[0]:
                    best = (score, x)
        x += step
    return best[1] if best else None


def reading_order(boxes: list[Box], width: float) -> list[list[Box]]:
    """Lines of a page in reading order (see the module's docstring)."""
    vertical = [b for b in boxes if _vertical(b)]
    flat = [b for b in boxes if not _vertical(b)]
    gutter = _gutter(flat, width)
    lines: list[list[Box]] = []
    if gutter is None:
        lines = _rows(flat)
    else:
        # Lines crossing the gutter (titles, full-width paragraphs) split the page into bands;
        # in each band the left column is read before the right one.
        band: list[Box] = []
        for b in sorted(flat, key=lambda b: b.y0):
            if b.x0 < gutter < b.x1:
                lines.extend(_band(band, gutter))
                band = []
                lines.append([b])
            else:
                band.append(b)
        lines.extend(_band(band, gutter))
    return lines + [[b] for b in sorted(vertical, key=lambda b: (b.x0, b.y0))]


def page_text(boxes: list[Box], width: float) -> str:
    """The page's text: body lines in reading order with visual wraps rejoined, then the
    vertical text, each on its own line (never joined to the body's last line)."""
    lines = reading_order(boxes, width)
    body = [ln for ln in lines if not (len(ln) == 1 and _vertical(ln[0]))]
    side = [ln for ln in lines if len(ln) == 1 and _vertical(ln[0])]
    text = [unwrap_lines("\n".join(line_text(ln) for ln in body))] + [line_text(ln) for ln in side]
    return "\n".join(text).strip("\n")


def page_lines(boxes: list[Box], width: float) -> tuple[str, list[tuple[Box, int, int]]]:
    """The page's text (as `page_text`) and each recognised line in it: the line's box (the
    union of its boxes, in page-image pixels) and its [start, end) in the page text. Joining
    wraps changes only what stands between lines, so each line is found in order."""
    text = page_text(boxes, width)
    found: list[tuple[Box, int, int]] = []
    cursor = 0
    for line in reading_order(boxes, width):
        t = line_text(line)
        at = text.find(t, cursor) if t else -1
        if at < 0:
            continue
        cursor = at + len(t)
        found.append((Box(t, min(b.score for b in line), min(b.x0 for b in line), min(b.y0 for b in line),
                          max(b.x1 for b in line), max(b.y1 for b in line)), at, cursor))
    return text, found


def _band(band: list[Box], gutter: float) -> list[list[Box]]:
    return _rows([b for b in band if b.x1 <= gutter]) + _rows([b for b in band if b.x0 >= gutter])


def line_text(line: list[Box]) -> str:
    parts = [line[0].text]
    for prev, b in zip(line, line[1:]):
        char = max(b.h, 1.0)
        parts.append((" " if b.x0 - prev.x1 > 0.8 * char else "") + b.text)
    return "".join(parts).strip()
