"""Margin-call sales move the prices of the shares sold (issue 11: they did not)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bubblescope as bs
from bubblescope.stress import StressResult, compile_web
from bubblescope.stress.engine import run
from bubblescope.stress.kernels import price_impact as pi

FIRMS = ("nvidia", "microsoft", "google", "amazon", "meta", "oracle", "amd", "broadcom")


def test_square_root_law_on_measured_depth() -> None:
    """USD 50bn of NVIDIA (32.5bn a day, 3.14% a day: figures.csv, measured over 2025) takes
    2/3 x 3.14% x sqrt(50 / 32.5) = 2.6% off; the same sold of Oracle (3.87bn, 3.72%) 8.9%;
    four times the sale doubles the impact."""
    out = pi.sale_impact(np.array([[50.0, 50.0, 200.0]]), np.array([[32.505, 3.870, 32.505]]),
                         np.array([0.0314, 0.0372, 0.0314]))
    np.testing.assert_allclose(out[0], [2 / 3 * 0.0314 * np.sqrt(50 / 32.505),
                                        2 / 3 * 0.0372 * np.sqrt(50 / 3.870),
                                        2 * 2 / 3 * 0.0314 * np.sqrt(50 / 32.505)])
    assert out[0, 0] == pytest.approx(0.026, abs=5e-4)
    assert out[0, 1] == pytest.approx(0.089, abs=5e-4)


def test_impact_fades_with_its_half_life() -> None:
    imp = np.array([[0.1]])
    for _ in range(int(pi.HALF_LIFE_QUARTERS)):
        imp = pi.carry(imp, np.zeros((1, 1)))
    assert imp[0, 0] == pytest.approx(0.05)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 500.0), min_size=3, max_size=3),
       st.lists(st.floats(0.0, 50.0), min_size=3, max_size=3),
       st.lists(st.floats(0.0, 0.9), min_size=3, max_size=3))
def test_fast_equals_reference(sold: list[float], volume: list[float],
                               previous: list[float]) -> None:
    s, v, p = np.array([sold]), np.array([volume]), np.array([previous])
    vol = np.array([0.01, 0.03, 0.06])
    new = pi.sale_impact(s, v, vol)
    np.testing.assert_allclose(new, pi.sale_impact_reference(s, v, vol))
    np.testing.assert_allclose(pi.carry(p, new), pi.carry_reference(p, new))
    assert (new >= 0).all()
    assert (new <= pi.MAX_IMPACT).all()


@pytest.fixture(scope="module")
def crash_runs() -> tuple[StressResult, StressResult]:
    web = compile_web(bs.load_default())
    with_impact = run(web, "atlantic-crash")
    mp = pytest.MonkeyPatch()
    mp.setattr(pi, "Y", 0.0)  # no impact
    try:
        without = run(web, "atlantic-crash")
    finally:
        mp.undo()
    return with_impact, without


def test_margin_sales_lower_the_sold_names_a_little(
        crash_runs: tuple[StressResult, StressResult]) -> None:
    """atlantic-crash: hedge funds sell on margin calls in 2026Q3; from the next quarter every
    firm whose shares they held is worth less than without the impact, by at most 5% for the
    megacaps (each trades USD 4-33bn a day)."""
    with_impact, without = crash_runs
    hf = with_impact.entity_ids.index("hedge_funds")
    t = int(np.flatnonzero(with_impact.margin_sales[0, :, hf] > 1.0)[0])
    for firm in FIRMS:
        i = with_impact.entity_ids.index(firm)
        ratio = with_impact.valuation[0, t + 1, i] / without.valuation[0, t + 1, i]
        assert 0.95 < ratio < 0.999, (firm, ratio)
    # before the first sale nothing differs
    np.testing.assert_array_equal(with_impact.valuation[0, : t + 1],
                                  without.valuation[0, : t + 1])


def test_the_impact_deepens_the_spiral(crash_runs: tuple[StressResult, StressResult]) -> None:
    """Lower prices mark the funds' remaining stakes down, so they sell more."""
    with_impact, without = crash_runs
    hf = with_impact.entity_ids.index("hedge_funds")
    assert with_impact.margin_sales[0, :, hf].sum() > without.margin_sales[0, :, hf].sum()


def test_no_sales_no_impact() -> None:
    web = compile_web(bs.load_default())
    base = run(web, "baseline")
    hf = base.entity_ids.index("hedge_funds")
    assert base.margin_sales[0, :, hf].sum() == 0.0
