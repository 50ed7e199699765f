"""Leverage of funds: NAV as capital, margin calls that force sales, lenders who lose when a
fund's NAV is gone (seed 001 steps 4-6: leveraged hedge funds dump assets, shadow banks hit).

A fund's capital is its net asset value on its book in the web: what it holds less what it
borrowed (``nav = held - borrowed``), not its total assets. Losses come off the NAV; a fund
whose gross exposure passes ``max_leverage`` times its NAV must sell the excess (the prime
broker's margin call) at a discount; once the NAV is gone the rest of its losses fall on its
lenders (bank prime-brokerage and subscription lines). All arrays carry the path axis first.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.kernels.aggregate import pro_rata_shares, sum_by

#: Largest gross holdings / NAV a leveraged fund's prime brokers allow before a margin call,
#: by entity kind. Hedge funds: the SEC's Private Funds Statistics (Form PF) put qualifying
#: hedge funds' gross asset value at about 1.6 times their NAV on average (as reported by
#: SS&C GlobeOp, "Expanded private funds statistics include proprietary information", on
#: the SEC's 2016 statistics; confidence medium); the web's prime-brokerage lines are 30% of
#: hedge funds' holdings (``us_banks_hedge_fund_lines``: 1.43x, a little below). A margin
#: call comes once gross holdings pass 2x NAV: Regulation T's 50% initial margin on equity
#: (12 CFR 220.12), the requirement prime brokers are assumed to hold funds to in a stress
#: (they raise house haircuts then; assumption). Other funds are not margined here.
MAX_LEVERAGE: Final[dict[str, float]] = {"hedge_fund": 2.0}
#: NAV fall at which a semi-liquid fund gates: non-traded BDCs and interval funds limit
#: redemptions to about 5% of shares a quarter (their prospectuses' tender limits), and
#: requests are assumed to pass that limit once NAV has fallen 5% (assumption; BREIT's
#: requests passed its limit in late 2022 after a far smaller fall).
GATE_DRAWDOWN: Final[float] = 0.05
#: Fund kinds whose investors can redeem (and so that gate and draw lines to pay them).
GATING_KINDS: Final[frozenset[str]] = frozenset({"private_credit_fund", "hedge_fund"})
#: Share of a bank line to a fund drawn in normal times: the web's line amounts are taken as
#: drawn, with as much again committed and undrawn (assumption, confidence low; no public
#: utilisation figure for lines to funds was read).
LINE_UTILISATION: Final[float] = 0.5
#: Share of the undrawn part of its lines a fund draws each quarter once the shock has hit,
#: to pay redemptions, until it gates (assumption, confidence low: firms drew committed
#: lines heavily within weeks in March 2020 -- Li, Strahan and Zhang (2020), "Banks as
#: Lenders of First Resort", Review of Corporate Finance Studies -- recalled, not re-read).
LINE_DRAW_RATE: Final[float] = 0.25

__all__ = [
    "GATE_DRAWDOWN",
    "GATING_KINDS",
    "LINE_DRAW_RATE",
    "LINE_UTILISATION",
    "MAX_LEVERAGE",
    "fund_nav",
    "gate_quarter",
    "lender_shortfall",
    "margin_call_sales",
    "margin_call_sales_reference",
    "pro_rata",
    "pro_rata_reference",
]


def fund_nav(held: FloatArray, borrowed: FloatArray, is_fund: BoolArray) -> FloatArray:
    """Net asset value of each fund's book in the web, shape (n,); 0 for other entities.

    >>> fund_nav(np.array([100.0, 50.0]), np.array([30.0, 0.0]),
    ...          np.array([True, False])).tolist()
    [70.0, 0.0]
    """
    return np.asarray(np.where(is_fund, np.maximum(held - borrowed, 0.0), 0.0),
                      dtype=np.float64)


def lender_shortfall(cum_loss: FloatArray, nav: FloatArray, passed: FloatArray) -> FloatArray:
    """New losses a fund passes to its lenders this quarter, shape (n_paths, n).

    Losses beyond the NAV (``cum_loss - nav``) are the lenders'; ``passed`` is what they
    already took.

    >>> lender_shortfall(np.array([[80.0, 10.0]]), np.array([70.0, 0.0]),
    ...                  np.array([[4.0, 0.0]])).tolist()
    [[6.0, 0.0]]
    """
    over = np.where(nav > 0, np.maximum(cum_loss - nav, 0.0), 0.0)
    return np.asarray(np.maximum(over - passed, 0.0), dtype=np.float64)


def margin_call_sales(gross0: FloatArray, nav0: FloatArray, cum_loss: FloatArray,
                      max_leverage: FloatArray, sold: FloatArray) -> FloatArray:
    """Assets each leveraged fund must sell this quarter to meet its margin, (n_paths, n).

    Parameters
    ----------
    gross0, nav0 : ndarray of shape (n,)
        Gross holdings and NAV at the start (USD bn).
    cum_loss : ndarray of shape (n_paths, n)
        Losses so far (they lower both gross holdings and NAV).
    max_leverage : ndarray of shape (n,)
        Largest gross / NAV the fund's lenders allow (0: not a leveraged fund).
    sold : ndarray of shape (n_paths, n)
        What it sold already (its proceeds repaid its lenders).

    Notes
    -----
    ``new = clip(gross - L * max(nav, 0), 0, gross)`` with ``gross = gross0 - cum_loss -
    sold`` and ``nav = nav0 - cum_loss``: selling at par keeps NAV and lowers gross one for
    one (the proceeds repay the lenders); a fund with no NAV left sells everything.

    >>> margin_call_sales(np.array([200.0]), np.array([100.0]), np.array([[40.0]]),
    ...                   np.array([2.5]), np.array([[0.0]])).tolist()
    [[10.0]]
    """
    gross = np.maximum(gross0 - cum_loss - sold, 0.0)
    nav = np.maximum(nav0 - cum_loss, 0.0)
    need = np.clip(gross - max_leverage * nav, 0.0, gross)
    return np.asarray(np.where(max_leverage > 0, need, 0.0), dtype=np.float64)


def margin_call_sales_reference(gross0: FloatArray, nav0: FloatArray, cum_loss: FloatArray,
                                max_leverage: FloatArray, sold: FloatArray) -> FloatArray:
    """Fund by fund: sell until gross / NAV is back at the limit (twin of
    :func:`margin_call_sales`)."""
    out = np.zeros_like(cum_loss)
    for p in range(cum_loss.shape[0]):
        for i in range(cum_loss.shape[1]):
            lev = float(max_leverage[i])
            if lev <= 0:
                continue
            gross = max(float(gross0[i] - cum_loss[p, i] - sold[p, i]), 0.0)
            nav = max(float(nav0[i] - cum_loss[p, i]), 0.0)
            out[p, i] = gross - min(lev * nav, gross)
    return out


def pro_rata(per_entity: FloatArray, entity: IntArray, weight: FloatArray,
             cap: FloatArray | None = None) -> FloatArray:
    """Spread an amount per entity over its contracts in proportion to ``weight``, (n_paths, m).

    Parameters
    ----------
    per_entity : ndarray of shape (n_paths, n)
    entity : ndarray of int, shape (m,)
        The entity each contract belongs to (-1: none).
    weight : ndarray of shape (m,) or (n_paths, m)
        Non-negative weights (e.g. amounts outstanding).
    cap : ndarray of shape (n_paths, m), optional
        Most each contract can take.

    >>> pro_rata(np.array([[6.0]]), np.array([0, 0, -1]), np.array([1.0, 2.0, 5.0])).tolist()
    [[2.0, 4.0, 0.0]]
    """
    return pro_rata_shares(per_entity, entity, weight, cap)


def pro_rata_reference(per_entity: FloatArray, entity: IntArray, weight: FloatArray,
                       cap: FloatArray | None = None) -> FloatArray:
    """The numpy twin of :func:`pro_rata` (bit-identical)."""
    n = per_entity.shape[1]
    keep = entity >= 0
    w = np.broadcast_to(np.where(keep, weight, 0.0), (per_entity.shape[0], entity.size))
    idx = np.maximum(entity, 0)
    total = sum_by(w, entity, n)[:, idx]
    share = np.where(total > 0, w / np.where(total > 0, total, 1.0), 0.0)
    out = per_entity[:, idx] * share * keep
    return np.asarray(out if cap is None else np.minimum(out, cap), dtype=np.float64)


def gate_quarter(nav: FloatArray, drawdown: float = GATE_DRAWDOWN) -> IntArray:
    """First quarter each fund's NAV index is below ``1 - drawdown`` (-1: never), (..., n).

    Parameters
    ----------
    nav : ndarray of shape (..., quarters, n)
        NAV index of each fund (1 at the start).

    >>> gate_quarter(np.array([[1.0, 1.0], [0.97, 0.99], [0.94, 0.99]])).tolist()
    [2, -1]
    """
    below = nav < 1.0 - drawdown
    first = np.argmax(below, axis=-2)
    return np.asarray(np.where(below.any(axis=-2), first, -1), dtype=np.int64)
