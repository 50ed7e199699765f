"""WHEN: explosive-price tests (PSY) and log-periodic power-law fits (LPPLS).

Entry points: :func:`psy_statistics`, :func:`monte_carlo_cv`, :func:`wild_bootstrap_cv`,
:func:`psy_analysis`, :func:`fit_lppls`, :func:`confidence`, and :func:`analyse` (all of it,
as every face reads a series: a :class:`SignalsResult` with its one JSON); series come from
:func:`read_series` (any CSV) or :func:`load_named` (the registry of demo series).
"""

from __future__ import annotations

from bubblescope.model.series import Series
from bubblescope.signals.analysis import SignalsResult, analyse
from bubblescope.signals.critical import CriticalValues, monte_carlo_cv, wild_bootstrap_cv
from bubblescope.signals.datestamp import Episode, PsyResult, date_stamp, psy_analysis
from bubblescope.signals.latest import LatestSignal, latest_signals
from bubblescope.signals.loaders import read_series
from bubblescope.signals.lppls import (
    Filters,
    LpplsConfidence,
    LpplsFit,
    SearchBox,
    confidence,
    fit_lppls,
)
from bubblescope.signals.psy import (
    PsyConfig,
    PsyStatistics,
    adf,
    bsadf_reference,
    default_window,
    psy_statistics,
)
from bubblescope.signals.registry import REGISTRY, find_data_dir, load_named, resolve_series
from bubblescope.signals.series import make_series

__all__ = [
    "REGISTRY",
    "CriticalValues",
    "Episode",
    "Filters",
    "LatestSignal",
    "LpplsConfidence",
    "LpplsFit",
    "PsyConfig",
    "PsyResult",
    "PsyStatistics",
    "SearchBox",
    "Series",
    "SignalsResult",
    "adf",
    "analyse",
    "bsadf_reference",
    "confidence",
    "date_stamp",
    "default_window",
    "find_data_dir",
    "fit_lppls",
    "latest_signals",
    "load_named",
    "make_series",
    "monte_carlo_cv",
    "psy_analysis",
    "psy_statistics",
    "read_series",
    "resolve_series",
    "wild_bootstrap_cv",
]
