"""Word 97-2003 documents (.doc) and WPS documents saved in that format (.wps): the Word binary
file format ([MS-DOC]) read in pure Python, with `olefile` (PyPI) opening the OLE2 container.

The main text is read through the piece table (the CLX in the table stream), in document
order, as Word stores it: paragraphs end with CR, table cells with 0x07, a row with one more
0x07 paragraph whose properties say it ends a row (sprmPFTtp); field codes (between 0x13 and
0x14) are dropped and their results kept. Tables become one line per row naming its columns
(`ingest.tables`). Automatic list numbers (「第四条」 drawn by Word, not stored in the text) are
counted from the list tables (`ingest.worddoc_lists`) and put before their paragraphs, as for
.docx."""

from __future__ import annotations

import bisect
import io
import struct
from pathlib import Path

from ingest.loaders import LoadError, _meta_title, content_hash, guess_title
from ingest.tables import Cell, table_lines
from ingest.worddoc_lists import Lists
from core.records import Document

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORD_IDENT = 0xA5EC
MIN_NFIB = 0x00C1  # Word 97; earlier versions (Word 6/95) store text differently
MAX_CHARS = 20_000_000
_SPRM_TTP = (0x2417, 0x244C)  # sprmPFTtp, sprmPFInnerTtp: this paragraph mark ends a table row
_SPRM_SIZE = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}
# Characters with a meaning in the stored text, besides CR (paragraph) and 0x07 (cell).
_DROP = {0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x1F}  # pictures, notes, annotation marks, soft hyphen
_NEWLINE = {0x0B, 0x0C, 0x0E}  # line break, page or section break, column break


def _u16(b: bytes, o: int) -> int:
    return struct.unpack_from("<H", b, o)[0]


def _u32(b: bytes, o: int) -> int:
    return struct.unpack_from("<I", b, o)[0]


def load_doc(path: Path, data: bytes) -> Document:
    kind = path.suffix.lower() or ".doc"
    text, title = read_word_binary(data, kind)
    if not text.strip():
        raise LoadError("the document has no text", kind="empty")
    return Document(doc=path.name, title=_meta_title(title) or guess_title(text, path.stem), text=text,
                    content_hash=content_hash(data))


def read_word_binary(data: bytes, kind: str = ".doc") -> tuple[str, str | None]:
    """(text, title from the document's summary information) of a Word binary file."""
    import olefile

    if data.startswith(b"PK"):
        raise LoadError(f"this {kind} is a Word 2007+ (.docx) file under another name: rename it .docx", kind="wrong_format")
    if data.startswith(b"{\\rtf"):
        raise LoadError(f"this {kind} is an RTF file, not a Word 97-2003 document: save it as .docx", kind="wrong_format")
    if not data.startswith(OLE_MAGIC):
        raise LoadError(f"not a Word 97-2003 document (no OLE2 header): {kind} files are read only in "
                        "the Word binary format; save it as .docx", kind="wrong_format")
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as e:  # olefile raises OSError and struct errors for broken containers
        raise LoadError(f"corrupt {kind} (unreadable OLE2 container: {e})", kind="corrupt") from e
    with ole:
        if not ole.exists("WordDocument"):
            try:
                streams = ", ".join("/".join(s) for s in ole.listdir()[:6])
            except Exception:  # noqa: BLE001 — a damaged directory: the names are only a hint
                streams = "unreadable"
            raise LoadError(f"this {kind} holds no Word document (streams: {streams}); if it is a WPS "
                            "file of an older format, save it as .docx in WPS", kind="wrong_format")
        try:
            word = ole.openstream("WordDocument").read()
            fib = _fib(word, kind)
            table_name = "1Table" if fib["which_table"] else "0Table"
            if not ole.exists(table_name):
                raise LoadError(f"corrupt {kind}: its table stream '{table_name}' is missing", kind="corrupt")
            table = ole.openstream(table_name).read()
            title = None
            try:
                title = ole.get_metadata().title
                title = title.decode("utf-8", "replace") if isinstance(title, bytes) else title
            except Exception:  # noqa: BLE001 — a title is optional
                title = None
            text = _main_text(word, table, fib, kind)
        except LoadError:
            raise
        except (struct.error, IndexError, KeyError, TypeError, ValueError, OSError, UnicodeError,
                RuntimeError) as e:  # RuntimeError: olefile recursing through a looping directory
            raise LoadError(f"corrupt {kind} ({type(e).__name__}: {e})", kind="corrupt") from e
    return text, title


