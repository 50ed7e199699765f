"""The AI debt universe, instrument by instrument, and who holds it.

An :class:`Instrument` is one bond tranche, note, term loan, delayed-draw or GPU-backed
facility, ABS note or SPV financing, with its own date, amount, coupon, maturity and
amortisation. A :class:`Holding` gives the share of an instrument (or of a *holder
profile* that many instruments share, such as the Federal Reserve's Z.1 split of US
corporate bonds) held by one holder sector. The web's debt contracts are derived from
instruments × holdings (:func:`derive_contracts`), so the engine and the clocks read the
same schedules; :func:`contract_mismatches` checks that the contracts still agree.

Amounts are USD billions; ``amount`` is the face value at issue (or the facility size),
``outstanding`` the principal owed at the web's as-of date (``amount`` when empty).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol, get_args

import numpy as np
import pandas as pd

from bubblescope.model.errors import Issue
from bubblescope.model.kinds import Confidence, ContractKind, Seniority, Status

__all__ = [
    "AGGREGATE_TAGS",
    "AMORTISATIONS",
    "DEBT_KINDS",
    "HOLDING_BASES",
    "Aggregate",
    "AggregateCoverage",
    "Amortisation",
    "Coverage",
    "CrossingCheck",
    "Holding",
    "Instrument",
    "contract_mismatches",
    "coverage",
    "crossing_check",
    "debt_schedule",
    "derive_contracts",
    "holder_shares",
    "issuance_by_quarter",
    "repayment_date",
]

Amortisation = Literal["bullet", "linear"]
HoldingBasis = Literal["reported", "published_shares", "assumption"]
AggregateTag = Literal["ig", "hy", "private_credit", "capex_debt", "spv", "lease"]

AMORTISATIONS: Final[tuple[str, ...]] = get_args(Amortisation)
HOLDING_BASES: Final[tuple[str, ...]] = get_args(HoldingBasis)
AGGREGATE_TAGS: Final[tuple[str, ...]] = get_args(AggregateTag)

#: Contract kinds an instrument can be (debt claims of a holder on the issuer).
DEBT_KINDS: Final[tuple[str, ...]] = ("bond", "loan", "gpu_backed_loan", "abs_note",
                                      "credit_line")

_RANK: Final[dict[str, int]] = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True)
class Instrument:
    """One debt instrument: who owes it, how much, at what coupon, until when.

    ``kind`` is the contract kind it becomes in the web; ``deal`` names the contracts it
    rolls up into (one contract per holder sector per deal). ``holder_profile`` names a
    shared holder split used when the instrument has no holdings of its own.
    ``aggregates`` tags the seed aggregates it itemizes (``ig``, ``private_credit``, ...).
    """

    id: str
    issuer: str
    kind: ContractKind
    name: str
    date: dt.date
    amount: float
    status: Status
    confidence: Confidence
    source_ids: tuple[str, ...]
    deal: str = ""
    instrument: str = ""
    currency: str = "USD"
    outstanding: float | None = None
    coupon: float | None = None
    rate_type: str = "fixed"
    maturity: dt.date | None = None
    amortisation: Amortisation = "bullet"
    amort_start: dt.date | None = None
    seniority: Seniority = "senior"
    tranche: str = ""
    rating: str = ""
    collateral: str = ""
    ltv: float | None = None
    arrangers: str = ""
    holders: str = ""
    holder_profile: str = ""
    aggregates: tuple[str, ...] = ()
    on_balance_sheet: bool = True
    note: str = ""

    @property
    def balance(self) -> float:
        """Principal owed at the web's as-of date (USD bn)."""
        return self.amount if self.outstanding is None else self.outstanding


