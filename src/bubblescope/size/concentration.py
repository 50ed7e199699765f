"""Customer concentration (SPEC M6): top-customer share and the Herfindahl–Hirschman index.

For a supplier *s* with revenue :math:`R` and named customers paying :math:`r_i`:

.. math:: w_i = r_i / \\max(R, \\sum_i r_i), \\qquad HHI = \\sum_i w_i^2

The revenue not attributed to a named customer is treated as spread over many small ones
(it adds nothing to HHI), so the HHI is a lower bound when the named list is incomplete.
HHI runs from 0 to 1 (×10,000 in antitrust practice; 0.25 and above is "highly
concentrated" under the 2010 US merger guidelines).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bubblescope.model.errors import ScenarioError
from bubblescope.model.web import Web

__all__ = ["Concentration", "concentration", "hhi"]


def hhi(shares: Sequence[float]) -> float:
    """Herfindahl–Hirschman index of ``shares`` (fractions, summing to at most 1).

    >>> round(hhi([0.7, 0.1, 0.1]), 2)
    0.51
    """
    return float(sum(s * s for s in shares))


@dataclass(frozen=True)
class Concentration:
    """Who pays a supplier, as shares of its revenue."""

    supplier: str
    customers: tuple[str, ...]
    amounts: tuple[float, ...]
    denominator: float
    basis: str

    @property
    def shares(self) -> tuple[float, ...]:
        """Each named customer's share of revenue, largest first."""
        return tuple(a / self.denominator for a in self.amounts)

    @property
    def top_share(self) -> float:
        """Share of the largest customer."""
        return self.shares[0] if self.shares else 0.0

    @property
    def hhi(self) -> float:
        """HHI over named customers (0..1)."""
        return hhi(self.shares)

    @property
    def unattributed(self) -> float:
        """Share of revenue not tied to a named customer."""
        return max(0.0, 1.0 - sum(self.shares))

    def share_of(self, *customers: str) -> float:
        """Combined share of the given customers."""
        return sum(s for c, s in zip(self.customers, self.shares, strict=True) if c in customers)

    def __str__(self) -> str:
        parts = ", ".join(f"{c} {s:.0%}" for c, s in zip(self.customers, self.shares, strict=True))
        return (f"{self.supplier}: top customer {self.top_share:.0%}, HHI {self.hhi:.2f} "
                f"({self.hhi * 1e4:,.0f}); {parts}; unattributed {self.unattributed:.0%} "
                f"[{self.basis}]")


def concentration(web: Web, supplier: str, kinds: Sequence[str] = ("customer_revenue",),
                  year: int | None = None) -> Concentration:
    """Customer shares of ``supplier`` from its contracts of ``kinds``.

    The denominator is the supplier's ``revenue`` figure for ``year`` (latest when ``None``)
    when it exceeds the named total, else the named total.

    Raises
    ------
    ScenarioError
        If ``supplier`` is not in the web or has no customer contract of ``kinds``.
    """
    if supplier not in web.index:
        raise ScenarioError(f"no entity {supplier!r} in web {web.name!r}")
    paid: dict[str, float] = defaultdict(float)
    for c in web.active():
        if c.holder == supplier and c.kind in kinds and _in_year(c.start, year):
            paid[c.obligor] += c.amount
    if not paid:
        raise ScenarioError(f"{supplier!r} has no {'/'.join(kinds)} contracts in web "
                            f"{web.name!r}")
    ranked = sorted(paid.items(), key=lambda kv: (-kv[1], kv[0]))
    named = sum(v for _, v in ranked)
    fig = web.entity(supplier).figure("revenue", year)
    denominator, basis = named, f"named {'/'.join(kinds)} total"
    if fig is not None and fig.value > named:
        denominator, basis = fig.value, f"revenue {fig.year} figure"
    return Concentration(supplier, tuple(k for k, _ in ranked), tuple(v for _, v in ranked),
                         denominator, basis)


def _in_year(start: object, year: int | None) -> bool:
    return year is None or start is None or getattr(start, "year", None) == year
