"""The bundled default web: it loads, it holds the seed deals, and every number is sourced."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pytest

import bubblescope as bs
from bubblescope.data import data_path
from bubblescope.model.debt import debt_schedule
from bubblescope.model.kinds import FINANCING_KINDS, HOLDER_SECTORS
from bubblescope.model.web import Contract, Web
from bubblescope.store.files import read_web_dir, write_web_dir

FIRMS = (
    "nvidia", "openai", "microsoft", "oracle", "meta", "google", "amazon", "amd", "broadcom",
    "coreweave", "anthropic", "xai", "blue_owl", "hyperion_spv", "crusoe", "nebius", "softbank",
    "stargate", "pimco",
)
SECTORS = {
    "us_banks": "bank", "life_insurers": "life_insurer", "pension_funds": "pension_fund",
    "hedge_funds": "hedge_fund", "mutual_funds": "mutual_fund",
    "private_credit_funds": "private_credit_fund", "private_equity_funds": "private_equity",
    "households_401k": "household", "retail_investors": "household",
}
DEBT_KINDS = ("loan", "bond", "gpu_backed_loan", "abs_note", "credit_line")


@pytest.fixture(scope="module")
def web() -> Web:
    return bs.load_default()


def _deal_total(web: Web, kind: str, holder: str, obligor: str) -> float:
    return sum(c.amount for c in web.active()
               if c.kind == kind and c.holder == holder and c.obligor == obligor)


def test_default_loads_as_of_year_end(web: Web) -> None:
    assert web.name == "default"
    assert web.as_of == dt.date(2025, 12, 31)
    assert 35 <= len(web.entities) <= 60
    assert len(web.contracts) >= 100
    assert sum(len(e.figures) for e in web.entities) >= 150
    assert len(web.sources) >= 60


def test_canonical_entities_present(web: Web) -> None:
    ids = set(web.entity_by_id)
    assert set(FIRMS) <= ids
    for entity_id, kind in SECTORS.items():
        assert web.entity(entity_id).kind == kind
    assert web.entity("hyperion_spv").kind == "spv"
    assert web.entity("stargate").kind == "spv"


@pytest.mark.parametrize(
    ("kind", "holder", "obligor", "amount", "tol"),
    [
        ("equity_stake", "nvidia", "openai", 100.0, 0.0),   # seed 001/003/004
        ("compute_commitment", "oracle", "openai", 300.0, 0.0),  # seed 001/003
        ("compute_commitment", "amazon", "openai", 38.0, 0.0),  # seed 003
        ("compute_commitment", "coreweave", "openai", 22.0, 0.5),  # seed 003 (22.4 in releases)
        ("compute_commitment", "coreweave", "meta", 14.0, 0.5),  # seed 003: $14bn
        ("guarantee", "coreweave", "nvidia", 6.0, 0.5),  # seed 003: $6bn arrangement
    ],
)
def test_seed_deal_amounts(
    web: Web, kind: str, holder: str, obligor: str, amount: float, tol: float,
) -> None:
    assert _deal_total(web, kind, holder, obligor) == pytest.approx(amount, abs=tol)


def test_anthropic_gets_15bn_from_nvidia_and_microsoft(web: Web) -> None:
    total = (_deal_total(web, "equity_stake", "nvidia", "anthropic")
             + _deal_total(web, "equity_stake", "microsoft", "anthropic"))
    assert total == pytest.approx(15.0)  # seed 003


def test_hyperion_spv_structure(web: Web) -> None:
    notes = [c for c in web.active() if c.obligor == "hyperion_spv" and c.kind == "abs_note"]
    senior = sum(c.amount for c in notes if c.tranche == "senior")
    assert senior == pytest.approx(27.0, abs=1.0)  # seed 003: $27bn; seed 000: $26bn of debt
    assert all(not c.on_balance_sheet for c in notes)
    equity = {c.holder: c.amount for c in notes if c.tranche == "equity"}
    assert equity["blue_owl"] / sum(equity.values()) == pytest.approx(0.8)
    lease = [c for c in web.active() if c.kind == "lease" and c.holder == "hyperion_spv"]
    assert [c.obligor for c in lease] == ["meta"]
    holders = {c.holder for c in notes if c.tranche == "senior"}
    assert {"pimco", "life_insurers", "pension_funds"} <= holders


def test_coreweave_debt_matches_seed(web: Web) -> None:
    debt = [c for c in web.active() if c.kind in DEBT_KINDS and c.seniority != "equity"
            and c.obligor in {"coreweave", "coreweave_spv"}]  # the SPVs' equity is no debt
    total = sum(c.amount for c in debt)
    assert total == pytest.approx(14.0, abs=0.5)  # seed 003: $14bn
    # seed 003 says more than half is due within a year; CoreWeave's 10-Q (2025-06-30)
    # puts $4.218bn of its $11.17bn principal in 2026 (plus $0.986bn in the rest of 2025).
    # The instruments amortise linearly to their final maturities, which understates the
    # front-loading: the modelled 2026 principal must lie between half and all of the filing's.
    wall = debt_schedule(web.instruments, web.holdings, web.as_of, by=("issuer",))
    wall = wall[wall["issuer"].isin(["coreweave", "coreweave_spv"])]
    due_2026 = wall[wall["quarter_end"] <= dt.date(2026, 12, 31)]["principal"].sum()
    assert 0.5 * 4.218 < due_2026 <= 4.218
    assert wall["principal"].sum() == pytest.approx(total)
    gpu = [c for c in debt if c.kind == "gpu_backed_loan"]
    assert gpu
    assert all(c.collateral.startswith("gpu_fleet:") for c in gpu)
    assert all(c.ltv for c in gpu)


def test_coreweave_customer_concentration(web: Web) -> None:
    revenue = {c.obligor: c.amount for c in web.active()
               if c.kind == "customer_revenue" and c.holder == "coreweave"}
    total = sum(revenue.values())
    assert revenue["microsoft"] / total == pytest.approx(0.7 / 0.9)
    assert total == pytest.approx(0.9 * 5.0)  # 90% of the seed's $5bn revenue is named


def test_ai_linked_debt_totals_seed(web: Web) -> None:
    ig_deals = {i.deal for i in web.instruments if "ig" in i.aggregates or i.deal ==
                "ai_ig_other_bonds"}
    ig = sum(c.amount for c in web.active() if c.deal in ig_deals and c.kind in DEBT_KINDS
             and c.seniority != "equity")
    assert ig == pytest.approx(1200.0, abs=0.5)  # seed 004: $1.2tn, itemized + residual
    pc_deals = {i.deal for i in web.instruments if "private_credit" in i.aggregates
                or i.deal == "private-credit-tech"}
    tech_private_credit = sum(
        c.amount for c in web.active() if c.holder == "private_credit_funds"
        and c.kind in DEBT_KINDS and c.deal in pc_deals)
    assert tech_private_credit == pytest.approx(450.0, abs=0.5)  # seed 003: ~$450bn


def test_seed_figures(web: Web) -> None:
    def value(entity: str, metric: str, year: int) -> float:
        figure = web.entity(entity).figure(metric, year)
        assert figure is not None, (entity, metric, year)
        return figure.value

    assert value("openai", "revenue", 2025) == 10.0
    assert value("openai", "operating_cost", 2025) - value("openai", "revenue", 2025) >= 15.0
    assert value("coreweave", "revenue", 2025) == 5.0
    assert value("ai_sector", "capex", 2025) == 500.0
    assert value("ai_sector", "ai_revenue", 2025) == 60.0
    assert value("life_insurers", "private_credit_assets", 2025) == 1000.0


def test_every_operating_firm_has_figures_for_2024_and_2025(web: Web) -> None:
    listed = ("nvidia", "microsoft", "google", "amazon", "meta", "oracle", "amd", "broadcom",
              "coreweave")
    for entity_id in listed:
        entity = web.entity(entity_id)
        for metric in ("revenue", "operating_cost", "capex", "cash", "debt", "market_cap"):
            for year in (2024, 2025):
                if (entity_id, metric, year) == ("coreweave", "market_cap", 2024):
                    continue  # CoreWeave listed in March 2025
                assert entity.figure(metric, year) is not None, (entity_id, metric, year)


def test_filing_figures_recompute_from_shared_data(web: Web, shared_data: Path) -> None:
    # Nvidia fiscal 2025 revenue (Feb 2024 - Jan 2025) = sum of four filed quarters.
    with open(shared_data / "quarterly_financials_alphavantage_NVDA.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    quarters = [r for r in rows if "2024-02-01" <= r["fiscalDateEnding"] <= "2025-01-31"]
    expected = sum(float(r["totalRevenue"]) for r in quarters) / 1e9
    figure = web.entity("nvidia").figure("revenue", 2024)
    assert figure is not None
    assert figure.value == pytest.approx(expected, abs=1e-3)
    assert figure.value == pytest.approx(130.5, abs=0.1)  # NVIDIA FY2025 10-K
    # Meta 2025 capex = sum of the four 2025 quarters of the hyperscaler capex file.
    path = shared_data / "hyperscaler_capex_quarterly_2024q1_2026q1.csv"
    with open(path, encoding="utf-8-sig") as handle:
        capex = sum(float(r["capex_bn"]) for r in csv.DictReader(handle)
                    if r["company"] == "Meta" and r["quarter"].endswith("2025"))
    meta_capex = web.entity("meta").figure("capex", 2025)
    assert meta_capex is not None
    assert meta_capex.value == pytest.approx(capex, abs=1e-6)


def test_seed_quotes_occur_verbatim(web: Web, shared_data: Path) -> None:
    seeds = shared_data.parent / "seeds"
    seed_sources = [s for s in web.sources if s.kind == "seed"]
    assert len(seed_sources) >= 40
    texts = {p.name: p.read_text(encoding="utf-8") for p in seeds.glob("*.txt")}
    assert {s.citation for s in seed_sources} == set(texts)  # all five seeds are used
    for source in seed_sources:
        assert source.quote, source.id
        assert source.quote in texts[source.citation], source.id
        assert source.note, source.id  # English translation


def test_every_number_cites_known_sources(web: Web) -> None:
    known = set(web.source_by_id)
    for contract in web.contracts:
        assert contract.source_ids, contract.id
        assert set(contract.source_ids) <= known, contract.id
    for entity in web.entities:
        for figure in entity.figures:
            assert figure.source_ids, (entity.id, figure.metric)
            assert set(figure.source_ids) <= known, (entity.id, figure.metric)


def test_every_source_is_used(web: Web) -> None:
    used: set[str] = set()
    for row in (*web.contracts, *web.instruments, *web.holdings, *web.ratings):
        used |= set(row.source_ids)
    for entity in web.entities:
        used |= set(entity.source_ids)
        for figure in entity.figures:
            used |= set(figure.source_ids)
    assert {s.id for s in web.sources} == used


def test_sources_are_documented(web: Web) -> None:
    for source in web.sources:
        if source.kind == "assumption":
            assert len(source.note) > 40, source.id
        if source.kind in ("filing", "release", "dataset"):
            assert source.citation, source.id


def test_assumptions_never_high_confidence(web: Web) -> None:
    kinds = {s.id: s.kind for s in web.sources}
    for contract in web.contracts:
        if any(kinds[s] == "assumption" for s in contract.source_ids):
            assert contract.confidence in ("low", "medium"), contract.id
    for entity in web.entities:
        for figure in entity.figures:
            if kinds[figure.source_ids[0]] == "assumption":
                assert figure.confidence in ("low", "medium"), (entity.id, figure.metric)


def _money_flow_graph(contracts: tuple[Contract, ...]) -> nx.DiGraph:
    """Edges in the direction money moved: financing holder → obligor, payments obligor → holder."""
    graph = nx.DiGraph()
    for c in contracts:
        if c.kind in FINANCING_KINDS:
            graph.add_edge(c.holder, c.obligor)
        else:
            graph.add_edge(c.obligor, c.holder)
    return graph


def test_nvidia_openai_oracle_cycle(web: Web) -> None:
    graph = _money_flow_graph(web.active())
    cycles = [set(c) for c in nx.simple_cycles(graph.subgraph(["nvidia", "openai", "oracle"]))]
    assert {"nvidia", "openai", "oracle"} in cycles
    assert graph.has_edge("nvidia", "openai")   # Nvidia invests in OpenAI
    assert graph.has_edge("openai", "oracle")   # OpenAI pays Oracle for compute
    assert graph.has_edge("oracle", "nvidia")   # Oracle pays Nvidia for chips
    # CoreWeave buys Nvidia chips with Nvidia's money and rents them back (seed 003).
    assert graph.has_edge("nvidia", "coreweave")
    assert graph.has_edge("coreweave", "nvidia")


def test_cash_flow_fields_for_the_crash_engine(web: Web) -> None:
    for c in web.contracts:
        if c.kind in DEBT_KINDS:
            assert c.start, c.id
            assert c.maturity, c.id
            assert c.rate is not None, c.id
        if c.kind in ("lease", "compute_commitment"):
            assert c.start, c.id
            assert c.maturity, c.id
            assert c.annual_payment, c.id
        if c.kind == "gpu_backed_loan":
            assert c.collateral, c.id
            assert c.ltv, c.id
        off = {"hyperion_spv", "xai_colossus_spv", "dc_abs_trust"}
        if c.obligor in off and c.kind in DEBT_KINDS:
            assert not c.on_balance_sheet, c.id


def test_holder_sectors_are_exposed(web: Web) -> None:
    held: dict[str, float] = defaultdict(float)
    for c in web.active():
        held[c.holder] += c.amount
    for entity_id in SECTORS:
        assert held[entity_id] > 0, entity_id
        assert web.entity(entity_id).kind in HOLDER_SECTORS
    fund_investors = {c.holder for c in web.active() if c.kind == "fund_share"}
    assert {"households_401k", "pension_funds", "life_insurers"} <= fund_investors
    via_mutual_funds = {c.holder for c in web.active()
                        if c.kind == "fund_share" and c.obligor == "mutual_funds"}
    assert "households_401k" in via_mutual_funds


def test_round_trip(web: Web, tmp_path: Path) -> None:
    out = write_web_dir(web, tmp_path / "web")
    again = read_web_dir(out)
    assert again == web
    assert read_web_dir(data_path("web")) == web


def test_readme_counts_match_files(web: Web) -> None:
    readme = (data_path("web") / "README.md").read_text(encoding="utf-8")
    figures = sum(len(e.figures) for e in web.entities)
    assert f"| `sources.csv` | {len(web.sources)} |" in readme
    assert f"| `entities.csv` | {len(web.entities)} |" in readme
    assert f"| `figures.csv` | {figures} |" in readme
    assert f"| `contracts.csv` | {len(web.contracts)} |" in readme
    assert f"| `ratings.csv` | {len(web.ratings)} |" in readme
