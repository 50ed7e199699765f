"""A small valid web as rows of text, rich enough to exercise every table and check."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

Tables = dict[str, list[dict[str, Any]]]

_SOURCES = [
    {"id": "s_seed", "kind": "seed", "date": "2025-10-01", "citation": "seed1.md",
     "quote": "Nvidia will invest up to $100bn in OpenAI", "note": ""},
    {"id": "s_filing", "kind": "filing", "date": "2025-03-31", "citation": "10-K", "quote": "",
     "note": "annual report"},
    {"id": "s_assume", "kind": "assumption", "date": "", "citation": "bubblescope",
     "quote": "", "note": "a rate we chose"},
]
_ENTITIES = [
    {"id": "nvidia", "name": "Nvidia", "kind": "chipmaker", "country": "US",
     "source_ids": "s_filing", "note": ""},
    {"id": "openai", "name": "OpenAI", "kind": "ai_lab", "country": "US", "source_ids": "",
     "note": ""},
    {"id": "oracle", "name": "Oracle", "kind": "hyperscaler", "country": "US", "source_ids": "",
     "note": ""},
    {"id": "coreweave", "name": "CoreWeave", "kind": "neocloud", "country": "US",
     "source_ids": "", "note": ""},
    {"id": "us_banks", "name": "US banks", "kind": "bank", "country": "US", "source_ids": "",
     "note": "aggregate"},
    {"id": "hyperion_spv", "name": "Hyperion SPV", "kind": "spv", "country": "US",
     "source_ids": "", "note": ""},
    {"id": "households_401k", "name": "401(k) households", "kind": "household",
     "country": "US", "source_ids": "", "note": ""},
]
_FIGURES = [
    {"entity_id": "nvidia", "metric": "cash", "year": "2024", "value": "43.2",
     "confidence": "high", "source_ids": "s_filing", "note": ""},
    {"entity_id": "nvidia", "metric": "cash", "year": "2025", "value": "60.6",
     "confidence": "high", "source_ids": "s_filing", "note": ""},
    {"entity_id": "openai", "metric": "revenue", "year": "2025", "value": "13",
     "confidence": "medium", "source_ids": "s_seed;s_assume", "note": ""},
]
_CONTRACT = {"start": "", "maturity": "", "annual_payment": "", "rate": "", "seniority": "",
             "tranche": "", "collateral": "", "ltv": "", "on_balance_sheet": "", "deal": "",
             "note": ""}
_CONTRACTS = [
    {**_CONTRACT, "id": "c_equity", "kind": "equity_stake", "holder": "nvidia",
     "obligor": "openai", "amount": "100", "status": "announced", "confidence": "medium",
     "source_ids": "s_seed", "seniority": "equity", "deal": "nvda-openai"},
    {**_CONTRACT, "id": "c_compute", "kind": "compute_commitment", "holder": "oracle",
     "obligor": "openai", "amount": "300", "status": "closed", "confidence": "high",
     "source_ids": "s_seed", "start": "2027-01-01", "maturity": "2032-01-01",
     "annual_payment": "60"},
    {**_CONTRACT, "id": "c_loan", "kind": "gpu_backed_loan", "holder": "us_banks",
     "obligor": "coreweave", "amount": "2.3", "status": "closed", "confidence": "high",
     "source_ids": "s_filing;s_assume", "start": "2023-08-01", "maturity": "2028-08-01",
     "rate": "0.11", "seniority": "senior_secured", "collateral": "H100", "ltv": "0.7",
     "on_balance_sheet": "true"},
    {**_CONTRACT, "id": "c_lease", "kind": "lease", "holder": "hyperion_spv",
     "obligor": "oracle", "amount": "27", "status": "closed", "confidence": "medium",
     "source_ids": "s_assume", "on_balance_sheet": "false"},
    {**_CONTRACT, "id": "c_abs", "kind": "abs_note", "holder": "households_401k",
     "obligor": "hyperion_spv", "amount": "5.5", "status": "reported", "confidence": "low",
     "source_ids": "s_assume", "tranche": "senior", "rate": "0.065"},
    {**_CONTRACT, "id": "c_old", "kind": "equity_stake", "holder": "nvidia",
     "obligor": "coreweave", "amount": "1", "status": "superseded", "confidence": "high",
     "source_ids": "s_filing"},
]


def make_tables() -> Tables:
    """A fresh copy of the valid tables (callers may corrupt it freely)."""
    return copy.deepcopy({"sources": _SOURCES, "entities": _ENTITIES, "figures": _FIGURES,
                          "contracts": _CONTRACTS})


@pytest.fixture(scope="session")
def fresh() -> Callable[[], Tables]:
    """A factory of fresh valid tables (session-scoped, so Hypothesis tests may use it)."""
    return make_tables


@pytest.fixture
def tables() -> Tables:
    """Valid rows of text for the four tables of a small web."""
    return make_tables()


@pytest.fixture
def small_web(tables: Tables) -> Any:
    """The small web built (and validated) from :func:`tables`."""
    import datetime as dt

    from bubblescope.model.parse import build_web

    return build_web("small", dt.date(2025, 12, 31), tables, description="a small test web")
