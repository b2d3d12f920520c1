"""The search side's persistent state: the keyword index saved per write generation and loaded
instead of rebuilt, re-tokenising only new chunks, and a large index rebuilt in the background
while the previous one keeps serving. Real store, deterministic embedder."""

from __future__ import annotations

from conftest import SAMPLE, HashEmbeddings
from ingest.pipeline import ingest_paths
from core.settings import load_settings
from core.store import Store
from retrieval.search import Searcher


def _store(path) -> Store:
    return Store(load_settings(store=path), HashEmbeddings())


def _tokens_kept(store: Store) -> int:
    return store._db.execute("SELECT COUNT(*) FROM chunk_tokens").fetchone()[0]


def test_keyword_index_is_saved_and_loaded_not_rebuilt(tmp_path):
    store = _store(tmp_path / "s")
    ingest_paths(store, [SAMPLE / "004_df71fea4efc04293.txt"], progress=False)
    first = Searcher(store)
    expected = first.keyword().search(["经费", "保障"], 5)
    assert expected and (tmp_path / "s" / "keyword" / f"policyqa-g{store.generation}" / "ids.json").exists()
    # Without kept tokens a rebuild would have to re-tokenise (and keep) them: a load does not.
    store._db.execute("DELETE FROM chunk_tokens")
    reopened = Searcher(_store(tmp_path / "s"))
    assert reopened.keyword().search(["经费", "保障"], 5) == expected
    assert _tokens_kept(store) == 0


def test_a_write_rebuilds_with_only_new_chunks_tokenised(tmp_path):
    store = _store(tmp_path / "s")
    ingest_paths(store, [SAMPLE / "004_df71fea4efc04293.txt"], progress=False)
    searcher = Searcher(store)
    searcher.keyword()
    before, old_generation = _tokens_kept(store), store.generation
    ingest_paths(store, [SAMPLE / "002_91d554ad338f1578.txt"], progress=False)
    index = searcher.keyword()
    assert index.n_docs == store.count_chunks()
    assert _tokens_kept(store) == before + len(store.chunk_ids("002_91d554ad338f1578.txt"))
    assert any(cid in store.chunk_ids("002_91d554ad338f1578.txt") for cid, _ in index.search(["长春"], 5))
    assert not (tmp_path / "s" / "keyword" / f"policyqa-g{old_generation}").exists()


def test_a_large_index_rebuilds_in_the_background_while_the_old_one_serves(tmp_path):
    store = _store(tmp_path / "s")
    ingest_paths(store, [SAMPLE / "004_df71fea4efc04293.txt"], progress=False)
    searcher = Searcher(store, background_rebuild_chunks=0)  # every store counts as large here
    old = searcher.keyword()
    ingest_paths(store, [SAMPLE / "002_91d554ad338f1578.txt"], progress=False)
    assert searcher.keyword() is old  # answers at once from the previous generation
    searcher._building.join(timeout=120)
    new = searcher.keyword()
    assert new is not old and new.n_docs == store.count_chunks()


def test_a_streamed_build_equals_the_in_memory_index(tmp_path):
    # The build from the store reads, tokenises and keeps tokens a batch at a time (batches of 7
    # here, so that most chunks are in a later batch): same ids, document frequencies and scores
    # as an index built from all chunks at once.
    from retrieval.keyword import KeywordIndex, build_from_store, stored_token_lists

    store = _store(tmp_path / "s")
    ingest_paths(store, [SAMPLE / "004_df71fea4efc04293.txt", SAMPLE / "002_91d554ad338f1578.txt"],
                 progress=False)
    ids = store.chunk_ids_in_order()
    assert len(ids) > 14
    whole = KeywordIndex.from_chunks(store.all_chunks())
    streamed = KeywordIndex.from_token_lists(stored_token_lists(store, ids, batch=7))
    assert streamed.ids == whole.ids and streamed.df == whole.df
    assert _tokens_kept(store) == len(ids)
    for query in (["经费", "保障"], ["长春", "就业"], ["党员"]):
        assert streamed.search(query, 10) == whole.search(query, 10) != []
    # A chunk gone between listing and reading is left out, not an error.
    assert build_from_store(store, ids + ["no-such-chunk"]).ids == ids


def test_a_changed_tokenizer_is_not_served_tokens_it_would_not_make(tmp_path, monkeypatch):
    # Kept tokens and the saved index carry the tokenizer's fingerprint: after a change of the
    # keyword tokenizer (here a new stopword) neither the saved index of the current generation
    # (on open) nor the tokens kept by chunk id (on `reindex`, whose chunk ids are unchanged)
    # give the index a word that queries now drop.
    import retrieval.tokens as tokens
    from ingest.pipeline import reindex

    store = _store(tmp_path / "s")
    ingest_paths(store, [SAMPLE / "004_df71fea4efc04293.txt"], progress=False)
    assert Searcher(store).keyword().has("经费")
    monkeypatch.setattr(tokens, "STOPWORDS", tokens.STOPWORDS | {"经费"})
    assert "经费" not in tokens.tokenize("社区经费保障")
    reopened = Searcher(_store(tmp_path / "s"))
    assert not reopened.keyword().has("经费") and reopened.keyword().has("保障")
    store.close()
    again = Store(load_settings(store=tmp_path / "s"), HashEmbeddings(), reset=True)
    assert reindex(again, progress=False).count("indexed") == 1
    index = Searcher(again).keyword()
    assert index.n_docs == again.count_chunks() and not index.has("经费") and index.has("保障")
