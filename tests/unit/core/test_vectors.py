"""The Chroma adapter (core/vectors.py): the one module that speaks to chromadb, and the one
place that uses chromadb internals (`_forget_cached_system`). Those internals are pinned: on
another chromadb release this fails, so that the workaround is looked at before an upgrade."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import chromadb

from core.vectors import CHROMA_VERSION, chroma_metadata
from core.records import Chunk

ROOT = Path(__file__).resolve().parents[3]


def test_chromadb_is_the_release_the_workaround_was_written_for():
    pinned = re.search(r'"chromadb==([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pinned and pinned.group(1) == CHROMA_VERSION
    assert chromadb.__version__ == CHROMA_VERSION, (
        f"chromadb {chromadb.__version__}: check core/vectors.py's _forget_cached_system "
        f"(written for {CHROMA_VERSION}) before moving CHROMA_VERSION and the pin")


def test_the_internals_the_workaround_uses_are_there():
    from chromadb.api.shared_system_client import SharedSystemClient

    assert isinstance(SharedSystemClient._identifier_to_system, dict)
    assert "_identifier" in SharedSystemClient.__annotations__


def test_no_other_module_of_ours_imports_chromadb():
    users = set()
    for package in ("core", "ingest", "retrieval", "policyqa", "eval"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if any(n.split(".")[0] in ("chromadb", "langchain_chroma") for n in names):
                    users.add(str(path.relative_to(ROOT)))
    assert users == {"core/vectors.py"}


def test_chunk_metadata_is_flat_and_non_null():
    chunk = Chunk(id="c1", doc="a.txt", title="A", text="经费", index_text="经费", position=0,
                  start=0, end=2, heading="", page=None, meta={"region": "五华区", "date": ""})
    meta = chroma_metadata(chunk)
    assert meta == {"doc": "a.txt", "title": "A", "position": 0, "start": 0, "end": 2,
                    "heading": "", "region": "五华区"}
