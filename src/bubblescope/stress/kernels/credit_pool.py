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
All arrays carry the path axis first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import FloatArray

__all__ = ["PoolDefaults", "pool_defaults", "pool_defaults_reference", "quarterly_default_rate"]


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
