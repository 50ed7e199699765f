"""Demand: AI end revenue follows the scenario's path; labs and clouds earn their share.

The AI revenue index grows at the quarter's growth with lognormal noise and falls by
``ai_revenue_shock`` at the shock; a chipmaker's AI revenue follows the web's capex
instead (its customers' spending). Each entity earns its outside revenue, the AI share of
it moving with its index, less any entity-specific shock of the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.stress.channels.quarter import Quarter
from bubblescope.stress.context import RunContext
from bubblescope.stress.state import State

__all__ = ["Demand", "demand"]


@dataclass(frozen=True, eq=False)
class Demand:
    """The AI revenue index (n_paths,) and each entity's outside revenue this quarter
    (n_paths, n), USD bn."""

    ai_index: FloatArray
    revenue: FloatArray


def demand(ctx: RunContext, st: State, q: Quarter) -> Demand:
    """Revenue of quarter ``q``.

    Notes
    -----
    ``A_t = A_{t-1} (1 + g)^{1/4} exp(sigma eps / 2 - sigma^2 / 8) (1 - shock [t = t_s])``;
    revenue ``R_i = R_i^0 / 4 ((1 - a_i) + a_i D_i) (1 - s_i [t >= t_s])`` with ``a_i`` the
    AI share, ``D_i`` the AI index (the capex index for chipmakers), ``s_i`` the entity's
    own shock; zero for entities in default.
    """
    cw, ix, prm = ctx.web, ctx.index, ctx.params
    sigma = prm.revenue_volatility
    step = (1.0 + q.growth) ** 0.25 * np.exp(0.5 * sigma * q.eps - sigma**2 / 8)
    ai_index = st.ai_index * step * (1.0 - prm.ai_revenue_shock * q.hit)
    index = np.where(ix.chip[None, :], st.capex_index[:, None], ai_index[:, None])
    mix = (1.0 - cw.ai_share)[None, :] + cw.ai_share[None, :] * index
    shock = 1.0 - ix.shock_by_entity[None, :] * q.after
    revenue = np.asarray(cw.outside_revenue[None, :] / 4 * mix * shock * st.alive,
                         dtype=np.float64)
    return Demand(ai_index, revenue)
