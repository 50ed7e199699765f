"""Tests of the ``uncertain:`` section: validation, laws and reproducible sampling."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from bubblescope.model.errors import ScenarioError
from bubblescope.stress.uncertainty.distributions import (
    Beta,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
    parse_distribution,
    parse_uncertainty,
)

SECTION: dict[str, Any] = {
    "revenue_shortfall": {"dist": "triangular", "low": 0.0, "mode": 0.2, "high": 0.6},
    "gpu_price_fall": {"dist": "beta", "a": 2, "b": 5},
    "spread": {"dist": "lognormal", "mu": -5.3, "sigma": 0.5, "field": "credit_spread"},
    "growth": {"dist": "normal", "mean": 0.3, "sd": 0.1},
    "recovery": {"dist": "uniform", "low": 0.2, "high": 0.6},
}


def test_parse_builds_every_law_in_file_order() -> None:
    u = parse_uncertainty(SECTION)
    assert u.names == ("revenue_shortfall", "gpu_price_fall", "spread", "growth", "recovery")
    assert [type(i.dist) for i in u.inputs] == [Triangular, Beta, LogNormal, Normal, Uniform]
    assert u.inputs[2].field == "credit_spread"
    assert u.dim == 5
    assert "spread -> credit_spread" in str(u)


def test_ppf_matches_scipy_quantiles() -> None:
    q = np.array([0.05, 0.5, 0.95])
    np.testing.assert_allclose(Normal(1.0, 2.0).ppf(q), stats.norm.ppf(q, 1.0, 2.0))
    np.testing.assert_allclose(LogNormal(0.1, 0.5).ppf(q), stats.lognorm.ppf(q, 0.5,
                                                                             scale=np.exp(0.1)))
    np.testing.assert_allclose(Triangular(0, 1, 4).ppf(q), stats.triang.ppf(q, 0.25, 0, 4))
    np.testing.assert_allclose(Beta(2, 3, 1, 3).ppf(q), 1 + 2 * stats.beta.ppf(q, 2, 3))
    np.testing.assert_allclose(Uniform(-1, 1).ppf(q), [-0.9, 0.0, 0.9])


def test_unbounded_laws_stay_finite_at_the_ends() -> None:
    ends = np.array([0.0, 1.0])
    assert np.all(np.isfinite(Normal(0, 1).ppf(ends)))
    assert np.all(np.isfinite(LogNormal(0, 1).ppf(ends)))


def test_sample_is_reproducible_and_has_the_right_moments() -> None:
    u = parse_uncertainty(SECTION)
    a = u.sample(20_000, np.random.default_rng(7))
    b = u.sample(20_000, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (20_000, 5)
    assert abs(a[:, 3].mean() - 0.3) < 0.005
    assert abs(a[:, 1].mean() - 2 / 7) < 0.005
    fields = u.as_fields(a)
    assert set(fields) == {"revenue_shortfall", "gpu_price_fall", "credit_spread", "growth",
                           "recovery"}
    assert fields["growth"].shape == (20_000,)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"dist": "normal", "mean": 0, "sd": 0}, "uncertain.x.sd must be > 0, got 0.0"),
        ({"dist": "normal", "mean": 0, "sd": -1}, "sd must be > 0"),
        ({"dist": "lognormal", "mu": 0, "sigma": -0.1}, "sigma must be > 0"),
        ({"dist": "uniform", "low": 2, "high": 1}, "high must be > low (2.0), got 1.0"),
        ({"dist": "triangular", "low": 0, "mode": 3, "high": 1}, "mode must lie in [low, high]"),
        ({"dist": "triangular", "low": 1, "mode": 1, "high": 1}, "high must be > low"),
        ({"dist": "beta", "a": 0, "b": 1}, "a must be > 0"),
        ({"dist": "beta", "a": 1, "b": -2}, "b must be > 0"),
        ({"dist": "beta", "a": 1, "b": 2, "low": 3, "high": 1}, "high must be > low"),
        ({"dist": "gamma", "k": 1}, "dist must be one of normal, lognormal"),
        ({"dist": "normal", "mean": 0}, "sd is required for normal"),
        ({"dist": "normal", "mean": "abc", "sd": 1}, "mean must be a finite number, got 'abc'"),
        ({"dist": "normal", "mean": float("nan"), "sd": 1}, "mean must be a finite number"),
        ({"dist": "normal", "mean": True, "sd": 1}, "mean must be a finite number, got True"),
        ({"dist": "normal", "mean": 0, "sd": 1, "scale": 2}, "scale is not a parameter of normal"),
        ({"dist": "normal", "mean": 0, "sd": 1, "field": ""}, "field must be a non-empty"),
        ("normal(0, 1)", "must be a mapping"),
    ],
)
def test_invalid_parameters_name_field_rule_and_value(spec: Any, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_uncertainty({"x": spec}, file="my.yaml")
    assert message in str(info.value)
    assert str(info.value).startswith("my.yaml: uncertain.x")


def test_empty_section_and_duplicate_fields_are_rejected() -> None:
    with pytest.raises(ScenarioError, match="non-empty mapping"):
        parse_uncertainty({})
    dup = {"a": {"dist": "uniform", "low": 0, "high": 1, "field": "f"},
           "b": {"dist": "uniform", "low": 0, "high": 1, "field": "f"}}
    with pytest.raises(ScenarioError, match="unique, got 'f' twice"):
        parse_uncertainty(dup)


def test_parse_distribution_direct() -> None:
    d = parse_distribution({"dist": "beta", "a": 2, "b": 2, "low": -1, "high": 1}, "w")
    assert d == Beta(2.0, 2.0, -1.0, 1.0)


@settings(max_examples=40, deadline=None)
@given(
    low=st.floats(-1e3, 1e3),
    width=st.floats(1e-3, 1e3),
    frac=st.floats(0, 1),
    u=st.lists(st.floats(0, 1), min_size=1, max_size=20),
)
def test_bounded_laws_stay_in_bounds_and_are_monotone(
    low: float, width: float, frac: float, u: list[float]
) -> None:
    q = np.sort(np.array(u))
    for dist in (Uniform(low, low + width), Triangular(low, low + frac * width, low + width),
                 Beta(2.0, 3.0, low, low + width)):
        x = dist.ppf(q)
        assert np.all(x >= low - 1e-9 * width)
        assert np.all(x <= low + width + 1e-9 * width)
        assert np.all(np.diff(x) >= -1e-9 * width)


def test_fields_are_checked_against_the_scenario_rules() -> None:
    from bubblescope.stress.uncertainty.distributions import check_fields

    check_fields(parse_uncertainty({"s": {"dist": "beta", "a": 2, "b": 5, "high": 0.9,
                                          "field": "ai_revenue_shock"}}))
    with pytest.raises(ScenarioError, match=r"must be a numeric scenario field that can vary by "
                                            r"path .*got 'moonshot'"):
        check_fields(parse_uncertainty({"m": {"dist": "uniform", "low": 0, "high": 1,
                                              "field": "moonshot"}}))
    for field in ("quarters", "fire_sale_impact"):
        with pytest.raises(ScenarioError, match="can vary by path"):
            check_fields(parse_uncertainty({"m": {"dist": "uniform", "low": 1, "high": 2,
                                                  "field": field}}))
    with pytest.raises(ScenarioError, match=r"within 'equity_shock''s range \[0, 0.99\]"):
        check_fields(parse_uncertainty({"e": {"dist": "normal", "mean": 0.3, "sd": 0.1,
                                              "field": "equity_shock"}}))


def test_scalar_only_fields_are_refused_per_path_by_the_engine() -> None:
    from bubblescope.stress.params import Params
    from bubblescope.stress.scenario import Scenario
    from bubblescope.stress.uncertainty.distributions import SCALAR_ONLY

    # The engine refuses per-path values of these fields; a Monte Carlo run must refuse them
    # at validation, not fail inside the engine.
    for name in SCALAR_ONLY:
        with pytest.raises(ScenarioError, match=name):
            Params.of(Scenario("s", **{name: (1.0, 1.0)}), 2)
