"""Format parity: the same five sample documents converted to .docx, .pdf and .html should
retrieve and answer about as well as the plain .txt originals on the gold dev set.

Slow (ingests four stores and runs the gold set four times); run with
``pytest tests/test_format_parity.py -q -s`` to see the per-format table."""

from __future__ import annotations

import html
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "sample_corpus").glob("*.txt"))
GOLD = ROOT.parent / "shared" / "gold" / "dev.jsonl"
FORMATS = ("txt", "docx", "pdf", "html")
FUNDING_Q = "社区党组织的经费怎么保障？"
FUNDING_DOC = "004_df71fea4efc04293"


def _lines(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _write_txt(src: Path, dst: Path) -> None:
    dst.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")


def _write_docx(src: Path, dst: Path) -> None:
    import docx

    d = docx.Document()
    for line in _lines(src):
        d.add_paragraph(line)
    d.save(str(dst))


def _write_pdf(src: Path, dst: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cjk", fontName="STSong-Light", fontSize=11, leading=16, wordWrap="CJK")
    story = [Paragraph(xml_escape(line), style) for line in _lines(src)]
    SimpleDocTemplate(str(dst), pagesize=A4).build(story)


def _write_html(src: Path, dst: Path) -> None:
    lines = _lines(src)
    title = html.escape(lines[0]) if lines else ""
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines)
    dst.write_text(
        "<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">"
        f"<title>{title}</title></head><body>\n"
        "<nav><a href=\"/\">首页</a> | <a href=\"/zwgk\">政务公开</a> | <a href=\"/zcwj\">政策文件</a>"
        " | <a href=\"/hdjl\">互动交流</a></nav>\n"
        f"<article>\n{body}\n</article>\n"
        "<footer><p>主办单位：某某区人民政府办公室 版权所有 备案号：滇ICP备00000000号</p>"
        "<a href=\"/sitemap\">网站地图</a> <a href=\"/contact\">联系我们</a></footer>\n"
        "</body></html>\n",
        encoding="utf-8",
    )


WRITERS = {"txt": _write_txt, "docx": _write_docx, "pdf": _write_pdf, "html": _write_html}


@pytest.fixture(scope="module")
def parity(tmp_path_factory, sample_store):
    if not GOLD.exists():
        pytest.skip(f"gold set not found: {GOLD}")
    if len(SAMPLES) != 5:
        pytest.skip(f"expected 5 sample documents, found {len(SAMPLES)}")
    pytest.importorskip("docx")
    pytest.importorskip("reportlab")

    from eval.metrics import load_jsonl, score
    from eval.run import run_items
    from core.settings import load_settings
    from policyqa.assistant import Assistant

    gold = load_jsonl(GOLD)
    tmp_path = tmp_path_factory.mktemp("parity")
    out = {}
    for fmt in FORMATS:
        if fmt == "txt":  # the session's sample store is the .txt originals, ingested once
            a = Assistant(load_settings(store=sample_store))
        else:
            folder = tmp_path / f"docs-{fmt}"
            folder.mkdir()
            for src in SAMPLES:
                WRITERS[fmt](src, folder / f"{src.stem}.{fmt}")
            a = Assistant(load_settings(store=tmp_path / f"store-{fmt}"))
            report = a.ingest([folder])
            assert report.count("indexed") == 5, f"{fmt}: {report.summary()}"
        outputs, _ = run_items(a, gold)
        result, items = score(gold, outputs)
        funding = a.ask(FUNDING_Q)
        out[fmt] = {"result": result, "items": items, "outputs": outputs, "funding": funding}

    print("\nformat   hit@5  recall")
    for fmt in FORMATS:
        o = out[fmt]["result"]["overall"]
        print(f"{fmt:<7}{o['hit@5']:>7.3f}{o['recall']:>8.3f}")
    return out


def _rank_diff(parity, fmt: str) -> str:
    base = {r.get("id"): r.get("first_relevant_rank") for r in parity["txt"]["items"]}
    diffs = [f"{r.get('id')}: txt={base.get(r.get('id'))} {fmt}={r.get('first_relevant_rank')}"
             for r in parity[fmt]["items"] if base.get(r.get("id")) != r.get("first_relevant_rank")]
    return "; ".join(diffs) or "no rank differences"


@pytest.mark.parametrize("fmt", ["docx", "pdf", "html"])
def test_format_quality_matches_txt(parity, fmt):
    txt = parity["txt"]["result"]["overall"]
    got = parity[fmt]["result"]["overall"]
    assert got["hit@5"] >= txt["hit@5"] - 0.05, (
        f"{fmt} hit@5 {got['hit@5']:.3f} < txt {txt['hit@5']:.3f} - 0.05; {_rank_diff(parity, fmt)}")
    assert got["recall"] >= txt["recall"] - 0.10, (
        f"{fmt} recall {got['recall']:.3f} < txt {txt['recall']:.3f} - 0.10; {_rank_diff(parity, fmt)}")


def test_pdf_citations_carry_page(parity):
    pages = [c.get("page") for o in parity["pdf"]["outputs"] for c in o.get("citations") or []]
    assert any(isinstance(p, int) and p >= 1 for p in pages), "no PDF citation carried a page number"
    answer = parity["pdf"]["funding"]
    assert answer.citations, f"PDF funding question got no citations: {answer.text[:200]}"
    page = answer.citations[0].page
    assert isinstance(page, int) and page >= 1, f"first citation page is {page!r}"


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_funding_question_cites_004(parity, fmt):
    answer = parity[fmt]["funding"]
    docs = [c.doc for c in answer.citations]
    assert any(Path(d).stem == FUNDING_DOC or d.startswith(FUNDING_DOC) for d in docs), (
        f"{fmt}: funding question cited {docs}")
