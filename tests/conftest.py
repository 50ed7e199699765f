"""Fixtures every test area shares."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from bubblescope.model import Web, build_web

# CI runs the property tests on a fixed sequence of examples, so a run is reproducible;
# locally Hypothesis explores new examples each time.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: Real public series for tests and demos, kept beside the repository (see shared/data/SOURCES.md).
SHARED_DATA = Path(os.environ.get("BUBBLESCOPE_TEST_SHARED_DATA")
                   or Path(__file__).resolve().parents[1].parent / "shared" / "data")


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--regen-goldens``: rewrite the stress goldens (tests/stress/test_goldens.py)."""
    parser.addoption("--regen-goldens", action="store_true", default=False,
                     help="rewrite tests/stress/goldens/*.json from the current engine")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ``../shared/data`` (the real public series); skips when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


def small_web_tables() -> dict[str, list[dict[str, str]]]:
    """Rows of a small valid web: a chipmaker, a lab, a cloud, an SPV and two holder sectors."""
    src = [
        {"id": "s1", "kind": "seed", "citation": "001_ef912d7ae6111416.txt",
         "quote": "英伟达", "date": "2025-11-01", "note": "Nvidia"},
        {"id": "a1", "kind": "assumption", "citation": "bubblescope", "quote": "",
         "date": "", "note": "illustrative"},
    ]
    ents = [
        {"id": i, "name": n, "kind": k, "country": "US", "source_ids": "s1", "note": ""}
        for i, n, k in [("nvidia", "NVIDIA", "chipmaker"), ("openai", "OpenAI", "ai_lab"),
                        ("oracle", "Oracle", "hyperscaler"), ("spv", "SPV", "spv"),
                        ("banks", "US banks", "bank"), ("insurers", "Insurers", "life_insurer")]
    ]
    def c(i: str, kind: str, holder: str, obligor: str, amount: str, src_id: str = "s1",
          conf: str = "high", **extra: str) -> dict[str, str]:
        return {"id": i, "kind": kind, "holder": holder, "obligor": obligor, "amount": amount,
                "status": "announced", "confidence": conf, "source_ids": src_id, **extra}
    cons = [
        c("c1", "equity_stake", "nvidia", "openai", "100"),
        c("c2", "compute_commitment", "oracle", "openai", "300", start="2027-01-01",
          maturity="2031-12-31", annual_payment="60"),
        c("c3", "customer_revenue", "nvidia", "oracle", "40", "a1", "low"),
        c("c4", "loan", "banks", "oracle", "18", "a1", "medium", start="2025-09-01",
          maturity="2030-09-01", rate="0.055"),
        c("c5", "abs_note", "insurers", "spv", "27", tranche="senior", start="2025-10-01",
          maturity="2049-10-01", rate="0.064", on_balance_sheet="false"),
    ]
    figs = [{"entity_id": "openai", "metric": "revenue", "year": "2025", "value": "13",
             "confidence": "medium", "source_ids": "s1", "note": ""},
            {"entity_id": "openai", "metric": "cash", "year": "2025", "value": "20",
             "confidence": "low", "source_ids": "a1", "note": ""}]
    return {"sources": src, "entities": ents, "contracts": cons, "figures": figs}


@pytest.fixture
def small_web() -> Web:
    """A small valid :class:`Web` for tests that must not depend on the bundled default."""
    import datetime as dt

    return build_web("small", dt.date(2025, 12, 31), small_web_tables())


# --- rows of a richer small web, for the validator and store tests -------------------------
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
