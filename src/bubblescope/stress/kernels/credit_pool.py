"""A granular pool of many borrowers: it defaults name by name, not as one obligor.

A residual aggregate such as the web's ``other_tech_borrowers`` (seed 003's private credit
to tech not itemised elsewhere) is hundreds of middle-market borrowers. Defaulting it as
one name puts the whole aggregate into one quarter, a default rate no history has. Instead
each quarter a fraction of what is still outstanding defaults, at the constant hazard
implied by the pool's default probability over the rating horizon:

``d_q = 1 - (1 - PD_h)^(1 / (4 h))``

with ``PD_h`` the pool's probability of default over ``h`` years (the rating-anchored,
structurally moved PD of :func:`~bubblescope.stress.kernels.ratings.anchored_pd`). The
defaulted principal loses ``lgd`` (the pool's ``pool_lgd`` figure); the rest is recovered.

The credit cycle
----------------
A pool's borrowers default together in a bust far more than their own balance sheets
suggest: the one-factor (Vasicek) view of a loan book. The pool's annual default rate is
shifted in probit space by a credit-cycle factor ``c`` (percentage points of credit-spread
widening, :func:`cycle_factor`):

``a = Phi(Phi^-1(a_0) + CYCLE_PROBIT_PER_PP * c)``,

with ``a_0`` the pool's own annual PD. ``c`` follows the scenario's spread: widening adds
to it, tightening takes off, and it fades with a ``CYCLE_HALF_LIFE_Q`` half-life (the
engine's spread stays wide after a shock; defaults do not: :data:`CYCLE_HALF_LIFE_Q`).
The slope is calibrated on 2008 (:data:`CYCLE_PROBIT_PER_PP`). All arrays carry the path
axis first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy.special import ndtr, ndtri

from bubblescope.model._typing import FloatArray

__all__ = ["CYCLE_HALF_LIFE_Q", "CYCLE_PROBIT_PER_PP", "LOAN_DEFAULT_2009_PEAK",
           "LOAN_DEFAULT_AVERAGE", "PoolDefaults", "annual_rate", "cycle_factor",
           "cycle_rate", "pool_defaults", "pool_defaults_reference", "quarterly_default_rate"]

#: Peak trailing-12-month default rate of the S&P/LSTA Leveraged Loan Index by principal
#: amount, November 2009 (S&P Global Market Intelligence, LCD: "US leveraged loan default
#: rate dips to 0.58%, a 9-year low", 2021: "following the 10.81% November 2009 default
#: peak"). Confidence high.
LOAN_DEFAULT_2009_PEAK: Final[float] = 0.1081
#: Long-run average default rate of the same index, 3.1% (LCD, "US leveraged loan default
#: rate dips to 2.37%", 2018: "well inside the 3.1% historical average"). Confidence medium.
LOAN_DEFAULT_AVERAGE: Final[float] = 0.031
#: BBB OAS widening of 2008 that went with that peak, percentage points: 1.26% on
#: 2007-06-29 to 8.04% on 2008-12-16 (ICE BofA BBB OAS, FRED BAMLC0A4CBBB, measured from
#: ``shared/data/fred_BAMLC0A4CBBB.csv``).
BBB_WIDENING_2008_PP: Final[float] = 8.04 - 1.26
#: Half-life of the credit-cycle factor, quarters (assumption, confidence low): the loan
#: default rate fell from its November 2009 peak back towards its average within about a
#: year, and the BBB OAS gave back most of its widening within three quarters of its peak
#: (quarterly means 7.03% in 2009Q1, 2.83% in 2009Q4; FRED BAMLC0A4CBBB).
CYCLE_HALF_LIFE_Q: Final[float] = 4.0
#: Probit shift of a pool's annual default rate per percentage point of the cycle factor.
#: Calibrated so that 2008's BBB widening (:data:`BBB_WIDENING_2008_PP`), hitting a pool at
#: the loan market's average default rate (:data:`LOAN_DEFAULT_AVERAGE`) and fading with
#: :data:`CYCLE_HALF_LIFE_Q`, gives a first-year default rate of 10.81%, the 2009 peak
#: (:data:`LOAN_DEFAULT_2009_PEAK`); ``tests/stress/test_credit_pool.py`` re-derives it.
CYCLE_PROBIT_PER_PP: Final[float] = 0.1163


def annual_rate(pd_horizon: FloatArray, horizon_years: float = 10.0) -> FloatArray:
    """Annual default rate at the constant hazard of ``pd_horizon`` over ``horizon_years``.

    >>> round(float(annual_rate(np.array(1 - 0.9 ** 10))), 6)
    0.1
    """
    p = np.clip(np.asarray(pd_horizon, dtype=np.float64), 0.0, 1.0)
    return np.asarray(1.0 - (1.0 - p) ** (1.0 / horizon_years), dtype=np.float64)


def cycle_factor(previous: FloatArray, spread_before: FloatArray, spread_now: FloatArray,
                 half_life_q: float = CYCLE_HALF_LIFE_Q) -> FloatArray:
    """The credit-cycle factor after a quarter, percentage points, same shape as ``previous``.

    ``c_t = 0.5 ** (1 / half_life_q) * c_{t-1} + 100 * (s_t - s_{t-1})``: the quarter's
    spread change (decimal spreads) enters in full, then fades.

    >>> cycle_factor(np.array([0.0]), np.array([0.01]), np.array([0.05])).round(6).tolist()
    [4.0]
    >>> cycle_factor(np.array([4.0]), np.array([0.05]), np.array([0.05]), 1.0).tolist()
    [2.0]
    """
    keep = 0.5 ** (1.0 / half_life_q)
    return np.asarray(keep * previous + 100.0 * (spread_now - spread_before), dtype=np.float64)


def cycle_rate(annual: FloatArray, factor: FloatArray,
               per_pp: float = CYCLE_PROBIT_PER_PP) -> FloatArray:
    """Annual default rate moved by the credit cycle: ``Phi(Phi^-1(annual) + per_pp * c)``.

    Parameters
    ----------
    annual : ndarray
        The pool's own annual default rate (0..1).
    factor : ndarray
        Credit-cycle factor (:func:`cycle_factor`), broadcast against ``annual``.

    >>> round(float(cycle_rate(np.array(0.031), np.array(0.0))), 6)
    0.031
    >>> float(cycle_rate(np.array(0.031), np.array(6.78))) > 0.12
    True
    """
    a = np.clip(np.asarray(annual, dtype=np.float64), 1e-12, 1.0 - 1e-12)
    return np.asarray(ndtr(ndtri(a) + per_pp * np.asarray(factor)), dtype=np.float64)


def quarterly_default_rate(pd_horizon: FloatArray, horizon_years: float = 10.0) -> FloatArray:
    """Share of a pool's borrowers that default in one quarter at a constant hazard.

    Parameters
    ----------
    pd_horizon : ndarray
        Default probability over ``horizon_years`` (0..1).
    horizon_years : float
        The horizon of ``pd_horizon`` (the ratings' 10 years).

    Examples
    --------
    >>> round(float(quarterly_default_rate(np.array(1 - 0.9 ** 40), 10.0)), 6)
    0.1
    """
    p = np.clip(np.asarray(pd_horizon, dtype=np.float64), 0.0, 1.0)
    return np.asarray(1.0 - (1.0 - p) ** (1.0 / (4.0 * horizon_years)), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class PoolDefaults:
    """One quarter of a pool's defaults, per contract (n_paths, m), USD bn.

    ``defaulted`` is principal of borrowers that defaulted, ``written_off`` the holders'
    loss on it (``defaulted * lgd``), ``recovered`` what they get back.
    """

    defaulted: FloatArray
    written_off: FloatArray
    recovered: FloatArray


def pool_defaults(outstanding: FloatArray, rate: FloatArray, lgd: FloatArray) -> PoolDefaults:
    """Defaults of the quarter on each pool contract.

    Parameters
    ----------
    outstanding : ndarray of shape (n_paths, m)
        Principal outstanding (0 on contracts that are not pool loans).
    rate : ndarray of shape (n_paths, m)
        Quarterly default rate of each contract's pool (:func:`quarterly_default_rate`).
    lgd : ndarray of shape (m,)
        Loss given default of each contract's pool.

    >>> d = pool_defaults(np.array([[100.0, 50.0]]), np.array([[0.02, 0.0]]),
    ...                   np.array([0.5, 0.5]))
    >>> d.defaulted.tolist(), d.written_off.tolist(), d.recovered.tolist()
    ([[2.0, 0.0]], [[1.0, 0.0]], [[1.0, 0.0]])
    """
    defaulted = np.maximum(outstanding, 0.0) * np.clip(rate, 0.0, 1.0)
    lost = defaulted * np.clip(lgd, 0.0, 1.0)[None, :]
    return PoolDefaults(np.asarray(defaulted, dtype=np.float64),
                        np.asarray(lost, dtype=np.float64),
                        np.asarray(defaulted - lost, dtype=np.float64))


def pool_defaults_reference(outstanding: FloatArray, rate: FloatArray,
                            lgd: FloatArray) -> PoolDefaults:
    """Contract by contract (twin of :func:`pool_defaults`)."""
    d, w, r = (np.zeros_like(outstanding) for _ in range(3))
    for p in range(outstanding.shape[0]):
        for k in range(outstanding.shape[1]):
            x = max(float(outstanding[p, k]), 0.0) * min(max(float(rate[p, k]), 0.0), 1.0)
            loss = x * min(max(float(lgd[k]), 0.0), 1.0)
            d[p, k], w[p, k], r[p, k] = x, loss, x - loss
    return PoolDefaults(d, w, r)
