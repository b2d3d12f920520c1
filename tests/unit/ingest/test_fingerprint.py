"""The ingest fingerprint covers exactly what ingest reads: its code, its data tables and the
modules of ours it imports (with the tables they read), and nothing else."""

import shutil
import subprocess
import sys
from pathlib import Path

from ingest.fingerprint import ROOT, files_read_by_ingest, fingerprint


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


# A tiny layout: ingest reads a table of its own and imports two rule modules of core (one
# inside a function, one reading a table of core); the store is imported for its type only.
TREE = {
    "ingest/__init__.py": "",
    "ingest/clean.py": ("from pathlib import Path\nfrom core.rules import rule\n"
                        'TABLE = Path(__file__).with_name("data") / "table.txt"\n'
                        '"""A docstring naming other.txt is no read."""\n'),
    "ingest/data/table.txt": "pattern\n",
    "ingest/data/other.txt": "not read\n",
    "ingest/pipeline.py": ("from typing import TYPE_CHECKING\n"
                           "if TYPE_CHECKING:\n    from core.store import Store\n"
                           "def f():\n    from core import lazy\n"),
    "core/__init__.py": "",
    "core/rules.py": 'from pathlib import Path\nWORDS = Path(__file__).parent / "data/words.tsv"\n',
    "core/lazy.py": "from .deeper import thing\n",  # a relative import
    "core/deeper.py": "import re\nthing = 1\n",
    "core/store.py": "import core.unused\n",
    "core/unused.py": "",
    "core/data/words.tsv": "word\n",
    "core/data/make_words.py": "",
    "retrieval/__init__.py": "",
    "retrieval/questions.py": "QUESTION = 'why'\n",
}


def test_the_files_follow_the_imports(tmp_path):
    _write(tmp_path, TREE)
    got = {p.relative_to(tmp_path).as_posix() for p in files_read_by_ingest(tmp_path)}
    assert got == {"ingest/__init__.py", "ingest/clean.py", "ingest/data/table.txt", "ingest/pipeline.py",
                   "core/__init__.py", "core/rules.py", "core/lazy.py", "core/deeper.py",
                   "core/data/words.tsv"}


def test_a_table_read_changes_it_and_a_file_not_read_does_not(tmp_path):
    _write(tmp_path, TREE)

    def now() -> str:
        return fingerprint(files_read_by_ingest(tmp_path), tmp_path)

    before = now()
    for unread in ("core/store.py", "core/unused.py", "core/data/make_words.py", "ingest/data/other.txt",
                   "retrieval/questions.py"):
        (tmp_path / unread).write_text("# edited\n", encoding="utf-8")
        assert now() == before, unread
    for read in ("ingest/data/table.txt", "core/data/words.tsv", "core/deeper.py"):
        (tmp_path / read).write_text("edited\n", encoding="utf-8")
        after = now()
        assert after != before, read
        before = after


def _installed_fingerprint(root: Path) -> str:
    """The fingerprint a fresh process of the copy at `root` stores with its documents."""
    code = "from ingest.pipeline import rules_fingerprint; print(rules_fingerprint())"
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env={"PYTHONPATH": str(root)},
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_this_repository_furniture_counts_the_store_does_not(tmp_path):
    """On a copy of this repository's ingest and core: a new page-furniture pattern re-prepares
    the documents; a change to the store's code does not."""
    for package in ("ingest", "core"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    read = {p.relative_to(tmp_path).as_posix() for p in files_read_by_ingest(tmp_path)}
    assert "ingest/data/furniture.txt" in read and "core/store.py" not in read
    assert all(p.startswith(("ingest/", "core/")) for p in read)

    before = _installed_fingerprint(tmp_path)
    with (tmp_path / "core/store.py").open("a", encoding="utf-8") as f:
        f.write("\n# a comment in the store\n")
    assert _installed_fingerprint(tmp_path) == before
    with (tmp_path / "ingest/data/furniture.txt").open("a", encoding="utf-8") as f:
        f.write("本页由某某网站提供\n")
    assert _installed_fingerprint(tmp_path) != before
