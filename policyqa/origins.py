"""Which web pages may use the assistant (POLICYQA_ALLOWED_ORIGINS), and what a refused page and
the administrator are told.

A browser hides a refused cross-origin response from the page (no CORS headers), so the widget
cannot read why its question failed. `GET /widget/status` is a simple request any page may read
(`Access-Control-Allow-Origin: *`, nothing but a yes/no about the caller's own origin): the
widget asks it after a failed request and tells the visitor the site is not enabled, instead of
blaming the network. The first refusal of each origin is logged for the administrator, naming
the origin to add."""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.middleware.base import BaseHTTPMiddleware

log = logging.getLogger("policyqa.server")


def origin_allowed(origin: str, origins: list[str], host: str) -> bool:
    """Same origin always; else only those on the list (`*` = any)."""
    if origin in origins or "*" in origins:
        return True
    return urlsplit(origin).netloc == host


class RefusedOrigins:
    """Logs the first refusal of each origin (at most `limit` origins, so a flood of made-up
    origins cannot fill the log)."""

    def __init__(self, limit: int = 256) -> None:
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def note(self, origin: str, path: str) -> None:
        with self._lock:
            if origin in self._seen or len(self._seen) >= self.limit:
                return
            self._seen.add(origin)
        shown = origin.encode("unicode_escape").decode("ascii")[:200]
        log.warning("a page on %s called %s and was refused: this origin is not allowed to use the "
                    "assistant. To enable the widget there, add it to POLICYQA_ALLOWED_ORIGINS "
                    "(comma-separated), e.g. POLICYQA_ALLOWED_ORIGINS=%s, and restart", shown,
                    path[:100], shown)


def add_status_route(app, origins: list[str], refused: RefusedOrigins) -> None:
    @app.get("/widget/status", include_in_schema=False)
    def widget_status(request: Request) -> JSONResponse:
        """Whether the calling page's origin may use the assistant (for the widget's messages)."""
        origin = (request.headers.get("origin") or "").rstrip("/")
        allowed = not origin or origin_allowed(origin, origins, request.headers.get("host", ""))
        if not allowed:
            refused.note(origin, "/widget/status")
        return JSONResponse({"origin_allowed": allowed},
                            headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"})


__all__ = ["RefusedOrigins", "add_status_route", "origin_allowed"]


class OriginGuard(BaseHTTPMiddleware):
    """Refuses API calls from origins not on POLICYQA_ALLOWED_ORIGINS (same origin always
    allowed), and tells browsers which origins may frame the UI (CSP frame-ancestors)."""

    def __init__(self, app, origins: list[str], refused: RefusedOrigins | None = None) -> None:
        super().__init__(app)
        self.origins = origins
        self.refused = refused or RefusedOrigins()

    async def dispatch(self, request: Request, call_next):
        origin = (request.headers.get("origin") or "").rstrip("/")
        if origin and request.url.path.startswith(("/api/", "/v1/")) and not self._allowed(origin, request):
            self.refused.note(origin, request.url.path)  # the admin learns which origin to allow
            return JSONResponse({"error": f"origin {origin} is not allowed to use this assistant"},
                                status_code=403)
        response = await call_next(request)
        ancestors = " ".join(["'self'", *self.origins])
        response.headers["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    def _allowed(self, origin: str, request: Request) -> bool:
        return origin_allowed(origin, self.origins, request.headers.get("host", ""))
