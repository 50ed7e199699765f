"""Date-stamping of explosive episodes (PSY 2015) and the bundled PSY analysis of a series.

An episode originates at the first date where BSADF(r2) exceeds its critical value and
terminates at the first later date where it falls back below; runs shorter than the
minimum duration (default ⌊log T⌋ observations, PSY's δ·log T with δ = 1) are discarded.
The peak is the date of the highest value of the series inside the episode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bubblescope.model._typing import BoolArray, FloatArray
from bubblescope.model.errors import DataError, ScenarioError
from bubblescope.model.jsonsafe import finite
from bubblescope.model.series import DateArray, Series
from bubblescope.model.tables import Tabular
from bubblescope.signals.critical import CriticalValues
from bubblescope.signals.cvtable import load_table, p_value, table_applies
from bubblescope.signals.psy import PsyConfig, PsyStatistics, psy_statistics
from bubblescope.signals.series import require_length, require_positive

__all__ = [
    "Episode",
    "PsyResult",
    "date_stamp",
    "default_min_duration",
    "psy_analysis",
    "psy_input",
]

#: Shortest series the PSY tests accept, whatever the window.
MIN_OBSERVATIONS = 20


@dataclass(frozen=True)
class Episode:
    """One explosive episode: origination, peak and termination (``None`` while ongoing)."""

    start: np.datetime64
    peak: np.datetime64
    end: np.datetime64 | None
    duration: int

    @property
    def ongoing(self) -> bool:
        """True when the statistic is still above its critical value at the sample end."""
        return self.end is None

    def __str__(self) -> str:
        end = "ongoing" if self.end is None else str(self.end)
        return f"{self.start} .. {end} (peak {self.peak}, {self.duration} obs)"


def default_min_duration(T: int) -> int:
    """Return PSY's minimum duration ⌊log T⌋ observations (δ = 1).

    >>> default_min_duration(1680)
    7
    """
    return max(1, math.floor(math.log(T)))


def date_stamp(
    dates: DateArray, values: FloatArray, stat: FloatArray, cv: FloatArray, min_duration: int,
    merge_gap: int = 0,
) -> tuple[Episode, ...]:
    """Find runs where ``stat > cv`` lasting at least ``min_duration`` observations.

    Parameters
    ----------
    dates, values : ndarray, shape (n,)
        Dates and values aligned with ``stat`` (the tail of the series).
    stat, cv : ndarray of float64, shape (n,)
        BSADF sequence and its critical values (a constant ``cv`` broadcasts).
    min_duration : int
        Shortest run kept.
    merge_gap : int
        Episodes (runs that passed the duration rule) separated by at most this many
        observations are reported as one (0: none joined). PSY's text reports the dot-com
        episode as one span across a short break; see docs/signals.md.

    Examples
    --------
    >>> d = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-11"))
    >>> st = np.array([0, 2, 3, 2, 0, 0, 2, 0, 2, 2.0])
    >>> for ep in date_stamp(d, np.arange(10.0), st, np.ones(10), 2):
    ...     print(ep)
    2020-01-02 .. 2020-01-05 (peak 2020-01-04, 3 obs)
    2020-01-09 .. ongoing (peak 2020-01-10, 2 obs)
    >>> [str(e) for e in date_stamp(d, np.arange(10.0), st, np.ones(10), 2, merge_gap=4)]
    ['2020-01-02 .. ongoing (peak 2020-01-10, 9 obs)']
    """
    above: BoolArray = np.asarray(stat > cv, dtype=bool)
    edges = np.diff(np.concatenate(([0], above.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    long = (stops - starts) >= min_duration
    starts, stops = starts[long], stops[long]
    if merge_gap > 0 and starts.shape[0] > 1:
        keep = (starts[1:] - stops[:-1]) > merge_gap
        starts = np.concatenate((starts[:1], starts[1:][keep]))
        stops = np.concatenate((stops[:-1][keep], stops[-1:]))
    out = []
    for a, b in zip(starts, stops, strict=True):
        peak = a + int(np.argmax(values[a:b]))
        end = dates[b] if b < dates.shape[0] else None
        out.append(Episode(dates[a], dates[peak], end, int(b - a)))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class PsyResult(Tabular):
    """PSY tests on one series: statistics, critical values and dated episodes."""

    name: str
    transform: str
    dates: DateArray
    stats: PsyStatistics
    cv: CriticalValues
    level: float
    min_duration: int
    episodes: tuple[Episode, ...]
    sample: tuple[np.datetime64, np.datetime64]
    merge_gap: int = 0

    @property
    def cv_sequence(self) -> FloatArray:
        """BSADF critical values at :attr:`level`, shape (T - window + 1,)."""
        return np.asarray(self.cv.bsadf[self.cv.index(self.level)], dtype=np.float64)

    @property
    def explosive_now(self) -> bool:
        """True when the last BSADF exceeds its critical value."""
        return bool(self.stats.bsadf[-1] > self.cv_sequence[-1])

    def tables(self) -> dict[str, pd.DataFrame]:
        """The dated episodes and the BSADF sequence against its critical value (unitless
        ADF statistics; durations in observations)."""
        episodes = pd.DataFrame([{"start": e.start, "peak": e.peak, "end": e.end,
                                  "ongoing": e.ongoing, "duration_obs": e.duration}
                                 for e in self.episodes],
                                columns=["start", "peak", "end", "ongoing", "duration_obs"])
        dates = self.dates[len(self.dates) - len(self.stats.bsadf):]
        seq = pd.DataFrame({"date": dates, "bsadf_stat": self.stats.bsadf,
                            f"cv{self.level:.0%}_stat": self.cv_sequence})
        return {"episodes": episodes, "bsadf": seq}

    @property
    def since(self) -> np.datetime64 | None:
        """Start of the ongoing episode (``None`` when none is ongoing)."""
        last = self.episodes[-1] if self.episodes else None
        return last.start if last is not None and last.ongoing else None

    def p_values(self) -> dict[str, float] | None:
        """Right-tail p-values of SADF, GSADF and the latest BSADF from the shipped table.

        ``None`` when the table does not describe the null of this configuration (a lag
        rule other than lag 0, or a trend). Values are clipped to [0.005, 0.5].
        """
        c, w, T = self.stats.config, self.stats.window, self.stats.T
        if not table_applies(c) or w < int(load_table().windows[0]):
            return None
        return {"sadf": p_value("sadf", self.stats.sadf, T, w),
                "gsadf": p_value("gsadf", self.stats.gsadf, T, w),
                "bsadf": p_value("bsadf", float(self.stats.bsadf[-1]), T, w)}

    def to_dict(self) -> dict[str, Any]:
        """The reading as plain JSON data (non-finite numbers as ``None``, dates as ISO text):
        the PSY part of the signals schema (docs/json.md).

        ``sadf``/``gsadf`` carry the statistic and its critical values at ``critical_values.
        levels``; ``latest_bsadf`` the last BSADF against its 95% critical value; ``bsadf`` the
        whole sequence (``dates``, ``stat``) against the critical values at ``level``
        (``cv``); an ongoing episode's ``end`` is ``None``.
        """
        st, cv = self.stats, self.cv
        c = st.config
        return dict(finite({
            "series": self.name, "start": str(self.sample[0]), "end": str(self.sample[1]),
            "observations": st.T, "reading": self.describe(), "transform": self.transform,
            "window": st.window, "lag": c.lag, "ic": c.ic, "trend": c.trend,
            "min_duration": self.min_duration, "merge_gap": self.merge_gap,
            "level": self.level,
            "critical_values": {"method": cv.method, "reps": cv.reps, "levels": list(cv.levels)},
            "sadf": {"value": st.sadf, "cv": cv.sadf}, "gsadf": {"value": st.gsadf, "cv": cv.gsadf},
            "latest_bsadf": {"date": str(self.dates[-1]), "value": float(st.bsadf[-1]),
                             "cv95": float(cv.bsadf[cv.index(0.95)][-1]),
                             "explosive": self.explosive_now,
                             "since": None if self.since is None else str(self.since)},
            "p_values": self.p_values(),
            "episodes": [{"start": str(e.start), "peak": str(e.peak),
                          "end": None if e.end is None else str(e.end),
                          "duration": e.duration, "ongoing": e.ongoing}
                         for e in self.episodes],
            "bsadf": {"dates": [str(d) for d in self.dates.astype("datetime64[D]")],
                      "stat": st.bsadf, "cv": self.cv_sequence},
        }))

    def describe(self) -> str:
        """The configuration in one line: sample, transform, lag, window, duration, cv."""
        c = self.stats.config
        lag = f"lag {c.lag}" if c.ic == "fixed" else f"lag by {c.ic.upper()} (max {c.lag})"
        cv = self.cv
        how = {"table": f"shipped table (nearest simulated window: {cv.reps} replications)",
               "monte-carlo": f"Monte Carlo ({cv.reps} replications)",
               "wild-bootstrap": f"wild bootstrap ({cv.reps} resamples)"}[cv.method]
        return (f"sample {self.sample[0]} .. {self.sample[1]} (T={self.stats.T}); "
                f"{'log prices' if self.transform == 'log' else 'levels'}; {lag}; "
                f"{'constant + trend' if c.trend else 'constant'}; window {self.stats.window};"
                f" min duration {self.min_duration} obs"
                + (f", gaps of <= {self.merge_gap} obs joined" if self.merge_gap else "")
                + f"; {self.level:.0%} critical values "
                f"from the {how}")

    def __str__(self) -> str:
        i = self.cv.index(self.level)
        lines = [
            f"PSY on {self.name} ({self.transform}), {self.dates[0]} .. {self.dates[-1]}, "
            f"T={self.stats.T}, window={self.stats.window}",
            f"  SADF  {self.stats.sadf:7.3f}  vs {self.level:.0%} cv {self.cv.sadf[i]:.3f}",
            f"  GSADF {self.stats.gsadf:7.3f}  vs {self.level:.0%} cv {self.cv.gsadf[i]:.3f}"
            f"  ({self.cv.method}, {self.cv.reps} reps)",
            f"  latest BSADF {self.stats.bsadf[-1]:.3f} vs cv {self.cv_sequence[-1]:.3f}",
            f"  episodes (min {self.min_duration} obs): "
            + ("none" if not self.episodes else "; ".join(map(str, self.episodes))),
        ]
        return "\n".join(lines)


def psy_input(series: Series, config: PsyConfig, transform: str) -> FloatArray:
    """Check ``series`` for the PSY tests and return what they see: log values or levels.

    Raises
    ------
    DataError
        "series too short: need at least N observations for window W (lag p)" naming the
        file, or every non-positive value (row, date, value) when ``transform == "log"``.
    ScenarioError
        For an unknown ``transform``.

    Examples
    --------
    >>> from bubblescope.model.errors import DataError
    >>> from bubblescope.signals.series import make_series
    >>> d = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-06"))
    >>> try:
    ...     psy_input(make_series("x", d, np.ones(5), "x.csv"), PsyConfig(), "log")
    ... except DataError as exc:
    ...     print(exc.issues[0].rule)
    series too short: need at least 20 observations for the PSY tests (default window 4, lag 0)
    """
    if transform not in ("log", "level"):
        raise ScenarioError(f"transform must be 'log' or 'level', got {transform!r}")
    T = len(series)
    w = config.resolved_window(T)
    need = max(w, config.lag + int(config.trend) + 5, MIN_OBSERVATIONS)
    what = f"the PSY tests (default window {w}, " if config.window is None else f"window {w} ("
    require_length(series, need, f"{what}lag {config.lag}{', trend' if config.trend else ''})")
    if float(np.ptp(series.values)) == 0.0:
        raise DataError.single(series.source, None, series.value_field,
                               "must vary: the series is constant, so there is no explosive "
                               "episode to test", f"{len(series)} values all {series.values[0]:g}")
    if transform == "level":
        return np.asarray(series.values, dtype=np.float64)
    require_positive(series, "the log of prices",
                     "; for a ratio or a series that can be <= 0 use --transform level")
    return np.asarray(np.log(series.values), dtype=np.float64)


def psy_analysis(
    series: Series,
    cv: CriticalValues,
    config: PsyConfig | None = None,
    *,
    transform: str = "log",
    level: float = 0.95,
    min_duration: int | None = None,
    merge_gap: int = 0,
) -> PsyResult:
    """Run BADF/BSADF on ``series`` and date-stamp episodes against ``cv``.

    ``transform`` is ``"log"`` (requires positive values) or ``"level"``. ``cv`` must come
    from the same T, window and lag (e.g. :func:`~bubblescope.signals.critical.monte_carlo_cv`).
    """
    cfg = PsyConfig() if config is None else config
    T = len(series)
    y = psy_input(series, cfg, transform)
    stats = psy_statistics(y, cfg)
    if (cv.T, cv.window) != (T, stats.window):
        raise ScenarioError(f"critical values are for T={cv.T}, window={cv.window}; the "
                            f"series has T={T}, window={stats.window}")
    md = default_min_duration(T) if min_duration is None else min_duration
    tail = slice(stats.window - 1, None)
    seq = cv.bsadf[cv.index(level)]
    eps = date_stamp(series.dates[tail], series.values[tail], stats.bsadf, seq, md, merge_gap)
    return PsyResult(series.name, transform, series.dates[tail], stats, cv, level, md, eps,
                     (series.dates[0], series.dates[-1]), merge_gap)
