"""The latest standard reading of each named series, and LPPLS confidence histories.

:func:`latest_signals` is what every face prints for the AI names (``run``, ``signals``,
``when``, the report and the dashboard): one :class:`LatestSignal` per name in its one
standard reading (:func:`~bubblescope.signals.reading.standard_reading`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bubblescope.model._typing import IntArray
from bubblescope.model.errors import DataError
from bubblescope.model.series import Series
from bubblescope.signals.lppls import LpplsConfidence, confidence, confidence_applies
from bubblescope.signals.reading import read_psy, standard_reading
from bubblescope.signals.registry import load_named

__all__ = ["AI_CONF_DAYS", "REPORT_LENGTHS", "REPORT_STEP", "LatestSignal", "latest_signal",
           "latest_signals", "recent_confidence", "report_confidence"]

#: The report's LPPLS panel: windows 750 … 125 trading days in steps of 25 (the FCO table
#: thinned 5×) at every 20th trading day.
REPORT_LENGTHS = np.arange(125, 751, 25)
REPORT_STEP = 20


@dataclass(frozen=True)
class LatestSignal:
    """The latest reading of one named series (its standard :class:`Reading`), or why it is
    missing. ``lppls_positive`` is the FCO confidence at the last date (NaN when not run);
    ``lppls_why`` says, when it is 0, which filters the windows' fits fail (a measured
    result, not an error: see docs/signals.md, "LPPLS confidence of the AI names")."""

    name: str
    date: str | None
    bsadf: float
    cv95: float
    gsadf: float
    gsadf_cv95: float
    lppls_positive: float
    reps: int
    missing: str | None = None
    since: str | None = None
    reading: str = ""
    p_gsadf: float | None = None
    method: str = ""
    lppls_why: str = ""

    @property
    def explosive(self) -> bool:
        """True when the latest BSADF exceeds its 95% critical value."""
        return self.bsadf > self.cv95

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields (NaN, for a missing name or no LPPLS, as ``None``)."""
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                for k, v in self.__dict__.items()}

    def __str__(self) -> str:
        if self.missing is not None:
            return f"{self.name:<6} not available: {self.missing}"
        flag = "EXPLOSIVE" if self.explosive else "not explosive"
        if self.explosive and self.since:
            flag += f" since {self.since}"
        lp = "" if np.isnan(self.lppls_positive) else (
            f", LPPLS confidence {self.lppls_positive:.0%}"
            + (f" ({self.lppls_why})" if self.lppls_why else ""))
        return (f"{self.name:<6} {self.date}: BSADF {self.bsadf:6.3f} vs 95% cv {self.cv95:.3f}"
                f" ({flag}); GSADF {self.gsadf:.3f} vs {self.gsadf_cv95:.3f}{lp}")


def latest_signal(name: str, data_dir: Path | None, *, cache_dir: Path | None = None,
                  lppls: bool = True) -> LatestSignal:
    """The standard reading of ``name`` at its last date (see :func:`latest_signals`)."""
    try:
        s = load_named(name, data_dir)
    except DataError as exc:
        issue = exc.issues[0]
        why = (f"{issue.file} not found ({issue.value}); Yahoo prices are not bundled: "
               "set $BUBBLESCOPE_DATA_DIR or the data directory option")
        return LatestSignal(name, None, np.nan, np.nan, np.nan, np.nan, np.nan, 0, why)
    reading = standard_reading(name)
    res = read_psy(s, reading, cache_dir=cache_dir)
    pos, why = np.nan, ""
    if lppls and confidence_applies(s):
        conf = confidence(s, rng=np.random.default_rng(reading.seed), cache_dir=cache_dir)
        pos, why = float(conf.positive[-1]), conf.why_none()
    pv = res.p_values()
    i = res.cv.index(res.level)
    return LatestSignal(name, str(s.end), float(res.stats.bsadf[-1]),
                        float(res.cv_sequence[-1]), res.stats.gsadf, float(res.cv.gsadf[i]),
                        pos, res.cv.reps, None,
                        None if res.since is None else str(res.since), res.describe(),
                        None if pv is None else pv["gsadf"], res.cv.method, why)


def latest_signals(
    names: Sequence[str],
    data_dir: Path | None,
    *,
    cache_dir: Path | None = None,
    lppls: bool = True,
) -> list[LatestSignal]:
    """The latest PSY and LPPLS reading of each name: its one standard reading.

    The same :func:`~bubblescope.signals.reading.standard_reading` that `signals --series
    NAME` uses (whole registered sample, PSY's window, table critical values), and with
    ``lppls`` the FCO confidence at the last date (windows 750…125 in steps of 5, seed 0),
    so every face prints the same numbers. Names whose data are absent give a
    :class:`LatestSignal` saying so.
    """
    return [latest_signal(n, data_dir, cache_dir=cache_dir, lppls=lppls) for n in names]


def report_confidence(series: Series, *, seed: int = 0, step: int = REPORT_STEP,
                      lengths: IntArray | None = None,
                      cache_dir: Path | None = None) -> LpplsConfidence | None:
    """LPPLS confidence over the history of ``series`` for the report's panel.

    End dates every ``step`` observations from the first with a full 750-day window, and
    always the last date; windows :data:`REPORT_LENGTHS`. ``None`` when the series is not
    daily, too short or not positive (the section then says why the panel is absent).
    ``cache_dir``: on-disk cache of the fits (see :func:`~bubblescope.signals.lppls.confidence`).
    """
    lens = REPORT_LENGTHS if lengths is None else np.asarray(lengths, dtype=np.int64)
    longest = int(lens.max())
    if not confidence_applies(series, longest):
        return None
    ends = np.unique(np.append(np.arange(longest - 1, len(series), step), len(series) - 1))
    return confidence(series, rng=np.random.default_rng(seed), ends=ends, lengths=lens,
                      cache_dir=cache_dir)


#: Trading days of LPPLS confidence history drawn for each AI name.
AI_CONF_DAYS = 500


def recent_confidence(series: Series, days: int = AI_CONF_DAYS, seed: int = 0, *,
                      cache_dir: Path | None = None) -> LpplsConfidence | None:
    """LPPLS confidence over the last ``days`` observations (every 20th and the last), with
    the report's windows; ``None`` when the series does not suit LPPLS. ``cache_dir`` as in
    :func:`report_confidence`."""
    longest = int(REPORT_LENGTHS.max())
    if not confidence_applies(series, longest):
        return None
    first = max(longest - 1, len(series) - days)
    ends = np.unique(np.append(np.arange(first, len(series), REPORT_STEP), len(series) - 1))
    return confidence(series, rng=np.random.default_rng(seed), ends=ends,
                      lengths=REPORT_LENGTHS, cache_dir=cache_dir)