@dataclass(frozen=True)
class Holding:
    """Share of an instrument, or of a holder profile, held by one holder sector.

    ``basis`` says what the share rests on: ``reported`` (a named buyer or lender in a
    cited report), ``published_shares`` (a published table of holdings, e.g. Z.1 L.213)
    or ``assumption`` (the tool's choice, explained in ``note``).
    """

    target: str
    holder: str
    share: float
    basis: HoldingBasis
    confidence: Confidence
    source_ids: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Aggregate:
    """A seed total that instruments itemize (e.g. the $1.2tn of AI-linked IG debt)."""

    id: str
    label: str
    value: float
    tag: str
    source_ids: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class AggregateCoverage:
    """How much of one aggregate the instruments itemize, by confidence (USD bn)."""

    aggregate: Aggregate
    itemized: float
    by_confidence: Mapping[str, float]
    n_instruments: int

    @property
    def residual(self) -> float:
        """The part of the aggregate not itemized (never negative)."""
        return max(self.aggregate.value - self.itemized, 0.0)

    @property
    def share(self) -> float:
        """Itemized share of the aggregate, capped at 1."""
        return min(self.itemized / self.aggregate.value, 1.0) if self.aggregate.value else 0.0

    @property
    def ratio(self) -> float:
        """Itemized over the aggregate, uncapped (above 1: more itemized than the seed)."""
        return self.itemized / self.aggregate.value if self.aggregate.value else 0.0

    def share_at_least(self, confidence: str) -> float:
        """Share itemized by instruments of at least ``confidence``."""
        floor = _RANK[confidence]
        part = sum(v for c, v in self.by_confidence.items() if _RANK[c] >= floor)
        return min(part / self.aggregate.value, 1.0) if self.aggregate.value else 0.0


@dataclass(frozen=True)
class Coverage:
    """Itemized versus residual for every seed aggregate, as of a date."""

    as_of: dt.date
    rows: tuple[AggregateCoverage, ...]

    def __str__(self) -> str:
        return "; ".join(
            f"{r.aggregate.label}: {r.share:.0%} itemized "
            f"({r.itemized:,.1f} of {r.aggregate.value:,.1f} USD bn, "
            f"{r.residual:,.1f} residual)" for r in self.rows)

    def row(self, aggregate_id: str) -> AggregateCoverage:
        """The coverage of aggregate ``aggregate_id`` (``KeyError`` names it if unknown)."""
        for r in self.rows:
            if r.aggregate.id == aggregate_id:
                return r
        raise KeyError(f"no aggregate {aggregate_id!r}")

    def frame(self) -> pd.DataFrame:
        """One row per aggregate: value, itemized, residual, shares by confidence."""
        return pd.DataFrame([{
            "aggregate": r.aggregate.id, "label": r.aggregate.label,
            "value": r.aggregate.value, "itemized": r.itemized, "residual": r.residual,
            "share": r.share, "ratio": r.ratio,
            "share_high_medium": r.share_at_least("medium"),
            "share_high": r.share_at_least("high"), "n_instruments": r.n_instruments,
            "sources": ";".join(r.aggregate.source_ids),
        } for r in self.rows])


# --- holder shares -------------------------------------------------------------------------
def holder_shares(
    instrument: Instrument, holdings: Sequence[Holding],
) -> tuple[Holding, ...]:
    """The holdings that split ``instrument``: its own, else its holder profile's."""
    own = tuple(h for h in holdings if h.target == instrument.id)
    if own:
        return own
    return tuple(h for h in holdings if instrument.holder_profile
                 and h.target == instrument.holder_profile)


# --- contracts derived from instruments ----------------------------------------------------
@dataclass(frozen=True)
class DerivedContract:
    """The values one web contract (deal × holder) must carry, derived from instruments."""

    deal: str
    holder: str
    obligor: str
    kind: str
    amount: float
    rate: float | None
    start: dt.date
    maturity: dt.date | None
    seniority: str
    tranche: str
    collateral: str
    ltv: float | None
    on_balance_sheet: bool
    status: str
    confidence: str
    source_ids: tuple[str, ...]
    instruments: tuple[str, ...]


