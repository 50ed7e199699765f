"""Price impact of forced sales of listed shares: the square-root law.

Hedge funds that meet a margin call sell their stakes
(:mod:`~bubblescope.stress.channels.leverage`); selling ``Q`` dollars of a stock that
trades ``V`` dollars a day with daily volatility ``sigma`` moves its price by about

``I = Y sigma sqrt(Q / V)``

(the square-root law of market impact: Tóth, Lempérière, Deremble, de Lataillade, Kockelkoren
and Bouchaud, "Anomalous price impact and the critical nature of liquidity in financial
markets", *Phys. Rev. X* 1, 021006, 2011; exponent 1/2 confirmed on all Tokyo Stock Exchange
metaorders 2012-2018 by Sato and Kanazawa, 2024; ``Y`` "of order 0.5-1"). Of that peak, a
share ``PERMANENT`` stays once the selling stops, and what stays fades as buyers return
with a half-life of ``HALF_LIFE_QUARTERS``.

Calibration
-----------
* ``sigma`` and ``V``: each firm's ``daily_volatility`` and ``daily_dollar_volume`` figures,
  measured over 2025 from ``shared/data/stock_daily_<TICKER>_2010_2026.csv`` (NVIDIA 3.1% and
  USD 32.5bn a day, Microsoft 1.5% and 10.2bn, Oracle 3.7% and 3.9bn, ...). Dollar volume
  moves with the price (the share volume is held): ``V = V_0 x`` the firm's valuation index.
  A firm without figures (CoreWeave) trades the median turnover of those with figures
  (daily value over market cap) at the highest measured volatility (``assumption``, low).
* ``Y = 1`` (``assumption``, medium): the upper end of the published range, because a sector
  of funds selling into a falling market at once does not trade patiently.
* ``PERMANENT = 2/3`` (recalled, not verified offline: Bershova and Rakhlin, "The non-linear
  market impact of large trades: evidence from buy-side order flow", *Quantitative Finance*
  13, 2013, find the impact relaxes to about two thirds of its peak after execution).
* ``HALF_LIFE_QUARTERS = 2`` (``assumption``, low: Coval and Stafford, "Asset fire sales
  (and purchases) in equity markets", *J. Financial Economics* 86, 2007, find the price
  pressure of mutual funds' forced sales reverses over roughly a year and a half; recalled).
* ``MAX_IMPACT = 0.5``: a cap so that no quarter's sales take more than half a firm's value
  (``assumption``; the square root would reach it only at 250 days of volume for a stock at
  3% a day).

So USD 50bn of NVIDIA sold in a quarter (1.5 days of its volume) takes 2.6% off its price,
50bn of Oracle (13 days) 8.8%.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from bubblescope.model._typing import FloatArray

__all__ = ["HALF_LIFE_QUARTERS", "MAX_IMPACT", "PERMANENT", "Y", "carry", "carry_reference",
           "sale_impact", "sale_impact_reference"]

Y: Final[float] = 1.0
PERMANENT: Final[float] = 2.0 / 3.0
HALF_LIFE_QUARTERS: Final[float] = 2.0
MAX_IMPACT: Final[float] = 0.5
_NO_MARKET_DAYS: Final[float] = 1e12


def sale_impact(sold: FloatArray, dollar_volume: FloatArray, volatility: FloatArray
                ) -> FloatArray:
    """Lasting price impact of this quarter's forced sales, (n_paths, n), a fraction of price.

    Parameters
    ----------
    sold : ndarray of shape (n_paths, n)
        Value of each firm's shares sold this quarter, USD bn.
    dollar_volume : ndarray of shape (n_paths, n)
        Value of each firm's shares traded a day, USD bn (0: no market, no impact).
    volatility : ndarray of shape (n,)
        Daily volatility of each firm's shares.

    Notes
    -----
    ``I = min(PERMANENT Y sigma sqrt(Q / V), MAX_IMPACT)``.

    Examples
    --------
    >>> out = sale_impact(np.array([[50.0, 50.0]]), np.array([[32.5, 3.87]]),
    ...                   np.array([0.0314, 0.0372]))
    >>> [round(float(x), 3) for x in out[0]]
    [0.026, 0.089]
    """
    sold = np.maximum(sold, 0.0)
    # a sale of more than 1e12 days of volume has no market to speak of: it takes the cap
    thin = (dollar_volume > 0) & (sold > dollar_volume * _NO_MARKET_DAYS)
    days = np.divide(sold, dollar_volume, out=np.zeros(sold.shape),
                     where=(dollar_volume > 0) & ~thin)
    impact = np.where(thin & (sold > 0), MAX_IMPACT,
                      PERMANENT * Y * volatility[None, :] * np.sqrt(days))
    return np.asarray(np.minimum(impact, MAX_IMPACT), dtype=np.float64)


def sale_impact_reference(sold: FloatArray, dollar_volume: FloatArray,
                          volatility: FloatArray) -> FloatArray:
    """Slow twin of :func:`sale_impact`, one firm at a time."""
    out = np.zeros(sold.shape)
    for p in range(sold.shape[0]):
        for i in range(sold.shape[1]):
            if dollar_volume[p, i] <= 0:
                continue
            if sold[p, i] > dollar_volume[p, i] * _NO_MARKET_DAYS:
                out[p, i] = MAX_IMPACT
            elif sold[p, i] > 0:
                days = sold[p, i] / dollar_volume[p, i]
                out[p, i] = min(PERMANENT * Y * volatility[i] * days ** 0.5, MAX_IMPACT)
    return out


def carry(previous: FloatArray, new: FloatArray) -> FloatArray:
    """Impact carried into next quarter: last quarter's faded by its half-life, compounded
    with this quarter's, (n_paths, n).

    ``1 - (1 - I_{t-1} 2^{-1/h}) (1 - I_t)``.

    >>> float(carry(np.array([[0.1]]), np.array([[0.0]]))[0, 0].round(4))
    0.0707
    """
    faded = previous * 0.5 ** (1.0 / HALF_LIFE_QUARTERS)
    return np.asarray(1.0 - (1.0 - faded) * (1.0 - new), dtype=np.float64)


def carry_reference(previous: FloatArray, new: FloatArray) -> FloatArray:
    """Slow twin of :func:`carry`."""
    out = np.zeros(previous.shape)
    for p in range(previous.shape[0]):
        for i in range(previous.shape[1]):
            faded = previous[p, i] * 2.0 ** (-1.0 / HALF_LIFE_QUARTERS)
            out[p, i] = 1.0 - (1.0 - faded) * (1.0 - new[p, i])
    return out
