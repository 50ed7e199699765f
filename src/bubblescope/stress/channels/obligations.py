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
from bubblescope.stress.kernels.dues import fall_due_contracts
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
    # what a buyer paid through contracts that ran out is its operating cost again (renewed;
    # chip orders come back through its capex plan), and so is the cash cost of the
    # business it sells on contracts that start later (new_business_cost)
    due, principal, new_cost = fall_due_contracts(
        st.outstanding, st.interest_rate, st.maturity, st.scale, st.alive, cw.start_q,
        cw.obligor, cw.holder, ix.debt, ix.flow, ix.opcost, cw.annual_payment,
        new_business_cost(ctx), renewed(ctx, st, t)[1], carved(ctx), revenue,
        cw.outside_revenue / 4, prm.variable_cost_share, t)
    return Obligations(due, principal, new_cost)


def new_business_cost(ctx: RunContext) -> FloatArray:
    """Cash cost to its seller of each contract that starts after the as-of date, (m,), USD
    bn a quarter at full scale (0 for the others): ``1 - gross_margin`` of a chip order and
    ``1 - COMPUTE_CASH_MARGIN`` of a compute commitment
    (:data:`~bubblescope.stress.kernels.backlog.COMPUTE_CASH_MARGIN`); other flows (rent to
    a landlord or an SPV) cost nothing beyond the seller's own operating costs. Running
    contracts are in the filed operating cash flow already. While a contract runs its cost
    (times its scale) is its seller's operating cost
    (:func:`~bubblescope.stress.kernels.dues.fall_due_contracts`)."""
    cw = ctx.web

    def make() -> FloatArray:
        ix = ctx.index
        compute = cw.kind_mask(("compute_commitment",))
        share = np.where(~np.isnan(ix.sale_margin), 1.0 - np.nan_to_num(ix.sale_margin),
                         np.where(compute, 1.0 - COMPUTE_CASH_MARGIN, 0.0))
        return np.asarray(share * (cw.start_q >= 0) * ix.inside * cw.annual_payment / 4,
                          dtype=np.float64)
    return ctx.constant("new_business_cost", make)


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
