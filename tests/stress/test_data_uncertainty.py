"""Uncertainty over the data: draws by confidence, reproducibility, sensitivity ranking."""

from __future__ import annotations

import numpy as np
import pytest

import bubblescope as bs
from bubblescope.model.web import Web
from bubblescope.stress.uncertainty.data_uncertainty import (
    CONFIDENCE_SIGMA,
    data_sensitivity,
    draw_web,
    lognormal_factor,
)


@pytest.fixture(scope="module")
def web() -> Web:
    return bs.load_default()


def _amounts(w: Web) -> np.ndarray:
    return np.array([c.amount for c in w.contracts])


def test_draws_are_reproducible_and_differ_by_seed(web: Web) -> None:
    a = _amounts(draw_web(web, np.random.default_rng(1)))
    b = _amounts(draw_web(web, np.random.default_rng(1)))
    c = _amounts(draw_web(web, np.random.default_rng(2)))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_spread_follows_confidence(web: Web) -> None:
    base = _amounts(web)
    conf = np.array([c.confidence for c in web.contracts])
    logs = np.log(np.stack([_amounts(draw_web(web, np.random.default_rng(s))) / base
                            for s in range(60)]))
    for level, sigma in CONFIDENCE_SIGMA.items():
        if (conf == level).sum() >= 3:
            assert logs[:, conf == level].std() == pytest.approx(sigma, rel=0.2)


def test_factors_have_mean_one() -> None:
    z = np.random.default_rng(0).standard_normal(200_000)
    assert lognormal_factor(z, np.full(z.size, 0.4)).mean() == pytest.approx(1.0, abs=0.01)


def test_only_filter_and_share_clip(web: Web) -> None:
    d = draw_web(web, np.random.default_rng(3), only=lambda ids: "asm_ai_value_share" in ids,
                 sigma={"high": 3.0, "medium": 3.0, "low": 3.0})
    np.testing.assert_array_equal(_amounts(d), _amounts(web))  # contracts untouched
    shares = [f.value for e in d.entities for f in e.figures if f.metric == "ai_value_share"]
    assert max(shares) <= 1.0
    assert shares != [f.value for e in web.entities for f in e.figures
                      if f.metric == "ai_value_share"]


def test_sensitivity_ranks_the_assumption_that_moves_the_loss(web: Web) -> None:
    def loss(w: Web) -> float:
        return float(sum(c.amount for c in w.contracts if "asm_ig_residual" in c.source_ids))

    res = data_sensitivity(web, loss, sources=["asm_ttm_2025", "asm_ig_residual"])
    assert res.rows[0][0] == "asm_ig_residual"
    assert res.rows[0][1] > 0 > res.rows[0][2]
    assert res.rows[1][1] == 0.0
