"""Debt composition of AI capex (SPEC M5): on- and off-balance-sheet debt as shares of capex.

For each entity with a ``capex`` figure in ``year``:

* on-balance-sheet debt :math:`D^{on}` — debt contracts (loan, bond, credit line,
  GPU-backed loan; for SPVs also the non-equity ABS notes) it owes that are flagged
  ``on_balance_sheet``;
* off-balance-sheet debt :math:`D^{off}` — debt it owes flagged off balance sheet, plus,
  *looking through SPVs*, the debt of every SPV it leases from, split among the SPV's
  tenants in proportion to their lease notionals (Meta's Hyperion lease carries the
  Meta–Blue Owl SPV's bonds);
* shares :math:`D^{on}/K`, :math:`D^{off}/K` and their sum, with :math:`K` the capex.

Entities in no contract (aggregates such as ``ai_sector``) are not summed: their capex
is reported beside the firms' as a benchmark. Debt counts for ``year`` when its contract
starts in that year, or has no start date and ``include_undated`` is true (how many did
is reported).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from bubblescope.model.web import Contract, Web
from bubblescope.size.flows import aggregate_ids

__all__ = ["DEBT_KINDS", "DebtMix", "SpvLink", "debt_mix"]

DEBT_KINDS = frozenset({"loan", "bond", "credit_line", "gpu_backed_loan", "abs_note"})


@dataclass(frozen=True)
class SpvLink:
    """One SPV's debt carried to one tenant (USD bn), split by lease notional."""

    spv: str
    spv_debt: float
    tenant: str
    part: float
    lease: str

    def __str__(self) -> str:
        return (f"{self.spv} debt {self.spv_debt:g}bn → {self.tenant} {self.part:g}bn "
                f"(lease {self.lease})")


@dataclass(frozen=True)
class DebtMix:
    """Per-entity and per-sector debt shares of capex (USD bn)."""

    year: int
    by_entity: pd.DataFrame
    undated: int
    links: tuple[SpvLink, ...] = ()
    aggregates: Mapping[str, float] = field(default_factory=dict)

    @property
    def spv_links(self) -> tuple[str, ...]:
        """Each SPV link as one line of text."""
        return tuple(str(k) for k in self.links)

    @property
    def by_sector(self) -> pd.DataFrame:
        """Totals and shares per entity kind."""
        g = self.by_entity.groupby("sector")[["capex", "on_bs", "off_bs"]].sum()
        return _with_shares(g.reset_index())

    @property
    def total(self) -> dict[str, float]:
        """Totals over every entity with capex: capex, on_bs, off_bs and the shares."""
        t = self.by_entity[["capex", "on_bs", "off_bs"]].sum()
        capex, on, off = float(t["capex"]), float(t["on_bs"]), float(t["off_bs"])
        scale = 1.0 / capex if capex > 0 else 0.0
        return {"capex": capex, "on_bs": on, "off_bs": off, "on_share": on * scale,
                "off_share": off * scale, "debt_share": (on + off) * scale}

    def __str__(self) -> str:
        t = self.total
        head = (f"Debt mix of {self.year} capex ${t['capex']:,.0f}bn: on balance sheet "
                f"{t['on_share']:.1%} (${t['on_bs']:,.0f}bn), off balance sheet "
                f"{t['off_share']:.1%} (${t['off_bs']:,.0f}bn), total {t['debt_share']:.1%}")
        cols = ["entity", "capex", "on_bs", "off_bs", "on_share", "off_share"]
        body = self.by_entity[cols].to_string(index=False, float_format=lambda v: f"{v:.2f}")
        extra = [f"  looked through: {s}" for s in self.spv_links]
        extra += [f"  aggregate (not summed): {k} capex ${v:,.0f}bn"
                  for k, v in self.aggregates.items()]
        return "\n".join([head, body, *extra, f"  undated debt contracts counted: {self.undated}"])


def debt_mix(web: Web, year: int, include_undated: bool = True) -> DebtMix:
    """Debt shares of capex per entity and sector, looking through SPVs."""
    counted = [c for c in web.active() if c.kind in DEBT_KINDS and c.seniority != "equity"
               and c.tranche != "equity" and _counts(c.start, year, include_undated)]
    undated = sum(1 for c in counted if c.start is None)
    on: dict[str, float] = defaultdict(float)
    off: dict[str, float] = defaultdict(float)
    spv_ids = {e.id for e in web.entities if e.kind == "spv"}
    spv_debt: dict[str, float] = defaultdict(float)
    for c in counted:
        if c.obligor in spv_ids:
            spv_debt[c.obligor] += c.amount
        elif c.on_balance_sheet:
            on[c.obligor] += c.amount
        else:
            off[c.obligor] += c.amount
    links = _look_through(web, spv_debt, off)
    rows, aggregates = [], {}
    skip = aggregate_ids(web)
    for e in web.entities:
        fig = e.figure("capex", year)
        if fig is None or fig.value <= 0:
            continue
        if e.id in skip:
            aggregates[e.id] = fig.value
            continue
        rows.append({"entity": e.id, "sector": e.kind, "capex": fig.value,
                     "on_bs": on.get(e.id, 0.0), "off_bs": off.get(e.id, 0.0)})
    frame = pd.DataFrame(rows, columns=["entity", "sector", "capex", "on_bs", "off_bs"])
    return DebtMix(year, _with_shares(frame), undated, links, aggregates)


def _counts(start: dt.date | None, year: int, include_undated: bool) -> bool:
    return (start is None and include_undated) or (start is not None and start.year == year)


def _look_through(web: Web, spv_debt: dict[str, float], off: dict[str, float]
                  ) -> tuple[SpvLink, ...]:
    leases: dict[str, list[Contract]] = defaultdict(list)
    for c in web.active():
        if c.kind == "lease" and c.holder in spv_debt:
            leases[c.holder].append(c)
    links = []
    for spv, debt in spv_debt.items():
        tenants = leases.get(spv, [])
        total = sum(c.amount for c in tenants)
        for c in tenants:
            part = debt * c.amount / total if total > 0 else debt / len(tenants)
            off[c.obligor] += part
            links.append(SpvLink(spv, debt, c.obligor, part, c.id))
    return tuple(links)


def _with_shares(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    capex = out["capex"].where(out["capex"] > 0)
    out["on_share"] = (out["on_bs"] / capex).fillna(0.0)
    out["off_share"] = (out["off_bs"] / capex).fillna(0.0)
    out["debt_share"] = out["on_share"] + out["off_share"]
    return out
