"""Import deal-leg tables (one row per flow) as a :class:`~bubblescope.model.web.Web`.

A deal-leg table has one row per flow of money or promise: date, from, to, leg type,
amount, status, confidence and sources. A :class:`~bubblescope.store.leg_mapping.LegMapping`
says which column is which and how each leg type becomes a contract (kind, and which end
holds the claim). Every problem in every row is reported at once as a :class:`DataError`
naming file, line, field (the file's column), rule and value: a CSV row by the file line it
starts on (the header is line 1), a JSON edge by its place in ``edges`` (edge 1 first).

Rules the importer follows, never silently:

* **empty amounts**: with ``empty_amount="skip"`` (default) the leg is left out; with
  ``"headline"`` it takes the deal's headline amount (the whole deal's figure, so legs of
  one deal may then double count) and its confidence drops to ``low``. Either way a
  :class:`MissingAmountWarning` names how many rows and which;
* **not counted**: a row whose status starts with ``superseded`` or whose ``in_totals`` is
  0 is kept with status ``superseded``, so totals and the adjacency leave it out;
* **unknown parties**: a party name that is neither in ``base`` nor in the mapping's
  entity table becomes a new entity of kind ``other``; every entity the import creates
  says so in its note;
* **sources**: each distinct source URL becomes a source row (``filing`` for sec.gov,
  ``release`` otherwise); every contract also cites the mapping's dataset source.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bubblescope.model.errors import DataError, Issue, MissingAmountWarning
from bubblescope.model.inputs import (
    MAX_AMOUNT_USD_BN,
    MAX_CELL_CHARS,
    numbered,
    parse_decimal,
    read_csv,
    read_input_text,
)
from bubblescope.model.parse import Row, build_web
from bubblescope.model.web import Web
from bubblescope.store.leg_mapping import (
    EDGES_MAPPING,
    KEVIN_MAPPING,
    EmptyAmount,
    LegMapping,
)
from bubblescope.store.rows import TABLES, text_tables

__all__ = ["DealLegImport", "MissingAmountWarning", "import_deal_legs", "import_leg_rows",
           "read_leg_rows"]


@dataclass(frozen=True)
class DealLegImport:
    """The web built from a deal-leg file, and what the import did to get there.

    The ``*_rows`` name legs by their file line (CSV; the header is line 1) or by their
    edge number (JSON, from 1).
    """

    web: Web
    file: str
    n_rows: int
    contract_rows: tuple[int, ...]
    skipped_rows: tuple[int, ...]
    headline_rows: tuple[int, ...]
    superseded_rows: tuple[int, ...]
    created_entities: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.n_rows} legs → {len(self.contract_rows)} contracts "
            f"({len(self.superseded_rows)} superseded/not counted), "
            f"{len(self.skipped_rows)} skipped for want of an amount, "
            f"{len(self.headline_rows)} given the headline amount, "
            f"{len(self.created_entities)} entities created; {self.web!r}"
        )


def import_deal_legs(
    path: str | os.PathLike[str],
    mapping: LegMapping | None = None,
    *,
    name: str | None = None,
    as_of: dt.date | None = None,
    base: Web | None = None,
    empty_amount: EmptyAmount | None = None,
) -> DealLegImport:
    """Read a deal-leg CSV (or a JSON edges file) and build a validated web from it.

    Parameters
    ----------
    path : path-like
        A CSV with a header row, or a JSON file holding ``{"edges": [...]}``.
    mapping : LegMapping, optional
        Defaults to :data:`KEVIN_MAPPING` for CSV and :data:`EDGES_MAPPING` for JSON.
    name, as_of : optional
        Web name (default: the file stem) and date (default: the file's ``as_of`` for
        JSON, else the latest of the leg dates and ``base.as_of``).
    base : Web, optional
        A web to add the legs to: its entities are "known", its contracts are kept.
    empty_amount : {"skip", "headline"}, optional
        Overrides the mapping's rule for legs without an amount.

    Raises
    ------
    DataError
        Every problem in every row, naming file, row, column, rule and value.
    """
    rows, file_as_of = read_leg_rows(path)
    if mapping is None:
        mapping = EDGES_MAPPING if Path(path).suffix.lower() == ".json" else KEVIN_MAPPING
    return import_leg_rows(rows, str(path), mapping, name=name or _slug(Path(path).stem),
                           as_of=as_of or file_as_of, base=base, empty_amount=empty_amount)


def import_leg_rows(
    rows: Sequence[Row],
    file: str,
    mapping: LegMapping = KEVIN_MAPPING,
    *,
    name: str,
    as_of: dt.date | None = None,
    base: Web | None = None,
    empty_amount: EmptyAmount | None = None,
) -> DealLegImport:
    """:func:`import_deal_legs` on rows already in memory (an upload, a data frame).

    ``file`` names the rows' origin in every issue and source record; the other arguments
    are those of :func:`import_deal_legs`.
    """
    return _build(rows, file, mapping, empty_amount or mapping.empty_amount, name, as_of, base)


def read_leg_rows(path: str | os.PathLike[str]) -> tuple[list[Row], dt.date | None]:
    """Rows of a deal-leg CSV or JSON edges file, and the file's own ``as_of`` if it has one."""
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        raise DataError.single(str(p), None, "path", "must be a deal-leg CSV or JSON file",
                               "missing")
    if p.suffix.lower() != ".json":
        return list[Row](read_csv(p)), None
    try:
        payload = json.loads(read_input_text(p))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, a 5,000-digit integer
        raise DataError.single(str(p), None, "file", "must be UTF-8 JSON", exc) from exc
    edges = payload.get("edges") if isinstance(payload, dict) else payload
    if not isinstance(edges, list) or not all(isinstance(e, dict) for e in edges):
        raise DataError.single(str(p), None, "edges", "must be a list of objects",
                               type(edges).__name__)
    as_of = _date(str(payload.get("as_of", ""))) if isinstance(payload, dict) else None
    return [_json_row(e) for e in edges], as_of


