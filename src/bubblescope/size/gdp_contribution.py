"""How much of US growth is AI investment (SPEC M12).

Contributions to real GDP growth. BEA publishes, per component *i*, a contribution in
percentage points with :math:`\\sum_i c_i = g` (NIPA Table 1.1.2); to a first order

.. math:: c_{i,t} \\approx s_{i,t-1} \\, g_{i,t}

with :math:`s_{i,t-1}` the component's nominal share of GDP last quarter and :math:`g_{i,t}`
its real growth (annualised). AI investment is taken as information-processing equipment
+ software (+ data-centre structures when available) — Furman's category. Growth
excluding AI is :math:`g - c_{AI}`, and the AI share of growth :math:`c_{AI}/g`: a ratio with
a small, noisy denominator (H1 2025 growth was ~1.6 % a year), so it is reported with its
sensitivity to the denominator.

>>> round(contribution(0.04, 25.0), 2)
1.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from bubblescope.model.errors import DataError, Issue, ScenarioError
from bubblescope.model.inputs import FIRST_DATA_LINE

__all__ = [
    "AI_COMPONENTS",
    "ContributionRow",
    "GdpContribution",
    "QuarterContribution",
    "contribution",
    "gdp_contribution",
]

AI_COMPONENTS: Final[tuple[str, ...]] = (
    "info_processing_equipment", "software", "data_center_structures",
)
#: When a component is missing in a quarter, this broader series may stand in (flagged).
SUBSTITUTES: Final[dict[str, str]] = {"software": "ipp"}


def contribution(share_prev: float, growth: float) -> float:
    """First-order contribution (pp) of a component: nominal share × real growth (%)."""
    return share_prev * growth


@dataclass(frozen=True)
class ContributionRow:
    """One published figure: real GDP growth (``series == "gdp"``) or a contribution, pp."""

    quarter: str
    series: str
    value: float
    vintage: str
    source: str
    confidence: str
    note: str = ""
    line: int = 0  # the line of gdp_contributions.csv it came from; 0: not from a file


@dataclass(frozen=True)
class QuarterContribution:
    """AI's contribution to one quarter's real growth (annualised, pp)."""

    quarter: str
    gdp_growth: float
    ai: float
    used: tuple[str, ...]
    flags: tuple[str, ...]

    @property
    def ex_ai(self) -> float:
        """Growth excluding AI investment."""
        return self.gdp_growth - self.ai


@dataclass(frozen=True)
class GdpContribution:
    """AI contributions per quarter and for a window (e.g. H1 2025)."""

    quarters: tuple[QuarterContribution, ...]
    window: tuple[str, ...]
    claim: float | None = None

    @property
    def window_growth(self) -> float:
        """Mean annualised growth over the window."""
        rows = self._window_rows()
        return sum(q.gdp_growth for q in rows) / len(rows)

    @property
    def window_ai(self) -> float:
        """Mean AI contribution over the window (pp)."""
        rows = self._window_rows()
        return sum(q.ai for q in rows) / len(rows)

    @property
    def window_share(self) -> float:
        """AI share of growth over the window (can exceed 1 or be negative)."""
        return self.window_ai / self.window_growth

    def sensitivity(self, delta: float = 0.5) -> tuple[float, float]:
        """The share if window growth were ``delta`` pp lower, and higher."""
        return (self.window_ai / (self.window_growth - delta),
                self.window_ai / (self.window_growth + delta))

    def _window_rows(self) -> list[QuarterContribution]:
        return [q for q in self.quarters if q.quarter in self.window]

    def __str__(self) -> str:
        lines = ["AI investment and US real GDP growth (annualised, pp)"]
        for q in self.quarters:
            flag = f"  [{'; '.join(q.flags)}]" if q.flags else ""
            lines.append(f"  {q.quarter}: GDP {q.gdp_growth:+.1f}, AI {q.ai:+.2f} "
                         f"({'+'.join(q.used)}), ex-AI {q.ex_ai:+.2f}{flag}")
        lo, hi = self.sensitivity()
        claim = "" if self.claim is None else f" (seed claim {self.claim:.0%})"
        lines.append(f"  {'+'.join(self.window)}: AI share of growth {self.window_share:.0%}"
                     f"{claim}; with growth 0.5 pp lower/higher: {lo:.0%} / {hi:.0%} "
                     "(small denominator)")
        return "\n".join(lines)


def gdp_contribution(rows: Sequence[ContributionRow], window: Iterable[str],
                     components: Sequence[str] = AI_COMPONENTS,
                     substitutes: Mapping[str, str] = SUBSTITUTES,
                     claim: float | None = None) -> GdpContribution:
    """AI contribution and ex-AI growth per quarter, and the share over ``window``.

    Raises
    ------
    DataError
        If a quarter has two values for one series (overlapping vintages).
    ScenarioError
        If a window quarter has no GDP growth or the window's growth is zero.
    """
    table = _table(rows)
    quarters = tuple(_quarter(q, table[q], components, substitutes)
                     for q in sorted(table) if "gdp" in table[q])
    win = tuple(window)
    known = {q.quarter for q in quarters}
    missing = [q for q in win if q not in known]
    if missing or not win:
        raise ScenarioError(f"window quarters need GDP growth in the data: missing {missing}")
    result = GdpContribution(quarters, win, claim)
    if result.window_growth == 0.0:
        raise ScenarioError("window growth is zero: the AI share of growth is undefined")
    return result


def _table(rows: Sequence[ContributionRow]) -> dict[str, dict[str, ContributionRow]]:
    table: dict[str, dict[str, ContributionRow]] = {}
    issues = []
    for i, r in enumerate(rows, start=FIRST_DATA_LINE):
        cell = table.setdefault(r.quarter, {})
        if r.series in cell:
            issues.append(Issue("gdp_contributions", r.line or i, "series",
                                "must appear once per quarter (overlapping vintages)",
                                f"{r.quarter}/{r.series}"))
        cell[r.series] = r
    if issues:
        raise DataError(issues)
    return table


def _quarter(quarter: str, cell: Mapping[str, ContributionRow], components: Sequence[str],
             substitutes: Mapping[str, str]) -> QuarterContribution:
    used, flags, total = [], [], 0.0
    for comp in components:
        if comp in cell:
            used.append(comp)
            total += cell[comp].value
        elif substitutes.get(comp) in cell:
            sub = substitutes[comp]
            used.append(sub)
            total += cell[sub].value
            flags.append(f"{comp} missing: {sub} used (broader, an upper bound)")
        else:
            flags.append(f"{comp} missing (counted as 0)")
    vintages = sorted({cell[s].vintage for s in ("gdp", *used)})
    if len(vintages) > 1:
        flags.append("mixed vintages: " + ", ".join(vintages))
    return QuarterContribution(quarter, cell["gdp"].value, total, tuple(used), tuple(flags))
