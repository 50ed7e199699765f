"""Compile a :class:`~bubblescope.model.web.Web` into the engine's arrays.

The entity axis is the order of ``web.entities``; the contract axis holds every active
contract (superseded ones are left out and counted) followed by synthetic contracts the
engine adds, each documented: **outside debt** (an entity's reported ``debt`` figure not
covered by contracts in the web, owed to creditors outside the system, ``holder == -1``,
maturing in equal parts over five years) and **operating costs** (owed outside, most senior).

Missing numbers are filled with documented defaults, never silently: every fill is an
:class:`Assumption` in :attr:`CompiledWeb.assumptions` (count them with
:attr:`CompiledWeb.n_assumed`). A contract the engine cannot value raises
:class:`~bubblescope.model.errors.DataError` naming the contract id and the field.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.model.errors import DataError, Issue
from bubblescope.model.kinds import HOLDER_SECTORS
from bubblescope.model.ratings import AGENCY_GRADES
from bubblescope.model.web import Contract, Entity, Web

__all__ = [
    "AI_KINDS",
    "DEBT_KINDS",
    "EQUITY_KINDS",
    "FLOW_KINDS",
    "FUND_KINDS",
    "RATING_CONSTRAINED",
    "Assumption",
    "CompiledWeb",
    "chip_order",
    "compile_web",
]

#: Kinds whose valuations move with the AI narrative (hit by ``equity_shock``).
AI_KINDS: Final[frozenset[str]] = frozenset(
    {"chipmaker", "ai_lab", "hyperscaler", "neocloud", "data_center_developer"}
)
#: Contracts with principal and interest.
DEBT_KINDS: Final[frozenset[str]] = frozenset(
    {"loan", "bond", "gpu_backed_loan", "abs_note", "credit_line", "external_debt"}
)
#: Contracts paid as a stream: rent, compute bills, customer purchases.
FLOW_KINDS: Final[frozenset[str]] = frozenset(
    {"lease", "compute_commitment", "customer_revenue", "operating_cost"}
)
#: Ownership claims: no scheduled payment, marked to the obligor's valuation.
EQUITY_KINDS: Final[frozenset[str]] = frozenset({"equity_stake", "warrant", "fund_share"})
#: Pass-through vehicles: their losses are their investors' losses.
FUND_KINDS: Final[frozenset[str]] = frozenset(
    {"private_credit_fund", "private_equity", "hedge_fund", "mutual_fund", "pension_fund"}
)
#: Kinds that must sell paper rated below investment grade (capital rules: NAIC RBC charges).
RATING_CONSTRAINED: Final[frozenset[str]] = frozenset({"life_insurer"})

RANK: Final[dict[str, int]] = {"senior_secured": 0, "senior": 1, "subordinated": 2, "equity": 3}
TRANCHE_CODE: Final[dict[str, int]] = {"senior": 0, "mezzanine": 1, "equity": 2}
TRANCHE_RANK: Final[dict[str, int]] = {"senior": 1, "mezzanine": 2, "equity": 3}

#: Interest rate assumed when a debt contract gives neither rate nor annual payment.
DEFAULT_RATE: Final[dict[str, float]] = {
    "loan": 0.065, "bond": 0.055, "gpu_backed_loan": 0.11, "abs_note": 0.064,
    "credit_line": 0.06, "external_debt": 0.065,
}
#: Term (years) assumed when a contract gives no maturity.
DEFAULT_TERM: Final[dict[str, float]] = {
    "loan": 5.0, "bond": 7.0, "gpu_backed_loan": 4.0, "abs_note": 10.0, "credit_line": 3.0,
    "lease": 15.0, "compute_commitment": 5.0, "customer_revenue": 10.0,
}
#: Share of revenue from AI when no ``ai_revenue`` figure exists, by entity kind.
DEFAULT_AI_SHARE: Final[dict[str, float]] = {
    "chipmaker": 0.8, "ai_lab": 1.0, "hyperscaler": 0.15, "neocloud": 1.0,
    "data_center_developer": 1.0, "spv": 0.0,
}
#: AI share of a listed firm's value when the web gives no ``ai_value_share`` figure, by kind
#: (pure plays 1; a diversified firm a quarter, like the sourced hyperscalers' 0.12-0.45).
DEFAULT_AI_VALUE_SHARE: Final[dict[str, float]] = {
    "chipmaker": 0.8, "ai_lab": 1.0, "hyperscaler": 0.25, "neocloud": 1.0,
    "data_center_developer": 1.0, "spv": 0.0, "other": 0.25,
}
OUTSIDE_DEBT_TRANCHES: Final[int] = 5
QUARTER_DAYS: Final[float] = 365.25 / 4


@dataclass(frozen=True)
class Assumption:
    """A number the compiler filled in because the web did not give it."""

    item: str
    field: str
    value: float
    rule: str

    def __str__(self) -> str:
        return f"{self.item}.{self.field} = {self.value:g} ({self.rule})"


@dataclass(frozen=True)
class CompiledWeb:
    """The web as arrays: entity axis of length ``n``, contract axis of length ``m``.

    Amounts are USD bn; flows (``revenue``, ``op_cost``, ``capex``, ``annual_payment``) are
    per year; ``outside_revenue`` is revenue not paid by contracts in the
    web and the operating-cost contracts carry costs not paid through them.
    ``holder == -1`` marks a creditor outside the system.
    """

    name: str
    as_of: dt.date
    ids: tuple[str, ...]
    kinds: tuple[str, ...]
    cash: FloatArray
    market_cap: FloatArray
    book_equity: FloatArray
    revenue: FloatArray
    outside_revenue: FloatArray
    ai_share: FloatArray
    ai_value_share: FloatArray
    op_cost: FloatArray
    capex: FloatArray
    total_assets: FloatArray
    contract_ids: tuple[str, ...]
    contract_kinds: tuple[str, ...]
    obligor: IntArray
    holder: IntArray
    amount: FloatArray
    annual_payment: FloatArray
    rate: FloatArray
    start_q: IntArray
    maturity_q: IntArray
    rank: IntArray
    tranche: IntArray
    ltv: FloatArray
    on_balance_sheet: BoolArray
    assumptions: tuple[Assumption, ...]
    n_superseded: int
    #: Age of each contract at ``as_of`` in quarters (0 if it starts later): the vintage of
    #: a GPU-backed loan's collateral.
    age_q: FloatArray
    #: Each entity's agency rating at ``as_of`` as a code into
    #: :data:`~bubblescope.stress.kernels.ratings.RATINGS` (-1: unrated), from the web's
    #: ratings table.
    agency_rating: IntArray
    #: Announced, unfunded financing (letters of intent, "up to" tranches): paid only while
    #: no shock has hit, so only funded money is ever at risk. Shape (m,); empty = none.
    contingent: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    #: Loss given default of each entity that is a granular pool of many borrowers (its
    #: ``pool_lgd`` figure), NaN for every other entity. Shape (n,); empty = no pools.
    pool_lgd: FloatArray = field(default_factory=lambda: np.zeros(0))
    #: Gross margin of each entity with a ``gross_margin`` figure (a chip supplier: what a
    #: cancelled order costs it), NaN elsewhere. Shape (n,); empty = none.
    gross_margin: FloatArray = field(default_factory=lambda: np.zeros(0))
    #: Dividends and buybacks each entity paid over the last four quarters (its
    #: ``dividends`` and ``buybacks`` figures, 0 without), USD bn a year. Shape (n,);
    #: empty = none.
    dividends: FloatArray = field(default_factory=lambda: np.zeros(0))
    buybacks: FloatArray = field(default_factory=lambda: np.zeros(0))
    #: Each listed firm's mean daily traded value (USD bn) and daily volatility of its
    #: shares (``daily_dollar_volume`` and ``daily_volatility`` figures), NaN without: the
    #: price impact of forced sales of its shares. Shape (n,); empty = none.
    dollar_volume: FloatArray = field(default_factory=lambda: np.zeros(0))
    daily_volatility: FloatArray = field(default_factory=lambda: np.zeros(0))
    #: Realised equity volatility of each listed entity with an ``equity_volatility``
    #: figure (per sqrt(year), measured: ``calibration/volatility.py``), NaN elsewhere.
    #: Shape (n,); empty = none.
    equity_volatility: FloatArray = field(default_factory=lambda: np.zeros(0))

    def __repr__(self) -> str:
        return (
            f"CompiledWeb({self.name!r}, {self.n} entities, {self.m} contracts, "
            f"{self.n_assumed} assumed values)"
        )

    @property
    def n(self) -> int:
        """Number of entities."""
        return len(self.ids)

    @property
    def m(self) -> int:
        """Number of contracts, synthetic ones included."""
        return len(self.contract_ids)

    @property
    def n_assumed(self) -> int:
        """How many values were filled with documented defaults."""
        return len(self.assumptions)

    def kind_mask(self, kinds: frozenset[str] | tuple[str, ...]) -> BoolArray:
        """Contracts whose kind is in ``kinds``, shape (m,)."""
        mask = np.zeros(self.m, dtype=np.bool_)
        for kind in set(kinds):
            mask[self._contracts_of_kind.get(kind, slice(0, 0))] = True
        return mask

    @functools.cached_property
    def _contracts_of_kind(self) -> dict[str, IntArray]:
        """Positions of each contract kind (computed once: channels ask every quarter)."""
        kinds = np.array(self.contract_kinds, dtype=object)
        names, code = np.unique(kinds, return_inverse=True)
        order = np.argsort(code, kind="stable")
        bounds = np.searchsorted(code[order], np.arange(names.size + 1))
        return {str(k): order[bounds[i]:bounds[i + 1]] for i, k in enumerate(names)}

    def entity_mask(self, kinds: frozenset[str] | tuple[str, ...]) -> BoolArray:
        """Entities whose kind is in ``kinds``, shape (n,)."""
        return np.array([k in kinds for k in self.kinds], dtype=np.bool_)

    @property
    def is_holder_sector(self) -> BoolArray:
        """Entities that are holder sectors (banks, insurers, funds, households), shape (n,)."""
        return self.entity_mask(HOLDER_SECTORS)


def compile_web(web: Web) -> CompiledWeb:
    """Compile ``web`` into a :class:`CompiledWeb`.

    Raises
    ------
    DataError
        Naming every contract the engine cannot value (id and field).
    """
    active = [c for c in web.contracts if c.status != "superseded"]
    issues = [i for c in active if (i := _unvaluable(c)) is not None]
    if issues:
        raise DataError(issues)
    notes: list[Assumption] = []
    ents = _entity_arrays(web, active, notes)
    edges = [_edge(c, web, notes) for c in active]
    edges += _outside_debt(web, active, ents["debt"], notes)
    _cash_costs(web, ents, edges)
    edges += _operating_costs(web, active, ents["op_cost"], ents["capex"])
    _break_even(web, ents, edges, notes)
    ratings = _agency_ratings(web, notes)
    cols = list(zip(*edges, strict=True)) if edges else [()] * 12
    return CompiledWeb(
        name=web.name, as_of=web.as_of, ids=tuple(e.id for e in web.entities),
        kinds=tuple(e.kind for e in web.entities),
        cash=ents["cash"], market_cap=ents["market_cap"], book_equity=ents["equity"],
        revenue=ents["revenue"], outside_revenue=ents["outside_revenue"],
        ai_share=ents["ai_share"], ai_value_share=ents["ai_value_share"],
        op_cost=ents["op_cost"],
        capex=ents["capex"], total_assets=ents["total_assets"],
        contract_ids=tuple(cols[0]), contract_kinds=tuple(cols[1]),
        obligor=np.array(cols[2], dtype=np.int64), holder=np.array(cols[3], dtype=np.int64),
        amount=np.array(cols[4], dtype=np.float64),
        annual_payment=np.array(cols[5], dtype=np.float64),
        rate=np.array(cols[6], dtype=np.float64), start_q=np.array(cols[7], dtype=np.int64),
        maturity_q=np.array(cols[8], dtype=np.int64), rank=np.array(cols[9], dtype=np.int64),
        tranche=np.array(cols[10], dtype=np.int64), ltv=np.array(cols[11], dtype=np.float64),
        on_balance_sheet=np.array([c.on_balance_sheet for c in active]
                                  + [False] * (len(edges) - len(active)), dtype=np.bool_),
        assumptions=tuple(notes), n_superseded=len(web.contracts) - len(active),
        age_q=np.array([_age(c, web.as_of) for c in active] + [0.0] * (len(edges) - len(active)),
                       dtype=np.float64),
        agency_rating=ratings,
        contingent=np.array([_contingent(c, web.as_of) for c in active]
                            + [False] * (len(edges) - len(active)), dtype=np.bool_),
        pool_lgd=np.array([_pool_lgd(e) for e in web.entities], dtype=np.float64),
        gross_margin=np.array([_figure_or_nan(e, "gross_margin") for e in web.entities],
                              dtype=np.float64),
        dividends=_figures(web, "dividends", 0.0), buybacks=_figures(web, "buybacks", 0.0),
        dollar_volume=_figures(web, "daily_dollar_volume"),
        daily_volatility=_figures(web, "daily_volatility"),
        equity_volatility=np.array([_figure_or_nan(e, "equity_volatility")
                                    for e in web.entities], dtype=np.float64),
    )


def chip_order(contract_kind: str, seller_kind: str) -> bool:
    """A purchase from a chipmaker: the buyer's capex, not its operating cost."""
    return contract_kind == "customer_revenue" and seller_kind == "chipmaker"


