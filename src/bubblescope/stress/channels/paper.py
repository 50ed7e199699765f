"""Paper and ratings: expected losses rate the debt; junk moves spreads and forces sales.

Two views of each issuer's default probability (Merton, 10 years, anchored at its agency
rating: :func:`~bubblescope.stress.kernels.ratings.anchored_pd`):

* the market's, point in time: each issuer's own asset volatility (its measured equity
  volatility delevered, :func:`asset_volatility`) times the crisis multiplier of the
  scenario (:func:`crisis_multiplier`: the measured crisis / calm volatility of an index
  over the crisis's measured length, fading as the crisis passes). It marks fund-held debt
  and drives the granular pools' defaults;
* the agencies', through the cycle: the structural grade at the calm volatility on equity
  looked through (:data:`LOOK_THROUGH_HALF_LIFE_Q`), to which the agency rating moves by the
  agencies' migration policy (:func:`~bubblescope.stress.kernels.ratings.migrate`: at least
  1.8 notches away, then 70 % of the gap down, 60 % up; Altman and Rijken 2005). It rates
  the paper: junk, forced sales, capital charges. A fund's rating does not rise during a
  stress (selling assets in a crash does not make it safer to lend to). The agencies' model
  grade is the worse of that structural grade and a cash-flow view
  (:func:`_leverage_multiples`, :func:`~bubblescope.stress.kernels.ratings.cash_flow_pd`):
  the starting grade moved by the change of the issuer's debt / EBITDA band when a
  customer's contract it was rated on is cut or lost.

An SPV's paper takes the loss its tranche would bear in the SPV's waterfall given what the
SPV is projected to collect (leases weighted by the tenant's survival, guarantees by the
guarantor's, GPU collateral at today's value). Debt rated investment grade at the start
that falls to junk is downgraded: rating-constrained holders sell it at a discount. The
credit spread is a state (:mod:`~bubblescope.stress.kernels.spread`): the scenario's shock,
the debt junked this quarter and the debt defaulted this quarter widen it, and it gives the
widening back with the half-life measured on the BBB OAS after 2002 and 2008.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.channels.marks import lgd
from bubblescope.stress.channels.quarter import Quarter
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.backlog import COMPUTE_CASH_MARGIN
from bubblescope.stress.kernels.debt_el import (
    BalanceSums,
    DebtLayout,
    balance_layout,
    balance_sums,
    debt_expected_loss,
    debt_layout,
    junk,
)
from bubblescope.stress.kernels.merton import distance_to_default
from bubblescope.stress.kernels.ratings import (
    anchor_leverage,
    anchored_merton_pd,
    cash_flow_pd,
    is_investment_grade,
    look_through,
    migrate,
    rating_of,
    start_leverage,
)
from bubblescope.stress.kernels.spread import impulse, next_spread, shock_impulse
from bubblescope.stress.kernels.waterfall import tenant_mixture
from bubblescope.stress.state import State

__all__ = [
    "LOOK_THROUGH_HALF_LIFE_Q",
    "MERTON_HORIZON_YEARS",
    "Collections",
    "Paper",
    "StartingRatings",
    "asset_volatility",
    "balance",
    "collections_owed",
    "crisis_multiplier",
    "default_probability",
    "distance",
    "expected_loss",
    "expected_loss_and_pd",
    "expected_loss_given_pd",
    "reference_distance",
    "rerate",
    "start",
]

#: Horizon of the Merton distance to default (the rating horizon of the EL table), years.
MERTON_HORIZON_YEARS: Final[float] = 10.0
#: Half-life, in quarters, of the equity the agencies rate on moving toward the market's
#: (:func:`~bubblescope.stress.kernels.ratings.look_through`). Calibrated: the shortest
#: half-life, in half-quarter steps, at which the measured 2021-11..2022-12 drawdowns of the
#: eight large tech issuers (quarterly lows from shared/data/stock_daily_*.csv) move none of
#: their grades by more than one notch under the migration policy (Meta, -74 %, moves one
#: notch at 2 quarters and two at 1.5); re-derived in tests/stress/test_ratings_calibration.py.
LOOK_THROUGH_HALF_LIFE_Q: Final[float] = 2.0


@dataclass(frozen=True, eq=False)
class StartingRatings:
    """Each issuer's equity value and what it owes at the start (n_paths, n), the balance
    sheet its agency rating was given on; which debt is investment grade at the start
    (n_paths, m): each path its own start; the 10-year expected loss of each contract
    (n_paths, m) and default probability of each issuer (n_paths, n) then."""

    equity0: FloatArray
    owed0: FloatArray
    ig0: BoolArray
    el0: FloatArray
    pd0: FloatArray


@dataclass(frozen=True, eq=False)
class Paper:
    """The paper after re-rating.

    Attributes
    ----------
    junk : (n_paths, m)
        Debt investment grade at the start that is junk now or was before.
    spread : (n_paths,)
        Credit spread for the next quarter.
    forced : (n_paths, m)
        Losses of rating-constrained holders selling paper newly junked.
    downgraded : (n_paths,)
        Volume junked so far, USD bn.
    tranche_loss : (n_paths, 3)
        Projected principal loss of the SPVs' senior, mezzanine and equity tranches.
    grade : (n_paths, m)
        Agency rating code of each contract (through the cycle).
    el : (n_paths, m)
        10-year expected loss of each debt contract (fraction of par), the market's.
    pd : (n_paths, n)
        10-year default probability of each issuer (1 once it defaulted), the market's.
    rated_pd : (n_paths, n)
        Default probability each issuer's agency rating stands for.
    equity_rated : (n_paths, n)
        Equity value the agencies rate on (looked through).
    scale_rated : (n_paths, m)
        Running share of each contract the cash-flow view measures lost cash flow from
        (:func:`_leverage_multiples`).
    """

    junk: BoolArray
    spread: FloatArray
    forced: FloatArray
    downgraded: FloatArray
    tranche_loss: FloatArray
    grade: IntArray
    el: FloatArray
    pd: FloatArray
    rated_pd: FloatArray
    equity_rated: FloatArray
    scale_rated: FloatArray


def start(ctx: RunContext, st: State) -> StartingRatings:
    """The balance sheets and investment-grade debt at the start (before any shock)."""
    equity0, owed0, _ = balance(ctx, st, 0)  # anchored ratings move from here
    st = replace(st, equity0=equity0, owed0=owed0)
    el, _, pd = expected_loss_and_pd(ctx, st, 0, shocked=False)
    return StartingRatings(equity0, owed0, is_investment_grade(rating_of(el)), el, pd)


def rerate(ctx: RunContext, st: State, q: Quarter, defaulted: FloatArray) -> Paper:
    """Rate the debt at the end of quarter ``q``; junk, forced sales and spreads.

    ``defaulted`` is the debt that defaulted this quarter, USD bn, shape (n_paths,): with
    the debt junked this quarter and the scenario's shock while it builds
    (:func:`~bubblescope.stress.kernels.spread.shock_impulse`), it widens the spread, which
    otherwise reverts to ``base_spread``
    (:func:`~bubblescope.stress.kernels.spread.next_spread`).
    """
    cw, ix, prm = ctx.web, ctx.index, ctx.params
    t = q.t + 1
    stressed = q.after and not ctx.scenario.unshocked
    scale_rated = st.scale_rated if stressed else st.scale  # the plan: the baseline's
    sums = _balance_sums(ctx, st, t, scale_rated)  # balance, collections_owed, cash flow
    equity, owed = sums.equity, sums.owed
    reference = reference_distance(ctx, st)  # the same for both views
    pd = default_probability(ctx, st, equity, owed, crisis_multiplier(ctx, q),
                             reference=reference)
    el, tr_loss, _ = _debt_el(ctx, st, pd, sums)
    # the agencies: the calm structural grade on equity looked through, reached by their
    # migration policy; a default is a D at once; a fund's grade does not rise in a stress
    equity_rated = look_through(st.equity_rated, equity, LOOK_THROUGH_HALF_LIFE_Q)
    target = default_probability(ctx, st, equity_rated, owed, 1.0, reference=reference)
    ref, now = _leverage_multiples(ctx, st, sums.lost_sales, sums.debt_now)
    cash_view = cash_flow_pd(ctx.index.pd_anchor, ref, now)
    target = np.where(np.isnan(cash_view), target, np.maximum(target, cash_view))
    rated = migrate(st.rated_pd, target)
    if stressed:  # a fund selling assets in a crash is no safer a borrower for it
        rated = np.where(ix.fund[None, :], np.maximum(rated, st.rated_pd), rated)
    rated = np.where(st.alive, rated, 1.0)
    grade = _debt_el(ctx, st, rated, sums, grade=True)[2]
    # nor is a firm whose debt ran off in the crash: no grade above its start (stressed);
    # an SPV's equity piece is first-loss capital, not rated paper: never "downgraded"
    ratable = ctx.constant("ratable", lambda: np.asarray(ix.debt & (cw.rank < 3)))
    junked = junk(grade, _start_grade(ctx, st) if stressed else None, ratable, st.ig0,
                  st.junk, ix.constrained, st.outstanding, prm.forced_sale_discount,
                  cw.amount)
    shock = shock_impulse(prm.spread_shock, q.t - ctx.scenario.shock_quarter,
                          ctx.scenario.spread_build_quarters)
    widening = impulse(shock, junked.newly, defaulted,
                       prm.spread_per_100bn_downgraded, prm.spread_per_100bn_defaulted)
    spread = next_spread(st.spread, prm.base_spread, widening)
    return Paper(junked.junk, spread, junked.forced, junked.volume, tr_loss.sum(axis=1),
                 junked.grade, el, pd, rated, equity_rated, scale_rated)


def _debt_el(ctx: RunContext, st: State, pd: FloatArray, sums: BalanceSums, *,
             grade: bool = False) -> tuple[FloatArray, FloatArray, IntArray]:
    """:func:`expected_loss_given_pd` (and the grade of each contract) in one pass
    (:func:`~bubblescope.stress.kernels.debt_el.debt_expected_loss`)."""
    el, tr_loss, codes = debt_expected_loss(_debt_layout(ctx), pd, lgd(ctx), sums.paid,
                                            sums.lost, st.cash, sums.pledged, grade=grade)
    return el, tr_loss, codes if codes is not None else np.zeros((0, 0), dtype=np.int64)


def _debt_layout(ctx: RunContext) -> DebtLayout:
    cw, ix = ctx.web, ctx.index
    return ctx.constant("debt_layout", lambda: debt_layout(
        cw.obligor, cw.holder, ix.debt, ix.main_tenant_contract, ix.book, ix.spv_tenant))


def _balance_sums(ctx: RunContext, st: State, t: int, scale_rated: FloatArray) -> BalanceSums:
    """:func:`balance`, :func:`collections_owed` and the sums of
    :func:`_leverage_multiples` in one pass
    (:func:`~bubblescope.stress.kernels.debt_el.balance_sums`)."""
    cw, ix, prm = ctx.web, ctx.index, ctx.params
    layout = ctx.constant("balance_layout", lambda: balance_layout(
        cw.obligor, cw.holder, ix.debt, ix.cuttable, ix.guarantee, cw.annual_payment,
        _cash_flow_plan(ctx)[0], ix.gsub, _debt_layout(ctx).held_cols))
    gpu = (st.units * st.worth * st.price[:, None] if ix.gsub.size
           else np.zeros((ctx.n_paths, 0)))
    return balance_sums(layout, t, st.scale, st.maturity, st.outstanding, st.guarantee_left,
                        st.alive, cw.market_cap, st.value, st.cum_credit, ix.listed,
                        prm.recovery_flow, prm.recovery_senior, gpu, scale_rated)


def _start_grade(ctx: RunContext, st: State) -> IntArray:
    return ctx.constant("start_grade", lambda: rating_of(st.el0), st.el0)


def _cash_flow_plan(ctx: RunContext) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Cash margin of each contract sold (m,), EBITDA and debt on the plan (n,)."""
    cw, ix = ctx.web, ctx.index

    def make() -> tuple[FloatArray, FloatArray, FloatArray]:
        compute = cw.kind_mask(("compute_commitment",))
        margin = np.where(~np.isnan(ix.sale_margin), np.nan_to_num(ix.sale_margin),
                          np.where(compute, COMPUTE_CASH_MARGIN, 1.0))
        sold = margin * cw.annual_payment * ix.flow * ~ix.opcost * ix.inside
        later = ctx.by_holder((sold * (cw.start_q >= 0))[None, :])[0]
        ebitda0 = np.maximum(cw.revenue - cw.op_cost, 0.0) + later
        debt0 = ctx.by_obligor((cw.amount * ix.debt * (cw.start_q < 0))[None, :])[0]
        return (np.asarray(sold, dtype=np.float64), np.asarray(ebitda0, dtype=np.float64),
                np.asarray(debt0, dtype=np.float64))
    return ctx.constant("cash_flow_plan", make)


