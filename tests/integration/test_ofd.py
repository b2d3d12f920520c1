"""OFD (GB/T 33190-2016) files built here part by part as the standard lays them out (OFD.xml
with DocInfo → Doc_0/Document.xml with CommonData, a template page and the page list → each
page's Content.xml of layers, TextObjects and TextCodes in millimetres), then read, ingested
and asked."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest

from ingest.loaders import LoadError, load
from ingest.pipeline import prepare

ROOT = Path(__file__).resolve().parents[2]
FUNDING_TXT = ROOT / "sample_corpus" / "004_df71fea4efc04293.txt"
NS = "http://www.ofdspec.org/2016"
TITLE = "五华区加强基层服务型党组织建设的实施意见"
SIZE = 4.2  # mm, about 12 pt
PER_LINE = 36
LINES_PER_PAGE = 30


def visual_lines(paragraphs: list[str]) -> list[str]:
    out = []
    for p in paragraphs:
        out.extend(p[i:i + PER_LINE] for i in range(0, len(p), PER_LINE))
    return out


def text_object(uid: int, x: float, y: float, text: str) -> str:
    """One TextObject: its Boundary places it, its TextCode's DeltaX spaces the glyphs."""
    delta = f' DeltaX="g {len(text) - 1} {SIZE}"' if len(text) > 1 else ""
    return (f'<ofd:TextObject ID="{uid}" Boundary="{x} {y - SIZE} {SIZE * len(text)} {SIZE * 1.4}" '
            f'Font="3" Size="{SIZE}"><ofd:FillColor Value="0 0 0"/>'
            f'<ofd:TextCode X="0" Y="{SIZE}"{delta}>{escape(text)}</ofd:TextCode></ofd:TextObject>')


def page_xml(lines: list[str], uid: int, shuffle: bool = False, per_char: int | None = None,
             template: bool = False, top: float = 40) -> tuple[str, int]:
    objects = []
    for i, line in enumerate(lines):
        y = top + 8 * i
        if i == per_char:  # some producers write one TextObject per glyph
            for k, ch in enumerate(line):
                uid += 1
                objects.append(text_object(uid, 25 + SIZE * k, y, ch))
        else:
            uid += 1
            objects.append(text_object(uid, 25, y, line))
    if shuffle:  # drawing order is not reading order
        random.Random(7).shuffle(objects)
    tpl = '<ofd:Template TemplateID="100" ZOrder="Background"/>' if template else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}">{tpl}<ofd:Content>'
            f'<ofd:Layer ID="{uid + 1}">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>', uid + 1)


def write_ofd(path: Path, pages: list[list[str]], title: str = TITLE, custom: dict | None = None,
              header: str | None = None, **page_options) -> Path:
    custom = custom if custom is not None else {"发文机关": "中共五华区委办公室", "文号": "五办发〔2014〕30号"}
    customs = "".join(f"<ofd:CustomData Name={quoteattr(k)}>{escape(v)}</ofd:CustomData>" for k, v in custom.items())
    ofd_xml = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD">'
               f'<ofd:DocBody><ofd:DocInfo><ofd:DocID>6f0f7a3c2d1b4e5f</ofd:DocID>'
               f'<ofd:Title>{escape(title)}</ofd:Title><ofd:Author>五华区</ofd:Author>'
               f'<ofd:CreationDate>2014-12-24</ofd:CreationDate><ofd:CustomDatas>{customs}</ofd:CustomDatas>'
               f'</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
    page_list = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
    tpl_decl = '<ofd:TemplatePage ID="100" BaseLoc="Tpls/Tpl_0/Content.xml"/>' if header else ""
    document = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{NS}"><ofd:CommonData>'
                f'<ofd:MaxUnitID>9999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>'
                f'</ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>{tpl_decl}</ofd:CommonData>'
                f'<ofd:Pages>{page_list}</ofd:Pages></ofd:Document>')
    res = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
           f'<ofd:Font ID="3" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", ofd_xml)
        z.writestr("Doc_0/Document.xml", document)
        z.writestr("Doc_0/PublicRes.xml", res)
        uid = 10
        for i, lines in enumerate(pages):
            xml, uid = page_xml(lines, uid, template=bool(header) and i == 0,
                                **{k: v for k, v in page_options.items() if i == 0})
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", xml)
        if header:
            tpl, _ = page_xml([header], 5000, top=20)  # the red header above the text
            z.writestr("Doc_0/Tpls/Tpl_0/Content.xml", tpl)
    return path


ARTICLES = ["第一条 为了加强社区党组织建设，保障社区党组织正常运转，制定本办法。",
            "第二条 社区党组织工作经费每个社区每年不低于8万元，服务群众专项经费每年不低于5万元。",
            "第三条 本办法自印发之日起施行。"]


