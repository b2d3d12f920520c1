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


# One persistent embedding cache for the whole session (and across runs in one checkout): every
# store the tests build embeds the same sample sentences, and the model is the slow part.
EMBED_CACHE = Path(os.environ.get("POLICYQA_TEST_EMBED_CACHE", ROOT / ".pytest_cache" / "embed_cache.sqlite3"))
os.environ["POLICYQA_EMBED_CACHE"] = str(EMBED_CACHE)  # session fixtures are built before autouse ones


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch):
    """No test sees the developer's POLICYQA_* settings; all share the embedding cache."""
    for key in list(os.environ):
        if key.startswith("POLICYQA_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("POLICYQA_EMBED_CACHE", str(EMBED_CACHE))


class HashEmbeddings:
    """Deterministic fake embedder for unit tests: character bigrams hashed into a unit vector
    (similar texts get similar vectors; no model, no threads)."""

    name = "test/hash-bigrams"
    dimension = 64

    def embed_documents(self, texts):
        return [self._vector(t) for t in texts]

    def embed_query(self, text):
        return self._vector(text)

    def _vector(self, text):
        import hashlib
        import math

        v = [0.0] * self.dimension
        for i in range(max(1, len(text) - 1)):
            h = hashlib.blake2b(text[i:i + 2].encode("utf-8"), digest_size=4).digest()
            v[int.from_bytes(h, "little") % self.dimension] += 1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / norm for x in v]


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
