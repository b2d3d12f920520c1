"""Loaders on real files built here: .docx, .pdf (text and scanned), .html, encoded .txt."""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import pytest

from ingest.loaders import LOADERS, LoadError, load
from ingest.split import _page_at

SENTENCE = "对符合条件的高校毕业生给予一次性就业补贴每人三千元。"
TITLE = "关于进一步促进高校毕业生就业的通知"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def offset_of(text: str, needle: str) -> int:
    """Offset in `text` of `needle`, ignoring whitespace that PDF extraction may insert."""
    positions = [i for i, ch in enumerate(text) if not ch.isspace()]
    k = squash(text).find(squash(needle))
    assert k >= 0, f"{needle!r} not found in {text!r}"
    return positions[k]


def test_formats_are_registered():
    for suffix in (".txt", ".md", ".pdf", ".docx", ".html", ".htm"):
        assert suffix in LOADERS


# --- .docx -----------------------------------------------------------------------------

def make_docx(path: Path, title: str | None = None) -> Path:
    import docx

    d = docx.Document()
    if title:
        d.core_properties.title = title
    d.add_heading("一、补贴对象", level=1)
    d.add_paragraph("各区人民政府，市政府各部门：")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "项目"
    table.cell(0, 1).text = "标准"
    table.cell(1, 0).text = "就业补贴"
    table.cell(1, 1).text = SENTENCE
    d.add_paragraph("本通知自印发之日起施行。")
    d.save(path)
    return path


def test_docx_keeps_heading_paragraphs_and_table_in_body_order(tmp_path):
    doc = load(make_docx(tmp_path / "通知.docx", title=TITLE))
    lines = doc.text.splitlines()
    assert doc.title == TITLE
    assert doc.doc == "通知.docx"
    assert len(doc.content_hash) == 64
    assert "一、补贴对象" in lines
    # The table's row names its columns (tests/test_tables.py).
    assert f"项目：就业补贴，标准：{SENTENCE}" in lines
    # The table sits between the paragraphs around it, not appended at the end.
    order = [lines.index(x) for x in ("一、补贴对象", "各区人民政府，市政府各部门：",
                                      f"项目：就业补贴，标准：{SENTENCE}", "本通知自印发之日起施行。")]
    assert order == sorted(order)


def test_docx_merged_cell_is_not_repeated(tmp_path):
    import docx

    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    t.cell(0, 0).merge(t.cell(0, 2)).text = "补贴标准一览表"
    t.cell(1, 0).text, t.cell(1, 1).text, t.cell(1, 2).text = "甲", "乙", "丙"
    d.save(tmp_path / "m.docx")
    lines = load(tmp_path / "m.docx").text.splitlines()
    assert lines == ["补贴标准一览表", "甲 | 乙 | 丙"]


def test_docx_title_falls_back_to_first_line(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph(TITLE)
    d.add_paragraph(SENTENCE)
    d.save(tmp_path / "x.docx")
    assert load(tmp_path / "x.docx").title == TITLE


def test_corrupt_docx_raises(tmp_path):
    (tmp_path / "bad.docx").write_bytes(b"PK\x03\x04 this is not really a zip archive")
    with pytest.raises(LoadError, match="corrupt or unreadable .docx"):
        load(tmp_path / "bad.docx")


# --- .pdf ------------------------------------------------------------------------------

def make_pdf(path: Path, pages: list[list[str]], title: str | None = None,
             encrypt: str | None = None) -> Path:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), encrypt=encrypt)
    if title:
        c.setTitle(title)
    for lines in pages:
        c.setFont("STSong-Light", 14)
        for i, line in enumerate(lines):
            c.drawString(72, 760 - 24 * i, line)
        c.showPage()
    c.save()
    return path


def test_chinese_pdf_pages_and_page_starts(tmp_path):
    pdf = make_pdf(tmp_path / "通知.pdf", [[TITLE, "各区人民政府，市政府各部门："],
                                           ["二、补贴标准", SENTENCE]], title=TITLE)
    doc = load(pdf)
    assert doc.title == TITLE
    assert doc.meta["pages"] == 2
    starts = doc.meta["page_starts"]
    assert len(starts) == 2 and starts[0] == 0 < starts[1] < len(doc.text)
    assert SENTENCE in doc.text or squash(SENTENCE) in squash(doc.text)
    assert _page_at(doc, offset_of(doc.text, SENTENCE)) == 2
    assert _page_at(doc, offset_of(doc.text, "各区人民政府")) == 1
    # Pages are joined by a blank line, and page 2 starts right after it.
    assert doc.text[starts[1] - 2:starts[1]] == "\n\n"
    assert squash(doc.text[starts[1]:]).startswith("二、补贴标准")


