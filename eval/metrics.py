"""Scoring of system outputs against the gold set.

Implements the rules of ``shared/gold/README.md`` and reproduces the figures of
the reference scorer ``shared/gold/score.py`` exactly (same normalisation, same
relevance test, same per-item fields and aggregate keys).  When the two
disagree, the reference scorer is right and this module is the bug.

Rules in short (see the README for the full text):

* ``norm()``: NFKC, drop tone-marked pinyin annotations such as ``服務(wù)``,
  Traditional→Simplified (zhconv ``zh-hans``), lowercase, keep only Unicode
  letters, digits and ``%`` / ``‰``.
* A retrieved passage (first ``MRR_K`` only) is relevant when its doc is a
  gold source doc and either the longest common substring with a gold quote of
  that doc covers at least ``LCS_THRESHOLD`` of the normalised quote, or the
  normalised passage contains one of the normalised ``must_include`` facts.
* hit@1 / hit@5 / mrr@10 over answerable items with gold sources; ``recall``
  (key-fact recall) over answerable items with ``must_include``; ``cite_p``
  over answerable items with at least one citation; ``dec_acc`` over
  unanswerable items; ``f_dec`` (false declines) over answerable items.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

import zhconv

__all__ = [
    "LCS_THRESHOLD",
    "MRR_K",
    "METRIC_KEYS",
    "TABLE_COLUMNS",
    "aggregate",
    "doc_key",
    "format_table",
    "lcs_len",
    "load_jsonl",
    "norm",
    "score",
    "score_item",
]

LCS_THRESHOLD = 0.4
MRR_K = 10

#: Every key of an aggregate (``overall`` and each ``by_type`` / ``by_lang`` bucket).
METRIC_KEYS: tuple[str, ...] = (
    "n", "n_answerable", "n_unanswerable", "n_retrieval",
    "hit@1", "hit@5", "mrr@10",
    "n_recall", "recall",
    "n_cited", "cite_p", "cite_cov", "cite_p_micro",
    "dec_acc", "f_dec", "n_missing",
)

# A parenthesised run of Latin letters containing at least one tone-marked
# vowel: "(wù)", "(chuàng)", "(lǐng)".  Plain "(工)", "(2014)" or "(AB)" stay.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_RE = re.compile(
    r"\(\s*[a-zü%s]*[%s][a-zü%s]*\s*\)" % (_TONED, _TONED, _TONED), re.IGNORECASE
)
# Punctuation that carries meaning in key facts ("30%" must not match "30").
_KEEP = "%‰"
_DOC_EXTS = (".txt", ".md", ".doc", ".docx", ".pdf", ".html")


# ------------------------------------------------------------------ normalising
@lru_cache(maxsize=200_000)
def norm(text: str) -> str:
    """Normalise text for every comparison (see module docstring)."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = _PINYIN_RE.sub("", s)
    s = zhconv.convert(s, "zh-hans").lower()
    return "".join(c for c in s if unicodedata.category(c)[0] in "LN" or c in _KEEP)


def doc_key(doc: Any) -> str:
    """Compare docs by base name without a known extension, case-insensitively."""
    if not doc:
        return ""
    base = os.path.basename(str(doc).strip().replace("\\", "/"))
    stem, ext = os.path.splitext(base)
    return (stem if ext.lower() in _DOC_EXTS else base).lower()


def lcs_len(a: str, b: str) -> int:
    """Length of the longest common substring of ``a`` and ``b``."""
    if not a or not b:
        return 0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.find_longest_match(0, len(a), 0, len(b)).size


# ------------------------------------------------------------------------- io
def load_jsonl(path: str | os.PathLike[str]) -> list[dict]:
    """Read a JSON Lines file (blank lines skipped).

    Raises ``ValueError("FILE:LINE: bad JSON: …")`` on a line that is not JSON.
    """
    rows: list[dict] = []
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{ln}: bad JSON: {e}") from e
    return rows


# ------------------------------------------------------------------- per item
def _dicts(xs: Any) -> list[dict]:
    return [x for x in (xs or []) if isinstance(x, dict)]


def _is_relevant(passage: Mapping[str, Any], gold_docs: set[str],
                 quotes_by_doc: Mapping[str, list[str]], must: list[str]) -> bool:
    key = doc_key(passage.get("doc"))
    if key not in gold_docs:
        return False
    text = norm(passage.get("text") or "")
    for q in quotes_by_doc.get(key, []):
        if lcs_len(q, text) / len(q) >= LCS_THRESHOLD:
            return True
    return any(m in text for m in must)