def _figures(web: Web, metric: str, missing: float = math.nan) -> FloatArray:
    """Each entity's ``metric`` figure at ``as_of`` (the latest year not after it), shape (n,);
    ``missing`` where it has none."""
    year = web.as_of.year
    values = [_figure(e, metric, year) for e in web.entities]
    return np.array([missing if v is None else v for v in values], dtype=np.float64)


def _cash_costs(web: Web, ents: dict[str, FloatArray], edges: list[Edge]) -> None:
    """Operating cost in cash for each firm with an ``operating_cash_flow`` figure.

    The filings' operating cost (revenue less operating income) includes depreciation and
    amortisation, which is not cash: the engine also pays capex in cash, so counting both
    took a firm's depreciation twice (Amazon's cash flow before capex came out at about
    USD 76bn a year against 121bn of operating cash flow). For a firm whose operating cash
    flow is known the cash operating cost is set so that, at the start, revenue less it less
    the interest the engine charges on the firm's debt equals that operating cash flow
    (taxes, working capital and operating leases paid are inside it, as in the cash-flow
    statement): ``C_i = max(R_i - OCF_i - I_i, 0)``.
    """
    year = web.as_of.year
    interest = np.zeros(len(web.entities))
    for e in edges:
        if e[7] < 0 and e[1] in DEBT_KINDS:
            interest[e[2]] += e[5]
    for i, ent in enumerate(web.entities):
        ocf = _figure(ent, "operating_cash_flow", year)
        if ocf is not None and not ents["no_revenue"][i]:
            ents["op_cost"][i] = max(ents["revenue"][i] - ocf - interest[i], 0.0)


