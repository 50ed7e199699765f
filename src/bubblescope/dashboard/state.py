"""What one dashboard server holds in memory: the current web, derived views, and jobs.

Uploading a valid table replaces the current web for this server only; nothing is written
to disk, and :meth:`DashboardState.reset` goes back to the web the server started with.
Views derived from the web (layout, filtered graphs, the bubble card, the default stress
headline, signal analyses) are computed on first use and kept until the web changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar, cast

from bubblescope.dashboard.graph import EdgeFilter, layout, web_graph
from bubblescope.dashboard.jobs import JobManager, TooManyJobsError
from bubblescope.dashboard.settings import Settings
from bubblescope.model.web import Web

__all__ = ["MEMO_SIZE", "DashboardState"]

T = TypeVar("T")

#: Most derived views kept per web (the oldest is dropped first).
MEMO_SIZE: Final = 128


@dataclass
class DashboardState:
    """The server's current web (loaded on first use), its derived views and the jobs."""

    settings: Settings
    loader: Callable[[], Web]
    jobs: JobManager
    _base: Web | None = None
    _web: Web | None = None
    _memo: dict[Hashable, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _analyses: int = 0

    @contextmanager
    def analysis_slot(self) -> Iterator[None]:
        """Hold one of the ``max_signal_uploads`` slots for an uploaded-series analysis.

        Raises
        ------
        TooManyJobsError
            Every slot is taken (the API answers 429).
        """
        cap = self.settings.limits.max_signal_uploads
        with self._lock:
            if self._analyses >= cap:
                raise TooManyJobsError(f"{cap} uploaded series are being analysed already; "
                                       "try again in a few seconds")
            self._analyses += 1
        try:
            yield
        finally:
            with self._lock:
                self._analyses -= 1

    @property
    def web(self) -> Web:
        """The current web; the first call loads it (errors of the loader propagate)."""
        with self._lock:
            if self._web is None:
                self._base = self._web = self.loader()
            return self._web

    @property
    def modified(self) -> bool:
        """Whether an upload replaced the web the server started with."""
        return self._web is not None and self._web is not self._base

    def cached(self, key: Hashable, make: Callable[[Web], T]) -> T:
        """``make(web)`` for the current web, computed once per web and ``key``.

        Two threads asking at once may both compute; the value is the same.
        """
        web = self.web
        with self._lock:
            if key in self._memo:
                return cast(T, self._memo[key])
        value = make(web)
        with self._lock:
            if self._web is web:  # an upload may have replaced the web meanwhile
                if len(self._memo) >= MEMO_SIZE:
                    self._memo.pop(next(iter(self._memo)))
                self._memo[key] = value
        return value

    def graph(self, keep: EdgeFilter) -> dict[str, Any]:
        """The graph JSON of the current web under ``keep``."""
        return self.cached(("graph", keep),
                           lambda web: web_graph(web, keep, self.cached("layout", layout)))

    def replace(self, web: Web) -> None:
        """Make ``web`` the current web (an upload that validated)."""
        _ = self.web
        with self._lock:
            self._web, self._memo = web, {}

    def reset(self) -> None:
        """Go back to the web the server started with."""
        _ = self.web
        with self._lock:
            self._web, self._memo = self._base, {}
