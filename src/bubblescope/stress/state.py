"""The state of a run between two steps of a quarter: frozen, replaced by each step.

Every array carries the path axis first: ``(n_paths, n)`` on entities, ``(n_paths, m)`` on
contracts, ``(n_paths, k)`` on the GPU-backed loans, ``(n_paths,)`` for market-wide values.
A channel reads a :class:`State` and returns a small result; the engine makes the next
state with :meth:`State.replace` (:func:`dataclasses.replace` without its per-field
checks, about 10x cheaper: the engine replaces the state about 15 times a quarter).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.gpu_rental import RENTAL_START_USD_H

__all__ = ["State"]


@dataclass(frozen=True, eq=False)
class State:
    """Where every path stands.

    Attributes
    ----------
    cash : (n_paths, n)
        Each entity's cash, USD bn.
    outstanding : (n_paths, m)
        Principal owed on debt; the marked value of equity stakes and fund shares.
    maturity : (n_paths, m)
        Quarter in which each debt contract falls due (refinancing moves it).
    interest_rate : (n_paths, m)
        Interest rate of each debt contract (refinancing reprices it).
    scale : (n_paths, m)
        Share of each flow contract still running (cuts lower it; 0 after a default).
    alive, default_q, reason : (n_paths, n)
        Whether each entity still runs; the quarter and the
        :class:`~bubblescope.stress.result.DefaultReason` of its default (-1 / 0: none).
    cut_done : (n_paths, n)
        Tenants that already tore up leases on falling below the trigger.
    value : (n_paths, n)
        Valuation index (1 at the start).
    spread : (n_paths,)
        Credit spread (decimal), a state that flows widen and that reverts to the base
        (:mod:`~bubblescope.stress.kernels.spread`).
    ai_index, capex_index, capex_norm : (n_paths,)
        AI end revenue and capex spent against their starting paths; capex spent in the
        first quarter against plan (what valuations price in).
    expected, expected_growth : (n_paths,)
        AI revenue index priced into valuations and the growth per year priced in.
    equity_shock : (n_paths,)
        One-off fall of AI valuations once the shock has hit.
    price : (n_paths,)
        GPU market factor (shocks and fire-sale impact).
    units, worth : (n_paths, k)
        GPU collateral of each GPU-backed loan in starting-value units, and what a unit of
        its vintage is worth now against the start.
    cum_loss : (n_paths, n)
        Losses each holder has booked so far.
    equity0, owed0 : (n_paths, n)
        Each entity's equity value and what it owes at the start: the balance sheet its
        agency rating was given on (:mod:`~bubblescope.stress.channels.paper`).
    issued_debt : (n_paths, n)
        New debt each entity has issued since the start to finance its capex.
    cum_credit : (n_paths, n)
        Realised credit losses each entity has booked so far (not paid, lost backlog,
        stranded capacity): a firm's own losses, which its rating sees.
    guarantee_left : (n_paths, m)
        What is left to call on each guarantee.
    junk : (n_paths, m)
        Debt that has fallen from investment grade to junk.
    ig0 : (n_paths, m)
        Debt that was investment grade at the start.
    dd0 : (n_paths, n)
        Model distance to default at the start (ratings move from it).
    defaulted_debt : (n_paths,)
        Debt of defaulted obligors so far.
    ai_value : (n_paths,)
        The anchored AI index (:func:`~bubblescope.stress.kernels.firm_value.ai_index`).
    rental : (n_paths,)
        H100 rental, USD per GPU-hour (:mod:`~bubblescope.stress.kernels.gpu_rental`).
    supply : (n_paths, 2)
        Capex spent and planned so far, in quarters of plan (installed GPU supply).
    worth0 : (n_paths, k)
        Value of one GPU of each loan's vintage at the start (USD).
    basis : (n_paths, m)
        What equity stakes were bought for.
    el0 : (n_paths, m)
        10-year expected loss of each debt contract priced at the start.
    pd : (n_paths, n)
        Each issuer's 10-year default probability at the end of the last quarter (the
        market's, point in time).
    rated_pd, equity_rated : (n_paths, n)
        The default probability each issuer's agency rating stands for, and the equity
        value the agencies rate on (looked through; :mod:`~bubblescope.stress.channels.paper`).
    scale_rated : (n_paths, m)
        Running share of each flow contract the agencies' cash-flow view was given on (the
        baseline's before the shock; ``paper._leverage_multiples``).
    el_mark : (n_paths, m)
        Expected-loss mark each fund-held contract carries now
        (:mod:`~bubblescope.stress.kernels.el_marks`).
    spread_mark : (n_paths, m)
        Spread and liquidity premium each fund-held contract below investment grade carries
        now (:func:`~bubblescope.stress.kernels.el_marks.premium_target`).
    pd0 : (n_paths, n)
        Each issuer's 10-year default probability at the start (the granular pools' credit
        cycle moves it: :mod:`~bubblescope.stress.channels.pool`).
    sold, passed, redeemed, retained : (n_paths, n)
        What each fund sold on margin calls, passed to its lenders beyond its NAV, paid
        redeeming investors from its bank lines and kept of its interest income so far
        (:mod:`~bubblescope.stress.channels.leverage`).
    undrawn : (n_paths, m)
        Bank lines to funds still undrawn.
    gated : (n_paths, n)
        Funds that have gated redemptions.
    impact : (n_paths, n)
        Price impact of forced sales of each listed firm's shares still weighing on its
        value, a fraction (:mod:`~bubblescope.stress.kernels.price_impact`).
    """

    cash: FloatArray
    outstanding: FloatArray
    maturity: IntArray
    interest_rate: FloatArray
    scale: FloatArray
    alive: BoolArray
    default_q: IntArray
    reason: IntArray
    cut_done: BoolArray
    value: FloatArray
    spread: FloatArray
    ai_index: FloatArray
    capex_index: FloatArray
    capex_norm: FloatArray
    expected: FloatArray
    expected_growth: FloatArray
    equity_shock: FloatArray
    price: FloatArray
    units: FloatArray
    worth: FloatArray
    cum_loss: FloatArray
    cum_credit: FloatArray
    guarantee_left: FloatArray
    junk: BoolArray
    ig0: BoolArray
    equity0: FloatArray
    owed0: FloatArray
    issued_debt: FloatArray
    defaulted_debt: FloatArray
    basis: FloatArray
    ai_value: FloatArray
    rental: FloatArray
    supply: FloatArray
    worth0: FloatArray
    el0: FloatArray
    pd: FloatArray
    rated_pd: FloatArray
    equity_rated: FloatArray
    scale_rated: FloatArray
    el_mark: FloatArray
    spread_mark: FloatArray
    pd0: FloatArray
    sold: FloatArray
    passed: FloatArray
    redeemed: FloatArray
    retained: FloatArray
    undrawn: FloatArray
    gated: BoolArray
    impact: FloatArray

    def replace(self, **changes: Any) -> State:
        """This state with the given fields changed (the arrays are shared, not copied);
        a name that is not a field raises TypeError, as :func:`dataclasses.replace`."""
        if not changes.keys() <= _FIELDS:
            raise TypeError(f"State has no field {', '.join(sorted(changes.keys() - _FIELDS))}")
        new = object.__new__(State)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new

    @staticmethod
    def initial(ctx: RunContext) -> State:
        """The state at the as-of date (``equity0``, ``owed0``, ``ig0``, ``el0``, ``pd``,
        ``pd0``, ``rated_pd`` and ``equity_rated`` are set by the paper channel)."""
        cw, ix, prm, n_paths = ctx.web, ctx.index, ctx.params, ctx.n_paths
        started = (cw.start_q < 0)[None, :]
        out = np.where(started & (ix.debt | ix.equity), cw.amount[None, :], 0.0)
        out = np.repeat(out, n_paths, axis=0)
        return State(
            cash=np.repeat(cw.cash[None, :], n_paths, axis=0), outstanding=out,
            maturity=np.repeat(cw.maturity_q[None, :], n_paths, axis=0),
            interest_rate=np.repeat(cw.rate[None, :], n_paths, axis=0),
            scale=np.ones((n_paths, cw.m)), alive=np.ones((n_paths, cw.n), dtype=np.bool_),
            default_q=np.full((n_paths, cw.n), -1, dtype=np.int64),
            reason=np.zeros((n_paths, cw.n), dtype=np.int64),
            cut_done=np.zeros((n_paths, cw.n), dtype=np.bool_), value=np.ones((n_paths, cw.n)),
            spread=prm.base_spread.copy(), ai_index=np.ones(n_paths),
            capex_index=np.ones(n_paths), capex_norm=np.ones(n_paths), expected=np.ones(n_paths),
            expected_growth=prm.expected_ai_growth.copy(), equity_shock=np.zeros(n_paths),
            price=np.ones(n_paths),
            units=np.repeat((cw.amount[ix.gpu] / ix.ltv0)[None, :], n_paths, axis=0),
            worth=np.ones((n_paths, ix.gsub.size)), cum_loss=np.zeros((n_paths, cw.n)),
            cum_credit=np.zeros((n_paths, cw.n)),
            guarantee_left=np.where(ix.guarantee, cw.amount, 0.0)[None, :].repeat(n_paths, 0),
            junk=np.zeros((n_paths, cw.m), dtype=np.bool_), ig0=np.ones(cw.m, dtype=np.bool_),
            equity0=np.zeros((n_paths, cw.n)),
            owed0=np.zeros((n_paths, cw.n)), issued_debt=np.zeros((n_paths, cw.n)),
            defaulted_debt=np.zeros(n_paths),
            basis=np.where(ix.equity, out, 0.0),
            ai_value=np.ones(n_paths), rental=np.full(n_paths, RENTAL_START_USD_H),
            supply=np.zeros((n_paths, 2)), worth0=np.ones((n_paths, ix.gsub.size)),
            el0=np.zeros((n_paths, cw.m)), pd=np.zeros((n_paths, cw.n)),
            rated_pd=np.zeros((n_paths, cw.n)), equity_rated=np.zeros((n_paths, cw.n)),
            scale_rated=np.ones((n_paths, cw.m)),
            el_mark=np.zeros((n_paths, cw.m)), spread_mark=np.zeros((n_paths, cw.m)),
            pd0=np.zeros((n_paths, cw.n)),
            sold=np.zeros((n_paths, cw.n)),
            passed=np.zeros((n_paths, cw.n)), redeemed=np.zeros((n_paths, cw.n)),
            retained=np.zeros((n_paths, cw.n)),
            undrawn=np.repeat(ix.funds.undrawn0[None, :], n_paths, axis=0),
            gated=np.zeros((n_paths, cw.n), dtype=np.bool_),
            impact=np.zeros((n_paths, cw.n)),
        )


_FIELDS = frozenset(f.name for f in fields(State))