def derive_contracts(
    instruments: Sequence[Instrument], holdings: Sequence[Holding], as_of: dt.date,
) -> tuple[DerivedContract, ...]:
    """One contract per deal and holder: outstanding × share, weighted coupon and maturity.

    Only instruments issued on or before ``as_of`` with a positive balance and a ``deal``
    count. The maturity is the balance-weighted mean repayment date of the deal's
    instruments: the final maturity of a bullet, the average-life date of a linear
    amortiser (the engine repays a contract at one date; :func:`debt_schedule` keeps each
    tranche and each instalment).
    """
    parts: dict[tuple[str, str], list[tuple[Instrument, Holding]]] = defaultdict(list)
    for inst in instruments:
        if inst.deal and inst.date <= as_of and inst.balance > 0:
            for h in holder_shares(inst, holdings):
                parts[(inst.deal, h.holder)].append((inst, h))
    return tuple(_derive(deal, holder, items, as_of)
                 for (deal, holder), items in parts.items())


def repayment_date(inst: Instrument, as_of: dt.date) -> dt.date | None:
    """The date a one-payment model should repay ``inst``: final maturity, or average life.

    A linear amortiser repays evenly from ``max(amort_start, as_of)`` to maturity, so its
    principal is on average repaid at the midpoint of that span.
    """
    if inst.maturity is None or inst.amortisation != "linear":
        return inst.maturity
    begin = max(inst.amort_start or as_of, as_of, inst.date)
    if begin >= inst.maturity:
        return inst.maturity
    return dt.date.fromordinal((begin.toordinal() + inst.maturity.toordinal()) // 2)


def _derive(
    deal: str, holder: str, items: list[tuple[Instrument, Holding]], as_of: dt.date,
) -> DerivedContract:
    amounts = np.array([i.balance * h.share for i, h in items])
    total = float(amounts.sum())
    first = items[0][0]
    coupons = [(i.coupon, a) for (i, _), a in zip(items, amounts, strict=True)
               if i.coupon is not None]
    rate = (sum(c * a for c, a in coupons) / sum(a for _, a in coupons)) if coupons else None
    maturity = _mean_date([(repayment_date(i, as_of), a)
                           for (i, _), a in zip(items, amounts, strict=True)])
    confidence = min((c for i, h in items for c in (i.confidence, h.confidence)),
                     key=lambda c: _RANK[c])
    sources: list[str] = []
    for i, h in items:
        sources += [s for s in (*i.source_ids, *h.source_ids) if s not in sources]
    return DerivedContract(
        deal=deal, holder=holder, obligor=first.issuer, kind=first.kind, amount=total,
        rate=None if rate is None else round(rate, 5), start=min(i.date for i, _ in items),
        maturity=maturity, seniority=first.seniority,
        tranche=first.tranche or ("senior" if first.kind == "abs_note" else ""),
        collateral=first.collateral, ltv=first.ltv, on_balance_sheet=first.on_balance_sheet,
        status=first.status, confidence=confidence, source_ids=tuple(sources),
        instruments=tuple(dict.fromkeys(i.id for i, _ in items)),
    )


def _mean_date(pairs: list[tuple[dt.date | None, float]]) -> dt.date | None:
    if not pairs or any(d is None for d, _ in pairs):
        return None
    weight = sum(a for _, a in pairs)
    ordinal = sum(d.toordinal() * a for d, a in pairs if d is not None) / weight
    return dt.date.fromordinal(round(ordinal))


class _ContractLike(Protocol):
    """The fields of a web contract that :func:`contract_mismatches` compares."""

    @property
    def deal(self) -> str: ...
    @property
    def holder(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def amount(self) -> float: ...
    @property
    def seniority(self) -> str: ...
    @property
    def status(self) -> str: ...


def contract_mismatches(
    instruments: Sequence[Instrument], holdings: Sequence[Holding],
    contracts: Iterable[_ContractLike], as_of: dt.date, file: str = "contracts.csv",
) -> list[Issue]:
    """Issues where the web's debt contracts of an instrument deal disagree with it.

    For every deal with instruments, the active debt contracts with that ``deal`` must sum,
    per holder, to the instruments' balance × holder share (within 0.5% or 0.01 bn).
    """
    expected = {(d.deal, d.holder): d.amount for d in
                derive_contracts(instruments, holdings, as_of)}
    deals = {d for d, _ in expected}
    actual: dict[tuple[str, str], float] = defaultdict(float)
    for c in contracts:
        if (c.deal in deals and c.kind in DEBT_KINDS and c.seniority != "equity"
                and c.status != "superseded"):
            actual[(c.deal, c.holder)] += c.amount
    issues = []
    for key in sorted(set(expected) | set(actual)):
        want, got = expected.get(key, 0.0), actual.get(key, 0.0)
        if abs(want - got) > max(0.01, 0.005 * abs(want)):
            issues.append(Issue(
                file, None, "amount",
                f"of deal {key[0]!r} held by {key[1]!r} must equal its instruments' "
                f"outstanding x holder share ({want:.3f} USD bn)", f"{got:.3f}"))
    return issues


# --- schedules -----------------------------------------------------------------------------
def debt_schedule(
    instruments: Sequence[Instrument], holdings: Sequence[Holding], as_of: dt.date,
    quarters: int = 40, by: Sequence[str] = ("instrument", "issuer", "holder"),
) -> pd.DataFrame:
    """Principal and interest due per quarter, per instrument, issuer and holder sector.

    Parameters
    ----------
    instruments, holdings : sequence
        The debt universe (see :class:`Instrument`, :class:`Holding`).
    as_of : datetime.date
        Balances are those at ``as_of``; the first quarter is the one after it. Instruments
        issued later (e.g. 2026 deals) enter with their full amount at their issue date.
    quarters : int
        Number of quarters to lay out (40 = ten years); principal due later is not shown.
    by : sequence of str
        Grouping columns kept: any of ``instrument``, ``issuer``, ``holder``.

    Returns
    -------
    pandas.DataFrame
        Columns ``quarter_end`` (date), the ``by`` columns, ``principal`` and ``interest``
        (USD bn due in the quarter; holder rows are the instrument's rows × holder share).

    Notes
    -----
    ``bullet``: the balance is repaid in the quarter of maturity. ``linear``: it is repaid
    in equal parts each quarter from ``max(amort_start, as_of)`` to maturity. Interest is
    ``coupon × balance at the start of the quarter / 4``; an instrument without a coupon
    pays no modelled interest. Instruments without holdings go to holder ``unallocated``.
    """
    ends = _quarter_ends(as_of, quarters)
    rows: list[dict[str, object]] = []
    for inst in instruments:
        principal, interest = _instrument_flows(inst, as_of, ends)
        for h in holder_shares(inst, holdings) or (_UNALLOCATED(inst),):
            for q, end in enumerate(ends):
                if principal[q] or interest[q]:
                    rows.append({"quarter_end": end, "instrument": inst.id,
                                 "issuer": inst.issuer, "holder": h.holder,
                                 "principal": principal[q] * h.share,
                                 "interest": interest[q] * h.share,
                                 "coupon_known": inst.coupon is not None})
    frame = pd.DataFrame(rows, columns=["quarter_end", "instrument", "issuer", "holder",
                                        "principal", "interest", "coupon_known"])
    keys = ["quarter_end", *by]
    return frame.groupby(keys, as_index=False)[["principal", "interest"]].sum()


def _UNALLOCATED(inst: Instrument) -> Holding:  # noqa: N802 - reads as a constant row
    return Holding(inst.id, "unallocated", 1.0, "assumption", "low", ())


def _quarter_ends(as_of: dt.date, quarters: int) -> list[dt.date]:
    start = pd.Timestamp(as_of) + pd.offsets.QuarterEnd(1)
    return [d.date() for d in pd.date_range(start, periods=quarters, freq="QE")]


def _instrument_flows(
    inst: Instrument, as_of: dt.date, ends: list[dt.date],
) -> tuple[np.ndarray, np.ndarray]:
    n = len(ends)
    principal, interest = np.zeros(n), np.zeros(n)
    balance = inst.balance if inst.date <= as_of else inst.amount
    live_from = 0 if inst.date <= as_of else _quarter_index(inst.date, ends)
    if balance <= 0 or live_from >= n:
        return principal, interest
    due = _quarter_index(inst.maturity, ends) if inst.maturity else n
    if inst.amortisation == "linear" and inst.maturity is not None:
        begin = max(live_from, _quarter_index(inst.amort_start, ends) if inst.amort_start
                    else live_from)
        span = max(due - begin + 1, 1)
        for q in range(begin, min(due, n - 1) + 1):
            principal[q] = balance / span
    elif due < n:
        principal[due] = balance
    remaining = balance
    for q in range(live_from, n):
        if inst.coupon is not None and remaining > 0:
            interest[q] = inst.coupon * remaining / 4
        remaining -= principal[q]
    return principal, interest


def _quarter_index(day: dt.date | None, ends: list[dt.date]) -> int:
    if day is None:
        return len(ends)
    for q, end in enumerate(ends):
        if day <= end:
            return q
    return len(ends)


def issuance_by_quarter(instruments: Sequence[Instrument], tags: Iterable[str] = ()) -> pd.Series:
    """Face amount issued per calendar quarter (USD bn), optionally only some aggregates."""
    wanted = set(tags)
    rows = [(pd.Timestamp(i.date).to_period("Q"), i.amount) for i in instruments
            if not wanted or wanted & set(i.aggregates)]
    if not rows:
        return pd.Series(dtype=float, name="issued")
    frame = pd.DataFrame(rows, columns=["quarter", "issued"])
    return frame.groupby("quarter")["issued"].sum()


@dataclass(frozen=True)
class CrossingCheck:
    """Seed 004's forecast (AI debt passes a target within months) against named issuance.

    ``issued_after`` counts only instruments dated after ``as_of`` that the sources name and
    that are tagged with the aggregate's tag: a lower bound on what was actually issued
    (most issuance is not itemized), and gross of any debt repaid meanwhile.
    """

    as_of: dt.date
    stock: float
    target: float
    issued_after: float
    last_date: dt.date | None
    n_instruments: int

    @property
    def reached(self) -> float:
        """Stock at ``as_of`` plus the named issuance since (USD bn)."""
        return self.stock + self.issued_after

    @property
    def gap(self) -> float:
        """How much more issuance the target needs (USD bn, never negative)."""
        return max(self.target - self.reached, 0.0)

    @property
    def months(self) -> float:
        """Months from ``as_of`` to the last named issue (0 without one)."""
        return (self.last_date - self.as_of).days / 30.44 if self.last_date else 0.0

    def __str__(self) -> str:
        until = f" through {self.last_date}" if self.last_date else ""
        return (f"named issuance after {self.as_of}: {self.issued_after:,.1f} USD bn"
                f"{until} ({self.n_instruments} instruments) -> at least "
                f"{self.reached:,.1f} of the {self.target:,.0f} target; "
                f"{self.gap:,.1f} still to go")


def crossing_check(
    instruments: Sequence[Instrument], aggregate: Aggregate, target: float, as_of: dt.date,
) -> CrossingCheck:
    """Check ``aggregate`` (e.g. the $1.2tn IG stock) growing to ``target`` with named deals."""
    later = [i for i in instruments if i.date > as_of and aggregate.tag in i.aggregates]
    return CrossingCheck(as_of, aggregate.value, target, sum(i.amount for i in later),
                         max((i.date for i in later), default=None), len(later))


# --- coverage -------------------------------------------------------------------------------
def coverage(
    instruments: Sequence[Instrument], aggregates: Sequence[Aggregate], as_of: dt.date,
) -> Coverage:
    """How much of each seed aggregate the instruments itemize at ``as_of``.

    An instrument counts toward every aggregate it is tagged with, by its balance at
    ``as_of``; instruments issued later do not count (see :func:`issuance_by_quarter`).
    ``capex_debt`` is a 2025 flow (debt raised in the year), so only instruments issued in
    ``as_of``'s year count toward it, by their face amount.
    """
    rows = []
    for agg in aggregates:
        hits = [i for i in instruments if agg.tag in i.aggregates and i.date <= as_of
                and (agg.tag != "capex_debt" or i.date.year == as_of.year)]
        value = {i.id: (i.amount if agg.tag == "capex_debt" else i.balance) for i in hits}
        by_conf: dict[str, float] = defaultdict(float)
        for i in hits:
            by_conf[i.confidence] += value[i.id]
        rows.append(AggregateCoverage(agg, sum(value.values()), dict(by_conf),
                                      sum(1 for v in value.values() if v > 0)))
    return Coverage(as_of, tuple(rows))