def _fib(word: bytes, kind: str) -> dict:
    if len(word) < 0x200 or _u16(word, 0) != WORD_IDENT:
        raise LoadError(f"not a Word document: the {kind} has no Word file header", kind="wrong_format")
    nfib = _u16(word, 2)
    flags = _u16(word, 0x0A)
    if flags & 0x0100:
        raise LoadError(f"password-protected {kind}: it cannot be read without the password", kind="password")
    if nfib < MIN_NFIB:
        raise LoadError(f"Word 6/95 format {kind} (version {nfib:#x}) is not read: save it as .docx", kind="old_format")
    pos = 0x20
    csw = _u16(word, pos)
    pos += 2 + 2 * csw
    cslw = _u16(word, pos)
    rg_lw = pos + 2
    pos = rg_lw + 4 * cslw
    cb_fclcb = _u16(word, pos)
    rg_fclcb = pos + 2

    def fclcb(i: int) -> tuple[int, int]:
        if i >= cb_fclcb:
            raise LoadError(f"corrupt {kind}: its file header is cut short", kind="corrupt")
        return _u32(word, rg_fclcb + 8 * i), _u32(word, rg_fclcb + 8 * i + 4)

    return {"which_table": bool(flags & 0x0200), "ccp_text": _u32(word, rg_lw + 4 * 3),
            "clx": fclcb(33), "bte_papx": fclcb(13),
            "lst": fclcb(73) if cb_fclcb > 74 else (0, 0), "lfo": fclcb(74) if cb_fclcb > 74 else (0, 0)}


