"""The credit / debt-mark / equity ledger and its look-through through funds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.model.errors import ScenarioError
from bubblescope.stress.ledger import (
    CHANNEL_CLASS,
    CLASS_NAMES,
    LossClass,
    fund_share_matrix,
    look_through,
    look_through_reference,
)
from bubblescope.stress.result import CHANNELS


@st.composite
def _fund_web(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Random losses and an acyclic fund-ownership matrix (funds own only later entities)."""
    n = draw(st.integers(2, 7))
    shares = np.zeros((n, n))
    for f in range(n - 1):
        if draw(st.booleans()):
            raw = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n - f - 1,
                                         max_size=n - f - 1)))
            total = draw(st.floats(0.1, 1.0))
            if raw.sum() > 0:
                shares[f, f + 1:] = raw / raw.sum() * total
    losses = np.array(draw(st.lists(st.floats(-50.0, 500.0), min_size=2 * n * 3,
                                    max_size=2 * n * 3))).reshape(2, n, 3)
    return losses, shares


@settings(max_examples=60, deadline=None)
@given(_fund_web())
def test_look_through_matches_its_closed_form_and_keeps_the_total(case: tuple) -> None:
    losses, shares = case
    fast = look_through(losses, shares)
    np.testing.assert_allclose(fast, look_through_reference(losses, shares), atol=1e-8)
    np.testing.assert_allclose(fast.sum(axis=-2), losses.sum(axis=-2), atol=1e-8)
    # a fund wholly owned inside the web keeps nothing
    owned = np.abs(shares.sum(axis=1) - 1.0) < 1e-12
    assert np.allclose(fast[:, owned], 0.0, atol=1e-8)


def test_a_fund_of_funds_passes_its_loss_on_once() -> None:
    shares = np.zeros((3, 3))
    shares[0, 1] = 1.0  # fund 0 owned by fund 1
    shares[1, 2] = 0.5  # fund 1 half owned by pension 2, half outside
    out = look_through(np.array([[10.0], [4.0], [1.0]]), shares)
    assert out[:, 0].tolist() == [0.0, 7.0, 8.0]


def test_funds_owning_each_other_are_refused() -> None:
    shares = np.array([[0.0, 0.5], [0.5, 0.0]])
    with pytest.raises(ScenarioError, match="cycle"):
        look_through(np.zeros((2, 1)), shares)


def test_fund_share_matrix_never_gives_away_more_than_the_fund() -> None:
    s = fund_share_matrix(np.array([0, 0]), np.array([1, 2]), np.array([6.0, 6.0]),
                          np.array([True, True]), np.array([8.0, 0.0, 0.0]))
    assert s[0].sum() == pytest.approx(1.0)


def test_every_channel_has_a_class() -> None:
    assert set(CHANNELS) <= set(CHANNEL_CLASS)
    assert len(CLASS_NAMES) == len(LossClass)


