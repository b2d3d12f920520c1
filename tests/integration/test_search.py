"""Hybrid search under concurrency: the dense side runs in a worker thread beside BM25, so many
requests at once must get exactly what each gets alone, filters must still hold, and an
embedder failure must reach the caller. Real store, real Chroma, deterministic embedder."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import SAMPLE, HashEmbeddings
from ingest.pipeline import ingest_paths
from core.settings import load_settings
from core.store import Store
from retrieval.search import Searcher

QUESTIONS = ["社区党组织的经费怎么保障？", "长春市建了多少个民生服务站？", "社区服务站提供哪些服务？",
             "五华区的社区工作经费是多少？", "How is a community party branch funded?"]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory) -> Searcher:
    store = Store(load_settings(store=tmp_path_factory.mktemp("search") / "s"), HashEmbeddings())
    ingest_paths(store, [SAMPLE], progress=False)
    return Searcher(store)


def _ids(searcher: Searcher, question: str, where: dict | None = None) -> list[str]:
    return [h.chunk.id for h in searcher.search(searcher.analyse(question), 10, where=where)]


def test_concurrent_searches_get_what_each_gets_alone(searcher):
    alone = {q: _ids(searcher, q) for q in QUESTIONS}
    assert all(alone.values())
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda q: (q, _ids(searcher, q)), QUESTIONS * 4))
    assert all(ids == alone[q] for q, ids in together)


def test_a_document_filter_holds_on_both_sides(searcher):
    doc = "002_91d554ad338f1578.txt"
    hits = searcher.search(searcher.analyse("社区党组织的经费怎么保障？"), 10, where={"doc": doc})
    assert hits and {h.chunk.doc for h in hits} == {doc}
    assert {"dense", "bm25"} & {name for h in hits for name in h.found_by}


class _BrokenEmbeddings(HashEmbeddings):
    """An embedder whose model fails on questions (e.g. a remote endpoint that is down)."""

    name = HashEmbeddings.name

    def embed_query(self, text):
        raise RuntimeError("embedder unavailable")


def test_an_embedder_failure_reaches_the_caller(searcher):
    broken = Searcher(Store(searcher.store.settings, _BrokenEmbeddings()))
    with pytest.raises(RuntimeError, match="embedder unavailable"):
        broken.search(broken.analyse("社区党组织的经费怎么保障？"))


# Synthetic documents: two places written about apart, and a town with its county in one.
_PLACES = {
    "baisha.txt": "白沙区基层治理工作报告\n白沙区在走访活动中共收集群众建议120条，解决问题95个。\n",
    "qinghe.txt": "清河镇党建工作情况\n清河镇在联系群众工作中共收集建议64条，解决问题51个。\n",
    "songling.txt": "松岭县清河镇便民服务报告\n松岭县清河镇设立便民服务点12个，收集建议30条。\n",
}


@pytest.fixture(scope="module")
def places_searcher(tmp_path_factory) -> Searcher:
    folder = tmp_path_factory.mktemp("places_docs")
    for name, text in _PLACES.items():
        (folder / name).write_text(text, encoding="utf-8")
    store = Store(load_settings(store=tmp_path_factory.mktemp("places") / "s"), HashEmbeddings())
    ingest_paths(store, [folder], progress=False)
    return Searcher(store)


def test_places_written_about_in_separate_documents_are_compared(places_searcher):
    searcher = places_searcher
    apart = searcher.analyse("How many suggestions were collected in Baisha District and in Qinghe Town?")
    assert {"白沙", "清河"} <= set(apart.places) and apart.compares_places
    assert not searcher.analyse("How many suggestions were collected in Qinghe Town?").compares_places
    # Places that one document is about together are not a comparison.
    assert not searcher.analyse("How many suggestions were collected in Qinghe Town, Songling County?").compares_places


def test_only_an_english_question_is_checked_for_places_apart(places_searcher):
    """Only an English question's dense text uses the comparison: a Chinese question naming the
    same places is spared the store's full-text queries."""
    chinese = places_searcher.analyse("白沙区和清河镇各收集了多少建议？")
    assert {"白沙", "清河"} <= set(chinese.places) and not chinese.compares_places


@pytest.fixture(scope="module")
def province_searcher(tmp_path_factory) -> Searcher:
    folder = tmp_path_factory.mktemp("province_docs")
    (folder / "henan.txt").write_text(
        "河南省灵活就业服务条例\n第一条 河南省行政区域内的灵活就业服务，适用本条例。\n"
        "第二条 灵活就业人员可以在常住地办理就业登记。\n", encoding="utf-8")
    store = Store(load_settings(store=tmp_path_factory.mktemp("province") / "s"), HashEmbeddings())
    ingest_paths(store, [folder], progress=False)
    return Searcher(store)


def test_a_city_within_a_regulations_province_is_no_unknown_name(province_searcher):
    """A province's regulation binds its cities, named or not: 洛阳 lies in 河南, so asking about
    it is no question about a place the documents never mention; a city elsewhere still is."""
    searcher = province_searcher
    assert searcher.store.documents()[0]["meta"].get("region", "").startswith("河南")
    assert "洛阳" not in searcher.analyse("在洛阳怎么办理就业登记？").unknown
    assert "杭州" in searcher.analyse("在杭州怎么办理就业登记？").unknown
    english = searcher.analyse("How do I register flexible employment in Luoyang?")
    assert "Luoyang" not in english.unknown and "洛阳" in english.places  # spelled in pinyin
    assert "Hangzhou" in searcher.analyse("How do I register flexible employment in Hangzhou?").unknown
