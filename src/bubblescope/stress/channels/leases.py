"""Leases and commitments: a tenant who cannot pay cuts or renegotiates (seeds 001, 003).

All arrays carry the path axis first. A *flow* contract (lease, compute commitment,
customer purchase) pays ``annual_payment / 4 * scale`` a quarter while it runs; ``scale``
starts at 1 and only falls when the tenant cuts. A tenant renegotiates away a share of
what it cannot pay; one whose valuation falls below the trigger also tears up a share of
its commitments once. What a landlord loses of the remaining payments is its loss; a
guarantor makes good the income its beneficiary lost, up to the guarantee.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.channels.obligations import running
from bubblescope.stress.channels.settlement import loss_share_ends
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.cuts import cut_contracts
from bubblescope.stress.state import State

__all__ = ["Cuts", "cut"]


@dataclass(frozen=True, eq=False)
class Cuts:
    """What tenants cut this quarter.

    Attributes
    ----------
    due : (n_paths, m)
        What falls due after the cuts, with the guarantees called.
    scale : (n_paths, m)
        Share of each flow contract still running.
    cut_done : (n_paths, n)
        Tenants that have torn up leases on falling below the trigger.
    torn_up : (n_paths, m)
        Remaining payments each landlord lost (its loss, channel "cuts").
    by_obligor : (n_paths, n)
        ``torn_up`` summed by the tenant who cut.
    """

    due: FloatArray
    scale: FloatArray
    cut_done: BoolArray
    torn_up: FloatArray
    by_obligor: FloatArray


def cut(ctx: RunContext, st: State, t: int, due: FloatArray, income: FloatArray) -> Cuts:
    """Cuts of quarter ``t`` given what is due (n_paths, m) and each entity's revenue and
    new money (n_paths, n)."""
    cw, ix, prm = ctx.web, ctx.index, ctx.params
    distressed = (st.value < prm.lease_cut_trigger[:, None]) & ~st.cut_done & st.alive
    distressed &= ix.listed[None, :]
    # started or not, a cut loses what is left of the contract (a cut before the start costs
    # the provider its backlog too); a compute commitment's provider loses its margin and
    # stranded capacity, a chip order's supplier its gross margin on what it no longer
    # makes, a lease its face
    new_due, scale, lost, by_obligor = cut_contracts(
        due, st.cash, income, distressed, prm.renegotiation, prm.lease_cut, cw.obligor,
        cw.holder, ix.cuttable, st.maturity, cw.start_q, t, cw.annual_payment, st.scale,
        *loss_share_ends(ctx, recovered=False), running(ctx, st, t),
        _guarantees(ctx), ix.g_share, st.guarantee_left, st.alive)
    return Cuts(new_due, scale, st.cut_done | distressed, lost, by_obligor)


def _guarantees(ctx: RunContext) -> IntArray:
    """The guarantees (contract indices), kept for the run."""
    return ctx.constant("guarantees", lambda: np.flatnonzero(ctx.index.guarantee))
