"""The revenue gap (SPEC M4): AI revenue against capex and commitments, and the way out.

Three measures:

* :func:`sequoia_required_revenue` — Cahn's (Sequoia, 2023/2024) question: the end-user AI
  revenue needed to pay for the GPUs being bought,
  :math:`R^* = N / s_{gpu} / m`, with :math:`N` Nvidia's data-centre revenue run-rate,
  :math:`s_{gpu}` the GPU share of data-centre cost (½) and :math:`m` the end user's gross
  margin (½): $50bn → $200bn, $150bn → $600bn.
* :func:`revenue_gap` — per entity and sector of a web: AI revenue, capex, yearly
  commitments (compute purchases and leases it owes), and the gap.
* :func:`break_even` — the revenue needed to service yearly obligations :math:`C` at
  margin :math:`m` is :math:`C/m`; the year an exponential path (×M in Y years, Azhar: ×9
  in two) or a linear path with the same first-Y-years gain reaches it.

>>> sequoia_required_revenue(50.0).required
200.0
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.model.web import Contract, Web
from bubblescope.size.flows import aggregate_ids

__all__ = [
    "COMMITMENT_KINDS",
    "BreakEven",
    "RevenueGap",
    "SequoiaResult",
    "break_even",
    "revenue_gap",
    "sequoia_required_revenue",
]

COMMITMENT_KINDS = frozenset({"compute_commitment", "lease"})


@dataclass(frozen=True)
class SequoiaResult:
    """Sequoia's required end-user AI revenue (USD bn a year)."""

    run_rate: float
    gpu_share: float
    gross_margin: float

    @property
    def required(self) -> float:
        """:math:`N / s_{gpu} / m`."""
        return self.run_rate / self.gpu_share / self.gross_margin

    def gap(self, actual_revenue: float) -> float:
        """Required minus actual AI revenue (Cahn's "hole")."""
        return self.required - actual_revenue

    def __str__(self) -> str:
        return (f"Sequoia: ${self.run_rate:g}bn GPU run-rate / {self.gpu_share:g} GPU share / "
                f"{self.gross_margin:g} margin = ${self.required:g}bn AI revenue needed a year")


def sequoia_required_revenue(run_rate: float, gpu_share: float = 0.5,
                             gross_margin: float = 0.5) -> SequoiaResult:
    """Required annual AI revenue for a GPU spend run-rate (Cahn 2023, 2024).

    Raises
    ------
    ScenarioError
        If a share is not in (0, 1] or the run-rate is negative.
    """
    if run_rate < 0 or not 0 < gpu_share <= 1 or not 0 < gross_margin <= 1:
        raise ScenarioError("run_rate must be >= 0 and gpu_share, gross_margin in (0, 1], got "
                            f"{run_rate}, {gpu_share}, {gross_margin}")
    return SequoiaResult(run_rate, gpu_share, gross_margin)


# --- per entity and sector --------------------------------------------------------------------
@dataclass(frozen=True)
class RevenueGap:
    """AI revenue vs capex and yearly commitments (USD bn), per entity and sector."""

    year: int
    by_entity: pd.DataFrame

    @property
    def by_sector(self) -> pd.DataFrame:
        """Sums per entity kind."""
        cols = ["ai_revenue", "capex", "commitments_per_year", "gap"]
        out = self.by_entity.groupby("sector")[cols].sum().reset_index()
        return out.assign(coverage=_coverage(out))

    @property
    def total(self) -> dict[str, float]:
        """Totals over all entities (supplier revenue and buyer spending both count)."""
        return self.total_excluding(())

    def total_excluding(self, sectors: tuple[str, ...]) -> dict[str, float]:
        """Totals leaving out entity kinds ``sectors`` (e.g. ``("chipmaker",)``, whose AI
        revenue is the others' capex)."""
        cols = ["ai_revenue", "capex", "commitments_per_year", "gap"]
        rows = self.by_entity[~self.by_entity["sector"].isin(sectors)]
        return {c: float(rows[c].sum()) for c in cols}

    def __str__(self) -> str:
        t = self.total
        head = (f"Revenue gap {self.year}: AI revenue ${t['ai_revenue']:,.0f}bn vs capex "
                f"${t['capex']:,.0f}bn + commitments ${t['commitments_per_year']:,.0f}bn/yr "
                f"(gap ${t['gap']:,.0f}bn)")
        body = self.by_entity.to_string(index=False, float_format=lambda v: f"{v:.2f}")
        return head + "\n" + body


def revenue_gap(web: Web, year: int) -> RevenueGap:
    """AI revenue, capex and yearly commitments owed, per entity with any of them.

    Entities in no contract (aggregates such as ``ai_sector``) are left out. Yearly
    commitments are each active compute commitment or lease the entity owes:
    its ``annual_payment``, else its amount spread evenly from start to maturity, else
    (no term known) its amount over 5 years — the last case is flagged in ``basis``.
    """
    owed: dict[str, float] = defaultdict(float)
    basis: dict[str, set[str]] = defaultdict(set)
    for c in web.active():
        if c.kind in COMMITMENT_KINDS:
            value, how = _per_year(c)
            owed[c.obligor] += value
            basis[c.obligor].add(how)
    rows = []
    skip = aggregate_ids(web)
    for e in web.entities:
        if e.id in skip:
            continue
        rev, capex = _value(e.figure("ai_revenue", year)), _value(e.figure("capex", year))
        if rev or capex or owed.get(e.id):
            rows.append({"entity": e.id, "sector": e.kind, "ai_revenue": rev, "capex": capex,
                         "commitments_per_year": owed.get(e.id, 0.0),
                         "basis": "/".join(sorted(basis.get(e.id, set())))})
    frame = pd.DataFrame(rows, columns=["entity", "sector", "ai_revenue", "capex",
                                        "commitments_per_year", "basis"])
    frame["gap"] = frame["capex"] + frame["commitments_per_year"] - frame["ai_revenue"]
    frame["coverage"] = _coverage(frame)
    return RevenueGap(year, frame)


