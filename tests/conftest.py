"""Fixtures every test area shares."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from bubblescope.model import Web, build_web

# CI runs the property tests on a fixed sequence of examples, so a run is reproducible;
# locally Hypothesis explores new examples each time.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: Real public series for tests and demos, kept beside the repository (see shared/data/SOURCES.md).
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


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
