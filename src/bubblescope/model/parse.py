"""Validation at the boundary: rows of text → a :class:`~bubblescope.model.web.Web`.

Rows arrive as mappings of column name to string (as a CSV reader yields them). Every
problem in every row is collected and raised together as one :class:`DataError`, each
naming file, line, field, rule and value. A row is named by the file line it starts on (the
header is line 1): a :class:`~bubblescope.model.inputs.CsvRow` knows its line, any other
row counts as it would in a CSV file (:func:`~bubblescope.model.inputs.numbered`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from bubblescope.model.debt import contract_mismatches
from bubblescope.model.errors import DataError, Issue
from bubblescope.model.inputs import (
    MAX_AMOUNT_USD_BN,
    MAX_CELL_CHARS,
    numbered,
    parse_decimal,
)
from bubblescope.model.kinds import (
    CONFIDENCES,
    CONTRACT_KINDS,
    DIRECTION,
    ENTITY_KINDS,
    FIGURE_METRICS,
    SENIORITIES,
    SOURCE_KINDS,
    STATUSES,
    TRANCHES,
)
from bubblescope.model.web import Contract, Entity, Figure, Source, Web

__all__ = [
    "COLUMNS",
    "Row",
    "build_web",
    "parse_contracts",
    "parse_entities",
    "parse_figures",
    "parse_sources",
]

Row = Mapping[str, Any]
T = TypeVar("T")

#: Required and optional columns of each table of a web directory.
COLUMNS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "sources": (("id", "kind", "citation"), ("date", "quote", "note")),
    "entities": (("id", "name", "kind", "country"), ("source_ids", "note")),
    "figures": (
        ("entity_id", "metric", "year", "value", "confidence", "source_ids"), ("note",)
    ),
    "contracts": (
        ("id", "kind", "holder", "obligor", "amount", "status", "confidence", "source_ids"),
        ("start", "maturity", "annual_payment", "rate", "seniority", "tranche", "collateral",
         "ltv", "on_balance_sheet", "deal", "note"),
    ),
}


@dataclass
class _Reader:
    """Reads typed fields from one row, recording issues instead of raising."""

    file: str
    line: int
    row: Row
    issues: list[Issue] = field(default_factory=list)

    def _fail(self, name: str, rule: str, value: object) -> None:
        self.issues.append(Issue(self.file, self.line, name, rule, _show(value)))

    def text(self, name: str, required: bool = True) -> str:
        value = _clean(self.row.get(name))
        if required and not value:
            self._fail(name, "is required and must not be empty", value)
        return value

    def choice(self, name: str, allowed: Sequence[str], default: str | None = None) -> str:
        value = _clean(self.row.get(name))
        if not value and default is not None:
            return default
        if value not in allowed:
            self._fail(name, f"must be one of {', '.join(allowed)}", value)
            return allowed[0]
        return value

    def number(
        self, name: str, required: bool = True, lo: float | None = 0.0, hi: float | None = None,
        unit: str = "",
    ) -> float | None:
        raw = _clean(self.row.get(name))
        if not raw:
            if required:
                self._fail(name, f"is required: a number{unit}", raw)
            return None
        try:
            value = parse_decimal(raw)
        except ValueError:
            self._fail(name, f"must be a number{unit} (ASCII decimal)", raw)
            return None
        if not math.isfinite(value):
            self._fail(name, f"must be a finite number{unit}", raw)
            return None
        if lo is not None and value < lo:
            self._fail(name, f"must be >= {lo:g}{unit}", raw)
        if hi is not None and value > hi:
            self._fail(name, f"must be <= {hi:g}{unit}", raw)
        return value

    def integer(self, name: str, lo: int, hi: int) -> int:
        raw = _clean(self.row.get(name))
        try:
            if not (raw.isascii() and raw.lstrip("+-").isdigit()):
                raise ValueError(raw)
            value = int(raw)
        except ValueError:
            self._fail(name, f"must be a whole number from {lo} to {hi}", raw)
            return lo
        if not lo <= value <= hi:
            self._fail(name, f"must be a whole number from {lo} to {hi}", raw)
        return value

    def date(self, name: str, required: bool = False) -> dt.date | None:
        raw = _clean(self.row.get(name))
        if not raw:
            if required:
                self._fail(name, "is required: a date YYYY-MM-DD", raw)
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            self._fail(name, "must be a date YYYY-MM-DD", raw)
            return None

    def boolean(self, name: str, default: bool) -> bool:
        raw = _clean(self.row.get(name)).lower()
        if not raw:
            return default
        if raw in {"true", "1", "yes"}:
            return True
        if raw in {"false", "0", "no"}:
            return False
        self._fail(name, "must be true or false", raw)
        return default

    def ids(self, name: str, required: bool = True) -> tuple[str, ...]:
        raw = _clean(self.row.get(name))
        values = tuple(v.strip() for v in raw.split(";") if v.strip())
        if required and not values:
            self._fail(name, "must name at least one source id (separate several with ';')", raw)
        return values


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _show(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(_clean, value))
    return _clean(value)


def _parse_rows(
    rows: Sequence[Row], file: str, table: str, make: Callable[[_Reader], T],
    columns: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] | None = None,
) -> tuple[list[T], list[Issue]]:
    issues = _check_columns(rows, file, table, columns or COLUMNS)
    if issues:
        return [], issues
    out: list[T] = []
    for line, row in numbered(rows):
        reader = _Reader(file, line, row)
        _check_cells(reader)
        item = make(reader)
        issues.extend(reader.issues)
        if not reader.issues:
            out.append(item)
    return out, issues


def _check_cells(reader: _Reader) -> None:
    """Check every field of any table: no control character, at most MAX_CELL_CHARS long."""
    for key, value in reader.row.items():
        if not isinstance(value, str) or key is None:
            continue
        if len(value) > MAX_CELL_CHARS:
            reader._fail(str(key), f"must be at most {MAX_CELL_CHARS} characters "
                         f"(got {len(value)})", value[:60] + "...")
        elif any(ord(c) < 32 and c not in "\t\r\n" for c in value) or "\x7f" in value:
            reader._fail(str(key), "must not contain NUL or other control characters",
                         value.encode("unicode_escape").decode("ascii")[:80])


def _check_columns(
    rows: Sequence[Row], file: str, table: str,
    columns: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]],
) -> list[Issue]:
    required, optional = columns[table]
    if not rows:
        return []
    present = {k for k in rows[0] if k is not None}
    missing = [c for c in required if c not in present]
    unknown = sorted(present - set(required) - set(optional))
    issues = [Issue(file, None, c, "is a required column and is missing", "") for c in missing]
    issues += [
        Issue(file, None, c, f"is not a column of {table} (allowed: "
              f"{', '.join(required + optional)})", c)
        for c in unknown
    ]
    return issues


def parse_sources(
    rows: Sequence[Row], file: str = "sources.csv",
) -> tuple[list[Source], list[Issue]]:
    """Parse source rows; return the valid sources and every issue found."""

    def make(r: _Reader) -> Source:
        kind = r.choice("kind", SOURCE_KINDS)
        quote = r.text("quote", required=False)
        if kind == "seed" and not quote:
            r._fail("quote", "is required for a seed source: the quoted passage", quote)
        return Source(
            id=r.text("id"), kind=kind, date=r.date("date"),  # type: ignore[arg-type]
            citation=r.text("citation"), quote=quote, note=r.text("note", required=False),
        )

    return _parse_rows(rows, file, "sources", make)


def parse_entities(
    rows: Sequence[Row], file: str = "entities.csv",
) -> tuple[list[Entity], list[Issue]]:
    """Parse entity rows; return the valid entities and every issue found."""

    def make(r: _Reader) -> Entity:
        return Entity(
            id=r.text("id"), name=r.text("name"),
            kind=r.choice("kind", ENTITY_KINDS),  # type: ignore[arg-type]
            country=r.text("country"), source_ids=r.ids("source_ids", required=False),
            note=r.text("note", required=False),
        )

    return _parse_rows(rows, file, "entities", make)


def parse_figures(
    rows: Sequence[Row], file: str = "figures.csv",
) -> tuple[list[Figure], list[Issue]]:
    """Parse figure rows; return the valid figures and every issue found."""

    def make(r: _Reader) -> Figure:
        metric = r.choice("metric", FIGURE_METRICS)
        return Figure(
            entity_id=r.text("entity_id"), metric=metric,  # type: ignore[arg-type]
            year=r.integer("year", 1900, 2100),
            value=_figure_value(r, metric) or 0.0,
            confidence=r.choice("confidence", CONFIDENCES),  # type: ignore[arg-type]
            source_ids=r.ids("source_ids"), note=r.text("note", required=False),
        )

    return _parse_rows(rows, file, "figures", make)


def _figure_value(r: _Reader, metric: str) -> float | None:
    """A figure's value under its metric's rule: a share in 0..1, a head count, or USD bn.

    Only book ``equity`` (a firm whose liabilities exceed its assets) and
    ``operating_cash_flow`` (a firm that burns cash) may be negative; a
    negative cash, debt, revenue or asset figure would turn into negative assets inside the
    stress engine, so it is refused here, on its row.
    """
    if metric == "ai_value_share":
        return r.number("value", lo=0.0, hi=1.0, unit=" (a share of value, 0..1)")
    if metric == "pool_lgd":
        return r.number("value", lo=0.0, hi=1.0, unit=" (a loss given default, 0..1)")
    if metric == "gross_margin":
        return r.number("value", lo=0.0, hi=1.0, unit=" (a gross margin, 0..1)")
    if metric == "daily_volatility":
        return r.number("value", lo=0.0, hi=1.0, unit=" (a daily volatility, 0..1)")
    if metric == "equity_volatility":
        return r.number("value", lo=0.01, hi=5.0, unit=" (realised equity volatility per "
                        "sqrt(year))")
    if metric == "employees":
        return r.number("value", lo=0.0, hi=1e8, unit=" (a head count)")
    # book equity and operating cash flow may be negative (a firm that burns cash)
    lo = -MAX_AMOUNT_USD_BN if metric in ("equity", "operating_cash_flow") else 0.0
    return r.number("value", lo=lo, hi=MAX_AMOUNT_USD_BN, unit=f" (USD bn; {metric})")


def parse_contracts(
    rows: Sequence[Row], file: str = "contracts.csv",
) -> tuple[list[Contract], list[Issue]]:
    """Parse contract rows; return the valid contracts and every issue found."""

    def make(r: _Reader) -> Contract:
        kind = r.choice("kind", CONTRACT_KINDS)
        tranche_raw = r.text("tranche", required=False)
        tranche = r.choice("tranche", TRANCHES) if tranche_raw else None
        if kind == "abs_note" and tranche is None:
            r._fail("tranche", "is required for an abs_note: one of " + ", ".join(TRANCHES), "")
        contract = Contract(
            id=r.text("id"), kind=kind,  # type: ignore[arg-type]
            holder=r.text("holder"), obligor=r.text("obligor"),
            amount=r.number("amount", lo=0.0, hi=MAX_AMOUNT_USD_BN,
                            unit=" in USD billions") or 0.0,
            status=r.choice("status", STATUSES),  # type: ignore[arg-type]
            confidence=r.choice("confidence", CONFIDENCES),  # type: ignore[arg-type]
            source_ids=r.ids("source_ids"),
            start=r.date("start"), maturity=r.date("maturity"),
            annual_payment=r.number("annual_payment", required=False, hi=MAX_AMOUNT_USD_BN,
                                    unit=" in USD bn/yr"),
            rate=r.number("rate", required=False, lo=-0.05, hi=1.0, unit=" (decimal per year)"),
            seniority=r.choice("seniority", SENIORITIES, default="senior"),  # type: ignore[arg-type]
            tranche=tranche,  # type: ignore[arg-type]
            collateral=r.text("collateral", required=False),
            ltv=r.number("ltv", required=False, lo=0.0, hi=2.0, unit=" (loan-to-value ratio)"),
            on_balance_sheet=r.boolean("on_balance_sheet", default=True),
            deal=r.text("deal", required=False), note=r.text("note", required=False),
        )
        if contract.start and contract.maturity and contract.maturity < contract.start:
            r._fail("maturity", f"must not be before start ({contract.start})",
                    contract.maturity.isoformat())
        if contract.holder and contract.holder == contract.obligor:
            r._fail("obligor", "must differ from holder (no claim on oneself)", contract.obligor)
        return contract

    return _parse_rows(rows, file, "contracts", make)


def build_web(
    name: str,
    as_of: dt.date,
    tables: Mapping[str, Sequence[Row]],
    files: Mapping[str, str] | None = None,
    description: str = "",
) -> Web:
    """Validate the tables together and build a :class:`Web`.

    Parameters
    ----------
    tables : mapping
        ``sources``, ``entities``, ``figures`` (optional), ``contracts`` and, optionally,
        the debt universe ``instruments`` and ``holdings`` and the issuers' agency
        ``ratings``: sequences of rows.
    files : mapping, optional
        The file name to report for each table (defaults to ``<table>.csv``).

    Raises
    ------
    DataError
        With every issue in every table: bad fields, duplicate or unknown ids, figures or
        contracts without a known source, contracts whose ends contradict their kind, and
        debt contracts that disagree with the instruments they are derived from.
    """
    from bubblescope.model import parse_debt  # the debt tables build on this module
    from bubblescope.model.ratings import check_rating_references, parse_ratings

    names = {t: (files or {}).get(t, f"{t}.csv") for t in (*COLUMNS, *parse_debt.DEBT_COLUMNS)}
    sources, issues = parse_sources(tables.get("sources", ()), names["sources"])
    entities, more = parse_entities(tables.get("entities", ()), names["entities"])
    issues += more
    figures, more = parse_figures(tables.get("figures", ()), names["figures"])
    issues += more
    contracts, more = parse_contracts(tables.get("contracts", ()), names["contracts"])
    issues += more
    issues += _check_references(tables, names)
    instruments, more = parse_debt.parse_instruments(tables.get("instruments", ()),
                                                     names["instruments"])
    issues += more
    holdings, more = parse_debt.parse_holdings(tables.get("holdings", ()), names["holdings"])
    issues += more
    aggregates, more = parse_debt.parse_aggregates(tables.get("aggregates", ()),
                                                   names["aggregates"])
    issues += more
    source_ids = {_clean(r.get("id")) for r in tables.get("sources", ())}
    kinds = {_clean(r.get("id")): _clean(r.get("kind")) for r in tables.get("entities", ())}
    issues += parse_debt.check_debt_references(tables, names, source_ids, kinds)
    rating_file = (files or {}).get("ratings", "ratings.csv")
    ratings, more = parse_ratings(tables.get("ratings", ()), rating_file)
    issues += more + check_rating_references(tables, rating_file, source_ids, set(kinds))
    if not issues:
        issues += contract_mismatches(instruments, holdings, contracts, as_of,
                                      names["contracts"])
    if issues:
        raise DataError(issues)
    by_entity: dict[str, list[Figure]] = {}
    for f in figures:
        by_entity.setdefault(f.entity_id, []).append(f)
    entities = [_with_figures(e, tuple(by_entity.get(e.id, ()))) for e in entities]
    return Web(name, as_of, tuple(entities), tuple(contracts), tuple(sources), description,
               tuple(instruments), tuple(holdings), tuple(aggregates), tuple(ratings))


def _with_figures(entity: Entity, figures: tuple[Figure, ...]) -> Entity:
    return Entity(entity.id, entity.name, entity.kind, entity.country, entity.source_ids,
                  entity.note, figures)


def _duplicates(rows: Sequence[Row], key: str, file: str) -> list[Issue]:
    seen: set[str] = set()
    out: list[Issue] = []
    for i, r in numbered(rows):
        value = _clean(r.get(key))
        if value and value in seen:
            out.append(Issue(file, i, key, "must be unique (duplicate id)", value))
        seen.add(value)
    return out


def _check_references(
    tables: Mapping[str, Sequence[Row]], names: Mapping[str, str],
) -> list[Issue]:
    # Row-based, so a row that also failed a field check still has its references checked
    # and every issue carries the row it came from (even when ids are duplicated).
    issues: list[Issue] = []
    for table, key in (("sources", "id"), ("entities", "id"), ("contracts", "id")):
        issues += _duplicates(tables.get(table, ()), key, names[table])
    source_ids = {_clean(r.get("id")) for r in tables.get("sources", ())}
    kinds = {_clean(r.get("id")): _clean(r.get("kind")) for r in tables.get("entities", ())}
    issues += _check_sources_of(tables, names, "entities", source_ids)
    issues += _check_figures(tables, names, source_ids, kinds)
    issues += _check_contracts(tables, names, source_ids, kinds)
    return issues


def _unknown_sources(ids: tuple[str, ...], known: set[str]) -> list[str]:
    return [s for s in ids if s not in known]


def _check_sources_of(
    tables: Mapping[str, Sequence[Row]], names: Mapping[str, str], table: str, known: set[str],
) -> list[Issue]:
    return [
        Issue(names[table], i, "source_ids", "must name known source ids", s)
        for i, row in numbered(tables.get(table, ()))
        for s in _unknown_sources(_split_ids(row.get("source_ids")), known)
    ]


def _split_ids(value: object) -> tuple[str, ...]:
    return tuple(v.strip() for v in _clean(value).split(";") if v.strip())


def _check_figures(
    tables: Mapping[str, Sequence[Row]], names: Mapping[str, str], known: set[str],
    kinds: Mapping[str, str],
) -> list[Issue]:
    issues: list[Issue] = []
    file = names["figures"]
    seen: set[tuple[str, str, str]] = set()
    for i, row in numbered(tables.get("figures", ())):
        entity_id = _clean(row.get("entity_id"))
        if entity_id and entity_id not in kinds:
            issues.append(Issue(file, i, "entity_id", "must name a known entity", entity_id))
        issues += [Issue(file, i, "source_ids", "must name known source ids", s)
                   for s in _unknown_sources(_split_ids(row.get("source_ids")), known)]
        key = (entity_id, _clean(row.get("metric")), _clean(row.get("year")))
        if key in seen:
            issues.append(Issue(file, i, "metric", "must be unique per entity and year",
                                "/".join(key)))
        seen.add(key)
    return issues


def _check_contracts(
    tables: Mapping[str, Sequence[Row]], names: Mapping[str, str], known: set[str],
    kinds: Mapping[str, str],
) -> list[Issue]:
    issues: list[Issue] = []
    file = names["contracts"]
    for i, row in numbered(tables.get("contracts", ())):
        ends = {end: _clean(row.get(end)) for end in ("holder", "obligor")}
        issues += [Issue(file, i, end, "must name a known entity", entity_id)
                   for end, entity_id in ends.items() if entity_id and entity_id not in kinds]
        issues += [Issue(file, i, "source_ids", "must name known source ids", s)
                   for s in _unknown_sources(_split_ids(row.get("source_ids")), known)]
        kind = _clean(row.get("kind"))
        if kind in DIRECTION:
            issues += _direction_issues(kind, ends, kinds, file, i)
    return issues


def _direction_issues(
    kind: str, ends: Mapping[str, str], kinds: Mapping[str, str], file: str, row: int,
) -> list[Issue]:
    rule = DIRECTION[kind]
    out: list[Issue] = []
    for end, allowed, role in (("holder", rule.holders, rule.holder_role),
                               ("obligor", rule.obligors, rule.obligor_role)):
        entity_kind = kinds.get(ends[end])
        if entity_kind in ENTITY_KINDS and entity_kind not in allowed:
            out.append(Issue(
                file, row, end,
                f"contradicts kind {kind}: the {end} is the {role}, which cannot be a "
                f"{entity_kind} (allowed: {', '.join(sorted(allowed))})",
                ends[end],
            ))
    return out
