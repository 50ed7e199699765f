"""The financing web as JSON for the pages: nodes, edges, circular flows, entity cards.

Circular flows are the money-flow cycles of :func:`bubblescope.size.circularity.cycles`
among the shown contracts; a contract is *circular* when it is a leg of one of them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import networkx as nx

from bubblescope.model.web import Contract, Entity, Source, Web
from bubblescope.size.circularity import cycles

__all__ = [
    "EdgeFilter",
    "contract_json",
    "entity_card",
    "filter_contracts",
    "layout",
    "search_sources",
    "source_json",
    "web_graph",
]

Json = dict[str, Any]
#: Longest money-flow cycle searched (firms) and how many cycles the page lists.
MAX_CYCLE = 6
MAX_CYCLES_SHOWN = 50


@dataclass(frozen=True)
class EdgeFilter:
    """Which contracts to show: empty tuples mean "any"; dates bound the contract start."""

    kinds: tuple[str, ...] = ()
    confidences: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start_from: dt.date | None = None
    start_to: dt.date | None = None

    def keeps(self, c: Contract) -> bool:
        """Whether contract ``c`` passes the filter (undated contracts pass date bounds)."""
        if self.kinds and c.kind not in self.kinds:
            return False
        if self.confidences and c.confidence not in self.confidences:
            return False
        if self.statuses and c.status not in self.statuses:
            return False
        if c.start is None:
            return True
        return not ((self.start_from and c.start < self.start_from)
                    or (self.start_to and c.start > self.start_to))


def filter_contracts(web: Web, keep: EdgeFilter) -> tuple[Contract, ...]:
    """Contracts of ``web`` that pass ``keep`` (superseded ones only when asked for)."""
    pool = web.contracts if "superseded" in keep.statuses else web.active()
    return tuple(c for c in pool if keep.keeps(c))


def layout(web: Web) -> dict[str, tuple[float, float]]:
    """Fixed 2-D positions of every entity, in about [-1, 1] x [-1, 1].

    Linked entities are placed by Kamada-Kawai on the claims graph (edge length shrinking
    with the log of the amount, so big claims sit close); entities without any active
    contract go on an arc below, so they neither hide nor squash the network.
    """
    graph = nx.Graph()
    for c in web.active():
        length = 1.0 / (1.0 + math.log1p(c.amount) / 4.0)
        if not graph.has_edge(c.holder, c.obligor) or graph[c.holder][c.obligor]["d"] > length:
            graph.add_edge(c.holder, c.obligor, d=length)
    pos: dict[str, tuple[float, float]] = {}
    if graph.number_of_nodes() > 1:
        raw = nx.kamada_kawai_layout(graph, weight="d")
        pos = {str(k): (float(v[0]), float(v[1])) for k, v in raw.items()}
    elif graph.number_of_nodes() == 1:
        pos = {str(next(iter(graph.nodes))): (0.0, 0.0)}
    lonely = [e.id for e in web.entities if e.id not in pos]
    for i, entity_id in enumerate(lonely):
        angle = math.pi * (1.15 + 0.7 * (i + 0.5) / len(lonely))
        pos[entity_id] = (1.25 * math.cos(angle), 1.25 * math.sin(angle))
    return {k: (round(x, 4), round(y, 4)) for k, (x, y) in pos.items()}


def web_graph(web: Web, keep: EdgeFilter, positions: dict[str, tuple[float, float]]) -> Json:
    """Nodes, edges and circular flows of ``web`` under filter ``keep``, as JSON."""
    contracts = filter_contracts(web, keep)
    loops = cycles(web.with_contracts(contracts), max_length=MAX_CYCLE).cycles
    circular = {i for loop in loops for hop in loop.hops for i in hop.contract_ids}
    exposure: dict[str, float] = {e.id: 0.0 for e in web.entities}
    for c in contracts:
        exposure[c.holder] += c.amount
        exposure[c.obligor] += c.amount
    return {
        "name": web.name, "as_of": web.as_of.isoformat(), "description": web.description,
        "nodes": [_node(e, exposure[e.id], positions.get(e.id, (0.0, 0.0))) for e in web.entities],
        "edges": [_edge(c, c.id in circular) for c in contracts],
        "cycles": [{"nodes": list(loop.nodes), "smallest": round(loop.smallest, 3)}
                   for loop in loops[:MAX_CYCLES_SHOWN]],
        "cycle_count": len(loops),
        "totals": {"contracts": len(contracts),
                   "amount": round(sum(c.amount for c in contracts), 3),
                   "circular_amount": round(sum(c.amount for c in contracts
                                                if c.id in circular), 3)},
    }


def _node(e: Entity, exposure: float, xy: tuple[float, float]) -> Json:
    return {"id": e.id, "name": e.name, "kind": e.kind, "country": e.country,
            "exposure": round(exposure, 3), "x": xy[0], "y": xy[1]}


def _edge(c: Contract, circular: bool) -> Json:
    return {"id": c.id, "kind": c.kind, "holder": c.holder, "obligor": c.obligor,
            "amount": c.amount, "status": c.status, "confidence": c.confidence,
            "start": _iso(c.start), "maturity": _iso(c.maturity), "deal": c.deal,
            "circular": circular}


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def contract_json(c: Contract, web: Web) -> Json:
    """One contract with both ends named and its roles spelled out."""
    return {**_edge(c, False), "holder_name": web.entity(c.holder).name,
            "obligor_name": web.entity(c.obligor).name, "holder_role": c.holder_role,
            "obligor_role": c.obligor_role, "annual_payment": c.annual_payment, "rate": c.rate,
            "seniority": c.seniority, "tranche": c.tranche, "collateral": c.collateral,
            "ltv": c.ltv, "on_balance_sheet": c.on_balance_sheet, "note": c.note,
            "source_ids": list(c.source_ids)}


def source_json(s: Source) -> Json:
    """One source as JSON."""
    return {"id": s.id, "kind": s.kind, "date": _iso(s.date), "citation": s.citation,
            "quote": s.quote, "note": s.note}


def entity_card(web: Web, entity_id: str) -> Json:
    """Everything the page shows on a click: the entity, its contracts, figures and sources.

    Raises ``KeyError`` when ``entity_id`` is not in ``web``.
    """
    e = web.entity(entity_id)
    contracts = web.contracts_of(entity_id)
    cited = {*e.source_ids, *(s for f in e.figures for s in f.source_ids),
             *(s for c in contracts for s in c.source_ids)}
    return {
        "id": e.id, "name": e.name, "kind": e.kind, "country": e.country, "note": e.note,
        "figures": [{"metric": f.metric, "year": f.year, "value": f.value,
                     "confidence": f.confidence, "source_ids": list(f.source_ids),
                     "note": f.note} for f in sorted(e.figures, key=lambda f: (f.metric, f.year))],
        "contracts": [contract_json(c, web) for c in contracts],
        "sources": [source_json(web.source_by_id[s]) for s in sorted(cited)
                    if s in web.source_by_id],
    }


def search_sources(web: Web, query: str, limit: int) -> list[Json]:
    """Sources whose id, citation, quote or note contains ``query`` (case-insensitive)."""
    q = query.strip().lower()
    hits = [s for s in web.sources
            if not q or any(q in t.lower() for t in (s.id, s.citation, s.quote, s.note, s.kind))]
    return [source_json(s) for s in hits[:limit]]
