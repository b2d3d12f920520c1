"""The one citation builder, shared by the extractive and the LLM answer paths: a citation
holds the exact original span (offsets and quote) and the cleaned text shown for it."""

from __future__ import annotations

from typing import Callable

from core.records import Chunk, Citation


def make_citation(n: int, chunk: Chunk, span: tuple[int, int], display: str,
                  document_text: Callable[[str], str], heading: str | None = None) -> Citation:
    """Citation [n] of `chunk` for the original-document span `span` = (start, end); `heading`
    is the section the quoted sentence stands in (the passage's own, where not given)."""
    start, end = span
    original = document_text(chunk.doc) or ""
    return Citation(n=n, doc=chunk.doc, title=chunk.title, quote=original[start:end],
                    chunk_id=chunk.id, start=start, end=end, date=chunk.meta.get("date", ""),
                    heading=chunk.heading if heading is None else heading, page=chunk.page, display=display)
