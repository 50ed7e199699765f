"""Leverage of funds: NAV as capital, margin calls that force sales, lenders who lose when a
fund's NAV is gone (seed 001 steps 4-6: leveraged hedge funds dump assets, shadow banks hit).

A fund's capital is its net asset value on its book in the web: what it holds less what it
borrowed (``nav = held - borrowed``), not its total assets. Losses come off the NAV; a fund
whose gross exposure passes ``max_leverage`` times its NAV must sell the excess (the prime
broker's margin call) at a discount; once the NAV is gone the rest of its losses fall on its
lenders (bank prime-brokerage and subscription lines). All arrays carry the path axis first.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import numba
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
    "Deleveraged",
    "deleverage_contracts",
    "deleverage_contracts_reference",
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


class Deleveraged(NamedTuple):
    """What :func:`deleverage_contracts` returns: ``outstanding``, ``basis``, ``undrawn``,
    ``margin_loss``, ``lender_loss`` (n_paths, m); ``cash``, ``sold``, ``passed``,
    ``redeemed``, ``retained``, ``gated``, ``nav``, ``nav_index`` (n_paths, n); ``proceeds``
    (each fund's sales less their discount), ``sales`` and ``sold_by_obligor`` (n_paths, n),
    laid out as :func:`~bubblescope.stress.kernels.aggregate.sum_by` lays out its sums."""

    outstanding: FloatArray
    basis: FloatArray
    undrawn: FloatArray
    margin_loss: FloatArray
    lender_loss: FloatArray
    cash: FloatArray
    sold: FloatArray
    passed: FloatArray
    redeemed: FloatArray
    retained: FloatArray
    gated: BoolArray
    nav: FloatArray
    nav_index: FloatArray
    proceeds: FloatArray
    sales: FloatArray
    sold_by_obligor: FloatArray


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _share_of(per: float, w: float, total: float, keep: float, cap: float) -> float:
    # one contract's part of pro_rata_shares (aggregate._pro_rata), capped; a zero weight's
    # share is itself (+-0 / t for t > 0), without the division
    share = (w if w == 0.0 else w / total) if total > 0 else 0.0
    o = per * share * keep
    return o if (o < cap or o != o) else cap


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _deleverage(outstanding: FloatArray, undrawn: FloatArray, basis: FloatArray,
                quarter_el: FloatArray, obligor: IntArray, holder: IntArray,
                fair_value: BoolArray, margin_stakes: BoolArray, fund_debt: BoolArray,
                gating: BoolArray, nav0: FloatArray, gross0: FloatArray,
                max_leverage: FloatArray, gated: BoolArray, redeemed: FloatArray,
                retained: FloatArray, cum_loss: FloatArray, sold: FloatArray,
                passed: FloatArray, cash: FloatArray, discount: FloatArray, stressed: bool,
                gate_below: float, o_out: FloatArray, o_basis: FloatArray,
                o_undrawn: FloatArray, o_cash: FloatArray, o_sold: FloatArray,
                o_passed: FloatArray, o_redeemed: FloatArray, o_retained: FloatArray,
                o_gated: BoolArray, o_nav: FloatArray, o_index: FloatArray,
                o_margin: FloatArray, o_lent: FloatArray, o_proceeds: FloatArray,
                o_sales: FloatArray, o_sold_by: FloatArray) -> None:  # pragma: no cover
    n_paths, m = outstanding.shape
    n = nav0.size
    # a stake sells pro rata within its holder only where some path holds it (stakes.any)
    seller = np.full(m, -1, dtype=np.int64)
    for k in range(m):
        if margin_stakes[k]:
            for p in range(n_paths):
                i = obligor[k]
                on = 1.0 if (gating[i] and not gated[p, i] and stressed) else 0.0
                if outstanding[p, k] + undrawn[p, k] * LINE_DRAW_RATE * on != 0.0:
                    seller[k] = holder[k]
                    break
    lender = np.full(m, -1, dtype=np.int64)
    for k in range(m):
        if fund_debt[k]:
            lender[k] = obligor[k]
    # Passive contracts (neither a margined stake nor a fund's debt) sell nothing, repay
    # nothing and lose nothing: their share of a pro-rata amount is a +-0 (or a NaN from a
    # non-finite amount), which adds nothing to a sum started at +0. Where every such share
    # is a zero they are written in bulk below; otherwise every contract takes each pass.
    everything = np.arange(m)
    active = np.flatnonzero(margin_stakes | fund_debt)
    passive = np.flatnonzero(~(margin_stakes | fund_debt))
    drawn = np.zeros(n)
    income = np.zeros(n)
    need = np.zeros(n)
    total = np.zeros(n)
    total2 = np.zeros(n)
    sales = np.zeros(n)
    lost = np.zeros(n)
    proceeds = np.zeros(n)
    rep_h = np.zeros(n)
    rep_o = np.zeros(n)
    short = np.zeros(n)
    lent_o = np.zeros(n)
    nav_left = np.zeros(n)
    for p in range(n_paths):
        drawn[:] = 0.0
        income[:] = 0.0
        total[:] = 0.0
        finite = True  # every passive contract's amount times 0.0 is a zero
        for k in range(m):
            i = obligor[k]
            on = 1.0 if (gating[i] and not gated[p, i] and stressed) else 0.0
            draw = undrawn[p, k] * LINE_DRAW_RATE * on
            o_undrawn[p, k] = undrawn[p, k] - draw
            drawn[i] += draw
            out = outstanding[p, k] + draw
            o_out[p, k] = out
            if not (margin_stakes[k] or fund_debt[k]) and out * 0.0 != 0.0:
                finite = False
            h = holder[k]
            if h >= 0:
                income[h] += outstanding[p, k] * (1.0 if fair_value[k] else 0.0) * quarter_el[p, k]
            s = seller[k]
            if s >= 0:
                total[s] += out if margin_stakes[k] else 0.0
        for i in range(n):
            red = redeemed[p, i] + drawn[i]
            o_redeemed[p, i] = red
            ret = retained[p, i] + income[i]
            o_retained[p, i] = ret
            nv = nav0[i] - red + ret
            nav_left[i] = nv
            lev = max_leverage[i]
            if lev > 0:
                g = gross0[i] + ret - cum_loss[p, i] - sold[p, i]
                g = g if (g > 0.0 or g != g) else 0.0
                x = nv - cum_loss[p, i]
                x = x if (x > 0.0 or x != x) else 0.0
                y = g - lev * x
                y = 0.0 if y < 0.0 else y
                need[i] = g if y > g else y
            else:
                need[i] = 0.0
        sales[:] = 0.0
        lost[:] = 0.0
        total2[:] = 0.0
        for i in range(n):
            o_sold_by[i, p] = 0.0
        # a passive contract's sale (a share of need[0] at weight 0, capped at 0) and loss
        idle = _share_of(need[0], 0.0, total[0], 0.0, 0.0)
        idle_loss = idle * discount[p]
        quiet = idle == 0.0 and idle_loss == 0.0
        for c in active if quiet else everything:
            k = int(c)
            out = o_out[p, k]
            stake = out if margin_stakes[k] else 0.0
            s = seller[k]
            keep = 1.0 if s >= 0 else 0.0
            w = stake if s >= 0 else 0.0
            s = max(s, 0)
            sale = _share_of(need[s], w, total[s], keep, stake)
            f = sale / stake if stake > 0 else 0.0
            loss = sale * discount[p]
            o_margin[p, k] = loss
            h = holder[k]
            if h >= 0:
                sales[h] += sale
                lost[h] += loss
            o_sold_by[obligor[k], p] += sale
            left = out * (1.0 - f)
            o_out[p, k] = left
            o_basis[p, k] = basis[p, k] * (1.0 - f)
            if lender[k] >= 0:
                total2[lender[k]] += left
        if quiet:
            for c in passive:
                k = int(c)  # out * (1 - 0) and basis * (1 - 0) are themselves
                o_margin[p, k] = idle_loss
                o_basis[p, k] = basis[p, k]
        for i in range(n):
            proceeds[i] = sales[i] - lost[i]
            o_proceeds[i, p] = proceeds[i]
            o_sales[i, p] = sales[i]
        rep_h[:] = 0.0
        rep_o[:] = 0.0
        total[:] = 0.0
        # a passive contract repays min(proceeds[0] * 0 * 0, out * 0): out * 0 when a zero
        quiet = finite and proceeds[0] * 0.0 * 0.0 == 0.0
        for c in active if quiet else everything:
            k = int(c)
            out = o_out[p, k]
            j = lender[k]
            keep = 1.0 if j >= 0 else 0.0
            w = out if j >= 0 else 0.0
            j = max(j, 0)
            repaid = _share_of(proceeds[j], w, total2[j], keep,
                               out * (1.0 if fund_debt[k] else 0.0))
            h = holder[k]
            if h >= 0:
                rep_h[h] += repaid
            rep_o[obligor[k]] += repaid
            left = out - repaid
            o_out[p, k] = left
            if lender[k] >= 0:
                total[lender[k]] += left
        if quiet:
            for c in passive:
                k = int(c)
                out = o_out[p, k]
                o_out[p, k] = out - out * 0.0
        for i in range(n):
            o_cash[p, i] = cash[p, i] + rep_h[i] + proceeds[i] - rep_o[i]
            cum = cum_loss[p, i] + lost[i]
            nv = nav_left[i]
            floor = nv if (nv > 0.0 or nv != nv) else 0.0
            if floor > 0:
                over = cum - floor
                over = over if (over > 0.0 or over != over) else 0.0
            else:
                over = 0.0
            x = over - passed[p, i]
            short[i] = x if (x > 0.0 or x != x) else 0.0
            if nav0[i] > 0:
                left = nv - cum
                left = left if (left > 0.0 or left != left) else 0.0
            else:
                left = 0.0
            o_nav[p, i] = left
            paid_in = nav0[i] - o_redeemed[p, i]
            index = left / paid_in if paid_in > 0 else 1.0
            o_index[p, i] = index
            o_gated[p, i] = gated[p, i] or (gating[i] and index < gate_below)
            o_sold[p, i] = sold[p, i] + sales[i]
        lent_o[:] = 0.0
        # (after a pass 3 over everything a passive amount may no longer be finite)
        quiet = quiet and short[0] * 0.0 * 0.0 == 0.0
        for c in active if quiet else everything:
            k = int(c)
            out = o_out[p, k]
            j = lender[k]
            keep = 1.0 if j >= 0 else 0.0
            w = out if j >= 0 else 0.0
            j = max(j, 0)
            lent = _share_of(short[j], w, total[j], keep, out * (1.0 if fund_debt[k] else 0.0))
            o_lent[p, k] = lent
            lent_o[obligor[k]] += lent
            o_out[p, k] = out - lent
        if quiet:
            for c in passive:
                k = int(c)
                out = o_out[p, k]
                lent = out * 0.0
                o_lent[p, k] = lent
                o_out[p, k] = out - lent
        for i in range(n):
            o_passed[p, i] = passed[p, i] + lent_o[i]


def deleverage_contracts(outstanding: FloatArray, undrawn: FloatArray, basis: FloatArray,
                         quarter_el: FloatArray, obligor: IntArray, holder: IntArray,
                         fair_value: BoolArray, margin_stakes: BoolArray, fund_debt: BoolArray,
                         gating: BoolArray, nav0: FloatArray, gross0: FloatArray,
                         max_leverage: FloatArray, gated: BoolArray, redeemed: FloatArray,
                         retained: FloatArray, cum_loss: FloatArray, sold: FloatArray,
                         passed: FloatArray, cash: FloatArray, discount: FloatArray,
                         stressed: bool) -> Deleveraged:
    """Lines drawn, margin-call sales, lenders repaid and lenders' losses, contract by contract.

    Parameters
    ----------
    outstanding, undrawn, basis : ndarray of shape (n_paths, m)
        Contracts before the quarter's deleveraging; lines still undrawn.
    quarter_el : ndarray of shape (n_paths, m)
        Each contract's expected loss over a quarter at the start (the income a fund keeps).
    obligor, holder : ndarray of int, shape (m,)
    fair_value, margin_stakes, fund_debt : ndarray of bool, shape (m,)
        Debt held by funds at fair value; stakes a margined fund sells; debt of a leveraged
        fund to a lender in the web.
    gating : ndarray of bool, shape (n,)
        Funds whose investors can redeem.
    nav0, gross0, max_leverage : ndarray of shape (n,)
        Each fund's NAV and gross holdings at the start; its margin limit (0: none).
    gated : ndarray of bool, shape (n_paths, n)
    redeemed, retained, cum_loss, sold, passed, cash : ndarray of shape (n_paths, n)
        The funds' running totals (:class:`~bubblescope.stress.channels.leverage.Leverage`),
        losses so far and cash.
    discount : ndarray of shape (n_paths,)
        Forced-sale discount.
    stressed : bool
        Whether investors redeem this quarter (from the shock on, on a shocked path).

    Returns
    -------
    Deleveraged

    Bit-identical to :func:`deleverage_contracts_reference`.
    """
    n_paths, m = outstanding.shape
    n = nav0.size
    pm, pn = (n_paths, m), (n_paths, n)
    o_out, o_basis, o_undrawn, o_margin, o_lent = (np.empty(pm) for _ in range(5))
    o_cash, o_sold, o_passed, o_red, o_ret, o_nav, o_index = (np.empty(pn) for _ in range(7))
    o_gated = np.empty(pn, dtype=np.bool_)
    proceeds, sales, sold_by = (np.empty((n, n_paths)) for _ in range(3))
    f64 = np.float64
    _deleverage(
        np.asarray(outstanding, dtype=f64), np.asarray(undrawn, dtype=f64),
        np.asarray(basis, dtype=f64), np.broadcast_to(np.asarray(quarter_el, dtype=f64), pm),
        np.asarray(obligor, dtype=np.int64), np.asarray(holder, dtype=np.int64),
        np.asarray(fair_value, dtype=np.bool_), np.asarray(margin_stakes, dtype=np.bool_),
        np.asarray(fund_debt, dtype=np.bool_), np.asarray(gating, dtype=np.bool_),
        np.asarray(nav0, dtype=f64), np.asarray(gross0, dtype=f64),
        np.asarray(max_leverage, dtype=f64), np.asarray(gated, dtype=np.bool_),
        np.asarray(redeemed, dtype=f64), np.asarray(retained, dtype=f64),
        np.asarray(cum_loss, dtype=f64), np.asarray(sold, dtype=f64),
        np.asarray(passed, dtype=f64), np.asarray(cash, dtype=f64),
        np.asarray(discount, dtype=f64), bool(stressed), 1.0 - GATE_DRAWDOWN,
        o_out, o_basis, o_undrawn, o_cash, o_sold, o_passed, o_red, o_ret, o_gated, o_nav,
        o_index, o_margin, o_lent, proceeds, sales, sold_by)
    return Deleveraged(o_out, o_basis, o_undrawn, o_margin, o_lent, o_cash, o_sold, o_passed,
                       o_red, o_ret, o_gated, o_nav, o_index, proceeds.T, sales.T, sold_by.T)


def deleverage_contracts_reference(
    outstanding: FloatArray, undrawn: FloatArray, basis: FloatArray, quarter_el: FloatArray,
    obligor: IntArray, holder: IntArray, fair_value: BoolArray, margin_stakes: BoolArray,
    fund_debt: BoolArray, gating: BoolArray, nav0: FloatArray, gross0: FloatArray,
    max_leverage: FloatArray, gated: BoolArray, redeemed: FloatArray, retained: FloatArray,
    cum_loss: FloatArray, sold: FloatArray, passed: FloatArray, cash: FloatArray,
    discount: FloatArray, stressed: bool,
) -> Deleveraged:
    """The numpy twin of :func:`deleverage_contracts` (the arrays the leverage channel built)."""
    n = nav0.size
    open_ = gating[None, :] & ~gated & stressed
    draw = undrawn * LINE_DRAW_RATE * open_[:, obligor]
    redeemed = redeemed + sum_by(draw, obligor, n)
    out = outstanding + draw
    retained = retained + sum_by(outstanding * fair_value * quarter_el, holder, n)
    nav_left = nav0[None, :] - redeemed + retained
    stakes = np.where(margin_stakes, out, 0.0)
    need = margin_call_sales(gross0 + retained, nav_left, cum_loss, max_leverage, sold)
    sale = pro_rata_reference(need, np.where(stakes.any(axis=0), holder, -1), stakes,
                              cap=stakes)
    frac = np.where(stakes > 0, sale / np.where(stakes > 0, stakes, 1.0), 0.0)
    margin_loss = sale * discount[:, None]
    sales, lost = sum_by(sale, holder, n), sum_by(margin_loss, holder, n)
    proceeds = sales - lost
    out = out * (1.0 - frac)
    lenders = np.where(fund_debt, obligor, -1)
    repaid = pro_rata_reference(proceeds, lenders, out, cap=out * fund_debt)
    out = out - repaid
    cash = cash + sum_by(repaid, holder, n) + proceeds - sum_by(repaid, obligor, n)
    cum = cum_loss + lost
    short = lender_shortfall(cum, np.maximum(nav_left, 0.0), passed)
    lent = pro_rata_reference(short, lenders, out, cap=out * fund_debt)
    nav = np.where(nav0 > 0, np.maximum(nav_left - cum, 0.0), 0.0)
    paid_in = nav0[None, :] - redeemed
    index = np.where(paid_in > 0, nav / np.where(paid_in > 0, paid_in, 1.0), 1.0)
    return Deleveraged(
        outstanding=np.asarray(out - lent, dtype=np.float64),
        basis=np.asarray(basis * (1.0 - frac), dtype=np.float64),
        undrawn=np.asarray(undrawn - draw, dtype=np.float64), cash=cash,
        sold=sold + sales, passed=passed + sum_by(lent, obligor, n),
        redeemed=redeemed, retained=retained,
        gated=gated | (gating[None, :] & (index < 1.0 - GATE_DRAWDOWN)),
        nav=nav, nav_index=np.asarray(index, dtype=np.float64),
        margin_loss=margin_loss, lender_loss=lent, proceeds=proceeds,
        sales=sales, sold_by_obligor=sum_by(sale, obligor, n),
    )