def _pool_lgd(e: Entity) -> float:
    """An entity's ``pool_lgd`` figure (any year), NaN if it is not a granular pool."""
    return _figure_or_nan(e, "pool_lgd")


def _figure_or_nan(e: Entity, metric: str) -> float:
    """An entity's latest ``metric`` figure, NaN if it has none."""
    fig = e.figure(metric)
    return fig.value if fig is not None else float("nan")


#: What the engine does for an issuer without an agency rating (and says when a web has none).
UNRATED_RULE: Final[str] = (
    "no agency ratings in the web (ratings.csv): every issuer starts at its structural "
    "(Merton) default probability, without an agency anchor")


def _agency_ratings(web: Web, notes: list[Assumption]) -> IntArray:
    """Rating code of each entity (-1: unrated); an assumption when the web rates no one."""
    grade = {r.entity_id: r.grade for r in web.ratings}
    if not grade:
        notes.append(Assumption(web.name, "ratings", 0.0, UNRATED_RULE))
    return np.array([AGENCY_GRADES.index(grade[e.id]) if e.id in grade else -1
                     for e in web.entities], dtype=np.int64)


def _contingent(c: Contract, as_of: dt.date) -> bool:
    """An announced financing (equity or debt) that starts after ``as_of``: not yet funded."""
    return (c.status == "announced" and (c.kind in EQUITY_KINDS or c.kind in DEBT_KINDS)
            and c.start is not None and c.start > as_of)


