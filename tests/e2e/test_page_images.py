"""A scanned document's citation opens its page image with the cited lines marked, beside the
recognised text (issue 22): OCR keeps each line's page, box and span; `/doc/{doc}/page/{n}`
renders the page from the kept original, authorised like /doc; real OCR on pages rendered with
the CJK font the browser tests use, the real server on 127.0.0.1."""

from __future__ import annotations

import html
import io
import os
import re
import tempfile
from pathlib import Path

import httpx
import pytest

from conftest import LiveServer, wait_until
from ingest.layout import Box, page_lines
from policyqa.docview import doc_url, page_image_url

scan = pytest.importorskip("ingest.scan")
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
TOKEN = "chat-token-for-page-images"
KNOWN = "社区党建经费不低于5万元"  # the line the citation quotes, on page 2
PAGE2 = ["第四条　经费保障。", "街道党建工作经费不低于8万元，", KNOWN + "，", "由区财政列入年度预算。"]
PAGE1 = ["关于加强社区党组织建设的通知", "各街道党工委：", "现将有关事项通知如下。"]
X, Y0, STEP = 80, 100, 52  # where the test draws line i: (X, Y0 + i * STEP), font size 32


def test_page_lines_are_found_in_the_page_text():
    """Each line's span in the page text is that line's text, wraps rejoined, seal text last."""
    boxes = [Box("第一条为加强社区建设，根据有关规定，结合本市", .99, 80, 100, 1100, 132),
             Box("实际，制定本办法。", .99, 80, 152, 400, 184),
             Box("第二条", .98, 80, 204, 180, 236), Box("经费保障。", .97, 200, 204, 360, 236),
             Box("某某街道办事处", .9, 1150, 300, 1186, 600)]
    text, lines = page_lines(boxes, 1240)
    assert [text[a:z] for _, a, z in lines] == [
        "第一条为加强社区建设，根据有关规定，结合本市", "实际，制定本办法。", "第二条经费保障。", "某某街道办事处"]
    assert "结合本市实际" in text  # the wrap was rejoined
    joined = lines[2][0]
    assert (joined.x0, joined.y0, joined.x1, joined.y1) == (80, 204, 360, 236)  # union of the row's boxes


def test_store_keeps_ocr_lines_with_the_document_and_drops_them_with_it(tmp_path):
    from conftest import HashEmbeddings
    from core.settings import load_settings
    from core.records import Document
    from core.store import Store

    store = Store(load_settings(store=tmp_path / "s"), HashEmbeddings())
    ocr = {"sizes": {"1": [100, 200]}, "lines": [[1, 5, 6, 90, 20, 0, 4]]}
    store.upsert_document(Document("a.png", "甲", "第一条。", ocr=ocr, content_hash="h1"), [], {})
    assert store.ocr_lines("a.png") == ocr and store.ocr_lines("b.png") == {}
    store.upsert_document(Document("a.png", "甲", "第一条。", content_hash="h2"), [], {})  # now text
    assert store.ocr_lines("a.png") == {}
    store.upsert_document(Document("a.png", "甲", "第一条。", ocr=ocr, content_hash="h3"), [], {})
    store.delete_document("a.png")
    assert store.ocr_lines("a.png") == {}
    store.close()


