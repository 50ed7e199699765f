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
from bubblescope.stress.channels.settlement import started_loss_share
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.cuts import apply_cuts
from bubblescope.stress.state import State

__all__ = ["Cuts", "cut", "cut_factor", "guarantee_due"]


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
    gap = ctx.by_obligor(due) - st.cash - income - ctx.by_holder(due)
    flow_due = ctx.by_obligor(due * ix.cuttable)
    distressed = (st.value < prm.lease_cut_trigger[:, None]) & ~st.cut_done & st.alive
    distressed &= ix.listed[None, :]
    factor = cut_factor(np.maximum(gap, 0.0), flow_due, prm.renegotiation, distressed,
                        prm.lease_cut)
    # started or not, a cut loses what is left of the contract (a cut before the start costs
    # the provider its backlog too); a compute commitment's provider loses its margin and
    # stranded capacity, a chip order's supplier its gross margin on what it no longer
    # makes, a lease its face
    lost, scale, new_due, income = apply_cuts(
        factor, cw.obligor, ix.cuttable, st.maturity, cw.start_q, t, cw.annual_payment,
        st.scale, due, started_loss_share(ctx, t, recovered=False), running(ctx, st, t))
    income_lost = ctx.by_holder(income)
    g_due = guarantee_due(st.guarantee_left[:, ix.guarantee], income_lost,
                          cw.holder[ix.guarantee], ix.g_share)
    new_due[:, ix.guarantee] = g_due * st.alive[:, cw.obligor[ix.guarantee]]
    return Cuts(new_due, scale, st.cut_done | distressed, lost, ctx.by_obligor(lost))


def cut_factor(
    gap: FloatArray, flow_due: FloatArray, renegotiation: FloatArray,
    newly_distressed: BoolArray, lease_cut: FloatArray,
) -> FloatArray:
    """Factor (<= 1) applied to a tenant's leases and commitments, shape (n_paths, n).

    Parameters
    ----------
    gap : ndarray of shape (n_paths, n)
        What the tenant cannot pay this quarter after raising what it could (>= 0 = short).
    flow_due : ndarray of shape (n_paths, n)
        Its lease and commitment payments due this quarter.
    renegotiation : ndarray of shape (n_paths,)
        Share of the shortfall the tenant renegotiates away.
    newly_distressed : ndarray of bool, shape (n_paths, n)
        Tenants whose valuation fell below the trigger this quarter (they tear up leases
        even if they could pay, to cut costs: seed 001 step 2).
    lease_cut : ndarray of shape (n_paths,)
        Share of commitments a distressed tenant tears up.

    Notes
    -----
    ``f = (1 - r * clip(gap / flow_due, 0, 1)) * (1 - c * distressed)``.

    >>> cut_factor(np.array([[5.0, 0.0]]), np.array([[10.0, 10.0]]), np.array([0.5]),
    ...            np.array([[False, True]]), np.array([0.4])).tolist()
    [[0.75, 0.6]]
    """
    safe = np.where(flow_due > 0, flow_due, 1.0)
    short = np.where(flow_due > 0, np.clip(gap / safe, 0.0, 1.0), 0.0)
    reneg = 1.0 - renegotiation[:, None] * short
    return np.asarray(reneg * (1.0 - lease_cut[:, None] * newly_distressed), dtype=np.float64)


def guarantee_due(
    remaining: FloatArray, income_lost: FloatArray, beneficiary: IntArray, share: FloatArray,
) -> FloatArray:
    """What each guarantee pays this quarter, shape (n_paths, g).

    A guarantor (e.g. a tenant's residual-value guarantee to an SPV) makes good the lease
    income its beneficiary lost to cuts, up to what is left of the guarantee.

    Parameters
    ----------
    remaining : ndarray of shape (n_paths, g)
        Guarantee amount not yet paid.
    income_lost : ndarray of shape (n_paths, n)
        Scheduled flow income each entity did not get this quarter because of cuts.
    beneficiary : ndarray of int, shape (g,)
        Holder of each guarantee.
    share : ndarray of shape (g,)
        Share of the beneficiary's loss each guarantee covers (1 / number of guarantees).

    >>> guarantee_due(np.array([[3.0]]), np.array([[5.0]]), np.array([0]), np.ones(1)).tolist()
    [[3.0]]
    """
    return np.asarray(np.minimum(remaining, income_lost[:, beneficiary] * share), dtype=np.float64)