def _age(c: Contract, as_of: dt.date) -> float:
    """Quarters from the contract's start to ``as_of`` (0 if it starts later or gives none)."""
    if c.start is None or c.start >= as_of:
        return 0.0
    return (as_of - c.start).days / QUARTER_DAYS


# ------------------------------------------------------------------ entities


def _figure(entity: Entity, metric: str, year: int) -> float | None:
    hits = [f for f in entity.figures if f.metric == metric and f.year <= year]
    return max(hits, key=lambda f: f.year).value if hits else None


def _entity_arrays(
    web: Web, active: list[Contract], notes: list[Assumption],
) -> dict[str, FloatArray]:
    year = web.as_of.year
    held = np.zeros(len(web.entities))
    linked = np.zeros(len(web.entities), dtype=np.bool_)
    for c in active:
        held[web.index[c.holder]] += c.amount
        linked[[web.index[c.holder], web.index[c.obligor]]] = True
    rows = [_entity_row(e, year, held[i], bool(linked[i]), notes)
            for i, e in enumerate(web.entities)]
    keys = ("cash", "market_cap", "equity", "revenue", "ai_share", "ai_value_share", "op_cost",
            "capex",
            "total_assets", "debt", "no_revenue", "no_cash")
    return {k: np.array([r[k] for r in rows], dtype=np.float64) for k in keys}


