"""Answer quality: conflicting figures across document versions, and the regression guard that
holds the chain to per-language floors on the validation folds of the gold sets."""

from __future__ import annotations

import os

import pytest

from conftest import GOLD
from core.settings import load_settings
from policyqa.assistant import Assistant

OLD_NOTICE = """关于社区党组织工作经费标准的通知
（2015年3月1日）
一、经费标准
每个城市社区党组织每年工作经费5万元，由区财政保障。
二、其他
各街道要加强经费管理。
"""
NEW_NOTICE = """关于调整社区党组织工作经费标准的通知
（2019年6月10日）
一、调整后的经费标准
自2019年起，每个城市社区党组织每年工作经费8万元，由区财政保障。
二、其他
各街道要严格经费使用。
"""


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> Assistant:
    folder = tmp_path_factory.mktemp("versions")
    (folder / "notice-2015.txt").write_text(OLD_NOTICE, encoding="utf-8")
    (folder / "notice-2019.txt").write_text(NEW_NOTICE, encoding="utf-8")
    assistant = Assistant(load_settings(store=folder / "store"))
    assert assistant.ingest([folder]).count("indexed") == 2
    return assistant


@pytest.mark.parametrize("question, note", [
    ("每个城市社区党组织每年的工作经费是多少？", "以较新的《关于调整社区党组织工作经费标准的通知》（2019-06-10）为准"),
    ("每個城市社區黨組織每年的工作經費是多少？", "以較新的《关于调整社区党组织工作经费标准的通知》（2019-06-10）"),
    ("How much annual funding does each urban community party organization get?",
     "The newer 《关于调整社区党组织工作经费标准的通知》 (2019-06-10) is preferred"),
])
def test_conflicting_figures_prefer_the_newer_document_and_say_so(versions, question, note):
    answer = versions.ask(question)
    assert not answer.declined
    assert note in answer.text
    # Both figures are shown and cited, the newer one first.
    assert answer.text.index("8万元") < answer.text.index("5万元")
    docs = [c.doc for c in answer.citations]
    assert docs[0] == "notice-2019.txt" and "notice-2015.txt" in docs
    assert any("8万元" in c.quote for c in answer.citations if c.doc == "notice-2019.txt")


def test_agreeing_documents_state_no_conflict(versions):
    answer = versions.ask("各街道对经费管理有什么要求？")
    assert not answer.declined
    assert "不一致" not in answer.text


# Regression guard on validation folds only (eval/splits/: split by document, never fitted on):
# each set's validation items plus their leave-one-document-out variants, per language. Floors
# are the targets where the validation figure meets them (lead recall 0.85 zh / 0.70 en,
# false declines 0.08, decline accuracy 0.85), else just under the validation figure measured
# when the answer model was fitted (closing note of issue 20), so the guard holds what the model
# does on documents it never saw — never an in-sample figure.
BARS = {
    "dev": {"overall": {"hit@5": 0.9, "recall": 0.75, "f_dec": 0.2, "dec_acc": 0.6}},
    "dev2": {"zh-Hans": {"hit@5": 0.95, "recall": 0.80, "lead_recall": 0.85, "f_dec": 0.08, "dec_acc": 0.80},
             "zh-Hant": {"hit@5": 0.85, "recall": 0.70, "lead_recall": 0.70, "f_dec": 0.15, "dec_acc": 0.70},
             "en": {"hit@5": 0.80, "recall": 0.50, "lead_recall": 0.40, "f_dec": 0.25, "dec_acc": 0.60}},
    "cmrc": {"zh-Hans": {"recall": 0.6, "lead_recall": 0.6, "f_dec": 0.15}},
    "drcd": {"zh-Hant": {"recall": 0.6, "lead_recall": 0.6, "f_dec": 0.15}},
}
DEV2_GOLD = GOLD.parent.parent / "dev2" / "gold.jsonl"
DEV2_CORPUS = GOLD.parent.parent / "dev2" / "corpus"
RC = GOLD.parent.parent / "rc"
RC_DOCS = 25  # validation articles of each reading-comprehension set in the end-to-end sample
RC_ITEMS = 40


