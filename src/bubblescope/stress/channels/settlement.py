"""Settlement: payments that cannot be met are cleared; defaults are written off.

What falls due is cleared across the web (Eisenberg–Noe with Rogers–Veraart default costs,
:func:`~bubblescope.stress.kernels.clearing.clear`); financing that starts this quarter is
paid holder -> obligor in the same clearing. Unpaid principal stays owed; unpaid interest
is the holder's loss. An entity that cannot pay defaults: by contagion when it defaulted
after the first round of the cascade, at a maturity wall when principal it could not roll
was due, else for a shortfall. Its creditors write off what it owes net of recovery by
seniority and lose the rest of its leases and commitments net of ``recovery_flow``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.channels.holders import recoveries
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.backlog import lost_share, sale_lost_share
from bubblescope.stress.kernels.clearing import ClearingResult, Topology, clear, topology
from bubblescope.stress.kernels.payments import owed_and_due, settle_payments
from bubblescope.stress.kernels.write_offs import write_offs
from bubblescope.stress.result import DefaultReason
from bubblescope.stress.state import State

__all__ = ["Settlement", "clear_paths", "flow_loss_share", "loss_share_ends", "settle"]


@dataclass(frozen=True, eq=False)
class Settlement:
    """The quarter after clearing and write-offs.

    Attributes
    ----------
    cash, alive, default_q, reason : (n_paths, n)
        Cash after payments and recoveries; who is still alive; the quarter and reason of
        each default.
    outstanding, basis, guarantee_left, scale : (n_paths, m)
        Contracts after payments, new financing, guarantee calls and defaults.
    defaulted_debt : (n_paths,)
        Debt of defaulted obligors so far.
    missed, written_off, backlog : (n_paths, m)
        Holders' losses on unpaid interest, on write-offs at default and on commitments
        of a defaulter that had not started yet (lost backlog).
    destroyed, recovered, paid_outside : (n_paths,)
        Value lost to default costs, recoveries paid to holders, payments leaving the web.
    operating : (n_paths, n)
        Operating cash flow before capex: outside revenue plus interest and flow payments
        received, less interest and flow payments made (principal, financing, equity
        raised and chip orders, which are capex, are not operating cash).
    new_business : (n_paths, n)
        The part of ``operating`` from contracts that start after the as-of date (deals
        signed but not yet in the trailing filings).
    """

    cash: FloatArray
    alive: BoolArray
    default_q: IntArray
    reason: IntArray
    outstanding: FloatArray
    basis: FloatArray
    guarantee_left: FloatArray
    scale: FloatArray
    defaulted_debt: FloatArray
    missed: FloatArray
    written_off: FloatArray
    backlog: FloatArray
    destroyed: FloatArray
    recovered: FloatArray
    paid_outside: FloatArray
    operating: FloatArray
    new_business: FloatArray


def settle(ctx: RunContext, st: State, t: int, due: FloatArray, principal_due: FloatArray,
           unrolled: FloatArray, revenue: FloatArray, raised: FloatArray) -> Settlement:
    """Clear quarter ``t``: ``due`` and ``principal_due`` (n_paths, m) by contract;
    ``unrolled`` principal, ``revenue`` and new equity ``raised`` (n_paths, n) by entity."""
    cw, ix = ctx.web, ctx.index
    # future financing is paid in holder -> obligor: those contracts enter reversed
    fut = ix.future
    net = ctx.constant("clearing_network", lambda: _network(ctx))
    dues = np.concatenate([due, _disbursements(ctx, st, t)], axis=1)
    ext = st.cash + revenue + raised
    # Cash of 0 can come out of the last clearing as -3e-26 (round-off in ext + received -
    # paid), which the kernel refuses as negative outside assets (found by hardening with
    # extreme but valid inputs). Such dust is set to 0; no other value changes.
    ext = np.where((ext < 0.0) & (ext > -1e-9), 0.0, ext)
    res = clear_paths(net.obligor, net.holder, dues, net.rank, ext, cw.n,
                      ctx.params.default_cost_alpha, ctx.params.default_cost_beta, net)
    new = res.defaulted & st.alive
    cash = np.where(res.defaulted, 0.0, res.equity)
    destroyed = np.where(res.defaulted, ext + res.received - res.paid, 0.0).sum(axis=1)
    # unpaid principal stays owed; interest and flows paid are operating cash, but a chip
    # order is the buyer's capex (compile.chip_order), the seller's operating income
    pay = settle_payments(due, principal_due, res.payments, fut, st.outstanding, st.basis,
                          st.guarantee_left, ix.inside, ix.guarantee, ix.equity,
                          ix.chip_order, cw.start_q >= 0, cw.obligor, cw.holder, revenue)
    reason = np.where(res.default_round > 1, DefaultReason.CONTAGION,
                      np.where(unrolled > 1e-9, DefaultReason.MATURITY_WALL,
                               DefaultReason.SHORTFALL))
    w = _write_offs(ctx, st, t, new, pay.outstanding, cash)
    return Settlement(
        cash=w.cash, alive=st.alive & ~new, default_q=np.where(new, t, st.default_q),
        reason=np.where(new, reason, st.reason), outstanding=w.outstanding,
        basis=pay.basis, guarantee_left=pay.guarantee_left,
        scale=w.scale, defaulted_debt=st.defaulted_debt + w.debt,
        missed=pay.missed, written_off=w.loss, backlog=w.backlog, destroyed=destroyed,
        recovered=w.recovered,
        paid_outside=pay.paid_outside, operating=pay.operating,
        new_business=pay.new_business,
    )


def clear_paths(obligor: IntArray, holder: IntArray, dues: FloatArray, rank: IntArray,
                ext: FloatArray, n: int, alpha: FloatArray, beta: FloatArray,
                topo: Topology | None = None) -> ClearingResult:
    """Clear only the paths where someone cannot pay from its own outside assets.

    ``alpha`` and ``beta`` (n_paths,) are each path's Rogers–Veraart recovery fractions;
    ``topo`` the network's :func:`~bubblescope.stress.kernels.clearing.topology`, if kept.

    On the other paths everyone pays in full (``e_i >= pbar_i`` for all ``i`` makes the full
    payment vector the greatest clearing vector), so the kernel is skipped there.
    """
    n_paths = ext.shape[0]
    owed, got = owed_and_due(dues, obligor, holder, n)
    need = np.flatnonzero((ext < owed - 1e-12 * np.maximum(owed, 1.0)).any(axis=1))
    # everyone pays in full where no path needs clearing: the payments are the dues
    out = ClearingResult(dues.copy() if need.size else dues, owed, got, ext + got - owed,
                         np.zeros((n_paths, n), dtype=bool), np.full((n_paths, n), -1), 0)
    if need.size:
        res = clear(obligor, holder, dues[need], rank, ext[need], n,
                    alpha=alpha[need, None], beta=beta[need, None], topology=topo)
        out.payments[need], out.paid[need], out.received[need] = (res.payments, res.paid,
                                                                   res.received)
        out.equity[need], out.defaulted[need] = res.equity, res.defaulted
        out.default_round[need] = res.default_round
    return out


def _network(ctx: RunContext) -> Topology:
    """The network cleared every quarter: the contracts, then the future financing reversed
    (paid holder -> obligor when it starts)."""
    cw, fut = ctx.web, ctx.index.future
    return topology(np.concatenate([cw.obligor, cw.holder[fut]]),
                    np.concatenate([cw.holder, cw.obligor[fut]]),
                    np.concatenate([cw.rank, cw.rank[fut]]), cw.n)


def flow_loss_share(ctx: RunContext, started: BoolArray, *, recovered: bool = True
                    ) -> FloatArray:
    """Share of the remaining value of each flow contract its holder loses when it goes,
    (n_paths, m): a compute commitment at its provider's margin plus stranded capacity
    (:func:`~bubblescope.stress.kernels.backlog.lost_share`), a chip order at its supplier's
    gross margin (:func:`~bubblescope.stress.kernels.backlog.sale_lost_share`), any other
    flow at face less ``recovery_flow`` (at face when not ``recovered``: a lease torn up by
    a tenant that lives). ``started`` is (m,) or (n_paths, m)."""
    prm = ctx.params
    at_margin = lost_share(started, prm.provider_margin, prm.backlog_built_share,
                           prm.recovery_flow)
    commitment = ctx.web.kind_mask(("compute_commitment",))
    sale = ctx.constant("sale_lost_share", lambda: sale_lost_share(ctx.index.sale_margin,
                                                                   prm.recovery_flow))
    face = np.where(np.isnan(sale), 1.0 - prm.recovery_flow[:, None] if recovered else 1.0,
                    sale)
    return np.asarray(np.where(commitment[None, :], at_margin, face), dtype=np.float64)


def loss_share_ends(ctx: RunContext, *, recovered: bool = True
                    ) -> tuple[FloatArray, FloatArray]:
    """:func:`flow_loss_share` of every contract lost after it started and before it
    started, each (n_paths, m), kept for the run: a contract lost in quarter ``t`` reads the
    first where ``start_q <= t``, else the second (each contract's share depends only on
    whether it has started)."""
    prm, m = ctx.params, ctx.web.m

    def ends() -> tuple[FloatArray, FloatArray]:
        return (flow_loss_share(ctx, np.ones(m, dtype=np.bool_), recovered=recovered),
                flow_loss_share(ctx, np.zeros(m, dtype=np.bool_), recovered=recovered))

    return ctx.constant(f"loss_share_ends_{recovered}", ends, prm.provider_margin,
                        prm.backlog_built_share, prm.recovery_flow)


def _disbursements(ctx: RunContext, st: State, t: int) -> FloatArray:
    """Financing starting in quarter ``t`` (n_paths, f) on the future financing
    ``ctx.index.future``: paid if the obligor is alive, in proportion to its valuation up
    to 1."""
    cw, ix = ctx.web, ctx.index
    fut = ix.future
    starts = cw.start_q[fut] == t
    if t >= ctx.scenario.shock_quarter:  # an announced, unfunded deal (LOI) stops then
        starts = starts & ~ix.contingent[fut]
    obligor = cw.obligor[fut]
    willing = np.clip(st.value[:, obligor], 0.0, 1.0) * st.alive[:, obligor]
    return np.asarray(cw.amount[fut][None, :] * starts * willing, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class _WriteOffs:
    cash: FloatArray
    outstanding: FloatArray
    scale: FloatArray
    debt: FloatArray
    loss: FloatArray
    backlog: FloatArray
    recovered: FloatArray


def _write_offs(ctx: RunContext, st: State, t: int, new: BoolArray, out: FloatArray,
                cash: FloatArray) -> _WriteOffs:
    """Creditors of the entities that default now (``new``, (n_paths, n)) write them off."""
    cw, ix, prm = ctx.web, ctx.index, ctx.params
    n_paths = new.shape[0]
    if not new.any():
        return _WriteOffs(cash, out, st.scale.copy(), np.zeros(n_paths),
                          np.zeros((n_paths, cw.m)), np.zeros((n_paths, cw.m)),
                          np.zeros(n_paths))
    # a compute commitment lost costs its provider the margin and the stranded capacity, not
    # the face (kernels/backlog.py); other flows lose what is left net of recovery_flow. A
    # commitment that has not started is lost backlog; recovery_flow stands for the capacity
    # the provider re-lets, not cash now (asm_backlog_loss)
    w = write_offs(new, cw.obligor, cw.holder, ix.inside, ix.debt, ix.flow, out,
                   recoveries(ctx), st.maturity, cw.start_q, t, cw.annual_payment, st.scale,
                   prm.recovery_flow, *loss_share_ends(ctx))
    return _WriteOffs(
        cash=cash + w.by_holder, outstanding=w.outstanding, scale=w.scale,
        debt=w.defaulted_debt, loss=w.loss, backlog=w.backlog, recovered=w.recovered,
    )