# --- one row → one leg ------------------------------------------------------------------
@dataclass
class _Leg:
    row: int  # the file line (CSV) or the edge number (JSON)
    date: dt.date | None
    parties: tuple[str, str]
    leg_type: str
    amount: float
    status: str
    confidence: str
    urls: tuple[str, ...]
    deal: str
    note: str
    source: Literal["leg", "headline"] = "leg"


@dataclass
class _LegReader:
    file: str
    line: int | None
    row: Row
    m: LegMapping
    issues: list[Issue] = field(default_factory=list)

    def get(self, name: str) -> str:
        col = self.m.column(name)
        value = self.row.get(col) if col else None
        text = "" if value is None else str(value).strip()
        if len(text) > MAX_CELL_CHARS or any(ord(c) < 32 and c not in "\t\r\n"
                                             for c in text):
            self.fail(name, f"must be text of at most {MAX_CELL_CHARS} characters without NUL "
                      "or other control characters", text[:60].encode("unicode_escape")
                      .decode("ascii"))
            return ""
        return text

    def fail(self, name: str, rule: str, value: str) -> None:
        self.issues.append(Issue(self.file, self.line, self.m.column(name) or name, rule, value))

    def required(self, name: str) -> str:
        value = self.get(name)
        if not value:
            self.fail(name, "is required and must not be empty", value)
        return value

    def amount(self, name: str) -> float | None:
        raw = self.get(name)
        if not raw:
            return None
        try:
            value = round(parse_decimal(raw) * self.m.amount_scale, 9)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0:
            self.fail(name, "must be a finite number >= 0 (USD; ASCII decimal)", raw)
            return None
        if value > MAX_AMOUNT_USD_BN:
            self.fail(name, f"must be at most {MAX_AMOUNT_USD_BN:,.0f} USD bn (plausibility "
                      "ceiling)", raw)
            return None
        return value


