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

from bubblescope.model._typing import FloatArray
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.credit_pool import (
    annual_rate,
    cycle_rate,
    pool_defaults,
    quarterly_default_rate,
)
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
    moved by the credit cycle."""
    cw, ix = ctx.web, ctx.index
    on_pool = ix.pool[cw.obligor] & ix.debt & ix.inside
    live = on_pool[None, :] & st.alive[:, cw.obligor]
    cycle = excess_pp(st.spread, ctx.params.base_spread)[:, None]
    annual = cycle_rate(annual_rate(st.pd0), cycle, annual_now=annual_rate(st.pd))
    pd10 = 1.0 - (1.0 - annual) ** 10
    rate = np.where(live, quarterly_default_rate(pd10)[:, cw.obligor], 0.0)
    exposed = np.where(live, st.outstanding, 0.0)
    d = pool_defaults(exposed, rate, ix.pool_lgd[cw.obligor])
    return PoolQuarter(
        outstanding=np.asarray(st.outstanding - d.defaulted, dtype=np.float64),
        cash=st.cash + ctx.by_holder(d.recovered), written_off=d.written_off,
        defaulted=np.asarray(d.defaulted.sum(axis=1), dtype=np.float64),
        recovered=np.asarray(d.recovered.sum(axis=1), dtype=np.float64),
        exposed=np.asarray(exposed.sum(axis=1), dtype=np.float64),
    )
