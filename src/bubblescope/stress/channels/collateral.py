"""Collateral: GPU values fall; loans in breach of their LTV covenant force sales (seed 003).

The GPU market factor takes the scenario's one-off shock; each GPU-backed loan's collateral
wears and steps down with its own vintage (:func:`vintage`). Loans whose LTV breaches the
covenant sell collateral, the sales move the market factor, and the spiral is solved to
its fixed point within the quarter (:func:`~bubblescope.stress.kernels.fire_sale.fire_sale`).
Sale proceeds repay the lenders; a loan left with no collateral is the lender's loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import FloatArray, IntArray
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.fire_sale import fire_sale
from bubblescope.stress.kernels.gpu_value import RESIDUAL, vintage_factor
from bubblescope.stress.state import State

__all__ = ["Collateral", "sell", "vintage"]


@dataclass(frozen=True, eq=False)
class Collateral:
    """GPU collateral after the quarter's sales.

    Attributes
    ----------
    price : (n_paths,)
        GPU market factor.
    gpu_price : (n_paths,)
        What a GPU bought at the start is worth now (the reported GPU price index).
    worth, units : (n_paths, k)
        Value of each loan's vintage against the start; collateral units left.
    outstanding : (n_paths, m)
        Debt after repayments from sales (0 for loans wiped out).
    cash : (n_paths, n)
        Cash after lenders receive the proceeds.
    lender_loss : (n_paths, m)
        Loans left with no collateral (channel "GPU collateral").
    proceeds : (n_paths,)
        Sale proceeds that repaid debt.
    """

    price: FloatArray
    gpu_price: FloatArray
    worth: FloatArray
    units: FloatArray
    outstanding: FloatArray
    cash: FloatArray
    lender_loss: FloatArray
    proceeds: FloatArray


def sell(ctx: RunContext, st: State, t: int) -> Collateral:
    """Value GPU collateral at the end of quarter ``t`` and run the fire sale."""
    ix, prm = ctx.index, ctx.params
    # st.price is the GPU *market* factor (shocks and fire-sale impact); wear and generation
    # step-downs act on each loan's own vintage
    price = st.price * (1.0 - prm.gpu_price_shock * (t == ctx.scenario.shock_quarter))
    new_vintage = vintage(ctx, t, np.zeros(1), np.zeros(1, dtype=np.int64))[:, 0]
    if ix.gsub.size == 0:
        return Collateral(price, price * new_vintage, st.worth, st.units, st.outstanding,
                          st.cash, np.zeros_like(st.outstanding), np.zeros(price.size))
    debt = st.outstanding[:, ix.gsub]
    ltv_max = np.minimum(ix.ltv0 + float(prm.ltv_covenant_headroom[0]), 0.999)
    worth = vintage(ctx, t, ix.gpu_age0, ix.gpu_start)  # (n_paths, k)
    res = fire_sale(st.units * worth, debt, ltv_max, price,
                    impact=float(prm.fire_sale_impact[0]),
                    market_depth=float(prm.gpu_market_depth[0]))
    repay = np.minimum(res.proceeds, debt)
    units = np.maximum(st.units - res.sold / np.maximum(worth, 1e-12), 0.0)
    left = debt - repay
    wiped = (units <= 1e-12) & (left > 0)
    lender_loss = np.zeros((price.size, ctx.web.m))
    lender_loss[:, ix.gsub] = left * wiped
    out = st.outstanding.copy()
    out[:, ix.gsub] = np.where(wiped, 0.0, left)
    repaid = np.zeros((price.size, ctx.web.m))
    repaid[:, ix.gsub] = repay
    return Collateral(res.price, res.price * new_vintage, worth, units, out,
                      st.cash + ctx.by_holder(repaid), lender_loss,
                      np.asarray(repay.sum(axis=1), dtype=np.float64))


def vintage(ctx: RunContext, t: int, age0: FloatArray, start: IntArray) -> FloatArray:
    """Value of each vintage at the end of quarter ``t`` relative to its value at the start.

    :func:`~bubblescope.stress.kernels.gpu_value.gpu_value`'s law with the scenario's
    parameters: economic life ``1 / gpu_depreciation`` years, a step-down of
    ``generation_step`` every ``generation_interval_quarters``. A loan that starts later is
    new at its start. ``age0`` and ``start`` are (k,); the result is (n_paths, k).
    """
    prm = ctx.params
    elapsed = np.maximum(t + 1 - start, 0).astype(np.float64)
    life = 1.0 / np.maximum(prm.gpu_depreciation, 1e-6)
    return vintage_factor(age0[None, :], (age0 + elapsed)[None, :], life[:, None],
                          np.full((life.size, 1), ctx.scenario.generation_interval_quarters / 4.0),
                          prm.generation_step[:, None], RESIDUAL)
