"""Obligations fall due: interest and principal of debt, lease and commitment payments.

A flow contract pays ``annual_payment / 4 * scale`` a quarter while it runs; the variable
share of operating costs falls with the obligor's revenue; flows inside the web that ran
out at their term are renewed as operating cost
(:func:`~bubblescope.stress.channels.demand.renewed`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray
from bubblescope.stress.channels.demand import renewed
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.backlog import COMPUTE_CASH_MARGIN
from bubblescope.stress.state import State

__all__ = ["Obligations", "carved", "fall_due", "new_business_cost", "running"]


@dataclass(frozen=True, eq=False)
class Obligations:
    """What each contract asks of its obligor this quarter and the principal part of it,
    both (n_paths, m), USD bn; the cash cost of new business inside the operating costs,
    by seller (n_paths, n)."""

    due: FloatArray
    principal: FloatArray
    new_cost: FloatArray


def fall_due(ctx: RunContext, st: State, t: int, revenue: FloatArray) -> Obligations:
    """What falls due in quarter ``t`` given each entity's revenue (n_paths, n)."""
    cw, ix, prm = ctx.web, ctx.index, ctx.params
    live = running(ctx, st, t)
    interest = st.outstanding * st.interest_rate / 4 * live * ix.debt
    principal = st.outstanding * (st.maturity == t) * ix.debt * st.alive[:, cw.obligor]
    flow = cw.annual_payment[None, :] / 4 * st.scale * live * ix.flow
    # what a buyer paid through contracts that ran out is its operating cost again (renewed)
    back = ctx.by_obligor(renewed(ctx, st, t) * ~ix.chip_order[None, :])  # orders: capex
    new_cost = new_business_cost(ctx, st, t)
    back = back * carved(ctx)[None, :] + new_cost
    flow = np.where(ix.opcost, flow + back[:, cw.obligor] * live, flow)
    base = cw.outside_revenue[None, :] / 4
    ratio = np.where(base > 0, np.minimum(revenue / np.where(base > 0, base, 1.0), 1.0), 1.0)
    share = prm.variable_cost_share[:, None]
    flow = np.where(ix.opcost, flow * (1.0 - share + share * ratio)[:, cw.obligor], flow)
    return Obligations(interest + principal + flow, principal,
                       np.asarray(new_cost * st.alive, dtype=np.float64))


def new_business_cost(ctx: RunContext, st: State, t: int) -> FloatArray:
    """Cash cost of the business each seller does on contracts that start after the as-of
    date, (n_paths, n), USD bn a quarter: ``1 - gross_margin`` of a chip order and
    ``1 - COMPUTE_CASH_MARGIN`` of a compute commitment
    (:data:`~bubblescope.stress.kernels.backlog.COMPUTE_CASH_MARGIN`); other flows (rent to
    a landlord or an SPV) cost nothing beyond the seller's own operating costs. Running
    contracts are in the filed operating cash flow already."""
    cw = ctx.web

    def make() -> FloatArray:
        ix = ctx.index
        compute = cw.kind_mask(("compute_commitment",))
        share = np.where(~np.isnan(ix.sale_margin), 1.0 - np.nan_to_num(ix.sale_margin),
                         np.where(compute, 1.0 - COMPUTE_CASH_MARGIN, 0.0))
        return np.asarray(share * (cw.start_q >= 0) * ix.inside * cw.annual_payment / 4,
                          dtype=np.float64)
    cost = ctx.constant("new_business_cost", make)
    return ctx.by_holder(cost[None, :] * st.scale * running(ctx, st, t))


def carved(ctx: RunContext) -> FloatArray:
    """Share of each entity's flows inside the web at the start that the compiler took out of
    its operating cost, (n,): ``min(C_i, P_i) / P_i`` with ``C_i`` its cash operating cost
    and ``P_i`` what it paid through those flows (1 without any). A flow that ran out is
    operating cost again only for the part that had been taken out of it (CoreWeave pays
    more through its leases and orders than its whole operating cost)."""
    def make() -> FloatArray:
        cw, ix = ctx.web, ctx.index
        kept = ix.flow & ~ix.opcost & ~ix.chip_order & (cw.start_q < 0)
        paid = ctx.by_obligor((cw.annual_payment * kept)[None, :])[0]
        return np.asarray(np.where(paid > 0, np.minimum(cw.op_cost, paid)
                                   / np.where(paid > 0, paid, 1.0), 1.0), dtype=np.float64)
    return ctx.constant("carved", make)


def running(ctx: RunContext, st: State, t: int) -> BoolArray:
    """Contracts that have started, not matured and whose obligor is alive, (n_paths, m)."""
    cw = ctx.web
    return np.asarray((cw.start_q[None, :] <= t) & (t < st.maturity)
                      & st.alive[:, cw.obligor], dtype=np.bool_)
