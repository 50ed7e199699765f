"""Summing contract arrays into entities: the fast kernel equals its sparse twin bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.stress.kernels.aggregate import sum_by, sum_by_reference

_values = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)


@settings(max_examples=120, deadline=None)
@given(st.integers(1, 5), st.integers(1, 12),
       st.lists(st.integers(-1, 6), min_size=1, max_size=40), st.data())
def test_sum_by_is_bit_identical_to_the_sparse_product(
    n_paths: int, n: int, index: list[int], data: st.DataObject,
) -> None:
    idx = np.minimum(np.array(index, dtype=np.int64), n - 1)
    x = np.array(data.draw(st.lists(_values, min_size=n_paths * idx.size,
                                    max_size=n_paths * idx.size))).reshape(n_paths, idx.size)
    fast, ref = sum_by(x, idx, n), sum_by_reference(x, idx, n)
    assert fast.shape == ref.shape == (n_paths, n)
    # same bits (not only close): the engine's goldens depend on it
    assert fast.tobytes(order="A") == ref.tobytes(order="A")
    # same memory layout, so later reductions along the entity axis add in the same order
    assert fast.flags.f_contiguous == ref.flags.f_contiguous
    assert fast.strides == ref.strides


def test_sum_by_adds_in_contract_order_and_drops_minus_one() -> None:
    # 1e16 + 1 + 1 loses both ones left to right; a pairwise sum would keep 2
    x = np.array([[1e16, 1.0, 5.0, 1.0]])
    got = sum_by(x, np.array([0, 0, -1, 0]), 2)
    assert got.tolist() == [[1e16, 0.0]]
    assert got[0, 0] == (1e16 + 1.0) + 1.0


def test_sum_by_takes_a_single_row_and_non_float_input() -> None:
    assert sum_by(np.array([True, True, False]), np.array([1, 1, 0]), 2).tolist() == [0.0, 2.0]
    strided = np.arange(12.0).reshape(3, 4)[:, ::2]
    assert sum_by(strided, np.array([0, 0]), 1).tolist() == [[2.0], [10.0], [18.0]]


def test_sum_by_names_a_shape_mismatch() -> None:
    with pytest.raises(ValueError, match="index has 2 contracts"):
        sum_by(np.zeros((2, 3)), np.array([0, 1]), 2)
