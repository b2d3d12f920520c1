"""Shared fixtures: one real store with the sample corpus per test session (ingest ≈ 15 s)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler
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


TIERS = ("unit", "integration", "e2e", "quality")


def pytest_collection_modifyitems(config, items):
    """Each test carries the marker of its tier, the folder it lives in (tests/<tier>/...):
    `pytest -m unit` runs the fast tier alone."""
    for item in items:
        parts = Path(str(item.fspath)).resolve().relative_to(ROOT / "tests").parts
        if parts[0] in TIERS:
            item.add_marker(getattr(pytest.mark, parts[0]))


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
    from core.settings import load_settings
    from policyqa.assistant import Assistant

    store = tmp_path_factory.mktemp("sample") / "store"
    assistant = Assistant(load_settings(store=store))
    report = assistant.ingest([SAMPLE])
    assert report.count("indexed") == 5, report.summary()
    assistant.store.close()
    return store


@pytest.fixture(scope="session")
def assistant(sample_store):
    from core.settings import load_settings
    from policyqa.assistant import Assistant

    return Assistant(load_settings(store=sample_store))


class FakeChatCompletions(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat-completions endpoint (the one true external boundary), streaming
    and not, served by a real HTTP server in the tests. Subclasses say what it answers."""

    requests: list[dict] = []
    stream_piece = 4  # characters per streamed chunk

    def log_message(self, *args):  # keep pytest output clean
        pass

    def answer(self, prompt: str) -> str:
        raise NotImplementedError

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        text = self.answer(body["messages"][-1]["content"])
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for i in range(0, len(text), self.stream_piece):
                chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                         "choices": [{"index": 0, "delta": {"content": text[i:i + self.stream_piece]},
                                      "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            return
        payload = {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                "finish_reason": "stop"}],
                   "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class LiveServer:
    """A real uvicorn server for `app` on 127.0.0.1 in a thread, as a context manager: entered
    once it is serving (or failing clearly), stopped and joined on exit."""

    def __init__(self, app, port: int | None = None, log_level: str = "warning",
                 lifespan: str = "auto", start_timeout: float = 60.0) -> None:
        import uvicorn

        self.app = app
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                 log_level=log_level, lifespan=lifespan))
        self.thread = threading.Thread(target=self.srv.run, daemon=True)
        self.start_timeout = start_timeout

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + self.start_timeout
        while not self.srv.started:
            assert self.thread.is_alive(), "the server stopped while starting"
            assert time.monotonic() < deadline, f"the server did not start within {self.start_timeout:.0f} s"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.srv.should_exit = True
        self.thread.join(timeout=15)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(page, expression: str, timeout: float = 30_000) -> None:
    """Poll `expression` in `page` until it is truthy (Playwright's wait_for_function, but usable
    on our pages). wait_for_function re-runs its predicate with eval inside the page, which our
    Content-Security-Policy (script-src 'self') rightly forbids, so it fails whenever the first
    check is false; page.evaluate goes through the debugging protocol, which the policy does not
    govern."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout / 1000:.0f} s: {expression}")
        page.wait_for_timeout(50)


# Two small private knowledge bases (issue 23): 组织部 and 民政局, two short documents each, and
# an empty public default base. Facts of one base never occur in the other's documents.
BASE_DOCS = {
    "组织部": {
        "a1.txt": "组织部关于社区党组织工作经费保障的通知\n每个社区党组织每年工作经费不低于8万元，由区财政统一拨付。"
                  "经费主要用于党员教育、组织活动和服务群众。",
        "a2.txt": "组织部关于发展党员工作的规定\n入党积极分子的培养考察期一般不少于一年。"
                  "支部每半年对入党积极分子进行一次考察。",
    },
    "民政局": {
        "b1.txt": "民政局关于高龄津贴发放的通知\n年满80周岁的老年人每月发放高龄津贴200元，由街道办事处按月发放。",
        "b2.txt": "民政局关于最低生活保障标准的通知\n城市最低生活保障标准调整为每人每月900元，自2023年1月起执行。",
    },
}
# What only 民政局's documents say (and the questions asked of it do not): none of it may reach
# a caller who may not see that base.
B_MARKERS = ("b1.txt", "b2.txt", "民政局关于", "900元", "200元", "街道办事处", "按月发放", "2023年1月")


def leaks_of_b(text: str) -> list[str]:
    """What of 民政局's documents stands in `text`."""
    return [m for m in B_MARKERS if m in text]


@contextlib.contextmanager
def serving_two_bases(two_bases: Path, tmp_path_factory, name: str, admin_token: str,
                      lifespan: str = "auto", **settings):
    """The real server on a copy of the two-bases store (it writes keys and audit rows):
    yields (the LiveServer, the copy's store folder)."""
    from core.settings import load_settings
    from policyqa.server import build_app

    store = tmp_path_factory.mktemp(name) / "store"
    shutil.copytree(two_bases, store)
    app = build_app(load_settings(store=store, admin_token=admin_token, rate_limit=100_000,
                                  sample_corpus=store / "no-sample", **settings))
    with LiveServer(app, lifespan=lifespan) as live:
        yield live, store


def create_keys(base: str, admin_token: str, grants: dict[str, dict[str, list[str]]]) -> dict[str, str]:
    """Access keys made through the admin API: {name: roles per base} -> {name: token}."""
    import httpx

    tokens = {}
    for name, roles in grants.items():
        r = httpx.post(base + "/api/admin/keys", json={"name": name, "roles": roles},
                       headers={"Authorization": f"Bearer {admin_token}"})
        assert r.status_code == 200, r.text
        tokens[name] = r.json()["token"]
    return tokens


@pytest.fixture(scope="session")
def two_bases(tmp_path_factory) -> Path:
    """A store folder with the two bases ingested (copy it before writing to it)."""
    from core.settings import load_settings
    from policyqa.library import Library

    root = tmp_path_factory.mktemp("bases")
    library = Library(load_settings(store=root / "store"))
    for name, docs in BASE_DOCS.items():
        folder = root / name
        folder.mkdir()
        for doc, text in docs.items():
            (folder / doc).write_text(text, encoding="utf-8")
        kb = library.create_base(name, who="test")
        report = library.ingest(kb, [folder], who="test")
        assert report.count("indexed") == 2, report.summary()
    library.close()
    return root / "store"


@pytest.fixture
def meta_of():
    """Metadata of a text as ingest reads it: cleaned, its first line the loader's title (the
    ingest unit tests of dates, header and region)."""
    from ingest.clean import clean
    from ingest.metadata import extract_metadata

    def meta_of(text, title="", file_name="x.txt"):
        return extract_metadata(title or text.strip().split("\n")[0], clean(text).text, file_name=file_name)
    return meta_of
