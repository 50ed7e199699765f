"""Valuation per firm: the reflexive loop of seed 004, first half (issue 11 item 2).

A listed firm is worth a non-AI part on the broad market plus an AI part on the AI index,
in proportion to its sourced AI share of value (:mod:`~bubblescope.stress.kernels.firm_value`).
The AI index rises with AI revenue surprises and spending, falls with credit spreads, and
is anchored on AI revenue and the growth priced in; that growth learns the realised trend
(adaptive expectations), so a lasting shortfall is a level loss, not a decay for ever. The
scenario's one-off equity shock is a sentiment discount on the AI index that fades with a
half-life; margin-call sales of a firm's shares take the price impact of the last quarters
off its value (:mod:`~bubblescope.stress.kernels.price_impact`). Holder sectors and SPVs
are worth their capital left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.stress.channels.holders import value_index
from bubblescope.stress.channels.quarter import Quarter
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels import firm_value
from bubblescope.stress.state import State

__all__ = ["Valuation", "revalue", "valuation"]


@dataclass(frozen=True, eq=False)
class Valuation:
    """Valuation index of each entity (n_paths, n); the equity shock taken so far, the AI
    revenue index priced in and the growth priced in, each (n_paths,)."""

    value: FloatArray
    equity_shock: FloatArray
    expected: FloatArray
    expected_growth: FloatArray
    ai_value: FloatArray


def revalue(ctx: RunContext, st: State, q: Quarter, ai_index: FloatArray) -> Valuation:
    """Valuations of quarter ``q`` given this quarter's AI revenue index (n_paths,)."""
    ix, prm = ctx.index, ctx.params
    equity_shock = prm.equity_shock if q.hit else st.equity_shock
    expected = st.expected * (1.0 + st.expected_growth) ** 0.25
    expected_growth = st.expected_growth + prm.expectation_learning * (
        q.growth - st.expected_growth)
    excess = st.spread - prm.base_spread
    # the AI index is anchored on AI revenue and the growth priced in (kernels/firm_value.py);
    # each listed firm rides it by its sourced AI share of value, the rest on the market
    ai_value = firm_value.ai_index(
        ai_index / expected, st.capex_index / st.capex_norm, expected_growth,
        prm.expected_ai_growth, excess,
        firm_value.sentiment(equity_shock, q.t - ctx.scenario.shock_quarter,
                             prm.sentiment_half_life_quarters),
        prm.valuation_revenue_beta, prm.valuation_capex_beta)
    market = firm_value.market_index(excess, prm.valuation_spread_beta)
    v = firm_value.firm_value(ai_value, market, ix.ai_value_share, ix.beta)
    held = value_index(st.cum_loss, ix.capital)
    # forced sales of a firm's shares weigh on its price (kernels/price_impact.py)
    value = np.where(ix.listed[None, :], v * (1.0 - st.impact), held) * st.alive
    return Valuation(value, equity_shock, expected, expected_growth, ai_value)


def valuation(
    surprise: FloatArray, capex_index: FloatArray, spread_excess: FloatArray,
    shock: FloatArray, beta_revenue: FloatArray, beta_capex: FloatArray,
    beta_spread: FloatArray,
) -> FloatArray:
    """Valuation index of AI firms relative to the start, shape (n_paths,).

    Parameters
    ----------
    surprise : ndarray of shape (n_paths,)
        Realised over expected AI revenue (1 = as priced in).
    capex_index : ndarray of shape (n_paths,)
        Capex spent over the planned path (1 = on plan): spending supports valuations.
    spread_excess : ndarray of shape (n_paths,)
        Credit spread above its starting level (decimal).
    shock : ndarray of shape (n_paths,)
        Cumulative one-off equity shock (fraction lost, 0 = none).
    beta_revenue, beta_capex, beta_spread : ndarray of shape (n_paths,)
        Elasticities.

    Notes
    -----
    ``log V = b_r log(surprise) + b_k log(capex_index) - b_s spread_excess + log(1 - shock)``.

    Examples
    --------
    >>> one = np.ones(1)
    >>> float(valuation(one, one, 0 * one, 0 * one, one, one, one)[0])
    1.0
    """
    tiny = 1e-12
    log_v = (
        beta_revenue * np.log(np.maximum(surprise, tiny))
        + beta_capex * np.log(np.maximum(capex_index, tiny))
        - beta_spread * spread_excess
        + np.log(np.maximum(1.0 - shock, tiny))
    )
    return np.asarray(np.exp(log_v), dtype=np.float64)
