"""Kernels of the settlement, pool, collateral and lease channels equal their numpy twins.

Bit for bit, as in ``test_fused.py``: the goldens depend on every bit, so the tests compare
bytes (signed zeros included).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.stress.kernels.row_sums import row_sums, row_sums_reference, scattered_row_sums

_finite = st.floats(-1e12, 1e12, allow_nan=False, allow_subnormal=False)
_value = st.one_of(_finite, st.sampled_from([0.0, -0.0, 1e-300, 1e16, -1e16]))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 3), st.integers(1, 700), st.data())
def test_scattered_row_sums_is_bit_identical_to_numpy(n_paths: int, m: int,
                                                      data: st.DataObject) -> None:
    k = data.draw(st.integers(1, min(m, 12)))
    cols = np.array(data.draw(st.lists(st.integers(0, m - 1), min_size=k, max_size=k,
                                       unique=True)), dtype=np.int64)
    vals = np.array(data.draw(st.lists(_value, min_size=n_paths * k, max_size=n_paths * k)),
                    dtype=np.float64).reshape(n_paths, k)
    got = scattered_row_sums(vals, cols, m)
    assert got.tobytes() == row_sums_reference(vals, cols, m).tobytes()


@pytest.mark.parametrize("m", [1, 7, 8, 9, 127, 128, 129, 255, 256, 257, 293, 1000, 4099])
def test_row_sums_adds_as_numpy_does(m: int) -> None:
    # values of mixed magnitude, so a different order of the additions changes the last bits
    rng = np.random.default_rng(m)
    x = rng.standard_normal((6, m)) * 10.0 ** rng.integers(-8, 12, (6, m))
    x[rng.random((6, m)) < 0.1] = -0.0
    assert row_sums(x).tobytes() == x.sum(axis=1).tobytes()
    assert row_sums(-np.zeros((1, m))).tobytes() == np.zeros(1).tobytes()  # 0 + (-0) = 0
