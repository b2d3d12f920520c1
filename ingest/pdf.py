"""PDF: each page's text layer (pypdf), visual line wraps rejoined, page start offsets kept so
citations carry page numbers; pages without a text layer are scans, read by OCR
(`ingest.scan`) where the extra is installed."""

from __future__ import annotations

import io
import re
from pathlib import Path

from ingest.loaders import LoadError, _meta_title, content_hash, guess_title
from core.records import Document

_LINE_END = tuple("。！？!?；;：:”」』")
_HEADING_START = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[.．、]|第[一二三四五六七八九十]+[章节条])")


def unwrap_lines(text: str) -> str:
    """Rejoin the visual line wraps of a PDF page: a full-width line that ends mid-sentence
    continues on the next one (unless that one starts a heading); a short line such as a title
    stays its own line. Chinese joins without a space."""
    lines = text.split("\n")
    full = 0.8 * max((len(line.strip()) for line in lines), default=0)
    out: list[str] = []
    wrapped = False  # whether the last line taken was a full-width one
    for line in lines:
        stripped = line.strip()
        joins = (out and out[-1] and stripped and wrapped and not out[-1].endswith(_LINE_END)
                 and not _HEADING_START.match(stripped))
        wrapped = len(stripped) >= full
        if joins:
            glue = " " if out[-1][-1].isascii() and stripped[0].isascii() else ""
            out[-1] = out[-1] + glue + stripped
        else:
            out.append(stripped)
    return "\n".join(out)


def load_pdf(path: Path, data: bytes) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    if not data:
        raise LoadError("the file is empty", kind="empty")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            # Many PDFs are "encrypted" only against editing and open with an empty password.
            raise LoadError("password-protected PDF: it cannot be read without the password", kind="password")
        total = len(reader.pages)
        pages, cut = _pdf_pages(reader, total)
        info_title = reader.metadata.title if reader.metadata else None
        if not pages:
            raise LoadError("the PDF has no pages", kind="empty")
        # Pages without a text layer are scans: read by OCR where the extra is installed.
        from ingest.scan import ocr_pdf_pages, ocr_record

        pages, note, ocr_pages, read = ocr_pdf_pages(reader, pages, path.name)
        note = " ".join(x for x in (cut, note) if x)
    except LoadError:
        raise
    except DependencyError as e:
        raise LoadError(f"encrypted PDF that needs the 'cryptography' package to open ({e})", kind="password") from e
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as e:
        raise LoadError(f"corrupt or unreadable PDF ({type(e).__name__}: {e})", kind="corrupt") from e
    # Offsets of each page in the joined text, so chunks can cite a page number.
    page_starts, offset = [], 0
    for p in pages:
        page_starts.append(offset)
        offset += len(p) + 2
    text = "\n\n".join(pages)
    meta = {"pages": len(pages), "page_starts": page_starts, **({"load_note": note} if note else {}),
            **({"ocr_pages": ocr_pages} if ocr_pages else {})}
    return Document(doc=path.name, title=_meta_title(info_title) or guess_title(text, path.stem),
                    text=text, meta=meta, content_hash=content_hash(data), ocr=ocr_record(page_starts, read))


def _pdf_pages(reader, total: int) -> tuple[list[str], str]:
    """The text of the PDF's pages, as far as `LIMITS.max_pdf_pages` and `max_pdf_seconds`
    allow, and a note naming what was cut ("" when nothing was)."""
    import time

    from ingest.loaders import LIMITS

    pages: list[str] = []
    started = time.monotonic()
    why = ""
    for i, page in enumerate(reader.pages):
        if i >= LIMITS.max_pdf_pages:
            why = f"limit {LIMITS.max_pdf_pages} pages per PDF"
            break
        if i and time.monotonic() - started > LIMITS.max_pdf_seconds:
            why = f"text extraction past {LIMITS.max_pdf_seconds:.0f} s"
            break
        text = page.extract_text() or ""
        pages.append(unwrap_lines(text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")))
    if not why:
        return pages, ""
    n = len(pages)
    return pages, (f"只索引了第 1–{n} 页（共 {total} 页）。Indexed pages 1–{n} of {total}; "
                   f"pages {n + 1}–{total} were cut ({why}).")