def test_ofd_text_in_reading_order_with_docinfo(tmp_path):
    pages = [visual_lines(["某区社区党组织经费保障办法", ARTICLES[0]]), visual_lines(ARTICLES[1:])]
    path = write_ofd(tmp_path / "办法.ofd", pages, title="某区社区党组织经费保障办法",
                     shuffle=True, per_char=1, header="中共某区委员会文件")
    doc = load(path)
    assert doc.title == "某区社区党组织经费保障办法"
    assert doc.meta["issuer"] == "中共五华区委办公室" and doc.meta["number"] == "五办发〔2014〕30号"
    assert doc.meta["pages"] == 2
    # Shuffled drawing order, a line drawn glyph by glyph and the template's header line all
    # come out in reading order; wrapped lines are rejoined into their paragraphs.
    pages = doc.text.split("\n\n")
    assert pages[0].split("\n") == ["中共某区委员会文件", "某区社区党组织经费保障办法", ARTICLES[0]]
    assert pages[1].split("\n") == ARTICLES[1:]
    document, chunks = prepare(doc, 200)
    cited = [c for c in chunks if "8万元" in c.text]
    assert cited and all(c.page == 2 and c.heading == "第二条" for c in cited)
    assert all(document.text[c.start:c.end] == c.text for c in cited)


def test_ofd_errors_are_specific(tmp_path):
    (tmp_path / "a.ofd").write_bytes(b"not a zip")
    with pytest.raises(LoadError, match="corrupt or unreadable .ofd"):
        load(tmp_path / "a.ofd")
    with zipfile.ZipFile(tmp_path / "b.ofd", "w") as z:
        z.writestr("Doc_0/Document.xml", "<x/>")
    with pytest.raises(LoadError, match="no OFD.xml"):
        load(tmp_path / "b.ofd")
    good = write_ofd(tmp_path / "c.ofd", [["第一条 本办法自印发之日起施行。"]])
    with zipfile.ZipFile(good) as z, zipfile.ZipFile(tmp_path / "d.ofd", "w") as out:
        for n in z.namelist():
            if "Page_0" not in n:
                out.writestr(n, z.read(n))
    with pytest.raises(LoadError, match="Page_0/Content.xml' it names is missing"):
        load(tmp_path / "d.ofd")
    with zipfile.ZipFile(good) as z, zipfile.ZipFile(tmp_path / "e.ofd", "w") as out:
        for n in z.namelist():
            out.writestr(n, z.read(n)[:-20] if "Page_0" in n else z.read(n))
    with pytest.raises(LoadError, match="not well-formed XML"):
        load(tmp_path / "e.ofd")
    with zipfile.ZipFile(good) as z, zipfile.ZipFile(tmp_path / "f.ofd", "w") as out:
        for n in z.namelist():
            data = z.read(n)
            if n == "OFD.xml":  # a DocRoot pointing out of the package is only a missing part
                data = data.replace(b"Doc_0/Document.xml", b"../../etc/passwd")
            out.writestr(n, data)
    with pytest.raises(LoadError, match="missing"):
        load(tmp_path / "f.ofd")


def test_ofd_funding_document_cited_with_its_page(tmp_path):
    """The sample corpus's funding document as a 30-lines-a-page OFD: the funding question is
    answered with 8万元 and 5万元 cited to that file and the page they stand on."""
    from policyqa.assistant import Assistant
    from core.settings import load_settings

    paragraphs = [ln.strip() for ln in FUNDING_TXT.read_text(encoding="utf-8").splitlines() if ln.strip()]
    lines = visual_lines(paragraphs)
    pages = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]
    expected_page = next(i + 1 for i, p in enumerate(pages) if any("8万元" in ln for ln in p))
    assert expected_page > 1
    folder = tmp_path / "docs"
    folder.mkdir()
    write_ofd(folder / "实施意见.ofd", pages)
    a = Assistant(load_settings(store=tmp_path / "store"))
    report = a.ingest([folder])
    assert report.count("indexed") == 1, report.summary()
    answer = a.ask("社区党组织的经费怎么保障？")
    assert not answer.declined, answer.declined_because
    quotes = " ".join(c.quote for c in answer.citations)
    assert "8万元" in quotes and "5万元" in quotes, answer.text
    text = a.store.document_text("实施意见.ofd")
    for c in answer.citations:
        assert c.doc == "实施意见.ofd"
        assert text[c.start:c.end] == c.quote
        if "8万元" in c.quote:
            assert c.page == expected_page
