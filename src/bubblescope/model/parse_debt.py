"""Validation of the debt-universe tables: instruments, holdings and seed aggregates.

Same rules as :mod:`bubblescope.model.parse`: every problem in every row is collected,
each naming file, row, field, rule and value; cross-table checks (issuers, holders,
sources, shares summing to one, contracts agreeing with instruments) come on top.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Final

from bubblescope.model.debt import (
    AGGREGATE_TAGS,
    AMORTISATIONS,
    DEBT_KINDS,
    HOLDING_BASES,
    Aggregate,
    Holding,
    Instrument,
)
from bubblescope.model.errors import Issue
from bubblescope.model.inputs import MAX_AMOUNT_USD_BN, numbered
from bubblescope.model.kinds import CONFIDENCES, DIRECTION, SENIORITIES, STATUSES, TRANCHES
from bubblescope.model.parse import Row, _clean, _parse_rows, _Reader, _split_ids

__all__ = [
    "AGGREGATE_COLUMNS",
    "DEBT_COLUMNS",
    "check_debt_references",
    "parse_aggregates",
    "parse_holdings",
    "parse_instruments",
]

#: Required and optional columns of the instrument and holding tables.
DEBT_COLUMNS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "instruments": (
        ("id", "issuer", "kind", "name", "date", "amount", "status", "confidence",
         "source_ids"),
        ("deal", "instrument", "currency", "outstanding", "coupon", "rate_type", "maturity",
         "amortisation", "amort_start", "seniority", "tranche", "rating", "collateral", "ltv",
         "arrangers", "holders", "holder_profile", "aggregates", "on_balance_sheet", "note"),
    ),
    "holdings": (("target", "holder", "share", "basis", "confidence", "source_ids"),
                 ("note",)),
    "aggregates": (("id", "label", "value", "tag", "source_ids"), ("note",)),
}
#: Columns of the seed-aggregate table (the yardsticks of coverage).
AGGREGATE_COLUMNS: Final[tuple[tuple[str, ...], tuple[str, ...]]] = DEBT_COLUMNS["aggregates"]


def parse_instruments(
    rows: Sequence[Row], file: str = "instruments.csv",
) -> tuple[list[Instrument], list[Issue]]:
    """Parse instrument rows; return the valid instruments and every issue found."""

    def make(r: _Reader) -> Instrument:
        kind = r.choice("kind", DEBT_KINDS)
        amount = r.number("amount", lo=0.0, hi=MAX_AMOUNT_USD_BN, unit=" in USD billions") or 0.0
        if amount <= 0 and "amount" in r.row and _clean(r.row.get("amount")):
            r._fail("amount", "must be > 0 (face value or facility size, USD bn)",
                    r.row.get("amount"))
        outstanding = r.number("outstanding", required=False, hi=MAX_AMOUNT_USD_BN,
                               unit=" in USD billions")
        if outstanding is not None and outstanding > amount > 0:
            r._fail("outstanding", f"must not exceed amount ({amount:g})", outstanding)
        tranche = _clean(r.row.get("tranche"))
        if tranche:
            r.choice("tranche", TRANCHES)
        tags = tuple(v.strip() for v in _clean(r.row.get("aggregates")).split(";")
                     if v.strip())
        for tag in tags:
            if tag not in AGGREGATE_TAGS:
                r._fail("aggregates", f"must list tags from {', '.join(AGGREGATE_TAGS)} "
                        "separated by ';'", tag)
        inst = Instrument(
            id=r.text("id"), issuer=r.text("issuer"), kind=kind,  # type: ignore[arg-type]
            name=r.text("name"), date=r.date("date", required=True) or dt.date.min,
            amount=amount, status=r.choice("status", STATUSES),  # type: ignore[arg-type]
            confidence=r.choice("confidence", CONFIDENCES),  # type: ignore[arg-type]
            source_ids=r.ids("source_ids"), deal=r.text("deal", required=False),
            instrument=r.text("instrument", required=False),
            currency=r.text("currency", required=False) or "USD",
            outstanding=outstanding,
            coupon=r.number("coupon", required=False, lo=-0.05, hi=1.0,
                            unit=" (decimal per year)"),
            rate_type=r.choice("rate_type", ("fixed", "floating"), default="fixed"),
            maturity=r.date("maturity"),
            amortisation=r.choice("amortisation", AMORTISATIONS,  # type: ignore[arg-type]
                                  default="bullet"),
            amort_start=r.date("amort_start"),
            seniority=r.choice("seniority", SENIORITIES, default="senior"),  # type: ignore[arg-type]
            tranche=tranche, rating=r.text("rating", required=False),
            collateral=r.text("collateral", required=False),
            ltv=r.number("ltv", required=False, lo=0.0, hi=2.0, unit=" (loan-to-value ratio)"),
            arrangers=r.text("arrangers", required=False),
            holders=r.text("holders", required=False),
            holder_profile=r.text("holder_profile", required=False), aggregates=tags,
            on_balance_sheet=r.boolean("on_balance_sheet", default=True),
            note=r.text("note", required=False),
        )
        if inst.maturity and inst.maturity < inst.date:
            r._fail("maturity", f"must not be before date ({inst.date})",
                    inst.maturity.isoformat())
        if inst.amortisation == "linear" and inst.maturity is None:
            r._fail("maturity", "is required when amortisation is linear", "")
        return inst

    return _parse_rows(rows, file, "instruments", make, DEBT_COLUMNS)


def parse_holdings(
    rows: Sequence[Row], file: str = "holdings.csv",
) -> tuple[list[Holding], list[Issue]]:
    """Parse holding rows; return the valid holdings and every issue found."""

    def make(r: _Reader) -> Holding:
        return Holding(
            target=r.text("target"), holder=r.text("holder"),
            share=r.number("share", lo=0.0, hi=1.0, unit=" (fraction from 0 to 1)") or 0.0,
            basis=r.choice("basis", HOLDING_BASES),  # type: ignore[arg-type]
            confidence=r.choice("confidence", CONFIDENCES),  # type: ignore[arg-type]
            source_ids=r.ids("source_ids"), note=r.text("note", required=False),
        )

    return _parse_rows(rows, file, "holdings", make, DEBT_COLUMNS)


def parse_aggregates(
    rows: Sequence[Row], file: str = "aggregates.csv",
) -> tuple[list[Aggregate], list[Issue]]:
    """Parse seed-aggregate rows; return the valid aggregates and every issue found."""

    def make(r: _Reader) -> Aggregate:
        return Aggregate(
            id=r.text("id"), label=r.text("label"),
            value=r.number("value", lo=0.0, hi=MAX_AMOUNT_USD_BN, unit=" in USD billions") or 0.0,
            tag=r.choice("tag", AGGREGATE_TAGS), source_ids=r.ids("source_ids"),
            note=r.text("note", required=False),
        )

    return _parse_rows(rows, file, "aggregates", make, DEBT_COLUMNS)


def check_debt_references(
    tables: Mapping[str, Sequence[Row]], names: Mapping[str, str], source_ids: set[str],
    kinds: Mapping[str, str],
) -> list[Issue]:
    """Cross-table issues: unknown issuers, holders, sources or targets; shares not 1."""
    instruments = tables.get("instruments", ())
    holdings = tables.get("holdings", ())
    issues = _check_instruments(instruments, names["instruments"], source_ids, kinds)
    ids = {_clean(r.get("id")) for r in instruments}
    profiles = {_clean(r.get("holder_profile")) for r in instruments} - {""}
    issues += _check_holdings(holdings, names["holdings"], source_ids, kinds, ids | profiles)
    issues += [Issue(names["aggregates"], i, "source_ids", "must name known source ids", s)
               for i, row in numbered(tables.get("aggregates", ()))
               for s in _split_ids(row.get("source_ids")) if s not in source_ids]
    targets = {_clean(r.get("target")) for r in holdings}
    file = names["instruments"]
    for i, row in numbered(instruments):
        own, profile = _clean(row.get("id")), _clean(row.get("holder_profile"))
        if own not in targets and profile not in targets:
            issues.append(Issue(file, i, "holder_profile",
                                "must name holdings: the instrument needs holdings rows of its "
                                "own or a holder_profile that has them", profile))
    return issues


def _check_instruments(
    rows: Sequence[Row], file: str, known: set[str], kinds: Mapping[str, str],
) -> list[Issue]:
    issues: list[Issue] = []
    seen: set[str] = set()
    deals: dict[str, tuple[str, str]] = {}
    for i, row in numbered(rows):
        iid, issuer = _clean(row.get("id")), _clean(row.get("issuer"))
        if iid in seen:
            issues.append(Issue(file, i, "id", "must be unique (duplicate id)", iid))
        seen.add(iid)
        if issuer and issuer not in kinds:
            issues.append(Issue(file, i, "issuer", "must name a known entity", issuer))
        kind = _clean(row.get("kind"))
        if kind in DIRECTION and kinds.get(issuer) not in (None, *DIRECTION[kind].obligors):
            issues.append(Issue(file, i, "issuer", f"contradicts kind {kind}: the issuer "
                                f"cannot be a {kinds.get(issuer)}", issuer))
        issues += [Issue(file, i, "source_ids", "must name known source ids", s)
                   for s in _split_ids(row.get("source_ids")) if s not in known]
        deal = _clean(row.get("deal"))
        if deal:
            ends = deals.setdefault(deal, (issuer, kind))
            if ends != (issuer, kind):
                issues.append(Issue(file, i, "deal", f"must keep one issuer and kind per deal "
                                    f"({ends[0]}, {ends[1]})", deal))
    return issues


def _check_holdings(
    rows: Sequence[Row], file: str, known: set[str], kinds: Mapping[str, str],
    targets: set[str],
) -> list[Issue]:
    issues: list[Issue] = []
    totals: dict[str, float] = defaultdict(float)
    first_row: dict[str, int] = {}
    for i, row in numbered(rows):
        target, holder = _clean(row.get("target")), _clean(row.get("holder"))
        if target and target not in targets:
            issues.append(Issue(file, i, "target", "must name an instrument id or a "
                                "holder_profile used by an instrument", target))
        if holder and holder not in kinds:
            issues.append(Issue(file, i, "holder", "must name a known entity", holder))
        issues += [Issue(file, i, "source_ids", "must name known source ids", s)
                   for s in _split_ids(row.get("source_ids")) if s not in known]
        try:
            share = float(_clean(row.get("share")))
        except ValueError:
            continue  # the field check reports it (and no total is started for the target)
        totals[target] += share
        first_row.setdefault(target, i)
    for target, total in totals.items():
        if abs(total - 1.0) > 1e-3:
            issues.append(Issue(file, first_row[target], "share",
                                f"must sum to 1 over the holdings of {target!r}",
                                f"{total:.4f}"))
    return issues
