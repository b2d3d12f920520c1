"""eval.metrics must reproduce the reference scorer (shared/gold/score.py) exactly;
eval.report must write a self-contained, escaped HTML report."""

from __future__ import annotations

import html
import json
import math
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import zhconv

from eval.metrics import LCS_THRESHOLD, METRIC_KEYS, format_table, load_jsonl, norm, score
from eval.report import write_report

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
GOLD_DIR = SHARED / "gold"
GOLD = GOLD_DIR / "dev.jsonl"
REFERENCE = GOLD_DIR / "score.py"
CORPUS = SHARED / "corpus"

needs_gold = pytest.mark.skipif(
    not (GOLD.is_file() and REFERENCE.is_file()),
    reason=f"shared gold set / reference scorer not found at {GOLD_DIR}",
)

TOL = 1e-9
PINYIN = ["(bào)", "(wù)", "(chuàng)", "(lǐng)", "(nǚ)"]


# ------------------------------------------------------------ synthetic outputs
def _corpus_text(doc: str) -> str | None:
    path = CORPUS / doc
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _other_doc(gold_docs: set[str], rng: random.Random) -> str:
    docs = sorted(p.name for p in CORPUS.glob("*.txt")) if CORPUS.is_dir() else []
    docs = [d for d in docs if d not in gold_docs] or ["999_not_a_gold_doc.txt"]
    return rng.choice(docs)


def _filler(rng: random.Random, n: int = 40) -> str:
    return "".join(rng.choice("关于进一步加强基层组织建设工作的通知意见办法规定") for _ in range(n))


def _answer_with_facts(g: dict, facts: list[str]) -> str:
    marks = " ".join(f"{f}[{i % 3 + 1}]" for i, f in enumerate(facts))
    return f"{g['answer']} {marks}".strip()


def perfect_outputs(gold: list[dict]) -> list[dict]:
    out = []
    for g in gold:
        if not g["answerable"]:
            out.append({"id": g["id"], "answer": "文件中没有相关内容。", "citations": [],
                        "retrieved": [], "declined": True})
            continue
        srcs = g["sources"]
        out.append({
            "id": g["id"],
            "answer": _answer_with_facts(g, g["must_include"]),
            "citations": [{"doc": s["doc"], "quote": s["quote"]} for s in srcs],
            "retrieved": [{"doc": s["doc"], "text": s["quote"], "score": 1.0 - i / 100}
                          for i, s in enumerate(srcs)],
            "declined": False,
        })
    return out


def mixed_outputs(gold: list[dict], seed: int = 7) -> list[dict]:
    """Declines, wrong docs, partial facts, relevant passages at ranks 1..12,
    answered unanswerables, bad citations, missing ids, an extra id and junk entries."""
    rng = random.Random(seed)
    out: list[dict] = []
    for i, g in enumerate(gold):
        if i % 11 == 5:
            continue  # missing output
        gold_docs = {s["doc"] for s in g["sources"]}
        strategy = i % 6
        if not g["answerable"]:
            declined = i % 2 == 0
            out.append({"id": g["id"],
                        "answer": "没有找到" if declined else "约为 8万元[1]",
                        "citations": [] if declined else [{"doc": _other_doc(gold_docs, rng),
                                                           "quote": _filler(rng, 12)}],
                        "retrieved": [{"doc": _other_doc(gold_docs, rng), "text": _filler(rng),
                                       "score": 0.3}],
                        "declined": declined})
            continue
        facts = list(g["must_include"])
        rank = rng.randint(1, 12)
        retrieved: list[Any] = []
        for r in range(1, 13):
            if r == rank and strategy != 1:
                s = rng.choice(g["sources"])
                retrieved.append({"doc": s["doc"], "text": _filler(rng, 10) + s["quote"],
                                  "score": 0.9})
            elif r % 4 == 0:
                # gold doc but unrelated text: only relevant if it happens to hold a fact
                retrieved.append({"doc": g["sources"][0]["doc"], "text": _filler(rng),
                                  "score": 0.5})
            else:
                retrieved.append({"doc": _other_doc(gold_docs, rng),
                                  "text": g["sources"][0]["quote"], "score": 0.4})
        if strategy == 2:
            retrieved.insert(0, "junk")  # non-dict entries are ignored
        cits = [{"doc": s["doc"], "quote": s["quote"]} for s in g["sources"][:2]]
        if strategy in (1, 3):
            cits.append({"doc": _other_doc(gold_docs, rng), "quote": _filler(rng, 15)})
        if strategy == 4:
            cits = []
        kept = facts[: max(0, len(facts) - (i % 3))]
        o: dict[str, Any] = {"id": g["id"], "answer": _answer_with_facts(g, kept),
                             "citations": cits, "retrieved": retrieved,
                             "declined": strategy == 5}
        if strategy == 5:
            o["answer"] = None
        out.append(o)
    out.append({"id": "dev-999", "answer": "extra", "citations": [], "retrieved": [],
                "declined": False})
    out.append({"no_id": True})
    return out


