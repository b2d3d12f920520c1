"""Is each dependency of the app reachable — the vector store (Chroma, embedded or a server)
and the SQLite manifest — and is a failed request one of them being away?

`/api/health` reports `check(store)` and answers 503 while one is down; a request that failed
because Chroma could not be reached answers 503 with `UNAVAILABLE` (server.py, ui.py), and the
next request after Chroma is back succeeds (no restart: Chroma's client connects per request)."""

from __future__ import annotations

import sqlite3

UNAVAILABLE = ("知识库向量服务（Chroma）暂时无法连接，请稍后重试。"
               "The vector store (Chroma) cannot be reached; please retry shortly.")


def unavailable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) is a dependency out of reach: a refused or broken
    connection to the Chroma server, or the manifest's database failing to open."""
    import httpx

    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (httpx.TransportError, ConnectionError, TimeoutError, sqlite3.OperationalError)):
            return True
        if isinstance(exc, ValueError) and "Could not connect to a Chroma server" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def check(store) -> dict:
    """{"chroma": {"ok", "mode"[, "error"]}, "manifest": {"ok"[, "error"]}}: one cheap call each."""
    mode = f"server {store.settings.chroma_host}:{store.settings.chroma_port}" if store.settings.chroma_host \
        else "embedded"
    out: dict = {}
    try:
        store.vectors.client.heartbeat()
        store.vectors.count()
        out["chroma"] = {"ok": True, "mode": mode}
    except Exception as e:  # noqa: BLE001 - whatever the client raises, it is "not reachable"
        out["chroma"] = {"ok": False, "mode": mode, "error": f"{type(e).__name__}: {str(e)[:200]}"}
    try:
        store.count_chunks()
        out["manifest"] = {"ok": True}
    except Exception as e:  # noqa: BLE001
        out["manifest"] = {"ok": False, "error": f"{type(e).__name__}: {str(e)[:200]}"}
    return out
