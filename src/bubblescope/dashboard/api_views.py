"""API of the overview and signals pages: the web in numbers, the bubble card, signals."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from bubblescope.dashboard import signal_views
from bubblescope.dashboard.deps import fast_json, get_state
from bubblescope.dashboard.jobs import Progress
from bubblescope.dashboard.size_views import size_json
from bubblescope.dashboard.state import DashboardState
from bubblescope.dashboard.uploads import csv_rows, upload_name
from bubblescope.dashboard.when_views import when_json
from bubblescope.model.errors import ScenarioError
from bubblescope.signals import REGISTRY

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["views"])
State = Annotated[DashboardState, Depends(get_state)]
Json = dict[str, Any]


@router.get("/overview")
def overview(state: State) -> Json:
    """The current web in numbers."""
    web = state.web
    return {"name": web.name, "as_of": web.as_of.isoformat(), "entities": len(web.entities),
            "contracts": len(web.contracts), "sources": len(web.sources),
            "modified": state.modified}


@router.get("/size")
def size(state: State) -> Json:
    """How big: the bubble card of the current web."""
    return state.cached("size", lambda web: size_json(web, state.settings.data_dir))


@router.get("/when")
def when(state: State) -> Json:
    """The clocks: maturity wall, runways, the $1.9T crossing, seeds' claims, market row."""
    return state.cached("when", lambda web: when_json(web, state.settings.data_dir))


@router.post("/when/job", status_code=202)
def when_job(state: State) -> Json:
    """Start the clocks as a background job; poll ``/api/jobs/{id}`` for progress and result
    (the same JSON as ``/api/when``, which it fills)."""
    data_dir = state.settings.data_dir

    def work(progress: Progress) -> Json:
        return state.cached("when", lambda web: when_json(web, data_dir, progress))

    return state.jobs.submit("when", work).to_dict()


@router.get("/signals")
def signal_series(state: State) -> list[Json]:
    """The price series the signals page can analyse here."""
    return signal_views.series_list(state.settings.data_dir)


@router.get("/signals/latest")
def latest(state: State) -> Json:
    """When: the latest explosiveness reading of the AI names (for the overview)."""
    return state.cached("signals-latest",
                        lambda _: signal_views.latest(state.settings.data_dir))


@router.get("/signals/{name}", response_class=JSONResponse)
def signal(state: State, name: str) -> Response:
    """A series with its BSADF statistic, critical values, episodes and LPPLS fit."""
    return fast_json(state.cached(("signal", name),
                                  lambda _: signal_views.named(name, state.settings.data_dir)))


@router.post("/signals/{name}/job", status_code=202)
def signal_job(state: State, name: str) -> Json:
    """Start the analysis of series ``name`` as a background job; poll ``/api/jobs/{id}`` for
    progress (critical values, LPPLS fit) and the result (the JSON of ``/api/signals/{name}``,
    which it fills)."""
    if name not in REGISTRY:
        raise ScenarioError(f"unknown series {name!r}; known: {', '.join(sorted(REGISTRY))}")
    data_dir = state.settings.data_dir

    def work(progress: Progress) -> Json:
        return state.cached(("signal", name),
                            lambda _: signal_views.named(name, data_dir, progress))

    return state.jobs.submit("signals", work).to_dict()


@router.post("/signals/upload")
async def signal_upload(
    state: State, file: Annotated[UploadFile, File(description="CSV with date,value columns")],
) -> Json:
    """The same analysis for an uploaded ``date,value`` CSV (parsed in memory)."""
    data = await file.read()
    name = upload_name(file.filename, "series.csv")

    def analyse() -> Json:  # CPU work: off the event loop, so other requests go on
        rows = csv_rows(data, name, state.settings.limits.max_upload_rows)
        return signal_views.uploaded(rows, name)

    with state.analysis_slot():  # at most max_signal_uploads at once, else 429
        return await run_in_threadpool(analyse)