def _noise(text: str, rng: random.Random) -> str:
    """Traditional script, pinyin annotations, whitespace and full-width digits."""
    t = zhconv.convert(text, "zh-hant")
    chars = []
    for ch in t:
        chars.append(ch)
        if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.15:
            chars.append(rng.choice(PINYIN))
        if rng.random() < 0.05:
            chars.append(rng.choice([" ", "\n", "\u3000", "?", "，"]))
    t = "".join(chars)
    return t.translate(str.maketrans("0123456789", "０１２３４５６７８９")) if rng.random() < 0.5 else t


def _doc_variant(doc: str, i: int) -> str:
    stem = doc.rsplit(".", 1)[0]
    return [doc, f"corpus/{doc}", doc.upper(), f"C:\\data\\{stem}.PDF", stem, f" {doc} "][i % 6]


def noisy_outputs(gold: list[dict], seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i, g in enumerate(gold):
        if not g["answerable"]:
            out.append({"id": g["id"], "answer": _noise("文件未提及此事", rng), "citations": [],
                        "retrieved": [], "declined": i % 3 != 0})
            continue
        gold_docs = {s["doc"] for s in g["sources"]}
        retrieved = [{"doc": _other_doc(gold_docs, rng), "text": _filler(rng), "score": 0.2}
                     for _ in range(i % 4)]
        retrieved += [{"doc": _doc_variant(s["doc"], i + j), "text": _noise(s["quote"], rng),
                       "score": 0.8} for j, s in enumerate(g["sources"])]
        out.append({
            "id": g["id"],
            "answer": _noise(_answer_with_facts(g, g["must_include"]), rng),
            "citations": [{"doc": _doc_variant(s["doc"], i), "text": _noise(s["quote"], rng)}
                          for s in g["sources"]],
            "retrieved": retrieved,
            "declined": False,
        })
    return out


def window_outputs(gold: list[dict]) -> list[dict]:
    """Real corpus windows that overlap each gold quote by a varying share,
    straddling the 40% LCS threshold."""
    out = []
    shares = [0.2, 0.3, 0.35, 0.38, 0.4, 0.42, 0.45, 0.5, 0.6, 0.8]
    for i, g in enumerate(gold):
        retrieved = []
        for j, s in enumerate(g["sources"]):
            text = _corpus_text(s["doc"])
            pos = text.find(s["quote"]) if text else -1
            if pos < 0:
                retrieved.append({"doc": s["doc"], "text": s["quote"][: len(s["quote"]) // 2]})
                continue
            share = shares[(i + j) % len(shares)]
            cut = pos + round(len(s["quote"]) * (1 - share))
            retrieved.append({"doc": s["doc"], "text": text[cut: cut + 200]})
            retrieved.append({"doc": s["doc"], "text": text[max(0, pos - 300): pos]})
        out.append({"id": g["id"], "answer": g["answer"], "citations": [],
                    "retrieved": retrieved, "declined": not g["answerable"]})
    return out


def _fact_free_span(nq: str, length: int, facts: list[str]) -> str:
    """A substring of `nq` of `length` chars holding no fact (the tail if none is fact-free)."""
    for start in range(len(nq) - length, -1, -1):
        span = nq[start: start + length]
        if not any(f and f in span for f in facts):
            return span
    return nq[len(nq) - length:]


def boundary_outputs(gold: list[dict]) -> list[dict]:
    """Passages overlapping a gold quote by exactly ceil(40%) or one char less of its
    normalised length (normalised text is a fixed point of norm())."""
    out = []
    for i, g in enumerate(gold):
        facts = [norm(f) for f in g["must_include"]]
        retrieved = []
        for j, s in enumerate(g["sources"]):
            nq = norm(s["quote"])
            need = math.ceil(LCS_THRESHOLD * len(nq))
            length = need if (i + j) % 2 == 0 else need - 1
            retrieved.append({"doc": s["doc"], "text": _fact_free_span(nq, length, facts)})
        out.append({"id": g["id"], "answer": "", "citations": [], "retrieved": retrieved,
                    "declined": False})
    return out


SYSTEMS = {
    "perfect": perfect_outputs,
    "empty": lambda gold: [],
    "mixed": mixed_outputs,
    "noisy": noisy_outputs,
    "windows": window_outputs,
    "boundary": boundary_outputs,
}


# ----------------------------------------------------------------- reference
@pytest.fixture(scope="module")
def gold() -> list[dict]:
    if not GOLD.is_file():
        pytest.skip(f"gold set not found at {GOLD}")
    return load_jsonl(GOLD)


@pytest.fixture(scope="module")
def reference(gold: list[dict], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the reference scorer once over every synthetic system."""
    if not REFERENCE.is_file():
        pytest.skip(f"reference scorer not found at {REFERENCE}")
    tmp = tmp_path_factory.mktemp("ref")
    outputs: dict[str, list[dict]] = {}
    paths = []
    for name, build in SYSTEMS.items():
        outputs[name] = build(gold)
        p = tmp / f"{name}.jsonl"
        p.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in outputs[name]),
                     encoding="utf-8")
        paths.append(str(p))
    metrics_path, items_path = tmp / "M.json", tmp / "items.jsonl"
    cmd = [sys.executable, str(REFERENCE), str(GOLD), *paths,
           "--json", str(metrics_path), "--per-item", str(items_path)]
    for name in SYSTEMS:
        cmd += ["--name", name]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    per_item: dict[str, list[dict]] = {name: [] for name in SYSTEMS}
    for row in load_jsonl(items_path):
        per_item[row.pop("system")].append(row)
    return {"metrics": json.loads(metrics_path.read_text(encoding="utf-8")),
            "items": per_item, "outputs": outputs}


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return a == b and type(a) is type(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= TOL
    return a == b


# What policyqa's eval reports beyond the reference scorer (lead recall, answer length).
EXTRA_KEYS = {"n_lead", "lead_recall", "answer_chars"}
ITEM_EXTRA_KEYS = {"lead_recall", "answer_chars"}


def _assert_aggregate(ours: dict, ref: dict, where: str) -> None:
    assert set(ours) == set(ref) | EXTRA_KEYS, f"{where}: keys differ"
    for key in METRIC_KEYS:
        assert _same(ours[key], ref[key]), f"{where}[{key}]: ours={ours[key]!r} ref={ref[key]!r}"


# --------------------------------------------------------------------- tests
@needs_gold
@pytest.mark.parametrize("name", list(SYSTEMS))
def test_matches_reference(name: str, gold: list[dict], reference: dict) -> None:
    ref = reference["metrics"]["systems"][name]
    result, items = score(gold, reference["outputs"][name])

    _assert_aggregate(result["overall"], ref["overall"], f"{name}.overall")
    for bucket in ("by_type", "by_lang"):
        assert list(result[bucket]) == list(ref[bucket]), f"{name}.{bucket} groups differ"
        for group, agg in ref[bucket].items():
            _assert_aggregate(result[bucket][group], agg, f"{name}.{bucket}.{group}")
    assert result["missing_ids"] == ref["missing_ids"]
    assert result["extra_ids"] == ref["extra_ids"]

    ref_items = reference["items"][name]
    assert len(items) == len(ref_items)
    for ours, theirs in zip(items, ref_items):
        ours = json.loads(json.dumps(ours, ensure_ascii=False))
        assert set(ours) - ITEM_EXTRA_KEYS == set(theirs), f"{name}.{theirs['id']}: per-item fields differ"
        for key, val in theirs.items():
            if isinstance(val, list):
                assert ours[key] == val, f"{name}.{theirs['id']}[{key}]"
            else:
                assert _same(ours[key], val), f"{name}.{theirs['id']}[{key}]: {ours[key]!r} != {val!r}"


@needs_gold
def test_synthetic_systems_are_discriminating(gold: list[dict], reference: dict) -> None:
    """Guard against vacuous comparisons: the systems span the metric range."""
    systems = reference["metrics"]["systems"]
    perfect = systems["perfect"]["overall"]
    for key in ("hit@1", "hit@5", "mrr@10", "recall", "cite_p", "dec_acc"):
        assert perfect[key] == 1.0, key
    assert perfect["f_dec"] == 0.0
    assert systems["empty"]["overall"]["hit@5"] == 0.0
    assert len(systems["empty"]["missing_ids"]) == len(gold)
    mixed = systems["mixed"]["overall"]
    assert 0.0 < mixed["hit@5"] < 1.0 and 0.0 < mixed["recall"] < 1.0
    assert 0.0 < mixed["cite_p"] < 1.0 and 0.0 < mixed["f_dec"] < 1.0
    assert 0.0 < systems["windows"]["overall"]["hit@1"] < 1.0
    assert 0.2 < systems["boundary"]["overall"]["hit@1"] < 0.8


@needs_gold
def test_format_table(gold: list[dict], reference: dict) -> None:
    result, _ = score(gold, reference["outputs"]["mixed"])
    table = format_table(result)
    lines = table.splitlines()
    for col in ("hit@1", "hit@5", "MRR@10", "recall", "cite_p", "dec_acc", "f_dec"):
        assert col in lines[0]
    assert lines[1].startswith("overall")
    assert any(line.startswith("type=unanswerable") for line in lines)
    assert any(line.startswith("lang=zh-Hant") for line in lines)
    assert "key-fact recall" in table
    assert "missing from outputs" in table


@needs_gold
def test_write_report_escapes_untrusted_text(gold: list[dict], tmp_path: Path) -> None:
    outputs = perfect_outputs(gold)
    payload = '<script>alert("x")</script>'
    outputs[0]["answer"] = f"{payload} 8万元[1]"
    outputs[1]["citations"] = [{"doc": "<img src=x onerror=alert(1)>.txt", "quote": "a & b"}]
    gold = [dict(g) for g in gold]
    gold[2]["question"] = "<b>bold?</b> " + gold[2]["question"]
    result, items = score(gold, outputs)

    path = tmp_path / "out" / "report.html"
    write_report(path, gold, outputs, items, result, title="t <i>x</i>")
    assert path.is_file()
    page = path.read_text(encoding="utf-8")

    assert "<svg" in page
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;.txt" in page
    assert "&lt;b&gt;bold?&lt;/b&gt;" in page and "<b>bold?</b>" not in page
    assert "t &lt;i&gt;x&lt;/i&gt;" in page
    assert "a &amp; b" in page
    for g in gold[3:6]:
        assert html.escape(g["question"]) in page
    assert 'class="m">[1]</span>' in page  # citation markers highlighted
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


@needs_gold
def test_write_report_marks_failures(gold: list[dict], tmp_path: Path) -> None:
    outputs = mixed_outputs(gold)
    result, items = score(gold, outputs)
    path = tmp_path / "r.html"
    write_report(path, gold, outputs, items, result)
    page = path.read_text(encoding="utf-8")
    assert page.count('<tr class="fail">') >= 1
    assert "no output" in page
    assert "Noto Sans CJK SC" in page and "WenQuanYi Zen Hei" in page


def test_a_malformed_gold_item_is_reported_and_the_rest_scored(assistant, tmp_path):
    from eval.run import evaluate

    gold = tmp_path / "g.jsonl"
    items = [{"id": "empty", "question": "  ", "answer": "", "must_include": [], "sources": [],
              "answerable": False, "lang": "zh-Hans", "type": "unanswerable", "history": []},
             {"id": "ok", "question": "社区党组织的经费怎么保障？", "answer": "", "must_include": [],
              "sources": [], "answerable": False, "lang": "zh-Hans", "type": "unanswerable", "history": []}]
    gold.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items), encoding="utf-8")
    result = evaluate(assistant, gold, tmp_path / "out")
    assert result["malformed"] == [("empty", "the question is empty")]
    assert result["overall"]["n"] == 1
