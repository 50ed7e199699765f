"""What every router shares: the server state and a fast JSON response."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from bubblescope.dashboard.state import DashboardState
from bubblescope.model.jsonsafe import finite

__all__ = ["fast_json", "get_state"]


def get_state(request: Request) -> DashboardState:
    """The :class:`DashboardState` of the app serving ``request``."""
    state: DashboardState = request.app.state.dashboard
    return state


def fast_json(payload: Any) -> Response:
    """``payload`` (plain JSON types only) as a response, without FastAPI's encoder pass.

    FastAPI walks a returned ``dict`` with ``jsonable_encoder`` before dumping it, which
    costs ~15x the dump itself on the graph; the big, plain payloads skip that walk.
    """
    try:
        body = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError:  # a NaN or infinity somewhere: JSON has no such numbers, send null
        body = json.dumps(finite(payload), ensure_ascii=False, separators=(",", ":"))
    return Response(body.encode("utf-8"), media_type="application/json")
