"""One PSY reading per series: the configuration every face uses and states.

A :class:`Reading` fixes everything that changes the numbers: the sample (the registry's
dates, optionally cut by ``start``/``end``), the transform, the ADF window, lag and
deterministic terms, the critical-value method and its replications, the level and the
minimum duration. :func:`standard_reading` gives a series' one default; ``run``,
``signals``, the report and the dashboard all call :func:`read_psy` with it, so they print
the same statistic against the same critical value for the same date, and each prints
:meth:`~bubblescope.signals.datestamp.PsyResult.describe`.

Critical values come from the shipped table (:mod:`bubblescope.signals.cvtable`) whenever
it covers the configuration (lag 0, fixed, constant; the PSY default), otherwise from a
cached Monte Carlo; ``--reps N`` or ``--bootstrap N`` ask for simulation explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from bubblescope.model.errors import ScenarioError
from bubblescope.model.series import Series
from bubblescope.signals.critical import (
    CriticalValues,
    Progress,
    monte_carlo_cv,
    wild_bootstrap_cv,
)
from bubblescope.signals.cvtable import load_table, table_applies, table_cv
from bubblescope.signals.datestamp import PsyResult, psy_analysis, psy_input
from bubblescope.signals.psy import PsyConfig
from bubblescope.signals.registry import REGISTRY, Transform

__all__ = ["DEFAULT_REPS", "CvMethod", "Reading", "critical_values", "read_psy",
           "select", "standard_reading"]

CvMethod = Literal["table", "monte-carlo", "wild-bootstrap"]
#: Replications of a simulated Monte Carlo when the table does not apply.
DEFAULT_REPS = 2000


@dataclass(frozen=True)
class Reading:
    """The PSY configuration of one series (see the module docstring).

    ``reps`` is the Monte Carlo replications or bootstrap resamples (ignored for the
    table); ``start``/``end`` cut the series (inclusive, ``YYYY[-MM[-DD]]``); ``seed``
    drives any simulation.
    """

    transform: Transform = "log"
    config: PsyConfig = field(default_factory=PsyConfig)
    cv_method: CvMethod = "table"
    reps: int = DEFAULT_REPS
    level: float = 0.95
    min_duration: int | None = None
    merge_gap: int = 0
    start: str | None = None
    end: str | None = None
    seed: int = 0

    def resolved(self, T: int) -> Reading:
        """The same reading with ``table`` replaced by Monte Carlo where the table cannot
        serve (another lag rule, a trend, or a window below the table's smallest)."""
        if self.cv_method != "table":
            return self
        w = self.config.resolved_window(T)
        if table_applies(self.config) and w >= int(load_table().windows[0]):
            return self
        return replace(self, cv_method="monte-carlo")


def standard_reading(name: str | None = None) -> Reading:
    """The one reading of registry series ``name`` (a CSV's default for ``None``/unknown).

    Registry transform, lag and lag rule; PSY's default window; constant only; critical
    values from the shipped table (Monte Carlo with :data:`DEFAULT_REPS` where it does not
    apply); 95% level; minimum duration ⌊ln T⌋; the registry's sample.

    >>> r = standard_reading("sp500-pd"); r.transform, r.cv_method, r.config.lag
    ('level', 'table', 0)
    """
    spec = REGISTRY.get(name) if name is not None else None
    if spec is None:
        return Reading()
    return Reading(transform=spec.transform, config=PsyConfig(lag=spec.lag, ic=spec.ic))


def select(series: Series, start: str | None, end: str | None) -> Series:
    """``series`` cut to ``start``..``end`` (inclusive); ScenarioError when nothing is left."""
    if start is None and end is None:
        return series
    out = series.between(start, end)
    if len(out) == 0:
        raise ScenarioError(f"start {start} / end {end} select no observation of "
                            f"{series.name} ({series.start} .. {series.end})")
    return out


def critical_values(y: np.ndarray, reading: Reading, *, cache_dir: Path | None = None,
                    progress: Progress | None = None) -> CriticalValues:
    """Critical values for the tested values ``y`` (shape (T,)) under ``reading``."""
    T = int(y.shape[0])
    r = reading.resolved(T)
    rng = np.random.default_rng(r.seed)
    if r.cv_method == "table":
        return table_cv(T, r.config)
    if r.cv_method == "wild-bootstrap":
        return wild_bootstrap_cv(y, r.config, reps=r.reps, rng=rng, progress=progress)
    return monte_carlo_cv(T, r.config, reps=r.reps, rng=rng, cache_dir=cache_dir,
                          progress=progress)


def read_psy(series: Series, reading: Reading, *, cache_dir: Path | None = None,
             progress: Progress | None = None) -> PsyResult:
    """The PSY reading of ``series`` (cut to the reading's sample) under ``reading``.

    The input is checked (length for the window, positivity for logs) before any critical
    values are simulated.
    """
    s = select(series, reading.start, reading.end)
    y = psy_input(s, reading.config, reading.transform)
    cv = critical_values(y, reading, cache_dir=cache_dir, progress=progress)
    return psy_analysis(s, cv, reading.config, transform=reading.transform,
                        level=reading.level, min_duration=reading.min_duration,
                        merge_gap=reading.merge_gap)
