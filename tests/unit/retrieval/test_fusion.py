"""From the retrievers' rankings to the hits: fusion, priors, de-duplication, diversity
(retrieval/fusion.py)."""

from __future__ import annotations

import random

from core.records import Chunk, Hit
from retrieval.fusion import RRF_K, deduped, demote, diversify, fuse
from retrieval.search import SearchOptions


def _chunk(cid: str, doc: str, text: str = "") -> Chunk:
    text = text or f"{doc}的第{cid}段文字。"
    return Chunk(id=cid, doc=doc, title=doc, text=text, index_text=text, start=0, end=len(text), position=0)


def test_convex_fusion_weighs_min_max_normalised_scores():
    rankings = {"bm25": [("a", 12.0), ("b", 6.0), ("c", 0.0)], "dense": [("b", 0.9), ("c", 0.5)]}
    fused = fuse(rankings, SearchOptions(bm25_weight=0.4))
    assert fused == {"a": 0.4, "b": 0.4 * 0.5 + 0.6 * 1.0, "c": 0.0}
    alone = fuse({"bm25": rankings["bm25"]}, SearchOptions(bm25_weight=0.4))
    assert alone["a"] == 1.0  # one retriever: its scores alone
    rrf = fuse(rankings, SearchOptions(fusion="rrf"))
    assert rrf["b"] == 1 / (RRF_K + 2) + 1 / (RRF_K + 1)


def test_a_document_off_the_question_place_is_demoted_once_per_document():
    chunks = {"a1": _chunk("a1", "a.txt"), "a2": _chunk("a2", "a.txt"), "b1": _chunk("b1", "b.txt")}
    fused = {"a1": 1.0, "a2": 0.8, "b1": 0.6}
    checked = []
    demote(fused, chunks, 0.5, key=lambda c: c.doc, matches=lambda c: checked.append(c.doc) or c.doc == "b.txt")
    assert fused == {"a1": 0.5, "a2": 0.4, "b1": 0.6} and checked == ["a.txt", "b.txt"]


def test_a_passage_repeating_a_better_one_is_left_out_unless_its_figures_differ():
    text = "养犬人应当为犬只办理登记，登记费每只三百元，逾期不办理的依法处理。"
    hits = [Hit(_chunk("a", "a.txt", text), 1.0), Hit(_chunk("b", "b.txt", text), 0.9),
            Hit(_chunk("c", "c.txt", text.replace("三百", "五百")), 0.8)]
    assert [h.chunk.id for h in deduped(hits)] == ["a", "c"]


def test_diversity_reads_only_the_hits_its_top_k_needs():
    """Diversity with a cut-off stops reading hits once none can still enter the top k: the
    same hits, in the same order, as re-ranking all of them, with the hits left unread all
    scoring below the k-th result, and fewer hits read than given."""

    def counted(hits: list) -> tuple[list[int], object]:
        read = [0]

        def gen():
            for h in hits:
                read[0] += 1
                yield h
        return read, gen()

    chunks = [_chunk(f"c{i}", f"doc{i % 7}.txt") for i in range(120)]
    rng = random.Random(13)
    given = read_in_all = 0
    for _ in range(50):
        picked = rng.sample(chunks, min(len(chunks), rng.randint(1, 60)))
        hits = sorted((Hit(c, round(rng.random(), 2), ("dense",)) for c in picked), key=lambda h: -h.score)
        for k in (1, 5, 10):
            read, stream = counted(hits)
            top = diversify(stream, k=k)
            assert [(h.chunk.id, h.score) for h in top] == \
                [(h.chunk.id, h.score) for h in diversify(hits)[:k]]
            assert all(h.score < top[-1].score for h in hits[read[0]:])
            given, read_in_all = given + len(hits), read_in_all + read[0]
    assert read_in_all < given / 2
    # One document, falling scores: with k=1 the second hit already cannot enter.
    same_doc = [Hit(chunks[0], s, ("dense",)) for s in (0.9, 0.8, 0.7, 0.6)]
    read, stream = counted(same_doc)
    assert [h.score for h in diversify(stream, k=1)] == [0.9] and read[0] == 2
