"""Paper and ratings: expected losses rate the debt; junk moves spreads and forces sales.

Each issuer's default probability is Merton's (10 years) anchored at its agency rating
(:func:`~bubblescope.stress.kernels.ratings.anchored_pd`); an SPV's paper takes the loss
its tranche would bear in the SPV's waterfall given what the SPV is projected to collect
(leases weighted by the tenant's survival, guarantees by the guarantor's, GPU collateral
at today's value). Debt rated investment grade at the start that falls to junk is
downgraded: rating-constrained holders sell it at a discount. The credit spread is a state
(:mod:`~bubblescope.stress.kernels.spread`): the scenario's shock, the debt junked this
quarter and the debt defaulted this quarter widen it, and it gives the widening back with
the half-life measured on the BBB OAS after 2002 and 2008.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.channels.holders import forced_sale_loss
from bubblescope.stress.channels.marks import lgd
from bubblescope.stress.channels.quarter import Quarter
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.merton import distance_to_default
from bubblescope.stress.kernels.ratings import anchored_pd, is_investment_grade, rating_of
from bubblescope.stress.kernels.spread import impulse, next_spread
from bubblescope.stress.kernels.waterfall import tenant_mixture
from bubblescope.stress.state import State

__all__ = ["MERTON_HORIZON_YEARS", "Paper", "StartingRatings", "balance", "distance",
           "expected_loss", "expected_loss_and_pd", "reference_distance", "rerate", "start"]

#: Horizon of the Merton distance to default (the rating horizon of the EL table), years.
MERTON_HORIZON_YEARS: Final[float] = 10.0


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
        Rating code of each contract.
    el : (n_paths, m)
        10-year expected loss of each debt contract (fraction of par).
    pd : (n_paths, n)
        10-year default probability of each issuer (1 once it defaulted).
    """

    junk: BoolArray
    spread: FloatArray
    forced: FloatArray
    downgraded: FloatArray
    tranche_loss: FloatArray
    grade: IntArray
    el: FloatArray
    pd: FloatArray


def start(ctx: RunContext, st: State) -> StartingRatings:
    """The balance sheets and investment-grade debt at the start (before any shock)."""
    equity0, owed0, _ = balance(ctx, st, 0)  # anchored ratings move from here
    st = replace(st, equity0=equity0, owed0=owed0)
    el, _, pd = expected_loss_and_pd(ctx, st, 0, shocked=False)
    return StartingRatings(equity0, owed0, is_investment_grade(rating_of(el)), el, pd)


def rerate(ctx: RunContext, st: State, q: Quarter, defaulted: FloatArray) -> Paper:
    """Rate the debt at the end of quarter ``q``; junk, forced sales and spreads.

    ``defaulted`` is the debt that defaulted this quarter, USD bn, shape (n_paths,): with
    the debt junked this quarter and the shock in its quarter, it widens the spread, which
    otherwise reverts to ``base_spread``
    (:func:`~bubblescope.stress.kernels.spread.next_spread`).
    """
    cw, ix, prm = ctx.web, ctx.index, ctx.params
    el, tr_loss, pd = expected_loss_and_pd(ctx, st, q.t + 1, shocked=q.after)
    grade = rating_of(el)
    # an SPV's equity piece is first-loss capital, not rated paper: never "downgraded"
    junk_now = ~is_investment_grade(grade) & ix.debt & (cw.rank < 3) & st.ig0
    newly = junk_now & ~st.junk
    junk = st.junk | junk_now
    forced = forced_sale_loss(newly, ix.constrained, st.outstanding, prm.forced_sale_discount)
    volume = (cw.amount[None, :] * junk).sum(axis=1)
    widening = impulse(prm.spread_shock, q.hit, (cw.amount[None, :] * newly).sum(axis=1),
                       defaulted, prm.spread_per_100bn_downgraded,
                       prm.spread_per_100bn_defaulted)
    spread = next_spread(st.spread, prm.base_spread, widening)
    return Paper(junk, spread, forced, volume, tr_loss.sum(axis=1), grade, el, pd)


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
    """Merton distance to default of each entity (10 years), (n_paths, n), and the flows
    still owed on each contract, (n_paths, m)."""
    equity, owed, owed_flows = balance(ctx, st, t)
    return (distance_to_default(equity, owed, _sigma(ctx, shocked), MERTON_HORIZON_YEARS),
            owed_flows)


