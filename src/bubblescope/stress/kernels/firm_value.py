"""Valuation per firm: a non-AI part on the broad market and an AI part on an anchored AI index.

A listed firm's value relative to the start is

``V_i = (1 - a_i) * M ** beta_i + a_i * A``

with ``a_i`` its AI share of value (sourced per firm: AI revenue, AI segment, backlog or
capex share; pure plays 1; web figure ``ai_value_share``), ``M`` the broad market and ``A``
the AI index. A diversified hyperscaler therefore falls with the AI index only in
proportion to its AI share: it cannot lose 95% while its other businesses keep earning
(no dot-com survivor that was a large, profitable firm did; CALIBRATION.md).

The AI index has a fundamental anchor: AI revenue and the growth priced into it,

``A = S * K ** b_k * G(g, r + dr) / G(g_0, r) * (1 - s_t)``

with ``S`` realised over priced-in AI revenue (the revenue surprise), ``K`` capex over plan,
``G`` the value of a dollar of revenue growing at ``g`` for ``HORIZON_YEARS`` then at
``TERMINAL_GROWTH``, discounted at ``r`` (plus ``SPREAD_TO_DISCOUNT`` of the rise in credit
spreads ``dr``), and
``s_t`` a one-off sentiment shock that fades with a half-life. Growth priced in is floored
at ``GROWTH_FLOOR`` (0: the market stops paying for growth but still pays for today's
revenue), so the index cannot fall without limit while AI revenue is earned.

Parameter sources: ``DISCOUNT_RATE`` 0.10 (10-year Treasury ~4.5% plus an equity risk
premium ~5.5%; **assumption**); ``HORIZON_YEARS`` 3 (the explicit forecast period of a
typical equity analyst's model: above-trend growth is paid for three years) and
``TERMINAL_GROWTH`` 0.03 (**assumption**, a standard two-stage model).
"""

from __future__ import annotations

from typing import Final

import numpy as np

from bubblescope.model._typing import FloatArray

__all__ = [
    "DISCOUNT_RATE",
    "GROWTH_FLOOR",
    "HORIZON_YEARS",
    "SPREAD_TO_DISCOUNT",
    "TERMINAL_GROWTH",
    "ai_index",
    "drawdowns",
    "firm_value",
    "firm_value_reference",
    "growth_multiple",
    "market_index",
    "sentiment",
]

DISCOUNT_RATE: Final[float] = 0.10
HORIZON_YEARS: Final[int] = 3
TERMINAL_GROWTH: Final[float] = 0.03
GROWTH_FLOOR: Final[float] = 0.0
#: Share of a rise in credit spreads that reaches the equity discount rate (**assumption**:
#: in 2008 the BBB spread rose about 6.5 pp while estimates of the equity risk premium rose
#: by roughly half that).
SPREAD_TO_DISCOUNT: Final[float] = 0.5


def growth_multiple(growth: FloatArray, rate: FloatArray, *, horizon: int = HORIZON_YEARS,
                    terminal: float = TERMINAL_GROWTH) -> FloatArray:
    """Value of one unit of annual revenue growing at ``growth`` for ``horizon`` years.

    Parameters
    ----------
    growth, rate : ndarray of shape (n_paths,)
        Growth per year in the first stage; discount rate per year (> ``terminal``).
    horizon : int
        Years of the first stage.
    terminal : float
        Growth per year after it.

    Notes
    -----
    ``G = sum_{h=1}^{H} q^h + q^H (1 + g_T) / (r - g_T)`` with ``q = (1 + g) / (1 + r)``.

    Examples
    --------
    >>> g = growth_multiple(np.array([0.0]), np.array([0.1]), horizon=1, terminal=0.0)
    >>> round(float(g[0]), 9)
    10.0
    """
    q = (1.0 + growth) / (1.0 + rate)
    h = np.arange(1, horizon + 1, dtype=np.float64)
    stage = (q[:, None] ** h[None, :]).sum(axis=1)
    tail = q**horizon * (1.0 + terminal) / np.maximum(rate - terminal, 1e-3)
    return np.asarray(stage + tail, dtype=np.float64)


def sentiment(shock: FloatArray, quarters_since: int, half_life: FloatArray) -> FloatArray:
    """Share of a one-off equity shock still priced ``quarters_since`` quarters after it.

    ``shock * 0.5 ** (quarters_since / half_life)``; 0 before the shock (negative quarters).

    >>> sentiment(np.array([0.4]), 4, np.array([4.0])).tolist()
    [0.2]
    """
    if quarters_since < 0:
        return np.zeros_like(shock)
    return np.asarray(shock * 0.5 ** (quarters_since / np.maximum(half_life, 1e-9)),
                      dtype=np.float64)


