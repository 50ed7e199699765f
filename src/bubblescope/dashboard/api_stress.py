"""API of the stress page: presets, runs as background jobs, job progress."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from bubblescope.dashboard import stress_views
from bubblescope.dashboard.deps import fast_json, get_state
from bubblescope.dashboard.jobs import JobView, Progress
from bubblescope.dashboard.state import DashboardState
from bubblescope.model.errors import ScenarioError
from bubblescope.stress.scenario import PRESETS

__all__ = ["RunRequest", "router"]

router = APIRouter(prefix="/api", tags=["stress"])
State = Annotated[DashboardState, Depends(get_state)]
Json = dict[str, Any]


class RunRequest(BaseModel):
    """A stress run: a preset, parameter overrides and the run size."""

    preset: str = Field(description="name of a preset scenario (see /api/stress/presets)",
                        json_schema_extra={"enum": list(PRESETS)})
    overrides: dict[str, float] = Field(default_factory=dict,
                                        description="parameter name → value, within its range")
    paths: int = Field(default=1, ge=1, description="Monte Carlo paths (capped by the server)")
    quarters: int | None = Field(default=None, ge=1,
                                 description="horizon in quarters (default: the preset's)")
    seed: int = Field(default=0, ge=0, description="seed of the run's random generator")


@router.get("/stress/presets", response_class=JSONResponse)
def presets(state: State) -> Response:
    """Preset scenarios with their editable parameters and allowed ranges, and the run caps."""
    limits = state.settings.limits
    return fast_json({"presets": stress_views.presets(),
                      "limits": {"max_paths": limits.max_paths,
                                 "max_quarters": limits.max_quarters}})


@router.post("/stress/run", status_code=202)
def run(state: State, request: RunRequest) -> Json:
    """Start a stress run in the background; poll ``/api/jobs/{id}`` for progress and result."""
    limits = state.settings.limits
    if request.paths > limits.max_paths:
        raise ScenarioError(f"paths must be at most {limits.max_paths}, got {request.paths}")
    if request.quarters is not None and request.quarters > limits.max_quarters:
        raise ScenarioError(
            f"quarters must be at most {limits.max_quarters}, got {request.quarters}")
    scenario = stress_views.scenario(request.preset, request.overrides, request.quarters)
    if scenario.quarters > limits.max_quarters:
        raise ScenarioError(f"quarters must be at most {limits.max_quarters}; preset "
                            f"{request.preset!r} runs {scenario.quarters}: ask for fewer")
    web = state.web

    def work(progress: Progress) -> Json:
        return stress_views.stress_job(web, scenario, request.paths, request.seed, progress)

    return _job_json(state.jobs.submit("stress", work))


@router.get("/stress/headline")
def headline(state: State) -> Json:
    """Who gets hurt under the default scenario (one path; computed once per web)."""
    return state.cached("stress-headline", stress_views.headline)


@router.get("/jobs/{job_id}", response_class=JSONResponse)
def job(state: State, job_id: str) -> Response:
    """Status, progress (0-1), message and, once done, the result of a job."""
    try:
        return fast_json(_job_json(state.jobs.view(job_id)))
    except KeyError:
        raise HTTPException(404, f"no job {job_id!r}") from None


def _job_json(view: JobView) -> Json:
    return {"id": view.id, "kind": view.kind, "status": view.status,
            "progress": view.progress, "message": view.message, "result": view.result,
            "error": view.error}
