"""The page images of a document read by OCR, for the document view (`/doc/{doc}/page/{n}`):
rendered on request from the original the store keeps (never from a path a caller names), the
page as OCR read it (a PDF page's scanned image, an image file's frame, upright), scaled down
to `VIEW_MAX_PIXELS` and sent as JPEG. Only pages OCR read have an image here."""

from __future__ import annotations

import io
import re
from functools import lru_cache

from core.store import Store

VIEW_MAX_PIXELS = 2_500_000  # an A4 scan at 150 dpi (2.2 MP) is shown as scanned
_PAGE = re.compile(r"^\d{1,6}$")


class PageImageError(Exception):
    """No image to send; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def page_number(page: str, ocr: dict) -> int:
    """The page as an int among the pages OCR read, else PageImageError(404)."""
    pages = sorted(int(p) for p in (ocr.get("sizes") or {}))
    n = int(page) if _PAGE.match(page or "") else None
    if n is None or str(n) not in (ocr.get("sizes") or {}):
        shown = page[:20] if isinstance(page, str) else ""
        raise PageImageError(404, f"no page image {shown!r}: this document's scanned pages are "
                                  f"{', '.join(map(str, pages)) or 'none'}")
    return n


def page_image(store: Store, doc: str, page: str) -> bytes:
    """JPEG bytes of page `page` (as given in the URL) of document `doc`."""
    if store.indexed_as(doc)[0] is None:
        raise PageImageError(404, f"no document named {doc!r}")
    ocr = store.ocr_lines(doc)
    if not ocr:
        raise PageImageError(404, f"{doc!r} has no page images (its text was not read by OCR)")
    n = page_number(page, ocr)
    original = store.original(doc)
    if original is None:
        raise PageImageError(404, f"the original file of {doc!r} is no longer kept")
    return _render(str(original), original.stat().st_mtime_ns, n)


@lru_cache(maxsize=16)
def _render(path: str, _mtime: int, n: int) -> bytes:
    """The page's image from the kept original (cached: a view asks for the same page often)."""
    from ingest.page_images import open_image, upright_rgb
    from ingest.page_images import page_image as pdf_page_image

    with open(path, "rb") as f:
        data = f.read()
    try:
        if path.lower().endswith(".pdf"):
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                reader.decrypt("")
            image = pdf_page_image(reader.pages[n - 1])
        else:
            image = open_image(data)[n - 1]
        if image is None:
            raise PageImageError(404, f"page {n} has no image")
        out = io.BytesIO()
        upright_rgb(image, VIEW_MAX_PIXELS).save(out, "JPEG", quality=85)
        return out.getvalue()
    except PageImageError:
        raise
    except Exception as e:  # noqa: BLE001 — a damaged original fails its page only
        raise PageImageError(422, f"page {n} could not be rendered ({type(e).__name__})") from e
