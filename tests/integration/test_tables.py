"""Tables everywhere (.docx, .html, .xlsx, .xls, .et): a row is indexed and quoted with its
column names, merged cells fill their span, a long table is split between rows and every
piece carries the header. Files are built here with the libraries that write each format."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import LoadError, load
from ingest.pipeline import prepare
from ingest.tables import Cell, table_lines

CAPTION = "2024年社区党组织经费保障标准"
# Two header rows: 经费标准 spans two columns; 区县 and 备注 span both header rows.
ROW_WUHUA = ("区县：五华区，经费标准（万元/年）/工作经费：8，"
             "经费标准（万元/年）/服务群众专项经费：5，备注：按社区数核定")
ROW_PANLONG = "区县：盘龙区，经费标准（万元/年）/工作经费：6，经费标准（万元/年）/服务群众专项经费：3.5"
DATA = [("五华区", 8, 5, "按社区数核定"), ("盘龙区", 6, 3.5, None)]


def write_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("各街道党工委：")
    t = d.add_table(rows=5, cols=4)
    t.cell(0, 0).merge(t.cell(0, 3)).text = CAPTION
    t.cell(1, 0).merge(t.cell(2, 0)).text = "区县"
    t.cell(1, 1).merge(t.cell(1, 2)).text = "经费标准（万元/年）"
    t.cell(1, 3).merge(t.cell(2, 3)).text = "备注"
    t.cell(2, 1).text, t.cell(2, 2).text = "工作经费", "服务群众专项经费"
    for i, row in enumerate(DATA, 3):
        for j, v in enumerate(row):
            t.cell(i, j).text = "" if v is None else str(v)
    d.add_paragraph("请遵照执行。")
    d.save(str(path))
    return path


def write_html(path: Path) -> Path:
    rows = "".join("<tr>" + "".join(f"<td>{'' if v is None else v}</td>" for v in r) + "</tr>" for r in DATA)
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>经费标准</title></head><body><article>"
        "<p>各街道党工委：</p><table>"
        f"<tr><th colspan='4'>{CAPTION}</th></tr>"
        "<tr><th rowspan='2'>区县</th><th colspan='2'>经费标准（万元/年）</th><th rowspan='2'>备注</th></tr>"
        "<tr><th>工作经费</th><th>服务群众专项经费</th></tr>"
        f"{rows}</table><p>请遵照执行。</p></article></body></html>", encoding="utf-8")
    return path


def write_xlsx(path: Path, data=DATA) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "经费标准"
    ws["A1"] = CAPTION
    ws.merge_cells("A1:D1")
    ws["A2"], ws["B2"], ws["D2"] = "区县", "经费标准（万元/年）", "备注"
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:C2")
    ws.merge_cells("D2:D3")
    ws["B3"], ws["C3"] = "工作经费", "服务群众专项经费"
    for i, row in enumerate(data, 4):
        for j, v in enumerate(row, 1):
            ws.cell(i, j, v)
    wb.save(str(path))
    return path


def write_xls(path: Path) -> Path:
    xlwt = pytest.importorskip("xlwt")  # a writer of the Excel 97-2003 format, for the test only
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("经费标准")
    ws.write_merge(0, 0, 0, 3, CAPTION)
    ws.write_merge(1, 2, 0, 0, "区县")
    ws.write_merge(1, 1, 1, 2, "经费标准（万元/年）")
    ws.write_merge(1, 2, 3, 3, "备注")
    ws.write(2, 1, "工作经费")
    ws.write(2, 2, "服务群众专项经费")
    for i, row in enumerate(DATA, 3):
        for j, v in enumerate(row):
            if v is not None:
                ws.write(i, j, v)
    wb.save(str(path))
    return path


WRITERS = {"docx": write_docx, "html": write_html, "xlsx": write_xlsx, "xls": write_xls}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_row_carries_its_column_names_and_merged_cells_fill_their_span(tmp_path, fmt):
    doc = load(WRITERS[fmt](tmp_path / f"标准.{fmt}"))
    lines = doc.text.splitlines()
    assert CAPTION in lines
    assert ROW_WUHUA in lines, doc.text
    assert ROW_PANLONG in lines, doc.text
    assert lines.index(CAPTION) < lines.index(ROW_WUHUA) < lines.index(ROW_PANLONG)


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_cited_row_is_an_exact_span_showing_the_header(tmp_path, fmt):
    document, chunks = prepare(load(WRITERS[fmt](tmp_path / f"标准.{fmt}")), 200)
    hits = [c for c in chunks if "五华区" in c.text]
    assert hits
    for c in hits:
        assert document.text[c.start:c.end] == c.text  # no cleaning inside a table
        assert "区县：五华区" in c.text and "工作经费：8" in c.text


def test_wps_et_reads_either_workbook_format(tmp_path):
    pytest.importorskip("xlwt")
    for writer, name in ((write_xlsx, "a.xlsx"), (write_xls, "b.xls")):
        et = tmp_path / (Path(name).stem + ".et")
        et.write_bytes(writer(tmp_path / name).read_bytes())
        assert ROW_WUHUA in load(et).text.splitlines()


def test_long_table_is_split_between_rows_each_piece_with_the_header(tmp_path):
    data = [(f"第{i}社区", i, i / 2, "按户数核定") for i in range(1, 121)]
    document, chunks = prepare(load(write_xlsx(tmp_path / "长表.xlsx", data)), 200)
    table_chunks = [c for c in chunks if "社区，" in c.text]
    assert len(table_chunks) > 3
    rows = {f"区县：第{i}社区，" for i in range(1, 121)}
    seen = set()
    for c in table_chunks:
        for line in c.text.split("\n"):
            if line == CAPTION:
                continue
            # Every piece is whole rows, and each row names its columns.
            assert line.startswith("区县：第") and "经费标准（万元/年）/工作经费：" in line, line
            seen.add(line.split("，")[0] + "，")
    assert seen == rows


def test_table_without_header_keeps_its_cells():
    grid = [[Cell("一", 1), Cell("100", 2)], [Cell("二", 3), Cell("200", 4)]]
    assert table_lines(grid) == ["一 | 100", "二 | 200"]


def test_spreadsheet_errors_are_specific(tmp_path):
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(LoadError, match="corrupt or unreadable .xlsx"):
        load(tmp_path / "bad.xlsx")
    (tmp_path / "bad.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(LoadError, match="corrupt or unreadable .xls"):
        load(tmp_path / "bad.xls")
    (tmp_path / "new.xls").write_bytes(write_xlsx(tmp_path / "n.xlsx").read_bytes())
    with pytest.raises(LoadError, match="save it as .xlsx"):
        load(tmp_path / "new.xls")
    (tmp_path / "x.et").write_text("纯文本", encoding="utf-8")
    with pytest.raises(LoadError, match="WPS spreadsheet"):
        load(tmp_path / "x.et")


def test_xlsx_funding_row_found_and_cited_end_to_end(tmp_path):
    """Asked as a user would, the row is found and its citation shows the column names."""
    from policyqa.assistant import Assistant
    from core.settings import load_settings

    folder = tmp_path / "docs"
    folder.mkdir()
    write_xlsx(folder / "经费标准.xlsx")
    a = Assistant(load_settings(store=tmp_path / "store"))
    assert a.ingest([folder]).count("indexed") == 1
    answer = a.ask("五华区社区党组织工作经费标准是多少？")
    assert not answer.declined, (answer.text, answer.declined_because)
    quotes = [c.quote for c in answer.citations]
    assert any("五华区" in q and "工作经费：8" in q for q in quotes), quotes
    text = a.store.document_text("经费标准.xlsx")
    assert all(text[c.start:c.end] == c.quote for c in answer.citations)