def _entity_row(e: Entity, year: int, held: float, linked: bool,
                notes: list[Assumption]) -> dict[str, float]:
    def get(metric: str, default: float, rule: str) -> float:
        value = _figure(e, metric, year) if linked else None
        if value is None:
            notes.append(Assumption(e.id, metric, default, rule))
            return default
        return value

    if not linked:
        notes.append(Assumption(e.id, "contracts", 0.0,
                                "no contracts in the web: a reference total, not simulated"))
    no_revenue = linked and _figure(e, "revenue", year) is None
    no_cash = linked and _figure(e, "cash", year) is None
    revenue = _figure(e, "revenue", year) if linked else 0.0
    assets = get("total_assets", max(10.0 * held, held + 1.0),
                 "no total_assets figure: claims in the web taken as 10% of assets")
    equity = get("equity", 0.1 * assets, "no equity figure: 10% of total assets")
    ai = _figure(e, "ai_revenue", year)
    share = (DEFAULT_AI_SHARE.get(e.kind, 0.0) if ai is None or not revenue
             else min(ai / revenue, 1.0))
    return {
        "cash": _figure(e, "cash", year) or 0.0 if linked else 0.0,
        "market_cap": get("market_cap", equity, "no market_cap figure: book equity"),
        "equity": equity, "revenue": revenue or 0.0, "ai_share": share,
        "ai_value_share": _ai_value_share(e, year, notes),
        "op_cost": get("operating_cost", 0.0,
                       "no operating_cost figure: none beyond its contracts in the web"),
        "capex": get("capex", 0.0, "no capex figure: none planned"),
        "total_assets": assets, "debt": (_figure(e, "debt", year) or 0.0) if linked else 0.0,
        "no_revenue": float(no_revenue), "no_cash": float(no_cash or (not linked)),
    }


def _ai_value_share(e: Entity, year: int, notes: list[Assumption]) -> float:
    fig = e.figure("ai_value_share", year) or e.figure("ai_value_share")
    if fig is not None:
        return fig.value
    share = DEFAULT_AI_VALUE_SHARE.get(e.kind, 0.0)
    if e.kind not in HOLDER_SECTORS:
        notes.append(Assumption(e.id, "ai_value_share", share,
                                "no ai_value_share figure: the default of its kind"))
    return share


