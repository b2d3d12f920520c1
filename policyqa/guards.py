"""ASGI guards in front of the whole app (API and Gradio UI): per-client rate limit, request
body bounds, Gradio's own upload route behind the admin token, and access-log redaction.

Pure ASGI (not BaseHTTPMiddleware) so that bodies can be counted as they stream in and
streamed answers pass through untouched.
"""

from __future__ import annotations

import hmac
import logging
import math
import re
import threading
import time
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from policyqa import gradio_files


@dataclass(frozen=True)
class GuardOptions:
    """Request bounds. Calibrated here: a chat request with 40 turns of history is < 40 KB;
    a feedback item with 50 citations < 120 KB; uploads follow the loader's file limit."""

    rate_per_minute: int = 120  # POST requests per client address (0 = off)
    rate_burst: int = 20
    json_body_bytes: int = 256 * 1024
    upload_body_bytes: int = 52 * 1024 * 1024  # one file of the loader limit plus form framing
    ui_body_bytes: int = 1024 * 1024  # Gradio queue/join and other UI calls


class RateLimiter:
    """Token bucket per client key: `rate_per_minute` sustained, `burst` at once."""

    def __init__(self, rate_per_minute: int, burst: int) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = max(1, burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when allowed, else the seconds to wait."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1 - tokens) / self.rate
            if len(self._buckets) > 10_000:  # forget idle clients (full buckets)
                self._buckets = {k: v for k, v in self._buckets.items()
                                 if v[0] + (now - v[1]) * self.rate < self.burst}
        return wait


def normal_path(path: str) -> str:
    return re.sub(r"/+", "/", path).rstrip("/") or "/"


def is_gradio_upload(path: str) -> bool:
    return normal_path(path).endswith("/gradio_api/upload")


def _given_admin_token(headers: Headers) -> str:
    return headers.get("x-admin-token") or bearer_of(headers.get("authorization"))


def bearer_of(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer …` header ("" for anything else)."""
    auth = authorization or ""
    return auth[7:].strip() if auth.lower().startswith("bearer ") else ""


def header_bytes(value: str | None) -> bytes:
    """A header value as the bytes the client sent (ASGI servers decode headers as Latin-1)."""
    return (value or "").encode("latin-1", "replace")


def secret_matches(given: bytes, expected: str | None) -> bool:
    """Constant-time comparison of bytes: any input, ASCII or not, is a plain mismatch, never an
    error (hmac.compare_digest refuses non-ASCII str). False when no secret is configured."""
    return bool(expected) and bool(given) and hmac.compare_digest(given, expected.encode("utf-8"))


class RequestGuard:
    def __init__(self, app, admin_token: str | None, options: GuardOptions = GuardOptions(),
                 ui_path: str = "/ui") -> None:
        self.app = app
        self.admin_token = admin_token
        self.options = options
        self.ui_path = ui_path
        self.limiter = RateLimiter(options.rate_per_minute, options.rate_burst)

    def _limit(self, path: str) -> int:
        if path.startswith("/api/documents") or is_gradio_upload(path):
            return self.options.upload_body_bytes
        if path.startswith(self.ui_path + "/"):
            return self.options.ui_body_bytes
        return self.options.json_body_bytes

    def _ui_bookkeeping(self, path: str) -> bool:
        """A chat page's own small events (page load, stored conversations, selectors, feedback):
        a page fires more than the burst of them at once, and refusing one leaves the page at
        「加载中…」. Only joining the answer queue (a question: the costly part) counts, as
        /api/ask does."""
        return path.startswith(self.ui_path + "/") and not path.endswith("/queue/join")

    def _is_admin(self, headers: Headers) -> bool:
        return secret_matches(header_bytes(_given_admin_token(headers)), self.admin_token)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = normal_path(scope["path"])
        method = scope["method"]
        headers = Headers(scope=scope)
        writes = method in ("POST", "PUT", "PATCH", "DELETE")

        if gradio_files.is_file_route(path, self.ui_path):
            # Gradio serves its temporary folder to anyone; this UI shows no files: closed.
            return await _error(scope, receive, send, 404, "未找到。Not found.")

        if is_gradio_upload(path):
            # Gradio's own upload route stores any file anyone sends: only the admin may use it.
            if not self.admin_token:
                return await _error(scope, receive, send, 403,
                                    "上传已关闭：文档管理未启用（管理员需设置 POLICYQA_ADMIN_TOKEN 后重启服务）。")
            if not self._is_admin(headers):
                return await _error(scope, receive, send, 401,
                                    "上传需要管理令牌：请先在「文档管理」页的「管理令牌」框中填写正确的令牌，再选择文件。")

        if writes and not self._ui_bookkeeping(path):
            client = (scope.get("client") or ("?", 0))[0]
            wait = self.limiter.take(client)
            if wait > 0:
                retry = max(1, math.ceil(wait))
                return await _error(scope, receive, send, 429,
                                    f"too many requests from this client (limit "
                                    f"{self.options.rate_per_minute} per minute); retry in {retry} s",
                                    {"Retry-After": str(retry)})

        limit = self._limit(path)
        declared = headers.get("content-length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    return await _error(scope, receive, send, 413,
                                        f"request body too large (limit {limit // 1024} KiB)")
            except ValueError:
                return await _error(scope, receive, send, 400, "invalid Content-Length")

        if writes and path.startswith(self.ui_path + "/") and not is_gradio_upload(path):
            # A Gradio event: read whole (bounded) and refused if it names files it may not.
            body, too_large = await _read_body(receive, limit)
            if too_large:
                return await _error(scope, receive, send, 413,
                                    f"request body too large (limit {limit // 1024} KiB)")
            if body is None:  # the client went away
                return
            refused = gradio_files.check_body(body, self._is_admin(headers), bool(self.admin_token))
            if refused:
                return await _error(scope, receive, send, *refused)
            return await self.app(scope, _replay(body, receive), send)

        received = 0
        started = rejected = False

        async def counted_receive():
            nonlocal received, started, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer 413 now; the app sees the client gone and its reply is dropped.
                    rejected = True
                    if not started:
                        started = True
                        await _error(scope, receive, send, 413,
                                     f"request body too large (limit {limit // 1024} KiB)")
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message):
            nonlocal started
            if rejected:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except Exception:
            if not rejected:
                raise


async def _read_body(receive, limit: int) -> tuple[bytes | None, bool]:
    """(the whole body, False), (None, True) past `limit`, or (None, False) on a disconnect."""
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None, False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None, True
        parts.append(chunk)
        if not message.get("more_body"):
            return b"".join(parts), False


def _replay(body: bytes, receive):
    """An ASGI receive that gives `body` once, then whatever the client sends next."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _error(scope, receive, send, status: int, message: str, headers: dict | None = None):
    await JSONResponse({"error": message}, status_code=status, headers=headers)(scope, receive, send)


def host_name(host_header: str) -> str:
    """The name of a Host header without its port ("[::1]:7860" → "::1"), lower-case."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class HostGuard:
    """Answers only requests whose Host header names this server (POLICYQA_ALLOWED_HOSTS, by
    default the bound host and the localhost names): a page on another name that resolves to
    this machine (DNS rebinding) gets a 400, not the app."""

    def __init__(self, app, hosts: list[str]) -> None:
        self.app = app
        self.hosts = set(hosts)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or "*" in self.hosts:
            return await self.app(scope, receive, send)
        host = host_name(Headers(scope=scope).get("host") or "")
        if host in self.hosts:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        return await _error(scope, receive, send, 400,
                            f"主机名不被允许。Host '{host[:100]}' is not served here "
                            "(POLICYQA_ALLOWED_HOSTS lists the names this assistant answers to).")


class JsonErrors:
    """One error schema for every JSON error, the mounted Gradio app's included: a 4xx/5xx JSON
    body without an `error` gets one (`{"detail": …}` → `{"error": …, "detail": …}`; Gradio's
    page reads `detail`). Other responses pass untouched."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        held: dict | None = None
        parts: list[bytes] = []

        async def rewriting_send(message):
            nonlocal held
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                if message["status"] >= 400 and headers.get("content-type", "").startswith("application/json"):
                    held = message
                    return
            elif message["type"] == "http.response.body" and held is not None:
                parts.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = _with_error(b"".join(parts))
                headers = [(k, v) for k, v in held.get("headers", []) if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**held, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, rewriting_send)


def _with_error(body: bytes) -> bytes:
    import json

    try:
        payload = json.loads(body)
    except ValueError:
        return body
    if isinstance(payload, dict) and "error" not in payload:
        detail = payload.get("detail", payload)
        text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
        payload = {"error": text, **payload}
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return body


# ------------------------------------------------------------------------------ logging
_SECRET_PARAM = re.compile(r"([?&](?:[^=&\s]*(?:token|key|secret|password|auth|sig)[^=&\s]*)=)[^&\s\"]*",
                           re.IGNORECASE)


def redact(text: str) -> str:
    """Query-string values of token-like parameters replaced by [redacted]."""
    return _SECRET_PARAM.sub(r"\1[redacted]", text)


class RedactSecrets(logging.Filter):
    """For uvicorn's access log: a token passed in a URL never reaches the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True
