"""Prompt texts live beside this file as `<name>.txt`, loaded by name."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def load_prompt(name: str) -> str:
    path = _DIR / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"no prompt named '{name}' in {_DIR}")
    return path.read_text(encoding="utf-8")