def _break_even(web: Web, ents: dict[str, FloatArray], edges: list[Edge],
                notes: list[Assumption]) -> None:
    """Fill missing revenue and cash from the scheduled payments at the start.

    An entity without a revenue figure gets outside revenue that covers what it pays at the
    start beyond what it receives (sponsor support, revenue outside the web): it breaks even.
    Without a cash figure: 5% of assets for sectors and SPVs (plus two years of interest
    for an SPV: the reserve funded from its notes) and a quarter of revenue for firms.
    """
    n = len(web.entities)
    owed, got, interest = np.zeros(n), np.zeros(n), np.zeros(n)
    for e in edges:
        if e[7] < 0:
            owed[e[2]] += e[5]
            if e[3] >= 0:
                got[e[3]] += e[5]
            if e[1] in DEBT_KINDS:
                interest[e[2]] += e[5]
    ents["inflow"] = got
    for i, ent in enumerate(web.entities):
        if ents["no_revenue"][i]:
            gap = max(owed[i] - got[i], 0.0)
            ents["revenue"][i] = got[i] + gap
            notes.append(Assumption(ent.id, "revenue", float(got[i] + gap),
                                    "no revenue figure: breaks even on its scheduled payments"))
        if ents["no_cash"][i]:
            sector = ent.kind in HOLDER_SECTORS or ent.kind in ("spv", "other")
            cash = 0.05 * ents["total_assets"][i] if sector else 0.25 * ents["revenue"][i]
            cash += 2.0 * interest[i] if ent.kind == "spv" else 0.0
            ents["cash"][i] = cash
            notes.append(Assumption(ent.id, "cash", cash, "no cash figure: 5% of assets for "
                                    "sectors and SPVs (SPVs: plus 2 years of interest), "
                                    "25% of revenue for firms"))
    ents["outside_revenue"] = np.maximum(ents["revenue"] - got, 0.0)


# ------------------------------------------------------------------ contracts

Edge = tuple[str, str, int, int, float, float, float, int, int, int, int, float]


def _unvaluable(c: Contract) -> Issue | None:
    if c.amount <= 0 and not c.annual_payment:
        return Issue("contracts", None, "amount",
                     f"contract {c.id!r} ({c.kind}) must have a positive amount or "
                     "annual_payment for the stress engine to value it", str(c.amount))
    if c.kind == "abs_note" and c.tranche is None:
        return Issue("contracts", None, "tranche",
                     f"contract {c.id!r} is an abs_note without a tranche", "")
    return None


def _quarters(as_of: dt.date, date: dt.date) -> int:
    return math.floor((date - as_of).days / QUARTER_DAYS)


def _term_years(c: Contract, as_of: dt.date) -> float | None:
    if c.maturity is None:
        return None
    begin = max(c.start or as_of, as_of) if c.start and c.start > as_of else (c.start or as_of)
    return max((c.maturity - begin).days / 365.25, 0.25)


def _annual_flow(c: Contract, as_of: dt.date) -> float:
    if c.annual_payment is not None:
        return c.annual_payment
    if c.kind == "customer_revenue":
        return c.amount
    term = _term_years(c, as_of) or DEFAULT_TERM.get(c.kind, 5.0)
    return c.amount / term


def _edge(c: Contract, web: Web, notes: list[Assumption]) -> Edge:
    start_q = _quarters(web.as_of, c.start) if c.start and c.start > web.as_of else -1
    maturity_q = _maturity(c, web.as_of, max(start_q, 0), notes)
    annual, rate = _payment_and_rate(c, web.as_of, notes)
    if c.kind == "abs_note" and c.tranche is not None:
        rank, tranche = TRANCHE_RANK[c.tranche], TRANCHE_CODE[c.tranche]
    else:
        rank, tranche = RANK[c.seniority], -1
    ltv = c.ltv if c.ltv is not None else math.nan
    return (c.id, c.kind, web.index[c.obligor], web.index[c.holder], c.amount, annual, rate,
            start_q, maturity_q, rank, tranche, ltv)


def _maturity(c: Contract, as_of: dt.date, start_q: int, notes: list[Assumption]) -> int:
    if c.kind in EQUITY_KINDS or c.kind == "guarantee":
        return 10_000
    if c.maturity is not None:
        return max(_quarters(as_of, c.maturity), start_q)
    years = DEFAULT_TERM.get(c.kind, 5.0)
    if c.kind in FLOW_KINDS and c.annual_payment is not None and c.amount > 0:
        years = c.amount / c.annual_payment
    notes.append(Assumption(c.id, "maturity", years, f"no maturity: {years:g}-year term"))
    return start_q + max(round(years * 4), 1)


