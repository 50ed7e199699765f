"""Robustness of PSY dating: the episodes that survive other minimum windows and lags.

A referee's first question about a dated episode is whether it depends on the minimum
window or the ADF lag. :func:`robustness` repeats the dating of a :class:`Reading` over a
grid of windows (¾, 1 and 1½ times the reading's window) and fixed lags (0, 1, 2) and, for
each episode of the reading itself, counts the variants that date an overlapping episode.

Critical values come from the shipped lag-0 table for every variant: the null distribution
of the statistics does not depend on the lag asymptotically, and simulating nine sets at
T in the thousands would take minutes. The table says so in its note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bubblescope.model.series import Series
from bubblescope.signals.cvtable import table_cv
from bubblescope.signals.datestamp import Episode, PsyResult, psy_analysis, psy_input
from bubblescope.signals.psy import PsyConfig
from bubblescope.signals.reading import Reading, read_psy, select

__all__ = ["RobustRow", "Robustness", "robustness"]

NOTE = ("critical values for every variant from the shipped lag-0 table (the lag does not "
        "change the null distribution asymptotically)")


@dataclass(frozen=True)
class RobustRow:
    """One episode of the reading and how many variants date an overlapping one."""

    episode: Episode
    found: int
    of: int
    earliest_start: np.datetime64
    latest_start: np.datetime64

    @property
    def survives(self) -> bool:
        """True when every variant dates an overlapping episode."""
        return self.found == self.of


@dataclass(frozen=True)
class Robustness:
    """Episodes of the reading against the (window, lag) variants."""

    name: str
    windows: tuple[int, ...]
    lags: tuple[int, ...]
    rows: tuple[RobustRow, ...]
    variants: tuple[tuple[int, int, int], ...]
    note: str = NOTE

    def __str__(self) -> str:
        head = (f"Robustness of the dating of {self.name}: windows {self.windows}, lags "
                f"{self.lags} ({len(self.windows) * len(self.lags)} variants; {self.note})")
        lines = [head]
        for r in self.rows:
            end = "ongoing" if r.episode.end is None else str(r.episode.end)
            lines.append(f"  {r.episode.start} .. {end}: found by {r.found}/{r.of} variants "
                         f"(starts {r.earliest_start} .. {r.latest_start})"
                         f"{'  SURVIVES' if r.survives else ''}")
        if not self.rows:
            lines.append("  no episode in the reading itself")
        lines.append("  episodes per variant (window, lag: count): " + ", ".join(
            f"{w},{p}: {n}" for w, p, n in self.variants))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"windows": list(self.windows), "lags": list(self.lags), "note": self.note,
                "episodes": [{"start": str(r.episode.start),
                              "end": None if r.episode.end is None else str(r.episode.end),
                              "found": r.found, "of": r.of, "survives": r.survives,
                              "earliest_start": str(r.earliest_start),
                              "latest_start": str(r.latest_start)} for r in self.rows],
                "variants": [{"window": w, "lag": p, "episodes": n}
                             for w, p, n in self.variants]}


def robustness(series: Series, reading: Reading, *,
               window_factors: tuple[float, ...] = (0.75, 1.0, 1.5),
               lags: tuple[int, ...] = (0, 1, 2), base: PsyResult | None = None
               ) -> Robustness:
    """Date ``series`` under every (window, lag) variant and match the reading's episodes.

    ``base`` is the reading's own result when the caller has it already (``read_psy(series,
    reading)``; with simulated critical values it is not computed a second time).

    Examples
    --------
    >>> from bubblescope.signals.registry import load_named
    >>> from bubblescope.signals.reading import standard_reading
    >>> rb = robustness(load_named("nasdaq-dotcom"), standard_reading("nasdaq-dotcom"))
    >>> rb.rows[0].of, len(rb.variants)
    (9, 9)
    """
    base = base if base is not None else read_psy(series, reading)
    s = select(series, reading.start, reading.end)
    T, w0 = len(s), base.stats.window
    windows = tuple(sorted({max(round(w0 * f), 8) for f in window_factors}))
    found = [0] * len(base.episodes)
    starts: list[list[np.datetime64]] = [[] for _ in base.episodes]
    variants = []
    end_date = s.dates[-1]
    for w in windows:
        cv = table_cv(T, PsyConfig(window=w))
        for p in lags:
            cfg = PsyConfig(window=w, lag=p)
            psy_input(s, cfg, reading.transform)
            res = psy_analysis(s, cv, cfg, transform=reading.transform, level=reading.level,
                               min_duration=reading.min_duration)
            variants.append((w, p, len(res.episodes)))
            for i, ep in enumerate(base.episodes):
                hit = [e for e in res.episodes if _overlap(ep, e, end_date)]
                if hit:
                    found[i] += 1
                    starts[i].append(min(e.start for e in hit))
    rows = tuple(RobustRow(ep, found[i], len(variants), min(starts[i], default=ep.start),
                           max(starts[i], default=ep.start))
                 for i, ep in enumerate(base.episodes))
    return Robustness(s.name, windows, tuple(lags), rows, tuple(variants))


def _overlap(a: Episode, b: Episode, last: np.datetime64) -> bool:
    a_end = last if a.end is None else a.end
    b_end = last if b.end is None else b.end
    return bool(a.start <= b_end and b.start <= a_end)

