"""Small webs for the sizing measures, built in memory with ``build_web``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from bubblescope.model import Web, build_web

ENTITIES: tuple[tuple[str, str], ...] = (
    ("nvidia", "chipmaker"), ("openai", "ai_lab"), ("oracle", "hyperscaler"),
    ("coreweave", "neocloud"), ("microsoft", "hyperscaler"), ("meta", "hyperscaler"),
    ("hyperion_spv", "spv"), ("pimco", "mutual_fund"), ("ai_sector", "other"),
)

CONTRACTS: tuple[dict[str, Any], ...] = (
    {"id": "c1", "kind": "equity_stake", "holder": "nvidia", "obligor": "openai", "amount": "100"},
    {"id": "c2", "kind": "compute_commitment", "holder": "oracle", "obligor": "openai",
     "amount": "300", "annual_payment": "60"},
    {"id": "c3", "kind": "customer_revenue", "holder": "nvidia", "obligor": "oracle",
     "amount": "40"},
    {"id": "c4", "kind": "customer_revenue", "holder": "coreweave", "obligor": "microsoft",
     "amount": "3.5"},
    {"id": "c5", "kind": "customer_revenue", "holder": "coreweave", "obligor": "nvidia",
     "amount": "0.5"},
    {"id": "c6", "kind": "customer_revenue", "holder": "coreweave", "obligor": "openai",
     "amount": "0.5"},
    {"id": "c7", "kind": "lease", "holder": "hyperion_spv", "obligor": "meta", "amount": "27",
     "start": "2025-10-30", "maturity": "2029-10-30"},
    {"id": "c8", "kind": "abs_note", "holder": "pimco", "obligor": "hyperion_spv",
     "amount": "27.3", "tranche": "senior", "start": "2025-10-30", "on_balance_sheet": "false"},
    {"id": "c9", "kind": "bond", "holder": "pimco", "obligor": "meta", "amount": "30",
     "start": "2025-10-30"},
    {"id": "c10", "kind": "guarantee", "holder": "hyperion_spv", "obligor": "meta",
     "amount": "27.3"},
    {"id": "c11", "kind": "equity_stake", "holder": "nvidia", "obligor": "coreweave",
     "amount": "2"},
)

FIGURES: tuple[tuple[str, str, int, float], ...] = (
    ("coreweave", "revenue", 2025, 5.0), ("meta", "capex", 2025, 70.0),
    ("openai", "ai_revenue", 2025, 10.0), ("nvidia", "ai_revenue", 2025, 150.0),
    ("ai_sector", "capex", 2025, 500.0),
)


def make_web(entities: Sequence[tuple[str, str]] = ENTITIES,
             contracts: Sequence[dict[str, Any]] = CONTRACTS,
             figures: Sequence[tuple[str, str, int, float]] = FIGURES) -> Web:
    """Build a web from short rows; every row cites one test source."""
    sources = [{"id": "t", "kind": "assumption", "citation": "test"}]
    ents = [{"id": i, "name": i, "kind": k, "country": "US"} for i, k in entities]
    cons = [{"status": "closed", "confidence": "high", "source_ids": "t", **c}
            for c in contracts]
    figs = [{"entity_id": e, "metric": m, "year": str(y), "value": str(v),
             "confidence": "high", "source_ids": "t"} for e, m, y, v in figures]
    tables = {"sources": sources, "entities": ents, "contracts": cons, "figures": figs}
    return build_web("test", dt.date(2025, 12, 31), tables)


@pytest.fixture
def small_web() -> Web:
    """The test web: one Nvidia→OpenAI→Oracle loop, CoreWeave's customers, Hyperion."""
    return make_web()


@pytest.fixture
def web_factory() -> Callable[..., Web]:
    """``make_web`` as a fixture."""
    return make_web


@pytest.fixture
def base_contracts() -> list[dict[str, Any]]:
    """The contract rows of the test web (copy and extend)."""
    return [dict(c) for c in CONTRACTS]


@pytest.fixture
def broken_web(tmp_path: Path) -> Path:
    """A web directory with an unknown entity kind and no contracts: several problems."""
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "web.yaml").write_text("name: x\nas_of: 2025-12-31\n", encoding="utf-8")
    (broken / "entities.csv").write_text("id,name,kind,country\na,A,martian,US\n",
                                         encoding="utf-8")
    return broken
