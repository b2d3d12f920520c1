"""How `policyqa serve` runs uvicorn, and the API's documentation pages served offline."""

from __future__ import annotations

import copy
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from core.settings import Settings


def log_config() -> dict:
    """uvicorn's logging config: the access log on (client, method, path, status; tokens in
    query strings redacted), the server's own messages from warnings up."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": "policyqa.guards.RedactSecrets"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    config["loggers"]["uvicorn.error"]["level"] = "WARNING"
    config["loggers"]["uvicorn.access"]["level"] = "INFO"
    return config


def uvicorn_options(settings: Settings) -> dict:
    """How `policyqa serve` runs uvicorn: its logging (above), and X-Forwarded-For/-Proto believed
    only from POLICYQA_TRUSTED_PROXIES (uvicorn's default believes 127.0.0.1, so a client behind
    any local proxy would choose its own rate-limit bucket)."""
    return {"host": settings.host, "port": settings.port, "log_config": log_config(), "log_level": None,
            "proxy_headers": bool(settings.proxies), "forwarded_allow_ips": settings.proxies or None}


def api_docs_routes(app: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc from the assets bundled in the fastapi-offline package:
    FastAPI's defaults load them from a CDN, which an intranet cannot reach."""
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    import fastapi_offline

    assets = Path(fastapi_offline.__file__).resolve().parent / "static"
    app.mount("/api-docs-assets", StaticFiles(directory=assets), name="api-docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title="policyqa API",
                                   swagger_js_url="/api-docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/api-docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/api-docs-assets/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=app.openapi_url, title="policyqa API",
                              redoc_js_url="/api-docs-assets/redoc.standalone.js",
                              redoc_favicon_url="/api-docs-assets/favicon.png", with_google_fonts=False)
