"""Scenarios: validation at the boundary, presets, per-path values."""

from __future__ import annotations

import numpy as np
import pytest

from bubblescope.model.errors import ScenarioError
from bubblescope.stress.scenario import (
    FIELD_RULES,
    PRESETS,
    Scenario,
    load_preset,
    scenario_from_mapping,
)


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_loads_and_is_valid(name: str) -> None:
    s = load_preset(name)
    assert s.name == name
    assert s.description
    assert str(s).startswith(f"Scenario {name!r}")


def test_unknown_preset_lists_the_allowed_names() -> None:
    with pytest.raises(ScenarioError, match=r"unknown preset .nope.*atlantic-crash"):
        load_preset("nope")


def test_unknown_field_names_the_field_and_the_allowed_ones() -> None:
    with pytest.raises(ScenarioError, match=r"unknown scenario field .equity_shok.*equity_shock"):
        scenario_from_mapping({"name": "x", "equity_shok": 0.3})


def test_field_out_of_range_names_field_rule_and_value() -> None:
    with pytest.raises(ScenarioError, match=r"'lease_cut' must be between 0 and 1 .* got 1.5"):
        Scenario("x", lease_cut=1.5)


def test_integer_fields_reject_fractions_and_lists() -> None:
    with pytest.raises(ScenarioError, match="'quarters' must be a whole number from 1 to 80"):
        Scenario("x", quarters=2.5)  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match="one whole number"):
        scenario_from_mapping({"name": "x", "quarters": [4, 8]})


def test_shock_quarter_must_fall_inside_the_run() -> None:
    with pytest.raises(ScenarioError, match="'shock_quarter' must be below 'quarters'"):
        Scenario("x", quarters=4, shock_quarter=4)


def test_non_numbers_and_empty_lists_are_rejected() -> None:
    with pytest.raises(ScenarioError, match="must be a number or a list of numbers"):
        scenario_from_mapping({"name": "x", "equity_shock": "high"})
    with pytest.raises(ScenarioError, match="must not be an empty list"):
        Scenario("x", equity_shock=())
    with pytest.raises(ScenarioError, match="a scenario is a mapping"):
        scenario_from_mapping(["name"])  # type: ignore[arg-type]


def test_per_path_values_and_their_length() -> None:
    s = scenario_from_mapping({"name": "x", "equity_shock": [0.1, 0.2, 0.3]})
    assert s.path_lengths == {3}
    np.testing.assert_allclose(s.values("equity_shock", 3), [0.1, 0.2, 0.3])
    np.testing.assert_allclose(s.values("lease_cut", 3), [0.0, 0.0, 0.0])
    with pytest.raises(ScenarioError, match="has 3 per-path values, the run has n_paths=2"):
        s.values("equity_shock", 2)


def test_with_values_parses_cli_strings() -> None:
    s = Scenario("x").with_values({"equity_shock": "0.25", "quarters": "8",
                                   "spread_shock": "[0.01, 0.02]",
                                   "revenue_shocks": "{lab: 0.5}", "description": "d"})
    assert s.equity_shock == 0.25
    assert s.quarters == 8
    assert s.spread_shock == (0.01, 0.02)
    assert s.revenue_shocks == (("lab", 0.5),)
    with pytest.raises(ScenarioError, match="unknown field 'nope'"):
        Scenario("x").with_values({"nope": "1"})


def test_revenue_shocks_are_validated() -> None:
    with pytest.raises(ScenarioError, match="'revenue_shocks' of 'lab' must be between 0"):
        Scenario("x", revenue_shocks=(("lab", 2.0),))
    with pytest.raises(ScenarioError, match="must map entity ids to fractions"):
        scenario_from_mapping({"name": "x", "revenue_shocks": 3})
    assert Scenario("x", revenue_shocks=[["lab", 0.2]]).revenue_shocks == (  # type: ignore[arg-type]
        ("lab", 0.2),)


def test_every_rule_has_a_default_inside_its_range() -> None:
    s = Scenario("defaults")
    for name, rule in FIELD_RULES.items():
        value = getattr(s, name)
        assert rule.lo <= value <= rule.hi, name
