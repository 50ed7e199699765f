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

if TYPE_CHECKING:
    from bubblescope.stress.result import StressResult

__all__ = ["fund_table", "private_credit_and_leverage"]

_FUND_KINDS = ("private_credit_fund", "hedge_fund", "private_equity", "mutual_fund")


def _funds(result: StressResult) -> list[int]:
    if result.fund_nav.size == 0:
        return []
    start = result.fund_nav[:, 0].mean(axis=0)
    return [i for i, k in enumerate(result.entity_kinds) if k in _FUND_KINDS and start[i] > 0]


def _gate_label(result: StressResult, i: int) -> str | None:
    gated = result.gated[:, :, i].mean(axis=0) >= 0.5
    return result.quarter_labels[int(np.argmax(gated))] if gated.any() else None


def fund_table(result: StressResult) -> pd.DataFrame:
    """One row per fund: NAV start and end, lowest NAV per share, gate quarter, margin-call
    sales, bank lines drawn at the start and at their peak, peak expected-loss marks."""
    rows = []
    for i in _funds(result):
        nav = result.fund_nav[:, :, i].mean(axis=0)
        lines = result.lines_drawn[:, :, i].mean(axis=0)
        rows.append({
            "fund": result.entity_ids[i], "kind": result.entity_kinds[i],
            "nav_start_usd_bn": float(nav[0]), "nav_end_usd_bn": float(nav[-1]),
            "nav_per_share_low": float(result.fund_nav_index[:, :, i].mean(axis=0).min()),
            "gate_quarter": _gate_label(result, i),
            "margin_call_sales_usd_bn": float(result.margin_sales[:, :, i].mean(axis=0).sum()),
            "lines_drawn_start_usd_bn": float(lines[0]),
            "lines_drawn_peak_usd_bn": float(lines.max()),
            "el_marks_peak_usd_bn": float(result.el_marks[:, :, i].mean(axis=0).max()),
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
        }
    return {
        "quarters": list(result.quarter_labels),
        "pool_defaults_usd_bn": (result.pool_defaulted.mean(axis=0).tolist()
                                 if result.pool_defaulted.size else []),
        "funds": funds,
        "capital_ratios": [c.to_dict() for c in capital_ratios(result)],
    }
