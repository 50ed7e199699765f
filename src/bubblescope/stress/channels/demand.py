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
from bubblescope.stress.kernels.dues import renewed_sums
from bubblescope.stress.state import State

__all__ = ["Demand", "demand", "renewed"]


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
    revenue ``R_i = (R_i^0 / 4 (1 - a_i + a_i D_i) + N_i (1 - a_i + a_i min(D_i, 1)))
    (1 - s_i [t >= t_s])`` with ``a_i`` the
    AI share, ``D_i`` the AI index (the capex index for chipmakers), ``s_i`` the entity's
    own shock, ``N_i`` the customer contracts renewed at the market (:func:`renewed`); zero
    for entities in default.
    """
    cw, ix, prm = ctx.web, ctx.index, ctx.params
    sigma = prm.revenue_volatility
    step = (1.0 + q.growth) ** 0.25 * np.exp(0.5 * sigma * q.eps - sigma**2 / 8)
    ai_index = st.ai_index * step * (1.0 - prm.ai_revenue_shock * q.hit)
    index = np.where(ix.chip[None, :], st.capex_index[:, None], ai_index[:, None])
    mix = (1.0 - cw.ai_share)[None, :] + cw.ai_share[None, :] * index
    shock = 1.0 - ix.shock_by_entity[None, :] * q.after
    # renewed contracts fall with the index but do not grow with it: the AI growth priced
    # in is in the outside revenue already (counting it again made CoreWeave's renewed
    # contracts grow 50% a year in the baseline)
    down = (1.0 - cw.ai_share)[None, :] + cw.ai_share[None, :] * np.minimum(index, 1.0)
    base = cw.outside_revenue[None, :] / 4 * mix + renewed(ctx, st, q.t)[0] * down
    revenue = np.asarray(base * shock * st.alive, dtype=np.float64)
    return Demand(ai_index, revenue)


def renewed(ctx: RunContext, st: State, t: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Payments of flow contracts inside the web that ran at the start and have reached their
    term by quarter ``t``, USD bn a quarter, (n_paths, n) each: by seller, by buyer (chip
    orders left out) and the buyer's chip orders
    (:func:`~bubblescope.stress.kernels.dues.renewed_sums`).

    Such a payment was in the seller's revenue figure and the buyer's operating cost, so
    the compiler took it out of both (outside revenue; the operating-cost contract); at the
    end of its term the business is renewed at the market (at the scale it ran at: a cut
    or a defaulted customer's contract does not come back): it returns to the seller's
    outside revenue, falling with its AI or capex index (not growing with it), and to the buyer's
    operating cost (:func:`~bubblescope.stress.channels.obligations.fall_due`), or to its
    capex plan for a chip order (:func:`~bubblescope.stress.channels.capex.orders_back`).
    Without this a chipmaker's revenue fell by its customers' orders as they ran out
    (NVIDIA's operating cash flow from about 67 to 21bn a year within a year of baseline).
    """
    cw, ix = ctx.web, ctx.index
    term = ctx.constant("renewable", lambda: np.flatnonzero(
        ix.flow & ~ix.opcost & ix.inside & (cw.start_q < 0)))
    return renewed_sums(term, cw.obligor, cw.holder, ix.chip_order, st.maturity, st.scale,
                        cw.annual_payment, t, cw.n)
