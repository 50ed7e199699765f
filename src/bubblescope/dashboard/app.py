"""The FastAPI application: JSON API, pages and offline assets.

>>> from fastapi.testclient import TestClient
>>> client = TestClient(create_app(Settings()), base_url="http://127.0.0.1:8000")
>>> client.get("/api/health").json()["status"]
'ok'
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any, Final

import plotly
import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from bubblescope.dashboard import api_portfolio, api_stress, api_views, api_web
from bubblescope.dashboard.jobs import JobManager, TooManyJobsError
from bubblescope.dashboard.security import (
    LOOPBACK_NAMES,
    BodyLimitMiddleware,
    HostGuardMiddleware,
    SameOriginMiddleware,
    TokenMiddleware,
)
from bubblescope.dashboard.settings import Settings, is_loopback
from bubblescope.dashboard.state import DashboardState
from bubblescope.dashboard.uploads import issues_json
from bubblescope.model.errors import BubblescopeError, DataError, ScenarioError
from bubblescope.model.web import Web

__all__ = ["PAGES", "create_app"]

STATIC: Final = Path(str(files("bubblescope.dashboard").joinpath("static")))
PLOTLY_JS: Final = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: Swagger UI's scripts and styles, from the installed swagger-ui-bundle package.
SWAGGER: Final = Path(swagger_ui_bundle.swagger_ui_path)

#: URL path → page file in ``static/``.
PAGES: Final[dict[str, str]] = {
    "/": "overview.html", "/web": "web.html", "/stress": "stress.html",
    "/signals": "signals.html", "/data": "data.html", "/docs": "docs.html",
    "/portfolio": "portfolio.html",
}

_SECURITY_HEADERS: Final = {
    "content-security-policy": "default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def create_app(settings: Settings, web: Web | Callable[[], Web] | None = None) -> FastAPI:
    """Build the dashboard application.

    Parameters
    ----------
    settings : Settings
        Host, port, token and limits (the token, when set, guards every request).
    web : Web or callable, optional
        The web to show, or a function loading it on first use; by default the bundled
        web (:func:`bubblescope.load_default`).
    """
    jobs = JobManager(capacity=settings.limits.max_jobs)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()

    # FastAPI's own /docs and /redoc load Swagger/ReDoc from a CDN: off. /docs is our page
    # (static/docs.html) on the installed swagger-ui-bundle; the schema is /openapi.json.
    app = FastAPI(title="bubblescope dashboard", version=_version(), lifespan=lifespan,
                  description="Measure and stress-test the AI bubble: JSON API of the pages.",
                  docs_url=None, redoc_url=None)
    app.state.dashboard = DashboardState(settings, _loader(web), jobs)
    for router in (api_web.router, api_stress.router, api_views.router, api_portfolio.router):
        app.include_router(router)
    _add_errors(app)
    _add_pages(app)
    _describe_errors(app, token=bool(settings.token))
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.limits.max_upload_bytes)
    app.add_middleware(SameOriginMiddleware)
    if settings.token:
        app.add_middleware(TokenMiddleware, token=settings.token)
    names = LOOPBACK_NAMES | {settings.host.lower()} if is_loopback(settings.host) else None
    app.add_middleware(HostGuardMiddleware, names=names)
    return app


def _version() -> str:
    from bubblescope import __version__

    return __version__


def _loader(web: Web | Callable[[], Web] | None) -> Callable[[], Web]:
    if isinstance(web, Web):
        return lambda: web
    if web is not None:
        return web
    from bubblescope import load_default

    return load_default


def _add_pages(app: FastAPI) -> None:
    def page(name: str) -> Callable[[], FileResponse]:
        def serve() -> FileResponse:
            return FileResponse(STATIC / name, media_type="text/html", headers=_SECURITY_HEADERS)

        return serve

    for path, name in PAGES.items():
        app.add_api_route(path, page(name), include_in_schema=False, methods=["GET"])

    @app.get("/assets/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript",
                            headers={"cache-control": "public, max-age=86400"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness check."""
        return {"status": "ok", "version": _version()}

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/assets/swagger", StaticFiles(directory=SWAGGER), name="swagger")


_ERROR_SCHEMA: Final[dict[str, Any]] = {
    "title": "Error", "type": "object", "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "what was refused and why"},
        "issues": {"type": "array", "description": "every problem in uploaded data",
                   "items": {"type": "object", "properties": {
                       "file": {"type": "string"}, "line": {"type": ["integer", "null"],
                                                          "description": "file line; header = 1"},
                       "field": {"type": "string"}, "rule": {"type": "string"},
                       "value": {"type": "string"}, "message": {"type": "string"}}}},
    },
}
_VALIDATION_SCHEMA: Final[dict[str, Any]] = {
    "title": "HTTPValidationError", "type": "object",
    "properties": {"detail": {"type": "array", "items": {"type": "object"}}},
}


def _describe_errors(app: FastAPI, token: bool) -> None:
    """Document in the OpenAPI schema every error status the API and its guards answer.

    Every operation: 400 (malformed or foreign ``Host``), 413 (body over the cap), 422
    (a parameter outside its allowed values: FastAPI's validation list or our message),
    500; with a token, 401; state-changing ones, 403 (cross-origin); runs and uploaded
    series, 429; path parameters naming a job or entity, 404.
    """
    ref = {"$ref": "#/components/schemas/Error"}

    def error(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"description": description,
                "content": {"application/json": {"schema": schema or ref}}}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, routes=app.routes,
                             description=app.description)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Error"] = _ERROR_SCHEMA
        schemas.setdefault("HTTPValidationError", _VALIDATION_SCHEMA)
        either = {"anyOf": [{"$ref": "#/components/schemas/HTTPValidationError"}, ref]}
        for path, item in schema.get("paths", {}).items():
            for method, op in item.items():
                responses = op.setdefault("responses", {})
                responses["400"] = error("malformed request or unexpected Host header")
                responses["413"] = error("request body larger than the server's cap")
                responses["422"] = error("a parameter or uploaded file outside its allowed "
                                         "values; the detail says which and why", either)
                responses["500"] = error("internal error (a bug: please report it)")
                if token:
                    responses["401"] = error("missing or wrong token")
                if method != "get":
                    responses["403"] = error("cross-origin request refused")
                if path in ("/api/stress/run", "/api/signals/upload"):
                    responses["429"] = error("every run or analysis slot is busy: retry later")
                if path in ("/api/jobs/{job_id}", "/api/entities/{entity_id}"):
                    responses["404"] = error("no such job or entity")
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_errors(app: FastAPI) -> None:
    def handler(status: int) -> Callable[[Request, Exception], Response]:
        def respond(_: Request, exc: Exception) -> Response:
            body: dict[str, Any] = {"detail": str(exc)}
            if isinstance(exc, DataError):
                body = {"detail": f"{len(exc.issues)} problem(s) in input data",
                        "issues": issues_json(exc.issues)}
            return JSONResponse(body, status_code=status)

        return respond

    for exc_type, status in ((DataError, 422), (ScenarioError, 422), (TooManyJobsError, 429),
                             (BubblescopeError, 500)):
        app.add_exception_handler(exc_type, handler(status))