def _payment_and_rate(c: Contract, as_of: dt.date, notes: list[Assumption]) -> tuple[float, float]:
    if c.kind in DEBT_KINDS:
        if c.rate is not None:
            return c.rate * c.amount, c.rate
        if c.annual_payment is not None and c.amount > 0:
            return c.annual_payment, c.annual_payment / c.amount
        rate = DEFAULT_RATE[c.kind]
        notes.append(Assumption(c.id, "rate", rate, f"no rate: {c.kind} at {rate:.1%}"))
        return rate * c.amount, rate
    if c.kind in FLOW_KINDS:
        return _annual_flow(c, as_of), c.rate or 0.0
    return 0.0, c.rate or 0.0


def _outside_debt(web: Web, active: list[Contract], debt: FloatArray,
                  notes: list[Assumption]) -> list[Edge]:
    # every debt contract an entity owes is on *its own* balance sheet, whatever the flag:
    # ``on_balance_sheet = false`` says the debt is off the *sponsor's* books (an SPV's notes),
    # and the SPV's own ``debt`` figure already counts it (not counting it here owed the
    # Hyperion and xAI SPVs' notes twice: once in the web, once outside)
    owed = np.zeros(len(web.entities))
    for c in active:
        if c.kind in DEBT_KINDS:
            owed[web.index[c.obligor]] += c.amount
    out: list[Edge] = []
    rate = DEFAULT_RATE["external_debt"]
    for i in np.flatnonzero(debt - owed > 1e-9):
        rest = float(debt[i] - owed[i])
        eid = web.entities[i].id
        notes.append(Assumption(eid, "outside_debt", rest,
                                f"debt figure not in web contracts: owed outside at {rate:.1%}, "
                                f"maturing in {OUTSIDE_DEBT_TRANCHES} equal yearly parts"))
        part = rest / OUTSIDE_DEBT_TRANCHES
        out += [(f"outside_debt:{eid}:{y + 1}", "external_debt", int(i), -1, part, rate * part,
                 rate, -1, 4 * (y + 1) - 1, RANK["senior"], -1, math.nan)
                for y in range(OUTSIDE_DEBT_TRANCHES)]
    return out


def _operating_costs(web: Web, active: list[Contract], op_cost: FloatArray,
                     capex: FloatArray) -> list[Edge]:
    """Operating costs not paid through the web's own leases and commitments, owed outside.

    An order of chips from a chipmaker is capex, not operating cost: it is taken out of the
    buyer's ``capex`` plan (in place) as far as that goes, and only the rest out of its
    operating cost (Anthropic, with no capex figure, pays for its TPUs from its costs). An
    entity that pays flows, or sells on contracts that start later, gets an operating-cost
    contract even when nothing is left (amount 0): what it pays through them returns to it
    when they run out (:func:`~bubblescope.stress.channels.demand.renewed`), and new
    business costs it cash
    (:func:`~bubblescope.stress.channels.obligations.new_business_cost`).
    """
    paid = np.zeros(len(web.entities))
    sells = np.zeros(len(web.entities), dtype=np.bool_)  # new business costs it cash
    for c in active:
        if c.kind in ("customer_revenue", "compute_commitment") and c.start \
                and c.start > web.as_of:
            sells[web.index[c.holder]] = True
        if c.kind in FLOW_KINDS and not (c.start and c.start > web.as_of):
            i = web.index[c.obligor]
            flow = _annual_flow(c, web.as_of)
            if chip_order(c.kind, web.entities[web.index[c.holder]].kind):
                # capex pays for it as far as the buyer plans capex; the rest (a lab with no
                # capex figure buying TPUs) was in its operating cost
                take = min(capex[i], flow)
                capex[i] -= take
                flow -= take
            paid[i] += flow
    rest = np.maximum(op_cost - paid, 0.0)
    return [
        (f"operating_cost:{web.entities[i].id}", "operating_cost", int(i), -1, float(rest[i]),
         float(rest[i]), 0.0, -1, 10_000, RANK["senior_secured"], -1, math.nan)
        for i in np.flatnonzero((rest > 0) | (paid > 0) | sells)
    ]
