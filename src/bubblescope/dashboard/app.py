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
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from bubblescope.dashboard import api_stress, api_views, api_web
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

#: URL path → page file in ``static/``.
PAGES: Final[dict[str, str]] = {
    "/": "overview.html", "/web": "web.html", "/stress": "stress.html",
    "/signals": "signals.html", "/data": "data.html",
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

    # No /docs or /redoc: FastAPI's pages load Swagger/ReDoc from a CDN; the schema is
    # served at /openapi.json.
    app = FastAPI(title="bubblescope dashboard", version=_version(), lifespan=lifespan,
                  description="Measure and stress-test the AI bubble: JSON API of the pages.",
                  docs_url=None, redoc_url=None)
    app.state.dashboard = DashboardState(settings, _loader(web), jobs)
    for router in (api_web.router, api_stress.router, api_views.router):
        app.include_router(router)
    _add_errors(app)
    _add_pages(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.limits.max_upload_bytes)
    app.add_middleware(SameOriginMiddleware)
    if settings.token:
        app.add_middleware(TokenMiddleware, token=settings.token)
    if is_loopback(settings.host):
        app.add_middleware(HostGuardMiddleware, names=LOOPBACK_NAMES | {settings.host.lower()})
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
