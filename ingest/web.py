"""Web pages (.html/.htm): page furniture removed, the main block picked by trafilatura,
tables row by row with their header (`ingest.tables`)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

from ingest.loaders import LoadError, _meta_title, content_hash, decode_bytes, guess_title
from ingest.tables import Cell, table_lines
from core.records import Document

# Bounds on one table's grid (rowspan/colspan are attacker-chosen numbers).
MAX_SPAN = 1000
MAX_GRID_CELLS = 200_000

# Page furniture that is never document content.
_HTML_DROP = ("script", "style", "noscript", "template", "nav", "iframe")
# Page-level headers/footers/sidebars; inside <article>/<main> a <header> often holds the title.
_HTML_DROP_OUTSIDE_MAIN = ("header", "footer", "aside")
_HTML_BLOCKS = {"p", "div", "li", "tr", "br", "h1", "h2", "h3", "h4", "h5", "h6", "table",
                "section", "article", "main", "blockquote", "pre", "dd", "dt", "ul", "ol"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def decode_html(data: bytes) -> str:
    """Honour a BOM or the page's <meta charset>, else guess like plain text."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        if (m := _META_CHARSET.search(data[:4096])):
            label = m.group(1).decode("ascii").lower()
            # gb2312/gbk pages routinely use characters only GB18030 (their superset) names.
            label = "gb18030" if label in {"gb2312", "gbk", "x-gbk", "gb_2312-80"} else label
            try:
                return data.decode(label)
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong or unknown label: fall back to guessing
    return decode_bytes(data)


def load_html(path: Path, data: bytes) -> Document:
    import lxml.html
    import trafilatura
    from lxml.etree import ParserError

    html = decode_html(data)
    if not html.strip():
        raise LoadError("the file is empty", kind="empty")
    try:
        tree = lxml.html.document_fromstring(html)
    except (ParserError, ValueError) as e:
        raise LoadError(f"unreadable HTML ({e})", kind="corrupt") from e
    _strip_furniture(tree)
    _flatten_tables(tree)
    # trafilatura's own boilerplate detection misfires on short pages (it then keeps nav
    # text), so furniture is removed above first and trafilatura only picks the main block.
    text = trafilatura.extract(copy.deepcopy(tree), include_tables=True, favor_recall=True,
                               include_comments=False, include_images=False, deduplicate=False)
    if not text or not text.strip():
        text = _body_text(tree)
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    if not text:
        raise LoadError("the HTML page has no text content", kind="empty")
    meta = trafilatura.extract_metadata(html)
    title = _meta_title(meta.title if meta else None)
    return Document(doc=path.name, title=title or guess_title(text, path.stem), text=text,
                    content_hash=content_hash(data))


def _strip_furniture(tree) -> None:
    for el in list(tree.iter(*_HTML_DROP)):
        el.drop_tree()
    for el in list(tree.iter(*_HTML_DROP_OUTSIDE_MAIN)):
        if not any(a.tag in ("article", "main") for a in el.iterancestors()):
            el.drop_tree()


def _flatten_tables(tree) -> None:
    """Each table becomes paragraphs, one per row with its header (`ingest.tables`), as for
    .docx; innermost tables first."""
    import lxml.html

    for table in reversed(list(tree.iter("table"))):
        block = lxml.html.Element("div")
        for line in table_lines(html_grid(table)):
            p = lxml.html.Element("p")
            p.text = line
            block.append(p)
        block.tail = table.tail
        table.getparent().replace(table, block)


def _span(el, attr: str) -> int:
    try:
        return max(1, min(int(el.get(attr, "1")), MAX_SPAN))
    except ValueError:
        return 1


def html_grid(table) -> list[list[Cell]]:
    """The table's grid with rowspan/colspan filled: a spanning cell in every position it
    covers (one key), so a merged header names each column below it."""
    grid: dict[tuple[int, int], Cell] = {}
    rows = [tr for tr in table.iter("tr") if next(tr.iterancestors("table")) is table]
    for i, tr in enumerate(rows):
        j = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while (i, j) in grid:
                j += 1
            text = " ".join("".join(td.itertext()).split())
            cell = Cell(text, td)
            for di in range(_span(td, "rowspan")):
                if i + di >= len(rows):
                    break
                for dj in range(_span(td, "colspan")):
                    if len(grid) >= MAX_GRID_CELLS:
                        break
                    grid[(i + di, j + dj)] = cell
            j += _span(td, "colspan")
    if not grid:
        return []
    width = max(j for _, j in grid) + 1
    return [[grid.get((i, j), Cell("", ("gap", i, j))) for j in range(width)] for i in range(len(rows))]


def _body_text(tree) -> str:
    """Fallback: all text of <body>, a line break after each block element."""
    body = tree.find("body")
    root = copy.deepcopy(body if body is not None else tree)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _HTML_BLOCKS:
            el.tail = "\n" + (el.tail or "")
    return root.text_content()