def score_item(gold: Mapping[str, Any], output: Mapping[str, Any] | None) -> dict:
    """Score one gold item against its output (``None`` when the output is missing).

    Fields: id, type, lang, answerable, missing; for answerable items with gold
    sources first_relevant_rank, hit@1, hit@5, mrr@10, relevant_flags,
    retrieved_docs; for answerable items with must_include recall and
    facts_missing (normalised facts); n_citations, and for answerable items with
    citations cite_p, n_citations_good; declined; f_dec (answerable) or dec_acc
    (unanswerable).
    """
    o: Mapping[str, Any] = output or {}
    answerable = bool(gold.get("answerable", True))
    sources = _dicts(gold.get("sources"))
    gold_docs = {doc_key(s.get("doc")) for s in sources if s.get("doc")}
    must = [m for m in (norm(str(x)) for x in (gold.get("must_include") or [])) if m]
    quotes_by_doc: dict[str, list[str]] = {}
    for s in sources:
        q = norm(s.get("quote") or "")
        if q:
            quotes_by_doc.setdefault(doc_key(s.get("doc")), []).append(q)

    r: dict[str, Any] = {
        "id": gold.get("id"),
        "type": gold.get("type") or "?",
        "lang": gold.get("lang") or "?",
        "answerable": answerable,
        "missing": not o,
    }

    # retrieval
    retrieved = _dicts(o.get("retrieved"))
    if answerable and gold_docs:
        flags = [_is_relevant(p, gold_docs, quotes_by_doc, must) for p in retrieved[:MRR_K]]
        first = next((rank for rank, rel in enumerate(flags, 1) if rel), None)
        r["first_relevant_rank"] = first
        r["hit@1"] = 1.0 if first == 1 else 0.0
        r["hit@5"] = 1.0 if first is not None and first <= 5 else 0.0
        r["mrr@10"] = 1.0 / first if first else 0.0
        r["relevant_flags"] = flags
        r["retrieved_docs"] = [p.get("doc") for p in retrieved[:MRR_K]]

    # key-fact recall
    raw_answer = str(o.get("answer") or "")
    answer = norm(raw_answer)
    if answerable and must:
        r["recall"] = sum(1 for m in must if m in answer) / len(must)
        r["facts_missing"] = [m for m in must if m not in answer]
    # lead recall: an official reads the first line; a decline holds nothing
    if answerable and len(must) == 1:
        first_line = next((line for line in raw_answer.splitlines() if line.strip()), "")
        declined_ = bool(o.get("declined", False))
        r["lead_recall"] = 0.0 if declined_ or not o else float(must[0] in norm(first_line))
    if not bool(o.get("declined", False)) and o:
        r["answer_chars"] = len(raw_answer)

    # citations
    cits = _dicts(o.get("citations"))
    r["n_citations"] = len(cits)
    if answerable and cits:
        good = sum(1 for c in cits if doc_key(c.get("doc")) in gold_docs)
        r["cite_p"] = good / len(cits)
        r["n_citations_good"] = good

    # declines
    declined = bool(o.get("declined", False))
    r["declined"] = declined
    if answerable:
        r["f_dec"] = 1.0 if declined else 0.0
    else:
        r["dec_acc"] = 1.0 if declined else 0.0
    return r


