"""Fused contract-axis kernels of the engine equal their numpy twins bit for bit.

Each kernel replaces a run of numpy array operations by one numba pass; the goldens depend
on every bit, so the tests compare bytes (signed zeros and infinities included), not
closeness. NaNs compare as NaN whatever their sign bit: ``inf * 0`` is a NaN whose sign
depends on the instruction that made it (numpy's SIMD loop or numba's scalar code), and
nothing reads it.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.stress.kernels.aggregate import masked_total, masked_total_reference
from bubblescope.stress.kernels.stakes import mark_stakes, mark_stakes_reference

_finite = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
_any = st.one_of(_finite, st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300]))


def _same(fast: tuple[np.ndarray, ...], ref: tuple[np.ndarray, ...]) -> None:
    assert len(fast) == len(ref)
    for a, b in zip(fast, ref, strict=True):
        assert a.shape == b.shape
        assert a.dtype == b.dtype
        if a.dtype == np.bool_:
            assert (a == b).all()
            continue
        nan = np.isnan(a)
        assert (nan == np.isnan(b)).all()
        assert np.where(nan, 0.0, a).tobytes() == np.where(nan, 0.0, b).tobytes()


def _floats(data: st.DataObject, shape: tuple[int, ...], values: st.SearchStrategy[float] = _any
            ) -> np.ndarray:
    size = int(np.prod(shape))
    return np.array(data.draw(st.lists(values, min_size=size, max_size=size)),
                    dtype=np.float64).reshape(shape)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 40), st.integers(2, 4), st.data())
def test_masked_total_is_bit_identical_to_its_twin(n_paths: int, m: int, k: int,
                                                   data: st.DataObject) -> None:
    # K >= 2, as in the engine (3 loss classes): with K == 1 the contract axis is contiguous
    # and numpy sums it pairwise, which can differ in the last bit (hypothesis found it)
    x = _floats(data, (n_paths, m, k))
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)))
    with np.errstate(all="ignore"):
        _same((masked_total(x, mask),), (masked_total_reference(x, mask),))


def test_masked_total_adds_from_zero_in_contract_order() -> None:
    # -0.0 alone sums to +0.0 (numpy starts from 0); 1e16 + 1 + 1 loses both ones
    got = masked_total(np.array([[[-0.0], [-0.0]]]), np.array([True, True]))
    assert got.tobytes() == np.zeros((1, 1)).tobytes()
    ones = masked_total(np.array([[[1e16], [1.0], [1.0]]]), np.array([True, True, True]))
    assert ones[0, 0] == (1e16 + 1.0) + 1.0


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 12), st.data())
def test_mark_stakes_is_bit_identical_to_its_twin(n_paths: int, n: int, m: int,
                                                  data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    args = (_floats(data, (n_paths, m)), _floats(data, (n_paths, m)), _floats(data, (n_paths, n)),
            _floats(data, (n_paths, n)), rng.integers(0, n, m), rng.random(m) < 0.4,
            rng.random(m) < 0.6)
    with np.errstate(all="ignore"):
        _same(mark_stakes(*args), mark_stakes_reference(*args))
