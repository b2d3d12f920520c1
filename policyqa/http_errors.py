"""Every error the API returns is JSON, `{"error": message}`, in the asker's language where the
message has two: the framework's terse ones said plainly, invalid bodies listed, an unreachable
dependency a 503 with Retry-After, anything else a 500 that leaks nothing."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from policyqa.errors import UserError
from policyqa.health import UNAVAILABLE, unavailable

log = logging.getLogger("policyqa.server")


def request_lang(request: Request) -> str:
    """The language of a request's messages: its question's (set by the route), else English
    when Accept-Language prefers it, else Chinese."""
    lang = getattr(request.state, "lang", None)
    if lang:
        return lang
    accept = (request.headers.get("accept-language") or "").strip().lower()
    return "en" if accept.startswith("en") else "zh"


def _http_error_text(request: Request, exc: StarletteHTTPException) -> str:
    """The framework's terse errors (unknown route, wrong method, unreadable body) said plainly."""
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        return f"no such route: {request.method} {request.url.path}"
    if exc.status_code == 405 and detail == "Method Not Allowed":
        return f"method {request.method} is not allowed on {request.url.path}"
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        return "the request body could not be read: send UTF-8 JSON (or multipart for uploads)"
    return detail


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)  # FastAPI's and the router's (404, 405)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": _http_error_text(request, exc)}, status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return JSONResponse({"error": f"invalid request: {problems}"}, status_code=422)

    @app.exception_handler(Exception)
    async def server_error(_request: Request, exc: Exception):
        if unavailable(exc):
            log.warning("request failed: a dependency is unreachable (%s)", type(exc).__name__)
            return JSONResponse({"error": UNAVAILABLE}, status_code=503, headers={"Retry-After": "5"})
        log.exception("request failed")
        return JSONResponse({"error": "internal error; the request was not completed"}, status_code=500)

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError):
        return JSONResponse({"error": exc.text(request_lang(request))}, status_code=exc.status)
