"""Word 97-2003 .doc and WPS .wps (the Word binary format), read by ingest/worddoc.py.

The fixtures in tests/fixtures/word97/ were converted by LibreOffice from .docx files that
tests/fixtures/word97/make.py builds (provenance there); where `soffice` is installed the same
checks also run on fresh conversions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.loaders import LoadError, load
from ingest.pipeline import prepare

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "word97"
FUNDING_TXT = ROOT / "sample_corpus" / "004_df71fea4efc04293.txt"
ROW = ("区县：五华区，经费标准（万元/年）/工作经费：8，经费标准（万元/年）/服务群众专项经费：5，"
       "备注：按社区数核定")


def fixture_sets():
    sets = [pytest.param(FIXTURES, id="committed")]
    if shutil.which("soffice"):
        sets.append(pytest.param(None, id="fresh-libreoffice"))
    return sets


@pytest.fixture(params=fixture_sets())
def word97(request, tmp_path_factory) -> Path:
    if request.param is not None:
        return request.param
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_word97", FIXTURES / "make.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    out = tmp_path_factory.mktemp("word97")
    make.build(out)
    return out


def test_doc_text_in_order_with_table_rows_naming_their_columns(word97):
    doc = load(word97 / "measures.doc")
    lines = doc.text.splitlines()
    assert doc.title == "某区社区党组织经费保障办法"
    assert lines[1].startswith("第一条 为了加强社区党组织建设")
    # The table stands after 第四条 and before 第五条; merged header cells name their columns,
    # an empty cell is left out, a hyperlink field keeps its text and loses its code.
    i4 = next(i for i, ln in enumerate(lines) if ln.startswith("第四条"))
    assert lines[i4 + 1] == ROW
    assert lines[i4 + 2] == "区县：盘龙区，经费标准（万元/年）/工作经费：6，经费标准（万元/年）/服务群众专项经费：3.5"
    assert lines[i4 + 3] == "第五条 详见区委组织部网站组织工作专栏。本办法自印发之日起施行。"
    assert "HYPERLINK" not in doc.text and "http" not in doc.text


def test_doc_of_the_funding_document_keeps_every_line(word97):
    doc = load(word97 / "funding.doc")
    original = [ln.strip() for ln in FUNDING_TXT.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert doc.text.splitlines() == original


def test_doc_articles_are_cited_by_their_own_article(word97):
    document, chunks = prepare(load(word97 / "measures.doc"), 200)
    for c in chunks:
        if "8万元" in c.text:
            assert c.heading == "第四条"
            assert document.text[c.start:c.end] == c.text


def test_wps_in_the_word_binary_format_reads_as_doc(tmp_path, word97):
    wps = tmp_path / "办法.wps"
    wps.write_bytes((word97 / "measures.doc").read_bytes())
    assert ROW in load(wps).text.splitlines()


def test_unreadable_word_files_get_specific_errors(tmp_path, word97):
    import io

    import olefile

    cases = {
        "renamed.doc": (b"PK\x03\x04" + b"\0" * 100, "Word 2007\\+ \\(.docx\\) file under another name"),
        "rtf.doc": (b"{\\rtf1\\ansi hello}", "RTF file"),
        "text.wps": ("一份纯文本".encode("utf-8"), "no OLE2 header"),
        "cut.doc": ((word97 / "measures.doc").read_bytes()[:1500], "corrupt .doc"),
    }
    # An OLE2 file that is not a Word document (an Excel workbook renamed).
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    wb.add_sheet("s").write(0, 0, "x")
    buf = io.BytesIO()
    wb.save(buf)
    cases["sheet.doc"] = (buf.getvalue(), "holds no Word document")
    # A password-protected file: the FIB's fEncrypted flag set.
    data = bytearray((word97 / "measures.doc").read_bytes())
    with olefile.OleFileIO(bytes(data)) as ole:
        head = ole.openstream("WordDocument").read(16)  # found again in the file's bytes
    at = bytes(data).find(head)
    data[at + 0x0B] |= 0x01  # high byte of flags (at 0x0A): 0x0100 = fEncrypted
    cases["locked.doc"] = (bytes(data), "password-protected .doc")
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(LoadError, match=message):
            load(tmp_path / name)


def test_a_bad_doc_never_aborts_an_ingest(tmp_path, word97):
    from policyqa.assistant import Assistant
    from core.settings import load_settings

    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(word97 / "funding.doc", folder / "funding.doc")
    (folder / "broken.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)
    a = Assistant(load_settings(store=tmp_path / "store"))
    report = a.ingest([folder])
    by_doc = {r.doc: r for r in report.results}
    assert by_doc["funding.doc"].status == "indexed"
    assert by_doc["broken.doc"].status == "failed" and "corrupt .doc" in by_doc["broken.doc"].reason
    answer = a.ask("社区党组织的经费怎么保障？")
    quotes = " ".join(c.quote for c in answer.citations)
    assert "8万元" in quotes and "5万元" in quotes, answer.text
    assert {c.doc for c in answer.citations} == {"funding.doc"}
    text = a.store.document_text("funding.doc")
    assert all(text[c.start:c.end] == c.quote for c in answer.citations)


def test_doc_articles_numbered_by_word_keep_their_numbers_and_paths(word97):
    document, chunks = prepare(load(word97 / "numbered.doc"), 200)
    lines = document.text.splitlines()
    assert lines[1].startswith("第一条 为了加强社区党组织建设")
    assert lines[4].startswith("第四条 社区党组织工作经费")
    assert lines[5:8] == ["（一）街道党建工作经费不低于8万元；", "（二）社区党建经费不低于5万元。",
                          "第五条 本办法自印发之日起施行。"]
    assert {c.heading for c in chunks if "5万元。" in c.text} == {"第四条"}
