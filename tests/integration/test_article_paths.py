"""A sentence is cited by the article it stands in, in every format.

The bug this guards: short articles were packed into one chunk and a chunk is cited by one
heading path, so a .docx's 第四条 sentence was cited as 「第三条」 and its 第二条 as 「第一条」.
Each format is built here from the same articles, loaded and split as the ingest does."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from ingest.loaders import load
from ingest.pipeline import prepare

TITLE = "某区社区党组织经费保障办法"
ARTICLES = [
    ("第一条", "为了加强社区党组织建设，保障社区党组织正常运转，根据有关规定，制定本办法。"),
    ("第二条", "本办法适用于本区所有社区党组织。社区党组织应当按照规定开展组织生活。"),
    ("第三条", "区委组织部负责本办法的组织实施。各街道党工委负责具体落实，并定期报告工作情况。"),
    ("第四条", "社区党组织工作经费每个社区每年不低于8万元，服务群众专项经费每年不低于5万元。"),
    ("第五条", "本办法自印发之日起施行。"),
]
LINES = [TITLE] + [f"{a} {body}" for a, body in ARTICLES]


def write_txt(path: Path) -> Path:
    path.write_text("\n\n".join(LINES) + "\n", encoding="utf-8")
    return path


def write_md(path: Path) -> Path:
    path.write_text(f"# {TITLE}\n\n## 第一章 总则\n\n" + "\n\n".join(LINES[1:]) + "\n", encoding="utf-8")
    return path


def write_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    for line in LINES:
        d.add_paragraph(line)
    d.save(str(path))
    return path


def write_html(path: Path) -> Path:
    body = "".join(f"<p>{html.escape(line)}</p>" for line in LINES)
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{TITLE}</title></head>"
                    f"<body><article>{body}</article></body></html>", encoding="utf-8")
    return path


def write_pdf(path: Path) -> Path:
    """Articles 1-3 on page 1, 4-5 on page 2."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for page in (LINES[:4], LINES[4:]):
        c.setFont("STSong-Light", 10)
        for i, line in enumerate(page):
            c.drawString(40, 780 - 20 * i, line)
        c.showPage()
    c.save()
    return path


WRITERS = {"txt": write_txt, "md": write_md, "docx": write_docx, "html": write_html, "pdf": write_pdf}


def chunk_of(chunks, body: str):
    key = body[:12]
    found = [c for c in chunks if key in c.text.replace("\n", "")]
    assert found, f"{key!r} is in no chunk"
    return found


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_every_sentence_is_cited_by_its_own_article(tmp_path, fmt):
    if fmt == "pdf":
        pytest.importorskip("reportlab")
    document, chunks = prepare(load(WRITERS[fmt](tmp_path / f"办法.{fmt}")), 200)
    for article, body in ARTICLES:
        for chunk in chunk_of(chunks, body):
            # A chunk holding the article's sentence is cited by that article, never a neighbour.
            assert chunk.heading.split(" › ")[-1] == article, (fmt, article, chunk.heading, chunk.text)
            assert document.text[chunk.start:chunk.end].replace("\n", "").find(body[:12]) >= 0


def test_pdf_sentence_is_cited_by_its_own_page(tmp_path):
    pytest.importorskip("reportlab")
    _, chunks = prepare(load(write_pdf(tmp_path / "办法.pdf")), 200)
    for article, body in ARTICLES:
        page = 1 if article in ("第一条", "第二条", "第三条") else 2
        assert {c.page for c in chunk_of(chunks, body)} == {page}, article


def test_overlap_sentence_never_crosses_an_article(tmp_path):
    """A chunk full to its bound repeats its last sentence in the next chunk only inside one
    article: the next article's chunk starts with that article."""
    long_body = "社区党组织应当按照规定开展组织生活，定期召开会议，研究部署工作。" * 4
    text = "\n".join([TITLE, f"第一条 {long_body}", f"第二条 {long_body}", f"第三条 {long_body}"])
    path = tmp_path / "长.txt"
    path.write_text(text, encoding="utf-8")
    _, chunks = prepare(load(path), 80)
    for c in chunks:
        arts = [a for a in ("第一条", "第二条", "第三条") if a in c.text]
        assert len(arts) <= 1, c.text
        if arts:
            assert c.heading == arts[0]


