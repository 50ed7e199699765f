"""Circular financing (SPEC M6): cycles, round-trip revenue and entities in several roles.

Money-flow edges come from :func:`bubblescope.size.flows.flow_edges` (investment, credit,
purchase, lease and backstop legs). A *cycle* is a closed walk of distinct firms along which
money can come back to where it started; it is only as strong as its smallest leg, so
cycles are ranked by that value. *Round-trip revenue* of a firm is the part of the money
its customers pay it that can be traced back, along a path, to money the firm itself
invested, lent or guaranteed.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

from bubblescope.model.errors import ScenarioError
from bubblescope.model.web import Web
from bubblescope.size.flows import LEGS, Edge, flow_edges

__all__ = [
    "Cycle",
    "CycleReport",
    "Hop",
    "RoleReport",
    "RoundTrip",
    "RoundTripReport",
    "cycles",
    "roles",
    "round_trips",
]

_OUT_LEGS = frozenset({"investment", "credit", "backstop"})
_REVENUE_LEGS = frozenset({"purchase", "lease"})


@dataclass(frozen=True)
class Hop:
    """All money moving from ``src`` to ``dst`` (summed over contracts)."""

    src: str
    dst: str
    value: float
    legs: tuple[str, ...]
    contract_ids: tuple[str, ...]


@dataclass(frozen=True)
class Cycle:
    """A closed loop of firms; ``smallest`` is the value of its weakest hop (USD bn)."""

    hops: tuple[Hop, ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        """The firms in order, starting at the first hop's source."""
        return tuple(h.src for h in self.hops)

    @property
    def smallest(self) -> float:
        """The smallest hop value: what can go round the whole loop."""
        return min(h.value for h in self.hops)

    def passes(self, path: Sequence[str]) -> bool:
        """Whether the cycle runs through ``path`` in order (as a rotation of its nodes)."""
        n, m = len(self.nodes), len(path)
        if m != n:
            return False
        return any(all(self.nodes[(i + k) % n] == path[k] for k in range(m)) for i in range(n))

    def __str__(self) -> str:
        chain = " → ".join([*self.nodes, self.nodes[0]])
        legs = ", ".join("/".join(h.legs) for h in self.hops)
        return f"{chain}  (smallest leg {self.smallest:g}bn; legs {legs})"


@dataclass(frozen=True)
class CycleReport:
    """Every cycle found, strongest first."""

    cycles: tuple[Cycle, ...]
    max_length: int

    def find(self, path: Sequence[str]) -> Cycle | None:
        """The cycle through ``path`` in order, if any."""
        return next((c for c in self.cycles if c.passes(path)), None)

    def __str__(self) -> str:
        head = f"{len(self.cycles)} cycles (up to {self.max_length} firms), by smallest leg"
        return "\n".join([head, *(f"  {i + 1}. {c}" for i, c in enumerate(self.cycles[:15]))])


def _hops(edges: Iterable[Edge]) -> dict[tuple[str, str], Hop]:
    grouped: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for e in edges:
        grouped[(e.src, e.dst)].append(e)
    return {
        key: Hop(key[0], key[1], sum(e.value for e in es),
                 tuple(sorted({e.leg for e in es})), tuple(e.contract_id for e in es))
        for key, es in grouped.items()
    }


def cycles(web: Web, legs: Iterable[str] = LEGS, max_length: int = 6,
           min_leg: float = 0.0) -> CycleReport:
    """Find every simple cycle of up to ``max_length`` firms, ranked by its smallest leg.

    Raises
    ------
    ScenarioError
        If ``max_length`` is not between 2 and 12 (longer searches explode combinatorially).
    """
    if not 2 <= max_length <= 12:
        raise ScenarioError(f"max_length must be between 2 and 12, got {max_length}")
    hops = _hops(flow_edges(web, legs))
    graph = nx.DiGraph()
    graph.add_edges_from(k for k, h in hops.items() if h.value > min_leg)
    found = []
    for nodes in nx.simple_cycles(graph, length_bound=max_length):
        start = nodes.index(min(nodes))
        ring = nodes[start:] + nodes[:start]
        found.append(Cycle(tuple(hops[(ring[i], ring[(i + 1) % len(ring)])]
                                 for i in range(len(ring)))))
    found.sort(key=lambda c: (-c.smallest, c.nodes))
    return CycleReport(tuple(found), max_length)


# --- round-trip revenue ------------------------------------------------------------------------
@dataclass(frozen=True)
class RoundTrip:
    """Revenue from one customer and the part that is the firm's own money coming back."""

    firm: str
    customer: str
    revenue: float
    returned: float
    path: tuple[str, ...]

    def __str__(self) -> str:
        route = " → ".join(self.path) if self.path else "no path back"
        return (f"{self.customer} pays {self.firm} {self.revenue:g}bn; {self.returned:g}bn "
                f"traceable to {self.firm}'s own money via {route}")


