"""Tests of the synthetic web generator and the reduced-form Furfine cascade."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope._testing.synthetic import (
    FurfineModel,
    SyntheticSpec,
    synthetic_compiled,
    to_web,
)
from bubblescope.model.errors import ScenarioError
from bubblescope.model.kinds import HOLDER_SECTORS


def test_sizes_shapes_and_no_claims_on_oneself() -> None:
    w = synthetic_compiled(SyntheticSpec(500, 4000), np.random.default_rng(1))
    assert (w.n, w.m) == (500, 4000)
    assert w.holder.shape == w.obligor.shape == w.amount.shape == (4000,)
    assert np.all(w.holder != w.obligor)
    assert np.all(w.amount > 0)
    kinds = np.array(w.kinds)
    assert not np.any(kinds[w.obligor] == "household")
    assert np.all(w.book_equity > 0)
    assert np.all(w.total_assets >= w.book_equity)
    assert "synthetic-500x4000" in repr(w)


def test_degrees_are_heavy_tailed_and_the_mix_is_respected() -> None:
    w = synthetic_compiled(SyntheticSpec(5000, 50_000, exponent=2.2), np.random.default_rng(3))
    degree = np.bincount(w.holder, minlength=w.n) + np.bincount(w.obligor, minlength=w.n)
    assert degree.max() > 20 * np.median(degree)  # hubs, unlike an Erdos-Renyi graph
    share = np.mean(np.array(w.kinds) == "bank")
    assert share == pytest.approx(0.15, abs=0.02)


def test_same_seed_same_web() -> None:
    a = synthetic_compiled(SyntheticSpec(100, 500), np.random.default_rng(9))
    b = synthetic_compiled(SyntheticSpec(100, 500), np.random.default_rng(9))
    np.testing.assert_array_equal(a.amount, b.amount)
    assert a.kinds == b.kinds


def test_small_webs_become_validated_webs() -> None:
    w = synthetic_compiled(SyntheticSpec(30, 90), np.random.default_rng(4))
    web = to_web(w)
    assert len(web.entities) == 30
    assert len(web.contracts) == 90
    assert web.adjacency().sum() == pytest.approx(w.amount.sum(), rel=1e-8)
    big = synthetic_compiled(SyntheticSpec(6000, 10), np.random.default_rng(4))
    with pytest.raises(ScenarioError, match="must be <= 5000 to build a Web"):
        to_web(big)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_entities": 1}, "'n_entities' must be an integer >= 2"),
        ({"n_contracts": 0}, "'n_contracts' must be an integer >= 1"),
        ({"exponent": 1.5}, "'exponent' must be > 2"),
        ({"mean_amount": 0.0}, "'mean_amount' must be > 0"),
        ({"amount_sigma": -1.0}, "'amount_sigma' must be >= 0"),
        ({"sector_mix": (("bank", 1.0), ("unicorn", 1.0))}, "must name entity kinds"),
        ({"sector_mix": (("bank", -1.0),)}, "shares >= 0 with a positive sum"),
        ({"sector_mix": (("household", 1.0),)}, "can owe debt"),
    ],
)
def test_bad_specs(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"n_entities": 10, "n_contracts": 10} | kwargs
    with pytest.raises(ScenarioError, match=message):
        SyntheticSpec(**args)  # type: ignore[arg-type]


def test_furfine_model_basics() -> None:
    w = synthetic_compiled(SyntheticSpec(100, 600), np.random.default_rng(0))
    m = FurfineModel(w, quarters=6)
    assert m.entity_ids == w.ids
    assert m.sectors == HOLDER_SECTORS
    assert m.n_quarters == 6
    calm = m.evaluate({}, 3)
    assert np.all(calm.system_loss == 0)
    assert np.isnan(calm.default_quarter).all()
    shocked = m.evaluate({"ai_revenue_shock": np.array([0.3]), "equity_shock": np.array([0.5]),
                          "recovery_senior": np.array([0.2])}, 1)
    assert shocked.system_loss[0] > 0
    assert shocked.sector_loss.shape == (1, len(HOLDER_SECTORS))
    assert shocked.sector_loss.sum() <= shocked.system_loss[0] + 1e-9
    assert shocked.downgraded[0] > 0


@settings(max_examples=15, deadline=None)
@given(s1=st.floats(0, 0.5), extra=st.floats(0, 0.5), seed=st.integers(0, 100))
def test_losses_never_fall_when_the_shock_grows(s1: float, extra: float, seed: int) -> None:
    w = synthetic_compiled(SyntheticSpec(40, 200), np.random.default_rng(seed))
    out = FurfineModel(w, quarters=4).evaluate({"ai_revenue_shock": np.array([s1, s1 + extra])},
                                               2)
    assert out.system_loss[1] >= out.system_loss[0] - 1e-9
    defaulted = ~np.isnan(out.default_quarter)
    assert np.all(defaulted[1] >= defaulted[0])


def test_cascade_against_a_slow_loop_twin() -> None:
    w = synthetic_compiled(SyntheticSpec(30, 120), np.random.default_rng(7))
    s, r, quarters = 0.5, 0.3, 6
    fast = FurfineModel(w, quarters=quarters).evaluate(
        {"ai_revenue_shock": np.array([s]), "recovery_senior": np.array([r])}, 1)
    loss = [0.0] * w.n
    when: list[float] = [float("nan")] * w.n
    for q in range(quarters):
        for i in range(w.n):
            loss[i] += s * w.ai_share[i] * w.revenue[i] / 4
        changed = True
        while changed:
            changed = False
            for i in range(w.n):
                if np.isnan(when[i]) and w.book_equity[i] > 0 and loss[i] >= w.book_equity[i]:
                    when[i] = q
                    changed = True
                    for j in range(w.m):
                        if w.obligor[j] == i and w.holder[j] >= 0:
                            loss[w.holder[j]] += (1 - r) * w.amount[j]
    assert not np.isnan(when).all()
    np.testing.assert_array_equal(fast.default_quarter[0], np.array(when))
    booked = np.minimum(loss, w.book_equity)
    assert fast.system_loss[0] == pytest.approx(booked.sum(), rel=1e-9)
