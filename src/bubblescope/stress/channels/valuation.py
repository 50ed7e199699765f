"""Valuation: the reflexive loop of seed 004, first half.

Valuations rise with AI revenue surprises and with spending and fall with credit spreads.
The growth priced in learns the realised trend (adaptive expectations), so a lasting
shortfall is a level loss, not a decay for ever. Listed AI firms also take the scenario's
one-off equity shock; holder sectors and SPVs are worth their capital left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.stress.channels.holders import value_index
from bubblescope.stress.channels.quarter import Quarter
from bubblescope.stress.context import RunContext
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


def revalue(ctx: RunContext, st: State, q: Quarter, ai_index: FloatArray) -> Valuation:
    """Valuations of quarter ``q`` given this quarter's AI revenue index (n_paths,)."""
    ix, prm = ctx.index, ctx.params
    equity_shock = prm.equity_shock if q.hit else st.equity_shock
    expected = st.expected * (1.0 + st.expected_growth) ** 0.25
    expected_growth = st.expected_growth + prm.expectation_learning * (
        q.growth - st.expected_growth)
    firm_v = valuation(
        ai_index / expected, st.capex_index / st.capex_norm, st.spread - prm.base_spread,
        np.zeros_like(equity_shock), prm.valuation_revenue_beta, prm.valuation_capex_beta,
        prm.valuation_spread_beta,
    )
    ai_v = firm_v * (1.0 - equity_shock)
    v = np.where(ix.ai[None, :], ai_v[:, None], firm_v[:, None])
    held = value_index(st.cum_loss, ix.capital)
    value = np.where(ix.listed[None, :], v, held) * st.alive
    return Valuation(value, equity_shock, expected, expected_growth)


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
