"""The ingest fingerprint: what a document's preparation depends on besides its bytes.

It is stored with each document, so that after an upgrade the next ingest re-prepares the
documents whose text, region, headings or chunks the new rules would make differently (their
unchanged chunk texts are not embedded again: the embedding cache has them). It must cover
exactly what ingest reads: a file left out lets stale documents stand (a new page-furniture
pattern would never reach them), a file let in re-prepares every document for nothing (a
question regex of the answer stage).

So the files are derived, not listed, and stay right when modules move: every module of the
ingest package; the modules of ours they import, transitively (imports inside functions
included: they run when ingest runs; imports under `if TYPE_CHECKING:` not: they never run);
and the data files those modules name by a string literal in their package's `data/` folder
(`DATA_DIR / "furniture.txt"`, `Path(__file__).parent / "data" / "places.tsv"`). A module
imported by a name built at run time (`importlib`, as the loader registry does) is not seen:
every ingest module counts anyway, and the other packages import by statement."""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the folder holding our top-level packages
PACKAGE = "ingest"


def files_read_by_ingest(root: Path = ROOT) -> list[Path]:
    """The source and data files preparing a document reads, sorted."""
    todo = [p for p in (root / PACKAGE).rglob("*.py") if "__pycache__" not in p.parts]
    modules: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in modules:
            continue
        modules.add(path)
        todo.extend(_imported_files(path, root))
    data = {f for m in modules for f in _data_files(m)}
    return sorted(modules | data)


def fingerprint(files: list[Path], root: Path = ROOT) -> str:
    digest = hashlib.sha1()
    for f in sorted(files):
        # The path inside the repository, so that moving a table between modules counts too.
        digest.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def rules_fingerprint() -> str:
    """The fingerprint of the rules this installation prepares documents with."""
    return fingerprint(files_read_by_ingest(ROOT))


def _runtime_imports(nodes):
    """Import statements that can run: all of them but those under `if TYPE_CHECKING:`."""
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _runtime_imports(node.orelse)
        else:
            yield from _runtime_imports(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imported_files(path: Path, root: Path) -> list[Path]:
    """Files of ours that importing `path`'s imports runs: each module and the `__init__.py` of
    every package above it. Names that are not files under `root` are other people's packages."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = path.relative_to(root).parent.parts
    names: list[str] = []
    for node in _runtime_imports([tree]):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
            continue
        base = list(package[:len(package) - node.level + 1]) if node.level else []
        module = ".".join(base + ([node.module] if node.module else []))
        names.append(module)
        # `from core import zh` imports the module core/zh.py; `from core.zh import x` a name.
        names.extend(f"{module}.{alias.name}" for alias in node.names)
    found = []
    for name in names:
        parts = [p for p in name.split(".") if p]
        for depth in range(1, len(parts) + 1):
            here = root.joinpath(*parts[:depth])
            for candidate in (here / "__init__.py", here.with_suffix(".py")):
                if candidate.is_file():
                    found.append(candidate)
    return found


def _data_files(module: Path) -> list[Path]:
    """Files of the module's `data/` folder that it names by a string literal, whole:
    "furniture.txt" (joined to a `data` folder path) or "data/places.tsv". A name inside a longer
    string (a docstring, a message) is not a read."""
    data = module.parent / "data"
    if not data.is_dir():
        return []
    tables = {f.relative_to(data).as_posix(): f for f in data.rglob("*")
              if f.is_file() and "__pycache__" not in f.parts}
    tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            name = node.value.removeprefix("data/")
            if name in tables:
                found.append(tables[name])
    return found
