"""A hostile folder, ingested by the real CLI in its own process: a link to /etc/passwd, a
.docx zip bomb, damaged UTF-8, a 1M-character line without punctuation, a dot-file, binary
junk under text and PDF names. Bounded time (the process has a deadline) and memory (peak
RSS under 1 GB), every bad file named in the report, every good file answerable."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from policyqa.assistant import Assistant
from core.settings import load_settings

GOOD = {
    "养老服务.txt": ("关于加强社区养老服务设施建设的通知\n"
                  "一、各街道应当在年底前建成日间照料中心，每个中心床位不少于二十张。\n", "日间照料中心床位不少于多少张？", "二十张"),
    "河道保洁.md": ("# 关于做好河道保洁工作的通知\n"
                "二、河道保洁经费由区水务局统一安排，每公里每年补助一万二千元。\n", "河道保洁每公里每年补助多少？", "一万二千元"),
}
DAMAGED_FACT = "三、农村公厕管护补贴每座每年八百元。"


def build(folder: Path) -> dict[str, str]:
    """Writes the folder; returns {bad file name: a word its report line must contain}."""
    folder.mkdir()
    for name, (text, _, _) in GOOD.items():
        (folder / name).write_text(text, encoding="utf-8")
    import docx

    d = docx.Document()
    d.add_paragraph("关于规范村级公益岗位管理的通知")
    d.add_paragraph("一、公益岗位人员每月补贴标准为一千五百元。")
    d.save(folder / "公益岗位.docx")
    bad = {}
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    bad["passwd.txt"] = "symbolic link"
    with zipfile.ZipFile(folder / "炸弹.docx", "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"<w:t>" + b"A" * (1 << 20)
            for _ in range(1200):  # 1.2 GB inflated, ~1.2 MB on disk
                part.write(block)
    bad["炸弹.docx"] = "zip bomb"
    damaged = f"关于农村公厕管护的通知\n{DAMAGED_FACT}\n".encode()
    cut = damaged.index("八百元".encode())
    damaged = damaged[:cut] + b"\xff" + damaged[cut:]
    if len(damaged) % 2:
        damaged += b"\n"
    (folder / "公厕管护.txt").write_bytes(damaged)
    bad["公厕管护.txt"] = "invalid UTF-8"
    rng = random.Random(7)
    common = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理"
    (folder / "长行.txt").write_text("".join(rng.choice(common) for _ in range(1_000_000)), encoding="utf-8")
    bad["长行.txt"] = "without any punctuation"
    (folder / ".隐藏.txt").write_text(GOOD["养老服务.txt"][0], encoding="utf-8")
    bad[".隐藏.txt"] = "hidden"
    (folder / "junk.txt").write_bytes(rng.randbytes(200_000))
    bad["junk.txt"] = "binary"
    (folder / "junk.pdf").write_bytes(rng.randbytes(200_000))
    bad["junk.pdf"] = "PDF"
    return bad


def test_hostile_folder_ingests_in_bounded_time_and_memory(tmp_path):
    folder = tmp_path / "hostile"
    bad = build(folder)
    store = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env.update(PYTHONPATH=str(ROOT), ANONYMIZED_TELEMETRY="False", POLICYQA_STORE=str(store))
    # The ingest's own peak. Linux folds the memory high-water mark of the process that execs into
    # the exec'd program's ru_maxrss, so a child started straight from this (large) test process
    # would report this process's peak; a small launcher starts the ingest and reports its wait4.
    launcher = ("import os, subprocess, sys\n"
                "child = subprocess.Popen(sys.argv[2:])\n"
                "_, status, usage = os.wait4(child.pid, 0)\n"
                "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
                "sys.exit(os.waitstatus_to_exitcode(status))\n")
    peak_file = tmp_path / "peak_kb.txt"
    with open(tmp_path / "out.txt", "w+", encoding="utf-8") as out, \
            open(tmp_path / "err.txt", "w+", encoding="utf-8") as err:
        child = subprocess.Popen([sys.executable, "-c", launcher, str(peak_file), sys.executable, "-m",
                                  "policyqa.cli", "ingest", str(folder), "-v", "-q"],
                                 stdout=out, stderr=err, text=True, env=env, cwd=ROOT)
        try:
            child.wait(timeout=600)
        except subprocess.TimeoutExpired:
            child.kill()
            raise AssertionError("ingest ran past 600 s") from None
        out.seek(0)
        err.seek(0)
        report, errors = out.read(), err.read()
    assert child.returncode == 0, errors[-2000:]
    peak_kb = int(peak_file.read_text())
    assert peak_kb < 1024 * 1024, f"peak RSS {peak_kb / 1024:.0f} MiB"
    lines = report.splitlines()
    for name, word in bad.items():
        line = next((line for line in lines if name in line), None)
        assert line is not None, f"{name} is not in the report:\n{report}"
        assert word in line, line
    assert "root:x:0" not in report
    assistant = Assistant(load_settings(store=store, sample_corpus=tmp_path / "none"))
    docs = {d["doc"] for d in assistant.store.documents()}
    assert docs >= {*GOOD, "公益岗位.docx", "公厕管护.txt"}
    assert not docs & {"passwd.txt", "炸弹.docx", ".隐藏.txt", "junk.txt", "junk.pdf", "长行.txt"}
    for name, (_, question, fact) in GOOD.items():
        answer = assistant.ask(question)
        assert fact in answer.text and any(c.doc == name for c in answer.citations), (name, answer.text)
    answer = assistant.ask("公益岗位人员每月补贴标准是多少？")
    assert "一千五百元" in answer.text and answer.citations[0].doc == "公益岗位.docx"
    answer = assistant.ask("农村公厕管护补贴每座每年多少？")
    assert "每座每年" in answer.text and answer.citations[0].doc == "公厕管护.txt", answer.text
