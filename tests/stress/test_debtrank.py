"""DebtRank: dense == sparse == reference on random networks, and its invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.stress.kernels.debtrank import debtrank, debtrank_reference


def random_case(seed: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 8))
    assets = rng.uniform(0, 5, (n, n)) * (rng.random((n, n)) < 0.5)
    np.fill_diagonal(assets, 0.0)
    capital = rng.uniform(0.5, 6.0, n)
    value = rng.uniform(0.1, 10.0, n)
    h0 = rng.uniform(0, 1, (3, n)) * (rng.random((3, n)) < 0.4)
    return assets, capital, value, h0


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_dense_sparse_and_reference_agree(seed: int) -> None:
    a, cap, val, h0 = random_case(seed)
    dense = debtrank(a, cap, val, h0)
    sp = debtrank(sparse.csr_array(a), cap, val, h0)
    ref = debtrank_reference(a, cap, val, h0)
    np.testing.assert_allclose(dense.h, ref.h, atol=1e-12)
    np.testing.assert_allclose(sp.h, ref.h, atol=1e-12)
    assert dense.steps == ref.steps == sp.steps


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.0, 1.0))
def test_invariants(seed: int, scale: float) -> None:
    a, cap, val, h0 = random_case(seed)
    r = debtrank(a, cap, val, h0)
    assert np.all((r.h >= r.h0) & (r.h <= 1.0))
    assert np.all(r.additional_stress >= -1e-15)
    np.testing.assert_allclose(r.total_stress - r.additional_stress, r.h0 @ r.value)
    smaller = debtrank(a, cap, val, h0 * scale)
    assert np.all(smaller.h <= r.h + 1e-12)  # less shock, less distress
    perm = np.random.default_rng(seed % 1000).permutation(cap.size)
    inv = np.argsort(perm)
    moved = debtrank(a[np.ix_(perm, perm)], cap[perm], val[perm], h0[:, perm])
    np.testing.assert_allclose(moved.h[:, inv], r.h, atol=1e-12)


def test_zero_shock_spreads_nothing() -> None:
    a, cap, val, _ = random_case(1)
    r = debtrank(a, cap, val, np.zeros((2, cap.size)))
    assert r.steps == 0
    assert not r.h.any()
    assert "2 path(s)" in str(r)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.ones((2, 3)), np.ones(2), np.ones(2), np.zeros((1, 2))), "assets"),
        ((np.ones((2, 2)), np.array([1.0, 0.0]), np.ones(2), np.zeros((1, 2))), "capital"),
        ((np.ones((2, 2)), np.ones(2), np.zeros(2), np.zeros((1, 2))), "value"),
        ((np.ones((2, 2)), np.ones(2), np.ones(2), np.full((1, 2), 2.0)), "h0"),
        ((-np.ones((2, 2)), np.ones(2), np.ones(2), np.zeros((1, 2))), "assets"),
        ((sparse.csr_array(-np.ones((2, 2))), np.ones(2), np.ones(2), np.zeros((1, 2))),
         "assets"),
    ],
)
def test_bad_input(args: tuple[FloatArray, ...], match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        debtrank(*args)