def test_pdf_without_title_metadata_uses_first_line(tmp_path):
    doc = load(make_pdf(tmp_path / "x.pdf", [[TITLE, SENTENCE]]))
    assert squash(doc.title) == squash(TITLE)


def test_scanned_pdf_without_text_layer_raises(tmp_path):
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "scan.pdf"))
    c.rect(100, 100, 300, 400, fill=1)
    c.showPage()
    c.save()
    with pytest.raises(LoadError, match="scanned.*OCR"):
        load(tmp_path / "scan.pdf")


def test_password_protected_pdf_raises(tmp_path):
    make_pdf(tmp_path / "locked.pdf", [[SENTENCE]], encrypt="secret")
    with pytest.raises(LoadError, match="password"):
        load(tmp_path / "locked.pdf")


def test_corrupt_pdf_raises(tmp_path):
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4\n this is not a pdf body at all")
    with pytest.raises(LoadError, match="PDF"):
        load(tmp_path / "bad.pdf")


# --- .html -----------------------------------------------------------------------------

PAGE = f"""<!DOCTYPE html>
<html><head><meta charset="{{charset}}"><title>{TITLE}_某市人民政府</title>
<style>.nav {{{{ color: red }}}}</style>
<script>var menu = "脚本菜单文字";</script></head>
<body>
<header><div class="logo">某市人民政府门户网站</div></header>
<nav><a href="/">首页</a> <a href="/zc">政策文件导航</a></nav>
<article>
  <h1>{TITLE}</h1>
  <p>各区人民政府，市政府各部门：</p>
  <p>{SENTENCE}</p>
  <table><tr><th>项目</th><th>标准</th></tr><tr><td>就业补贴</td><td>三千元</td></tr></table>
  <p>本通知自印发之日起施行。</p>
</article>
<footer>版权所有 网站地图 联系我们</footer>
<script>trackVisit("统计代码");</script>
</body></html>"""


@pytest.mark.parametrize("charset", ["utf-8", "gbk"])
def test_html_keeps_main_content_only(tmp_path, charset):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.format(charset=charset).encode(charset))
    doc = load(path)
    assert SENTENCE in doc.text
    assert "本通知自印发之日起施行。" in doc.text
    # The table's row names its columns (tests/test_tables.py).
    assert "项目：就业补贴，标准：三千元" in doc.text.splitlines()
    for furniture in ("脚本菜单文字", "统计代码", "政策文件导航", "门户网站", "版权所有", "color"):
        assert furniture not in doc.text
    assert TITLE in doc.title
    # Paragraphs stay on their own lines.
    assert "各区人民政府，市政府各部门：" in doc.text.splitlines()


def test_htm_without_article_falls_back_to_body_text(tmp_path):
    path = tmp_path / "short.htm"
    path.write_bytes("<html><body><nav>导航栏</nav><div>政策原文第一段</div>"
                     "<div>政策原文第二段</div><footer>页脚</footer></body></html>".encode())
    text = load(path).text
    assert "政策原文第一段" in text and "政策原文第二段" in text
    assert "导航栏" not in text and "页脚" not in text


# --- .txt encodings and bad files -------------------------------------------------------

SIMPLIFIED = f"{TITLE}\n第一条 {SENTENCE}\n"
TRADITIONAL = "關於進一步促進高校畢業生就業的通知\n第一條 對符合條件的高校畢業生給予一次性就業補貼每人三千元。\n"


@pytest.mark.parametrize("encoding, text", [
    ("gbk", SIMPLIFIED), ("big5", TRADITIONAL), ("utf-16", SIMPLIFIED),
    ("utf-16-le", SIMPLIFIED), ("utf-8-sig", SIMPLIFIED),
])
def test_txt_encodings(tmp_path, encoding, text):
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    doc = load(path)
    assert doc.text == text
    assert doc.title == text.splitlines()[0]


def test_empty_file_raises(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(LoadError, match="empty"):
        load(tmp_path / "empty.txt")
    (tmp_path / "empty.pdf").write_bytes(b"")
    with pytest.raises(LoadError, match="empty"):
        load(tmp_path / "empty.pdf")


@pytest.mark.parametrize("kind", ["random", "zip"])
def test_binary_junk_raises(tmp_path, kind):
    if kind == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("a.txt", "hello" * 100)
        data = buf.getvalue()
    else:
        data = random.Random(0).randbytes(8192)
    (tmp_path / "junk.txt").write_bytes(data)
    with pytest.raises(LoadError, match="binary"):
        load(tmp_path / "junk.txt")


def test_unsupported_suffix_raises(tmp_path):
    (tmp_path / "x.pages").write_bytes(b"an Apple Pages file")
    with pytest.raises(LoadError, match="unsupported file type"):
        load(tmp_path / "x.pages")
