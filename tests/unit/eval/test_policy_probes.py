"""The policy probes are well-formed gold items, all fitting, over laws the scale archive holds."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from conftest import SHARED
from eval.metrics import load_jsonl
from eval.policy_probes import PROBES_PATH, extract, law_names
from eval.splits import items_in, load_split

LAWS = SHARED / "scale" / "laws.tar.xz"


def test_every_probe_is_a_gold_item_and_every_one_is_fitted_on():
    items = load_jsonl(PROBES_PATH)
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert item["question"].strip() and item["lang"] in ("zh-Hans", "zh-Hant", "en")
        assert bool(item["must_include"]) == bool(item["sources"]) == item["answerable"]
    split = load_split("probes")
    assert set(split["fit"]) == set(law_names()) and not split["val"]
    assert len(items_in(items, split, "fit")) == len(items)


def _archive(tmp_path, members: dict[str, bytes]):
    path = tmp_path / "laws.tar.xz"
    with tarfile.open(path, "w:xz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_only_the_named_laws_are_written_and_only_into_the_folder(tmp_path):
    probes = tmp_path / "p.jsonl"
    probes.write_text(json.dumps({"id": "x", "question": "q", "sources": [{"doc": "law_0123abcd.md", "quote": "甲"}],
                                  "must_include": ["甲"], "answerable": True}) + "\n", encoding="utf-8")
    laws = _archive(tmp_path, {"laws/law_0123abcd.md": "第一条 甲。".encode(), "laws/law_ffffffff.md": b"x",
                               "../law_0123abcd.md": b"outside"})
    out = tmp_path / "corpus"
    written = extract(laws, out, probes)
    assert [p.name for p in written] == ["law_0123abcd.md"] and sorted(p.name for p in out.iterdir()) == ["law_0123abcd.md"]
    assert (out / "law_0123abcd.md").read_text(encoding="utf-8") == "第一条 甲。"  # the first member of that name
    assert not (tmp_path.parent / "law_0123abcd.md").exists()


def test_a_source_that_is_no_law_of_the_archive_is_refused(tmp_path):
    probes = tmp_path / "p.jsonl"
    probes.write_text(json.dumps({"id": "x", "question": "q", "sources": [{"doc": "../etc/passwd", "quote": "a"}],
                                  "must_include": ["a"], "answerable": True}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a file name"):
        law_names(probes)


@pytest.mark.skipif(not LAWS.exists(), reason="needs ../shared/scale/laws.tar.xz")
def test_every_key_fact_and_quote_stands_in_the_law_it_names(tmp_path):
    extract(LAWS, tmp_path)
    for item in load_jsonl(PROBES_PATH):
        for source in item["sources"]:
            assert source["quote"] in (tmp_path / source["doc"]).read_text(encoding="utf-8"), item["id"]
        texts = "".join((tmp_path / s["doc"]).read_text(encoding="utf-8") for s in item["sources"])
        for fact in item["must_include"]:
            assert fact in texts, item["id"]