def _value(fig: object) -> float:
    return float(getattr(fig, "value", 0.0) or 0.0)


def _coverage(frame: pd.DataFrame) -> pd.Series:
    need = frame["capex"] + frame["commitments_per_year"]
    return (frame["ai_revenue"] / need.where(need > 0)).fillna(0.0)


def _per_year(c: Contract) -> tuple[float, str]:
    if c.annual_payment is not None:
        return c.annual_payment, "annual_payment"
    if c.start is not None and c.maturity is not None and c.maturity > c.start:
        years = (c.maturity - c.start).days / 365.25
        return c.amount / years, "amount/term"
    return c.amount / 5.0, "amount/5y (no term)"


# --- break-even paths ---------------------------------------------------------------------------
@dataclass(frozen=True)
class BreakEven:
    """Revenue needed to service obligations, and when two growth paths get there."""

    revenue0: float
    obligations: float
    margin: float
    multiple: float
    multiple_years: float
    start_year: int
    years: FloatArray
    exponential: FloatArray
    linear: FloatArray

    @property
    def required(self) -> float:
        """Revenue that covers the obligations at the margin: :math:`C / m`."""
        return self.obligations / self.margin

    @property
    def growth_rate(self) -> float:
        """Yearly growth of the exponential path: :math:`M^{1/Y} - 1`."""
        return float(self.multiple ** (1.0 / self.multiple_years) - 1.0)

    @property
    def years_exponential(self) -> float:
        """Years until the exponential path covers the obligations."""
        if self.required <= self.revenue0:
            return 0.0
        return math.log(self.required / self.revenue0) / math.log1p(self.growth_rate)

    @property
    def years_linear(self) -> float:
        """Years until the linear path (same gain in the first Y years) covers them."""
        if self.required <= self.revenue0:
            return 0.0
        slope = self.revenue0 * (self.multiple - 1.0) / self.multiple_years
        return (self.required - self.revenue0) / slope

    def required_cagr(self, horizon: float) -> float:
        """Yearly growth needed to reach :math:`C/m` in ``horizon`` years."""
        return float((self.required / self.revenue0) ** (1.0 / horizon) - 1.0)

    def __str__(self) -> str:
        return (f"Break-even: ${self.obligations:g}bn/yr owed at {self.margin:.0%} margin needs "
                f"${self.required:,.0f}bn revenue (now ${self.revenue0:g}bn). Exponential "
                f"(x{self.multiple:g} in {self.multiple_years:g}y, {self.growth_rate:.0%}/yr): "
                f"{self.years_exponential:.1f} years (~{self.year_exponential:.0f}); linear: "
                f"{self.years_linear:.1f} years (~{self.year_linear:.0f})")

    @property
    def year_exponential(self) -> float:
        """Calendar year the exponential path covers the obligations."""
        return self.start_year + self.years_exponential

    @property
    def year_linear(self) -> float:
        """Calendar year the linear path covers the obligations."""
        return self.start_year + self.years_linear


def break_even(revenue0: float, obligations: float, margin: float, *, multiple: float = 9.0,
               multiple_years: float = 2.0, start_year: int = 2025, horizon: int = 15
               ) -> BreakEven:
    """Exponential and linear revenue paths against the revenue obligations require.

    Parameters
    ----------
    revenue0 : float
        Revenue now (USD bn a year), > 0.
    obligations : float
        Yearly obligations to service (USD bn a year), >= 0.
    margin : float
        Share of revenue available to service them, in (0, 1].
    multiple, multiple_years : float
        The exponential path multiplies revenue by ``multiple`` every ``multiple_years``
        (Azhar: direct AI revenue ×9 in two years); the linear path adds the same
        amount every ``multiple_years`` as the first step did.

    Raises
    ------
    ScenarioError
        For a non-positive revenue, margin outside (0, 1] or multiple <= 1.
    """
    if revenue0 <= 0 or obligations < 0 or not 0 < margin <= 1 or multiple <= 1 \
            or multiple_years <= 0:
        raise ScenarioError("break_even needs revenue0 > 0, obligations >= 0, margin in (0, 1],"
                            f" multiple > 1, multiple_years > 0; got {revenue0}, {obligations},"
                            f" {margin}, {multiple}, {multiple_years}")
    t = np.arange(horizon + 1, dtype=np.float64)
    g = multiple ** (1.0 / multiple_years)
    expo = revenue0 * g ** t
    lin = revenue0 + revenue0 * (multiple - 1.0) / multiple_years * t
    return BreakEven(revenue0, obligations, margin, multiple, multiple_years, start_year,
                     t + start_year, expo, lin)
