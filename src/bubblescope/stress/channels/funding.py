"""Funding: the reflexive loop of seed 004, second half.

Lenders roll over a share of maturing debt that falls with valuations and spreads (and
with their own lost capital); rolled debt is repriced by the move of its issuer's own
spread, read off the BBB spread by its rating now against its rating at the start
(:mod:`~bubblescope.stress.kernels.issuer_spread`), plus any rate shock. While the spread
is far above its base the market is shut to the lowest grades: they roll and issue
nothing (:func:`~bubblescope.stress.kernels.issuer_spread.market_open`).
Firms raise new equity up to a share of their market value to close what they cannot
pay. Unrolled principal is paid, or defaulted on, this quarter. A firm with cash above its
starting cash repays maturing debt with it and, unless it runs a buyback programme, issues
less new debt (:func:`~bubblescope.stress.channels.payouts.excess_cash`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.channels.capex import orders_back, plan
from bubblescope.stress.channels.holders import value_index
from bubblescope.stress.channels.payouts import excess_cash, returns_cash
from bubblescope.stress.channels.quarter import Quarter
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.issuer_spread import grade_spread, issuer_terms, market_open
from bubblescope.stress.kernels.ratings import IDEALIZED_LGD, rating_of
from bubblescope.stress.kernels.rollover import issue_contracts, roll_contracts
from bubblescope.stress.kernels.spread import excess_pp
from bubblescope.stress.state import State

__all__ = ["Funding", "Issuance", "equity_capacity", "issue", "issuer_grade", "refinance",
           "rollover_share", "spread_move"]


@dataclass(frozen=True, eq=False)
class Funding:
    """What funding did this quarter.

    Attributes
    ----------
    raised : (n_paths, n)
        New equity raised.
    rolled : (n_paths, m)
        Principal rolled over (no longer due now).
    principal_due : (n_paths, m)
        Principal not rolled: paid or defaulted on this quarter.
    unrolled : (n_paths, n)
        ``principal_due`` by obligor (a default with some is a maturity wall).
    maturity, interest_rate, outstanding : (n_paths, m)
        The contracts after refinancing.
    """

    raised: FloatArray
    rolled: FloatArray
    principal_due: FloatArray
    unrolled: FloatArray
    maturity: IntArray
    interest_rate: FloatArray
    outstanding: FloatArray


def refinance(ctx: RunContext, st: State, q: Quarter, due: FloatArray, principal: FloatArray,
              revenue: FloatArray) -> Funding:
    """Roll over maturing debt and raise equity in quarter ``q``.

    ``due`` and ``principal`` are (n_paths, m), ``revenue`` (n_paths, n).
    """
    cw, ix, prm, t = ctx.web, ctx.index, ctx.params, q.t
    move, open_ = _terms(ctx, st)
    share = rollover_share(st.value, move, prm.rollover_base,
                           prm.rollover_valuation_elasticity, prm.rollover_spread_sensitivity)
    share = share * open_
    # a lender that has lost its capital stops rolling too: its constraint propagates
    # (each sector's appetite per holder, read by its contracts; other lenders' is 1 ** e = 1)
    e = prm.rollover_valuation_elasticity
    willing = np.clip(value_index(st.cum_loss, ix.capital), 0.0, 1.0) ** e[:, None]
    # a firm with cash above its starting cash (after this quarter's capex plan) repays
    # maturing debt with it rather than rolling it (channels/payouts.py)
    wanted = plan(ctx, st.value, st.alive, t, orders_back(ctx, st, t))
    spare = excess_cash(ctx, st.cash - wanted)
    # a granular pool's maturities roll: its refinancing failures are in its default rate;
    # a leveraged fund's borrowing rolls while it has NAV: its lenders are repaid from the
    # holdings it sells on margin calls and lose what is beyond its NAV (leverage.py); a
    # fund does not default on a line for want of cash while its holdings cover it
    whole = ctx.constant("rolls_whole", lambda: np.asarray(
        ix.pool[cw.obligor] | ix.funds.fund_debt, dtype=np.bool_))
    cap = equity_capacity(cw.market_cap, st.value, prm.equity_raise_capacity, ix.listed)
    # unrolled principal is paid (or defaulted) now
    raised, rolled, unrolled, by_obligor, maturity, rate, outstanding = roll_contracts(
        principal, due, st.outstanding, st.maturity, st.interest_rate, cw.obligor, cw.holder,
        ix.sector_holder, whole, cw.rate, share, willing, spare,
        move, _shock(ctx, q.after), wanted, st.cash, revenue, cap, st.alive, t,
        ctx.scenario.refinancing_term_quarters)
    return Funding(raised, rolled, unrolled, by_obligor, maturity, rate, outstanding)


def _terms(ctx: RunContext, st: State) -> tuple[FloatArray, FloatArray]:
    """Each issuer's :func:`spread_move` and market access (1.0 open, 0.0 shut: the
    :func:`~bubblescope.stress.kernels.issuer_spread.market_open` of its grade now), both
    (n_paths, n), in one pass (:func:`~bubblescope.stress.kernels.issuer_spread.
    issuer_terms`; the numpy chain of :func:`issuer_grade`, :func:`spread_move` and
    :func:`_open` is its twin)."""
    ix = ctx.index
    start, start_spread = _start(ctx, st)

    def make() -> tuple[IntArray, BoolArray]:
        source = np.arange(ctx.web.n)
        has = ix.spv_tenant >= 0
        source[ix.book.spv[has]] = ix.spv_tenant[has]
        return source, np.asarray(ix.pool | ix.funds.leveraged, dtype=np.bool_)

    source, keep = ctx.constant("issuer_source", make)
    got = issuer_terms(st.rated_pd, source, keep, start, start_spread, st.spread,
                       ctx.params.base_spread)
    if got is None:  # a NaN probability: rating_of says what is wrong
        grade = issuer_grade(ctx, st.rated_pd)
        return spread_move(ctx, st, grade), _open(ctx, st, grade)
    return got[1], got[2]


def issuer_grade(ctx: RunContext, pd: FloatArray) -> IntArray:
    """Rating code each issuer borrows at, (n_paths, n), from the issuers' 10-year default
    probabilities ``pd`` (n_paths, n).

    An issuer's grade is the one its idealized expected loss (``pd * IDEALIZED_LGD``) rates
    (:func:`~bubblescope.stress.kernels.ratings.rating_of`); an SPV borrows on its main
    tenant's credit (lease-backed paper carries the tenant's), as the paper channel rates it.
    """
    ix = ctx.index
    has = ix.spv_tenant >= 0
    own = pd.copy()
    own[:, ix.book.spv[has]] = pd[:, ix.spv_tenant[has]]
    grade = rating_of(np.clip(own * IDEALIZED_LGD, 0.0, 1.0))
    return np.asarray(grade, dtype=np.int64)


def spread_move(ctx: RunContext, st: State, grade_now: IntArray | None = None
                ) -> FloatArray:
    """How far each issuer's own spread stands above its spread at the start (decimal),
    (n_paths, n): ``max(s_g(S) - s_g0(b), 0)``.

    ``g`` is the issuer's agency grade now (``st.rated_pd``, through the cycle: the spread
    of a rating bucket already widens with ``S`` in a stress, so the market's point-in-time
    PD would count the stress twice), ``g0`` at the start (``st.pd0``), ``S`` the
    BBB spread and ``b`` its base (:func:`~bubblescope.stress.kernels.issuer_spread.
    grade_spread`). A granular pool keeps its starting grade (its borrowers'
    refinancing failures are in its default rate), and so does a leveraged fund (its lines
    roll while it has NAV). An upgrade does not count (most upgrades here are
    unrated issuers leaving the raw model's starting grade, not a lender's view;
    assumption, confidence medium). ``grade_now``: :func:`issuer_grade` of ``st.rated_pd``
    when the caller has it already.
    """
    ix, prm = ctx.index, ctx.params
    start, start_spread = _start(ctx, st)
    now = issuer_grade(ctx, st.rated_pd) if grade_now is None else grade_now
    grade = np.where((ix.pool | ix.funds.leveraged)[None, :], start, now)
    move = grade_spread(grade, st.spread, prm.base_spread) - start_spread
    return np.asarray(np.maximum(move, 0.0), dtype=np.float64)


def _start(ctx: RunContext, st: State) -> tuple[IntArray, FloatArray]:
    """Each issuer's grade at the start and its spread then, at the calm base (n_paths, n):
    computed once a run."""
    prm = ctx.params

    def make() -> tuple[IntArray, FloatArray]:
        start = issuer_grade(ctx, st.pd0)
        start.flags.writeable = False
        spread = grade_spread(start, prm.base_spread, prm.base_spread)
        spread.flags.writeable = False
        return start, spread

    return ctx.constant("issuer_start", make, st.pd0)


def _shock(ctx: RunContext, after: bool) -> FloatArray:
    """The rate shock on debt rolled or issued now, (n_paths,), added to a repriced coupon
    (the contract's coupon plus its issuer's :func:`spread_move`): 0 before it hits."""
    return np.asarray(ctx.params.rate_shock * after, dtype=np.float64)


def _open(ctx: RunContext, st: State, grade: IntArray) -> FloatArray:
    """1 where the issuer's ``grade`` (:func:`issuer_grade` now) can borrow at the spread
    now, 0 where its market is shut, (n_paths, n)."""
    x = excess_pp(st.spread, ctx.params.base_spread)
    return np.asarray(market_open(grade, x), dtype=np.float64)


def rollover_share(
    valuation_index: FloatArray, spread_excess: FloatArray, base: FloatArray,
    elasticity: FloatArray, sensitivity: FloatArray,
) -> FloatArray:
    """Share of maturing debt that lenders roll over, shape (n_paths, n).

    ``base * min(V, 1)**elasticity * exp(-sensitivity * max(spread_excess, 0))``, with the
    per-path parameters of shape (n_paths,), ``valuation_index`` of shape (n_paths, n) and
    ``spread_excess`` (decimal) of shape (n_paths,) (the market's) or (n_paths, n) (each
    issuer's own, :func:`spread_move`).

    >>> float(rollover_share(np.ones((1, 1)), np.zeros(1), np.full(1, .9), np.ones(1),
    ...                      np.ones(1))[0, 0])
    0.9
    """
    v = np.clip(valuation_index, 0.0, 1.0) ** elasticity[:, None]
    x = np.asarray(spread_excess, dtype=np.float64)
    x = x if x.ndim == 2 else x[:, None]
    calm = np.exp(-sensitivity[:, None] * np.maximum(x, 0.0))
    return np.asarray(base[:, None] * v * calm, dtype=np.float64)


def equity_capacity(
    market_cap: FloatArray, valuation_index: FloatArray, capacity: FloatArray, listed: BoolArray,
) -> FloatArray:
    """New equity a firm can raise this quarter, USD bn, shape (n_paths, n).

    ``capacity * market_cap * V`` for firms with a market valuation, 0 otherwise.

    >>> equity_capacity(np.array([100.0]), np.array([[0.5]]), np.array([0.02]),
    ...                 np.array([True])).tolist()
    [[1.0]]
    """
    return np.asarray(
        capacity[:, None] * market_cap[None, :] * np.maximum(valuation_index, 0.0) * listed,
        dtype=np.float64,
    )


@dataclass(frozen=True, eq=False)
class Issuance:
    """New debt financing capex: cash after (n_paths, n), debt outstanding after (n_paths, m),
    the new debt of the quarter by issuer (n_paths, n) and the coupons after (n_paths, m):
    each contract's coupon blended with the issuer's coupon now on the debt added to it."""

    cash: FloatArray
    outstanding: FloatArray
    by_obligor: FloatArray
    interest_rate: FloatArray

    @property
    def issued(self) -> FloatArray:
        """The quarter's new debt, (n_paths,)."""
        return np.asarray(self.by_obligor.sum(axis=1), dtype=np.float64)


def issue(ctx: RunContext, st: State, t: int, spent: FloatArray) -> Issuance:
    """New debt financing ``debt_share_of_capex`` of this quarter's capex ``spent`` (n_paths, n).

    Seed 000: at least $141bn of 2025's $500bn AI capex (~30%) was on-balance-sheet debt
    (issue 11 item 7: AI debt grows with capex). New debt goes to the firm's running lenders
    pro rata (bonds and loans; not GPU-backed loans, whose collateral is fixed) and shares
    their maturity; its coupon is the issuer's now (its coupon plus :func:`spread_move` and the
    rate shock), blended into each
    contract's by amount. Markets take it as they take a rollover (valuation and spreads),
    and not at all from an issuer whose grade the market has shut. The money comes from the
    holders' own inflows, outside the web.
    """
    cw, ix, prm = ctx.web, ctx.index, ctx.params
    move, open_ = _terms(ctx, st)
    willing = rollover_share(st.value, move, np.ones(ctx.n_paths),
                             prm.rollover_valuation_elasticity, prm.rollover_spread_sensitivity)
    want = prm.debt_share_of_capex[:, None] * spent * willing * open_ * st.alive
    # a firm without a buyback programme issues less when it has cash above its starting
    # cash; one with a programme keeps its financing mix and pays the excess out
    # (channels/payouts.py: Alphabet and Meta issued bonds in 2025 while buying back shares)
    spare = excess_cash(ctx, st.cash - spent) * ~returns_cash(ctx)[None, :]
    want = np.maximum(want - spare, 0.0)
    eligible = ctx.constant("issue_eligible", lambda: np.asarray(ix.debt & ~ix.gpu,
                                                                 dtype=np.bool_))
    new, outstanding, rate = issue_contracts(
        st.outstanding, st.maturity, st.interest_rate, cw.obligor, cw.start_q, eligible,
        cw.rate, want, move, _shock(ctx, t >= ctx.scenario.shock_quarter), t)
    return Issuance(st.cash + new, outstanding, new, rate)