def _read_leg(reader: _LegReader, at: int, policy: EmptyAmount) -> _Leg | None:
    m, get = reader.m, reader.get
    date = _leg_date(reader)
    parties = (reader.required("from"), reader.required("to"))
    leg_type = reader.required("leg_type")
    if leg_type and leg_type not in m.legs:
        reader.fail("leg_type", f"must be one of {', '.join(m.legs)}", leg_type)
    amount = reader.amount("amount")
    headline = reader.amount("headline") if amount is None and policy == "headline" else None
    status = _status(reader)
    confidences = {k.lower(): v for k, v in m.confidences.items()}
    confidence = confidences.get(get("confidence").lower())
    if confidence is None:
        reader.fail("confidence", f"must be one of {', '.join(m.confidences)}", get("confidence"))
    urls = tuple(u.strip() for u in get("sources").split(m.sources_separator.strip()) if u.strip())
    if not urls:
        reader.fail("sources", "must name at least one source", get("sources"))
    if reader.issues or (amount is None and headline is None):
        return None
    return _Leg(at, date, parties, leg_type, amount if amount is not None
                else float(headline or 0.0), status, str(confidence), urls,
                get("deal"), _note(reader), "leg" if amount is not None else "headline")


def _leg_date(reader: _LegReader) -> dt.date | None:
    raw = reader.required("date")
    if not raw or raw.lower() in reader.m.undated:
        return None
    value = _date(raw)
    if value is None:
        reader.fail("date", "must be a date YYYY-MM-DD (or YYYY-MM, YYYY)", raw)
    return value


def _status(reader: _LegReader) -> str:
    raw = reader.get("status")
    totals = reader.get("in_totals").lower()
    if totals not in ("", "0", "1", "true", "false"):
        reader.fail("in_totals", "must be 0 or 1", totals)
    statuses = {k.lower(): v for k, v in reader.m.statuses.items()}
    if raw.lower().startswith(reader.m.superseded_prefix) or totals in ("0", "false"):
        return "superseded"
    if raw.lower() not in statuses:
        allowed = ", ".join([*reader.m.statuses, reader.m.superseded_prefix + ": …"])
        reader.fail("status", f"must be one of {allowed}", raw)
        return "announced"
    return statuses[raw.lower()]


def _note(reader: _LegReader) -> str:
    parts = [f"{c}: {reader.row.get(c)}" for c in reader.m.note_columns if reader.row.get(c)]
    raw_status = reader.get("status")
    if raw_status.lower() not in {k.lower() for k in reader.m.statuses}:
        parts.append(f"status in file: {raw_status}")
    if reader.get("in_totals").lower() in ("0", "false"):
        parts.append("in_totals=0: the source does not count this leg")
    return "; ".join(parts)


# --- legs → web -------------------------------------------------------------------------
@dataclass
class _Tables:
    file: str
    m: LegMapping
    known: Mapping[str, str]
    entities: list[Row] = field(default_factory=list)
    sources: list[Row] = field(default_factory=list)
    contracts: list[Row] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    per_deal: dict[str, int] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return _where(self.file)

    def entity(self, party: str) -> tuple[str, str]:
        rule = self.m.entities.get(party)
        eid = rule.id if rule else _slug(party)
        if eid in self.known:
            return eid, self.known[eid]
        if eid not in self.kinds:
            kind = rule.kind if rule else "other"
            how = "kind from the mapping" if rule else "not in the mapping: kind 'other'"
            self.kinds[eid] = kind
            self.entities.append({
                "id": eid, "name": (rule.name if rule and rule.name else party), "kind": kind,
                "country": "unknown",
                "note": f"created by the deal-leg import of {Path(self.file).name} ({how})"})
        return eid, self.kinds[eid]

    def source_ids(self, leg: _Leg) -> str:
        ids = [self.m.dataset_source["id"]] if self.m.dataset_source.get("id") else []
        for url in leg.urls:
            if url not in self.urls:
                self.urls[url] = f"{_slug(Path(self.file).stem)}_src{len(self.urls) + 1}"
                self.sources.append({
                    "id": self.urls[url], "kind": "filing" if "sec.gov" in url else "release",
                    "date": leg.date.isoformat() if leg.date else "", "citation": url,
                    "note": f"cited by {Path(self.file).name} {self.where} {leg.row}"})
            ids.append(self.urls[url])
        return ";".join(ids)

    def contract(self, leg: _Leg) -> None:
        rule = self.m.legs[leg.leg_type]
        ends = [self.entity(p) for p in leg.parties]
        holder, obligor = (ends[0], ends[1]) if rule.holder == "from" else (ends[1], ends[0])
        key = leg.deal or _slug(Path(self.file).stem)
        self.per_deal[key] = self.per_deal.get(key, 0) + 1
        note = leg.note + ("; amount is the deal's headline (no leg amount given)"
                           if leg.source == "headline" else "")
        self.contracts.append({
            "id": f"{key}-{self.per_deal[key]}", "kind": rule.kind_for(holder[1]),
            "holder": holder[0], "obligor": obligor[0], "amount": repr(leg.amount),
            "status": leg.status,
            "confidence": "low" if leg.source == "headline" else leg.confidence,
            "source_ids": self.source_ids(leg), "start": leg.date.isoformat() if leg.date else "",
            "deal": leg.deal, "note": note.strip("; ")})


