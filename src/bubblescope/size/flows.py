"""The money-flow view of a web: which way money moves along each contract.

A :class:`~bubblescope.model.web.Contract` says who holds a claim on whom. For circularity
what matters is which way the money went (or will go):

========================  ===========  =====================================
contract kinds            leg          money moves
========================  ===========  =====================================
equity_stake, warrant,    investment   holder → obligor (investor → investee)
fund_share
loan, bond, credit_line,  credit       holder → obligor (lender → borrower)
gpu_backed_loan, abs_note
compute_commitment,       purchase     obligor → holder (buyer → seller)
customer_revenue
lease                     lease        obligor → holder (tenant → lessor)
guarantee                 backstop     obligor → holder (guarantor → beneficiary)
========================  ===========  =====================================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal, get_args

from bubblescope.model.web import Contract, Web

__all__ = ["LEGS", "LEG_OF_KIND", "Edge", "Leg", "aggregate_ids", "flow_edges", "leg_of"]

Leg = Literal["investment", "credit", "purchase", "lease", "backstop"]
LEGS: Final[tuple[str, ...]] = get_args(Leg)

LEG_OF_KIND: Final[dict[str, Leg]] = {
    "equity_stake": "investment", "warrant": "investment", "fund_share": "investment",
    "loan": "credit", "bond": "credit", "credit_line": "credit", "gpu_backed_loan": "credit",
    "abs_note": "credit", "compute_commitment": "purchase", "customer_revenue": "purchase",
    "lease": "lease", "guarantee": "backstop",
}
_HOLDER_PAYS: Final[frozenset[str]] = frozenset({"investment", "credit"})


def leg_of(contract: Contract) -> Leg:
    """The leg type of ``contract`` (see the module table)."""
    return LEG_OF_KIND[contract.kind]


@dataclass(frozen=True)
class Edge:
    """Money (USD bn, notional) moving ``src`` → ``dst`` along one contract."""

    src: str
    dst: str
    value: float
    leg: Leg
    contract_id: str

    def __str__(self) -> str:
        return f"{self.src} -[{self.leg} {self.value:g}]-> {self.dst}"


def flow_edges(web: Web, legs: Iterable[str] = LEGS, include_superseded: bool = False
               ) -> tuple[Edge, ...]:
    """One money-flow edge per active contract whose leg is in ``legs``."""
    wanted = frozenset(legs)
    out = []
    for c in web.active(include_superseded):
        leg = leg_of(c)
        if leg not in wanted:
            continue
        src, dst = (c.holder, c.obligor) if leg in _HOLDER_PAYS else (c.obligor, c.holder)
        out.append(Edge(src, dst, c.amount, leg, c.id))
    return tuple(out)


def aggregate_ids(web: Web) -> frozenset[str]:
    """Entities in no contract: carriers of industry-wide figures (e.g. ``ai_sector``).

    Their figures restate totals of firms already in the web, so sums over firms leave
    them out and report them beside the firms as benchmarks.
    """
    linked = {c.holder for c in web.contracts} | {c.obligor for c in web.contracts}
    return frozenset(e.id for e in web.entities if e.id not in linked)
