"""What every router shares: the server state."""

from __future__ import annotations

from fastapi import Request

from bubblescope.dashboard.state import DashboardState

__all__ = ["get_state"]


def get_state(request: Request) -> DashboardState:
    """The :class:`DashboardState` of the app serving ``request``."""
    state: DashboardState = request.app.state.dashboard
    return state