def _build(
    rows: Sequence[Row], file: str, m: LegMapping, policy: EmptyAmount, name: str,
    as_of: dt.date | None, base: Web | None,
) -> DealLegImport:
    issues = _missing_columns(rows, file, m)
    if issues:
        raise DataError(issues)
    legs: list[_Leg] = []
    skipped: list[int] = []
    edges = Path(file).suffix.lower() == ".json"
    for k, (line, row) in enumerate(numbered(rows), start=1):
        reader = (_LegReader(f"{file} edge {k}", None, row, m) if edges
                  else _LegReader(file, line, row, m))
        leg = _read_leg(reader, k if edges else line, policy)
        issues += reader.issues
        if leg is not None:
            legs.append(leg)
        elif not reader.issues:
            skipped.append(k if edges else line)
    if issues:
        raise DataError(issues)
    web = _web(legs, file, m, name, _as_of(as_of, legs, file, base), base)
    result = _result(web, file, len(rows), legs, skipped, base)
    _warn(result)
    return result


def _web(
    legs: Sequence[_Leg], file: str, m: LegMapping, name: str, as_of: dt.date,
    base: Web | None,
) -> Web:
    base_rows = _base_rows(base)
    known = {e.id: e.kind for e in base.entities} if base else {}
    tables = _Tables(file, m, known)
    if m.dataset_source.get("id") and m.dataset_source["id"] not in _ids(base_rows["sources"]):
        tables.sources.append({"id": m.dataset_source["id"], "kind": "dataset",
                               "citation": m.dataset_source.get("citation", file),
                               "note": m.dataset_source.get("note", "")})
    for leg in legs:
        tables.contract(leg)
    merged = {"sources": [*base_rows["sources"], *tables.sources],
              "entities": [*base_rows["entities"], *tables.entities],
              "figures": base_rows["figures"],
              "contracts": [*base_rows["contracts"], *tables.contracts],
              "instruments": base_rows["instruments"], "holdings": base_rows["holdings"],
              "aggregates": base_rows["aggregates"]}
    names = {t: f"{file} (as {t})" for t in TABLES}
    try:
        return build_web(name, as_of, merged, names, base.description if base else "")
    except DataError as exc:
        offset = len(base_rows["contracts"])
        raise DataError([_remap(i, names["contracts"], offset, legs, file, m)
                         for i in exc.issues]) from None


