"""Damaged files of every format added for the office's archive (.doc/.wps, .xls/.xlsx/.et,
.ofd, and .docx/.html with tables): seeded byte flips, cuts and overwrites of real files built
here. Each one loads or fails with a LoadError, whose message says what is wrong; nothing else
escapes a loader (an escaping exception would stop a whole ingest)."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest

from ingest.loaders import LoadError, load_bytes

ROOT = Path(__file__).resolve().parents[2]
MUTATIONS = 60


def samples(tmp_path: Path) -> dict[str, bytes]:
    import test_ofd
    import test_tables

    paragraphs = [ln.strip() for ln in (ROOT / "sample_corpus" / "004_df71fea4efc04293.txt")
                  .read_text(encoding="utf-8").splitlines() if ln.strip()][:20]
    lines = test_ofd.visual_lines(paragraphs)
    out = {
        ".doc": (ROOT / "tests" / "fixtures" / "word97" / "measures.doc").read_bytes(),
        ".wps": (ROOT / "tests" / "fixtures" / "word97" / "numbered.doc").read_bytes(),
        ".ofd": test_ofd.write_ofd(tmp_path / "a.ofd", [lines[:30], lines[30:60]]).read_bytes(),
        ".xlsx": test_tables.write_xlsx(tmp_path / "a.xlsx").read_bytes(),
        ".docx": test_tables.write_docx(tmp_path / "a.docx").read_bytes(),
        ".html": test_tables.write_html(tmp_path / "a.html").read_bytes(),
    }
    try:
        out[".xls"] = test_tables.write_xls(tmp_path / "a.xls").read_bytes()
    except pytest.skip.Exception:
        pass
    return out


def mutate(data: bytes, rng: random.Random, i: int) -> bytes:
    d = bytearray(data)
    if i % 3 == 0:
        for _ in range(rng.randint(1, 20)):
            d[rng.randrange(len(d))] = rng.randrange(256)
    elif i % 3 == 1:
        d = d[:rng.randrange(len(d))]
    else:
        k = rng.randrange(len(d))
        d[k:k + rng.randint(1, 500)] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 500)))
    return bytes(d)


def test_damaged_files_fail_with_a_load_error_only(tmp_path):
    rng = random.Random(22)
    failures = 0
    for suffix, data in samples(tmp_path).items():
        assert load_bytes("ok" + suffix, data).text  # the undamaged file loads
        for i in range(MUTATIONS):
            try:
                load_bytes("damaged" + suffix, mutate(data, rng, i))
            except LoadError as e:
                assert str(e)  # a message, in words
                failures += 1
    assert failures > 0


def test_broken_deflate_data_in_a_zip_is_a_load_error(tmp_path):
    from test_tables import write_docx

    data = bytearray(write_docx(tmp_path / "a.docx").read_bytes())
    with zipfile.ZipFile(tmp_path / "a.docx") as z:
        info = z.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 10, start + 40):
        data[k] ^= 0x5A
    with pytest.raises(LoadError, match="corrupt .docx archive"):
        load_bytes("a.docx", bytes(data))
