"""The time-stepped crash engine: quarters of demand, obligations, funding, clearing,
collateral, securitised paper, holders and macro, batched over paths.

Every state array carries the path axis first: ``(n_paths, n)`` on entities,
``(n_paths, m)`` on contracts. The only Python loop is over quarters; each step of a
quarter is a channel (:mod:`bubblescope.stress.channels`) that reads the frozen
:class:`~bubblescope.stress.state.State` and returns a small frozen result, from which
:func:`_quarter` makes the next state. See docs/stress.md for the equations of each step.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np

from bubblescope.model._typing import FloatArray, IntArray
from bubblescope.model.errors import ScenarioError
from bubblescope.model.web import Web
from bubblescope.stress.channels import (
    capex,
    collateral,
    demand,
    funding,
    holders,
    leases,
    leverage,
    macro,
    marks,
    obligations,
    paper,
    payouts,
    pool,
    settlement,
    valuation,
)
from bubblescope.stress.channels.holders import Losses
from bubblescope.stress.channels.quarter import Quarter
from bubblescope.stress.compile import CompiledWeb, compile_web
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.ratings import rating_of
from bubblescope.stress.recorder import QuarterRecord, Recorder
from bubblescope.stress.result import LossChannel, StressResult
from bubblescope.stress.scenario import PRESETS, Scenario, load_preset
from bubblescope.stress.state import State

__all__ = ["Progress", "reference_run", "run", "simulate"]

#: Called as ``progress(quarters_done, quarters)`` after each quarter.
Progress = Callable[[int, int], None]
_PARALLEL_FROM = 256


def run(
    web: Web | CompiledWeb,
    scenario: Scenario | str,
    *,
    n_paths: int = 1,
    rng: np.random.Generator | None = None,
    progress: Progress | None = None,
) -> StressResult:
    """Run ``scenario`` (a :class:`Scenario` or a preset name) on ``web`` for ``n_paths`` paths.

    Parameters
    ----------
    web : Web or CompiledWeb
    scenario : Scenario or str
        A scenario, or one of :data:`~bubblescope.stress.scenario.PRESETS`.
    n_paths : int
        Number of paths; per-path scenario fields must have this length.
    rng : numpy.random.Generator, optional
        Draws the AI-revenue noise when ``revenue_volatility > 0``; without one the run
        is deterministic (the noise is zero).
    progress : callable, optional
        Called as ``progress(quarter_done, quarters)`` after each quarter.

    Returns
    -------
    StressResult
    """
    sc = load_preset(scenario) if isinstance(scenario, str) else scenario
    if not isinstance(sc, Scenario):
        raise ScenarioError(f"scenario must be a Scenario or one of {', '.join(PRESETS)}")
    if n_paths < 1:
        raise ScenarioError(f"'n_paths' must be a whole number >= 1, got {n_paths}")
    cw = web if isinstance(web, CompiledWeb) else compile_web(web)
    noise = np.zeros((n_paths, sc.quarters))
    if rng is not None:
        noise = rng.standard_normal((n_paths, sc.quarters))
    return simulate(cw, sc, noise, progress=progress)


def reference_run(web: Web | CompiledWeb, scenario: Scenario) -> StressResult | None:
    """The bundled baseline over ``scenario``'s quarters: what a shocked run's losses are
    measured against (``None`` when ``scenario`` sets no shock: it is its own reference)."""
    if scenario.unshocked:
        return None
    return run(web, load_preset("baseline").with_values({"quarters": scenario.quarters}))


def simulate(
    cw: CompiledWeb, scenario: Scenario, noise: FloatArray, *, progress: Progress | None = None,
) -> StressResult:
    """Run the quarterly loop on given standard-normal noise of shape (n_paths, quarters).

    The pure core of :func:`run`: identical noise rows give identical paths.
    """
    n_paths = noise.shape[0]
    if noise.shape != (n_paths, scenario.quarters):
        raise ScenarioError(
            f"'noise' must have shape (n_paths, {scenario.quarters}), got {noise.shape}"
        )
    threads = numba.get_num_threads()
    # a small batch loses more to starting the clearing kernel's threads than it gains
    numba.set_num_threads(1 if n_paths < _PARALLEL_FROM else threads)
    try:
        return _simulate(RunContext.of(cw, scenario, n_paths), noise, progress)
    finally:
        numba.set_num_threads(threads)


def _simulate(ctx: RunContext, noise: FloatArray, progress: Progress | None) -> StressResult:
    sc = ctx.scenario
    calm = ctx.before_shock()  # nothing departs from the baseline before the shock quarter
    st = start(calm)
    rec = Recorder(ctx.n_paths, sc.quarters, ctx.web.n, ctx.web.m, st.cash)
    rec.rating_start = rating_of(st.el0).astype(np.int8)
    for t in range(sc.quarters):
        q = Quarter.of(ctx, t, noise[:, t])
        st = _quarter(ctx if q.after else calm, st, rec, q)
        if progress is not None:
            progress(t + 1, sc.quarters)
    return rec.result(ctx.web, sc, macro.macro_paths(ctx.params, rec, calm.params,
                                                        sc.shock_quarter), st.default_q,
                      st.reason, ctx.index.capital)


def start(ctx: RunContext) -> State:
    """The state at the as-of date, issuers at their starting ratings."""
    st = State.initial(ctx)
    st = st.replace(worth0=collateral.start_worth(ctx))
    ratings = paper.start(ctx, st)
    return st.replace(equity0=ratings.equity0, owed0=ratings.owed0, ig0=ratings.ig0,
                   el0=ratings.el0, pd=ratings.pd0, pd0=ratings.pd0, rated_pd=ratings.pd0,
                   equity_rated=ratings.equity0)


def _quarter(ctx: RunContext, st: State, rec: Recorder, q: Quarter) -> State:
    """One quarter: each channel in turn, then the quarter's record; the next state."""
    t, defaulted_before = q.t, st.defaulted_debt
    dem = demand.demand(ctx, st, q)
    st = st.replace(ai_index=dem.ai_index)
    val = valuation.revalue(ctx, st, q, dem.ai_index)
    st = st.replace(value=val.value, equity_shock=val.equity_shock, expected=val.expected,
                 expected_growth=val.expected_growth, ai_value=val.ai_value)
    owed = obligations.fall_due(ctx, st, t, dem.revenue)
    fund = funding.refinance(ctx, st, q, owed.due, owed.principal, dem.revenue)
    st = st.replace(maturity=fund.maturity, interest_rate=fund.interest_rate,
                 outstanding=fund.outstanding)
    cuts = leases.cut(ctx, st, t, owed.due - fund.rolled, dem.revenue + fund.raised)
    st = st.replace(scale=cuts.scale, cut_done=cuts.cut_done)
    cleared = settlement.settle(ctx, st, t, cuts.due, fund.principal_due, fund.unrolled,
                                dem.revenue, fund.raised)
    st = st.replace(cash=cleared.cash, alive=cleared.alive, default_q=cleared.default_q,
                 reason=cleared.reason, outstanding=cleared.outstanding, basis=cleared.basis,
                 guarantee_left=cleared.guarantee_left, scale=cleared.scale,
                 defaulted_debt=cleared.defaulted_debt)
    pooled = pool.default(ctx, st)
    st = st.replace(outstanding=pooled.outstanding, cash=pooled.cash,
                 defaulted_debt=st.defaulted_debt + pooled.defaulted)
    gpus = collateral.sell(ctx, st, t)
    st = st.replace(price=gpus.price, worth=gpus.worth, units=gpus.units,
                 outstanding=gpus.outstanding, cash=gpus.cash, rental=gpus.rental,
                 supply=gpus.supply)
    rated = paper.rerate(ctx, st, q, st.defaulted_debt - defaulted_before)
    rec.paper(t, rated.downgraded, rated.tranche_loss, rated.grade)
    st = st.replace(junk=rated.junk, spread=rated.spread, pd=rated.pd,
                 rated_pd=rated.rated_pd, equity_rated=rated.equity_rated,
                 scale_rated=rated.scale_rated)
    st, losses, lev = _holders(ctx, st, q, [
        (LossChannel.CUTS, cuts.torn_up), (LossChannel.MISSED_PAYMENTS, cleared.missed),
        (LossChannel.DEFAULT_WRITE_OFFS, cleared.written_off + pooled.written_off),
        (LossChannel.BACKLOG_LOST, cleared.backlog),
        (LossChannel.GPU_COLLATERAL, gpus.lender_loss), (LossChannel.FORCED_SALES, rated.forced),
    ], rated.el, rated.grade, rec.loss_arrays(t))
    spent = capex.spend(ctx, st, t)
    new = funding.issue(ctx, st, t, st.cash - spent.cash)  # debt finances part of the capex
    st = st.replace(cash=new.cash - (st.cash - spent.cash), capex_index=spent.capex_index,
                 capex_norm=spent.capex_norm, outstanding=new.outstanding,
                 interest_rate=new.interest_rate,
                 issued_debt=st.issued_debt + new.by_obligor)
    paid = payouts.pay(ctx, st)  # dividends, buybacks; cash above target returned
    st = st.replace(cash=paid.cash)
    rec.quarter(t, QuarterRecord(
        cash=st.cash, value=st.value, loss=losses.entity, contract_loss=losses.contract,
        contract_class=losses.contract_class, underlying=ctx.index.underlying,
        cut=cuts.by_obligor, gpu_price=gpus.gpu_price, spread=st.spread,
        ai_revenue=ctx.params.ai_revenue_usd_bn * st.ai_index, capex=spent.spent,
        capex_plan=spent.plan, wealth_change=macro.wealth_change(ctx, st),
        destroyed=cleared.destroyed,
        inflow=(dem.revenue.sum(axis=1) + fund.raised.sum(axis=1) + cleared.recovered
                + pooled.recovered + gpus.proceeds + lev.proceeds + new.issued),
        outflow=cleared.paid_outside + spent.spent + paid.total.sum(axis=1),
        ai_index=st.ai_value, gpu_rental=st.rental,
        ai_debt=(st.outstanding * ctx.index.debt).sum(axis=1), issued=new.issued,
        pool_defaulted=pooled.defaulted, el_marks=ctx.by_holder(st.el_mark),
        spread_marks=ctx.by_holder(st.spread_mark), pool_exposed=pooled.exposed,
        fund_nav=lev.nav, fund_nav_index=lev.nav_index, margin_sales=lev.sales,
        lines_drawn=ctx.by_obligor(st.outstanding * ctx.index.funds.line), gated=st.gated,
        ig_bonds=_ig_bonds(ctx, st), operating_cash=cleared.operating,
        new_business=cleared.new_business - owed.new_cost, payouts=paid.total,
        booked_columns=np.flatnonzero(losses.touched),
    ))
    return st


