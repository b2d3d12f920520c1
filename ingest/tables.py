"""Tables as text: each row a line that names its columns, so a row is found, quoted and
cited with its header (「区县：五华区，经费标准/工作经费：8万元」).

Every loader with tables (.docx, .html, .xlsx/.xls, .doc) builds a grid of cells in which a
merged cell fills its whole span (the same `Cell.key` in every position it covers) and passes
it to `table_lines`. Because every row line carries the column names, a long table split
between rows by the chunker repeats its header in every piece, and the document text stays
the text that is quoted (citations are exact spans of it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A header cell names a column: short, and not a bare figure.
HEADER_MAX_CHARS = 30
_FIGURE = re.compile(r"^[-+]?[\d,，.．%％\s]+$")
# Between the parts of a name under a merged header cell, between the cells of a row.
NAME_JOIN = "/"
CELL_JOIN = "，"
PLAIN_JOIN = " | "  # a table without a header row: its cells as they stand


@dataclass(frozen=True)
class Cell:
    text: str
    key: object  # identity of the source cell: a merged cell has one key over its span


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_cell(text: object) -> str:
    """A cell's text on one line, without control characters (a damaged file's bytes)."""
    return " ".join(_CONTROL.sub("", str(text or "")).split())


def _width_cells(row: list[Cell]) -> list[Cell]:
    """The row's cells once each (a horizontally merged cell counts once)."""
    out: list[Cell] = []
    for c in row:
        if not out or c.key != out[-1].key:
            out.append(c)
    return out


def _only_text(row: list[Cell]) -> str | None:
    """The text of a row with text in one cell only (a caption, a group label)."""
    filled = [c.text for c in _width_cells(row) if c.text]
    return filled[0] if len(filled) == 1 else None


def _looks_like_header(row: list[Cell]) -> bool:
    cells = [c.text for c in _width_cells(row)]
    filled = [t for t in cells if t]
    return (len(filled) >= 2 and len(filled) >= len(cells) - 1
            and all(len(t) <= HEADER_MAX_CHARS and not _FIGURE.match(t) for t in filled))


def _spans_columns(row: list[Cell]) -> bool:
    return len(_width_cells(row)) < len(row)


def table_lines(grid: list[list[Cell]]) -> list[str]:
    """Lines for one table: caption rows as they stand, then one line per data row with each
    value after its column name (names of several header rows joined with "/"). A table
    without a recognisable header row keeps its cells joined with " | "."""
    width = max((len(r) for r in grid), default=0)
    grid = [[Cell(clean_cell(c.text), c.key) for c in r] + [Cell("", ("pad", i, j)) for j in range(width - len(r))]
            for i, r in enumerate(grid)]
    # Columns and rows with no text at all are layout, not content.
    keep = [j for j in range(width) if any(r[j].text for r in grid)]
    grid = [[r[j] for j in keep] for r in grid if any(c.text for c in r)]
    lines: list[str] = []
    if not grid or len(grid[0]) < 2:
        return [" ".join(c.text for c in r) for r in grid]
    while grid and _only_text(grid[0]) is not None:
        lines.append(_only_text(grid[0]))  # a caption over the table
        grid = grid[1:]
    if not grid:
        return lines
    if len(grid) < 2 or len(grid[0]) < 2 or not _looks_like_header(grid[0]):
        return lines + [PLAIN_JOIN.join(c.text for c in _width_cells(r) if c.text) for r in grid]
    n_head = 1
    # A header cell spanning columns names a group: the row below names its columns.
    while (n_head < len(grid) - 1 and _spans_columns(grid[n_head - 1])
           and _looks_like_header(grid[n_head])):
        n_head += 1
    names = []
    for j in range(len(grid[0])):
        parts: list[str] = []
        seen: list[object] = []
        for r in grid[:n_head]:
            c = r[j]
            if c.text and c.key not in seen and c.text not in parts:
                parts.append(c.text)
            seen.append(c.key)
        names.append(NAME_JOIN.join(parts))
    for r in grid[n_head:]:
        if len(_width_cells(r)) == 1:
            lines.append(r[0].text)  # a group label spanning the table
            continue
        pairs: list[str] = []
        prev = None
        for j, c in enumerate(r):
            if c.key == prev or not c.text:
                prev = c.key
                continue
            prev = c.key
            pairs.append(f"{names[j]}：{c.text}" if names[j] else c.text)
        if pairs:
            lines.append(CELL_JOIN.join(pairs))
    return lines
