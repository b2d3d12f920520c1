"""Shared fixtures: one real store with the sample corpus per test session (ingest ≈ 15 s)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_corpus"
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "gold" / "dev.jsonl"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch):
    """No test sees the developer's POLICYQA_* settings."""
    for key in list(os.environ):
        if key.startswith("POLICYQA_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """A store directory holding the ingested sample corpus (copy it before writing to it)."""
    from policyqa.config import load_settings
    from policyqa.assistant import Assistant

    store = tmp_path_factory.mktemp("sample") / "store"
    assistant = Assistant(load_settings(store=store))
    report = assistant.ingest([SAMPLE])
    assert report.count("indexed") == 5, report.summary()
    assistant.store.close()
    return store


@pytest.fixture(scope="session")
def assistant(sample_store):
    from policyqa.config import load_settings
    from policyqa.assistant import Assistant

    return Assistant(load_settings(store=sample_store))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
