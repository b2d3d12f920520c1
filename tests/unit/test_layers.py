"""Layers point one way: core at the bottom; ingest and retrieval on core (retrieval also reads
prompts); the application (policyqa) on those; eval on the application; nothing imports eval.
Checked on the source's import statements, function-level imports included, so that a lazy import
cannot hide an arrow pointing up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What each package may import of ours (itself always allowed).
ALLOWED = {
    "core": set(),
    "prompts": set(),
    "ingest": {"core"},
    "retrieval": {"core", "prompts"},
    "policyqa": {"core", "ingest", "retrieval", "prompts"},
    "eval": {"core", "ingest", "retrieval", "prompts", "policyqa"},
    "bench": {"core", "ingest", "retrieval", "prompts", "policyqa"},
}
OURS = set(ALLOWED) - {"bench"}
MAX_LINES = 400


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found & OURS


def sources(package: str):
    return sorted(p for p in (ROOT / package).rglob("*.py") if ".venv" not in p.parts)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_down(package):
    wrong = {}
    for path in sources(package):
        bad = imported_packages(path) - ALLOWED[package] - {package}
        if bad:
            wrong[str(path.relative_to(ROOT))] = sorted(bad)
    assert not wrong, f"imports pointing up or sideways: {wrong}"


def test_a_module_that_points_up_is_caught(tmp_path):
    """The check itself can fail: an ingest module importing the application is seen, even
    inside a function."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from policyqa.assistant import Assistant\n    import retrieval.query\n")
    assert imported_packages(bad) == {"policyqa", "retrieval"}


def test_modules_stay_small():
    """One job per module: no Python module or script of the widget and console over MAX_LINES
    lines (data tables are not code)."""
    files = [p for pkg in sorted(OURS) for p in sources(pkg)] + sorted(ROOT.glob("policyqa/static/*.js"))
    big = {str(p.relative_to(ROOT)): n for p in files
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines: {big}"
