"""The paper and marks channels' fused kernels equal their numpy twins bit for bit.

As in ``test_fused.py``: the goldens depend on every bit, so the kernels are compared with
the numpy chains they replace byte for byte (signed zeros and infinities included; NaN as
NaN whatever its sign bit). Where a kernel skips columns that cannot carry a value (debt not
held at fair value carries no mark), the twin's ``+-0.0`` there is compared by value.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.stress.kernels.el_marks import fair_value_marks, fair_value_marks_reference
from bubblescope.stress.kernels.ratings import RATINGS

_finite = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
_any = st.one_of(_finite, st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300]))
_unit = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, -0.0, 1.0, 1e-300, 0.5]))


def _bytes_equal(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    assert a.dtype == b.dtype
    nan = np.isnan(a)
    assert (nan == np.isnan(b)).all()
    assert np.where(nan, 0.0, a).tobytes() == np.where(nan, 0.0, b).tobytes()


def _values_equal(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    assert ((a == b) | (np.isnan(a) & np.isnan(b))).all()


def _floats(data: st.DataObject, shape: tuple[int, ...], values: st.SearchStrategy[float] = _any
            ) -> np.ndarray:
    size = int(np.prod(shape))
    return np.array(data.draw(st.lists(values, min_size=size, max_size=size)),
                    dtype=np.float64).reshape(shape)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), st.integers(1, 12), st.integers(-2, 30), st.data())
def test_fair_value_marks_are_bit_identical_to_their_twin(n_paths: int, m: int, t: int,
                                                          data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    held = rng.random(m) < 0.6
    cols = np.flatnonzero(held)
    outstanding = _floats(data, (n_paths, m))
    # the engine's state is finite: only there does the twin's 0 * x stay 0 off the book
    outstanding[:, ~held] = np.nan_to_num(outstanding[:, ~held], nan=1.0, posinf=2.0,
                                          neginf=-2.0)
    args = (
        cols, _floats(data, (n_paths, m), _unit), _floats(data, (n_paths, m), _unit),
        _floats(data, (n_paths, m), _unit), rng.integers(-5, 60, (n_paths, m)), t,
        rng.integers(0, len(RATINGS), (n_paths, m)),
        _floats(data, (n_paths, m), st.one_of(st.floats(-0.05, 0.3), st.sampled_from([0.0]))),
        outstanding, _floats(data, (n_paths,), st.floats(0.0, 20.0)),
        _floats(data, (n_paths, m), _finite), _floats(data, (n_paths, m), _finite),
    )
    with np.errstate(all="ignore"):
        fast = fair_value_marks(*args)
        ref = fair_value_marks_reference(*args)
    for a, b in zip(fast, ref, strict=True):
        _bytes_equal(a[:, held], b[:, held])
        _values_equal(a[:, ~held], b[:, ~held])
    assert not fast[0][:, ~held].any()
    assert not fast[2][:, ~held].any()


def test_fair_value_marks_on_an_engine_like_book() -> None:
    # a junk loan, an investment-grade bond and a contract not held at fair value
    rng = np.random.default_rng(7)
    n_paths, m = 64, 3
    cols = np.array([0, 1])
    el = rng.random((n_paths, m)) * 0.3
    args = (cols, el, el * 0.2, np.full((n_paths, m), 0.6), rng.integers(1, 50, (n_paths, m)),
            3, np.tile(np.array([12, 4, 12]), (n_paths, 1)), np.full((n_paths, m), 0.06),
            rng.random((n_paths, m)) * 100, rng.random(n_paths) * 6,
            np.zeros((n_paths, m)), np.zeros((n_paths, m)))
    fast = fair_value_marks(*args)
    ref = fair_value_marks_reference(*args)
    for a, b in zip(fast, ref, strict=True):
        assert a.tobytes() == b.tobytes()
    assert (fast[0][:, 0] > 0).any()
    assert (fast[2][:, 1] > 0).any()
    assert not fast[0][:, 2].any()
    assert not fast[2][:, 2].any()
