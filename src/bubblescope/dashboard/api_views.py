"""API of the overview, size and signals pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile

from bubblescope.dashboard import parts
from bubblescope.dashboard.deps import PartUnavailableError, get_state
from bubblescope.dashboard.state import DashboardState
from bubblescope.dashboard.uploads import csv_rows

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["views"])
State = Annotated[DashboardState, Depends(get_state)]
Json = dict[str, Any]


@router.get("/size")
def size(state: State) -> Json:
    """How big: the bubble card of the current web."""
    return parts.size_card(state.web)


@router.get("/signals")
def signal_series() -> list[Json]:
    """The bundled price series the signals page can analyse."""
    return parts.signal_series()


@router.get("/signals/{name}")
def signal(name: str) -> Json:
    """When: a bundled series with its BSADF statistic, episodes and LPPLS fit."""
    return parts.signal_analysis(name)


@router.post("/signals/upload")
async def signal_upload(
    state: State, file: Annotated[UploadFile, File(description="CSV with date,value columns")],
) -> Json:
    """The same analysis for an uploaded ``date,value`` CSV (parsed in memory)."""
    rows = csv_rows(await file.read(), "uploaded series", state.settings.limits.max_series_points)
    return parts.signal_upload(rows)


@router.get("/overview")
def overview(state: State) -> Json:
    """The three headlines: how big, the latest signals, who gets hurt by default."""
    out: Json = {"web": {"name": state.web.name, "as_of": state.web.as_of.isoformat(),
                         "entities": len(state.web.entities),
                         "contracts": len(state.web.contracts),
                         "sources": len(state.web.sources), "modified": state.modified}}
    views: list[tuple[str, Callable[[], Json]]] = [
        ("size", lambda: parts.size_card(state.web)),
        ("signals", parts.latest_signals),
        ("stress", lambda: parts.stress_headline(state.web)),
    ]
    for key, make in views:
        try:
            out[key] = {"available": True, **make()}
        except PartUnavailableError as exc:
            out[key] = {"available": False, "detail": str(exc)}
    return out
