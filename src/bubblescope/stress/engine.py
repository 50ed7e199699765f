"""The time-stepped crash engine: quarters of demand, obligations, funding, clearing,
collateral, securitised paper, holders and macro, batched over paths.

Every state array carries the path axis first: ``(n_paths, n)`` on entities,
``(n_paths, m)`` on contracts. The only Python loop is over quarters. See docs/stress.md
for the equations of each step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numba
import numpy as np
from scipy import sparse

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.model.errors import ScenarioError
from bubblescope.model.web import Web
from bubblescope.stress import funding, holders, leases
from bubblescope.stress.clearing import ClearingResult, clear
from bubblescope.stress.collateral import RESIDUAL, fire_sale, vintage_factor
from bubblescope.stress.compile import (
    AI_KINDS,
    DEBT_KINDS,
    EQUITY_KINDS,
    FLOW_KINDS,
    CompiledWeb,
    compile_web,
)
from bubblescope.stress.ratings import anchor_pds, anchored_pd, is_investment_grade, rate
from bubblescope.stress.result import REASONS, Recorder, StressResult
from bubblescope.stress.scenario import FIELD_RULES, PRESETS, Scenario, load_preset

__all__ = ["run", "simulate"]

Progress = Callable[[int, int], None]
_CUTTABLE = frozenset({"lease", "compute_commitment", "customer_revenue"})
_PARALLEL_FROM = 256
_SCALAR_ONLY = ("fire_sale_impact", "gpu_market_depth", "ltv_covenant_headroom")


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
        return _simulate(cw, scenario, noise, progress)
    finally:
        numba.set_num_threads(threads)


def _simulate(cw: CompiledWeb, scenario: Scenario, noise: FloatArray,
              progress: Progress | None) -> StressResult:
    n_paths = noise.shape[0]
    prm = _params(scenario, n_paths)
    ix = _Index.of(cw, scenario, prm)
    st = _State.start(cw, ix, prm, n_paths)
    rec = Recorder(n_paths, scenario.quarters, cw.n)
    rec.cash_start = st.cash.copy()
    for t in range(scenario.quarters):
        _quarter(t, cw, ix, prm, scenario, st, rec, noise[:, t])
        if progress is not None:
            progress(t + 1, scenario.quarters)
    return rec.result(cw, scenario, prm, st.default_q, st.reason, ix.capital)


# ------------------------------------------------------------------ set-up


def _params(sc: Scenario, n_paths: int) -> dict[str, FloatArray]:
    for name in _SCALAR_ONLY:
        if isinstance(getattr(sc, name), tuple):
            raise ScenarioError(
                f"scenario {sc.name!r}: {name!r} must be a single number (the fire-sale "
                "kernel takes one market per run)"
            )
    return {name: sc.values(name, n_paths) for name, rule in FIELD_RULES.items()
            if not rule.integer}


@dataclass(frozen=True)
class _Index:
    """Masks and index arrays fixed for the run."""

    debt: BoolArray
    flow: BoolArray
    cuttable: BoolArray
    equity: BoolArray
    guarantee: BoolArray
    gpu: BoolArray
    inside: BoolArray
    ai: BoolArray
    listed: BoolArray
    sector_holder: BoolArray
    chip: BoolArray
    fund: BoolArray
    constrained: BoolArray
    capital: FloatArray
    shock_by_entity: FloatArray
    book: leases.SpvBook
    g_share: FloatArray
    ltv0: FloatArray
    gsub: IntArray
    to_obligor: sparse.csr_array
    to_holder: sparse.csr_array
    opcost: BoolArray
    future: IntArray
    pd_anchor: FloatArray
    gpu_age0: FloatArray
    gpu_start: IntArray

    @staticmethod
    def of(cw: CompiledWeb, sc: Scenario, prm: dict[str, FloatArray]) -> _Index:
        debt = cw.kind_mask(DEBT_KINDS)
        kinds = np.array(cw.kinds, dtype=object)
        sector = cw.is_holder_sector | (kinds == "spv")
        fund = cw.entity_mask(holders.FUND_KINDS)
        guarantee = cw.kind_mask(("guarantee",))
        beneficiary = cw.holder[guarantee]
        counts = np.bincount(beneficiary, minlength=cw.n).astype(np.float64)
        holder_kind = np.array([cw.kinds[h] if h >= 0 else "" for h in cw.holder], dtype=object)
        gpu = cw.kind_mask(("gpu_backed_loan",))
        ltv0 = np.where(np.isnan(cw.ltv[gpu]), float(prm["ltv"][0]), cw.ltv[gpu])
        return _Index(
            debt=debt, flow=cw.kind_mask(FLOW_KINDS), cuttable=cw.kind_mask(_CUTTABLE),
            equity=cw.kind_mask(EQUITY_KINDS), guarantee=guarantee, gpu=gpu,
            inside=cw.holder >= 0, ai=cw.entity_mask(AI_KINDS), listed=~sector,
            sector_holder=(cw.holder >= 0) & cw.is_holder_sector[np.maximum(cw.holder, 0)],
            chip=kinds == "chipmaker", fund=fund,
            constrained=np.isin(holder_kind, list(holders.RATING_CONSTRAINED)) & debt,
            capital=np.where(fund, cw.total_assets, cw.book_equity),
            shock_by_entity=_entity_shocks(cw, sc),
            book=leases.spv_book(cw.obligor, cw.amount, cw.rank, cw.tranche, debt,
                                 kinds == "spv"),
            g_share=1.0 / np.maximum(counts[beneficiary], 1.0), ltv0=ltv0,
            gsub=np.flatnonzero(gpu), to_obligor=_aggregator(cw.obligor, cw.n),
            to_holder=_aggregator(cw.holder, cw.n), opcost=cw.kind_mask(("operating_cost",)),
            future=np.flatnonzero((cw.start_q >= 0) & (debt | cw.kind_mask(EQUITY_KINDS))
                                  & (cw.holder >= 0)),
            pd_anchor=anchor_pds(cw.ids),
            gpu_age0=cw.age_q[gpu],
            gpu_start=np.maximum(cw.start_q[gpu], 0),
        )


def _entity_shocks(cw: CompiledWeb, sc: Scenario) -> FloatArray:
    out = np.zeros(cw.n)
    for entity, value in sc.revenue_shocks:
        if entity not in cw.ids:
            raise ScenarioError(
                f"scenario {sc.name!r}: 'revenue_shocks' names {entity!r}, which is not an "
                f"entity of web {cw.name!r} (entities: {', '.join(cw.ids)})"
            )
        out[cw.ids.index(entity)] = value
    return out


@dataclass
class _State:
    """The mutable state of the loop (private; results are frozen)."""

    cash: FloatArray
    out: FloatArray
    maturity: IntArray
    rate: FloatArray
    scale: FloatArray
    alive: BoolArray
    default_q: IntArray
    reason: IntArray
    cut_done: BoolArray
    value: FloatArray
    spread: FloatArray
    ai_index: FloatArray
    capex_index: FloatArray
    price: FloatArray
    units: FloatArray
    cum_loss: FloatArray
    g_left: FloatArray
    junk: BoolArray
    ig0: BoolArray
    defaulted_debt: FloatArray
    equity_shock: FloatArray
    basis: FloatArray
    capex_norm: FloatArray
    dd0: FloatArray
    expected: FloatArray  # (n_paths,) AI revenue index priced into valuations
    expected_growth: FloatArray  # (n_paths,) growth per year priced in, learning from realised
    shocked: float = 0.0
    extra: dict[str, FloatArray] = field(default_factory=dict)

    @staticmethod
    def start(cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray], n_paths: int) -> _State:
        started = (cw.start_q < 0)[None, :]
        out = np.where(started & (ix.debt | ix.equity), cw.amount[None, :], 0.0)
        out = np.repeat(out, n_paths, axis=0)
        units = np.repeat((cw.amount[ix.gpu] / ix.ltv0)[None, :], n_paths, axis=0)
        st = _State(
            cash=np.repeat(cw.cash[None, :], n_paths, axis=0),
            out=out, maturity=np.repeat(cw.maturity_q[None, :], n_paths, axis=0),
            rate=np.repeat(cw.rate[None, :], n_paths, axis=0),
            scale=np.ones((n_paths, cw.m)), alive=np.ones((n_paths, cw.n), dtype=np.bool_),
            default_q=np.full((n_paths, cw.n), -1, dtype=np.int64),
            reason=np.zeros((n_paths, cw.n), dtype=np.int64),
            cut_done=np.zeros((n_paths, cw.n), dtype=np.bool_),
            value=np.ones((n_paths, cw.n)), spread=prm["base_spread"].copy(),
            ai_index=np.ones(n_paths), capex_index=np.ones(n_paths), price=np.ones(n_paths),
            units=units, cum_loss=np.zeros((n_paths, cw.n)),
            g_left=np.where(ix.guarantee, cw.amount, 0.0)[None, :].repeat(n_paths, axis=0),
            junk=np.zeros((n_paths, cw.m), dtype=np.bool_), ig0=np.ones(cw.m, dtype=np.bool_),
            defaulted_debt=np.zeros(n_paths), equity_shock=np.zeros(n_paths),
            basis=np.where(ix.equity, out, 0.0), capex_norm=np.ones(n_paths),
            dd0=np.zeros((n_paths, cw.n)), expected=np.ones(n_paths),
            expected_growth=prm["expected_ai_growth"].copy(),
        )
        st.dd0 = _distance(cw, ix, prm, st, 0)[0]  # anchored ratings move from here
        el, _ = _expected_loss(cw, ix, prm, st, 0)
        st.ig0 = is_investment_grade(rate(el))  # (n_paths, m): each path its own start
        return st


# ------------------------------------------------------------------ one quarter


def _quarter(t: int, cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray], sc: Scenario,
             st: _State, rec: Recorder, eps: FloatArray) -> None:
    hit = t == sc.shock_quarter
    st.shocked = float(t >= sc.shock_quarter)
    growth = prm["ai_revenue_growth"] if t < sc.growth_quarters else prm["expected_ai_growth"]
    revenue = _demand(cw, ix, prm, st, eps, hit, t >= sc.shock_quarter, growth)
    _valuation(ix, prm, st, hit, growth)
    due, principal = _obligations(t, cw, ix, prm, st, revenue)
    raised, rolled_cash = _funding(t, cw, ix, prm, st, due, principal, revenue, hit, sc)
    due = due - rolled_cash
    n_paths = st.cash.shape[0]
    loss = _Losses(np.zeros((n_paths, cw.n, len(holders.CHANNELS))), np.zeros((n_paths, cw.m)))
    due = _cuts(t, cw, ix, prm, st, due, revenue + raised, loss)
    flows = _clearing(t, cw, ix, prm, st, due, principal, revenue, raised, loss)
    flows.update(_collateral(t, cw, ix, prm, st, sc, loss))
    _paper(t, cw, ix, prm, st, loss, rec, t >= sc.shock_quarter)
    _marks(cw, ix, st, loss)
    spent, plan = _capex(t, cw, ix, prm, st)
    wealth = (cw.market_cap[None, :] * (st.value - 1.0) * ix.listed).sum(axis=1)
    wealth -= (st.cum_loss * ~ix.listed).sum(axis=1)
    rec.quarter(
        t, cash=st.cash, value=st.value, loss=loss.entity, contract_loss=loss.contract,
        cut=st.extra["cut"],
        price=st.extra["gpu_price"], spread=st.spread,
        ai_revenue=prm["ai_revenue_usd_bn"] * st.ai_index, capex=spent, capex_plan=plan,
        wealth_change=wealth, destroyed=flows["destroyed"],
        inflow=revenue.sum(axis=1) + raised.sum(axis=1) + flows["recovered"] + flows["proceeds"],
        outflow=flows["paid_outside"] + spent,
    )


def _demand(cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray], st: _State,
            eps: FloatArray, hit: bool, after: bool, growth: FloatArray) -> FloatArray:
    sigma = prm["revenue_volatility"]
    step = (1.0 + growth) ** 0.25 * np.exp(0.5 * sigma * eps - sigma**2 / 8)
    st.ai_index = st.ai_index * step * (1.0 - prm["ai_revenue_shock"] * hit)
    demand = np.where(ix.chip[None, :], st.capex_index[:, None], st.ai_index[:, None])
    mix = (1.0 - cw.ai_share)[None, :] + cw.ai_share[None, :] * demand
    shock = 1.0 - ix.shock_by_entity[None, :] * after
    return np.asarray(cw.outside_revenue[None, :] / 4 * mix * shock * st.alive, dtype=np.float64)


def _valuation(ix: _Index, prm: dict[str, FloatArray], st: _State, hit: bool,
               growth: FloatArray) -> None:
    if hit:
        st.equity_shock = prm["equity_shock"]
    # Adaptive expectations: the growth priced in closes a share of its gap to the realised
    # trend growth each quarter, so a lasting shortfall is a level loss, not a decay forever.
    st.expected = st.expected * (1.0 + st.expected_growth) ** 0.25
    st.expected_growth = st.expected_growth + prm["expectation_learning"] * (
        growth - st.expected_growth)
    firm_v = funding.valuation(
        st.ai_index / st.expected, st.capex_index / st.capex_norm, st.spread - prm["base_spread"],
        np.zeros_like(st.equity_shock), prm["valuation_revenue_beta"],
        prm["valuation_capex_beta"], prm["valuation_spread_beta"],
    )
    ai_v = firm_v * (1.0 - st.equity_shock)
    v = np.where(ix.ai[None, :], ai_v[:, None], firm_v[:, None])
    held = holders.value_index(st.cum_loss, ix.capital)
    st.value = np.where(ix.listed[None, :], v, held) * st.alive


def _obligations(t: int, cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray], st: _State,
                 revenue: FloatArray) -> tuple[FloatArray, FloatArray]:
    running = (cw.start_q[None, :] <= t) & (t < st.maturity) & st.alive[:, cw.obligor]
    interest = st.out * st.rate / 4 * running * ix.debt
    principal = st.out * (st.maturity == t) * ix.debt * st.alive[:, cw.obligor]
    flow = cw.annual_payment[None, :] / 4 * st.scale * running * ix.flow
    base = cw.outside_revenue[None, :] / 4
    ratio = np.where(base > 0, np.minimum(revenue / np.where(base > 0, base, 1.0), 1.0), 1.0)
    share = prm["variable_cost_share"][:, None]
    flow = np.where(ix.opcost, flow * (1.0 - share + share * ratio)[:, cw.obligor], flow)
    return interest + principal + flow, principal


def _funding(t: int, cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray], st: _State,
             due: FloatArray, principal: FloatArray, revenue: FloatArray, hit: bool,
             sc: Scenario) -> tuple[FloatArray, FloatArray]:
    excess = st.spread - prm["base_spread"]
    share = funding.rollover_share(st.value, excess, prm["rollover_base"],
                                   prm["rollover_valuation_elasticity"],
                                   prm["rollover_spread_sensitivity"])
    # a lender that has lost its capital stops rolling too: its constraint propagates
    lender = holders.value_index(st.cum_loss, ix.capital)[:, np.maximum(cw.holder, 0)]
    willing = np.where(ix.sector_holder, np.clip(lender, 0.0, 1.0), 1.0)
    willing = willing ** prm["rollover_valuation_elasticity"][:, None]
    rolled = principal * share[:, cw.obligor] * willing
    reprice = excess + prm["rate_shock"] * (t >= sc.shock_quarter)
    is_rolled = rolled > 0
    st.maturity = np.where(is_rolled, t + sc.refinancing_term_quarters, st.maturity)
    st.rate = np.where(is_rolled, cw.rate[None, :] + reprice[:, None], st.rate)
    st.extra["unrolled"] = _by_obligor(ix, principal - rolled)
    st.out = st.out - (principal - rolled)  # unrolled principal is paid (or defaulted) now
    st.extra["principal_due"] = principal - rolled
    gap = _by_obligor(ix, due - rolled) + _plan(t, cw, prm, st) - st.cash - revenue
    gap -= _by_holder(ix, due)
    cap = funding.equity_capacity(cw.market_cap, st.value, prm["equity_raise_capacity"],
                                  ix.listed)
    raised = np.minimum(np.maximum(gap, 0.0), cap) * st.alive
    return raised, rolled


def _cuts(t: int, cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray], st: _State,
          due: FloatArray, revenue: FloatArray, loss: _Losses) -> FloatArray:
    gap = _by_obligor(ix, due) - st.cash - revenue - _by_holder(ix, due)
    flow_due = _by_obligor(ix, due * ix.cuttable)
    distressed = (st.value < prm["lease_cut_trigger"][:, None]) & ~st.cut_done & st.alive
    distressed &= ix.listed[None, :]
    st.cut_done |= distressed
    factor = leases.cut_factor(np.maximum(gap, 0.0), flow_due, prm["renegotiation"],
                               distressed, prm["lease_cut"])
    f = np.where(ix.cuttable[None, :], factor[:, cw.obligor], 1.0)
    remaining = cw.annual_payment[None, :] / 4 * st.scale * np.maximum(st.maturity - t, 0)
    lost = remaining * (1.0 - f) * ix.cuttable * (cw.start_q[None, :] <= t)
    _book(loss, ix, lost, 2)
    st.extra["cut"] = _by_obligor(ix, lost)
    st.scale = st.scale * f
    new_due = due * f
    running = (cw.start_q[None, :] <= t) & (t < st.maturity) & st.alive[:, cw.obligor]
    income_lost = _by_holder(ix, cw.annual_payment[None, :] / 4 * (1.0 - st.scale)
                             * ix.cuttable * running)
    g_due = leases.guarantee_due(st.g_left[:, ix.guarantee], income_lost,
                                 cw.holder[ix.guarantee], ix.g_share)
    new_due[:, ix.guarantee] = g_due * st.alive[:, cw.obligor[ix.guarantee]]
    return new_due


def _clearing(t: int, cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray], st: _State,
              due: FloatArray, principal: FloatArray, revenue: FloatArray, raised: FloatArray,
              loss: _Losses) -> dict[str, FloatArray]:
    # future financing is paid in holder -> obligor: those contracts enter reversed
    fut = ix.future
    obligor = np.concatenate([cw.obligor, cw.holder[fut]])
    holder = np.concatenate([cw.holder, cw.obligor[fut]])
    dues = np.concatenate([due, _disbursements(t, cw, ix, st)[:, fut]], axis=1)
    ext = st.cash + revenue + raised
    res = _clear_paths(obligor, holder, dues, np.concatenate([cw.rank, cw.rank[fut]]), ext,
                       cw.n, prm)
    paid = res.payments[:, : cw.m]
    got_disb = np.zeros_like(paid)
    got_disb[:, fut] = res.payments[:, cw.m :]
    new = res.defaulted & st.alive
    st.cash = np.where(res.defaulted, 0.0, res.equity)
    destroyed = np.where(res.defaulted, ext + res.received - res.paid, 0.0).sum(axis=1)
    _settle(t, cw, ix, prm, st, due, paid, got_disb, loss)
    _mark_defaults(t, st, new, res.default_round)
    recovered = _write_offs(t, cw, ix, prm, st, new, loss)
    outside = (paid * ~ix.inside).sum(axis=1)
    return {"destroyed": destroyed, "recovered": recovered, "paid_outside": outside}


def _clear_paths(obligor: IntArray, holder: IntArray, dues: FloatArray, rank: IntArray,
                 ext: FloatArray, n: int, prm: dict[str, FloatArray]) -> ClearingResult:
    """Clear only the paths where someone cannot pay from its own outside assets.

    On the other paths everyone pays in full (``e_i >= pbar_i`` for all ``i`` makes the full
    payment vector the greatest clearing vector), so the kernel is skipped there.
    """
    n_paths = ext.shape[0]
    owed = np.asarray((_aggregator(obligor, n) @ dues.T).T, dtype=np.float64)
    got = np.asarray((_aggregator(holder, n) @ dues.T).T, dtype=np.float64)
    need = np.flatnonzero((ext < owed - 1e-12 * np.maximum(owed, 1.0)).any(axis=1))
    out = ClearingResult(dues.copy(), owed, got, ext + got - owed,
                         np.zeros((n_paths, n), dtype=bool), np.full((n_paths, n), -1), 0)
    if need.size:
        res = clear(obligor, holder, dues[need], rank, ext[need], n,
                    alpha=prm["default_cost_alpha"][need, None],
                    beta=prm["default_cost_beta"][need, None])
        out.payments[need], out.paid[need], out.received[need] = (res.payments, res.paid,
                                                                   res.received)
        out.equity[need], out.defaulted[need] = res.equity, res.defaulted
        out.default_round[need] = res.default_round
    return out


def _disbursements(t: int, cw: CompiledWeb, ix: _Index, st: _State) -> FloatArray:
    starts = (cw.start_q == t) & (ix.debt | ix.equity) & ix.inside
    willing = np.clip(st.value[:, cw.obligor], 0.0, 1.0) * st.alive[:, cw.obligor]
    return np.asarray(cw.amount[None, :] * starts * willing, dtype=np.float64)


def _settle(t: int, cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray], st: _State,
            due: FloatArray, paid: FloatArray, got_disb: FloatArray, loss: _Losses) -> None:
    frac = np.where(due > 0, paid / np.where(due > 0, due, 1.0), 1.0)
    principal = st.extra["principal_due"]
    st.out = st.out + principal * (1.0 - frac) + got_disb  # unpaid principal stays owed
    st.basis = st.basis + got_disb * ix.equity
    interest_short = (due - paid) - principal * (1.0 - frac)
    _book(loss, ix, np.where(ix.inside, interest_short, 0.0) * ~ix.guarantee, 0)
    st.g_left = st.g_left - np.where(ix.guarantee, paid, 0.0)


def _mark_defaults(t: int, st: _State, new: BoolArray, rounds: IntArray) -> None:
    wall = st.extra["unrolled"] > 1e-9
    reason = np.where(rounds > 1, REASONS.index("contagion"),
                      np.where(wall, REASONS.index("maturity wall"), REASONS.index("shortfall")))
    st.reason = np.where(new, reason, st.reason)
    st.default_q = np.where(new, t, st.default_q)
    st.alive = st.alive & ~new


def _write_offs(t: int, cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray], st: _State,
                new: BoolArray, loss: _Losses) -> FloatArray:
    if not new.any():
        return np.zeros(new.shape[0])
    gone = new[:, cw.obligor] & ix.inside
    rec = holders.recovery_rate(cw.rank, prm["recovery_senior_secured"], prm["recovery_senior"],
                                prm["recovery_subordinated"])
    debt_left = st.out * gone * ix.debt
    future = cw.annual_payment[None, :] / 4 * st.scale * np.maximum(st.maturity - t - 1, 0)
    flow_left = future * gone * ix.flow * (cw.start_q[None, :] <= t)
    recovered = debt_left * rec + flow_left * prm["recovery_flow"][:, None]
    _book(loss, ix, debt_left + flow_left - recovered, 1)
    st.defaulted_debt += (st.out * new[:, cw.obligor] * ix.debt).sum(axis=1)
    st.cash = st.cash + _by_holder(ix, recovered)
    dead = new[:, cw.obligor]
    st.out = np.where(dead & (ix.debt | ix.flow), 0.0, st.out)
    st.scale = np.where(dead, 0.0, st.scale)
    return np.asarray(recovered.sum(axis=1), dtype=np.float64)


def _vintage(t: int, ix: _Index, prm: dict[str, FloatArray], sc: Scenario,
             age0: FloatArray, start: IntArray) -> FloatArray:
    """Value of each vintage at the end of quarter ``t`` relative to its value at the start.

    :func:`~bubblescope.stress.collateral.gpu_value`'s law with the scenario's parameters:
    economic life ``1 / gpu_depreciation`` years, a step-down of ``generation_step`` every
    ``generation_interval_quarters``. A loan that starts later is new at its start.
    """
    elapsed = np.maximum(t + 1 - start, 0).astype(np.float64)
    life = 1.0 / np.maximum(prm["gpu_depreciation"], 1e-6)
    return vintage_factor(age0[None, :], (age0 + elapsed)[None, :], life[:, None],
                          np.full((life.size, 1), sc.generation_interval_quarters / 4.0),
                          prm["generation_step"][:, None], RESIDUAL)


def _collateral(t: int, cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray], st: _State,
                sc: Scenario, loss: _Losses) -> dict[str, FloatArray]:
    # st.price is the GPU *market* factor (shocks and fire-sale impact); wear and generation
    # step-downs act on each loan's own vintage (collateral.gpu_value's law)
    st.price = st.price * (1.0 - prm["gpu_price_shock"] * (t == sc.shock_quarter))
    # what a GPU bought at the start is worth (the reported GPU price)
    new_vintage = _vintage(t, ix, prm, sc, np.zeros(1), np.zeros(1, dtype=np.int64))[:, 0]
    if ix.gsub.size == 0:
        st.extra["gpu_price"] = st.price * new_vintage
        return {"proceeds": np.zeros(st.price.size)}
    debt = st.out[:, ix.gsub]
    ltv_max = np.minimum(ix.ltv0 + float(prm["ltv_covenant_headroom"][0]), 0.999)
    worth = _vintage(t, ix, prm, sc, ix.gpu_age0, ix.gpu_start)  # (n_paths, k)
    res = fire_sale(st.units * worth, debt, ltv_max, st.price,
                    impact=float(prm["fire_sale_impact"][0]),
                    market_depth=float(prm["gpu_market_depth"][0]))
    st.price = res.price
    st.extra["gpu_price"] = st.price * new_vintage
    st.extra["worth"] = worth
    repay = np.minimum(res.proceeds, debt)
    st.units = np.maximum(st.units - res.sold / np.maximum(worth, 1e-12), 0.0)
    left = debt - repay
    wiped = (st.units <= 1e-12) & (left > 0)
    lender_loss = np.zeros((st.price.size, cw.m))
    lender_loss[:, ix.gsub] = left * wiped
    _book(loss, ix, lender_loss, 4)
    st.out[:, ix.gsub] = np.where(wiped, 0.0, left)
    repaid = np.zeros((st.price.size, cw.m))
    repaid[:, ix.gsub] = repay
    st.cash = st.cash + _by_holder(ix, repaid)
    return {"proceeds": np.asarray(repay.sum(axis=1), dtype=np.float64)}


def _distance(cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray], st: _State,
              t: int) -> tuple[FloatArray, FloatArray]:
    """Merton distance to default of each entity (10 years) and its remaining flows owed."""
    owed_flows = cw.annual_payment[None, :] * st.scale * np.maximum(st.maturity - t, 0) / 4
    owed = _by_obligor(ix, st.out * ix.debt + owed_flows * ix.cuttable)
    equity = cw.market_cap[None, :] * st.value
    sigma = prm["asset_volatility"] + prm["volatility_shock"] * st.shocked
    return funding.distance_to_default(equity, owed, sigma), owed_flows


def _expected_loss(cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray], st: _State,
                   t: int) -> tuple[FloatArray, FloatArray]:
    dd, owed_flows = _distance(cw, ix, prm, st, t)
    # issuers with an agency rating start at it; the structural model moves them (ratings.py)
    pd = anchored_pd(dd, st.dd0, ix.pd_anchor)
    pd = np.where(st.alive, pd, 1.0)
    rec = holders.recovery_rate(cw.rank, prm["recovery_senior_secured"], prm["recovery_senior"],
                                prm["recovery_subordinated"])
    el = pd[:, cw.obligor] * (1.0 - rec)
    lgd_flow = 1.0 - prm["recovery_flow"][:, None]
    income = owed_flows * ix.cuttable * (1.0 - pd[:, cw.obligor] * lgd_flow)
    # a guarantee is worth what its guarantor can pay: weighted by the guarantor's survival
    lgd_g = 1.0 - prm["recovery_senior"][:, None]
    income += (st.g_left * ix.guarantee * st.alive[:, cw.obligor]
               * (1.0 - pd[:, cw.obligor] * lgd_g))
    collections = _by_holder(ix, income) + st.cash
    if ix.gsub.size:  # a GPU-backed SPV can also sell its collateral at today's vintage value
        pledged = np.zeros_like(income)
        pledged[:, ix.gsub] = st.units * st.extra.get("worth", 1.0) * st.price[:, None]
        collections += _by_obligor(ix, pledged)
    tr_loss, el_spv = leases.tranche_expected_loss(ix.book, collections)
    el = np.where(ix.book.contract_spv[None, :] >= 0, el_spv, el)
    return np.clip(np.where(ix.debt, el, 0.0), 0.0, 1.0), tr_loss


def _paper(t: int, cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray], st: _State,
           loss: _Losses, rec: Recorder, after: bool) -> None:
    el, tr_loss = _expected_loss(cw, ix, prm, st, t + 1)
    junk_now = ~is_investment_grade(rate(el)) & ix.debt & st.ig0
    newly = junk_now & ~st.junk
    st.junk |= junk_now
    _book(loss, ix, holders.forced_sale_loss(newly, ix.constrained, st.out,
                                             prm["forced_sale_discount"]), 5)
    volume = (cw.amount[None, :] * st.junk).sum(axis=1)
    st.spread = (prm["base_spread"] + prm["spread_shock"] * after
                 + prm["spread_per_100bn_downgraded"] * volume / 100
                 + prm["spread_per_100bn_defaulted"] * st.defaulted_debt / 100)
    rec.paper(t, volume, tr_loss.sum(axis=1))


def _marks(cw: CompiledWeb, ix: _Index, st: _State, loss: _Losses) -> None:
    started = st.basis > 0
    value = st.basis * np.where(ix.fund[cw.obligor], holders.value_index(
        st.cum_loss, ix.capital)[:, cw.obligor], np.minimum(st.value[:, cw.obligor], 10.0))
    new = np.where(ix.equity & started, value, 0.0)
    _book(loss, ix, np.where(ix.equity, st.out - new, 0.0), 3)
    st.out = np.where(ix.equity, new, st.out)
    st.cum_loss += loss.entity.sum(axis=2)


def _capex(t: int, cw: CompiledWeb, ix: _Index, prm: dict[str, FloatArray],
           st: _State) -> tuple[FloatArray, FloatArray]:
    plan = _plan(t, cw, prm, st)
    spent = np.minimum(plan, np.maximum(st.cash, 0.0))
    st.cash = st.cash - spent
    ref = cw.capex[None, :] / 4 * (1.0 + prm["capex_growth"][:, None]) ** (t / 4)
    st.capex_index = spent.sum(axis=1) / np.maximum(ref.sum(axis=1), 1e-12)
    if ref.sum() <= 0:
        st.capex_index = np.ones_like(st.capex_index)
    if t == 0:  # valuations price in the spending the web could fund at the start
        st.capex_norm = np.maximum(st.capex_index, 1e-9)
    return np.asarray(spent.sum(axis=1), dtype=np.float64), np.asarray(ref.sum(axis=1))


def _plan(t: int, cw: CompiledWeb, prm: dict[str, FloatArray], st: _State) -> FloatArray:
    growth = (1.0 + prm["capex_growth"][:, None]) ** (t / 4)
    cut = np.clip(st.value, 0.0, 1.0) ** prm["capex_valuation_elasticity"][:, None]
    return np.asarray(cw.capex[None, :] / 4 * growth * cut * st.alive, dtype=np.float64)


# ------------------------------------------------------------------ helpers


def _by_obligor(ix: _Index, x: FloatArray) -> FloatArray:
    """Sum a contract array (n_paths, m) by obligor: (n_paths, n)."""
    return np.asarray((ix.to_obligor @ x.T).T, dtype=np.float64)


def _by_holder(ix: _Index, x: FloatArray) -> FloatArray:
    """Sum a contract array (n_paths, m) by holder inside the web: (n_paths, n)."""
    return np.asarray((ix.to_holder @ x.T).T, dtype=np.float64)


def _aggregator(index: IntArray, n: int) -> sparse.csr_array:
    """Sparse 0/1 matrix of shape (n, m) summing contract k into entity index[k] (-1: none)."""
    keep = np.flatnonzero(index >= 0)
    return sparse.csr_array((np.ones(keep.size), (index[keep], keep)), shape=(n, index.size))


@dataclass(frozen=True)
class _Losses:
    """This quarter's losses: by holder and channel (n_paths, n, C), by contract (n_paths, m)."""

    entity: FloatArray
    contract: FloatArray


def _book(loss: _Losses, ix: _Index, per_contract: FloatArray, channel: int) -> None:
    loss.entity[:, :, channel] += _by_holder(ix, per_contract)
    loss.contract[:] += np.where(ix.inside, per_contract, 0.0)

