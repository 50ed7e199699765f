"""Shareholder payouts in a bust: dividends are sticky, buybacks are not.

A firm pays its trailing dividends and buybacks (web figures ``dividends`` and
``buybacks``: the last four quarters of its filings) scaled by its valuation index ``V``
(1 at the start): dividends by ``V ** DIVIDEND_ELASTICITY``, buybacks by
``V ** BUYBACK_ELASTICITY``. Both elasticities are the ratio of the log fall of the S&P 500's
payouts to the log fall of its price in 2007-09, so a firm whose value halves cuts its
payouts as the index's members did then.

* **Price:** S&P 500 monthly average 1539.66 (2007-10, the peak) to 757.13 (2009-03, the
  trough), -50.8%: measured from ``shared/data/shiller_ie_data_to_2025-12.csv`` (Shiller's
  ``ie_data``, nominal).
* **Dividends:** S&P 500 dividends (12-month, per index unit) 28.85 (2008-09, the peak) to
  21.90 (2010-03, the trough), -24.1%: measured from the same file. S&P's own count is
  "dividend expenditures have decreased 22 per cent" (Q2 2009; source below).
* **Buybacks:** S&P 500 buybacks of USD 24.2bn in 2009Q2 against the record 172.0bn of
  2007Q3, -86%: Standard & Poor's Index Services (H. Silverblatt), "S&P 500 stock buybacks
  hit record low", as reported by Institutional Asset Manager, 2009 (cited, not in the
  shared data). In 2001-02 the index's dividends fell 6% (16.71 in 2000-01 to 15.69 in
  2001-06, same file): the dot-com bust cut payouts much less; 2008's cut is the stress
  calibration.

Cash above a firm's starting cash is not left to pile up: it repays maturing debt and
replaces new issuance first (:mod:`~bubblescope.stress.channels.funding`); what is still
above it a firm that returns cash (one that runs a buyback programme) pays out as extra
buybacks, scaled like buybacks (``assumption``, confidence medium: large US firms hold cash near a
target and return the rest, as Alphabet's, Apple's and Microsoft's standing programmes do;
in a bust they keep it, as S&P 500 members did in 2009).
"""

from __future__ import annotations

import math
from typing import Final

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray

__all__ = ["BUYBACK_ELASTICITY", "DIVIDEND_ELASTICITY", "pay_out", "pay_out_reference", "payout"]

#: S&P 500 price, 2007-10 peak and 2009-03 trough (monthly averages, Shiller ie_data).
PRICE_PEAK_2007: Final[float] = 1539.66
PRICE_TROUGH_2009: Final[float] = 757.13
#: S&P 500 dividends per index unit, 2008-09 peak and 2010-03 trough (Shiller ie_data).
DIVIDEND_PEAK_2008: Final[float] = 28.85
DIVIDEND_TROUGH_2010: Final[float] = 21.90
#: S&P 500 quarterly buybacks, USD bn: record 2007Q3 and low 2009Q2 (S&P Index Services).
BUYBACKS_2007Q3: Final[float] = 172.0
BUYBACKS_2009Q2: Final[float] = 24.2

_PRICE_LOG_FALL: Final[float] = math.log(PRICE_TROUGH_2009 / PRICE_PEAK_2007)
#: Elasticity of dividends to the firm's value: 0.39.
DIVIDEND_ELASTICITY: Final[float] = (math.log(DIVIDEND_TROUGH_2010 / DIVIDEND_PEAK_2008)
                                     / _PRICE_LOG_FALL)
#: Elasticity of buybacks (and of returning excess cash) to the firm's value: 2.76.
BUYBACK_ELASTICITY: Final[float] = math.log(BUYBACKS_2009Q2 / BUYBACKS_2007Q3) / _PRICE_LOG_FALL