def _require(path):
    if not path.exists():
        if os.environ.get("CI_REQUIRE_GOLD"):
            pytest.fail(f"the gold set is required here but missing: {path}")
        pytest.skip(f"gold set not found at {path}")


def _failures(result: dict, bars: dict) -> list[str]:
    failures = []
    for lang, lang_bars in bars.items():
        row = result["overall"] if lang == "overall" else result["by_lang"][lang]
        for metric, bar in lang_bars.items():
            value = row[metric]
            if value is None:
                continue
            if metric == "f_dec" and value > bar or metric != "f_dec" and value < bar:
                failures.append(f"{lang} {metric} {value:.3f} (bar {bar})")
    return failures


def test_dev_validation_fold_meets_the_bars(assistant, tmp_path):
    _require(GOLD)
    from eval.run import evaluate

    result = evaluate(assistant, GOLD, tmp_path, split="dev", with_loo=True)
    assert not _failures(result, BARS["dev"]), "; ".join(_failures(result, BARS["dev"]))


def test_dev2_validation_fold_meets_the_bars_in_every_language(tmp_path_factory):
    _require(DEV2_GOLD)
    from eval.run import evaluate

    store = tmp_path_factory.mktemp("dev2") / "store"
    dev2 = Assistant(load_settings(store=store))
    dev2.ingest([DEV2_CORPUS])
    result = evaluate(dev2, DEV2_GOLD, tmp_path_factory.mktemp("dev2-out"), split="dev2", with_loo=True)
    assert not _failures(result, BARS["dev2"]), "; ".join(_failures(result, BARS["dev2"]))


@pytest.mark.parametrize("name, folder", [("cmrc", "cmrc_dev"), ("drcd", "drcd_dev")])
def test_reading_comprehension_validation_articles_lead_with_the_answer(name, folder, tmp_path_factory):
    """End to end on a small sample of validation articles (never fitted on): their questions,
    asked of a store holding just those articles, lead with the answer."""
    import json
    import random
    import shutil

    from eval.run import evaluate
    from eval.splits import load_split

    _require(RC / folder / "gold.jsonl")
    docs = load_split(name)["val"][:RC_DOCS]
    corpus = tmp_path_factory.mktemp(name)
    for doc in docs:
        shutil.copy(RC / folder / "corpus" / doc, corpus / doc)
    items = [json.loads(line) for line in (RC / folder / "gold.jsonl").open(encoding="utf-8") if line.strip()]
    items = [g for g in items if {s["doc"] for s in g["sources"]} <= set(docs) and g["question"].strip()]
    items = random.Random(0).sample(items, min(RC_ITEMS, len(items)))
    gold = tmp_path_factory.mktemp(f"{name}-gold") / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(g, ensure_ascii=False) for g in items), encoding="utf-8")
    rc = Assistant(load_settings(store=tmp_path_factory.mktemp(f"{name}-store") / "store"))
    rc.ingest([corpus])
    result = evaluate(rc, gold, tmp_path_factory.mktemp(f"{name}-out"))
    assert not _failures(result, BARS[name]), "; ".join(_failures(result, BARS[name]))


def test_english_quantity_answers_lead_with_the_asked_figure_and_its_value(versions):
    answer = versions.ask("How much annual funding does each urban community party organization get?")
    first_line = answer.text.splitlines()[1]  # after the conflict note
    # The figure as the newer document writes it, its value in English, and its citation.
    assert first_line.startswith("Answer: ") and "8万元 (80,000 yuan)" in first_line and first_line.endswith("[1].")
    assert "5万元" not in first_line  # not a list of every figure in the passages
    assert "2019 (" not in first_line  # a bare year is a date, not a quantity
