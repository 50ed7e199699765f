"""The credit spread as a state: flows widen it, and it mean-reverts towards its base.

A credit spread is a price, not a stock: it rises when news arrives (a shock, a wave of
fallen angels, defaults) and gives the widening back as the news is absorbed. The engine's
spread (the BBB OAS, ``base_spread`` at the start) moves each quarter as

``s_t = b + k (s_{t-1} - b) + i_t``,  ``k = 0.5 ** (1 / SPREAD_HALF_LIFE_Q)``

with ``b`` the base spread and ``i_t`` the quarter's impulse: the scenario's spread shock
(:func:`shock_impulse`), plus ``spread_per_100bn_downgraded`` per USD 100bn of debt junked
*this quarter* and ``spread_per_100bn_defaulted`` per USD 100bn defaulted *this quarter*
(:func:`impulse`). Impulses are flows: debt junked or defaulted a year ago no longer holds
the spread up.

The scenario's shock builds over ``spread_build_quarters`` quarters: news of a credit
crisis arrives over quarters, not at once. The BBB OAS took 5.4 quarters (2002) and 7.3
(2008) from its lowest close of the two years before its peak to the peak
(:func:`~bubblescope.calibration.history.spread_episode` on the bundled series); the crash
presets build over 6, the mean, rounded. The shock's excess rises in equal steps to
``spread_shock`` in the build's last quarter, each step fading by the half-life below like
every other impulse, so the quarter's shock impulse is the step to the next level of the
ramp less what the last level keeps
(:func:`shock_impulse`); with one quarter it is the whole shock at once.

The half-life is fitted on the BBB OAS after its 2002 and 2008 peaks
(:data:`SPREAD_HALF_LIFE_Q`; ``tests/stress/test_spread.py`` re-derives it from the bundled
series). There is no persistent term: four to eight quarters after the peak the BBB OAS
stood about 1.1 points above its pre-crisis calm in 2010 but at its calm in 2004, so the
two episodes do not agree on one (see :data:`SPREAD_HALF_LIFE_Q`).

What rides on the spread's excess over its base (percentage points, :func:`excess_pp`):
the private-credit pools' credit cycle
(:func:`~bubblescope.stress.kernels.credit_pool.cycle_rate`), the spread and liquidity
premium of fund-held debt (:mod:`~bubblescope.stress.kernels.el_marks`), refinancing,
rollover and valuations. None of them fades the excess again: it fades once, here.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from bubblescope.model._typing import FloatArray

__all__ = ["SPREAD_HALF_LIFE_Q", "excess_pp", "impulse", "next_spread",
           "next_spread_reference", "shock_impulse"]

#: Half-life of the credit spread's excess over its base, quarters. Fitted on the ICE BofA
#: BBB OAS (FRED BAMLC0A4CBBB; ``shared/data/fred_BAMLC0A4CBBB.csv``, bundled as
#: ``data/history/ice_bofa_oas_daily.csv``): in each episode the calm level is the lowest
#: close within two years either side of the peak (2002: 1.19 on 2004-04-23 after the 4.03
#: peak of 2002-10-10; 2008: 1.12 on 2007-02-20 before the 8.04 peak of 2008-12-16), the
#: excess is each calendar quarter's mean less the calm, from the quarter with the highest
#: mean (2002Q4: 2.03 points; 2009Q1: 5.91) through the four after (2002: 1.30, 0.78, 0.50,
#: 0.25; 2008: 4.53, 2.47, 1.71, 1.16); the log excess over the peak quarter's is fitted
#: on quarters through the origin, pooled over both episodes: 1.53 quarters (2002 alone
#: 1.40, 2008 alone 1.70; the high-yield OAS, same method: 1.66 and 2.72). Confidence
#: medium: two episodes, and 2008's spread held near its peak for two quarters (2008Q4 and
#: 2009Q1 both about 7.0% on average) before it decayed, a plateau this recursion does not
#: have.
SPREAD_HALF_LIFE_Q: Final[float] = 1.53


def impulse(shock: FloatArray, junked_usd_bn: FloatArray, defaulted_usd_bn: FloatArray,
            per_100bn_junked: FloatArray, per_100bn_defaulted: FloatArray) -> FloatArray:
    """The quarter's widening of the spread (decimal), shape (n_paths,).

    ``shock + per_100bn_junked * junked / 100 + per_100bn_defaulted * defaulted / 100``,
    with ``shock`` the scenario's part (:func:`shock_impulse`: 0 outside its build) and
    ``junked`` and ``defaulted`` this quarter's flows, USD bn, shape (n_paths,).

    >>> impulse(np.array([0.03]), np.array([500.0]), np.array([100.0]),
    ...         np.array([0.002]), np.array([0.002])).round(6).tolist()
    [0.042]
    >>> impulse(np.array([0.0]), np.array([0.0]), np.array([0.0]),
    ...         np.array([0.002]), np.array([0.002])).tolist()
    [0.0]
    """
    out = (shock + per_100bn_junked * junked_usd_bn / 100.0
           + per_100bn_defaulted * defaulted_usd_bn / 100.0)
    return np.asarray(out, dtype=np.float64)


def shock_impulse(shock: FloatArray, since_shock: int, build_quarters: int,
                  half_life_q: float = SPREAD_HALF_LIFE_Q) -> FloatArray:
    """The scenario's part of the quarter's impulse (decimal), shape (n_paths,).

    ``j = since_shock`` quarters after the shock quarter (0 in it), for ``j <
    build_quarters``: ``shock * (j + 1) / N - k * shock * j / N`` with ``N =
    build_quarters`` and ``k = 0.5 ** (1 / half_life_q)``, so that the shock's own excess
    (the impulses so far, each fading by ``k`` a quarter) stands at ``shock * (j + 1) / N``;
    0 before the shock quarter and after the build. ``N = 1`` is the whole shock in its
    quarter.

    >>> shock_impulse(np.array([0.03]), 0, 1).tolist()
    [0.03]
    >>> steps = [shock_impulse(np.array([0.03]), j, 3, 1.0)[0] for j in range(-1, 4)]
    >>> [round(float(x), 4) for x in steps]
    [0.0, 0.01, 0.015, 0.02, 0.0]
    """
    if not 0 <= since_shock < build_quarters:
        return np.zeros_like(shock, dtype=np.float64)
    keep = 0.5 ** (1.0 / half_life_q)
    level = shock * (since_shock + 1) / build_quarters
    before = shock * since_shock / build_quarters
    return np.asarray(level - keep * before, dtype=np.float64)


def next_spread(spread: FloatArray, base: FloatArray, widening: FloatArray,
                half_life_q: float = SPREAD_HALF_LIFE_Q) -> FloatArray:
    """The spread after a quarter (decimal), shape (n_paths,).

    Parameters
    ----------
    spread : ndarray of shape (n_paths,)
        Spread at the end of the last quarter.
    base : ndarray of shape (n_paths,)
        The base the excess reverts to (the scenario's ``base_spread``).
    widening : ndarray of shape (n_paths,)
        This quarter's impulse (:func:`impulse`).
    half_life_q : float
        Half-life of the excess, quarters.

    Notes
    -----
    ``s_t = b + 0.5 ** (1 / h) * (s_{t-1} - b) + i_t``.

    Examples
    --------
    >>> next_spread(np.array([0.05]), np.array([0.01]), np.array([0.0]), 1.0).round(6).tolist()
    [0.03]
    >>> next_spread(np.array([0.01]), np.array([0.01]), np.array([0.03])).round(6).tolist()
    [0.04]
    """
    keep = 0.5 ** (1.0 / half_life_q)
    return np.asarray(base + keep * (spread - base) + widening, dtype=np.float64)


def next_spread_reference(spread: FloatArray, base: FloatArray, widening: FloatArray,
                          half_life_q: float = SPREAD_HALF_LIFE_Q) -> FloatArray:
    """Path by path, halving the excess ``1 / half_life_q`` times (twin of :func:`next_spread`)."""
    out = np.empty(len(spread))
    for p in range(len(spread)):
        excess = float(spread[p]) - float(base[p])
        out[p] = float(base[p]) + excess * 2.0 ** (-1.0 / half_life_q) + float(widening[p])
    return out


def excess_pp(spread: FloatArray, base: FloatArray) -> FloatArray:
    """The spread's excess over its base, percentage points, never below 0, shape (n_paths,).

    >>> excess_pp(np.array([0.06, 0.009]), np.array([0.01, 0.01])).round(6).tolist()
    [5.0, 0.0]
    """
    return np.asarray(100.0 * np.maximum(spread - base, 0.0), dtype=np.float64)
