"""Closed vocabularies of the domain and the direction rule of each contract kind.

Direction convention (one rule for every kind)
----------------------------------------------
Every contract has a ``holder`` and an ``obligor``:

* the **holder** owns the claim: it books the contract as an asset (a receivable,
  a bond, a share, a lease receivable, a customer's commitment);
* the **obligor** owes it: it books the contract as a liability or as equity it issued,
  and pays the holder over the contract's life.

So the adjacency matrix of a kind, ``A[holder, obligor]``, is *who holds a claim on whom*;
cash flows of the schedule go obligor → holder, and for financing kinds the money at the
start went holder → obligor. The table :data:`DIRECTION` states, per kind, what the two
ends are and which entity kinds may stand at each end; a contract that breaks it
"contradicts its kind" and is rejected at the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

__all__ = [
    "CONFIDENCES",
    "CONTRACT_KINDS",
    "DIRECTION",
    "ENTITY_KINDS",
    "FIGURE_METRICS",
    "FINANCING_KINDS",
    "HOLDER_SECTORS",
    "SENIORITIES",
    "SOURCE_KINDS",
    "STATUSES",
    "TRANCHES",
    "Confidence",
    "ContractKind",
    "Direction",
    "EntityKind",
    "FigureMetric",
    "Seniority",
    "SourceKind",
    "Status",
    "Tranche",
]

EntityKind = Literal[
    "chipmaker",
    "ai_lab",
    "hyperscaler",
    "neocloud",
    "data_center_developer",
    "spv",
    "private_equity",
    "private_credit_fund",
    "bank",
    "life_insurer",
    "pension_fund",
    "hedge_fund",
    "mutual_fund",
    "household",
    "other",
]
ContractKind = Literal[
    "equity_stake",
    "loan",
    "bond",
    "gpu_backed_loan",
    "lease",
    "compute_commitment",
    "abs_note",
    "credit_line",
    "guarantee",
    "warrant",
    "customer_revenue",
    "fund_share",
]
Status = Literal["announced", "closed", "reported", "superseded"]
Confidence = Literal["high", "medium", "low"]
Seniority = Literal["senior_secured", "senior", "subordinated", "equity"]
Tranche = Literal["senior", "mezzanine", "equity"]
SourceKind = Literal["seed", "filing", "release", "dataset", "assumption"]
FigureMetric = Literal[
    "cash",
    "debt",
    "market_cap",
    "equity",
    "revenue",
    "ai_revenue",
    "operating_cost",
    "capex",
    "gpu_fleet_cost",
    "total_assets",
    "private_credit_assets",
    "employees",
    "ai_value_share",
    "pool_lgd",
    "gross_margin",
    "operating_cash_flow",
    "dividends",
    "buybacks",
    "daily_dollar_volume",
    "daily_volatility",
    "equity_volatility",
]

ENTITY_KINDS: Final[tuple[str, ...]] = get_args(EntityKind)
CONTRACT_KINDS: Final[tuple[str, ...]] = get_args(ContractKind)
STATUSES: Final[tuple[str, ...]] = get_args(Status)
CONFIDENCES: Final[tuple[str, ...]] = get_args(Confidence)
SENIORITIES: Final[tuple[str, ...]] = get_args(Seniority)
TRANCHES: Final[tuple[str, ...]] = get_args(Tranche)
SOURCE_KINDS: Final[tuple[str, ...]] = get_args(SourceKind)
FIGURE_METRICS: Final[tuple[str, ...]] = get_args(FigureMetric)

#: Entity kinds that hold AI-linked paper at the end of the chain (the "who gets hurt" sectors).
HOLDER_SECTORS: Final[tuple[str, ...]] = (
    "bank",
    "life_insurer",
    "pension_fund",
    "hedge_fund",
    "mutual_fund",
    "private_credit_fund",
    "private_equity",
    "household",
)

#: Kinds where money went holder → obligor at the start (financing, not a purchase promise).
FINANCING_KINDS: Final[frozenset[str]] = frozenset(
    {"equity_stake", "loan", "bond", "gpu_backed_loan", "abs_note", "credit_line", "fund_share",
     "warrant"}
)

_ANY: Final[frozenset[str]] = frozenset(ENTITY_KINDS)
_FUNDS: Final[frozenset[str]] = frozenset(
    {"private_credit_fund", "private_equity", "hedge_fund", "mutual_fund", "pension_fund"}
)
_LENDERS: Final[frozenset[str]] = frozenset(
    {"bank", "private_credit_fund", "private_equity", "life_insurer", "pension_fund",
     "hedge_fund", "mutual_fund", "chipmaker", "hyperscaler", "other"}
)
_OPERATORS: Final[frozenset[str]] = frozenset(
    {"chipmaker", "ai_lab", "hyperscaler", "neocloud", "data_center_developer", "spv", "other"}
)


@dataclass(frozen=True)
class Direction:
    """What the two ends of a contract kind are, and who may stand at each end."""

    holder_role: str
    obligor_role: str
    holders: frozenset[str]
    obligors: frozenset[str]


DIRECTION: Final[dict[str, Direction]] = {
    "equity_stake": Direction("investor", "investee firm", _ANY, _ANY - {"household"}),
    "loan": Direction("lender", "borrower", _LENDERS, _ANY),
    "bond": Direction("bondholder", "issuer", _ANY, _ANY - {"household"}),
    "gpu_backed_loan": Direction("lender", "borrower pledging GPUs", _LENDERS, _OPERATORS),
    "lease": Direction("lessor (landlord, often an SPV)", "tenant", _OPERATORS, _OPERATORS),
    "compute_commitment": Direction(
        "compute seller", "compute buyer", _OPERATORS, _OPERATORS
    ),
    "abs_note": Direction("noteholder", "issuing SPV or trust", _ANY, frozenset({"spv"})),
    "credit_line": Direction("lender", "borrower", _LENDERS, _ANY),
    "guarantee": Direction("beneficiary", "guarantor or backstop provider", _ANY, _ANY),
    "warrant": Direction("warrant holder", "issuing firm", _ANY, _ANY - {"household"}),
    "customer_revenue": Direction("supplier", "customer", _OPERATORS, _ANY),
    "fund_share": Direction("fund investor", "fund", _ANY, _FUNDS),
}
