"""Self-contained HTML evaluation report (inline CSS and SVG; no scripts, works offline).

Every string that comes from the gold set or from system outputs is untrusted
and goes through :func:`html.escape` before it reaches the page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from eval.metrics import format_table

__all__ = ["write_report", "render_report", "failure_reasons"]

#: (aggregate key, label, bar colour) of the charted metrics.
CHART_METRICS: tuple[tuple[str, str, str], ...] = (
    ("hit@5", "hit@5", "#3b6fb6"),
    ("mrr@10", "MRR@10", "#6aa0e0"),
    ("recall", "key-fact recall", "#2f9e6e"),
    ("dec_acc", "decline accuracy", "#c77d1a"),
)

#: (aggregate key, label) of the header figures.
HEADER_METRICS: tuple[tuple[str, str], ...] = (
    ("hit@1", "hit@1"),
    ("hit@5", "hit@5"),
    ("mrr@10", "MRR@10"),
    ("recall", "key-fact recall"),
    ("cite_p", "citation precision"),
    ("cite_cov", "citation coverage"),
    ("dec_acc", "decline accuracy"),
    ("f_dec", "false-decline rate"),
)

_FONT = ('system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
         '"Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif')

_CSS = """
* { box-sizing: border-box; }
body { font-family: %(font)s; margin: 0; padding: 24px 32px; color: #1d232b;
       background: #f6f7f9; font-size: 14px; line-height: 1.45; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
.meta { color: #5b6573; margin-bottom: 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { background: #fff; border: 1px solid #dde1e6; border-radius: 6px;
        padding: 10px 14px; min-width: 130px; }
.card .v { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .k { color: #5b6573; font-size: 12px; }
.warn { color: #a33; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; }
.chart { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 10px; }
.chart h3 { font-size: 14px; margin: 0 0 6px; }
pre.table { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 10px;
            overflow-x: auto; font-size: 12px;
            font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Noto Sans Mono CJK SC",
                         monospace; }
table.items { border-collapse: collapse; width: 100%%; background: #fff; font-size: 13px; }
table.items th, table.items td { border: 1px solid #dde1e6; padding: 6px 8px;
                                 vertical-align: top; text-align: left; }
table.items th { background: #eef1f5; position: sticky; top: 0; white-space: nowrap; }
table.items th::after { content: " \\2195"; color: #9aa4b1; font-weight: normal; }
table.items tr.fail td { background: #fdecec; }
table.items tr.fail td:first-child { border-left: 4px solid #d33; }
table.items tr.warnrow td { background: #fff8e6; }
table.items tr.warnrow td:first-child { border-left: 4px solid #e0a400; }
td.id { white-space: nowrap; font-weight: 600; }
td.q, td.a { min-width: 220px; max-width: 420px; }
td.c { min-width: 220px; max-width: 380px; }
.m { display: inline-block; background: #e4ecf8; color: #234c8a; border-radius: 3px;
     padding: 0 3px; font-size: 12px; font-weight: 600; }
.reason { display: block; color: #a33; font-size: 12px; }
.reason.soft { color: #8a6400; }
.ok { color: #1d7a4f; font-weight: 600; }
.bad { color: #c22; font-weight: 600; }
.na { color: #9aa4b1; }
.doc { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; color: #38414d; }
.quote { color: #38414d; }
ol.cits { margin: 0; padding-left: 22px; }
ul.facts { margin: 0; padding-left: 18px; }
details summary { cursor: pointer; color: #4b5563; font-size: 12px; }
.hist { font-size: 12px; color: #4b5563; margin: 4px 0 0; padding-left: 18px; }
.legend { color: #5b6573; font-size: 12px; margin: 6px 0; }
""" % {"font": _FONT}


def _e(value: Any) -> str:
    """Escape any value for HTML text or attribute context."""
    return html.escape("" if value is None else str(value), quote=True)


def _fmt(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


# ------------------------------------------------------------------ failures
def failure_reasons(item: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(hard, soft) reasons why a per-item score counts as a failure / a warning."""
    hard: list[str] = []
    soft: list[str] = []
    if item.get("missing"):
        hard.append("no output")
    if item.get("answerable", True):
        if item.get("f_dec"):
            hard.append("declined an answerable question")
        if "hit@5" in item and not item["hit@5"]:
            hard.append("no relevant passage in top 5")
        if "recall" in item and item["recall"] < 1.0:
            hard.append("key facts missing")
        if "cite_p" in item and item["cite_p"] < 1.0:
            soft.append("citation outside gold docs")
        if not item.get("declined") and not item.get("n_citations"):
            soft.append("no citations")
    elif not item.get("declined"):
        hard.append("answered an unanswerable question")
    return hard, soft


# -------------------------------------------------------------------- charts
def _bar_chart(title: str, groups: Mapping[str, Mapping[str, Any]]) -> str:
    """Horizontal grouped bar chart (0..1 scale) of CHART_METRICS per group, as inline SVG."""
    label_w, bar_w, value_w = 170, 300, 46
    bar_h, gap_bar, gap_group, top, bottom = 13, 3, 12, 34, 24
    width = label_w + bar_w + value_w + 10

    rows: list[tuple[str, list[tuple[str, str, str, float]]]] = []
    for name, agg in groups.items():
        bars = [(k, lbl, col, agg[k]) for k, lbl, col in CHART_METRICS if agg.get(k) is not None]
        rows.append((f"{name} (n={agg.get('n', 0)})", bars))

    height = top + bottom
    for _, bars in rows:
        height += max(1, len(bars)) * (bar_h + gap_bar) + gap_group
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{_e(_FONT)}" font-size="12">',
        f"<title>{_e(title)}</title>",
    ]
    # legend
    x = 10
    for _, lbl, col in CHART_METRICS:
        parts.append(f'<rect x="{x}" y="6" width="11" height="11" fill="{col}"/>')
        parts.append(f'<text x="{x + 15}" y="15.5" fill="#38414d">{_e(lbl)}</text>')
        x += 22 + 7 * len(lbl)
    # grid
    plot_bottom = height - bottom
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        gx = label_w + tick * bar_w
        parts.append(f'<line x1="{gx:.1f}" y1="{top - 6}" x2="{gx:.1f}" y2="{plot_bottom}" '
                     f'stroke="{"#9aa4b1" if tick in (0.0, 1.0) else "#e3e7ec"}" stroke-width="1"/>')
        parts.append(f'<text x="{gx:.1f}" y="{plot_bottom + 15}" text-anchor="middle" '
                     f'fill="#5b6573" font-size="11">{tick:g}</text>')
    # bars
    y = top
    for label, bars in rows:
        group_h = max(1, len(bars)) * (bar_h + gap_bar)
        parts.append(f'<text x="{label_w - 8}" y="{y + group_h / 2 + 4:.1f}" text-anchor="end" '
                     f'fill="#1d232b">{_e(label)}</text>')
        if not bars:
            parts.append(f'<text x="{label_w + 6}" y="{y + bar_h - 2}" fill="#9aa4b1">'
                         "no applicable metric</text>")
        for i, (key, lbl, col, val) in enumerate(bars):
            by = y + i * (bar_h + gap_bar)
            bw = max(0.0, min(1.0, float(val))) * bar_w
            parts.append(f'<rect x="{label_w}" y="{by}" width="{bw:.1f}" height="{bar_h}" '
                         f'fill="{col}"><title>{_e(label)} · {_e(lbl)}: {val:.3f}</title></rect>')
            parts.append(f'<text x="{label_w + bar_w + 6}" y="{by + bar_h - 2}" '
                         f'fill="#1d232b" font-size="11">{val:.2f}</text>')
        y += group_h + gap_group
    parts.append("</svg>")
    return "".join(parts)


# ------------------------------------------------------------------ table
_MARKER_RE = re.compile(r"\[(\d{1,3})\]")


def _answer_html(answer: Any) -> str:
    """Escaped answer text with its [n] citation markers highlighted."""
    escaped = _e(answer)
    escaped = _MARKER_RE.sub(lambda m: f'<span class="m">[{m.group(1)}]</span>', escaped)
    return escaped.replace("\n", "<br>")


def _citations_html(citations: Any) -> str:
    cits = [c for c in (citations or []) if isinstance(c, dict)]
    if not cits:
        return '<span class="na">none</span>'
    lis = []
    for c in cits:
        quote = c.get("quote") if c.get("quote") is not None else c.get("text")
        lis.append(f'<li><span class="doc">{_e(c.get("doc"))}</span><br>'
                   f'<span class="quote">“{_e(quote)}”</span></li>')
    return '<ol class="cits">' + "".join(lis) + "</ol>"


def _retrieval_html(item: Mapping[str, Any]) -> str:
    if "hit@5" not in item:
        return '<span class="na">n/a</span>'
    rank = item.get("first_relevant_rank")
    if rank is None:
        head = '<span class="bad">✗</span> none in top 10'
    elif rank <= 5:
        head = f'<span class="ok">✓</span> rank {int(rank)}'
    else:
        head = f'<span class="bad">✗</span> rank {int(rank)}'
    docs = item.get("retrieved_docs") or []
    flags = item.get("relevant_flags") or []
    if not docs:
        return head
    lis = "".join(
        f'<li><span class="doc">{_e(d)}</span>{" ✓" if i < len(flags) and flags[i] else ""}</li>'
        for i, d in enumerate(docs)
    )
    return (f"{head}<details><summary>top {len(docs)} retrieved</summary>"
            f'<ol class="hist">{lis}</ol></details>')


def _declined_html(item: Mapping[str, Any]) -> str:
    declined = bool(item.get("declined"))
    correct = declined != bool(item.get("answerable", True))
    cls = "ok" if correct else "bad"
    return f'<span class="{cls}">{"yes" if declined else "no"}</span>'


def _facts_html(item: Mapping[str, Any]) -> str:
    if "recall" not in item:
        return '<span class="na">n/a</span>'
    missing = item.get("facts_missing") or []
    head = f"recall {_fmt(item['recall'])}"
    if not missing:
        return f'<span class="ok">{head}</span>'
    lis = "".join(f"<li>{_e(m)}</li>" for m in missing)
    return f'<span class="bad">{head}</span><ul class="facts">{lis}</ul>'


def _question_html(g: Mapping[str, Any]) -> str:
    out = _e(g.get("question"))
    history = [h for h in (g.get("history") or []) if isinstance(h, dict)]
    if history:
        lis = "".join(f"<li><b>{_e(h.get('role'))}:</b> {_e(h.get('content'))}</li>"
                      for h in history)
        out += (f"<details><summary>{len(history)} earlier turns</summary>"
                f'<ol class="hist">{lis}</ol></details>')
    return out


def _item_rows(gold: Sequence[Mapping[str, Any]], outputs: Sequence[Mapping[str, Any]],
               items: Sequence[Mapping[str, Any]]) -> str:
    gold_by_id = {str(g.get("id")): g for g in gold if isinstance(g, dict)}
    out_by_id = {str(o["id"]): o for o in outputs if isinstance(o, dict) and "id" in o}
    rows = []
    for it in items:
        key = str(it.get("id"))
        g = gold_by_id.get(key, {})
        o = out_by_id.get(key, {})
        hard, soft = failure_reasons(it)
        cls = "fail" if hard else ("warnrow" if soft else "")
        reasons = "".join(f'<span class="reason">{_e(r)}</span>' for r in hard)
        reasons += "".join(f'<span class="reason soft">{_e(r)}</span>' for r in soft)
        lang_attr = _e(g.get("lang") or "")
        rows.append(
            f'<tr class="{cls}">'
            f'<td class="id">{_e(it.get("id"))}{reasons}</td>'
            f"<td>{_e(it.get('lang'))}</td>"
            f"<td>{_e(it.get('type'))}</td>"
            f'<td class="q" lang="{lang_attr}">{_question_html(g)}</td>'
            f'<td class="a">{_answer_html(o.get("answer"))}</td>'
            f'<td class="c">{_citations_html(o.get("citations"))}</td>'
            f"<td>{_retrieval_html(it)}</td>"
            f"<td>{_declined_html(it)}</td>"
            f"<td>{_facts_html(it)}</td>"
            "</tr>"
        )
    return "".join(rows)


# ------------------------------------------------------------------- page
def render_report(gold: list[dict], outputs: list[dict], items: list[dict], result: dict,
                  title: str = "policyqa evaluation") -> str:
    """The report as one HTML string (see :func:`write_report`)."""
    overall = result["overall"]
    cards = "".join(
        f'<div class="card"><div class="v">{_fmt(overall.get(k))}</div>'
        f'<div class="k">{_e(lbl)}</div></div>'
        for k, lbl in HEADER_METRICS
    )
    n_fail = sum(1 for it in items if failure_reasons(it)[0])
    counts = (f"{overall['n']} questions ({overall['n_answerable']} answerable, "
              f"{overall['n_unanswerable']} unanswerable) · {n_fail} failing")
    missing = result.get("missing_ids") or []
    warn = ""
    if missing:
        warn = (f'<p class="warn">{len(missing)} gold ids missing from outputs (scored as empty): '
                f"{_e(', '.join(map(str, missing)))}</p>")
    extra = result.get("extra_ids") or []
    if extra:
        warn += f'<p class="warn">{len(extra)} output ids not in gold (ignored).</p>'
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    charts = (
        '<div class="charts">'
        f'<div class="chart"><h3>By question type</h3>'
        f'{_bar_chart("Metrics by question type", result.get("by_type", {}))}</div>'
        f'<div class="chart"><h3>By language</h3>'
        f'{_bar_chart("Metrics by language", result.get("by_lang", {}))}</div>'
        "</div>"
    )
    headers = ["id", "lang", "type", "question", "answer", "citations (doc + quote)",
               "hit@5 / first relevant", "declined", "missing facts"]
    thead = "".join(f"<th>{_e(h)}</th>" for h in headers)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1>"
        f'<div class="meta">{_e(counts)} · generated {_e(stamp)}</div>'
        f'<div class="cards">{cards}</div>{warn}'
        "<h2>Metrics by group</h2>"
        '<p class="legend">Bars on a 0–1 scale; a metric is drawn only where it is defined '
        "(retrieval and key-fact recall for answerable items, decline accuracy for "
        "unanswerable ones).</p>"
        f"{charts}"
        f'<pre class="table">{_e(format_table(result))}</pre>'
        + (f"<h2>Decision reliability</h2><p class=\"legend\">Decision score bins (the modelled "
           "chance that the evidence answers) against the share of questions whose answer/decline "
           f"was right.</p><pre class=\"table\">{_e(result['reliability_table'])}</pre>"
           if result.get("reliability_table") else "") +
        "<h2>Questions</h2>"
        '<p class="legend">Red rows fail (no output, no relevant passage in the top 5, missing '
        "key facts, a false decline, or an answered unanswerable question); amber rows have "
        "citation warnings. Missing facts are shown normalised (Simplified, no whitespace or "
        "punctuation).</p>"
        f'<table class="items"><thead><tr>{thead}</tr></thead>'
        f"<tbody>{_item_rows(gold, outputs, items)}</tbody></table>"
        "</body></html>\n"
    )


def write_report(path: Path, gold: list[dict], outputs: list[dict], items: list[dict],
                 result: dict, title: str = "policyqa evaluation") -> None:
    """Write a single self-contained HTML report (inline CSS + SVG, no scripts) to ``path``.

    ``result`` and ``items`` are what :func:`eval.metrics.score` returned for
    ``gold`` and ``outputs``.  Parent directories are created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(gold, outputs, items, result, title), encoding="utf-8")