def _leverage_multiples(ctx: RunContext, st: State, lost: FloatArray, debt_now: FloatArray
                        ) -> tuple[FloatArray, FloatArray]:
    """Each issuer's debt / EBITDA on the plan it was rated on and now, (n_paths, n), from
    the cash margin ``lost`` since the plan and the debt owed now ``debt_now`` (both summed
    in one pass by :func:`~bubblescope.stress.kernels.debt_el.balance_sums`; its twin
    :func:`~bubblescope.stress.kernels.debt_el.balance_sums_reference` is the numpy form).

    The plan rests on ``scale_rated`` (n_paths, m), the running share of each contract the
    ratings were given on: the baseline's up to the quarter before the shock (what the
    baseline cuts before then is in the plan), so only what the shock takes away moves
    the view.

    EBITDA is proxied by operating cash flow before capex and interest at the start,
    ``revenue - op_cost`` (the filed operating cash flow plus the engine's interest where a
    firm files one: :mod:`~bubblescope.stress.compile`), plus the cash margin of the
    contracts signed that start later (the forward cash flow the capacity is built for).
    The plan's debt is the starting debt plus the debt issued since for capex
    (``issued_debt``, as :func:`reference_distance`). Now, each contract the issuer sells
    on counts at its running share (``scale``: cuts and a customer's default lower it),
    less the share re-let to other customers (the scenario's ``recovery_flow``, as
    :mod:`~bubblescope.stress.kernels.backlog`), and the debt is what it owes now. The cash
    margin of a sale is the seller's gross
    margin for a chip order, :data:`~bubblescope.stress.kernels.backlog.COMPUTE_CASH_MARGIN`
    for a compute commitment and 1 for rent (no cost beyond the seller's own). Leases and
    commitments the issuer pays are not added to its debt (agencies adjust for leases;
    omitted here: the anchored change, not the level, moves the grade). An issuer with no
    cash flow at all on the plan has an infinite multiple on both (no move).
    """
    _, ebitda0, debt0 = _cash_flow_plan(ctx)
    ebitda = ebitda0[None, :] - lost
    debt_plan = debt0[None, :] + st.issued_debt
    ref = np.where(ebitda0[None, :] > 0, debt_plan / np.where(ebitda0 > 0, ebitda0, 1.0),
                   np.inf)
    now = np.where(ebitda > 0, debt_now / np.where(ebitda > 0, ebitda, 1.0), np.inf)
    now = np.where(ebitda0[None, :] > 0, now, np.inf)
    return np.asarray(ref, dtype=np.float64), np.asarray(now, dtype=np.float64)


