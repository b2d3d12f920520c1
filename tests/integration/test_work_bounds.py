"""The work one file may cause is bounded, and the report names what was cut: PDF pages per
file, seconds of PDF text extraction per file, characters of text per file (any format).
Real PDFs built here, the real loaders, a real store for the upload path."""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import pytest

import ingest.loaders as loaders
from ingest.loaders import load_bytes
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "ingest"))
from test_loaders import make_pdf  # noqa: E402  (the PDF builder of the loader tests)


def pdf_bytes(tmp_path, n: int) -> bytes:
    pages = [[f"第{i + 1}页", f"第{i + 1}条 本页规定第{i + 1}项事项，经费每年{i + 1}万元。"] for i in range(n)]
    return make_pdf(tmp_path / "long.pdf", pages, title="关于长文件的通知").read_bytes()


def limits(monkeypatch, **changes) -> None:
    monkeypatch.setattr(loaders, "LIMITS", dataclasses.replace(loaders.LIMITS, **changes))


def test_pdf_pages_past_the_bound_are_cut_and_named(tmp_path, monkeypatch):
    limits(monkeypatch, max_pdf_pages=4)
    doc = load_bytes("long.pdf", pdf_bytes(tmp_path, 7))
    assert doc.meta["pages"] == 4 and len(doc.meta["page_starts"]) == 4
    assert "第4条" in doc.text and "第5条" not in doc.text
    note = doc.meta["load_note"]
    assert "pages 1–4 of 7" in note and "5–7 were cut" in note and "limit 4 pages" in note
    assert "共 7 页" in note


def test_pdf_extraction_time_is_bounded(tmp_path, monkeypatch):
    limits(monkeypatch, max_pdf_seconds=0.0)  # every page after the first is past the bound
    doc = load_bytes("long.pdf", pdf_bytes(tmp_path, 5))
    assert doc.meta["pages"] == 1 and "第2条" not in doc.text
    assert "pages 2–5 were cut (text extraction past 0 s)" in doc.meta["load_note"]


def test_the_default_page_bound_holds_for_a_long_pdf(tmp_path):
    """1,010 real pages with the shipped limits: 1,000 read, the rest named, in bounded time."""
    data = pdf_bytes(tmp_path, loaders.LIMITS.max_pdf_pages + 10)
    started = time.monotonic()
    doc = load_bytes("long.pdf", data)
    assert doc.meta["pages"] == loaders.LIMITS.max_pdf_pages
    assert f"{loaders.LIMITS.max_pdf_pages + 1}–{loaders.LIMITS.max_pdf_pages + 10} were cut" in doc.meta["load_note"]
    assert time.monotonic() - started < 120


def table_dump(lines: int) -> bytes:
    return "\n".join(f"{i}\t项目{i}\t{i * 7 % 1000}\t元\t备注{i % 13}" for i in range(lines)).encode("utf-8")


def test_a_table_dump_is_cut_at_the_character_bound_in_linear_time():
    data = table_dump(200_000)  # ~3.4 MB, the dump that kept a cold ingest past 10 minutes
    assert len(data) > 3_000_000
    started = time.monotonic()
    doc = load_bytes("dump.txt", data)
    assert time.monotonic() - started < 30
    assert len(doc.text) <= loaders.LIMITS.max_chars and doc.text.endswith(doc.text.splitlines()[-1])
    note = doc.meta["load_note"]
    assert "of 200,000" in note and f"limit {loaders.LIMITS.max_chars:,} characters per file" in note


def test_an_upload_past_the_bound_says_what_was_cut(tmp_path, monkeypatch):
    from policyqa.assistant import Assistant
    from core.settings import load_settings

    limits(monkeypatch, max_chars=3_000)
    assistant = Assistant(load_settings(store=tmp_path / "store", sample_corpus=tmp_path / "none"))
    text = "关于项目明细的通知\n" + table_dump(2_000).decode()
    result = assistant.ingest_upload(text.encode(), "明细.txt")
    assert result.status == "indexed", result
    assert "limit 3,000 characters per file" in result.reason and "the rest was cut" in result.reason
    stored = assistant.store.document_text("明细.txt")
    assert len(stored) <= 3_000
    assistant.store.close()