def payout(value: FloatArray, dividends: FloatArray, buybacks: FloatArray,
           excess: FloatArray) -> tuple[FloatArray, FloatArray]:
    """This quarter's regular payouts and extra buybacks, each (n_paths, n), USD bn.

    Parameters
    ----------
    value : ndarray of shape (n_paths, n)
        Valuation index of each firm (1 at the start; capped at 1: a boom does not raise
        payouts beyond the trailing rate, excess cash does).
    dividends, buybacks : ndarray of shape (n,)
        Trailing annual dividends and buybacks, USD bn a year.
    excess : ndarray of shape (n_paths, n)
        Cash above the firm's target after this quarter's regular payouts (0 for firms that
        do not return cash).

    Notes
    -----
    ``P = D/4 V^{e_d} + B/4 V^{e_b}``, extra ``X = max(excess, 0) V^{e_b}``, ``V`` clipped to
    [0, 1].

    Examples
    --------
    >>> reg, extra = payout(np.array([[1.0, 0.5]]), np.array([4.0, 4.0]),
    ...                     np.array([8.0, 8.0]), np.array([[10.0, 10.0]]))
    >>> [round(float(x), 2) for x in reg[0]], [round(float(x), 2) for x in extra[0]]
    ([3.0, 1.06], [10.0, 1.47])
    """
    v = np.clip(value, 0.0, 1.0)
    back = v ** BUYBACK_ELASTICITY
    regular = dividends[None, :] / 4 * v ** DIVIDEND_ELASTICITY + buybacks[None, :] / 4 * back
    return (np.asarray(regular, dtype=np.float64),
            np.asarray(np.maximum(excess, 0.0) * back, dtype=np.float64))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _pay(dividend_scale: FloatArray, buyback_scale: FloatArray, dividends: FloatArray,
         buybacks: FloatArray, alive: BoolArray, cash: FloatArray, target: FloatArray,
         firm: BoolArray, returns: BoolArray, o_cash: FloatArray, o_regular: FloatArray,
         o_extra: FloatArray) -> None:  # pragma: no cover
    n_paths, n = cash.shape
    for p in range(n_paths):
        for i in range(n):
            c = cash[p, i]
            have = c if (c > 0.0 or c != c) else 0.0
            on = 1.0 if alive[p, i] else 0.0
            back = buyback_scale[p, i]
            want = (dividends[i] / 4 * dividend_scale[p, i] + buybacks[i] / 4 * back) * on
            regular = want if (want < have or want != want) else have
            x = c - regular - target[i]
            x = x if (x > 0.0 or x != x) else 0.0
            left = x * (1.0 if firm[i] else 0.0) * (1.0 if returns[i] else 0.0)
            left = left if (left > 0.0 or left != left) else 0.0
            extra = left * back * on
            o_regular[p, i] = regular
            o_extra[p, i] = extra
            o_cash[p, i] = c - regular - extra


def pay_out(value: FloatArray, dividends: FloatArray, buybacks: FloatArray, alive: BoolArray,
            cash: FloatArray, target: FloatArray, firm: BoolArray, returns: BoolArray
            ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Pay the quarter's regular payouts from cash, then extra buybacks from cash above target.

    Parameters
    ----------
    value : ndarray of shape (n_paths, n)
        Valuation index of each firm.
    dividends, buybacks : ndarray of shape (n,)
        Trailing annual dividends and buybacks, USD bn a year.
    alive : ndarray of bool, shape (n_paths, n)
    cash : ndarray of shape (n_paths, n)
        Cash before payouts.
    target : ndarray of shape (n,)
        Cash each firm holds on to (its starting cash).
    firm, returns : ndarray of bool, shape (n,)
        Firms that hold cash for themselves; those that return what is above target.

    Returns
    -------
    cash, regular, extra : ndarray of shape (n_paths, n)
        Cash after; :func:`payout`'s regular payouts (at most the cash there is) and extra
        buybacks, both of firms alive.

    Notes
    -----
    The powers of :func:`payout` stay in numpy (``v ** e`` on the clipped value, once each);
    the rest is one numba pass, bit-identical to :func:`pay_out_reference`.
    """
    v = np.clip(value, 0.0, 1.0)
    shape = np.shape(cash)
    out = tuple(np.empty(shape) for _ in range(3))
    _pay(np.asarray(v ** DIVIDEND_ELASTICITY, dtype=np.float64),
         np.asarray(v ** BUYBACK_ELASTICITY, dtype=np.float64),
         np.asarray(dividends, dtype=np.float64), np.asarray(buybacks, dtype=np.float64),
         np.asarray(alive, dtype=np.bool_), np.asarray(cash, dtype=np.float64),
         np.asarray(target, dtype=np.float64), np.asarray(firm, dtype=np.bool_),
         np.asarray(returns, dtype=np.bool_), *out)
    return out[0], out[1], out[2]


def pay_out_reference(value: FloatArray, dividends: FloatArray, buybacks: FloatArray,
                      alive: BoolArray, cash: FloatArray, target: FloatArray, firm: BoolArray,
                      returns: BoolArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The numpy twin of :func:`pay_out` (:func:`payout` called twice, as the payouts
    channel did)."""
    have = np.maximum(cash, 0.0)
    wanted, _ = payout(value, dividends, buybacks, np.zeros_like(have))
    regular = np.minimum(wanted * alive, have)
    left = (np.maximum(cash - regular - target[None, :], 0.0) * firm[None, :]
            * returns[None, :])
    _, extra = payout(value, dividends, buybacks, left)
    extra = extra * alive
    return (np.asarray(cash - regular - extra, dtype=np.float64),
            np.asarray(regular, dtype=np.float64), np.asarray(extra, dtype=np.float64))