def ai_index(surprise: FloatArray, capex_index: FloatArray, expected_growth: FloatArray,
             growth0: FloatArray, spread_excess: FloatArray, shock_left: FloatArray,
             beta_revenue: FloatArray, beta_capex: FloatArray) -> FloatArray:
    """The anchored AI index relative to the start, shape (n_paths,).

    Parameters
    ----------
    surprise : ndarray of shape (n_paths,)
        Realised over priced-in AI revenue (1 = as priced in).
    capex_index : ndarray of shape (n_paths,)
        Capex spent over plan (spending supports valuations: seed 004's reflexive loop).
    expected_growth, growth0 : ndarray of shape (n_paths,)
        Growth priced in now and at the start.
    spread_excess : ndarray of shape (n_paths,)
        Rise of credit spreads since the start (decimal), added to the discount rate.
    shock_left : ndarray of shape (n_paths,)
        Sentiment shock still priced (:func:`sentiment`).
    beta_revenue, beta_capex : ndarray of shape (n_paths,)
        Elasticities to the surprise and to capex.

    Examples
    --------
    >>> one, zero = np.ones(1), np.zeros(1)
    >>> float(ai_index(one, one, one * .5, one * .5, zero, zero, one, one)[0])
    1.0
    """
    g = np.maximum(expected_growth, GROWTH_FLOOR)
    r0 = np.full_like(growth0, DISCOUNT_RATE)
    ratio = (growth_multiple(g, r0 + SPREAD_TO_DISCOUNT * np.maximum(spread_excess, 0.0))
             / growth_multiple(np.maximum(growth0, GROWTH_FLOOR), r0))
    tiny = 1e-12
    log_a = (beta_revenue * np.log(np.maximum(surprise, tiny))
             + beta_capex * np.log(np.maximum(capex_index, tiny)) + np.log(ratio)
             + np.log(np.maximum(1.0 - shock_left, tiny)))
    return np.asarray(np.exp(log_a), dtype=np.float64)


def market_index(spread_excess: FloatArray, beta_spread: FloatArray) -> FloatArray:
    """The broad (non-AI) market relative to the start: ``exp(-beta * max(dS, 0))``.

    >>> round(float(market_index(np.array([0.02]), np.array([5.0]))[0]), 4)
    0.9048
    """
    return np.asarray(np.exp(-beta_spread * np.maximum(spread_excess, 0.0)), dtype=np.float64)


def firm_value(ai: FloatArray, market: FloatArray, ai_share: FloatArray,
               beta: FloatArray) -> FloatArray:
    """Value of each firm relative to the start, shape (n_paths, n).

    Parameters
    ----------
    ai, market : ndarray of shape (n_paths,)
        The AI index and the broad market.
    ai_share : ndarray of shape (n,)
        Each firm's AI share of value, in [0, 1].
    beta : ndarray of shape (n,)
        Each firm's beta to the broad market.

    Notes
    -----
    ``V_i = (1 - a_i) M ** beta_i + a_i A``.

    Examples
    --------
    >>> firm_value(np.array([0.2]), np.array([0.9]), np.array([0.3, 1.0]),
    ...            np.array([1.0, 1.0])).round(3).tolist()
    [[0.69, 0.2]]
    """
    non_ai = (1.0 - ai_share)[None, :] * np.maximum(market, 0.0)[:, None] ** beta[None, :]
    return np.asarray(non_ai + ai_share[None, :] * ai[:, None], dtype=np.float64)


def firm_value_reference(ai: FloatArray, market: FloatArray, ai_share: FloatArray,
                         beta: FloatArray) -> FloatArray:
    """Slow twin of :func:`firm_value` (loops over paths and firms)."""
    out = np.zeros((ai.size, ai_share.size))
    for p in range(ai.size):
        for i in range(ai_share.size):
            out[p, i] = (1 - ai_share[i]) * max(market[p], 0.0) ** beta[i] + ai_share[i] * ai[p]
    return out


def drawdowns(valuation: FloatArray) -> FloatArray:
    """Peak-to-trough fall of each firm's value over the run, shape (n_paths, n).

    ``valuation`` has shape (n_paths, quarters, n) and is relative to the start (1); the
    start counts as a peak. A firm that defaulted (value 0) has a drawdown of 1.

    >>> drawdowns(np.array([[[1.0], [1.2], [0.6], [0.9]]])).tolist()
    [[0.5]]
    """
    n_paths, _, n = valuation.shape
    path = np.concatenate([np.ones((n_paths, 1, n)), valuation], axis=1)
    peak = np.maximum.accumulate(path, axis=1)
    fall = 1.0 - path / np.where(peak > 0, peak, 1.0)
    return np.asarray(fall.max(axis=1), dtype=np.float64)