def balance(ctx: RunContext, st: State, t: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each entity's equity value and what it owes (debt plus remaining leases and
    commitments), (n_paths, n), and the flows still owed on each contract, (n_paths, m)."""
    cw, ix = ctx.web, ctx.index
    owed_flows = cw.annual_payment[None, :] * st.scale * np.maximum(st.maturity - t, 0) / 4
    owed = ctx.by_obligor(st.outstanding * ix.debt + owed_flows * ix.cuttable)
    # a firm's own realised credit losses (lost backlog, stranded capacity, customers who
    # do not pay) eat its equity cushion; its share price rides the AI index (valuation.py)
    equity = np.maximum(cw.market_cap[None, :] * st.value - st.cum_credit * ix.listed, 0.0)
    return equity, owed, owed_flows


def distance(ctx: RunContext, st: State, t: int, *, shocked: bool
             ) -> tuple[FloatArray, FloatArray]:
    """Merton distance to default of each entity (10 years), (n_paths, n), at the calm
    volatility (``shocked``: at the crisis's full multiplier), and the flows still owed on
    each contract, (n_paths, m)."""
    equity, owed, owed_flows = balance(ctx, st, t)
    sigma = asset_volatility(ctx, st) * _full_crisis(ctx, shocked)[:, None]
    return distance_to_default(equity, owed, sigma, MERTON_HORIZON_YEARS), owed_flows


def reference_distance(ctx: RunContext, st: State) -> FloatArray:
    """Distance to default the anchored ratings move from, (n_paths, n): the starting
    balance sheet plus the debt issued since to finance capex (``st.issued_debt``), at the
    calm volatility.

    The agencies rated the issuers on their published capex and financing plans; debt
    raised to carry out the plan buys the assets it finances (``A = E + D`` grows by it),
    so it moves the grade only through what happens to the equity behind it.
    """
    return distance_to_default(st.equity0, st.owed0 + st.issued_debt,
                               asset_volatility(ctx, st), MERTON_HORIZON_YEARS)


def asset_volatility(ctx: RunContext, st: State) -> FloatArray:
    """Calm asset volatility of each entity, (n_paths, n): its measured equity volatility
    delevered on the starting balance sheet, ``sigma_E E0 / (E0 + D0)`` (Merton; the
    figures are measured in ``calibration/volatility.py``), ``asset_volatility`` (an
    assumption) for an entity without one (unlisted labs, neoclouds, SPVs, funds,
    aggregates)."""
    def make() -> FloatArray:
        vol = ctx.web.equity_volatility
        if vol.size != ctx.web.n:
            vol = np.full(ctx.web.n, np.nan)
        assets = st.equity0 + st.owed0
        share = np.where(assets > 0, st.equity0 / np.where(assets > 0, assets, 1.0), 1.0)
        return np.asarray(np.where(np.isnan(vol)[None, :],
                                   ctx.params.asset_volatility[:, None], vol[None, :] * share),
                          dtype=np.float64)
    return ctx.constant("asset_volatility", make, st.equity0, st.owed0)


def crisis_multiplier(ctx: RunContext, q: Quarter) -> FloatArray:
    """Volatility over the 10-year horizon as a multiple of the calm one at the end of
    quarter ``q``, (n_paths,): 1 before the shock; from it, with the scenario's measured
    ``crisis_volatility_ratio`` ``r`` lasting ``crisis_volatility_years`` ``tau``,
    ``sqrt(1 + (r^2 - 1) max(tau - e, 0) / h)``, ``e`` the years since the shock quarter
    (the crisis's excess variance still ahead within the horizon)."""
    prm = ctx.params
    if not q.after:
        return np.ones(ctx.n_paths)
    left = np.maximum(prm.crisis_volatility_years - (q.t - ctx.scenario.shock_quarter) / 4.0,
                      0.0)
    return _multiplier(prm.crisis_volatility_ratio, np.minimum(left, MERTON_HORIZON_YEARS))


def _full_crisis(ctx: RunContext, shocked: bool) -> FloatArray:
    prm = ctx.params
    if not shocked:
        return np.ones(ctx.n_paths)
    return _multiplier(prm.crisis_volatility_ratio,
                       np.minimum(prm.crisis_volatility_years, MERTON_HORIZON_YEARS))


def _multiplier(ratio: FloatArray, years_left: FloatArray) -> FloatArray:
    return np.asarray(np.sqrt(1.0 + (ratio ** 2 - 1.0) * years_left / MERTON_HORIZON_YEARS),
                      dtype=np.float64)


def expected_loss(ctx: RunContext, st: State, t: int, *, shocked: bool
                  ) -> tuple[FloatArray, FloatArray]:
    """Expected loss of each debt contract over 10 years, (n_paths, m), and the projected
    loss of the SPVs' tranches, (n_paths, s, 3)."""
    el, tr_loss, _ = expected_loss_and_pd(ctx, st, t, shocked=shocked)
    return el, tr_loss


def expected_loss_and_pd(ctx: RunContext, st: State, t: int, *, shocked: bool
                         ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`expected_loss` and each issuer's 10-year default probability, (n_paths, n)
    (``shocked``: at the crisis's full volatility multiplier)."""
    equity, owed, owed_flows = balance(ctx, st, t)
    pd = default_probability(ctx, st, equity, owed, _full_crisis(ctx, shocked))
    el, tr_loss = expected_loss_given_pd(ctx, st, pd, owed_flows)
    return el, tr_loss, pd


def default_probability(ctx: RunContext, st: State, equity: FloatArray, owed: FloatArray,
                        crisis: FloatArray | float, *, reference: FloatArray | None = None,
                        ) -> FloatArray:
    """Each issuer's 10-year default probability on ``equity`` and ``owed`` at the calm
    volatility times ``crisis``, (n_paths, n); 1 once it defaulted. Issuers with an agency
    rating start at it and the structural model moves them (on leverage, from the starting
    balance sheet plus the debt the capex plan issued: :func:`reference_distance`, which
    ``reference`` passes when the caller has it)."""
    calm = asset_volatility(ctx, st)
    now = calm * np.reshape(np.asarray(crisis, dtype=np.float64), (-1, 1))
    root_h = np.sqrt(MERTON_HORIZON_YEARS)
    has, lev_a = ctx.constant("anchor_leverage", lambda: anchor_leverage(
        ctx.index.pd_anchor, calm * root_h), calm)
    start = reference_distance(ctx, st) if reference is None else reference
    return anchored_merton_pd(equity, owed, now, MERTON_HORIZON_YEARS, has, lev_a,
                              start_leverage(start, calm * root_h), st.alive)


def expected_loss_given_pd(ctx: RunContext, st: State, pd: FloatArray,
                           owed_flows: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Expected loss of each debt contract, (n_paths, m), and the SPVs' projected tranche
    losses, (n_paths, s, 3), given each issuer's default probability ``pd`` (n_paths, n):
    the numpy form of :func:`~bubblescope.stress.kernels.debt_el.debt_expected_loss`, run
    once at the start (:func:`start`)."""
    cw, ix = ctx.web, ctx.index
    c = collections_owed(ctx, st, owed_flows)
    # a granular pool's loans lose its pool_lgd on the borrowers that default
    el = pd[:, cw.obligor] * lgd(ctx)
    # an SPV's paper carries its main tenant's credit: collections if the tenant survives
    # (rent and guarantee paid) and if it defaults (their recoveries), mixed by its PD; other
    # tenants and guarantors enter at their expected payments in both states
    main = ix.main_tenant_contract[None, :]
    expected = c.paid - pd[:, cw.obligor] * c.lost
    survive = ctx.by_holder(np.where(main, c.paid, expected)) + st.cash
    default = ctx.by_holder(np.where(main, c.paid - c.lost, expected)) + st.cash
    if c.pledged is not None:  # a GPU-backed SPV can also sell its collateral
        survive = survive + c.pledged
        default = default + c.pledged
    has = ix.spv_tenant >= 0
    pd_tenant = np.where(has[None, :], pd[:, np.maximum(ix.spv_tenant, 0)], 0.0)
    tr_loss, el_spv = tenant_mixture(ix.book, survive, default, pd_tenant)
    el = np.where(ix.book.contract_spv[None, :] >= 0, el_spv, el)
    return np.clip(np.where(ix.debt, el, 0.0), 0.0, 1.0), tr_loss


@dataclass(frozen=True, eq=False)
class Collections:
    """What each contract still owes an SPV whatever the default probabilities: flows and
    guarantees in full (``paid``) and what a default loses of them (``lost``), (n_paths, m);
    the GPU collateral each SPV can sell at today's vintage value, (n_paths, n), or ``None``
    without GPU-backed SPVs."""

    paid: FloatArray
    lost: FloatArray
    pledged: FloatArray | None


def collections_owed(ctx: RunContext, st: State, owed_flows: FloatArray) -> Collections:
    """:class:`Collections` of the state ``st`` with ``owed_flows`` (:func:`balance`)."""
    cw, ix, prm = ctx.web, ctx.index, ctx.params
    flows = owed_flows * ix.cuttable
    g_owed = st.guarantee_left * ix.guarantee * st.alive[:, cw.obligor]
    lost = (flows * (1.0 - prm.recovery_flow[:, None])
            + g_owed * (1.0 - prm.recovery_senior[:, None]))
    pledged = None
    if ix.gsub.size:
        held = np.zeros_like(flows)
        held[:, ix.gsub] = st.units * st.worth * st.price[:, None]
        pledged = ctx.by_obligor(held)
    return Collections(flows + g_owed, lost, pledged)
