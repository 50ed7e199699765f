"""Tests of the reverse stress test: bisection on batches, flags, and the path found."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest

from bubblescope._testing.synthetic import FurfineModel, SyntheticSpec, synthetic_compiled
from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.stress.uncertainty.montecarlo import PathOutcome
from bubblescope.stress.uncertainty.reverse import (
    DowngradesAbove,
    EntityDefaults,
    LossAbove,
    ShockDirection,
    level_cap,
    parse_outcome,
    reverse_stress,
)


class Threshold:
    """'b' defaults once the GPU shock passes 0.37; loss is a hump peaking at 0.5."""

    entity_ids = ("a", "b")
    sectors = ("bank",)
    n_quarters = 8
    n_noise = 0

    def __init__(self) -> None:
        self.batches: list[int] = []

    def evaluate(self, fields: Mapping[str, FloatArray], n_paths: int) -> PathOutcome:
        self.batches.append(n_paths)
        s = fields.get("gpu_price_shock", np.zeros(n_paths))
        q = np.stack([np.full(n_paths, np.nan), np.where(s > 0.37, 3.0, np.nan)], axis=1)
        loss = 100 * (1 - 4 * (s - 0.5) ** 2)
        spread = fields.get("spread_shock", np.zeros(n_paths))
        return PathOutcome.credit_only(loss, loss[:, None], q, 10_000 * spread)


def test_first_default_found_by_batched_bisection() -> None:
    m = Threshold()
    r = reverse_stress(m, "gpu_price_fall", EntityDefaults("b"), grid=11, tol=1e-6)
    assert r.status == "found"
    assert r.monotone
    assert r.shock == pytest.approx(0.37, abs=1e-6)
    assert r.bracket[1] - r.bracket[0] <= 1e-6
    assert r.fields == {"gpu_price_shock": pytest.approx(r.shock)}
    assert r.path is not None
    assert r.path.default_quarter[0, 1] == 3.0
    assert all(b == 11 for b in m.batches[:-1])
    assert m.batches[-1] == 1
    assert len(m.batches) <= 1 + 8  # log(0.099 / 1e-6) / log(10) ~ 5 refinements
    assert "default of b" in str(r)
    assert "gpu_price_shock" in str(r)


def test_downgrades_above_2008_along_spread_widening() -> None:
    r = reverse_stress(Threshold(), "spread_widening", DowngradesAbove(), tol=1e-8)
    assert r.shock == pytest.approx(0.19, abs=1e-7)  # 10,000 x 0.19 = 1,900
    assert "downgrades above $1,900bn" in str(r)


def test_never_reached_and_reached_at_zero() -> None:
    never = reverse_stress(Threshold(), "gpu_price_fall", EntityDefaults("a"))
    assert never.status == "never_reached"
    assert never.shock is None
    assert never.path is None
    assert "never reached" in str(never)
    zero = reverse_stress(Threshold(), "gpu_price_fall", LossAbove(-1.0))
    assert zero.status == "reached_at_zero"
    assert zero.shock == 0.0
    assert "without any shock" in str(zero)


def test_non_monotone_outcome_is_flagged() -> None:
    # Loss is a hump: above 90 only for shocks in (0.342, 0.658).
    r = reverse_stress(Threshold(), "gpu_price_fall", LossAbove(90.0), tol=1e-6)
    assert r.status == "found"
    assert not r.monotone
    assert r.shock == pytest.approx(0.5 - np.sqrt(0.1) / 2, abs=1e-6)
    assert "not monotone" in str(r)


def test_custom_direction_with_a_base() -> None:
    ray = ShockDirection("mixed", (("gpu_price_shock", 0.5), ("spread_shock", 0.1)), 1.0)
    r = reverse_stress(Threshold(), ray, EntityDefaults(), base={"gpu_price_shock": 0.1},
                       tol=1e-7)
    assert r.shock == pytest.approx((0.37 - 0.1) / 0.5, abs=1e-6)
    assert r.fields["spread_shock"] == pytest.approx(0.1 * r.shock)


def test_on_the_furfine_cascade_the_first_default_is_monotone() -> None:
    web = synthetic_compiled(SyntheticSpec(40, 160), np.random.default_rng(0))
    model = FurfineModel(web, quarters=4)
    r = reverse_stress(model, "ai_revenue_shortfall", EntityDefaults(), tol=1e-5)
    assert r.status == "found"
    assert r.monotone
    assert r.shock is not None
    below = model.evaluate({"ai_revenue_shock": np.array([r.bracket[0]])}, 1)
    assert np.isnan(below.default_quarter).all()
    assert r.path is not None
    assert (~np.isnan(r.path.default_quarter)).any()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"direction": "moon"}, "unknown direction 'moon' (allowed: ai_revenue_shortfall"),
        ({"grid": 2}, "grid >= 3"),
        ({"tol": 0.0}, "tol > 0"),
        ({"max_level": 2.0}, "max_level <= 0.99"),
        ({"outcome": EntityDefaults("zz")}, "must be an entity of the web, got 'zz'"),
    ],
)
def test_bad_reverse_arguments(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"direction": "gpu_price_fall", "outcome": EntityDefaults("b")}
    args |= kwargs
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(")):
        reverse_stress(Threshold(), **args)  # type: ignore[arg-type]


def test_level_cap_keeps_fields_in_range() -> None:
    assert level_cap("gpu_price_fall", {}) == 0.99
    assert level_cap("gpu_price_fall", {"gpu_price_shock": 0.5}) == pytest.approx(0.49)
    down = ShockDirection("down", (("rate_shock", -1.0), ("moonshot", 1.0)), 1.0)
    assert level_cap(down, {"rate_shock": 0.0}) == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("default", EntityDefaults()),
        ("default:openai", EntityDefaults("openai")),
        ("loss:5000", LossAbove(5000.0)),
        ("downgrades", DowngradesAbove(1900.0)),
        ("downgrades:2500", DowngradesAbove(2500.0)),
    ],
)
def test_parse_outcome(text: str, expected: object) -> None:
    assert parse_outcome(text) == expected


@pytest.mark.parametrize("text", ["loss", "loss:abc", "loss:inf", "crash", "downgrades:x"])
def test_parse_outcome_rejects_nonsense(text: str) -> None:
    with pytest.raises(ScenarioError, match="'outcome' must be default, default:ENTITY"):
        parse_outcome(text)
