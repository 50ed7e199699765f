"""Funding and valuation: the reflexive loop of seed 004.

Valuations rise with AI revenue surprises and with spending and fall with credit spreads;
equity raising and the rollover of maturing debt depend on valuations and spreads, so a
reversal of sentiment cuts financing, which cuts spending, which cuts valuations.
All arrays carry the path axis first.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from bubblescope.model._typing import BoolArray, FloatArray

__all__ = [
    "default_probability", "distance_to_default", "equity_capacity", "rollover_share",
    "valuation",
]


def valuation(
    surprise: FloatArray, capex_index: FloatArray, spread_excess: FloatArray,
    shock: FloatArray, beta_revenue: FloatArray, beta_capex: FloatArray,
    beta_spread: FloatArray,
) -> FloatArray:
    """Valuation index of AI firms relative to the start, shape (n_paths,).

    Parameters
    ----------
    surprise : ndarray of shape (n_paths,)
        Realised over expected AI revenue (1 = as priced in).
    capex_index : ndarray of shape (n_paths,)
        Capex spent over the planned path (1 = on plan): spending supports valuations.
    spread_excess : ndarray of shape (n_paths,)
        Credit spread above its starting level (decimal).
    shock : ndarray of shape (n_paths,)
        Cumulative one-off equity shock (fraction lost, 0 = none).
    beta_revenue, beta_capex, beta_spread : ndarray of shape (n_paths,)
        Elasticities.

    Notes
    -----
    ``log V = b_r log(surprise) + b_k log(capex_index) - b_s spread_excess + log(1 - shock)``.

    Examples
    --------
    >>> one = np.ones(1)
    >>> float(valuation(one, one, 0 * one, 0 * one, one, one, one)[0])
    1.0
    """
    tiny = 1e-12
    log_v = (
        beta_revenue * np.log(np.maximum(surprise, tiny))
        + beta_capex * np.log(np.maximum(capex_index, tiny))
        - beta_spread * spread_excess
        + np.log(np.maximum(1.0 - shock, tiny))
    )
    return np.asarray(np.exp(log_v), dtype=np.float64)


def rollover_share(
    valuation_index: FloatArray, spread_excess: FloatArray, base: FloatArray,
    elasticity: FloatArray, sensitivity: FloatArray,
) -> FloatArray:
    """Share of maturing debt that lenders roll over, shape (n_paths, n).

    ``base * min(V, 1)**elasticity * exp(-sensitivity * max(spread_excess, 0))``, with the
    per-path parameters of shape (n_paths,) and ``valuation_index`` of shape (n_paths, n).

    >>> float(rollover_share(np.ones((1, 1)), np.zeros(1), np.full(1, .9), np.ones(1),
    ...                      np.ones(1))[0, 0])
    0.9
    """
    v = np.clip(valuation_index, 0.0, 1.0) ** elasticity[:, None]
    calm = np.exp(-sensitivity * np.maximum(spread_excess, 0.0))
    return np.asarray(base[:, None] * v * calm[:, None], dtype=np.float64)


def equity_capacity(
    market_cap: FloatArray, valuation_index: FloatArray, capacity: FloatArray, listed: BoolArray,
) -> FloatArray:
    """New equity a firm can raise this quarter, USD bn, shape (n_paths, n).

    ``capacity * market_cap * V`` for firms with a market valuation, 0 otherwise.

    >>> equity_capacity(np.array([100.0]), np.array([[0.5]]), np.array([0.02]),
    ...                 np.array([True])).tolist()
    [[1.0]]
    """
    return np.asarray(
        capacity[:, None] * market_cap[None, :] * np.maximum(valuation_index, 0.0) * listed,
        dtype=np.float64,
    )


def default_probability(
    equity_value: FloatArray, liabilities: FloatArray, sigma: FloatArray, horizon: float = 10.0,
) -> FloatArray:
    """Merton default probability over ``horizon`` years, shape (n_paths, n).

    Parameters
    ----------
    equity_value, liabilities : ndarray of shape (n_paths, n)
        Market value of equity and what the entity owes (debt plus remaining commitments).
    sigma : ndarray of shape (n_paths,)
        Asset volatility per sqrt(year).

    Notes
    -----
    Assets ``A = E + D``; distance to default ``DD = ln(A / D) / (sigma sqrt(h))`` (zero
    drift); ``PD = Phi(-DD)``. An entity owing nothing has ``PD = 0``.

    References
    ----------
    Merton, R. C. (1974). On the pricing of corporate debt. Journal of Finance 29(2).

    >>> round(float(default_probability(np.array([[1.0]]), np.array([[1.0]]),
    ...                                 np.array([0.3]), 1.0)[0, 0]), 4)
    0.0104
    """
    return np.asarray(ndtr(-distance_to_default(equity_value, liabilities, sigma, horizon)),
                      dtype=np.float64)


def distance_to_default(
    equity_value: FloatArray, liabilities: FloatArray, sigma: FloatArray, horizon: float = 10.0,
) -> FloatArray:
    """Merton distance to default ``ln(A / D) / (sigma sqrt(h))``, ``+inf`` owing nothing.

    >>> distance_to_default(np.array([[1.0, 1.0]]), np.array([[1.0, 0.0]]),
    ...                     np.array([0.5]), 1.0).round(4).tolist()
    [[1.3863, inf]]
    """
    debt = np.maximum(liabilities, 0.0)
    assets = np.maximum(equity_value, 0.0) + debt
    safe = np.where(debt > 0, debt, 1.0)
    dd = np.log(np.maximum(assets, 1e-300) / safe) / (sigma[:, None] * np.sqrt(horizon))
    return np.asarray(np.where(debt > 0, dd, np.inf), dtype=np.float64)
