"""Circularity, concentration, debt mix and revenue gap on small webs and the default web."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import bubblescope
from bubblescope.model import ScenarioError, Web
from bubblescope.size.circularity import cycles, roles, round_trips
from bubblescope.size.concentration import concentration, hhi
from bubblescope.size.debt_mix import debt_mix
from bubblescope.size.flows import aggregate_ids, flow_edges
from bubblescope.size.revenue_gap import revenue_gap


def test_flow_edges_point_the_way_money_moves(small_web: Web) -> None:
    edges = {e.contract_id: e for e in flow_edges(small_web)}
    assert (edges["c1"].src, edges["c1"].dst, edges["c1"].leg) == ("nvidia", "openai",
                                                                    "investment")
    assert (edges["c2"].src, edges["c2"].dst, edges["c2"].leg) == ("openai", "oracle",
                                                                    "purchase")
    assert (edges["c10"].src, edges["c10"].dst, edges["c10"].leg) == ("meta", "hyperion_spv",
                                                                      "backstop")
    assert str(edges["c1"]) == "nvidia -[investment 100]-> openai"


def test_the_nvidia_openai_oracle_loop_is_found_and_ranked(small_web: Web) -> None:
    report = cycles(small_web)
    loop = report.find(["nvidia", "openai", "oracle"])
    assert loop is not None
    assert loop.smallest == pytest.approx(40.0)
    assert loop.passes(["oracle", "nvidia", "openai"])
    assert not loop.passes(["nvidia", "oracle", "openai"])
    assert report.cycles[0] == loop
    assert "nvidia → openai → oracle → nvidia" in str(report)


def test_cycles_respect_min_leg_and_bounds(small_web: Web) -> None:
    assert cycles(small_web, min_leg=50.0).cycles == ()
    assert cycles(small_web, legs=("investment",)).cycles == ()
    with pytest.raises(ScenarioError, match="max_length"):
        cycles(small_web, max_length=1)


def test_cycles_are_ranked_by_smallest_leg(
    web_factory: Callable[..., Web], base_contracts: list[dict[str, str]],
) -> None:
    # coreweave -> microsoft (investment 9) and microsoft -> coreweave (purchase 3.5): a loop
    extra = {"id": "x1", "kind": "equity_stake", "holder": "coreweave", "obligor": "microsoft",
             "amount": "9"}
    report = cycles(web_factory(contracts=[*base_contracts, extra]))
    assert [round(c.smallest, 2) for c in report.cycles] == [40.0, 3.5]
    assert report.find(["coreweave", "microsoft"]) is not None
    assert report.find(["coreweave", "openai"]) is None


def test_round_trip_traces_nvidias_money_back(small_web: Web) -> None:
    report = round_trips(small_web)
    assert report.share("nvidia") == pytest.approx(1.0)
    assert report.share("oracle") == 0.0
    assert report.share("nobody") == 0.0
    trip = next(t for t in report.trips if t.firm == "nvidia")
    assert trip.path == ("nvidia", "openai", "oracle")
    assert trip.returned == pytest.approx(40.0)
    assert report.firms[0] == "nvidia"
    assert "nvidia → openai → oracle" in str(report)


def test_round_trip_is_capped_by_the_path_bottleneck(
    web_factory: Callable[..., Web], base_contracts: list[dict[str, str]],
) -> None:
    rows = [dict(c, amount="10") if c["id"] == "c1" else c for c in base_contracts]
    report = round_trips(web_factory(contracts=rows))
    assert report.share("nvidia") == pytest.approx(10.0 / 40.0)


def test_roles_find_firms_on_several_sides(small_web: Web) -> None:
    report = roles(small_web)
    assert set(report.roles["nvidia"]) >= {"investor", "supplier", "customer"}
    assert "meta" in report.multi
    assert "nvidia" in report.multi
    assert "pimco" not in report.multi
    assert "guarantor" in report.roles["meta"]
    assert "nvidia" in str(report)


def test_concentration_of_coreweave(small_web: Web) -> None:
    k = concentration(small_web, "coreweave")
    assert k.customers[0] == "microsoft"
    assert k.top_share == pytest.approx(0.70)
    assert k.share_of("nvidia", "openai") == pytest.approx(0.20)
    assert k.hhi == pytest.approx(0.51)
    assert k.unattributed == pytest.approx(0.10)
    assert k.basis.startswith("revenue 2025")
    assert "HHI 0.51" in str(k)


def test_concentration_without_revenue_figure_uses_named_total(small_web: Web) -> None:
    k = concentration(small_web, "coreweave", year=2024)
    assert sum(k.shares) == pytest.approx(1.0)
    assert k.top_share == pytest.approx(3.5 / 4.5)


def test_concentration_errors_name_the_problem(small_web: Web) -> None:
    with pytest.raises(ScenarioError, match="no entity"):
        concentration(small_web, "nobody")
    with pytest.raises(ScenarioError, match="has no"):
        concentration(small_web, "pimco")


def test_hhi_bounds() -> None:
    assert hhi([1.0]) == 1.0
    assert hhi([0.25] * 4) == pytest.approx(0.25)
    assert hhi([]) == 0.0


def test_debt_mix_looks_through_the_spv(small_web: Web) -> None:
    mix = debt_mix(small_web, 2025)
    row = mix.by_entity.set_index("entity").loc["meta"]
    assert row["on_bs"] == pytest.approx(30.0)
    assert row["off_bs"] == pytest.approx(27.3)
    assert row["off_share"] == pytest.approx(27.3 / 70.0)
    assert mix.total["debt_share"] == pytest.approx(57.3 / 70.0)
    assert mix.aggregates == {"ai_sector": 500.0}
    assert "hyperion_spv debt 27.3bn → meta" in mix.spv_links[0]
    assert set(mix.by_sector["sector"]) == {"hyperscaler"}
    assert "off balance sheet" in str(mix)


def test_debt_mix_other_year_counts_nothing(small_web: Web) -> None:
    mix = debt_mix(small_web, 2024)
    assert mix.by_entity.empty
    assert mix.total["capex"] == 0.0


def test_aggregates_are_entities_without_contracts(small_web: Web) -> None:
    assert aggregate_ids(small_web) == frozenset({"ai_sector"})


def test_revenue_gap_per_entity_and_sector(small_web: Web) -> None:
    gap = revenue_gap(small_web, 2025)
    rows = gap.by_entity.set_index("entity")
    assert rows.loc["openai", "commitments_per_year"] == pytest.approx(60.0)
    assert rows.loc["openai", "gap"] == pytest.approx(50.0)
    assert rows.loc["meta", "commitments_per_year"] == pytest.approx(27.0 / 4.0, rel=1e-3)
    assert "ai_sector" not in rows.index
    assert gap.total_excluding(("chipmaker",))["ai_revenue"] == pytest.approx(10.0)
    assert set(gap.by_sector["sector"]) >= {"ai_lab", "chipmaker"}
    assert "Revenue gap 2025" in str(gap)


@pytest.fixture(scope="module")
def default_web() -> Web:
    return bubblescope.load_default()


def test_default_web_has_the_loop_and_coreweave_concentration(default_web: Web) -> None:
    assert cycles(default_web).find(["nvidia", "openai", "oracle"]) is not None
    k = concentration(default_web, "coreweave")
    assert k.customers[0] == "microsoft"
    assert k.top_share == pytest.approx(0.70, abs=0.05)
    assert k.share_of("nvidia", "openai") == pytest.approx(0.20, abs=0.05)


def test_default_web_debt_mix_sees_hyperion(default_web: Web) -> None:
    mix = debt_mix(default_web, 2025)
    meta = mix.by_entity.set_index("entity").loc["meta"]
    assert meta["off_bs"] > 20.0
    assert 0.03 < meta["off_bs"] / mix.aggregates["ai_sector"] < 0.07  # seed 000: ~5%
