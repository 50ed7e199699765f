"""Realised volatility: each firm's, and how far a bust lifted an index's above calm years.

The stress engine's Merton default probabilities need each issuer's asset volatility and how
a crash changes it. Both are measured here from daily closes, so a reader can re-derive the
numbers the engine carries (``equity_volatility`` figures in the web, the presets'
``crisis_volatility_ratio`` and ``crisis_volatility_years``; tests/calibration re-derive them
from ``../shared/data``):

* a firm's equity volatility: the standard deviation of daily log returns over
  :data:`FIRM_WINDOW`, times ``sqrt(252)``;
* a bust's volatility: the index's realised volatility from its peak to its trough over that
  of :data:`CALM_WINDOWS` (three calendar years before the boom's run-up), and the length of
  the peak-to-trough window in years (:func:`crisis_volatility`).

Over a Merton horizon of ``h`` years a crisis that multiplies volatility by ``r`` for ``tau``
years raises the variance by ``(r^2 - 1) tau / h`` of the calm one
(:meth:`CrisisVolatility.horizon_multiplier`): the volatility a market reads into a 10-year
default probability at the shock, falling back to the calm one as the crisis ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import DataError

__all__ = ["CALM_WINDOWS", "FIRM_WINDOW", "TRADING_DAYS", "CrisisVolatility",
           "crisis_volatility", "realised_volatility"]

#: Trading days a year (annualising daily volatility).
TRADING_DAYS: Final[int] = 252
#: Window of the firms' equity volatility: the AI years after the 2022 drawdown, the regime
#: of the as-of date (2025-12-31).
FIRM_WINDOW: Final[tuple[str, str]] = ("2023-01-01", "2025-12-31")
#: Calm years before each bust's boom: three calendar years before the run-up (the Nasdaq's
#: 1998-99 and the S&P 500's 2007 volatility already rose).
CALM_WINDOWS: Final[dict[str, tuple[str, str]]] = {
    "dot-com": ("1995-01-01", "1997-12-31"),
    "2008": ("2004-01-01", "2006-12-31"),
}


@dataclass(frozen=True)
class CrisisVolatility:
    """How a bust lifted an index's volatility: ``ratio`` of the peak-to-trough realised
    volatility (``crisis``) to the calm years' (``calm``), over ``years`` (peak to trough)."""

    episode: str
    ratio: float
    years: float
    crisis: float
    calm: float

    def horizon_multiplier(self, horizon: float = 10.0) -> float:
        """Volatility over a ``horizon``-year default horizon starting at the shock, as a
        multiple of the calm one: ``sqrt(1 + (ratio^2 - 1) min(years, h) / h)``."""
        return float(np.sqrt(1.0 + (self.ratio ** 2 - 1.0) * min(self.years, horizon)
                             / horizon))


def realised_volatility(dates: np.ndarray, close: FloatArray, start: str, end: str,
                        name: str = "series") -> float:
    """Annualised realised volatility of daily log returns between ``start`` and ``end``.

    Parameters
    ----------
    dates : ndarray of str, shape (n,)
        ISO dates in time order.
    close : ndarray of shape (n,)
        Positive closes (NaN rows, holidays, are dropped).
    start, end : str
        ISO dates, inclusive.

    Examples
    --------
    >>> d = np.array(["2020-01-01", "2020-01-02", "2020-01-03"])
    >>> round(realised_volatility(d, np.array([1.0, 1.01, 1.0]), "2020-01-01", "2020-12-31"),
    ...       4)
    0.2234
    """
    d = np.asarray(dates).astype(str)
    x = np.asarray(close, dtype=np.float64)
    keep = (d >= start) & (d <= end) & np.isfinite(x)
    x = x[keep]
    if x.size < 3 or np.any(x <= 0):
        raise DataError.single(name, None, "close", f"needs at least 3 positive closes "
                               f"between {start} and {end}", int(x.size))
    returns = np.diff(np.log(x))
    return float(returns.std(ddof=1) * np.sqrt(TRADING_DAYS))


def crisis_volatility(episode: str, dates: np.ndarray, close: FloatArray, peak: str,
                      trough: str, name: str = "index") -> CrisisVolatility:
    """Realised volatility from ``peak`` to ``trough`` over that of the calm years of
    ``episode`` (:data:`CALM_WINDOWS`), and the crisis length in years.

    ``peak`` and ``trough`` are the index's peak-to-trough dates of the bust (measured by
    :func:`~bubblescope.calibration.history.max_drawdown`).
    """
    calm = realised_volatility(dates, close, *CALM_WINDOWS[episode], name=name)
    crisis = realised_volatility(dates, close, peak, trough, name=name)
    years = float((np.datetime64(trough) - np.datetime64(peak)).astype(int)) / 365.25
    return CrisisVolatility(episode, crisis / calm, years, crisis, calm)
