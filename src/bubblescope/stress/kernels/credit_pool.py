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
shifted in probit space by a credit-cycle factor ``c``, the credit spread's excess over its
base in percentage points (:func:`~bubblescope.stress.kernels.spread.excess_pp`):

``a = Phi(max(Phi^-1(a_now), Phi^-1(a_0) + CYCLE_PROBIT_PER_PP * c))``,

with ``a_0`` the pool's annual PD at the start and ``a_now`` its structural PD now
(:func:`cycle_rate`). The spread is itself a mean-reverting state
(:mod:`~bubblescope.stress.kernels.spread`), so the factor follows it and does not fade a
second time. The slope is calibrated on 2008 (:data:`CYCLE_PROBIT_PER_PP`): the BBB OAS
path of 2008-09 on a pool at the loan market's average default rate gives the 2009 peak.

The systematic factor is counted once: the 2008 calibration maps spreads to the default
rate of borrowers whose own equity fell with the market, so the spread already carries the
market-wide part of a structural (Merton) move. A pool's structural PD moves with the AI
index, the market index and the shocked asset volatility; adding the cycle on top of it
counted the market's fall twice. The rate is therefore the larger of the structural PD and
the cycle applied to the starting PD: a pool whose borrowers fall further than the market's
spreads imply keeps its own, worse PD. All arrays carry the path axis first.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Final

import numpy as np
from scipy.special import ndtr, ndtri

from bubblescope.model._typing import FloatArray

__all__ = ["CYCLE_PROBIT_PER_PP", "LOAN_DEFAULT_2009_PEAK", "LOAN_DEFAULT_AVERAGE",
           "PoolDefaults", "annual_rate", "cycle_rate", "cycle_rate_reference",
           "pool_defaults", "pool_defaults_reference", "quarterly_default_rate"]

#: Peak trailing-12-month default rate of the S&P/LSTA Leveraged Loan Index by principal
#: amount, November 2009 (S&P Global Market Intelligence, LCD: "US leveraged loan default
#: rate dips to 0.58%, a 9-year low", 2021: "following the 10.81% November 2009 default
#: peak"). Confidence high.
LOAN_DEFAULT_2009_PEAK: Final[float] = 0.1081
#: Long-run average default rate of the same index, 3.1% (LCD, "US leveraged loan default
#: rate dips to 2.37%", 2018: "well inside the 3.1% historical average"). Confidence medium.
LOAN_DEFAULT_AVERAGE: Final[float] = 0.031
#: Probit shift of a pool's annual default rate per percentage point of the spread's excess
#: over its base. Calibrated on 2008-09: a pool at the loan market's average default rate
#: (:data:`LOAN_DEFAULT_AVERAGE`) whose defaults in 2009Q1-Q4 each read the BBB OAS excess
#: of the quarter before (the engine's timing: a pool defaults on the spread left by the last
#: quarter) -- quarterly means of 2008Q4 to 2009Q3 less the 1.12% calm of 2007-02-20, i.e.
#: 5.90, 5.91, 4.53 and 2.47 points (ICE BofA BBB OAS, FRED BAMLC0A4CBBB,
#: ``shared/data/fred_BAMLC0A4CBBB.csv``) -- defaults 10.81% in the year, the November 2009
#: peak (:data:`LOAN_DEFAULT_2009_PEAK`). ``tests/stress/test_spread.py`` re-derives it from
#: the bundled series. (Before the spread mean-reverted: 0.1163 on a 6.78-point widening
#: fading with a 4-quarter half-life.)
CYCLE_PROBIT_PER_PP: Final[float] = 0.1291


def annual_rate(pd_horizon: FloatArray, horizon_years: float = 10.0) -> FloatArray:
    """Annual default rate at the constant hazard of ``pd_horizon`` over ``horizon_years``.

    >>> round(float(annual_rate(np.array(1 - 0.9 ** 10))), 6)
    0.1
    """
    p = np.clip(np.asarray(pd_horizon, dtype=np.float64), 0.0, 1.0)
    return np.asarray(1.0 - (1.0 - p) ** (1.0 / horizon_years), dtype=np.float64)


def cycle_rate(annual: FloatArray, factor: FloatArray, per_pp: float = CYCLE_PROBIT_PER_PP,
               annual_now: FloatArray | None = None) -> FloatArray:
    """Annual default rate moved by the credit cycle, the systematic factor counted once.

    ``Phi(max(Phi^-1(annual_now), Phi^-1(annual) + per_pp * c))``.

    Parameters
    ----------
    annual : ndarray
        The pool's annual default rate at the start (0..1), what the cycle moves.
    factor : ndarray
        Credit-cycle factor ``c``: the spread's excess over its base, percentage points
        (:func:`~bubblescope.stress.kernels.spread.excess_pp`), broadcast against ``annual``.
    per_pp : float
        Probit shift per percentage point.
    annual_now : ndarray, optional
        The pool's structural annual rate now (same shape as ``annual``); where it is worse
        than the cycle's, it is the rate. Default: ``annual``.

    >>> round(float(cycle_rate(np.array(0.031), np.array(0.0))), 6)
    0.031
    >>> float(cycle_rate(np.array(0.031), np.array(6.78))) > 0.12
    True
    >>> round(float(cycle_rate(np.array(0.03), np.array(0.0), annual_now=np.array(0.05))), 6)
    0.05
    """
    a = np.clip(np.asarray(annual, dtype=np.float64), 1e-12, 1.0 - 1e-12)
    z = ndtri(a) + per_pp * np.asarray(factor)
    if annual_now is not None:
        now = np.clip(np.asarray(annual_now, dtype=np.float64), 1e-12, 1.0 - 1e-12)
        z = np.maximum(z, ndtri(now))
    return np.asarray(ndtr(z), dtype=np.float64)


def cycle_rate_reference(annual: FloatArray, factor: FloatArray, per_pp: float,
                         annual_now: FloatArray) -> FloatArray:
    """Element by element, the worse of the two rates (twin of :func:`cycle_rate`)."""
    nd = NormalDist()
    a0, c, now = (np.broadcast_to(np.asarray(x, dtype=np.float64), np.shape(annual_now))
                  for x in (annual, factor, annual_now))
    out = np.empty(np.shape(annual_now))
    for i in np.ndindex(out.shape):
        lo = min(max(float(a0[i]), 1e-12), 1.0 - 1e-12)
        cyc = nd.cdf(nd.inv_cdf(lo) + per_pp * float(c[i]))
        out[i] = max(cyc, min(max(float(now[i]), 1e-12), 1.0 - 1e-12))
    return out


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
