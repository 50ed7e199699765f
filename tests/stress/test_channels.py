"""Channel modules of the engine: funding, leases and tranches, holders, macro."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from bubblescope.stress import compile as stress_compile
from bubblescope.stress import result
from bubblescope.stress.channels import funding, holders, macro, valuation
from bubblescope.stress.kernels import cuts, merton, waterfall
from bubblescope.stress.kernels.waterfall import waterfall_reference

# ------------------------------------------------------------------ funding


def test_valuation_is_one_without_surprise_and_falls_with_each_shock() -> None:
    one, zero = np.ones(3), np.zeros(3)
    base = valuation.valuation(one, one, zero, zero, one, one, one)
    np.testing.assert_allclose(base, 1.0)
    worse = valuation.valuation(np.array([0.5, 1, 1]), np.array([1, 0.5, 1]),
                              np.array([0, 0, 0.1]), zero, one, one, one)
    assert (worse < 1).all()
    np.testing.assert_allclose(valuation.valuation(one, one, zero, np.full(3, .4), one, one, one),
                               0.6)


def test_rollover_share_falls_with_valuation_and_spreads() -> None:
    v = np.array([[1.0, 0.5, 2.0]])
    out = funding.rollover_share(v, np.array([0.0]), np.array([0.9]), np.array([1.0]),
                                 np.array([10.0]))
    np.testing.assert_allclose(out, [[0.9, 0.45, 0.9]])
    wide = funding.rollover_share(v, np.array([0.05]), np.array([0.9]), np.array([1.0]),
                                  np.array([10.0]))
    np.testing.assert_allclose(wide, out * np.exp(-0.5))


def test_merton_probability_matches_the_formula() -> None:
    e, d, s = np.array([[3.0, 1.0, 5.0]]), np.array([[1.0, 4.0, 0.0]]), np.array([0.4])
    pd = merton.default_probability(e, d, s, horizon=2.0)
    expected = norm.cdf(-np.log((e + d)[0, :2] / d[0, :2]) / (0.4 * np.sqrt(2.0)))
    np.testing.assert_allclose(pd[0, :2], expected)
    assert pd[0, 2] == 0.0


def test_equity_capacity_only_for_listed_firms() -> None:
    out = funding.equity_capacity(np.array([100.0, 100.0]), np.array([[0.5, 1.0]]),
                                  np.array([0.1]), np.array([True, False]))
    np.testing.assert_allclose(out, [[5.0, 0.0]])


# ------------------------------------------------------------------ leases and tranches


def test_cut_factor_renegotiates_the_shortfall_and_tears_up_on_distress() -> None:
    f = cuts.cut_factor(np.array([[10.0, 0.0, 50.0]]), np.array([[20.0, 20.0, 20.0]]),
                          np.array([1.0]), np.array([[False, True, False]]), np.array([0.5]))
    np.testing.assert_allclose(f, [[0.5, 0.5, 0.0]])
    none = cuts.cut_factor(np.array([[5.0]]), np.array([[0.0]]), np.array([1.0]),
                             np.array([[False]]), np.array([0.5]))
    np.testing.assert_allclose(none, [[1.0]])


def test_guarantee_pays_the_lost_income_up_to_what_is_left() -> None:
    due = cuts.guarantee_due(np.array([[5.0, 5.0]]), np.array([[8.0, 0.0]]),
                               np.array([0, 0]), np.array([0.5, 0.5]))
    np.testing.assert_allclose(due, [[4.0, 4.0]])


def _book() -> waterfall.SpvBook:
    obligor = np.array([0, 0, 0, 1, 1, 2])
    amount = np.array([60.0, 25.0, 15.0, 10.0, 5.0, 7.0])
    rank = np.array([1, 2, 3, 1, 2, 1])
    tranche = np.array([0, 1, 2, -1, -1, -1])
    debt = np.array([True, True, True, True, True, False])
    return waterfall.spv_book(obligor, amount, rank, tranche, debt, np.array([True, True, False]))


def test_spv_book_groups_debt_by_tranche() -> None:
    b = _book()
    np.testing.assert_allclose(b.par, [[60, 25, 15], [10, 5, 0]])
    assert b.contract_spv.tolist() == [0, 0, 0, 1, 1, -1]
    assert b.contract_tranche.tolist() == [0, 1, 2, 0, 1, -1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 150), min_size=2, max_size=2), st.integers(1, 4))
def test_tranche_expected_loss_matches_the_reference_waterfall(x: list[float],
                                                               paths: int) -> None:
    b = _book()
    coll = np.tile(np.array([[x[0], x[1], 0.0]]), (paths, 1))
    loss, el = waterfall.tranche_expected_loss(b, coll)
    for s in range(2):  # the slow twin: one SPV at a time, tranche by tranche
        ref = waterfall_reference(coll[:, s], b.par[s])
        np.testing.assert_allclose(loss[:, s, :], ref.loss, atol=1e-9)
    assert ((el >= 0) & (el <= 1)).all()
    # losses fall on the junior tranche first
    assert (loss[:, 0, 2] + 1e-12 >= np.minimum(loss[:, 0, 1], 15.0) * (loss[:, 0, 1] > 0)).all()


def test_tranche_expected_loss_without_spvs() -> None:
    b = waterfall.spv_book(np.array([0]), np.array([1.0]), np.array([1]), np.array([-1]),
                        np.array([True]), np.array([False]))
    loss, el = waterfall.tranche_expected_loss(b, np.zeros((2, 1)))
    assert loss.shape == (2, 0, 3)
    assert el.shape == (2, 1)


# ------------------------------------------------------------------ holders


def test_recovery_by_rank_and_value_index() -> None:
    r = holders.recovery_rate(np.array([3, 0]), np.array([.6, .7]), np.array([.4, .4]),
                              np.array([.2, .2]))
    np.testing.assert_allclose(r, [[0.0, 0.6], [0.0, 0.7]])
    v = holders.value_index(np.array([[1.0, 1.0]]), np.array([0.0, 4.0]))
    np.testing.assert_allclose(v, [[1.0, 0.75]])


def test_only_rating_constrained_holders_are_forced_sellers() -> None:
    # the forced-sale loss itself is kernels.debt_el.junk (twin-tested in test_fused_paper)
    assert "life_insurer" in stress_compile.RATING_CONSTRAINED
    assert len(result.CHANNELS) == len(result.LossChannel) == 10


# ------------------------------------------------------------------ macro


def test_output_gap_growth_and_jobs() -> None:
    gap = macro.output_gap(np.array([400.0]), np.array([500.0]), np.array([-1000.0]),
                           np.array([30000.0]), np.ones(1), np.array([0.03]))
    assert gap[0] == pytest.approx(-(100 + 30) / 30000)
    jobs = macro.okun_jobs(gap, np.array([0.5]), np.array([170.0]))
    assert jobs[0] == pytest.approx(0.5 * gap[0] * 170)
    growth = macro.yoy_growth(np.full((1, 6), -0.01), np.array([0.02]))
    np.testing.assert_allclose(growth, [[0.01] * 4 + [0.02] * 2])
    assert macro.displaced_jobs(np.array([50.0]), np.array([60.0]), np.ones(1),
                                np.ones(1))[0] == 0.0
    assert result.JOBS_2008_MILLIONS == 27.0
    assert result.DOWNGRADED_2008_USD_BN == 1900.0