def _holders(ctx: RunContext, st: State, q: Quarter,
             booked: list[tuple[LossChannel, FloatArray]], el: FloatArray, grade: IntArray,
             into: tuple[FloatArray, FloatArray, FloatArray],
             ) -> tuple[State, Losses, leverage.Leverage]:
    """Marks (expected loss and spread premium on fund-held debt, equity and fund shares),
    the quarter's losses booked on holders (in ``into``, :func:`holders.book`), then
    leverage (lines, gates, margin calls, lenders beyond NAV)."""
    remarked = marks.remark(ctx, st, q.t, el, grade)
    st = st.replace(el_mark=remarked.el_mark, spread_mark=remarked.spread_mark)
    marked = holders.mark(ctx, st)
    losses = holders.book(ctx, [*booked, (LossChannel.EQUITY_MARKS, marked.loss),
                                (LossChannel.EXPECTED_LOSS_MARKS, remarked.loss),
                                (LossChannel.SPREAD_MARKS, remarked.spread_loss)],
                          into=into)
    st = st.replace(outstanding=marked.outstanding, cum_loss=st.cum_loss + losses.booked,
                 cum_credit=st.cum_credit + losses.booked_credit)
    lev = leverage.deleverage(ctx, st, q)
    more = holders.book(ctx, [(LossChannel.MARGIN_CALL_SALES, lev.margin_loss),
                              (LossChannel.DEFAULT_WRITE_OFFS, lev.lender_loss)], losses)
    st = st.replace(outstanding=lev.outstanding, basis=lev.basis, undrawn=lev.undrawn,
                 cash=lev.cash, sold=lev.sold, passed=lev.passed, redeemed=lev.redeemed,
                 retained=lev.retained, gated=lev.gated, impact=lev.impact,
                 cum_loss=st.cum_loss + more.booked, cum_credit=st.cum_credit + more.booked_credit)
    return st, more, lev


def _ig_bonds(ctx: RunContext, st: State) -> FloatArray:
    """Bonds rated investment grade at the start still outstanding, (n_paths,), USD bn: the
    measure of the seeds' clock (JPMorgan's AI-linked investment-grade debt, $1.2T)."""
    bonds = ctx.constant("bonds", lambda: ctx.web.kind_mask(("bond",)))
    return np.asarray((st.outstanding * (st.ig0 & bonds)).sum(axis=1), dtype=np.float64)