def _pieces(table: bytes, fc_clx: int, lcb_clx: int, kind: str) -> list[tuple[int, int, int, bool]]:
    """(cp_start, cp_end, fc, compressed) of each piece of text."""
    clx = table[fc_clx:fc_clx + lcb_clx]
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # Prc: formatting of complex files, skipped
        pos += 3 + struct.unpack_from("<h", clx, pos + 1)[0]
    if pos >= len(clx) or clx[pos] != 0x02:
        raise LoadError(f"corrupt {kind}: no piece table", kind="corrupt")
    lcb = _u32(clx, pos + 1)
    plc = clx[pos + 5:pos + 5 + lcb]
    n = (len(plc) - 4) // 12
    cps = [_u32(plc, 4 * i) for i in range(n + 1)]
    out = []
    for i in range(n):
        fc_raw = _u32(plc, 4 * (n + 1) + 8 * i + 2)
        compressed = bool(fc_raw & 0x40000000)
        fc = fc_raw & 0x3FFFFFFF
        out.append((cps[i], cps[i + 1], fc // 2 if compressed else fc, compressed))
    return out


class _RowEnds:
    """Whether the paragraph mark at a stream offset (fc) ends a table row, and that row's cell
    layout: paragraph properties are looked up in the FKP pages the PlcBtePapx points at."""

    def __init__(self, word: bytes, table: bytes, fc: int, lcb: int) -> None:
        self.word = word
        plc = table[fc:fc + lcb]
        n = (len(plc) - 4) // 8
        self.fcs = [_u32(plc, 4 * i) for i in range(n + 1)]
        self.pages = [_u32(plc, 4 * (n + 1) + 4 * i) & 0x3FFFFF for i in range(n)]
        self._cache: dict[int, tuple[list[int], list]] = {}

    NONE = (False, None, 0, 0)

    def __call__(self, fc: int) -> tuple[bool, list | None, int, int]:
        """(ends a row, [(left, right, horizontal merge, vertical merge)] of its cells or None,
        list (ilfo, 0 for none), list level) of the paragraph whose mark is at `fc`."""
        i = bisect.bisect_right(self.fcs, fc) - 1
        if not 0 <= i < len(self.pages):
            return self.NONE
        rgfc, props = self._page(self.pages[i])
        j = bisect.bisect_right(rgfc, fc) - 1
        return props[j] if 0 <= j < len(props) else self.NONE

    def _page(self, pn: int) -> tuple[list[int], list]:
        if pn not in self._cache:
            page = self.word[pn * 512:(pn + 1) * 512]
            crun = page[511] if len(page) == 512 else 0
            rgfc = [_u32(page, 4 * k) for k in range(crun + 1)]
            props = []
            for k in range(crun):
                b_offset = page[4 * (crun + 1) + 13 * k]
                props.append(self._papx(page, 2 * b_offset) if b_offset else self.NONE)
            self._cache[pn] = (rgfc, props)
        return self._cache[pn]

    @staticmethod
    def _papx(page: bytes, o: int) -> tuple[bool, list | None, int, int]:
        cb = page[o]
        if cb == 0:
            size, start = 2 * page[o + 1], o + 2
        else:
            size, start = 2 * cb - 1, o + 1
        grpprl = page[start + 2:start + size]  # after the style index
        ttp, cells, ilfo, ilvl = False, None, 0, 0
        pos = 0
        while pos + 2 <= len(grpprl):
            sprm = _u16(grpprl, pos)
            pos += 2
            spra = sprm >> 13
            if sprm in _SPRM_TTP and pos < len(grpprl) and grpprl[pos] == 1:
                ttp = True
            elif sprm == 0x460B and pos + 2 <= len(grpprl):  # sprmPIlfo: the paragraph's list
                ilfo = _u16(grpprl, pos)
            elif sprm == 0x260A and pos < len(grpprl):  # sprmPIlvl: its level in the list
                ilvl = grpprl[pos]
            if spra == 6:
                if sprm == 0xD608:  # sprmTDefTable: two-byte size, then the cells' layout
                    if pos + 2 > len(grpprl):
                        break
                    cells = _tdef(grpprl[pos + 2:pos + 1 + _u16(grpprl, pos)])
                    pos += 1 + _u16(grpprl, pos)
                else:
                    pos += 1 + (grpprl[pos] if pos < len(grpprl) else 0)
            else:
                pos += _SPRM_SIZE[spra]
        return ttp, cells, ilfo, ilvl


def _tdef(op: bytes) -> list | None:
    """(left, right, horizontal merge, vertical merge) per cell of a sprmTDefTable operand:
    itcMac, the cells' edges (itcMac + 1 twips), then a 20-byte TC80 per cell."""
    if not op:
        return None
    n = op[0]
    edges = [struct.unpack_from("<h", op, 1 + 2 * k)[0] for k in range(n + 1)]
    base = 1 + 2 * (n + 1)
    out = []
    for k in range(n):
        grf = _u16(op, base + 20 * k) if base + 20 * k + 2 <= len(op) else 0
        out.append((edges[k], edges[k + 1], grf & 0x3, (grf >> 5) & 0x3))
    return out


def _grid(rows: list[tuple[list[Cell], list | None]]) -> list[list[Cell]]:
    """The table's grid: each cell over the columns between its edges (all rows' edges make
    the columns), a horizontally or vertically continued cell showing the cell it continues."""
    if any(layout is None or len(layout) != len(cells) for cells, layout in rows):
        return [cells for cells, _ in rows]
    edges = sorted({e for _, layout in rows for c in layout for e in c[:2]})
    grid: list[list[Cell]] = []
    for cells, layout in rows:
        line: list[Cell] = []
        for cell, (left, right, hmerge, vmerge) in zip(cells, layout):
            if hmerge == 2 and line:  # continues the cell on its left
                cell = line[-1]
            span = max(1, sum(1 for a, b in zip(edges, edges[1:]) if a >= left and b <= right))
            for _ in range(span):
                j = len(line)
                if vmerge == 1 and grid and j < len(grid[-1]):  # continues the cell above
                    line.append(grid[-1][j])
                else:
                    line.append(cell)
        grid.append(line)
    return grid


def _main_text(word: bytes, table: bytes, fib: dict, kind: str) -> str:
    ccp = fib["ccp_text"]
    if ccp > MAX_CHARS:
        raise LoadError(f"the {kind} declares {ccp:,} characters of text (limit {MAX_CHARS:,})", kind="too_much")
    row_end = _RowEnds(word, table, *fib["bte_papx"])
    lists = Lists(table, fib["lst"], fib["lfo"])
    chars: list[tuple[str, int]] = []  # (character, its stream offset)
    for cp0, cp1, fc, compressed in _pieces(table, *fib["clx"], kind):
        if cp0 >= ccp:
            break
        count = min(cp1, ccp) - cp0
        if compressed:
            raw = word[fc:fc + count]
            text = raw.decode("cp1252", errors="replace")
            chars.extend((ch, fc + k) for k, ch in enumerate(text))
        else:
            raw = word[fc:fc + 2 * count]
            text = raw.decode("utf-16-le", errors="replace")
            chars.extend((ch, fc + 2 * k) for k, ch in enumerate(text))
    return _assemble(chars, row_end, lists)


def _assemble(chars: list[tuple[str, int]], row_end, lists: Lists | None = None) -> str:
    """Paragraphs as lines, fields as their results, tables as rows naming their columns."""
    lines: list[str] = []
    rows: list[tuple[list[Cell], list | None]] = []  # the table being read: cells, layout
    row: list[Cell] = []
    buf: list[str] = []
    fields: list[bool] = []  # per open field: whether its code part is still being read
    for ch, fc in chars:
        o = ord(ch)
        if o == 0x13:
            fields.append(True)
            continue
        if o == 0x14:
            if fields:
                fields[-1] = False
            continue
        if o == 0x15:
            if fields:
                fields.pop()
            continue
        if any(fields):
            continue  # a field's instructions (HYPERLINK "…", PAGE), not its result
        if o == 0x07:
            ends, layout, _, _ = row_end(fc)
            if ends:
                rows.append((row, layout))
                row = []
            else:
                row.append(Cell("".join(buf), (len(rows), len(row))))
            buf = []
            continue
        if o == 0x0D:
            para = "".join(buf)
            buf = []
            if row:  # a paragraph inside a cell
                buf = [para, "\n"] if para else []
                continue
            if rows:
                lines.extend(table_lines(_grid(rows)))
                rows = []
            _, _, ilfo, ilvl = row_end(fc)
            lines.append((lists.label(ilfo, ilvl) if lists and ilfo else "") + para)
            continue
        if o in _NEWLINE:
            buf.append("\n" if not row else " ")
        elif o == 0x1E:
            buf.append("-")
        elif o == 0xA0:
            buf.append(" ")
        elif o not in _DROP and (o >= 0x20 or o == 0x09):
            buf.append(ch)
    if rows:
        lines.extend(table_lines(_grid(rows)))
    if buf:
        lines.append("".join(buf))
    return "\n".join(line.rstrip() for line in lines).strip("\n")