def reference_distance(ctx: RunContext, st: State) -> FloatArray:
    """Distance to default the anchored ratings move from, (n_paths, n): the starting
    balance sheet plus the debt issued since to finance capex (``st.issued_debt``), at the
    starting volatility.

    The agencies rated the issuers on their published capex and financing plans; debt
    raised to carry out the plan buys the assets it finances (``A = E + D`` grows by it),
    so it moves the grade only through what happens to the equity behind it.
    """
    return distance_to_default(st.equity0, st.owed0 + st.issued_debt, _sigma(ctx, False),
                               MERTON_HORIZON_YEARS)


def _sigma(ctx: RunContext, shocked: bool) -> FloatArray:
    prm = ctx.params
    return np.asarray(prm.asset_volatility + prm.volatility_shock * float(shocked),
                      dtype=np.float64)


def expected_loss(ctx: RunContext, st: State, t: int, *, shocked: bool
                  ) -> tuple[FloatArray, FloatArray]:
    """Expected loss of each debt contract over 10 years, (n_paths, m), and the projected
    loss of the SPVs' tranches, (n_paths, s, 3)."""
    el, tr_loss, _ = expected_loss_and_pd(ctx, st, t, shocked=shocked)
    return el, tr_loss


def expected_loss_and_pd(ctx: RunContext, st: State, t: int, *, shocked: bool
                         ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`expected_loss` and each issuer's 10-year default probability, (n_paths, n)."""
    cw, ix, prm = ctx.web, ctx.index, ctx.params
    dd, owed_flows = distance(ctx, st, t, shocked=shocked)
    # issuers with an agency rating start at it; the structural model moves them (on
    # leverage, from the starting balance sheet plus the debt the capex plan issued)
    root_h = np.sqrt(MERTON_HORIZON_YEARS)
    pd = anchored_pd(dd, reference_distance(ctx, st), ix.pd_anchor,
                     _sigma(ctx, shocked) * root_h, _sigma(ctx, False) * root_h)
    pd = np.where(st.alive, pd, 1.0)
    # a granular pool's loans lose its pool_lgd on the borrowers that default
    el = pd[:, cw.obligor] * lgd(ctx)
    # an SPV's paper carries its main tenant's credit: collections if the tenant survives
    # (rent and guarantee paid) and if it defaults (their recoveries), mixed by its PD; other
    # tenants and guarantors enter at their expected payments in both states
    flows = owed_flows * ix.cuttable
    g_owed = st.guarantee_left * ix.guarantee * st.alive[:, cw.obligor]
    lost = (flows * (1.0 - prm.recovery_flow[:, None])
            + g_owed * (1.0 - prm.recovery_senior[:, None]))
    main = ix.main_tenant_contract[None, :]
    expected = flows + g_owed - pd[:, cw.obligor] * lost
    survive = ctx.by_holder(np.where(main, flows + g_owed, expected)) + st.cash
    default = ctx.by_holder(np.where(main, flows + g_owed - lost, expected)) + st.cash
    if ix.gsub.size:  # a GPU-backed SPV can also sell its collateral at today's vintage value
        pledged = np.zeros_like(flows)
        pledged[:, ix.gsub] = st.units * st.worth * st.price[:, None]
        survive = survive + ctx.by_obligor(pledged)
        default = default + ctx.by_obligor(pledged)
    has = ix.spv_tenant >= 0
    pd_tenant = np.where(has[None, :], pd[:, np.maximum(ix.spv_tenant, 0)], 0.0)
    tr_loss, el_spv = tenant_mixture(ix.book, survive, default, pd_tenant)
    el = np.where(ix.book.contract_spv[None, :] >= 0, el_spv, el)
    return np.clip(np.where(ix.debt, el, 0.0), 0.0, 1.0), tr_loss, pd
