"""What one dashboard server holds in memory: the current web and the background jobs.

Uploading a valid table replaces the current web for this server only; nothing is written
to disk, and :meth:`DashboardState.reset` goes back to the web the server started with.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from bubblescope.dashboard.graph import EdgeFilter, layout, web_graph
from bubblescope.dashboard.jobs import JobManager
from bubblescope.dashboard.settings import Settings
from bubblescope.model.web import Web

__all__ = ["GRAPH_CACHE", "DashboardState"]

#: Most filtered graphs kept per web (the oldest is dropped first).
GRAPH_CACHE: Final = 64


@dataclass
class DashboardState:
    """The server's current web (loaded on first use), its layout and the job manager."""

    settings: Settings
    loader: Callable[[], Web]
    jobs: JobManager
    _base: Web | None = None
    _web: Web | None = None
    _positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    _graphs: dict[EdgeFilter, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def web(self) -> Web:
        """The current web; the first call loads it (errors of the loader propagate)."""
        with self._lock:
            if self._web is None:
                self._base = self.loader()
                self._set(self._base)
            assert self._web is not None  # set just above: narrows the type for mypy
            return self._web

    @property
    def positions(self) -> dict[str, tuple[float, float]]:
        """Layout positions of the current web's entities."""
        _ = self.web
        return self._positions

    def graph(self, keep: EdgeFilter) -> dict[str, Any]:
        """The graph JSON of the current web under ``keep`` (cached per filter)."""
        web = self.web
        with self._lock:
            cached = self._graphs.get(keep)
        if cached is None:
            cached = web_graph(web, keep, self.positions)
            with self._lock:
                if self._web is web:  # an upload may have replaced the web meanwhile
                    if len(self._graphs) >= GRAPH_CACHE:
                        self._graphs.pop(next(iter(self._graphs)))
                    self._graphs[keep] = cached
        return cached

    @property
    def modified(self) -> bool:
        """Whether an upload replaced the web the server started with."""
        return self._web is not None and self._web is not self._base

    def replace(self, web: Web) -> None:
        """Make ``web`` the current web (an upload that validated)."""
        _ = self.web
        with self._lock:
            self._set(web)

    def reset(self) -> None:
        """Go back to the web the server started with."""
        _ = self.web
        with self._lock:
            assert self._base is not None  # loaded by the line above
            self._set(self._base)

    def _set(self, web: Web) -> None:
        self._web = web
        self._graphs = {}
        self._positions = layout(web)
