"""The console script as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import EMBED_CACHE, GOLD, ROOT

POLICYQA = [sys.executable, "-m", "policyqa.cli"]


def run(args, store, **kw):
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env["POLICYQA_STORE"] = str(store)
    env["POLICYQA_EMBED_CACHE"] = str(EMBED_CACHE)  # the session's shared embedding cache
    return subprocess.run(POLICYQA + args, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600, **kw)


def test_ask_json_has_the_outputs_schema(sample_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    proc = run(["ask", "新建住宅小区要配建多大面积的社区办公用房？", "--json"], store)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"answer", "citations", "retrieved", "declined"} <= out.keys()
    assert out["declined"] is False
    assert any(c["doc"] == "004_df71fea4efc04293.txt" for c in out["citations"])
    assert "400平方米" in out["answer"]
    assert all({"doc", "quote"} <= c.keys() for c in out["citations"])
    assert len(out["retrieved"]) >= 5 and all({"doc", "text", "score"} <= r.keys() for r in out["retrieved"])
    scores = [r["score"] for r in out["retrieved"]]
    assert scores == sorted(scores, reverse=True)


def test_docs_delete_and_unknown_doc(sample_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    assert "5 documents" in run(["docs"], store).stdout
    docs = {d["doc"]: d for d in json.loads(run(["docs", "--json"], store).stdout)}
    assert docs["004_df71fea4efc04293.txt"]["meta"]["date"] == "2014-12-24"  # its own, not the page's
    n = docs["003_d7efb97d53a1ff80.txt"]["chunks"]
    proc = run(["delete", "003_d7efb97d53a1ff80.txt"], store)
    assert proc.returncode == 0 and f"({n} chunks)" in proc.stdout
    assert "4 documents" in run(["docs"], store).stdout
    proc = run(["delete", "nope.txt"], store)
    assert proc.returncode == 1 and "no document named" in proc.stderr


def test_ingest_reports_summary(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("某区每个社区配备专职党务工作者2名。", encoding="utf-8")
    (folder / "b.txt").write_bytes(b"")
    proc = run(["ingest", str(folder), "-q"], tmp_path / "store")
    assert proc.returncode == 0, proc.stderr
    assert "1 indexed" in proc.stdout and "1 failed" in proc.stdout and "empty" in proc.stdout


@pytest.mark.skipif(not GOLD.exists(), reason="shared gold set not present beside the repo")
def test_eval_cli_writes_outputs_metrics_and_report(sample_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    out = tmp_path / "eval"
    proc = run(["eval", "--gold", str(GOLD), "--out", str(out)], store)
    assert proc.returncode == 0, proc.stderr
    assert "hit@5" in proc.stdout and "lang=en" in proc.stdout
    lines = (out / "outputs.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == sum(1 for _ in GOLD.open(encoding="utf-8"))
    assert all("id" in json.loads(line) for line in lines)
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["overall"]["hit@5"] >= 0.8
    assert (out / "report.html").stat().st_size > 1000


def test_feedback_export_in_gold_schema(tmp_path):
    from policyqa.feedback import FeedbackStore

    store = tmp_path / "store"
    fb = FeedbackStore(store / "feedback.sqlite3")
    fb.add({"rating": "up", "question": "長春投入了多少錢？", "answer": "806万元[1]",
            "citations": [{"doc": "002_91d554ad338f1578.txt", "quote": "由市里投资806万元"}]})
    fb.add({"rating": "down", "question": "x?", "answer": "…", "declined": True})
    out = tmp_path / "fb.jsonl"
    proc = run(["feedback", "export", "--out", str(out), "--only", "up"], store)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert {"id", "question", "answer", "must_include", "sources", "answerable", "lang", "type", "history"} <= row.keys()
    assert row["lang"] == "zh-Hant" and row["sources"][0]["doc"] == "002_91d554ad338f1578.txt"


def test_eval_is_the_evaluation_s_own_command(tmp_path):
    """`policyqa eval` runs `python -m eval` (the application does not import the evaluation):
    same options, same usage errors."""
    proc = run(["eval"], tmp_path / "store")
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: policyqa eval") and "--gold" in proc.stderr
    assert "the following arguments are required: --gold, --out" in proc.stderr
    direct = subprocess.run([sys.executable, "-m", "eval"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert direct.returncode == 2 and direct.stderr == proc.stderr


def test_eval_says_a_missing_gold_file_or_corpus_in_one_line(tmp_path):
    """A mistyped path is a user's error (exit 2, both languages), not a traceback, and no
    store is built for it."""
    missing = tmp_path / "no-such-gold.jsonl"
    proc = run(["eval", "--gold", str(missing), "--out", str(tmp_path / "out")], tmp_path / "store")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "找不到评测集文件" in proc.stderr and "does not exist" in proc.stderr
    proc = run(["eval", "--gold", str(GOLD), "--corpus", str(tmp_path / "no-such-folder"),
                "--out", str(tmp_path / "out")], tmp_path / "store")
    assert proc.returncode == 2 and "找不到语料文件夹" in proc.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "store").exists()
