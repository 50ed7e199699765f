"""Leverage: funds' NAV is their capital; lines are drawn, margin is called, gates close.

Seed 001 steps 4-6: leveraged hedge funds dump assets, shadow banks are hit. Each quarter,
after the holders' losses are booked (:mod:`~bubblescope.stress.kernels.leverage`):

1. **Lines drawn.** From the shock on (never on a no-shock path), a fund whose investors
   can redeem draws ``LINE_DRAW_RATE`` of its undrawn bank lines a quarter to pay them,
   until it gates; the bank's exposure rises and the fund's NAV falls by what it paid out
   (redeemers leave at the NAV before the losses: the first-mover advantage gates stop).
   A fund distributes its interest income but keeps the part that pays for the expected
   loss priced into its loans at the start (:func:`_quarter_el`): ordinary defaults of a
   B-rated book do not erode its NAV, losses beyond them do.
2. **Gates.** A fund gates once its NAV per share is ``GATE_DRAWDOWN`` below the start.
3. **Margin calls.** A hedge fund whose gross holdings pass ``MAX_LEVERAGE`` times its NAV
   sells equity stakes pro rata at the forced-sale discount; the proceeds repay its
   lenders (prime brokers). The sales move the sold firms' prices by the square-root law
   (:mod:`~bubblescope.stress.kernels.price_impact`), carried into next quarter's value.
4. **Lenders.** Losses beyond a fund's NAV are its lenders' (pro rata to what each lent):
   realised credit losses of the banks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray
from bubblescope.stress.channels.marks import lgd
from bubblescope.stress.channels.quarter import Quarter
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.el_marks import remaining_el
from bubblescope.stress.kernels.leverage import deleverage_contracts
from bubblescope.stress.kernels.price_impact import carry, sale_impact
from bubblescope.stress.state import State

__all__ = ["Leverage", "deleverage", "market_depth"]


@dataclass(frozen=True, eq=False)
class Leverage:
    """What leverage did this quarter.

    Attributes
    ----------
    outstanding, basis, undrawn : (n_paths, m)
        Contracts after draws, sales and lenders' write-offs; lines still undrawn.
    cash : (n_paths, n)
        Cash after sale proceeds.
    sold, passed, redeemed, retained : (n_paths, n)
        So far: what each fund sold on margin calls, passed to its lenders beyond its NAV,
        paid redeeming investors from its lines, and kept of its interest income.
    gated : (n_paths, n)
        Funds that have gated.
    nav, nav_index : (n_paths, n)
        Each fund's NAV (USD bn) and NAV per share against the start (1 elsewhere).
    margin_loss, lender_loss : (n_paths, m)
        Sale discounts on the stakes sold; lenders' write-offs on funds.
    impact : (n_paths, n)
        Price impact of the sales on each firm whose shares were sold, carried into next
        quarter's valuation (:mod:`~bubblescope.stress.kernels.price_impact`).
    sales : (n_paths, n)
        What each fund sold on margin calls this quarter (at par value).
    proceeds : (n_paths,)
        Cash paid in by the buyers of the stakes (outside the web).
    """

    outstanding: FloatArray
    basis: FloatArray
    undrawn: FloatArray
    cash: FloatArray
    sold: FloatArray
    passed: FloatArray
    redeemed: FloatArray
    retained: FloatArray
    gated: BoolArray
    nav: FloatArray
    nav_index: FloatArray
    margin_loss: FloatArray
    lender_loss: FloatArray
    proceeds: FloatArray
    sales: FloatArray
    impact: FloatArray


def deleverage(ctx: RunContext, st: State, q: Quarter) -> Leverage:
    """Lines, gates, margin calls and lenders' losses of quarter ``q``."""
    cw, ix, fb = ctx.web, ctx.index, ctx.index.funds
    # redemptions come with the shock (none on the no-shock path) and stop at the gate
    stressed = q.after and not ctx.scenario.unshocked
    got = deleverage_contracts(
        st.outstanding, st.undrawn, st.basis, _quarter_el(ctx, st), cw.obligor, cw.holder,
        ix.fair_value, fb.margin_stakes, fb.fund_debt, fb.gating, fb.nav0, fb.gross0,
        fb.max_leverage, st.gated, st.redeemed, st.retained, st.cum_loss, st.sold, st.passed,
        st.cash, ctx.params.forced_sale_discount, stressed)
    return Leverage(
        outstanding=got.outstanding, basis=got.basis, undrawn=got.undrawn, cash=got.cash,
        sold=got.sold, passed=got.passed, redeemed=got.redeemed, retained=got.retained,
        gated=got.gated, nav=got.nav, nav_index=got.nav_index, margin_loss=got.margin_loss,
        lender_loss=got.lender_loss,
        proceeds=np.asarray(got.proceeds.sum(axis=1), dtype=np.float64), sales=got.sales,
        impact=_impact(ctx, st, got.sold_by_obligor),
    )


def _impact(ctx: RunContext, st: State, sold: FloatArray) -> FloatArray:
    """Price impact carried into next quarter after selling ``sold`` (n_paths, n, USD bn) of
    each firm's shares (:mod:`~bubblescope.stress.kernels.price_impact`)."""
    volume, vol = ctx.constant("market_depth", lambda: market_depth(ctx))
    new = sale_impact(sold, volume[None, :] * np.clip(st.value, 0.0, None), vol)
    return carry(st.impact, new)


def market_depth(ctx: RunContext) -> tuple[FloatArray, FloatArray]:
    """Each listed firm's daily traded value (USD bn) and daily volatility at the start, (n,)
    each. A listed firm without figures trades the median turnover (daily value over market
    cap) of those with them at the highest measured volatility (``assumption``, low);
    entities that are not listed have no market (0)."""
    cw, ix = ctx.web, ctx.index
    n = cw.n
    volume = cw.dollar_volume if cw.dollar_volume.size == n else np.full(n, np.nan)
    vol = cw.daily_volatility if cw.daily_volatility.size == n else np.full(n, np.nan)
    known = ~np.isnan(volume) & ~np.isnan(vol) & (cw.market_cap > 0)
    turnover = float(np.median(volume[known] / cw.market_cap[known])) if known.any() else 0.0
    worst = float(vol[known].max()) if known.any() else 0.0
    volume = np.where(known, volume, turnover * cw.market_cap) * ix.listed
    return (np.asarray(np.nan_to_num(volume), dtype=np.float64),
            np.asarray(np.where(known, vol, worst), dtype=np.float64))


def _quarter_el(ctx: RunContext, st: State) -> FloatArray:
    """Each contract's expected loss over a quarter at the start, (n_paths, m): the interest
    income a fund keeps on the debt it holds at fair value (the rest is distributed), so
    that ordinary defaults of its book do not erode its NAV
    (:func:`~bubblescope.stress.kernels.leverage.deleverage_contracts`)."""
    return ctx.constant("income_kept", lambda: remaining_el(
        st.el0, lgd(ctx), np.full(st.el0.shape, 0.25)), st.el0)  # el0 is set at the start