def test_docx_funding_article_cited_end_to_end(tmp_path):
    """Ingested and asked as a user would: the 8万元 sentence is cited as 第四条."""
    from policyqa.assistant import Assistant
    from core.settings import load_settings

    folder = tmp_path / "docs"
    folder.mkdir()
    write_docx(folder / "办法.docx")
    a = Assistant(load_settings(store=tmp_path / "store"))
    assert a.ingest([folder]).count("indexed") == 1
    answer = a.ask("社区党组织的经费怎么保障？")
    assert not answer.declined, answer.text
    cited = [c for c in answer.citations if "8万元" in c.quote]
    assert cited, [c.quote for c in answer.citations]
    assert all(c.heading == "第四条" for c in cited), [(c.heading, c.quote) for c in cited]
    text = a.store.document_text("办法.docx")
    assert all(text[c.start:c.end] == c.quote for c in answer.citations)


def test_heading_at_the_foot_of_a_page_leads_into_the_next_page(tmp_path):
    """A chapter line printed last on page 1 opens the chunk of the article on page 2: that
    chunk is cited by page 2 and by the article, and holds the chapter line."""
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "跨页.pdf"
    c = canvas.Canvas(str(path))
    for page in ([TITLE, "第一章 总则"] + LINES[1:4] + ["第二章 经费保障"], LINES[4:]):
        c.setFont("STSong-Light", 10)
        for i, line in enumerate(page):
            c.drawString(40, 780 - 20 * i, line)
        c.showPage()
    c.save()
    _, chunks = prepare(load(path), 200)
    (funding,) = [c for c in chunks if "8万元" in c.text]
    assert funding.page == 2
    assert funding.heading == "第二章 经费保障 › 第四条"
    assert funding.text.startswith("第二章 经费保障")


def write_numbered_docx(path: Path) -> Path:
    """Articles numbered by Word (「第%1条」, Chinese counting) with items under them
    (「（%2）」), as policy templates do: the numbers are not in the paragraphs' text."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    numbering = d.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:suff w:val="space"/><w:lvlText w:val="第%1条"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:suff w:val="nothing"/><w:lvlText w:val="（%2）"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(text: str, level: int = 0) -> None:
        p = d.add_paragraph(text)
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))

    d.add_paragraph(TITLE)
    for article, body in ARTICLES:
        numbered(body)
        if article == "第四条":
            numbered("街道党建工作经费不低于8万元；", 1)
            numbered("社区党建经费不低于5万元。", 1)
    d.save(str(path))
    return path


def test_docx_articles_numbered_by_word_keep_their_numbers_and_paths(tmp_path):
    document, chunks = prepare(load(write_numbered_docx(tmp_path / "编号.docx")), 200)
    lines = document.text.splitlines()
    assert lines[1:5] == [f"{a} {body}" for a, body in ARTICLES[:4]]
    assert lines[5:7] == ["（一）街道党建工作经费不低于8万元；", "（二）社区党建经费不低于5万元。"]
    assert lines[7] == f"第五条 {ARTICLES[4][1]}"
    for article, body in ARTICLES:
        for chunk in chunk_of(chunks, body):
            assert chunk.heading == article, (article, chunk.heading)
    assert {c.heading for c in chunks if "5万元。" in c.text} == {"第四条"}


@pytest.mark.parametrize("n, fmt, shown", [
    (4, "chineseCounting", "四"), (10, "chineseCounting", "十"), (21, "chineseCountingThousand", "二十一"),
    (3, "ideographTraditional", "丙"), (2, "decimalEnclosedCircleChinese", "②"), (12, "decimal", "12"),
    (4, "upperRoman", "IV"), (28, "lowerLetter", "bb"), (7, "decimalFullWidth", "７"),
])
def test_word_number_formats(n, fmt, shown):
    from ingest.numbering import format_number

    assert format_number(n, fmt) == shown