# ---------------------------------------------------------------- aggregates
def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def aggregate(items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Aggregate per-item scores; a metric with no eligible item is ``None``."""
    items = list(items)
    ans = [r for r in items if r["answerable"]]
    ret = [r for r in ans if "hit@1" in r]
    rec = [r for r in ans if "recall" in r]
    cit = [r for r in ans if "cite_p" in r]
    un = [r for r in items if not r["answerable"]]
    lead = [r for r in ans if "lead_recall" in r]
    lengths = [r["answer_chars"] for r in items if "answer_chars" in r]
    return {
        "n": len(items),
        "n_answerable": len(ans),
        "n_unanswerable": len(un),
        "n_retrieval": len(ret),
        "hit@1": _mean([r["hit@1"] for r in ret]),
        "hit@5": _mean([r["hit@5"] for r in ret]),
        "mrr@10": _mean([r["mrr@10"] for r in ret]),
        "n_recall": len(rec),
        "recall": _mean([r["recall"] for r in rec]),
        "n_cited": len(cit),
        "cite_p": _mean([r["cite_p"] for r in cit]),
        "cite_cov": (len(cit) / len(ans)) if ans else None,
        "cite_p_micro": (sum(r["n_citations_good"] for r in cit)
                         / sum(r["n_citations"] for r in cit)) if cit else None,
        "dec_acc": _mean([r["dec_acc"] for r in un]),
        "f_dec": _mean([r["f_dec"] for r in ans]),
        "n_lead": len(lead),
        "lead_recall": _mean([r["lead_recall"] for r in lead]),
        "answer_chars": _mean(lengths),
        "n_missing": sum(1 for r in items if r["missing"]),
    }


def score(gold: list[dict], outputs: list[dict]) -> tuple[dict, list[dict]]:
    """Score ``outputs`` against ``gold``.

    Outputs are matched to gold items by ``str(id)`` (the last output wins on a
    duplicate id); a gold item without output is scored as an empty output.
    Returns ``(result, items)``: ``result`` has ``overall``, ``by_type`` and
    ``by_lang`` (group → aggregate, groups sorted), ``missing_ids`` and
    ``extra_ids`` (output ids not in gold, ignored); ``items`` are the per-item
    scores in gold order.
    """
    by_id: dict[str, dict] = {}
    for o in outputs:
        if isinstance(o, dict) and "id" in o:
            by_id[str(o["id"])] = o
    items = [score_item(g, by_id.get(str(g.get("id")))) for g in gold]
    gold_ids = {str(g.get("id")) for g in gold}
    result: dict[str, Any] = {
        "overall": aggregate(items),
        "by_type": {},
        "by_lang": {},
        "missing_ids": [r["id"] for r in items if r["missing"]],
        "extra_ids": sorted(i for i in by_id if i not in gold_ids),
    }
    for key, bucket in (("type", "by_type"), ("lang", "by_lang")):
        for val in sorted({r[key] for r in items}):
            result[bucket][val] = aggregate(r for r in items if r[key] == val)
    return result, items


# ------------------------------------------------------------------- table
#: (aggregate key, column header) of the printed table.
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("hit@1", "hit@1"), ("hit@5", "hit@5"), ("mrr@10", "MRR@10"),
    ("recall", "recall"), ("cite_p", "cite_p"), ("dec_acc", "dec_acc"),
    ("f_dec", "f_dec"), ("lead_recall", "lead"), ("answer_chars", "chars"),
)

_LEGEND = ("recall = key-fact recall (must_include); cite_p = citation precision; "
           "dec_acc = decline accuracy (unanswerable); f_dec = false-decline rate; "
           "lead = lead recall (one-fact items: the answer's first line holds it); "
           "chars = mean answer length (answers, not declines); "
           "n(a/u) = items (answerable/unanswerable); '-' = not applicable")


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}" if v > 1.5 else f"{v:.2f}"


def format_table(result: Mapping[str, Any]) -> str:
    """Fixed-width table of a ``score()`` result: overall, then type=…, then lang=… rows."""
    rows: list[tuple[str, Mapping[str, Any]]] = [("overall", result["overall"])]
    rows += [(f"type={k}", v) for k, v in result.get("by_type", {}).items()]
    rows += [(f"lang={k}", v) for k, v in result.get("by_lang", {}).items()]
    w = max(12, max(len(label) for label, _ in rows) + 1)
    lines = [f"{'group':<{w}}{'n(a/u)':>10}" + "".join(f"{h:>9}" for _, h in TABLE_COLUMNS)]
    for label, m in rows:
        n = f"{m['n']}({m['n_answerable']}/{m['n_unanswerable']})"
        lines.append(f"{label:<{w}}{n:>10}"
                     + "".join(f"{_fmt(m[k]):>9}" for k, _ in TABLE_COLUMNS))
    lines.append(_LEGEND)
    missing = list(result.get("missing_ids") or [])
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        lines.append(f"! {len(missing)} gold ids missing from outputs (scored as empty): {shown}")
    extra = list(result.get("extra_ids") or [])
    if extra:
        lines.append(f"! {len(extra)} output ids not in gold (ignored)")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m eval.metrics GOLD OUTPUTS: the scores as JSON (bench/compare.py)
    import sys

    print(json.dumps(score(load_jsonl(sys.argv[1]), load_jsonl(sys.argv[2]))[0], ensure_ascii=False))
