"""Tests of Sobol indices (Ishigami reference values) and the tornado chart."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.stress.uncertainty.distributions import parse_uncertainty
from bubblescope.stress.uncertainty.montecarlo import PathOutcome
from bubblescope.stress.uncertainty.sensitivity import (
    OUTPUTS,
    ishigami,
    sobol,
    sobol_indices,
    tornado,
)

# Analytic Sobol indices of the Ishigami function with a = 7, b = 0.1.
# Source: Ishigami & Homma (1990); closed forms as in Sobol' & Levitan (1999) and
# Saltelli et al. (2008), *Global Sensitivity Analysis: The Primer*, section 4.9:
# V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2, V1 = b pi^4/5 + b^2 pi^8/50 + 1/2, V2 = a^2/8,
# VT3 = 8 b^2 pi^8 / 225, V3 = 0.
A, B = 7.0, 0.1
V = A**2 / 8 + B * np.pi**4 / 5 + B**2 * np.pi**8 / 18 + 0.5
V1 = B * np.pi**4 / 5 + B**2 * np.pi**8 / 50 + 0.5
V2 = A**2 / 8
VT3 = 8 * B**2 * np.pi**8 / 225
FIRST = np.array([V1 / V, V2 / V, 0.0])
TOTAL = np.array([(V1 + VT3) / V, V2 / V, VT3 / V])


def test_analytic_ishigami_values_match_the_literature() -> None:
    # The Primer's table: S1 = 0.314, S2 = 0.442, ST1 = 0.558, ST3 = 0.244.
    np.testing.assert_allclose(FIRST, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(TOTAL, [0.5576, 0.4424, 0.2437], atol=1e-4)


def test_sobol_recovers_the_ishigami_indices() -> None:
    calls: list[int] = []

    def f(u: FloatArray) -> FloatArray:
        calls.append(u.shape[0])
        return ishigami(-np.pi + 2 * np.pi * u)

    r = sobol_indices(f, 3, 2**13, np.random.default_rng(2024), names=("x1", "x2", "x3"))
    assert calls == [2**13 * 5]  # one batch
    np.testing.assert_allclose(r.first, FIRST, atol=0.04)
    np.testing.assert_allclose(r.total, TOTAL, atol=0.04)
    assert np.all(r.first_se < 0.03)
    assert np.all(r.total_se < 0.03)
    assert r.variance == pytest.approx(V, rel=0.05)
    assert r.n_evaluations == 2**13 * 5
    assert list(r.frame().index) == ["x1", "x2", "x3"]
    assert str(r).splitlines()[2].strip().startswith("x1")  # largest total first


def test_sobol_of_a_constant_is_zero() -> None:
    r = sobol_indices(lambda u: np.ones(u.shape[0]), 2, 64, np.random.default_rng(0), n_boot=5)
    assert r.variance == 0.0
    assert np.all(r.first == 0)
    assert np.all(r.total == 0)
    with pytest.raises(ScenarioError, match="dim >= 1 and n >= 2"):
        sobol_indices(lambda u: u[:, 0], 0, 64, np.random.default_rng(0))


class Additive:
    """System loss = 3 a + b over declared inputs a, b; downgrades = 1000 a."""

    entity_ids = ("x",)
    sectors = ("bank",)
    n_quarters = 1
    n_noise = 0

    def evaluate(self, fields: Mapping[str, FloatArray], n_paths: int) -> PathOutcome:
        a, b = fields["a"], fields["b"]
        return PathOutcome.credit_only(3 * a + b, np.zeros((n_paths, 1)),
                                       np.full((n_paths, 1), np.nan), 1000 * a)


UNC = parse_uncertainty({"a": {"dist": "uniform", "low": 0, "high": 1},
                         "b": {"dist": "normal", "mean": 0, "sd": 0.2887}})


def test_sobol_over_declared_distributions() -> None:
    # Var(3a) = 9/12 = 0.75, Var(b) = 0.2887^2 ~ 0.0833: S_a = 0.9, S_b = 0.1 (additive).
    r = sobol(Additive(), UNC, 4096, np.random.default_rng(1))
    np.testing.assert_allclose(r.first, [0.9, 0.1], atol=0.03)
    np.testing.assert_allclose(r.total, [0.9, 0.1], atol=0.03)
    assert r.names == ("a", "b")
    d = sobol(Additive(), UNC, 4096, np.random.default_rng(1), output="downgraded")
    np.testing.assert_allclose(d.total, [1.0, 0.0], atol=0.02)
    chunked = sobol(Additive(), UNC, 4096, np.random.default_rng(1), chunk_size=1000)
    np.testing.assert_allclose(chunked.first, r.first, rtol=1e-12)


def test_tornado_orders_by_swing() -> None:
    t = tornado(Additive(), UNC)
    assert [b.name for b in t.bars] == ["a", "b"]
    assert t.base == pytest.approx(1.5)
    a = t.bars[0]
    assert (a.low_input, a.high_input) == pytest.approx((0.05, 0.95))
    assert a.swing == pytest.approx(3 * 0.9)
    assert t.bars[1].swing == pytest.approx(2 * 1.6449 * 0.2887, rel=1e-3)
    assert "swing" in str(t)
    assert list(t.frame()["name"]) == ["a", "b"]


def test_bad_sensitivity_arguments() -> None:
    with pytest.raises(ScenarioError, match="'output' must be one of"):
        tornado(Additive(), UNC, output="gdp")  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match="0 <= low < high <= 1"):
        tornado(Additive(), UNC, low=0.9, high=0.1)


def test_the_default_output_is_credit_and_marks_not_equity() -> None:
    classes = np.array([[1.0, 2.0, 100.0], [3.0, 0.5, 7.0]])
    out = PathOutcome(classes.sum(axis=1), np.zeros((2, 1)), np.full((2, 1), np.nan),
                      np.zeros(2), classes)
    assert out.credit_and_marks.tolist() == [3.0, 3.5]
    assert OUTPUTS[0] == "credit_and_marks"
