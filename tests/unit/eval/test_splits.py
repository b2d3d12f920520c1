"""Fitting and validation folds are split by document, reproducibly, and nothing straddles."""

from __future__ import annotations

import json

import pytest

from conftest import GOLD
from eval.splits import fold_of, items_in, load_split, make_split

SHARED = GOLD.parent.parent


def _corpus(tmp_path, n):
    for i in range(n):
        (tmp_path / f"doc{i:02d}.txt").write_text(f"文{i}", encoding="utf-8")
    return tmp_path


def test_the_split_is_by_document_seeded_and_reproducible(tmp_path):
    corpus = _corpus(tmp_path, 20)
    a, b = make_split("x", corpus), make_split("x", corpus)
    assert a == b and not set(a["fit"]) & set(a["val"])
    assert sorted(a["fit"] + a["val"]) == sorted(p.name for p in corpus.iterdir())
    assert make_split("y", corpus)["val"] != a["val"]  # each set its own draw


def test_an_item_belongs_to_the_fold_of_all_its_documents():
    split = {"fit": ["a.txt", "b.txt"], "val": ["c.txt"], "validation_share": 0.5}
    item = lambda *docs: {"id": "q", "sources": [{"doc": d, "quote": "x"} for d in docs]}  # noqa: E731
    assert fold_of(item("a.txt"), split) == "fit"
    assert fold_of(item("c.txt"), split) == "val"
    assert fold_of(item("a.txt", "c.txt"), split) is None  # straddles: in neither fold
    unanswerable = [{"id": f"u{i}", "sources": []} for i in range(200)]
    folds = [fold_of(u, split) for u in unanswerable]
    assert set(folds) == {"fit", "val"} and folds == [fold_of(u, split) for u in unanswerable]


@pytest.mark.parametrize("name, gold, corpus", [
    ("dev", "gold/dev.jsonl", "corpus"), ("dev2", "dev2/gold.jsonl", "dev2/corpus"),
    ("cmrc", "rc/cmrc_dev/gold.jsonl", "rc/cmrc_dev/corpus"), ("drcd", "rc/drcd_dev/gold.jsonl", "rc/drcd_dev/corpus")])
def test_the_committed_splits_cover_their_corpus_and_no_question_sees_both_folds(name, gold, corpus):
    if not (SHARED / gold).exists():
        pytest.skip("shared gold sets not found")
    split = load_split(name)
    assert sorted(split["fit"] + split["val"]) == sorted(p.name for p in (SHARED / corpus).iterdir())
    items = [json.loads(line) for line in (SHARED / gold).open(encoding="utf-8") if line.strip()]
    fit, val = items_in(items, split, "fit"), items_in(items, split, "val")
    fit_docs = {s["doc"] for g in fit for s in g["sources"]}
    val_docs = {s["doc"] for g in val for s in g["sources"]}
    assert fit and val and not fit_docs & val_docs
