"""Positions of a portfolio, read from table rows and checked once at the boundary.

A position is a holding of one instrument on one issuer (or of one named contract or
instrument of the web), in USD bn. :func:`parse_positions` turns rows (dicts of strings,
as read from CSV or a workbook) into a :class:`Portfolio`, reporting every problem at once
with file, line, field, rule and value.

>>> p = parse_positions([{"issuer": "oracle", "instrument": "bond", "amount": "0.5"}], "p.csv")
>>> p.positions[0]
Position(id='p1', instrument='bond', amount=0.5, issuer='oracle', contract=None, ...)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal, get_args

from bubblescope.model.errors import DataError, Issue
from bubblescope.model.inputs import numbered
from bubblescope.model.kinds import SENIORITIES, TRANCHES
from bubblescope.model.ratings import AGENCY_GRADES

__all__ = ["ALIASES", "COLUMNS", "DEBT_INSTRUMENTS", "INSTRUMENTS", "NOTE_COLUMNS", "Instrument",
           "Portfolio", "Position", "parse_positions"]

Instrument = Literal["bond", "loan", "abs_note", "fund_share", "equity", "cds"]
#: The instruments a position can be.
INSTRUMENTS: Final[tuple[str, ...]] = get_args(Instrument)
#: Other names an analyst may write for them (lower case, spaces or dashes as underscores).
ALIASES: Final[dict[str, str]] = {
    "note": "bond", "notes": "bond", "corporate_bond": "bond", "term_loan": "loan",
    "gpu_loan": "loan", "gpu_backed_loan": "loan", "lease_note": "abs_note", "abs": "abs_note",
    "abs_tranche": "abs_note", "lease": "abs_note", "private_credit": "fund_share",
    "private_credit_fund": "fund_share", "private_credit_fund_share": "fund_share",
    "fund": "fund_share", "stock": "equity", "shares": "equity", "equity_stake": "equity",
    "cds_protection": "cds", "credit_default_swap": "cds",
}
#: Columns a portfolio file may have; ``amount`` and one of ``issuer``/``contract`` are needed.
COLUMNS: Final = ("id", "issuer", "contract", "instrument", "amount", "rating", "maturity",
                  "coupon", "seniority", "tranche")
#: Columns that document a position and are kept as text, never read as figures.
NOTE_COLUMNS: Final = ("source", "note")
#: Instruments whose ``rating``, ``maturity``, ``coupon``, ``seniority`` and ``tranche`` are
#: used (equity and fund shares follow the issuer's value and would ignore them: refused).
DEBT_INSTRUMENTS: Final = ("bond", "loan", "abs_note", "cds")
_DEBT_FIELDS: Final = ("rating", "maturity", "coupon", "seniority", "tranche")


@dataclass(frozen=True)
class Position:
    """One holding (USD bn). ``contract`` names a web contract, instrument or deal id;
    otherwise ``issuer`` (an entity id) with ``instrument``, ``seniority`` and ``tranche``
    picks the claims. For ``cds`` the amount is the protection bought and ``coupon`` the
    running premium per year. ``rating`` (an S&P/Fitch grade) is the position's grade at
    the start: the engine's expected-loss marks are scaled to it. ``line`` is the file
    line it came from (the header is line 1; a workbook's row as Excel numbers it)."""

    id: str
    instrument: Instrument
    amount: float
    issuer: str | None = None
    contract: str | None = None
    rating: str | None = None
    maturity: dt.date | None = None
    coupon: float | None = None
    seniority: str | None = None
    tranche: str | None = None
    line: int = 0

    def __repr__(self) -> str:
        return (f"Position(id={self.id!r}, instrument={self.instrument!r}, amount={self.amount!r},"
                f" issuer={self.issuer!r}, contract={self.contract!r}, ...)")


@dataclass(frozen=True)
class Portfolio:
    """Positions, and the file they came from (for messages)."""

    positions: tuple[Position, ...]
    file: str = "portfolio"

    @property
    def total(self) -> float:
        """Sum of the positions' amounts, USD bn."""
        return float(sum(p.amount for p in self.positions))


def parse_positions(rows: Iterable[Mapping[str, object]], file: str = "portfolio") -> Portfolio:
    """Check ``rows`` and build the portfolio; raise :class:`DataError` with every problem."""
    issues: list[Issue] = []
    out: list[Position] = []
    seen: set[str] = set()
    header: set[str] = set()
    for n, (i, raw) in enumerate(numbered(rows), start=1):
        row = {str(k).strip().lower(): _text(v) for k, v in raw.items() if k is not None}
        header |= set(row)
        if not any(row.values()):
            continue  # a blank line
        pos, found = _position(row, i, file, f"p{n}")
        issues += found
        if pos is not None:
            if pos.id in seen:
                issues.append(Issue(file, i, "id", "must be unique", pos.id))
            seen.add(pos.id)
            out.append(pos)
    unknown = sorted(header - {*COLUMNS, *NOTE_COLUMNS})
    if unknown:  # a column nothing reads would be silently ignored: refuse it
        raise DataError([Issue(file, None, c, "is not a column of a portfolio (allowed: "
                              f"{', '.join((*COLUMNS, *NOTE_COLUMNS))})", c) for c in unknown])
    if not out and not issues:
        issues.append(Issue(file, None, "amount", "must hold at least one position", ""))
    if issues:
        raise DataError(issues)
    return Portfolio(tuple(out), file)


def _text(v: object) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()[:10]
    return str(v).strip()


def _position(row: dict[str, str], i: int, file: str,
              default_id: str) -> tuple[Position | None, list[Issue]]:
    issues: list[Issue] = []
    amount = _amount(row.get("amount", ""), i, file, issues)
    instrument = _instrument(row.get("instrument", ""), i, file, issues)
    issuer, contract = row.get("issuer") or None, row.get("contract") or None
    if issuer is None and contract is None:
        issues.append(Issue(file, i, "issuer", "or 'contract' must name what is held", ""))
    maturity = _date(row.get("maturity", ""), i, file, issues)
    coupon = _coupon(row.get("coupon", ""), i, file, issues)
    seniority = _choice(row, "seniority", SENIORITIES, i, file, issues)
    tranche = _choice(row, "tranche", TRANCHES, i, file, issues)
    rating = _rating(row.get("rating", ""), i, file, issues)
    if instrument is not None:
        issues += _field_rules(row, instrument, i, file)
    if issues or amount is None or instrument is None:
        return None, issues
    return Position(row.get("id") or default_id, instrument, amount, issuer, contract,
                    rating, maturity, coupon, seniority, tranche, i), []


def _field_rules(row: dict[str, str], instrument: str, i: int, file: str) -> list[Issue]:
    """Fields an instrument would ignore are refused; a CDS needs its premium."""
    if instrument not in DEBT_INSTRUMENTS:
        return [Issue(file, i, f, f"applies only to {', '.join(DEBT_INSTRUMENTS)} positions "
                      f"(a {instrument} position follows its issuer's value): leave it empty",
                      row[f]) for f in _DEBT_FIELDS if row.get(f)]
    if instrument == "cds" and not row.get("coupon"):
        return [Issue(file, i, "coupon", "is required for cds: the running premium paid per "
                      "year on the protected amount (0.0125 or 1.25%)", "")]
    if instrument != "cds" and row.get("coupon"):
        return [Issue(file, i, "coupon", "is read only for cds (the premium): a bond's or "
                      "loan's coupon does not change its loss here; put it in the note",
                      row["coupon"])]
    return []


def _rating(text: str, i: int, file: str, issues: list[Issue]) -> str | None:
    """An S&P/Fitch grade, read from 'BBB', 'BBB/Baa2' or 'A+ (S&P)'."""
    if not text:
        return None
    grade = text.replace("/", " ").replace("(", " ").split()[0].upper()
    if grade not in AGENCY_GRADES:
        issues.append(Issue(file, i, "rating", "must start with an S&P/Fitch grade "
                            f"({AGENCY_GRADES[0]} to {AGENCY_GRADES[-1]}; e.g. 'BBB' or "
                            "'BBB/Baa2')", text))
        return None
    return grade


def _amount(text: str, i: int, file: str, issues: list[Issue]) -> float | None:
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        issues.append(Issue(file, i, "amount", "must be a positive number in USD billions", text))
        return None
    return value


def _instrument(text: str, i: int, file: str, issues: list[Issue]) -> Instrument | None:
    key = text.lower().replace(" ", "_").replace("-", "_").replace("/", "_")
    key = ALIASES.get(key, key)
    for name in INSTRUMENTS:
        if key == name:
            return name  # type: ignore[return-value]
    issues.append(Issue(file, i, "instrument", f"must be one of {', '.join(INSTRUMENTS)} "
                        "(or lease note, ABS tranche, private-credit fund share, CDS)", text))
    return None


def _date(text: str, i: int, file: str, issues: list[Issue]) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        issues.append(Issue(file, i, "maturity", "must be a date YYYY-MM-DD", text))
        return None


def _coupon(text: str, i: int, file: str, issues: list[Issue]) -> float | None:
    if not text:
        return None
    try:
        value = float(text.rstrip("%")) / (100.0 if text.endswith("%") else 1.0)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0.0 <= value < 1.0):
        issues.append(Issue(file, i, "coupon", "must be a yearly rate as a decimal (0.055) or "
                            "a percentage (5.5%)", text))
        return None
    return value


def _choice(row: dict[str, str], name: str, allowed: tuple[str, ...], i: int, file: str,
            issues: list[Issue]) -> str | None:
    text = row.get(name, "").lower().replace(" ", "_")
    if not text:
        return None
    if text not in allowed:
        issues.append(Issue(file, i, name, f"must be one of {', '.join(allowed)}", text))
        return None
    return text
