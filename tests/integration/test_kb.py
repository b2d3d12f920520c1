"""Knowledge bases (issue 23): created, renamed, made public and deleted through the real CLI;
asked one or several at a time; an existing single-base store migrates to the default base."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from policyqa.cli import main
from core.settings import load_settings
from policyqa.library import Library


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def store(two_bases, tmp_path):
    path = tmp_path / "store"
    shutil.copytree(two_bases, path)
    return path


def test_bases_are_listed_asked_and_kept_apart(store, capsys):
    code, out, _ = run(capsys, "kb", "list", "--json", "--store", str(store))
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0 and rows.keys() == {"default", "组织部", "民政局"}
    assert rows["default"]["default"] and rows["default"]["public"] and not rows["组织部"]["public"]
    assert rows["组织部"]["documents"] == 2 and rows["民政局"]["documents"] == 2
    code, out, _ = run(capsys, "docs", "--kb", "民政局", "--json", "--store", str(store))
    assert {d["doc"] for d in json.loads(out)} == {"b1.txt", "b2.txt"}
    # one base: only its documents answer; several: the best answer, from the base that has it
    code, out, _ = run(capsys, "ask", "高龄津贴每月发多少钱？", "--kb", "组织部", "--json", "--store", str(store))
    assert json.loads(out)["declined"] and "200元" not in out
    code, out, _ = run(capsys, "ask", "高龄津贴每月发多少钱？", "--kb", "组织部,民政局", "--json", "--store", str(store))
    body = json.loads(out)
    assert not body["declined"] and body["kb"] == "民政局" and "200元" in body["answer"]
    assert {c["doc"] for c in body["citations"]} == {"b1.txt"}
    code, _, err = run(capsys, "ask", "经费？", "--kb", "人社局", "--store", str(store))
    assert code == 2 and "知识库「人社局」不存在" in err


def test_create_rename_public_delete(store, capsys, tmp_path):
    s = ["--store", str(store)]
    assert run(capsys, "kb", "create", "人社局", *s)[0] == 0
    code, _, err = run(capsys, "kb", "create", "人社局", *s)
    assert code == 2 and "已存在" in err
    code, _, err = run(capsys, "kb", "create", "a/b", *s)
    assert code == 2 and "不可用" in err
    doc = tmp_path / "c1.txt"
    doc.write_text("人社局关于就业补贴的通知\n吸纳就业困难人员的企业每人每月补贴500元。", encoding="utf-8")
    assert run(capsys, "ingest", "--kb", "人社局", str(doc), "-q", *s)[0] == 0
    # a key granted on the base keeps its role through a rename
    code, out, _ = run(capsys, "key", "create", "hr", "--kb", "人社局:ask", *s)
    assert code == 0 and out.strip().splitlines()[-1].startswith("pqk_")
    assert run(capsys, "kb", "rename", "人社局", "人力资源和社会保障局", *s)[0] == 0
    code, out, _ = run(capsys, "key", "list", "--json", *s)
    assert json.loads(out)[0]["roles"] == {"人力资源和社会保障局": ["ask"]}
    code, out, _ = run(capsys, "ask", "就业补贴每人每月多少？", "--kb", "人力资源和社会保障局", "--json", *s)
    assert "500元" in json.loads(out)["answer"]
    assert run(capsys, "kb", "public", "人力资源和社会保障局", "on", *s)[0] == 0
    library = Library(load_settings(store=store))
    kb = library.bases.get("人力资源和社会保障局")
    folder = store / kb.root
    assert kb.public and folder.is_dir()
    library.close()
    # deleting needs --yes; then the base, its folder and its documents are gone
    assert run(capsys, "kb", "delete", "人力资源和社会保障局", *s)[0] == 2
    code, out, _ = run(capsys, "kb", "delete", "人力资源和社会保障局", "--yes", *s)
    assert code == 0 and "1 documents" in out and not folder.exists()
    code, out, _ = run(capsys, "kb", "list", "--json", *s)
    assert "人力资源和社会保障局" not in out


def test_delete_of_a_document_names_its_base(store, capsys):
    s = ["--store", str(store)]
    code, _, err = run(capsys, "delete", "b1.txt", "--kb", "组织部", *s)
    assert code == 1 and "no document named 'b1.txt'" in err
    code, out, _ = run(capsys, "delete", "b1.txt", "--kb", "民政局", *s)
    assert code == 0 and "deleted b1.txt" in out


def test_an_existing_store_migrates_to_the_default_base(sample_store, tmp_path, capsys):
    """A store from before knowledge bases (one manifest, no deployment database) becomes the
    public `default` base through a numbered migration; nothing of it is rewritten."""
    store = tmp_path / "old"
    shutil.copytree(sample_store, store)
    (store / "deployment.sqlite3").unlink(missing_ok=True)
    manifest = store / "policyqa.manifest.sqlite3"
    before = manifest.stat().st_size
    code, out, _ = run(capsys, "kb", "list", "--json", "--store", str(store))
    rows = json.loads(out)
    assert [(r["name"], r["public"], r["default"], r["documents"]) for r in rows] == [("default", True, True, 5)]
    db = sqlite3.connect(store / "deployment.sqlite3")
    applied = [r[0] for r in db.execute("SELECT name FROM _migrations WHERE migration_set='policyqa.kb'")]
    db.close()
    assert applied == ["m001_knowledge_bases", "m002_existing_stores"]
    code, out, _ = run(capsys, "ask", "新建住宅小区要配建多大面积的社区办公用房？", "--json", "--store", str(store))
    assert code == 0 and not json.loads(out)["declined"]
    assert manifest.stat().st_size >= before
