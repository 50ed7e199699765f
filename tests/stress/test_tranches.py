"""Tranche waterfalls: priority, conservation, fast == reference, the SPV axis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.model.errors import ScenarioError
from bubblescope.stress.kernels.waterfall import waterfall, waterfall_many, waterfall_reference

PAR = np.array([60.0, 25.0, 15.0])  # senior, mezzanine, equity


def test_senior_is_paid_first_and_equity_loses_first() -> None:
    r = waterfall(np.array([100.0, 80.0, 50.0, 0.0]), PAR)
    np.testing.assert_allclose(r.paid, [[60, 25, 15], [60, 20, 0], [50, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(r.loss, [[0, 0, 0], [0, 5, 15], [10, 25, 15], [60, 25, 15]])
    np.testing.assert_allclose(r.loss_rate[2], [10 / 60, 1.0, 1.0])


def test_coupons_before_principal_and_excess_to_equity() -> None:
    r = waterfall(np.array([10.0, 120.0]), PAR, np.array([4.0, 3.0, 2.0]))
    # 10 pays the coupons 4 + 3 + 2 and 1 of senior principal
    np.testing.assert_allclose(r.paid[0], [5.0, 3.0, 2.0])
    # 120 covers all 109 due; the 11 left over goes to equity
    np.testing.assert_allclose(r.paid[1], [64.0, 28.0, 28.0])
    np.testing.assert_allclose(r.loss[1], 0.0)
    assert "mean loss by tranche" in str(r)


@settings(max_examples=80, deadline=None)
@given(
    cash=st.lists(st.floats(0, 200), min_size=1, max_size=5),
    par=st.lists(st.floats(0, 80), min_size=1, max_size=4),
    with_coupons=st.booleans(),
)
def test_invariants_and_reference(cash: list[float], par: list[float], with_coupons: bool
                                  ) -> None:
    x, p = np.array(cash), np.array(par)
    c = p * 0.05 if with_coupons else None
    r, ref = waterfall(x, p, c), waterfall_reference(x, p, c)
    np.testing.assert_allclose(r.paid, ref.paid, atol=1e-9)
    np.testing.assert_allclose(r.loss, ref.loss, atol=1e-9)
    np.testing.assert_allclose(r.paid.sum(axis=1), x, rtol=1e-12, atol=1e-9)  # conservation
    assert np.all(r.loss >= 0)
    # principal only: a tranche loses only once every junior one is wiped out (with coupons
    # paid first, a junior coupon can be paid while senior principal is short)
    if c is None:
        for row in r.loss:
            hit = np.flatnonzero(row > 1e-9)
            if hit.size:
                np.testing.assert_allclose(row[hit[0] + 1 :], p[hit[0] + 1 :], atol=1e-9)
    more = waterfall(x * 1.5, p, c)
    assert np.all(more.loss <= r.loss + 1e-9)


def test_many_spvs_equal_one_at_a_time() -> None:
    rng = np.random.default_rng(0)
    par = np.array([[60.0, 25.0, 15.0], [80.0, 0.0, 20.0]])
    coupons = par * 0.02
    cash = rng.uniform(0, 120, (5, 2))
    r = waterfall_many(cash, par, coupons)
    assert r.paid.shape == (5, 2, 3)
    for s in range(2):
        one = waterfall(cash[:, s], par[s], coupons[s])
        np.testing.assert_allclose(r.paid[:, s], one.paid)
        np.testing.assert_allclose(r.loss[:, s], one.loss)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: waterfall(np.ones((2, 2)), PAR), "collections"),
        (lambda: waterfall(np.array([-1.0]), PAR), "collections"),
        (lambda: waterfall(np.array([1.0]), np.array([])), "at least one"),
        (lambda: waterfall_many(np.ones((2, 3)), np.ones((2, 2))), "n_spv"),
        (lambda: waterfall(np.array([1.0]), PAR, np.array([1.0, -1.0, 0.0])), "coupon_due"),
    ],
)
def test_bad_input(call: object, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        call()  # type: ignore[operator]
