"""Data-quality view of a web: how much of it rests on assumptions or low confidence."""

from __future__ import annotations

from dataclasses import dataclass, field

from bubblescope.model.debt import Coverage
from bubblescope.model.web import Web

__all__ = ["DataQuality", "data_quality"]


@dataclass(frozen=True)
class DataQuality:
    """Counts and shares describing how well sourced a web's numbers are.

    A number is *assumption-based* when every source it cites is of kind ``assumption``.
    Shares of notional are over active (non-superseded) contracts.
    """

    n_figures: int
    n_assumption_figures: int
    n_contracts: int
    n_assumption_contracts: int
    n_low_confidence_contracts: int
    n_contracts_citing_assumption: int
    notional: float
    assumption_notional: float
    citing_assumption_notional: float
    low_confidence_notional: float
    coverage: Coverage | None = field(default=None, compare=False)

    @property
    def assumption_figure_share(self) -> float:
        """Share of figures resting only on assumptions."""
        return self.n_assumption_figures / self.n_figures if self.n_figures else 0.0

    @property
    def assumption_notional_share(self) -> float:
        """Share of active notional (USD) resting only on assumptions."""
        return self.assumption_notional / self.notional if self.notional else 0.0

    @property
    def citing_assumption_notional_share(self) -> float:
        """Share of active notional (USD) citing at least one assumption."""
        return self.citing_assumption_notional / self.notional if self.notional else 0.0

    @property
    def low_confidence_notional_share(self) -> float:
        """Share of active notional (USD) with confidence ``low``."""
        return self.low_confidence_notional / self.notional if self.notional else 0.0

    def __str__(self) -> str:
        return (
            f"{self.n_assumption_figures}/{self.n_figures} figures "
            f"({self.assumption_figure_share:.0%}) and "
            f"{self.n_assumption_contracts}/{self.n_contracts} contracts "
            f"({self.assumption_notional_share:.0%} of notional) rest only on assumptions; "
            f"{self.n_contracts_citing_assumption}/{self.n_contracts} contracts "
            f"({self.citing_assumption_notional_share:.0%} of notional) cite at least one "
            f"assumption; "
            f"{self.n_low_confidence_contracts} contracts "
            f"({self.low_confidence_notional_share:.0%} of notional) are low confidence"
            + (f"; debt itemized by instrument: {self.coverage_line}" if self.coverage else "")
        )

    @property
    def coverage_line(self) -> str:
        """Itemized share of each seed debt aggregate, e.g. ``IG debt 36% (765 residual)``."""
        if self.coverage is None:
            return ""
        return ", ".join(f"{r.aggregate.label} {r.share:.0%} ({r.residual:,.0f}bn residual)"
                         for r in self.coverage.rows)


def data_quality(web: Web) -> DataQuality:
    """Summarise how much of ``web`` rests on assumptions or low-confidence numbers."""
    kinds = {s.id: s.kind for s in web.sources}

    def assumed(ids: tuple[str, ...]) -> bool:
        return bool(ids) and all(kinds.get(i) == "assumption" for i in ids)

    def cites(ids: tuple[str, ...]) -> bool:
        return any(kinds.get(i) == "assumption" for i in ids)

    figures = [f for e in web.entities for f in e.figures]
    active = web.active()
    return DataQuality(
        n_figures=len(figures),
        n_assumption_figures=sum(assumed(f.source_ids) for f in figures),
        n_contracts=len(active),
        n_assumption_contracts=sum(assumed(c.source_ids) for c in active),
        n_low_confidence_contracts=sum(c.confidence == "low" for c in active),
        n_contracts_citing_assumption=sum(cites(c.source_ids) for c in active),
        notional=sum(c.amount for c in active),
        assumption_notional=sum(c.amount for c in active if assumed(c.source_ids)),
        citing_assumption_notional=sum(c.amount for c in active if cites(c.source_ids)),
        low_confidence_notional=sum(c.amount for c in active if c.confidence == "low"),
        coverage=web.debt_coverage() if web.aggregates else None,
    )