def render(lines: list[str]):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 32)
    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((X, Y0 + i * STEP), line, font=font, fill=0)
    return page


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A store holding a two-page scanned PDF (images only), a phone photo of page 2 stored on
    its side with an EXIF orientation, and a text file, served with a chat token."""
    if not scan.ocr_available() or not FONT.exists():
        pytest.skip("needs the [ocr] extra and fonts-wqy-zenhei")
    from policyqa.assistant import Assistant
    from core.settings import load_settings
    from policyqa.server import build_app

    root = tmp_path_factory.mktemp("pageimages")
    folder = root / "docs"
    folder.mkdir()
    pages = [render(PAGE1).convert("RGB"), render(PAGE2).convert("RGB")]
    pages[0].save(folder / "scan.pdf", save_all=True, append_images=pages[1:], resolution=150)
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view": the pixels are stored turned left
    pages[1].transpose(Image.Transpose.ROTATE_90).save(folder / "photo.jpg", "JPEG", quality=90, exif=exif)
    (folder / "notes.txt").write_text("第一条　本办法适用于全市社区。\n第二条　社区工作者每年培训一次。\n",
                                      encoding="utf-8")
    assistant = Assistant(load_settings(store=root / "store"))
    report = assistant.ingest([folder])
    assert report.count("indexed") == 3, [(r.doc, r.status, r.reason) for r in report.results]
    assistant.store.close()
    app = build_app(load_settings(store=root / "store", chat_token=TOKEN))
    with LiveServer(app, lifespan="off") as live:
        yield live.base, app.state.assistant.store


def _store(server_tuple):
    return server_tuple[1]


def known_span(store) -> tuple[int, int]:
    text = store.document_text("scan.pdf")
    a = text.find(KNOWN)
    assert a >= 0, text
    return a, a + len(KNOWN)


def test_ocr_keeps_each_lines_page_box_and_span(server):
    store = _store(server)
    ocr = store.ocr_lines("scan.pdf")
    text = store.document_text("scan.pdf")
    assert set(ocr["sizes"]) == {"1", "2"} and ocr["sizes"]["2"] == [1240, 1754]
    assert store.ocr_lines("notes.txt") == {}
    for page, x0, y0, x1, y1, a, z in ocr["lines"]:
        assert page in (1, 2) and 0 <= x0 < x1 <= 1240 and 0 <= y0 < y1 <= 1754 and 0 <= a < z <= len(text)
    line = next(ln for ln in ocr["lines"] if KNOWN in text[ln[5]:ln[6]])
    page, x0, y0, x1, y1, a, z = line
    assert page == 2
    i = PAGE2.index(KNOWN + "，")
    assert abs((y0 + y1) / 2 - (Y0 + i * STEP + 16)) < 20 and abs(x0 - X) < 20, line
    # Kept apart from the document's meta, which every listing reads and every chunk copies.
    meta = next(d["meta"] for d in store.documents() if d["doc"] == "scan.pdf")
    chunks = store.chunks_by_id(store.chunk_ids("scan.pdf")).values()
    assert chunks and not any(k in m for m in [meta, *(c.meta for c in chunks)] for k in ("lines", "sizes", "ocr"))


def marks_of(page_html: str) -> list[dict]:
    out = []
    for fig in re.finditer(r'<figure data-page="(\d+)">(.*?)</figure>', page_html, re.S):
        for m in re.finditer(r'<span class="line-mark" data-start="(\d+)" data-end="(\d+)" style="([^"]*)"',
                             fig.group(2)):
            style = dict(kv.split(":") for kv in m.group(3).split(";"))
            out.append({"page": int(fig.group(1)), "start": int(m.group(1)), "end": int(m.group(2)),
                        **{k: float(v.rstrip("%")) for k, v in style.items()}})
    return out


def test_citation_marks_the_cited_lines_on_the_page_image(server):
    base, _ = server
    store = _store(server)
    a, b = known_span(store)
    page = httpx.get(base + doc_url("scan.pdf", a, b, TOKEN), timeout=30)
    assert page.status_code == 200
    marks = marks_of(page.text)
    lines = store.ocr_lines("scan.pdf")["lines"]
    expected = {(ln[5], ln[6]) for ln in lines if ln[5] < b and ln[6] > a}
    assert {(m["start"], m["end"]) for m in marks} == expected and len(expected) == 1
    mark = marks[0]
    assert mark["page"] == 2
    i = PAGE2.index(KNOWN + "，")
    assert abs(mark["top"] - 100 * (Y0 + i * STEP) / 1754) < 1.5 and mark["height"] < 4
    # The recognised text is there too, the quote highlighted, and the image link is signed.
    marked = re.search(r'<mark id="cited">(.*?)</mark>', page.text, re.S)
    assert marked and html.unescape(marked.group(1)) == KNOWN
    src = html.unescape(re.search(r'<img src="([^"]+)"', page.text).group(1))
    assert src == page_image_url("scan.pdf", 2, TOKEN)
    image = httpx.get(base + src, timeout=30)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    from PIL import Image

    assert Image.open(io.BytesIO(image.content)).size == (1240, 1754)
    # A text document's view has no page images.
    plain = httpx.get(base + doc_url("notes.txt", 0, 5, TOKEN), timeout=30).text
    assert 'class="line-mark"' not in plain and "<img" not in plain and "<figure" not in plain


def test_page_image_route_refuses_what_it_must(server):
    base, _ = server
    ok = page_image_url("scan.pdf", 1, TOKEN)
    assert httpx.get(base + ok).status_code == 200
    # Authorisation: the link's signature, or the chat token as a bearer; nothing else.
    unsigned = page_image_url("scan.pdf", 1)
    for url, headers in ((unsigned, {}), (page_image_url("scan.pdf", 1, "another token"), {}),
                         (unsigned, {"Authorization": "Bearer wrong"})):
        r = httpx.get(base + url, headers=headers)
        assert r.status_code == 403 and "error" in r.json(), url
    assert httpx.get(base + unsigned, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    # Pages out of range or not numbers, unknown documents, documents without page images.
    for url in (page_image_url("scan.pdf", 3, TOKEN), page_image_url("scan.pdf", 0, TOKEN),
                ok.replace("/page/1", "/page/abc"), ok.replace("/page/1", "/page/-1"),
                ok.replace("/page/1", "/page/1e3"), ok.replace("/page/1", "/page/99999999999")):
        r = httpx.get(base + url)
        assert r.status_code == 404 and "error" in r.json(), (url, r.text)
    for doc in ("no-such.pdf", "notes.txt", "..", "../store"):
        r = httpx.get(base + page_image_url(doc, 1, TOKEN))
        assert r.status_code in (403, 404) and "error" in r.json(), (doc, r.text)
    r = httpx.get(base + page_image_url("no-such.pdf", 1, TOKEN))
    assert r.status_code == 404 and "no document" in r.json()["error"]


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_browser_shows_the_mark_over_the_cited_line(server):
    """Headless Chromium: the outline sits over the cited line of the loaded page image."""
    sync_api = pytest.importorskip("playwright.sync_api")
    base, _ = server
    a, b = known_span(_store(server))
    shots = Path(os.environ.get("POLICYQA_SCREENSHOTS") or tempfile.mkdtemp(prefix="policyqa-shots-"))
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + doc_url("scan.pdf", a, b, TOKEN))
            wait_until(page, "document.querySelector('.sheet img').complete && "
                             "document.querySelector('.sheet img').naturalWidth > 0")
            img = page.locator(".sheet img").bounding_box()
            mark = page.locator(".line-mark").bounding_box()
            text = page.locator(".text").bounding_box()
            page.screenshot(path=str(shots / "scanned-citation.png"))
        finally:
            browser.close()
    i = PAGE2.index(KNOWN + "，")
    scale = img["width"] / 1240
    assert abs(mark["y"] - (img["y"] + (Y0 + i * STEP) * scale)) < 10 * max(scale, 0.5)
    assert mark["x"] >= img["x"] and mark["x"] + mark["width"] <= img["x"] + img["width"] + 1
    assert text["x"] >= img["x"] + img["width"] - 1  # the recognised text stands beside the image
    print(f"\nscreenshot: {shots / 'scanned-citation.png'}")


def test_photo_page_is_shown_upright_as_ocr_read_it(server):
    base, store = server
    ocr = store.ocr_lines("photo.jpg")
    assert ocr["sizes"] == {"1": [1240, 1754]}  # upright, as the EXIF orientation says
    from PIL import Image

    r = httpx.get(base + page_image_url("photo.jpg", 1, TOKEN), timeout=30)
    assert r.status_code == 200 and Image.open(io.BytesIO(r.content)).size == (1240, 1754)
    text = store.document_text("photo.jpg")
    line = next(ln for ln in ocr["lines"] if KNOWN in text[ln[5]:ln[6]])
    assert abs(line[2] - (Y0 + PAGE2.index(KNOWN + "，") * STEP)) < 20


def test_answer_citations_open_their_marked_lines(server):
    """As a user would: ask, follow each citation of a scanned file, find its lines marked."""
    base, store = server
    body = httpx.post(base + "/api/ask", json={"question": "社区党组织的经费怎么保障？"},
                      headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120).json()
    scanned = [c for c in body["citations"] if c["doc"] in ("scan.pdf", "photo.jpg")]
    assert scanned, body
    for c in scanned:
        marks = marks_of(httpx.get(base + c["url"], timeout=30).text)
        assert marks, c
        assert all(m["start"] < c["end"] and m["end"] > c["start"] for m in marks)
        assert min(m["start"] for m in marks) <= c["start"] and max(m["end"] for m in marks) >= c["end"]
        if c.get("page"):
            assert {m["page"] for m in marks} == {c["page"]}
