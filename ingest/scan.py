"""Scanned documents read by OCR: a scan or photo of pages (multi-page TIFF: pages), and the
pages of a PDF that have no text layer. Pages are read one by one by the engine (`ingest.ocr`),
at most `max_pages` per file; the recognised lines are put in reading order by `ingest.layout`
(columns, vertical seal text after the body, wraps rejoined), and their boxes are kept so that
the document view can show a quote on its page."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ingest.layout import page_lines
from ingest.loaders import LoadError, content_hash, guess_title
from ingest.ocr import HOW_TO_ENABLE, OCR_LIMITS, Engine, OcrLimits, PageError, ocr_available
from ingest.page_images import open_image, page_image, prepare_image
from core.records import Document


@dataclass
class OcrResult:
    pages: list[str]  # text per page ("" for a page that could not be read)
    notes: list[str]  # per-page problems, in words
    # per page read: (its image's [width, height], its lines as [x0, y0, x1, y1, start, end] in
    # the page's text); None for a page not read
    lines: list[tuple[list[int], list[list[int]]] | None] = None
    seconds: float = 0.0
    read: int = 0  # pages read by OCR
    chars: int = 0
    unsure: int = 0  # characters in lines below the confidence bound

    def note(self, limits: OcrLimits = OCR_LIMITS) -> str:
        parts = []
        if self.read:
            share = 100 * self.unsure / max(self.chars, 1)
            parts.append(f"OCR read {self.read} page(s), {self.seconds / self.read:.1f} s/page, "
                         f"{share:.1f}% of the characters below confidence {limits.low_confidence:.2f}")
        return "; ".join(parts + self.notes)


def ocr_images(images, name: str, limits: OcrLimits = OCR_LIMITS, progress: bool = True,
               numbers: list[int] | None = None) -> OcrResult:
    """Read page images one by one: a sequence of PIL images (None for a page without one),
    indexed so that each is decoded only when read; `numbers` are the pages' numbers in the
    file (default 1, 2, …), for the notes."""
    from tqdm import tqdm

    out = OcrResult(pages=[], notes=[], lines=[])
    with Engine(limits) as engine:
        for index in tqdm(range(len(images)), desc=f"OCR {name[:40]}", unit="page",
                          disable=not progress or len(images) < 2, leave=False):
            number = numbers[index] if numbers else index + 1
            try:
                image = images[index]
            except ValueError as e:
                out.pages.append("")
                out.lines.append(None)
                out.notes.append(f"page {number} not read: {e}")
                continue
            if image is None:
                out.pages.append("")
                out.lines.append(None)
                continue
            if out.read >= limits.max_pages:
                out.pages.append("")
                out.lines.append(None)
                if not any("pages per file" in n for n in out.notes):
                    out.notes.append(f"pages after {limits.max_pages} not read (limit of OCR pages per file)")
                continue
            started = time.monotonic()
            try:
                array = prepare_image(image, limits)
                boxes = engine.read(array)
            except (PageError, OSError, ValueError) as e:
                out.pages.append("")
                out.lines.append(None)
                out.notes.append(f"page {number} not read: {e}")
                continue
            out.seconds += time.monotonic() - started
            out.read += 1
            text, lines = page_lines(boxes, array.shape[1])
            out.pages.append(text)
            out.lines.append(([int(array.shape[1]), int(array.shape[0])],
                              [[round(b.x0), round(b.y0), round(b.x1), round(b.y1), a, z] for b, a, z in lines]))
            for b in boxes:
                out.chars += len(b.text)
                if b.score < limits.low_confidence:
                    out.unsure += len(b.text)
    return out


def load_image(path: Path, data: bytes) -> Document:
    """A scan or photo of a page (multi-page TIFF: pages), read by OCR."""
    if not data:
        raise LoadError("the file is empty", kind="empty")
    if not ocr_available():
        raise LoadError(f"image of a document: {HOW_TO_ENABLE}", kind="needs_ocr")
    frames = open_image(data)
    result = ocr_images(frames, path.name)
    return _document(path, data, result, None)


def ocr_pdf_pages(reader, pages: list[str], name: str
                  ) -> tuple[list[str], str, int, dict[int, tuple[list[int], list[list[int]]]]]:
    """Fill the pages of a PDF that have no text layer from their scanned image: (pages, note,
    pages read by OCR, the lines read per page index as in `OcrResult.lines`). Pages with a
    text layer keep it."""
    empty = [i for i, p in enumerate(pages) if not p.strip()]
    if not empty:
        return pages, "", 0, {}
    if not ocr_available():
        if len(empty) == len(pages):
            raise LoadError(f"scanned PDF without a text layer: it needs OCR. {HOW_TO_ENABLE}", kind="needs_ocr")
        return pages, f"{len(empty)} scanned page(s) without a text layer not read: {HOW_TO_ENABLE}", 0, {}
    result = ocr_images(_PdfScans(reader, empty), name, numbers=[i + 1 for i in empty])
    out = list(pages)
    read = {}
    for i, text, lines in zip(empty, result.pages, result.lines):
        out[i] = text
        if lines is not None:
            read[i] = lines
    if not any(p.strip() for p in out):
        raise LoadError(f"scanned PDF without a text layer: OCR found no text ({'; '.join(result.notes) or 'blank pages'})", kind="ocr_failed")
    return out, result.note(), result.read, read


def ocr_record(page_starts: list[int], read: dict[int, tuple[list[int], list[list[int]]]]) -> dict:
    """`Document.ocr` from the lines read per page index (page texts joined at `page_starts`):
    page numbers from 1, offsets in the document's text."""
    if not read:
        return {}
    sizes, lines = {}, []
    for i in sorted(read):
        size, page = read[i]
        sizes[str(i + 1)] = size
        lines.extend([i + 1, x0, y0, x1, y1, a + page_starts[i], z + page_starts[i]]
                     for x0, y0, x1, y1, a, z in page)
    return {"sizes": sizes, "lines": lines}


class _PdfScans:
    """The images of a PDF's pages without a text layer, each decoded when its turn comes."""

    def __init__(self, reader, indexes: list[int]) -> None:
        self.reader, self.indexes = reader, indexes

    def __len__(self) -> int:
        return len(self.indexes)

    def __getitem__(self, k: int):
        try:
            image = page_image(self.reader.pages[self.indexes[k]])
        except Exception as e:  # noqa: BLE001 — pypdf and Pillow raise many kinds for a bad image
            raise ValueError(f"its image cannot be decoded ({type(e).__name__}: {e})") from e
        if image is None:
            raise ValueError("it has neither a text layer nor an image")
        return image


def _document(path: Path, data: bytes, result: OcrResult, title: str | None) -> Document:
    if not any(p.strip() for p in result.pages):
        why = "; ".join(result.notes) or "OCR found no text"
        raise LoadError(f"no text recognised ({why})", kind="ocr_failed")
    page_starts, offset = [], 0
    for p in result.pages:
        page_starts.append(offset)
        offset += len(p) + 2
    text = "\n\n".join(result.pages)
    meta = {"pages": len(result.pages), "page_starts": page_starts, "ocr_pages": result.read}
    note = result.note()
    if note:
        meta["load_note"] = note
    read = {i: lines for i, lines in enumerate(result.lines) if lines is not None}
    return Document(doc=path.name, title=title or guess_title(text, path.stem), text=text,
                    meta=meta, content_hash=content_hash(data), ocr=ocr_record(page_starts, read))
