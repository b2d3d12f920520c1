"""Spreadsheets: .xlsx (openpyxl), .xls (xlrd) and WPS .et (either of the two, told apart by
the file's first bytes). Each sheet is a table (`ingest.tables`): every row a line naming its
columns, merged cells filling their span; a workbook of several sheets puts each sheet's name
on a line before its rows."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ingest.loaders import LoadError, _meta_title, check_zip, content_hash, guess_title
from ingest.tables import Cell, table_lines
from core.records import Document

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word/Excel 97-2003 (OLE2 compound file)


@dataclass(frozen=True)
class SheetLimits:
    """openpyxl holds a whole sheet in memory (tens of times its XML): the sheets' XML is
    bounded before loading, and the grid read from each sheet."""

    max_sheet_xml: int = 40 * 1024 * 1024  # all worksheets together, uncompressed
    max_rows: int = 20_000  # per sheet
    max_cols: int = 200
    max_cells: int = 1_000_000  # per workbook


SHEET_LIMITS = SheetLimits()


def cell_text(value: object, number_format: str = "") -> str:
    """A cell's value as written: whole numbers without ".0", dates as dates, percentages as %."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        if "%" in number_format:
            return f"{value * 100:.10g}%"
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.10g}"
    return str(value)


def _workbook_lines(sheets: list[tuple[str, list[list[Cell]]]]) -> list[str]:
    lines: list[str] = []
    for name, grid in sheets:
        rows = table_lines(grid)
        if not rows:
            continue
        if len(sheets) > 1:
            lines.append(name)
        lines.extend(rows)
        lines.append("")
    return lines


def _document(path: Path, data: bytes, lines: list[str], title: str | None) -> Document:
    text = "\n".join(lines).strip("\n")
    if not text.strip():
        raise LoadError("the spreadsheet has no text in any sheet", kind="empty")
    return Document(doc=path.name, title=_meta_title(title) or guess_title(text, path.stem), text=text,
                    content_hash=content_hash(data))


def _check_bounds(rows: int, cols: int, cells: int, limits: SheetLimits, sheet: str) -> None:
    if rows > limits.max_rows or cols > limits.max_cols:
        raise LoadError(f"sheet '{sheet[:40]}' is too large to index as text ({rows:,} rows × {cols:,} "
                        f"columns; limit {limits.max_rows:,} × {limits.max_cols:,})", kind="too_much")
    if cells > limits.max_cells:
        raise LoadError(f"the workbook has too many cells ({cells:,}; limit {limits.max_cells:,})", kind="too_much")


def load_xlsx(path: Path, data: bytes, limits: SheetLimits = SHEET_LIMITS) -> Document:
    import openpyxl

    check_zip(data, kind=".xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = sum(m.file_size for m in archive.infolist() if m.filename.startswith("xl/worksheets/"))
    if xml > limits.max_sheet_xml:
        raise LoadError(f"refused: the worksheets hold {xml // 1_048_576} MiB of XML "
                        f"(limit {limits.max_sheet_xml // 1_048_576} MiB)", kind="zip_bomb")
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)  # cached formula results
    except Exception as e:  # openpyxl raises zip, XML, key and value errors for broken files
        raise LoadError(f"corrupt or unreadable .xlsx (not an Excel 2007+ workbook?) "
                        f"({type(e).__name__}: {e})", kind="corrupt") from e
    sheets, cells = [], 0
    for ws in wb.worksheets:
        rows, cols = ws.max_row, ws.max_column
        cells += rows * cols
        _check_bounds(rows, cols, cells, limits, ws.title)
        # Every position of a merged range shows its top-left cell (openpyxl keeps the value
        # there only), with the range as its key.
        merged: dict[tuple[int, int], Cell] = {}
        for rng in ws.merged_cells.ranges:
            top = ws.cell(rng.min_row, rng.min_col)
            cell = Cell(cell_text(top.value, top.number_format), str(rng))
            for r in range(rng.min_row, min(rng.max_row, rows) + 1):
                for c in range(rng.min_col, min(rng.max_col, cols) + 1):
                    merged[(r, c)] = cell
        grid = []
        for r, row in enumerate(ws.iter_rows(min_row=1, max_row=rows, max_col=cols), 1):
            grid.append([merged.get((r, c)) or Cell(cell_text(x.value, x.number_format), (r, c))
                         for c, x in enumerate(row, 1)])
        sheets.append((ws.title, grid))
    return _document(path, data, _workbook_lines(sheets), wb.properties.title)


def load_xls(path: Path, data: bytes, limits: SheetLimits = SHEET_LIMITS) -> Document:
    """Excel 97-2003 (BIFF) workbooks, read by xlrd."""
    import xlrd

    if not data.startswith(OLE_MAGIC):
        raise LoadError("not an Excel 97-2003 workbook (no OLE2 header); if it is a newer "
                        "workbook, save it as .xlsx", kind="wrong_format")
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True,
                                  logfile=io.StringIO())
    except Exception as e:  # xlrd raises XLRDError, struct and index errors for broken files
        raise LoadError(f"corrupt or unreadable .xls ({type(e).__name__}: {e})", kind="corrupt") from e
    sheets, cells = [], 0
    try:
        for index in range(book.nsheets):
            sh = book.sheet_by_index(index)
            cells += sh.nrows * sh.ncols
            _check_bounds(sh.nrows, sh.ncols, cells, limits, sh.name)
            merged: dict[tuple[int, int], Cell] = {}
            for rlo, rhi, clo, chi in sh.merged_cells:
                cell = Cell(_xls_text(book, sh.cell(rlo, clo)), ("m", rlo, clo))
                for r in range(rlo, min(rhi, sh.nrows)):
                    for c in range(clo, min(chi, sh.ncols)):
                        merged[(r, c)] = cell
            grid = [[merged.get((r, c)) or Cell(_xls_text(book, sh.cell(r, c)), (r, c))
                     for c in range(sh.ncols)] for r in range(sh.nrows)]
            sheets.append((sh.name, grid))
            book.unload_sheet(index)
    except LoadError:
        raise
    except Exception as e:
        raise LoadError(f"corrupt or unreadable .xls ({type(e).__name__}: {e})", kind="corrupt") from e
    return _document(path, data, _workbook_lines(sheets), None)


def _xls_text(book, cell) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return cell_text(xlrd.xldate_as_datetime(cell.value, book.datemode))
        except (ValueError, OverflowError):
            return cell_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return cell_text(bool(cell.value))
    if cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    fmt = ""
    if cell.ctype == xlrd.XL_CELL_NUMBER and cell.xf_index is not None:
        try:
            fmt = book.format_map[book.xf_list[cell.xf_index].format_key].format_str
        except (IndexError, KeyError):
            fmt = ""
    return cell_text(cell.value, fmt)


def load_et(path: Path, data: bytes) -> Document:
    """WPS spreadsheets (.et): saved as an Excel 97-2003 or an Excel 2007+ workbook."""
    if data.startswith(OLE_MAGIC):
        return load_xls(path, data)
    if data.startswith(b"PK"):
        return load_xlsx(path, data)
    raise LoadError("not a readable WPS spreadsheet: neither the Excel 97-2003 nor the Excel 2007+ "
                    "format (open it in WPS and save it as .xlsx)", kind="wrong_format")
