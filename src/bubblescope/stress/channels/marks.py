"""Expected-loss marks: debt held by funds is marked each quarter, not only at default.

Funds (private credit, hedge, mutual and pension funds) carry debt at fair value. Each
quarter the paper channel's 10-year expected loss of every contract is turned into the
expected loss over its remaining life and compared with the one priced at the start
(:mod:`~bubblescope.stress.kernels.el_marks`); the change of the mark is booked as a debt
mark (:class:`~bubblescope.stress.ledger.LossClass`). A default zeroes the principal and so
releases the mark in the same quarter in which the write-off realises the loss: over the
run each loss is counted once.

Fund-held debt also carries a spread mark, driven by the credit spread's excess over its
base (:func:`~bubblescope.stress.kernels.el_marks.market_mark_target`): investment-grade
paper loses its spread duration times its grade's share of the widening; paper below
investment grade the larger of a loan's spread and liquidity premium and a BBB bond's fall.
It widens with spreads and gives back as the spread reverts
(:mod:`~bubblescope.stress.kernels.spread`). It is booked apart (``spread and liquidity
marks``, a debt mark), released like the expected-loss mark when the principal defaults or
is repaid. Insurers and banks are not marked: they hold their bonds and loans to maturity
at amortised cost (statutory accounting for NAIC 1-2 bonds; banks' loans and
held-to-maturity securities), so a spread move reaches them through ratings (capital
charges), forced sales of junked paper and realised defaults, not through a mark.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import FloatArray, IntArray
from bubblescope.stress.channels.holders import recoveries
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.el_marks import fair_value_marks
from bubblescope.stress.kernels.spread import excess_pp
from bubblescope.stress.state import State

__all__ = ["Marks", "lgd", "remark"]


@dataclass(frozen=True, eq=False)
class Marks:
    """The marks after this quarter (n_paths, m) and the changes booked (n_paths, m):
    expected loss (``el_mark``, ``loss``) and spread and liquidity premium (``spread_mark``,
    ``spread_loss``)."""

    el_mark: FloatArray
    loss: FloatArray
    spread_mark: FloatArray
    spread_loss: FloatArray


def remark(ctx: RunContext, st: State, t: int, el: FloatArray, grade: IntArray) -> Marks:
    """Mark fund-held debt at the end of quarter ``t`` from its 10-year expected loss ``el``,
    its rating code ``grade`` (n_paths, m) and the spread's excess over its base."""
    ix = ctx.index
    cols = ctx.constant("fair_value_columns", lambda: np.flatnonzero(ix.fair_value))
    return Marks(*fair_value_marks(
        cols, el, st.el0, lgd(ctx), st.maturity, t, grade, st.interest_rate, st.outstanding,
        excess_pp(st.spread, ctx.params.base_spread), st.el_mark, st.spread_mark))


def lgd(ctx: RunContext) -> FloatArray:
    """Loss given default of each contract, (n_paths, m): one less recovery by rank, a
    pool's ``pool_lgd`` on its loans."""
    cw, ix = ctx.web, ctx.index
    return ctx.constant("lgd", lambda: np.asarray(np.where(
        ix.pool[cw.obligor], ix.pool_lgd[cw.obligor], 1.0 - recoveries(ctx)), dtype=np.float64))
