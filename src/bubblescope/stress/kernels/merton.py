"""Merton's structural model: distance to default and default probability.

An entity defaults when its assets fall below what it owes; with equity ``E`` and
liabilities ``D`` the assets are ``A = E + D``, and with zero drift and asset volatility
``sigma`` the distance to default over ``h`` years is ``ln(A / D) / (sigma sqrt(h))``.

References
----------
Merton, R. C. (1974). On the pricing of corporate debt. Journal of Finance 29(2).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from bubblescope.model._typing import FloatArray

__all__ = ["default_probability", "distance_to_default"]


def default_probability(
    equity_value: FloatArray, liabilities: FloatArray, sigma: FloatArray, horizon: float = 10.0,
) -> FloatArray:
    """Merton default probability over ``horizon`` years, shape (n_paths, n).

    Parameters
    ----------
    equity_value, liabilities : ndarray of shape (n_paths, n)
        Market value of equity and what the entity owes (debt plus remaining commitments).
    sigma : ndarray of shape (n_paths,) or (n_paths, n)
        Asset volatility per sqrt(year): one for every entity, or one per entity.

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

    ``sigma`` is (n_paths,) (one volatility for every entity) or (n_paths, n).

    >>> distance_to_default(np.array([[1.0, 1.0]]), np.array([[1.0, 0.0]]),
    ...                     np.array([0.5]), 1.0).round(4).tolist()
    [[1.3863, inf]]
    """
    debt = np.maximum(liabilities, 0.0)
    assets = np.maximum(equity_value, 0.0) + debt
    safe = np.where(debt > 0, debt, 1.0)
    vol = np.asarray(sigma, dtype=np.float64)
    vol = vol if vol.ndim == 2 else vol[:, None]
    dd = np.log(np.maximum(assets, 1e-300) / safe) / (vol * np.sqrt(horizon))
    return np.asarray(np.where(debt > 0, dd, np.inf), dtype=np.float64)
