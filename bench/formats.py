"""Ingest speed per file format, and OCR seconds per page.

    .venv/bin/python bench/formats.py [--repeat 3] [--out bench/results/formats.md]

The sample corpus's funding document (004) is written in every format the tests build
(.txt .docx .html .pdf, .doc from the committed LibreOffice conversion, .ofd, a scanned PDF and a
phone-photo JPEG of its funding page) plus a 120-row .xlsx table; each file is loaded, cleaned,
given its metadata and split as `policyqa ingest` does (embedding is the same for every format
and is measured by bench/compare.py). OCR runs once per file (its engine start included in the
first page). Prints a Markdown table; --out writes it too.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the tests' file builders

from ingest.loaders import load  # noqa: E402
from ingest.pipeline import prepare  # noqa: E402

FUNDING = ROOT / "sample_corpus" / "004_df71fea4efc04293.txt"


def build(folder: Path) -> dict[str, Path]:
    import test_format_parity as parity
    import test_ofd
    import test_tables

    files = {}
    for fmt in ("txt", "docx", "html", "pdf"):
        files[fmt] = folder / f"funding.{fmt}"
        parity.WRITERS[fmt](FUNDING, files[fmt])
    files["doc"] = ROOT / "tests" / "fixtures" / "word97" / "funding.doc"
    paragraphs = [ln.strip() for ln in FUNDING.read_text(encoding="utf-8").splitlines() if ln.strip()]
    lines = test_ofd.visual_lines(paragraphs)
    files["ofd"] = test_ofd.write_ofd(folder / "funding.ofd", [lines[i:i + 30] for i in range(0, len(lines), 30)])
    rows = [(f"第{i}社区", i, i / 2, "按户数核定") for i in range(1, 121)]
    files["xlsx (120 rows)"] = test_tables.write_xlsx(folder / "table.xlsx", rows)
    return files


def build_scans(folder: Path) -> dict[str, Path]:
    import test_ocr

    text = test_ocr.funding_text()
    lines = test_ocr.visual_lines(text)
    pages = [lines[i:i + test_ocr.LINES_PER_PAGE] for i in range(0, len(lines), test_ocr.LINES_PER_PAGE)]
    scanned = test_ocr.scanned_pdf(folder / "scan.pdf", [test_ocr.render(p) for p in pages])
    photo = folder / "photo.jpg"
    photo.write_bytes(test_ocr.photo_like(test_ocr.render(test_ocr.funding_page_lines())))
    return {"pdf (scanned, OCR)": scanned, "jpg (photo, OCR)": photo}


def measure(path: Path, repeat: int) -> tuple[float, int, int, dict]:
    """(seconds per file, characters, chunks, document meta)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        document, chunks = prepare(load(path), 200)
        times.append(time.perf_counter() - t0)
    return min(times), len(document.text), len(chunks), document.meta


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for fmt, path in build(folder).items():
            s, chars, chunks, _ = measure(path, args.repeat)
            rows.append((fmt, path.stat().st_size, chars, chunks, s, ""))
        from ingest.ocr import ocr_available

        if ocr_available():
            for fmt, path in build_scans(folder).items():
                s, chars, chunks, meta = measure(path, 1)
                pages = meta.get("ocr_pages", 0)
                rows.append((fmt, path.stat().st_size, chars, chunks, s,
                             f"{pages} page(s) by OCR, {s / max(pages, 1):.1f} s/page"))
    out = [f"# Ingest speed per format ({platform.node() or 'machine'}, {os.cpu_count()} cores, "
           f"{time.strftime('%Y-%m-%d')})", "",
           "Load, clean, metadata and split of one file (embedding excluded: the same for every format); "
           f"best of {args.repeat} (OCR files: one run, engine start included).", "",
           "| format | bytes | characters | chunks | s/file | files/s | OCR |", "|---|---:|---:|---:|---:|---:|---|"]
    for fmt, size, chars, chunks, s, ocr in rows:
        out.append(f"| {fmt} | {size:,} | {chars:,} | {chunks} | {s:.3f} | {1 / s:.1f} | {ocr} |")
    text = "\n".join(out) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
