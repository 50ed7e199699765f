"""Collateral: GPUs are worth their rentals; loans in breach of their LTV covenant force sales.

The H100 rental moves with AI demand against installed supply
(:func:`~bubblescope.stress.kernels.gpu_rental.rental_step`, floored at the cash cost of
running a GPU); each GPU-backed loan's collateral is worth its vintage's remaining rentals
net of cash costs plus salvage (:func:`~bubblescope.stress.kernels.gpu_rental.gpu_value`),
times the resale market factor, which takes the scenario's one-off shock and the fire-sale
impact. Loans whose LTV breaches the covenant sell collateral, the sales move the market
factor, and the spiral is solved to its fixed point within the quarter
(:func:`~bubblescope.stress.kernels.fire_sale.fire_sale`) (seed 003; issue 11 item 3).
Sale proceeds repay the lenders; a loan left with no collateral is the lender's loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels import gpu_rental
from bubblescope.stress.kernels.aggregate import sum_by
from bubblescope.stress.kernels.fire_sale import fire_sale
from bubblescope.stress.state import State

__all__ = ["Collateral", "gpu_worth", "rental", "sell", "start_worth"]


@dataclass(frozen=True, eq=False)
class Collateral:
    """GPU collateral after the quarter's sales.

    Attributes
    ----------
    price : (n_paths,)
        GPU resale market factor.
    gpu_price : (n_paths,)
        What a GPU bought at the start is worth now against then (the reported index).
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
    rental : (n_paths,)
        H100 rental, USD per GPU-hour.
    supply : (n_paths, 2)
        Capex spent and planned so far (quarters of plan).
    """

    price: FloatArray
    gpu_price: FloatArray
    worth: FloatArray
    units: FloatArray
    outstanding: FloatArray
    cash: FloatArray
    lender_loss: FloatArray
    proceeds: FloatArray
    rental: FloatArray
    supply: FloatArray


def sell(ctx: RunContext, st: State, t: int) -> Collateral:
    """Value GPU collateral at the end of quarter ``t`` and run the fire sale."""
    ix, prm, n_paths = ctx.index, ctx.params, ctx.n_paths
    price = st.price * (1.0 - prm.gpu_price_shock * (t == ctx.scenario.shock_quarter))
    rent, supply = rental(ctx, st, t)
    trend = _decline(ctx) ** (t + 1)
    age = ix.gpu_age0[None, :] + np.maximum(t + 1 - ix.gpu_start, 0)[None, :]
    # one valuation for a GPU bought at the start and each loan's vintage (a vintage's
    # value does not depend on the others valued with it: tests/stress/test_fused_channels)
    ages = np.empty((n_paths, 1 + ix.gsub.size))
    ages[:, 0] = t + 1.0
    ages[:, 1:] = age
    values = gpu_worth(ctx, rent, trend, ages)
    new = values[:, 0] / _new_worth(ctx)
    if ix.gsub.size == 0:
        return Collateral(price, price * new, st.worth, st.units, st.outstanding, st.cash,
                          np.zeros_like(st.outstanding), np.zeros(n_paths), rent, supply)
    debt = st.outstanding[:, ix.gsub]
    ltv_max = np.minimum(ix.ltv0 + float(prm.ltv_covenant_headroom[0]), 0.999)
    worth = values[:, 1:] / st.worth0
    res = fire_sale(st.units * worth, debt, ltv_max, price,
                    impact=float(prm.fire_sale_impact[0]),
                    market_depth=float(prm.gpu_market_depth[0]))
    repay = np.minimum(res.proceeds, debt)
    units = np.maximum(st.units - res.sold / np.maximum(worth, 1e-12), 0.0)
    left = debt - repay
    wiped = (units <= 1e-12) & (left > 0)
    lender_loss = np.zeros((n_paths, ctx.web.m))
    lender_loss[:, ix.gsub] = left * wiped
    out = st.outstanding.copy()
    out[:, ix.gsub] = np.where(wiped, 0.0, left)
    # the lenders' proceeds: only the GPU-backed loans repay (summed as ctx.by_holder sums)
    repaid = sum_by(repay, ctx.web.holder[ix.gsub], ctx.web.n)
    return Collateral(res.price, res.price * new, worth, units, out, st.cash + repaid,
                      lender_loss,
                      np.asarray(repay.sum(axis=1), dtype=np.float64), rent, supply)


def rental(ctx: RunContext, st: State, t: int) -> tuple[FloatArray, FloatArray]:
    """This quarter's H100 rental (n_paths,) and the installed supply record (n_paths, 2).

    Demand is AI revenue over the path priced in at the start; supply is the installed base
    (``INSTALLED_YEARS`` of planned capex) plus capex spent, over the same on plan. The
    rental follows its generation trend and never falls below the cash cost.
    """
    prm = ctx.params
    supply = st.supply + np.stack([st.capex_index, np.ones_like(st.capex_index)], axis=1)
    installed = 4.0 * gpu_rental.INSTALLED_YEARS
    ratio = (installed + supply[:, 0]) / (installed + supply[:, 1])
    priced = (1.0 + prm.expected_ai_growth) ** ((t + 1) / 4.0)
    demand = np.maximum(st.ai_index / priced, 1e-9)
    trend_prev, trend = _decline(ctx) ** t, _decline(ctx) ** (t + 1)
    detrended = gpu_rental.rental_step(
        st.rental / trend_prev, demand, np.maximum(ratio, 1e-9), 1.0,
        start=gpu_rental.RENTAL_START_USD_H, elasticity=prm.gpu_rental_elasticity,
        adjust=gpu_rental.ADJUST, floor=0.0)
    return np.asarray(np.maximum(detrended * trend, gpu_rental.CASH_COST_USD_H)), supply


def gpu_worth(ctx: RunContext, rent: FloatArray, trend: FloatArray,
              age: FloatArray) -> FloatArray:
    """Value of one GPU of each vintage (USD), (n_paths, k): the kernel's ``gpu_value`` with
    the scenario's economic life (``1 / gpu_depreciation`` years) and generation decline."""
    life = 4.0 / np.maximum(ctx.params.gpu_depreciation, 1e-6)
    return gpu_rental.gpu_value(rent, gpu_rental.RENTAL_START_USD_H * trend, age,
                                life_quarters=life, decline=_decline(ctx))


def start_worth(ctx: RunContext) -> FloatArray:
    """Value of one GPU of each loan's vintage at the start, (n_paths, k)."""
    n, ix = ctx.n_paths, ctx.index
    return gpu_worth(ctx, np.full(n, gpu_rental.RENTAL_START_USD_H), np.ones(n),
                     np.broadcast_to(ix.gpu_age0[None, :], (n, ix.gsub.size)))


def _new_worth(ctx: RunContext) -> FloatArray:
    """Value of a new GPU at the start, (n_paths,): what the reported GPU price index is
    relative to, kept for the run."""
    n, prm = ctx.n_paths, ctx.params

    def make() -> FloatArray:
        start = np.full(n, gpu_rental.RENTAL_START_USD_H)
        return np.asarray(gpu_worth(ctx, start, np.ones(n), np.zeros((n, 1)))[:, 0])

    return ctx.constant("gpu_new_worth", make, prm.gpu_depreciation, prm.generation_step)


def _decline(ctx: RunContext) -> FloatArray:
    """Per-quarter factor of a vintage's rental as new generations ship, (n_paths,)."""
    interval = float(ctx.scenario.generation_interval_quarters)
    return np.asarray((1.0 - ctx.params.generation_step) ** (1.0 / interval), dtype=np.float64)