@dataclass(frozen=True)
class RoundTripReport:
    """Round-trip revenue per firm (contracted revenue: purchase and lease legs)."""

    trips: tuple[RoundTrip, ...]

    def share(self, firm: str) -> float:
        """Share of ``firm``'s contracted revenue that is its own money coming back (0..1)."""
        mine = [t for t in self.trips if t.firm == firm]
        total = sum(t.revenue for t in mine)
        return sum(t.returned for t in mine) / total if total > 0 else 0.0

    @property
    def firms(self) -> tuple[str, ...]:
        """Firms with contracted revenue, by round-trip share, highest first."""
        names = sorted({t.firm for t in self.trips})
        return tuple(sorted(names, key=lambda f: -self.share(f)))

    def __str__(self) -> str:
        lines = ["Round-trip revenue (share of contracted revenue that is the firm's own money)"]
        for f in self.firms:
            best = max((t for t in self.trips if t.firm == f), key=lambda t: t.returned)
            lines.append(f"  {f:<14} {self.share(f):6.1%}   e.g. {best}")
        return "\n".join(lines)


def round_trips(web: Web, legs: Iterable[str] = LEGS) -> RoundTripReport:
    """For each revenue edge customer → firm, the widest path firm → … → customer.

    The path must start with money the firm invests, lends or guarantees (an investment,
    credit or backstop leg); its bottleneck, capped at the revenue, is the round-trip
    amount. One widest path per revenue edge: a lower bound of the max-flow.
    """
    edges = flow_edges(web, legs)
    hops = _hops(edges)
    revenue_of = {e.contract_id: e.value for e in edges if e.leg in _REVENUE_LEGS}
    out_adj: dict[str, list[Hop]] = defaultdict(list)
    for h in hops.values():
        out_adj[h.src].append(h)
    trips = []
    for h in hops.values():
        if set(h.legs) & _REVENUE_LEGS:
            revenue = sum(revenue_of.get(c, 0.0) for c in h.contract_ids)
            width, path = _widest_back(out_adj, firm=h.dst, customer=h.src)
            trips.append(RoundTrip(h.dst, h.src, revenue, min(revenue, width), path))
    trips.sort(key=lambda t: (t.firm, -t.returned))
    return RoundTripReport(tuple(trips))


def _widest_back(out_adj: dict[str, list[Hop]], firm: str, customer: str
                 ) -> tuple[float, tuple[str, ...]]:
    best_w, best_path = 0.0, tuple[str, ...]()
    for first in out_adj.get(firm, []):
        if not set(first.legs) & _OUT_LEGS:
            continue
        width, path = _widest(out_adj, first.dst, customer, banned=firm)
        width = min(width, first.value)
        if width > best_w:
            best_w, best_path = width, (firm, *path)
    return best_w, best_path


def _widest(out_adj: dict[str, list[Hop]], src: str, dst: str, banned: str
            ) -> tuple[float, tuple[str, ...]]:
    """Maximum-bottleneck path ``src`` → ``dst`` avoiding ``banned`` (Dijkstra variant)."""
    if src == dst:
        return float("inf"), (dst,)
    best: dict[str, float] = {src: float("inf")}
    prev: dict[str, str] = {}
    heap = [(-float("inf"), src)]
    while heap:
        neg, node = heapq.heappop(heap)
        if node == dst:
            break
        if -neg < best.get(node, 0.0):
            continue
        for h in out_adj.get(node, []):
            w = min(-neg, h.value)
            if h.dst != banned and w > best.get(h.dst, 0.0):
                best[h.dst], prev[h.dst] = w, node
                heapq.heappush(heap, (-w, h.dst))
    if dst not in best:
        return 0.0, ()
    path = [dst]
    while path[-1] != src:
        path.append(prev[path[-1]])
    return best[dst], tuple(reversed(path))


# --- roles ------------------------------------------------------------------------------------
_ROLE_OF: dict[tuple[str, str], str] = {
    ("purchase", "dst"): "supplier", ("lease", "dst"): "supplier",
    ("purchase", "src"): "customer", ("lease", "src"): "customer",
    ("investment", "src"): "investor", ("credit", "src"): "lender",
    ("investment", "dst"): "investee", ("credit", "dst"): "borrower",
    ("backstop", "src"): "guarantor", ("backstop", "dst"): "beneficiary",
}
_KEY_ROLES = ("supplier", "investor", "customer", "guarantor")


@dataclass(frozen=True)
class RoleReport:
    """The roles each entity plays; ``multi`` lists those in two or more key roles."""

    roles: dict[str, tuple[str, ...]]

    @property
    def multi(self) -> tuple[str, ...]:
        """Entities that are at once two or more of supplier, investor, customer, guarantor."""
        return tuple(e for e, r in self.roles.items()
                     if sum(k in r for k in _KEY_ROLES) >= 2)

    def __str__(self) -> str:
        lines = ["Entities in several roles (supplier / investor / customer / guarantor)"]
        lines += [f"  {e:<16} {', '.join(self.roles[e])}" for e in self.multi]
        return "\n".join(lines)


def roles(web: Web) -> RoleReport:
    """Every entity's roles in the money-flow graph."""
    found: dict[str, set[str]] = defaultdict(set)
    for e in flow_edges(web):
        found[e.src].add(_ROLE_OF[(e.leg, "src")])
        found[e.dst].add(_ROLE_OF[(e.leg, "dst")])
    return RoleReport({k: tuple(sorted(v)) for k, v in sorted(found.items())})
