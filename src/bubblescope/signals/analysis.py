"""The signals analysis of one series and its one JSON schema.

:func:`analyse` reads a series the way every face does: its PSY reading
(:func:`~bubblescope.signals.reading.read_psy`), and when asked the LPPLS confidence at its
last date (FCO windows 750…125, seed ``reading.seed``), one LPPLS fit over the whole sample
(best of 32 restarts) and the robustness of its dating across windows and lags.
:meth:`SignalsResult.to_dict` is the one serialiser of the result: ``bubblescope signals
--json`` prints it, the ``signals`` part of ``bubblescope run --json`` carries it under
``analysis`` and the dashboard's ``/api/signals/{name}`` sends it with the page's own
presentation under ``view`` (docs/json.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bubblescope.model.jsonsafe import finite
from bubblescope.model.series import Series
from bubblescope.signals.critical import Progress
from bubblescope.signals.datestamp import PsyResult
from bubblescope.signals.lppls import (
    LpplsConfidence,
    LpplsFit,
    confidence,
    confidence_applies,
    fit_lppls,
)
from bubblescope.signals.reading import Reading, read_psy, select
from bubblescope.signals.robust import Robustness, robustness

__all__ = ["FIT_STARTS", "SignalsResult", "analyse"]

#: Restarts of the one LPPLS fit over the whole sample (``lppls_fit``).
FIT_STARTS = 32


@dataclass(frozen=True, eq=False)
class SignalsResult:
    """What the signals analysis of one series found.

    ``psy`` is its PSY reading; ``lppls`` the LPPLS confidence at its last date, ``lppls_fit``
    one LPPLS fit over the whole sample and ``robustness`` the dating across windows and
    lags, each ``None`` when not asked for or (``lppls``) when the series does not suit
    LPPLS (not daily, shorter than 750 observations or not positive). ``transform_source``
    says where the transform came from and ``note`` is the series' note on its lag rule.
    """

    psy: PsyResult
    lppls: LpplsConfidence | None = None
    lppls_fit: LpplsFit | None = None
    robustness: Robustness | None = None
    transform_source: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON data (non-finite numbers as ``None``, dates as ISO text):
        :meth:`PsyResult.to_dict <bubblescope.signals.datestamp.PsyResult.to_dict>` and
        ``transform_source``, ``note``, ``lppls``, ``lppls_fit``, ``robustness``."""
        fit = self.lppls_fit
        start, end = (str(d) for d in self.psy.sample)
        return dict(finite({
            **self.psy.to_dict(),
            "transform_source": self.transform_source, "note": self.note or None,
            "lppls": None if self.lppls is None else _confidence(self.lppls),
            "lppls_fit": None if fit is None else {
                "tc_date": str(fit.tc_date), "m": fit.m, "omega": fit.omega, "B": fit.B,
                "sse": fit.sse, "converged": fit.converged, "qualified": fit.qualified(),
                "start": start, "end": end},
            "robustness": None if self.robustness is None else self.robustness.to_dict(),
        }))


def _confidence(conf: LpplsConfidence) -> dict[str, Any]:
    """The confidence at the last end date: shares of windows with a qualified positive and
    negative bubble, the 10/50/90% quantiles of tc (years past the origin, ``None`` without a
    qualified fit), each filter's passing share and, at 0, why."""
    return {"date": str(conf.dates[-1]), "positive": float(conf.positive[-1]),
            "negative": float(conf.negative[-1]),
            "tc_years_q10_50_90": [float(v) for v in conf.tc_quantiles()[-1]],
            "filter_shares": conf.filter_shares(), "why_zero": conf.why_none() or None}


def analyse(series: Series, reading: Reading, *, lppls: bool = True, fit: bool = False,
            robust: bool = False, cache_dir: Path | None = None,
            progress: Progress | None = None, transform_source: str = "",
            note: str = "") -> SignalsResult:
    """The signals analysis of ``series`` under ``reading`` (see the module docstring).

    Parameters
    ----------
    series : Series
        The whole series; ``reading.start``/``reading.end`` cut it.
    reading : Reading
        The PSY configuration (:func:`~bubblescope.signals.reading.standard_reading` for a
        series' one standard reading).
    lppls, fit, robust : bool
        Add the LPPLS confidence at the last date (when the series suits it), one LPPLS
        fit over the whole sample, the robustness of the dating.
    cache_dir : Path, optional
        Cache of simulated critical values.
    progress : callable, optional
        Hears ``progress(done, total)`` replications of simulated critical values.
    transform_source, note : str
        Carried into the result as they are (where the transform came from; the series'
        note on its lag rule).
    """
    psy = read_psy(series, reading, cache_dir=cache_dir, progress=progress)
    s = select(series, reading.start, reading.end)
    conf = (confidence(s, rng=np.random.default_rng(reading.seed), cache_dir=cache_dir)
            if lppls and confidence_applies(s) else None)
    one = (fit_lppls(s, rng=np.random.default_rng(reading.seed), n_starts=FIT_STARTS)
           if fit else None)
    table = robustness(s, reading, base=psy) if robust else None
    return SignalsResult(psy, conf, one, table, transform_source, note)
