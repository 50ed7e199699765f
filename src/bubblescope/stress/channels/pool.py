"""Granular pools: a residual aggregate of many borrowers defaults name by name.

An entity with a ``pool_lgd`` figure (the web's ``other_tech_borrowers``: seed 003's
private credit to tech not itemised) is a pool of many borrowers. Each quarter a share of
its loans still outstanding defaults at the constant hazard of the pool's 10-year default
probability at the end of the last quarter (rating-anchored at B and moved by the
structural model; :mod:`~bubblescope.stress.kernels.credit_pool`); holders write off the
defaulted principal times ``pool_lgd`` and get the rest back. The pool's maturities roll
(:mod:`.funding`): refinancing failures are inside its default rate, so the pool never
defaults as one name at a maturity wall.

The pool's borrowers also share the credit cycle: the annual rate implied by the pool's
starting PD is shifted by the spread's excess over its base
(:func:`~bubblescope.stress.kernels.credit_pool.cycle_rate`), calibrated so that 2008's
BBB spread path gives the 2009 leveraged-loan default peak (10.8%); where the pool's
structural PD now is worse, it is the rate (the systematic factor counted once).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import FloatArray, IntArray
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.aggregate import sum_by
from bubblescope.stress.kernels.credit_pool import (
    annual_rate,
    cycle_rate,
    pool_defaults,
    quarterly_default_rate,
)
from bubblescope.stress.kernels.row_sums import scattered_row_sums
from bubblescope.stress.kernels.spread import excess_pp
from bubblescope.stress.state import State

__all__ = ["PoolQuarter", "default"]


@dataclass(frozen=True, eq=False)
class PoolQuarter:
    """A quarter of the pools' defaults.

    Attributes
    ----------
    outstanding : (n_paths, m)
        Contracts after the defaulted principal is written off.
    cash : (n_paths, n)
        Holders' cash after recoveries.
    written_off : (n_paths, m)
        Holders' realised loss on the defaulted principal.
    defaulted : (n_paths,)
        Principal of pool borrowers that defaulted this quarter, USD bn.
    recovered : (n_paths,)
        Recoveries paid to holders (from the defaulted borrowers' assets, outside the web).
    exposed : (n_paths,)
        Principal of pool loans outstanding before this quarter's defaults, USD bn.
    """

    outstanding: FloatArray
    cash: FloatArray
    written_off: FloatArray
    defaulted: FloatArray
    recovered: FloatArray
    exposed: FloatArray


def default(ctx: RunContext, st: State) -> PoolQuarter:
    """This quarter's defaults in every pool, at the PD the paper channel left in ``st``
    moved by the credit cycle.

    Only the pool loans (debt owed by a pool, held in the web) and the pools' columns of the
    entity arrays are computed; every other contract defaults nothing (its rate is 0), so
    the totals are those of the full arrays
    (:func:`~bubblescope.stress.kernels.row_sums.scattered_row_sums`).
    """
    cw, ix = ctx.web, ctx.index
    cols, pools, local = ctx.constant("pool_loans", lambda: _pool_loans(ctx))
    n_paths, m = st.outstanding.shape
    if cols.size == 0:
        zeros = np.zeros(n_paths)
        return PoolQuarter(st.outstanding.copy(), st.cash.copy(), np.zeros((n_paths, m)),
                           zeros, zeros, zeros)
    live = st.alive[:, cw.obligor[cols]]
    cycle = excess_pp(st.spread, ctx.params.base_spread)[:, None]
    annual = cycle_rate(_start_rate(ctx, st, pools), cycle,
                        annual_now=annual_rate(st.pd[:, pools]))
    pd10 = 1.0 - (1.0 - annual) ** 10
    rate = np.where(live, quarterly_default_rate(pd10)[:, local], 0.0)
    exposed = np.where(live, st.outstanding[:, cols], 0.0)
    d = pool_defaults(exposed, rate, ix.pool_lgd[cw.obligor[cols]])
    outstanding = st.outstanding.copy()
    outstanding[:, cols] -= d.defaulted
    written_off = np.zeros((n_paths, m))
    written_off[:, cols] = d.written_off
    return PoolQuarter(
        outstanding=outstanding,
        cash=st.cash + sum_by(d.recovered, cw.holder[cols], cw.n), written_off=written_off,
        defaulted=scattered_row_sums(d.defaulted, cols, m),
        recovered=scattered_row_sums(d.recovered, cols, m),
        exposed=scattered_row_sums(exposed, cols, m),
    )


def _pool_loans(ctx: RunContext) -> tuple[IntArray, IntArray, IntArray]:
    """The pool loans (m-axis indices), the pools (n-axis) and each loan's pool among them."""
    cw, ix = ctx.web, ctx.index
    cols = np.flatnonzero(ix.pool[cw.obligor] & ix.debt & ix.inside)
    pools, local = np.unique(cw.obligor[cols], return_inverse=True)
    return cols, pools, np.asarray(local, dtype=np.int64).reshape(-1)


def _start_rate(ctx: RunContext, st: State, pools: IntArray) -> FloatArray:
    """The pools' annual default rate at the start, (n_paths, pools), kept for the run."""
    return ctx.constant("pool_start_rate", lambda: annual_rate(st.pd0[:, pools]), st.pd0)
