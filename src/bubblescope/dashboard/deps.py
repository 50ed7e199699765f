"""What every router shares: the server state and the errors the API maps to statuses."""

from __future__ import annotations

from fastapi import Request

from bubblescope.dashboard.state import DashboardState
from bubblescope.model.errors import BubblescopeError

__all__ = ["PartUnavailableError", "get_state"]


class PartUnavailableError(BubblescopeError):
    """A library part the page needs is not installed in this build (served as 503)."""


def get_state(request: Request) -> DashboardState:
    """The :class:`DashboardState` of the app serving ``request``."""
    state: DashboardState = request.app.state.dashboard
    return state
