"""Capex: what the web plans to spend on AI and what it can pay for.

The plan grows at ``capex_growth`` and shrinks with valuations (``capex_valuation_elasticity``);
firms spend what their cash allows. The capex index (spent against the starting plan)
drives chipmakers' revenue and valuations; the first quarter's index is what valuations
price in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray
from bubblescope.stress.channels.demand import renewed
from bubblescope.stress.context import RunContext
from bubblescope.stress.state import State

__all__ = ["Capex", "orders_back", "plan", "spend"]


@dataclass(frozen=True, eq=False)
class Capex:
    """Cash after spending (n_paths, n); the capex index and its first-quarter norm, the
    amount spent and the reference plan of the quarter, each (n_paths,)."""

    cash: FloatArray
    capex_index: FloatArray
    capex_norm: FloatArray
    spent: FloatArray
    plan: FloatArray


def spend(ctx: RunContext, st: State, t: int) -> Capex:
    """Spend quarter ``t``'s capex from cash."""
    cw, prm = ctx.web, ctx.params
    orders = orders_back(ctx, st, t)
    wanted = plan(ctx, st.value, st.alive, t, orders)
    spent = np.minimum(wanted, np.maximum(st.cash, 0.0))
    ref = cw.capex[None, :] / 4 * (1.0 + prm.capex_growth[:, None]) ** (t / 4) + orders
    index = spent.sum(axis=1) / np.maximum(ref.sum(axis=1), 1e-12)
    if ref.sum() <= 0:
        index = np.ones_like(index)
    # valuations price in the spending the web could fund at the start
    norm = np.maximum(index, 1e-9) if t == 0 else st.capex_norm
    return Capex(st.cash - spent, index, norm, np.asarray(spent.sum(axis=1), dtype=np.float64),
                 np.asarray(ref.sum(axis=1)))


def plan(ctx: RunContext, value: FloatArray, alive: BoolArray, t: int,
         orders: FloatArray | float = 0.0) -> FloatArray:
    """Each entity's capex plan for quarter ``t`` at valuations ``value``, (n_paths, n);
    ``orders`` (n_paths, n) are chip orders that ran out and are placed again
    (:func:`orders_back`)."""
    cw, prm = ctx.web, ctx.params
    growth = (1.0 + prm.capex_growth[:, None]) ** (t / 4)
    cut = np.clip(value, 0.0, 1.0) ** prm.capex_valuation_elasticity[:, None]
    return np.asarray((cw.capex[None, :] / 4 * growth + orders) * cut * alive,
                      dtype=np.float64)


def orders_back(ctx: RunContext, st: State, t: int) -> FloatArray:
    """Chip orders in the web that ran out by quarter ``t``, by buyer, (n_paths, n), USD bn a
    quarter: the compiler took them out of the buyer's capex plan while they run, so when
    they end the buyer orders again through its plan (the seller's side:
    :func:`~bubblescope.stress.channels.demand.renewed`)."""
    return renewed(ctx, st, t)[2]
