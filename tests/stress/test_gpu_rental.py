"""GPU value from rentals: calibration to the H100 history, reference twins, invariants.

Calibration figures: ../shared/CALIBRATION.md (H100 rental $8 peak 2023, $1.70 Oct 2025,
$2.35 Mar 2026; break-even $1.65; new card $25k-$40k).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bubblescope.data import data_path
from bubblescope.model.errors import ScenarioError
from bubblescope.stress.kernels import gpu_rental as gr


def _value(p: float, age: float = 0.0, decline: float = 1.0, trend: float | None = None) -> float:
    return float(gr.gpu_value(np.array([p]), np.array([p if trend is None else trend]),
                              np.array([age]), life_quarters=20, decline=decline)[0, 0])


def test_break_even_rental_recoups_a_new_card() -> None:
    # at a constant $1.65/h a new H100 is worth its cost: inside the $25k-$40k price range
    v = _value(1.65)
    assert 25_000 <= v <= 40_000
    assert v == pytest.approx(gr.CARD_COST_USD, rel=0.1)


def test_cash_cost_is_the_one_the_break_even_implies() -> None:
    # solve (1.65 u - c) * H * annuity + salvage = cost for c; the constant must be it
    q = (1 + gr.DISCOUNT_RATE) ** -0.25
    annuity = sum(q**h for h in range(1, 21))
    salvage = gr.SALVAGE_SHARE * gr.CARD_COST_USD * q**20
    c = 1.65 * gr.UTILISATION - (gr.CARD_COST_USD - salvage) / (gr.HOURS_PER_QUARTER * annuity)
    assert abs(gr.CASH_COST_USD_H - c) < 0.03


def test_value_moves_with_rentals_and_has_a_salvage_floor() -> None:
    peak, low, rebound = _value(8.0), _value(1.70), _value(2.35)
    assert peak > 40_000  # the 2023 scarcity rental paid more than a new card cost
    assert peak > rebound > low > 25_000
    floor = gr.SALVAGE_SHARE * gr.CARD_COST_USD * (1 + gr.DISCOUNT_RATE) ** -5
    assert _value(0.0) == pytest.approx(floor)  # below cash cost only salvage is left
    assert _value(2.0, age=12) < _value(2.0, age=4) < _value(2.0)  # older: less life left


def test_elasticity_reproduces_the_2023_2025_fall() -> None:
    """$8 -> $1.70 (-79%) while installed supply (NVIDIA data-centre revenue since the H100
    launch, measured) outgrew demand (seed 003: AI revenue x9 in two years)."""
    dc = pd.read_csv(data_path("history", "nvidia_datacenter_revenue.csv")).set_index("quarter")
    cum = dc["usd_bn"].loc["2022Q3":].cumsum()
    supply = cum["2025Q3"] / cum["2023Q2"]  # installed base, peak -> low
    demand = 9.0 ** (9 / 8)  # x9 in 8 quarters, over the 9 quarters of the fall
    trend = (1 - 0.15) ** (9 / 4)  # the H100's own step-downs as Blackwell ships (default)
    low = gr.implied_elasticity(1.70 / 8.0 / trend, demand, supply)
    high = gr.implied_elasticity(1.70 / 8.0 / trend, demand, supply * 1.5)  # Blackwell per $
    assert low < gr.ELASTICITY < high
    # and the kernel, fed that path, lands near $1.70
    q = 9
    dem = np.exp(np.linspace(0, np.log(demand), q + 1)[1:])[None, :]
    sup = np.exp(np.linspace(0, np.log(supply * 1.25), q + 1)[1:])[None, :]
    tr = (1 - 0.15) ** (np.arange(1, q + 1) / 4)
    path = gr.rental_path(dem, sup, tr, start=8.0, elasticity=gr.ELASTICITY, adjust=1.0,
                          floor=gr.CASH_COST_USD_H)
    assert 1.2 < path[0, -1] < 2.4


@given(st.integers(1, 4), st.integers(1, 12), st.floats(0.05, 2.0), st.floats(0.1, 1.0),
       st.integers(0, 2**32 - 1))
def test_rental_path_matches_reference(n: int, q: int, el: float, adj: float,
                                       seed: int) -> None:
    rng = np.random.default_rng(seed)
    dem, sup = rng.uniform(0.3, 2, (n, q)), rng.uniform(0.5, 2, (n, q))
    tr = rng.uniform(0.5, 1, q)
    kw = {"start": 2.0, "elasticity": el, "adjust": adj, "floor": 0.4}
    fast, slow = gr.rental_path(dem, sup, tr, **kw), gr.rental_path_reference(dem, sup, tr, **kw)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-12)
    assert (fast >= 0.4 - 1e-12).all()


@given(st.integers(1, 4), st.integers(1, 5), st.floats(4, 28), st.floats(0.8, 1.0),
       st.integers(0, 2**32 - 1))
def test_gpu_value_matches_reference(n: int, k: int, life: float, decline: float,
                                     seed: int) -> None:
    rng = np.random.default_rng(seed)
    p, tr, age = rng.uniform(0, 9, n), rng.uniform(0.5, 3, n), rng.uniform(0, 30, k)
    kw = {"life_quarters": life, "decline": decline}
    np.testing.assert_allclose(gr.gpu_value(p, tr, age, **kw),
                               gr.gpu_value_reference(p, tr, age, **kw), rtol=1e-9)


@given(st.floats(0.0, 9.0), st.floats(0.0, 9.0))
def test_value_never_falls_when_the_rental_rises(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert _value(hi, trend=2.0) >= _value(lo, trend=2.0) - 1e-6


def test_bad_parameters_are_refused() -> None:
    one = np.ones((1, 2))
    with pytest.raises(ScenarioError, match="elasticity > 0"):
        gr.rental_path(one, one, np.ones(2), start=2.0, elasticity=0.0, adjust=1.0, floor=0.0)
    with pytest.raises(ScenarioError, match="must be > 0"):
        gr.rental_path(0 * one, one, np.ones(2), start=2.0, elasticity=1.0, adjust=1.0,
                       floor=0.0)
    with pytest.raises(ScenarioError, match="decline"):
        gr.gpu_value(np.ones(1), np.ones(1), np.zeros(1), life_quarters=20, decline=0.0)
    with pytest.raises(ScenarioError, match="price must move"):
        gr.implied_elasticity(1.0, 2.0, 1.0)
