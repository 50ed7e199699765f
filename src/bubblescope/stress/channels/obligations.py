"""Obligations fall due: interest and principal of debt, lease and commitment payments.

A flow contract pays ``annual_payment / 4 * scale`` a quarter while it runs; the variable
share of operating costs falls with the obligor's revenue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray
from bubblescope.stress.context import RunContext
from bubblescope.stress.state import State

__all__ = ["Obligations", "fall_due", "running"]


@dataclass(frozen=True, eq=False)
class Obligations:
    """What each contract asks of its obligor this quarter and the principal part of it,
    both (n_paths, m), USD bn."""

    due: FloatArray
    principal: FloatArray


def fall_due(ctx: RunContext, st: State, t: int, revenue: FloatArray) -> Obligations:
    """What falls due in quarter ``t`` given each entity's revenue (n_paths, n)."""
    cw, ix, prm = ctx.web, ctx.index, ctx.params
    live = running(ctx, st, t)
    interest = st.outstanding * st.interest_rate / 4 * live * ix.debt
    principal = st.outstanding * (st.maturity == t) * ix.debt * st.alive[:, cw.obligor]
    flow = cw.annual_payment[None, :] / 4 * st.scale * live * ix.flow
    base = cw.outside_revenue[None, :] / 4
    ratio = np.where(base > 0, np.minimum(revenue / np.where(base > 0, base, 1.0), 1.0), 1.0)
    share = prm.variable_cost_share[:, None]
    flow = np.where(ix.opcost, flow * (1.0 - share + share * ratio)[:, cw.obligor], flow)
    return Obligations(interest + principal + flow, principal)


def running(ctx: RunContext, st: State, t: int) -> BoolArray:
    """Contracts that have started, not matured and whose obligor is alive, (n_paths, m)."""
    cw = ctx.web
    return np.asarray((cw.start_q[None, :] <= t) & (t < st.maturity)
                      & st.alive[:, cw.obligor], dtype=np.bool_)
