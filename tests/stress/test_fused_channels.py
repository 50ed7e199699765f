"""Kernels of the settlement, pool, collateral and lease channels equal their numpy twins.

Bit for bit, as in ``test_fused.py``: the goldens depend on every bit, so the tests compare
bytes (signed zeros included).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.stress.kernels.cuts import cut_contracts, cut_contracts_reference
from bubblescope.stress.kernels.gpu_rental import gpu_value
from bubblescope.stress.kernels.payments import (
    owed_and_due,
    owed_and_due_reference,
    settle_payments,
    settle_payments_reference,
)
from bubblescope.stress.kernels.row_sums import row_sums, row_sums_reference, scattered_row_sums
from bubblescope.stress.kernels.write_offs import write_offs, write_offs_reference

from .conftest import floats
from .conftest import same as _same

_finite = st.floats(-1e12, 1e12, allow_nan=False, allow_subnormal=False)
_value = st.one_of(_finite, st.sampled_from([0.0, -0.0, 1e-300, 1e16, -1e16]))
_any = st.one_of(_finite, st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300]))


def _floats(data: st.DataObject, shape: tuple[int, ...], values: st.SearchStrategy[float] = _any
            ) -> np.ndarray:
    return floats(data, shape, values)  # this file's wider range (amounts up to 1e12)


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


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(2, 5), st.integers(1, 14), st.data())
def test_settle_payments_is_bit_identical_to_its_twin(n_paths: int, n: int, m: int,
                                                      data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    fut = np.flatnonzero(rng.random(m) < 0.3)
    arrays = [_floats(data, (n_paths, m)) for _ in range(2)]
    payments = _floats(data, (n_paths, m + fut.size))
    state = [_floats(data, (n_paths, m)) for _ in range(3)]
    masks = [rng.random(m) < 0.5 for _ in range(5)]
    obligor = rng.integers(0, n, m)
    holder = np.where(rng.random(m) < 0.2, -1, rng.integers(0, n, m))
    args = (*arrays, payments, fut, *state, *masks, obligor, holder,
            _floats(data, (n_paths, n)))
    with np.errstate(all="ignore"):
        fast, ref = settle_payments(*args), settle_payments_reference(*args)
    _same(tuple(vars(fast).values()), tuple(vars(ref).values()))
    assert fast.new_business.flags.f_contiguous  # laid out as sum_by's sums


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), st.integers(2, 5), st.integers(1, 12), st.integers(-2, 30), st.data())
def test_cut_contracts_is_bit_identical_to_its_twin(n_paths: int, n: int, m: int, t: int,
                                                    data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    g_idx = np.flatnonzero(rng.random(m) < 0.3)
    args = (
        _floats(data, (n_paths, m)), _floats(data, (n_paths, n)), _floats(data, (n_paths, n)),
        rng.random((n_paths, n)) < 0.4, rng.random(n_paths), rng.random(n_paths),
        rng.integers(0, n, m), np.where(rng.random(m) < 0.2, -1, rng.integers(0, n, m)),
        rng.random(m) < 0.6, rng.integers(-5, 40, (n_paths, m)), rng.integers(-3, 20, m), t,
        _floats(data, (m,), _finite), _floats(data, (n_paths, m)), _floats(data, (n_paths, m)),
        _floats(data, (n_paths, m)), rng.random((n_paths, m)) < 0.7, g_idx,
        rng.random(g_idx.size),
        _floats(data, (n_paths, m)), rng.random((n_paths, n)) < 0.8,
    )
    with np.errstate(all="ignore"):  # inf * 0 is NaN in both (numpy warns, numba does not)
        fast, ref = cut_contracts(*args), cut_contracts_reference(*args)
    _same(fast, ref)
    assert fast[3].flags.f_contiguous  # laid out as sum_by's sums


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 12), st.integers(-2, 30), st.data())
def test_write_offs_is_bit_identical_to_its_twin(n_paths: int, n: int, m: int, t: int,
                                                 data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    args = (
        rng.random((n_paths, n)) < 0.5, rng.integers(0, n, m),
        np.where(rng.random(m) < 0.2, -1, rng.integers(0, n, m)), rng.random(m) < 0.8,
        rng.random(m) < 0.5, rng.random(m) < 0.5, _floats(data, (n_paths, m)),
        _floats(data, (n_paths, m)), rng.integers(-5, 40, (n_paths, m)),
        rng.integers(-3, 20, m), t, _floats(data, (m,), _finite), _floats(data, (n_paths, m)),
        _floats(data, (n_paths,)), _floats(data, (n_paths, m)), _floats(data, (n_paths, m)),
    )
    with np.errstate(all="ignore"):
        fast, ref = write_offs(*args), write_offs_reference(*args)
    _same(tuple(vars(fast).values()), tuple(vars(ref).values()))
    assert fast.by_holder.flags.f_contiguous  # laid out as sum_by's sums


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_gpu_value_of_a_vintage_does_not_depend_on_the_others(n_paths: int, k: int,
                                                              seed: int) -> None:
    # collateral.sell values a new GPU and the loans' vintages in one call
    rng = np.random.default_rng(seed)
    rent, trend = rng.uniform(0.5, 4.0, n_paths), rng.uniform(0.5, 3.0, n_paths)
    life, decline = rng.uniform(4.0, 30.0, n_paths), rng.uniform(0.9, 1.0, n_paths)
    one = np.full((n_paths, 1), float(rng.integers(1, 30)))
    many = rng.uniform(0.0, 30.0, (n_paths, k))
    kw = {"life_quarters": life, "decline": decline}
    both = gpu_value(rent, trend, np.concatenate([one, many], axis=1), **kw)
    assert both[:, :1].tobytes() == gpu_value(rent, trend, one, **kw).tobytes()
    assert both[:, 1:].tobytes() == gpu_value(rent, trend, many, **kw).tobytes()


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 30), st.data())
def test_owed_and_due_is_bit_identical_to_its_twin(n_paths: int, n: int, m: int,
                                                   data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    dues = _floats(data, (n_paths, m), _value)
    obligor = rng.integers(0, n, m)
    holder = np.where(rng.random(m) < 0.2, -1, rng.integers(0, n, m))
    fast = owed_and_due(dues, obligor, holder, n)
    _same(fast, owed_and_due_reference(dues, obligor, holder, n))
    assert fast[0].flags.f_contiguous
    assert fast[1].flags.f_contiguous
