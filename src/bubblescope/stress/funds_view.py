"""Private credit and leverage as plain data: quarterly marks, pool defaults, each fund's NAV
path and gate, margin-call sales, bank lines drawn and regulated holders' capital ratios.

A view on a :class:`~bubblescope.stress.result.StressResult` (means over paths, USD bn) for
``bubblescope stress --json`` and the terminal table (issue 11 item 6).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bubblescope.stress.capital_ratios import capital_ratios
from bubblescope.stress.compile import FUND_KINDS

if TYPE_CHECKING:
    from bubblescope.stress.result import StressResult

__all__ = ["fund_table", "pool_default_rates", "private_credit_and_leverage"]

#: Funds whose investors redeem (NAV per share, gates): the engine's fund kinds less pension
#: funds, whose members do not redeem (their position is in :mod:`capital_ratios`).
_FUND_KINDS = FUND_KINDS - {"pension_fund"}


def _funds(result: StressResult) -> list[int]:
    if result.fund_nav.size == 0:
        return []
    start = result.fund_nav[:, 0].mean(axis=0)
    return [i for i, k in enumerate(result.entity_kinds) if k in _FUND_KINDS and start[i] > 0]


def _gate_label(result: StressResult, i: int) -> str | None:
    gated = result.gated[:, :, i].mean(axis=0) >= 0.5
    return result.quarter_labels[int(np.argmax(gated))] if gated.any() else None


def pool_default_rates(result: StressResult) -> dict[str, list[float]]:
    """The granular pools' default rate each quarter, mean over paths (fractions).

    ``annualised``: the quarter's defaults over the pool principal outstanding before them,
    compounded to a year; ``trailing_year``: defaults of the last four quarters as a share
    of the pool (the trailing-12-month measure of S&P/LSTA loan default rates). Empty lists
    when the web has no pool.
    """
    if result.pool_exposed.size == 0 or not result.pool_exposed.any():
        return {"annualised": [], "trailing_year": []}
    exposed = result.pool_exposed
    q = np.where(exposed > 0, result.pool_defaulted / np.where(exposed > 0, exposed, 1.0), 0.0)
    survive = np.cumprod(1.0 - q, axis=1)
    lagged = np.concatenate([np.ones((q.shape[0], 4)), survive], axis=1)[:, :q.shape[1]]
    trailing = 1.0 - survive / lagged
    return {"annualised": (1.0 - (1.0 - q) ** 4).mean(axis=0).tolist(),
            "trailing_year": trailing.mean(axis=0).tolist()}


def fund_table(result: StressResult) -> pd.DataFrame:
    """One row per fund: NAV start and end, lowest NAV per share and its quarter, gate
    quarter, margin-call sales, bank lines drawn at the start and at their peak, peak
    expected-loss and spread-and-liquidity marks."""
    rows = []
    for i in _funds(result):
        nav = result.fund_nav[:, :, i].mean(axis=0)
        lines = result.lines_drawn[:, :, i].mean(axis=0)
        index = result.fund_nav_index[:, :, i].mean(axis=0)
        spread = (result.spread_marks[:, :, i].mean(axis=0) if result.spread_marks.size
                  else np.zeros(1))
        rows.append({
            "fund": result.entity_ids[i], "kind": result.entity_kinds[i],
            "nav_start_usd_bn": float(nav[0]), "nav_end_usd_bn": float(nav[-1]),
            "nav_per_share_low": float(index.min()),
            "nav_low_quarter": result.quarter_labels[int(np.argmin(index))],
            "gate_quarter": _gate_label(result, i),
            "margin_call_sales_usd_bn": float(result.margin_sales[:, :, i].mean(axis=0).sum()),
            "lines_drawn_start_usd_bn": float(lines[0]),
            "lines_drawn_peak_usd_bn": float(lines.max()),
            "el_marks_peak_usd_bn": float(result.el_marks[:, :, i].mean(axis=0).max()),
            "spread_marks_peak_usd_bn": float(spread.max()),
        })
    return pd.DataFrame(rows)


def private_credit_and_leverage(result: StressResult) -> dict[str, object]:
    """The ``private_credit_and_leverage`` block of ``stress --json``."""
    funds = {}
    for i in _funds(result):
        funds[result.entity_ids[i]] = {
            "kind": result.entity_kinds[i],
            "nav_usd_bn": result.fund_nav[:, :, i].mean(axis=0).tolist(),
            "nav_per_share": result.fund_nav_index[:, :, i].mean(axis=0).tolist(),
            "gate_quarter": _gate_label(result, i),
            "margin_call_sales_usd_bn": result.margin_sales[:, :, i].mean(axis=0).tolist(),
            "lines_drawn_usd_bn": result.lines_drawn[:, :, i].mean(axis=0).tolist(),
            "el_marks_usd_bn": result.el_marks[:, :, i].mean(axis=0).tolist(),
            "spread_marks_usd_bn": (result.spread_marks[:, :, i].mean(axis=0).tolist()
                                    if result.spread_marks.size else []),
        }
    return {
        "quarters": list(result.quarter_labels),
        "pool_defaults_usd_bn": (result.pool_defaulted.mean(axis=0).tolist()
                                 if result.pool_defaulted.size else []),
        "pool_default_rate": pool_default_rates(result),
        "funds": funds,
        "capital_ratios": [c.to_dict() for c in capital_ratios(result)],
    }