def _remap(
    issue: Issue, contracts_file: str, offset: int, legs: Sequence[_Leg], file: str,
    m: LegMapping,
) -> Issue:
    # the merged contracts are plain rows: line = index + FIRST_DATA_LINE (numbered())
    if issue.file != contracts_file or issue.line is None or issue.line - 2 < offset:
        return issue
    leg = legs[issue.line - 2 - offset]
    rule = m.legs[leg.leg_type]
    holder_end = rule.holder
    obligor_end = "to" if holder_end == "from" else "from"
    columns_of = {"holder": m.column(holder_end), "obligor": m.column(obligor_end),
                  "amount": m.column("amount"), "start": m.column("date"),
                  "source_ids": m.column("sources"), "id": m.column("deal")}
    if Path(file).suffix.lower() == ".json":
        return Issue(f"{file} edge {leg.row}", None, columns_of.get(issue.field)
                     or issue.field, issue.rule, issue.value)
    return Issue(file, leg.row, columns_of.get(issue.field) or issue.field,
                 issue.rule, issue.value)


def _result(
    web: Web, file: str, n_rows: int, legs: Sequence[_Leg], skipped: Sequence[int],
    base: Web | None,
) -> DealLegImport:
    before = {e.id for e in base.entities} if base else set()
    return DealLegImport(
        web=web, file=file, n_rows=n_rows, contract_rows=tuple(leg.row for leg in legs),
        skipped_rows=tuple(skipped),
        headline_rows=tuple(leg.row for leg in legs if leg.source == "headline"),
        superseded_rows=tuple(leg.row for leg in legs if leg.status == "superseded"),
        created_entities=tuple(e.id for e in web.entities if e.id not in before),
    )


def _warn(result: DealLegImport) -> None:
    parts = []
    if result.skipped_rows:
        parts.append(f"{len(result.skipped_rows)} legs without an amount were skipped "
                     f"({_where(result.file)}s {_rows(result.skipped_rows)})")
    if result.headline_rows:
        parts.append(f"{len(result.headline_rows)} legs without an amount took their deal's "
                     f"headline amount, confidence low ({_where(result.file)}s "
                     f"{_rows(result.headline_rows)})")
    if parts:
        warnings.warn(f"{result.file}: " + "; ".join(parts), MissingAmountWarning,
                      stacklevel=4)


def _where(file: str) -> str:
    return "edge" if Path(file).suffix.lower() == ".json" else "line"


def _missing_columns(rows: Sequence[Row], file: str, m: LegMapping) -> list[Issue]:
    if not rows:
        return [Issue(file, None, "rows", "must hold at least one deal leg", "0 rows")]
    present = set().union(*(r.keys() for r in rows[:1]))
    needed = [m.column(f) for f in ("date", "from", "to", "leg_type", "amount", "status",
                                     "confidence", "sources")]
    return [Issue(file, None, str(c), "is a required column (see the mapping) and is missing",
                  "") for c in needed if c not in present]


def _as_of(
    as_of: dt.date | None, legs: Sequence[_Leg], file: str, base: Web | None,
) -> dt.date:
    dates = [leg.date for leg in legs if leg.date is not None]
    dates += [base.as_of] if base else []
    if as_of is not None:
        return as_of
    if not dates:
        raise DataError.single(file, None, "date", "must date at least one leg (or pass as_of)",
                               "no dates")
    return max(dates)


def _base_rows(base: Web | None) -> dict[str, list[Row]]:
    if base is None:
        return {t: [] for t in TABLES}
    return text_tables(base)


def _ids(rows: Sequence[Row]) -> set[str]:
    return {str(r.get("id")) for r in rows}


def _date(raw: str) -> dt.date | None:
    for pattern, fill in ((r"\d{4}-\d{2}-\d{2}", ""), (r"\d{4}-\d{2}", "-01"),
                          (r"\d{4}", "-01-01")):
        if re.fullmatch(pattern, raw):
            try:
                return dt.date.fromisoformat(raw + fill)
            except ValueError:
                return None
    return None


def _json_row(edge: Mapping[str, Any]) -> Row:
    return {str(k): ("true" if v is True else "false" if v is False else
                     "" if v is None else str(v)) for k, v in edge.items()}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "unnamed"


def _rows(rows: Sequence[int]) -> str:
    shown = ", ".join(map(str, rows[:20]))
    return shown + (f", … ({len(rows) - 20} more)" if len(rows) > 20 else "")
