"""Payouts: firms pay dividends and buy back shares; cash does not pile up.

After capex and new debt, each firm pays its trailing dividends and buybacks cut by its
valuation as S&P 500 members cut theirs in 2007-09
(:mod:`~bubblescope.stress.kernels.payouts`), out of the cash it has. A firm that returns
cash (one that runs a buyback programme) pays out what is still above its starting cash as extra
buybacks, scaled the same way: in a boom its cash stays near today's, in a bust it keeps
it. Before this, Alphabet held about USD 1.6tn of cash by 2031 in the baseline.
Cash above the target first repays maturing debt and replaces new issuance
(:func:`excess_cash`, used by :mod:`~bubblescope.stress.channels.funding`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.payouts import pay_out
from bubblescope.stress.state import State

__all__ = ["Payouts", "excess_cash", "pay", "returns_cash"]


@dataclass(frozen=True, eq=False)
class Payouts:
    """Cash after payouts (n_paths, n); regular payouts and extra buybacks of the quarter,
    each (n_paths, n), USD bn."""

    cash: FloatArray
    regular: FloatArray
    extra: FloatArray

    @property
    def total(self) -> FloatArray:
        """Everything paid to shareholders this quarter, (n_paths, n)."""
        return np.asarray(self.regular + self.extra, dtype=np.float64)


def pay(ctx: RunContext, st: State) -> Payouts:
    """Dividends, buybacks and extra buybacks of the quarter, paid from ``st.cash``."""
    cw = ctx.web
    n = cw.n
    dividends = cw.dividends if cw.dividends.size == n else np.zeros(n)
    buybacks = cw.buybacks if cw.buybacks.size == n else np.zeros(n)
    firm = ctx.index.listed & ~ctx.index.pool  # as excess_cash
    cash, regular, extra = pay_out(st.value, dividends, buybacks, st.alive, st.cash, cw.cash,
                                   firm, returns_cash(ctx))
    return Payouts(cash, regular, extra)


def excess_cash(ctx: RunContext, cash: FloatArray) -> FloatArray:
    """Cash above each firm's starting cash, (n_paths, n) (0 for holder sectors, funds and
    SPVs, which hold cash for others)."""
    firm = ctx.index.listed & ~ctx.index.pool
    return np.asarray(np.maximum(cash - ctx.web.cash[None, :], 0.0) * firm[None, :],
                      dtype=np.float64)


#: Buybacks a year (USD bn) from which a firm counts as running a buyback programme, and so
#: returns cash above its target (``assumption``, confidence medium: the eight listed firms
#: with programmes bought back 0.6-60bn over the trailing four quarters; CoreWeave's
#: 0.03bn, one quarter reported, is not a programme).
BUYBACK_PROGRAMME_USD_BN: Final[float] = 0.5


def returns_cash(ctx: RunContext) -> BoolArray:
    """Firms that run a buyback programme: they return cash above their target, (n,)."""
    cw = ctx.web
    if cw.buybacks.size != cw.n:
        return np.zeros(cw.n, dtype=np.bool_)
    return np.asarray(cw.buybacks >= BUYBACK_PROGRAMME_USD_BN, dtype=np.bool_)
