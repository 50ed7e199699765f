"""GPU collateral: vintage values, the fire-sale fixed point, fast == reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ConvergenceError, ScenarioError
from bubblescope.stress.kernels.fire_sale import fire_sale, fire_sale_reference, sale_needed
from bubblescope.stress.kernels.gpu_value import gpu_value


def test_value_falls_with_age_and_generations() -> None:
    ages = np.arange(0, 25)
    v = gpu_value(1.0, ages)
    assert v[0] == 1.0
    assert np.all(np.diff(v) <= 0)
    # a new generation every 8 quarters is a visible step down
    assert v[8] < v[7] * 0.85
    # the economic value (4 y) is below the accounting value (6 y, no step-downs)
    book = gpu_value(1.0, ages, economic_life_years=6.0, generation_step=0.0)
    assert np.all(v[1:] < book[1:])
    assert gpu_value(np.array([10.0, 20.0]), 0).tolist() == [10.0, 20.0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"economic_life_years": 0.0}, "economic_life_years"),
        ({"generation_years": -1.0}, "generation_years"),
        ({"generation_step": 1.0}, "generation_step"),
        ({"residual": 1.5}, "residual"),
    ],
)
def test_value_rejects_bad_parameters(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        gpu_value(1.0, 4, **kwargs)
    with pytest.raises(ScenarioError, match="age_quarters"):
        gpu_value(1.0, -1)


def book(seed: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    rng = np.random.default_rng(seed)
    k, n_paths = int(rng.integers(1, 6)), 3
    units = rng.uniform(0, 100, (n_paths, k))
    ltv = rng.uniform(0.5, 0.9, k)
    debt = units * ltv * rng.uniform(0.6, 1.1, (n_paths, k))  # some start near the covenant
    price = rng.uniform(0.7, 1.0, n_paths)
    return units, debt, ltv, price


def test_no_breach_no_sale() -> None:
    units, debt, ltv, _ = book(0)
    r = fire_sale(units, debt * 0.1, ltv, np.ones(3), impact=1.0, market_depth=100.0)
    assert not r.sold.any()
    assert not r.breached.any()
    np.testing.assert_allclose(r.price, 1.0)
    assert r.iterations == 1
    assert "FireSaleResult" in str(r)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), impact=st.floats(0.0, 3.0),
       model=st.sampled_from(["exponential", "linear"]))
def test_fixed_point_and_reference(seed: int, impact: float, model: str) -> None:
    units, debt, ltv, price = book(seed)
    depth = 200.0
    r = fire_sale(units, debt, ltv, price, impact=impact, market_depth=depth,
                  impact_model=model)  # type: ignore[arg-type]
    ref = fire_sale_reference(units, debt, ltv, price, impact=impact, market_depth=depth,
                              impact_model=model)  # type: ignore[arg-type]
    np.testing.assert_allclose(r.price, ref.price, atol=1e-9)
    np.testing.assert_allclose(r.sold, ref.sold, atol=1e-7)
    # the fixed point: the price is what the total sold at that price implies
    total = sale_needed(units, debt, ltv, r.price).sum(axis=1)
    implied = (price * np.exp(-impact * total / depth) if model == "exponential"
               else price * np.maximum(0.0, 1 - impact * total / depth))
    np.testing.assert_allclose(r.price, implied, atol=1e-9)
    # sellers restore their covenant (or sell out); nobody sells more than pledged
    left, repaid = units - r.sold, debt - r.proceeds
    ok = (repaid <= ltv * left * r.price[:, None] + 1e-7) | (r.sold >= units - 1e-9)
    assert np.all(ok)
    assert np.all(r.sold <= units + 1e-12)
    assert np.all(r.breached == (r.sold > 0))


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cut=st.floats(0.3, 1.0))
def test_monotone_in_the_shock(seed: int, cut: float) -> None:
    units, debt, ltv, price = book(seed)
    mild = fire_sale(units, debt, ltv, price, impact=1.0, market_depth=150.0)
    severe = fire_sale(units, debt, ltv, price * cut, impact=1.0, market_depth=150.0)
    assert np.all(severe.price <= mild.price + 1e-9)
    assert np.all(severe.sold.sum(axis=1) >= mild.sold.sum(axis=1) - 1e-7)
    assert np.all(severe.breached >= mild.breached)


def test_the_spiral_takes_several_rounds() -> None:
    # Loan 0 breaches; its sales push the price down until loan 1 breaches too.
    units = np.array([[100.0, 100.0]])
    debt = np.array([[85.0, 78.0]])
    r = fire_sale(units, debt, np.array([0.8, 0.8]), np.array([1.0]), impact=1.0,
                  market_depth=400.0)
    assert r.breached.tolist() == [[True, True]]
    assert r.iterations > 3


def test_price_can_collapse_to_zero_with_linear_impact() -> None:
    r = fire_sale(np.array([[10.0]]), np.array([[9.0]]), np.array([0.5]), np.array([1.0]),
                  impact=1.0, market_depth=5.0, impact_model="linear")
    assert r.price[0] == 0.0
    assert r.sold[0, 0] == 10.0
    ref = fire_sale_reference(np.array([[10.0]]), np.array([[9.0]]), np.array([0.5]),
                              np.array([1.0]), impact=1.0, market_depth=5.0,
                              impact_model="linear")
    np.testing.assert_allclose(ref.sold, r.sold)


def test_errors() -> None:
    units, debt, ltv, price = book(2)
    with pytest.raises(ConvergenceError):
        fire_sale(units, debt * 1.5, ltv, price, impact=2.0, market_depth=50.0, max_iter=1)
    with pytest.raises(ScenarioError, match="ltv_max"):
        fire_sale(units, debt, ltv * 0 + 1.0, price, impact=1.0, market_depth=1.0)
    with pytest.raises(ScenarioError, match="market_depth"):
        fire_sale(units, debt, ltv, price, impact=1.0, market_depth=0.0)
    with pytest.raises(ScenarioError, match="n_paths"):
        fire_sale(units[0], debt, ltv, price, impact=1.0, market_depth=1.0)


def test_vintage_factor_is_the_gpu_value_law() -> None:
    from bubblescope.stress.kernels.gpu_value import vintage_factor

    ages = np.array([0.0, 3.0, 9.0, 14.0])
    later = ages + 5.0
    got = vintage_factor(ages, later, np.array(4.0), np.array(2.0), np.array(0.2))
    want = gpu_value(1.0, later) / gpu_value(1.0, ages)
    np.testing.assert_allclose(got, want)
    assert got[2] < got[0]  # an older fleet loses more of what it is worth now
    with pytest.raises(ScenarioError):
        vintage_factor(np.array(-1.0), np.array(0.0), np.array(4.0), np.array(2.0),
                       np.array(0.2))
    with pytest.raises(ScenarioError, match="vintage_factor: 'generation_step' must lie in"):
        vintage_factor(ages, later, np.array(4.0), np.array(2.0), np.array([0.2, 1.0]))


def test_engine_values_gpu_collateral_by_vintage() -> None:
    import bubblescope as bs
    from bubblescope.stress import compile_web
    from bubblescope.stress.channels.collateral import gpu_worth
    from bubblescope.stress.context import RunContext
    from bubblescope.stress.scenario import load_preset

    cw = compile_web(bs.load_default())
    ctx = RunContext.of(cw, load_preset("baseline"), 1)
    ix = ctx.index
    # the collateral is worth its vintage's remaining rentals (kernels/gpu_rental.gpu_value):
    # a loan on an older fleet has less life left, so less value per GPU, at any rental
    rental, one = np.full(1, 2.0), np.ones(1)
    worth = gpu_worth(ctx, rental, one, ix.gpu_age0[None, :])[0]
    later = gpu_worth(ctx, rental, one, ix.gpu_age0[None, :] + 4)[0]
    ids = [cw.contract_ids[k] for k in ix.gsub]
    old, new = ids.index("coreweave_ddtl1"), ids.index("coreweave_ddtl3")
    assert ix.gpu_age0[old] > ix.gpu_age0[new] > 0
    assert worth[old] < worth[new]
    assert (later < worth).all()
