"""Valuation per firm: non-AI part on the market, AI part on an anchored AI index."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bubblescope.stress.kernels import firm_value as fv


def _idx(surprise: float, growth: float, shock: float = 0.0, spread: float = 0.0) -> float:
    one = np.ones(1)
    return float(fv.ai_index(one * surprise, one, one * growth, one * 0.5, one * spread,
                             one * shock, one, one)[0])


def test_ai_index_is_anchored_by_revenue_and_growth() -> None:
    # revenue 30% below what was priced and growth expected to stop: a dot-com-size fall,
    # not a fall to nothing (Nasdaq -78%, CALIBRATION.md)
    worst = _idx(0.7, -0.5)
    assert worst == pytest.approx(_idx(0.7, 0.0))  # growth priced in is floored at 0
    assert 0.05 < worst < 0.25
    assert _idx(0.7, 0.5) == pytest.approx(0.7)  # same growth: only the revenue level moves
    assert _idx(1.0, 0.5, spread=0.03) < 1.0  # a higher discount rate lowers the multiple


def test_hyperscaler_cannot_lose_95_percent_on_the_ai_index() -> None:
    # Microsoft's sourced AI share (0.27): even with the AI index at 0.045 (the old engine's
    # end) and the market down 30%, the firm keeps most of its value
    v = fv.firm_value(np.array([0.045]), np.array([0.7]), np.array([0.27, 1.0]),
                      np.array([1.0, 1.0]))
    assert v[0, 0] > 0.5
    assert v[0, 1] == pytest.approx(0.045)  # a pure play rides the index fully


@given(st.integers(1, 4), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_firm_value_matches_reference(n_paths: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, m = rng.uniform(0, 2, n_paths), rng.uniform(0, 2, n_paths)
    share, beta = rng.uniform(0, 1, n), rng.uniform(0.5, 1.5, n)
    np.testing.assert_allclose(fv.firm_value(a, m, share, beta),
                               fv.firm_value_reference(a, m, share, beta), rtol=1e-12)


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_value_lies_between_the_market_and_the_ai_index(a: float, m: float,
                                                        share: float) -> None:
    v = float(fv.firm_value(np.array([a]), np.array([m]), np.array([share]), np.ones(1))[0, 0])
    assert min(a, m) - 1e-12 <= v <= max(a, m) + 1e-12


def test_sentiment_fades_with_its_half_life() -> None:
    s = np.array([0.4])
    assert fv.sentiment(s, -1, np.array([4.0]))[0] == 0.0
    assert fv.sentiment(s, 0, np.array([4.0]))[0] == pytest.approx(0.4)
    assert fv.sentiment(s, 8, np.array([4.0]))[0] == pytest.approx(0.1)


def test_drawdowns_count_defaults_as_total_loss() -> None:
    val = np.array([[[1.1, 0.9], [0.55, 0.0], [0.8, 0.0]]])
    np.testing.assert_allclose(fv.drawdowns(val), [[0.5, 1.0]])
