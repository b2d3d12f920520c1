"""The manifest (core/manifest.py) alone, no vectors: a document's rows written and replaced in
one transaction with the generation, reads through per-thread connections, keyword tokens kept
per tokenizer, writes in progress seen as live or dead."""

from __future__ import annotations

import threading

from core.manifest import Manifest
from core.records import Chunk, Document


def _chunk(doc: str, position: int, text: str) -> Chunk:
    return Chunk(id=f"{doc}#{position}", doc=doc, title=doc, text=text, index_text=text,
                 start=0, end=len(text), position=position, meta={"region": "五华区"})


def _write(m: Manifest, document: Document, chunks: list[Chunk]) -> None:
    with m._writing():
        m._db.execute("BEGIN IMMEDIATE")
        m._put_document(document, chunks, "h.txt")
        m._bump_generation()
        m._db.execute("COMMIT")


def test_a_document_is_written_read_and_replaced(tmp_path):
    m = Manifest(tmp_path / "m.sqlite3")
    doc = Document(doc="a.txt", title="A", text="五華區社區經費", meta={"region": "五华区", "page_starts": [0]},
                   content_hash="h1", ocr={"sizes": {}, "lines": []})
    _write(m, doc, [_chunk("a.txt", 0, "社区"), _chunk("a.txt", 1, "经费")])
    assert m.generation == 1 and m.count_chunks() == 2
    [listed] = m.documents()
    assert listed["meta"] == {"region": "五华区"} and listed["chunks"] == 2 and listed["source"] == "h.txt"
    assert m.indexed_as("a.txt")[0] == "h1" and m.doc_with_hash("h1") == "a.txt"
    assert m.chunk_at("a.txt", 1).text == "经费" and m.chunk_ids_in_order() == ["a.txt#0", "a.txt#1"]
    assert m.chunks_by_id(["a.txt#0"])["a.txt#0"] == _chunk("a.txt", 0, "社区")
    assert m.chunk_counts() == {"a.txt": 2} and m.document_text("a.txt") == "五華區社區經費"
    assert m.ocr_lines("a.txt") == {"sizes": {}, "lines": []}
    assert m.documents_containing("五华区") == {"a.txt"}
    assert m.chunk_ids_matching({"region": "五华"}) == {"a.txt#0", "a.txt#1"}
    assert m.chunk_ids_matching({"date_from": "2020-01-01"}) == set()
    _write(m, Document(doc="a.txt", title="A", text="长春", content_hash="h2"), [_chunk("a.txt", 0, "长春")])
    assert m.generation == 2 and m.chunk_ids("a.txt") == {"a.txt#0"} and m.ocr_lines("a.txt") == {}
    assert not m.any_document_contains("五华区") and m.any_document_contains("长春")
    with m._writing():
        m._db.execute("BEGIN IMMEDIATE")
        m._remove_document("a.txt")
        m._db.execute("COMMIT")
    assert m.documents() == [] and m.count_chunks() == 0 and not m.any_document_contains("长春")
    m.close()


def test_another_thread_reads_the_last_commit_during_a_write(tmp_path):
    m = Manifest(tmp_path / "m.sqlite3")
    seen = []
    with m._writing():
        m._db.execute("BEGIN IMMEDIATE")
        m._put_document(Document(doc="a.txt", title="A", text="x"), [_chunk("a.txt", 0, "x")], "")
        m._bump_generation()
        assert m.count_chunks() == 1  # the writer sees its own rows
        reader = threading.Thread(target=lambda: seen.append((m.generation, m.count_chunks())))
        reader.start()
        reader.join()
        m._db.execute("COMMIT")
    assert seen == [(0, 0)] and (m.generation, m.count_chunks()) == (1, 1)
    m.close()


def test_pending_writes_of_live_and_dead_processes(tmp_path):
    m = Manifest(tmp_path / "m.sqlite3")
    assert m._dead_writes() == [1]  # the migration's row: sweep once
    m._db.execute("DELETE FROM pending_writes")
    mine = m._begin_pending_write()
    assert m._dead_writes() is None  # this process is alive: no sweep under it
    m._end_pending_write(mine)
    assert m._dead_writes() == []
    m.close()


def test_keyword_tokens_are_kept_per_tokenizer(tmp_path):
    m = Manifest(tmp_path / "m.sqlite3")
    m.save_tokens({"c1": ["社区"], "c2": ["经费"]}, "t1")
    assert m.stored_tokens(["c1", "c2", "c3"], "t1") == {"c1": ["社区"], "c2": ["经费"]}
    assert m.stored_tokens(["c1", "c2"], "t2") == {}  # made by another tokenizer: not served
    m.save_tokens({"c1": ["社", "区"]}, "t2")
    assert m.stored_tokens(["c1", "c2"], "t2") == {"c1": ["社", "区"]}
    m.close()


def test_tokens_kept_without_a_fingerprint_go_on_upgrade(tmp_path):
    m = Manifest(tmp_path / "m.sqlite3")
    m._db.execute("DROP TABLE chunk_tokens")  # as m005 made it, with a token list kept
    m._db.execute("CREATE TABLE chunk_tokens (id TEXT PRIMARY KEY, tokens TEXT NOT NULL)")
    m._db.execute("""INSERT INTO chunk_tokens VALUES ('c1', '["的"]')""")
    m._db.execute("DELETE FROM _migrations WHERE name='m008_chunk_tokens_by_tokenizer'")
    m.close()
    upgraded = Manifest(tmp_path / "m.sqlite3")
    assert upgraded._db.execute("SELECT COUNT(*) FROM chunk_tokens").fetchone()[0] == 0
    upgraded.save_tokens({"c1": ["经费"]}, "t1")
    assert upgraded.stored_tokens(["c1"], "t1") == {"c1": ["经费"]}
    upgraded.close()


def test_a_read_in_flight_on_another_thread_outlives_close(tmp_path):
    """Closing the manifest (a base reindexed or shut) while a server thread is in the middle of
    a query must not pull its connection away: the query completes, that thread's next read fails
    cleanly, and the closing thread's own reads fail too."""
    import sqlite3

    import pytest

    m = Manifest(tmp_path / "m.sqlite3")
    _write(m, Document(doc="a.txt", title="A", text="x"), [_chunk("a.txt", i, f"第{i}段") for i in range(50)])
    m.count_chunks()  # the closing thread has a reader of its own
    started, closed, seen = threading.Event(), threading.Event(), {}

    def reader():
        rows = m._read().execute("SELECT id FROM chunks ORDER BY position")
        first = rows.fetchone()
        started.set()
        closed.wait(5)
        seen["rows"] = [first] + rows.fetchall()
        try:
            m.count_chunks()
        except sqlite3.ProgrammingError as e:
            seen["after"] = str(e)

    t = threading.Thread(target=reader)
    t.start()
    started.wait(5)
    m.close()
    closed.set()
    t.join(5)
    assert len(seen["rows"]) == 50 and seen["after"] == "the manifest is closed"
    with pytest.raises(sqlite3.ProgrammingError):
        m.count_chunks()
