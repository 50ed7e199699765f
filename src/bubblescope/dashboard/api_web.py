"""API of the web and data pages: the graph, entity cards, sources, uploads."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from bubblescope.dashboard.deps import fast_json, get_state
from bubblescope.dashboard.graph import EdgeFilter, entity_card, search_sources
from bubblescope.dashboard.state import DashboardState
from bubblescope.dashboard.uploads import (
    TABLES,
    WebTable,
    csv_rows,
    deal_legs_web,
    issues_json,
    replace_table,
    upload_name,
)
from bubblescope.model.errors import DataError, ScenarioError
from bubblescope.model.kinds import CONFIDENCES, CONTRACT_KINDS, ENTITY_KINDS, STATUSES
from bubblescope.model.parse import Row
from bubblescope.model.web import Web

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["web"])
State = Annotated[DashboardState, Depends(get_state)]
Json = dict[str, Any]


def _checked(name: str, values: list[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ScenarioError(f"{name} must be among {', '.join(allowed)}, got {bad[0]!r}")
    return tuple(sorted(set(values)))  # one cache entry per set of choices


def _items(allowed: tuple[str, ...]) -> dict[str, Any]:
    """OpenAPI: a list whose items are one of ``allowed`` (the route checks it too)."""
    return {"items": {"type": "string", "enum": list(allowed)}}


@router.get("/vocabulary")
def vocabulary() -> Json:
    """The closed vocabularies the filters offer."""
    return {"contract_kinds": list(CONTRACT_KINDS), "entity_kinds": list(ENTITY_KINDS),
            "confidences": list(CONFIDENCES), "statuses": list(STATUSES),
            "tables": [*TABLES, "deal_legs"]}


@router.get("/web", response_class=JSONResponse)
def get_web(
    state: State,
    kind: Annotated[list[str], Query(
        description="contract kinds to keep", json_schema_extra=_items(CONTRACT_KINDS),
    )] = [],  # noqa: B006
    confidence: Annotated[list[str], Query(
        description="confidences to keep", json_schema_extra=_items(CONFIDENCES),
    )] = [],  # noqa: B006
    status: Annotated[list[str], Query(
        description="statuses to keep", json_schema_extra=_items(STATUSES),
    )] = [],  # noqa: B006
    start_from: dt.date | None = None,
    start_to: dt.date | None = None,
) -> Response:
    """Nodes, edges (one per contract) and circular flows of the current web, filtered."""
    keep = EdgeFilter(_checked("kind", kind, CONTRACT_KINDS),
                      _checked("confidence", confidence, CONFIDENCES),
                      _checked("status", status, STATUSES), start_from, start_to)
    return fast_json({**state.graph(keep), "modified": state.modified})


@router.get("/entities")
def list_entities(state: State, q: str = "", limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  ) -> list[Json]:
    """Entities whose id or name contains ``q`` (case-insensitive)."""
    needle = q.strip().lower()
    hits = [e for e in state.web.entities if needle in e.id.lower() or needle in e.name.lower()]
    return [{"id": e.id, "name": e.name, "kind": e.kind, "country": e.country}
            for e in hits[:limit]]


@router.get("/entities/{entity_id}", response_class=JSONResponse)
def get_entity(state: State, entity_id: str) -> Response:
    """One entity with its contracts, figures and the sources they cite."""
    try:
        return fast_json(entity_card(state.web, entity_id))
    except KeyError:
        raise HTTPException(404, f"no entity {entity_id!r}") from None


@router.get("/sources")
def get_sources(state: State, q: str = "",
                limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> Json:
    """Sources whose id, citation, quote or note contains ``q``."""
    hits = search_sources(state.web, q, limit)
    return {"count": len(hits), "total": len(state.web.sources), "sources": hits}


@router.post("/validate")
async def validate_upload(
    state: State,
    file: Annotated[UploadFile, File(description="a CSV table")],
    table: Annotated[str, Form(description="sources, entities, figures, contracts or deal_legs",
                               json_schema_extra={"enum": [*TABLES, "deal_legs"]})],
    apply: Annotated[bool, Form(description="replace the current web's table when valid")] = False,
) -> Json:
    """Validate an uploaded table in memory; with ``apply`` and no errors, use it.

    Nothing is stored unless the whole table is valid, and then only in this server's memory.
    """
    allowed = (*TABLES, "deal_legs")
    if table not in allowed:
        raise ScenarioError(f"table must be one of {', '.join(allowed)}, got {table!r}")
    name = upload_name(file.filename, f"{table}.csv")
    data = await file.read()
    try:  # validation is CPU work: off the event loop, so other requests go on
        rows, (web, notes) = await run_in_threadpool(_validated, state, table, data, name)
    except DataError as exc:
        return {"valid": False, "applied": False, "rows": None,
                "issues": issues_json(exc.issues), "notes": []}
    if apply:
        state.replace(web)
    return {"valid": True, "applied": apply, "rows": len(rows), "issues": [], "notes": notes,
            "contracts": len(web.contracts), "entities": len(web.entities)}


@router.post("/web/reset")
def reset_web(state: State) -> Json:
    """Go back to the web the server started with."""
    state.reset()
    return {"modified": state.modified}


def _validated(state: DashboardState, table: str, data: bytes, name: str,
               ) -> tuple[list[Row], tuple[Web, list[str]]]:
    rows = csv_rows(data, name, state.settings.limits.max_upload_rows)
    if table == "deal_legs":
        return rows, deal_legs_web(state.web, rows, name)
    return rows, (replace_table(state.web, cast(WebTable, table), rows, name), [])
