"""Word documents: .docx (Word 2007+, python-docx) in body order, automatic paragraph numbers
as Word draws them (`ingest.numbering`), tables row by row with their header (`ingest.tables`)."""

from __future__ import annotations

import io
from pathlib import Path

from ingest.loaders import LoadError, _meta_title, check_zip, content_hash, guess_title
from ingest.numbering import Numbering
from ingest.tables import Cell, table_lines
from core.records import Document


def load_docx(path: Path, data: bytes) -> Document:
    import docx
    from docx.table import Table

    check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
        numbering = Numbering(document)  # 「第四条」 drawn by Word's list numbering
        lines: list[str] = []
        # Body order, so a table stays between the paragraphs that introduce and follow it.
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(table_lines(docx_grid(block)))
            else:
                lines.append(numbering.label(block) + block.text)
        title = _meta_title(document.core_properties.title)
    except Exception as e:  # python-docx raises zip, XML and key errors for broken files
        raise LoadError(f"corrupt or unreadable .docx (not a Word 2007+ file?) "
                        f"({type(e).__name__}: {e})", kind="corrupt") from e
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    if not text.strip():
        raise LoadError("the document has no text", kind="empty")
    return Document(doc=path.name, title=title or guess_title(text, path.stem), text=text,
                    content_hash=content_hash(data))


def docx_grid(table) -> list[list[Cell]]:
    """The table's grid: python-docx gives a merged cell in every grid position it spans
    (across columns and, for vertical merges, down rows), so its text fills the span; the
    cell's XML element is its identity."""
    return [[Cell(cell.text, cell._tc) for cell in row.cells] for row in table.rows]
