"""The financing web: sources, entities, figures, contracts and the network as of a date.

All classes are frozen; change a web by building a new one (:func:`dataclasses.replace`
or :meth:`Web.with_contracts`). Amounts are in USD billions throughout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from bubblescope.model.debt import Aggregate, Coverage, Holding, Instrument, coverage
from bubblescope.model.kinds import (
    CONTRACT_KINDS,
    DIRECTION,
    FINANCING_KINDS,
    Confidence,
    ContractKind,
    EntityKind,
    FigureMetric,
    Seniority,
    SourceKind,
    Status,
    Tranche,
)

if TYPE_CHECKING:  # ratings.py builds on the parser, which builds Webs
    from bubblescope.model.ratings import AgencyRating

__all__ = ["Contract", "Entity", "Figure", "Source", "Web"]


@dataclass(frozen=True)
class Source:
    """Where a number comes from.

    ``kind`` is ``seed`` (``citation`` is the seed file name, ``quote`` the passage),
    ``filing`` or ``release`` (``citation`` names the document), ``dataset`` (a public data
    file) or ``assumption`` (the tool's own choice, explained in ``note``).
    """

    id: str
    kind: SourceKind
    date: dt.date | None
    citation: str
    quote: str = ""
    note: str = ""


@dataclass(frozen=True)
class Figure:
    """One balance-sheet or income figure of an entity for a year.

    USD bn, except ``employees`` (a count) and ``ai_value_share`` (a share of value, 0..1).
    """

    entity_id: str
    metric: FigureMetric
    year: int
    value: float
    confidence: Confidence
    source_ids: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Entity:
    """A firm, fund, SPV or aggregate holder sector in the web."""

    id: str
    name: str
    kind: EntityKind
    country: str
    source_ids: tuple[str, ...] = ()
    note: str = ""
    figures: tuple[Figure, ...] = ()

    def figure(self, metric: str, year: int | None = None) -> Figure | None:
        """Return the figure for ``metric`` in ``year`` (latest year when ``None``)."""
        hits = [f for f in self.figures if f.metric == metric and (year is None or f.year == year)]
        return max(hits, key=lambda f: f.year) if hits else None


@dataclass(frozen=True)
class Contract:
    """A claim of ``holder`` on ``obligor`` (see :mod:`bubblescope.model.kinds` for direction).

    ``amount`` is the notional (USD bn): principal for debt, committed total for leases and
    compute commitments, invested amount for equity. ``annual_payment`` is what the obligor
    pays the holder each year while the contract runs (USD bn/yr); ``rate`` is a decimal
    annual interest or yield.
    """

    id: str
    kind: ContractKind
    holder: str
    obligor: str
    amount: float
    status: Status
    confidence: Confidence
    source_ids: tuple[str, ...]
    start: dt.date | None = None
    maturity: dt.date | None = None
    annual_payment: float | None = None
    rate: float | None = None
    seniority: Seniority = "senior"
    tranche: Tranche | None = None
    collateral: str = ""
    ltv: float | None = None
    on_balance_sheet: bool = True
    deal: str = ""
    note: str = ""

    @property
    def is_financing(self) -> bool:
        """Whether money went holder → obligor at the start."""
        return self.kind in FINANCING_KINDS

    @property
    def holder_role(self) -> str:
        """What the holder is, for this kind (e.g. ``"lessor"``)."""
        return DIRECTION[self.kind].holder_role

    @property
    def obligor_role(self) -> str:
        """What the obligor is, for this kind (e.g. ``"tenant"``)."""
        return DIRECTION[self.kind].obligor_role

    def years_to_maturity(self, as_of: dt.date) -> float | None:
        """Years from ``as_of`` to maturity, or ``None`` when no maturity is known."""
        if self.maturity is None:
            return None
        return (self.maturity - as_of).days / 365.25


@dataclass(frozen=True)
class Web:
    """The financing network as of a date.

    Parameters
    ----------
    name : str
        Version name (e.g. ``"default"``).
    as_of : datetime.date
        The date the web describes.
    entities, contracts, sources : tuple
        The nodes, the edges (claims) and the sources they cite. Validated on load by
        :func:`bubblescope.model.parse.build_web`; build webs through it.
    instruments, holdings : tuple
        The debt universe behind the debt contracts: one row per bond tranche, loan or
        facility, and who holds each (see :mod:`bubblescope.model.debt`). Optional.
    aggregates : tuple
        Seed totals the instruments itemize (the yardsticks of :func:`debt_coverage`).
    ratings : tuple
        Issuers' agency ratings (:class:`~bubblescope.model.ratings.AgencyRating`). Optional.
    """

    name: str
    as_of: dt.date
    entities: tuple[Entity, ...]
    contracts: tuple[Contract, ...]
    sources: tuple[Source, ...]
    description: str = ""
    instruments: tuple[Instrument, ...] = ()
    holdings: tuple[Holding, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()
    ratings: tuple[AgencyRating, ...] = ()

    def __repr__(self) -> str:
        return (
            f"Web({self.name!r}, as_of={self.as_of}, {len(self.entities)} entities, "
            f"{len(self.contracts)} contracts, {len(self.sources)} sources"
            + (f", {len(self.instruments)} instruments" if self.instruments else "") + ")"
        )

    # --- lookups -------------------------------------------------------------------------
    @cached_property
    def index(self) -> Mapping[str, int]:
        """Position of each entity id on the entity axis."""
        return {e.id: i for i, e in enumerate(self.entities)}

    @cached_property
    def entity_by_id(self) -> Mapping[str, Entity]:
        """Entities keyed by id."""
        return {e.id: e for e in self.entities}

    @cached_property
    def source_by_id(self) -> Mapping[str, Source]:
        """Sources keyed by id."""
        return {s.id: s for s in self.sources}

    def entity(self, entity_id: str) -> Entity:
        """Return the entity with ``entity_id`` (``KeyError`` names the id if unknown)."""
        try:
            return self.entity_by_id[entity_id]
        except KeyError:
            raise KeyError(f"no entity {entity_id!r} in web {self.name!r}") from None

    def contracts_of(self, entity_id: str) -> tuple[Contract, ...]:
        """Contracts where ``entity_id`` is holder or obligor."""
        return tuple(c for c in self.contracts if entity_id in (c.holder, c.obligor))

    def active(self, include_superseded: bool = False) -> tuple[Contract, ...]:
        """Contracts that count in totals (superseded ones are dropped by default)."""
        return tuple(c for c in self.contracts if include_superseded or c.status != "superseded")

    # --- derived views ---------------------------------------------------------------------
    def adjacency(self, kind: str | None = None) -> sparse.csr_array:
        """Claims matrix ``A[holder, obligor]`` in USD bn, of shape (n_entities, n_entities).

        With ``kind=None`` all active contract kinds are summed.
        """
        n = len(self.entities)
        rows, cols, vals = [], [], []
        for c in self.active():
            if kind is None or c.kind == kind:
                rows.append(self.index[c.holder])
                cols.append(self.index[c.obligor])
                vals.append(c.amount)
        return sparse.csr_array(
            (np.asarray(vals, dtype=np.float64), (np.asarray(rows, dtype=np.int64),
                                                 np.asarray(cols, dtype=np.int64))),
            shape=(n, n),
        )

    def adjacency_by_kind(self) -> dict[str, sparse.csr_array]:
        """One claims matrix per contract kind present in the web."""
        kinds = {c.kind for c in self.active()}
        return {k: self.adjacency(k) for k in CONTRACT_KINDS if k in kinds}

    def contracts_frame(self) -> pd.DataFrame:
        """All contracts as a table, one row per contract."""
        rows = [
            {**{f: getattr(c, f) for f in _CONTRACT_COLUMNS},
             "source_ids": ";".join(c.source_ids)}
            for c in self.contracts
        ]
        return pd.DataFrame(rows, columns=[*_CONTRACT_COLUMNS, "source_ids"])

    def totals_by_entity(self) -> pd.DataFrame:
        """Claims held (assets) and owed (liabilities) per entity and kind, USD bn."""
        frame = self.contracts_frame()
        frame = frame[frame["status"] != "superseded"]
        held = frame.groupby(["holder", "kind"])["amount"].sum().rename("held")
        owed = frame.groupby(["obligor", "kind"])["amount"].sum().rename("owed")
        held.index.names = owed.index.names = ["entity", "kind"]
        out = pd.concat([held, owed], axis=1).fillna(0.0).reset_index()
        return out.sort_values(["entity", "kind"], ignore_index=True)

    def totals_by_sector(self) -> pd.DataFrame:
        """Claims held and owed per entity kind (sector) and contract kind, USD bn."""
        by_entity = self.totals_by_entity()
        by_entity["sector"] = [self.entity(e).kind for e in by_entity["entity"]]
        grouped = by_entity.groupby(["sector", "kind"])[["held", "owed"]].sum()
        return grouped.reset_index()

    def totals_by_kind(self) -> pd.Series:
        """Total notional per contract kind (active contracts), USD bn."""
        frame = self.contracts_frame()
        frame = frame[frame["status"] != "superseded"]
        return frame.groupby("kind")["amount"].sum().sort_values(ascending=False)

    def debt_coverage(self) -> Coverage:
        """How much of each seed aggregate the instruments itemize (see :func:`coverage`)."""
        return coverage(self.instruments, self.aggregates, self.as_of)

    def with_contracts(self, contracts: Iterable[Contract]) -> Web:
        """Return a copy with ``contracts`` in place of the current ones."""
        return replace(self, contracts=tuple(contracts))


_CONTRACT_COLUMNS: tuple[str, ...] = (
    "id", "kind", "holder", "obligor", "amount", "status", "confidence", "start", "maturity",
    "annual_payment", "rate", "seniority", "tranche", "collateral", "ltv", "on_balance_sheet",
    "deal", "note",
)
