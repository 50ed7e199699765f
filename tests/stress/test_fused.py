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

from bubblescope.stress.kernels.aggregate import record_losses, record_losses_reference
from bubblescope.stress.kernels.stakes import mark_stakes, mark_stakes_reference

from .conftest import floats as _floats
from .conftest import same as _same


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 40), st.integers(2, 4),
       st.integers(2, 12), st.booleans(), st.data())
def test_record_losses_is_bit_identical_to_its_twin(n_paths: int, n: int, m: int, k: int,
                                                    channels: int, in_place: bool,
                                                    data: st.DataObject) -> None:
    # K >= 2 classes and >= 2 channels, as in the engine (3 and 10): with one, numpy sums a
    # contiguous axis pairwise where the kernel adds in order
    entity, contract = _floats(data, (n_paths, n, channels)), _floats(data, (n_paths, m))
    by_class = _floats(data, (n_paths, m, k))
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)))
    fast = [_floats(data, (n_paths, m)), _floats(data, (n_paths, m, k))]
    ref = [a.copy() for a in fast]
    # the copy may be a quarter of a larger array, or the booked array itself
    store = np.zeros((n_paths, 3, m, k))
    store_ref = store.copy()
    if in_place:
        store[:, 1], store_ref[:, 1] = by_class, by_class
        booked, booked_ref = store[:, 1], store_ref[:, 1]
    else:
        booked = booked_ref = by_class
    # only some contracts booked anything: the others are +0.0 and may be skipped
    columns = np.flatnonzero(np.array(data.draw(st.lists(st.booleans(), min_size=m,
                                                         max_size=m))))
    outside = np.setdiff1d(np.arange(m), columns)
    for a in (contract, booked, booked_ref):
        a[:, outside] = 0.0
    for a in (*fast, *ref):  # running totals that started at 0 hold no -0.0
        a[a == 0.0] = 0.0
    with np.errstate(all="ignore"):
        got = record_losses(entity, contract, booked, mask, *fast, store[:, 1], columns)
        want = record_losses_reference(entity, contract, booked_ref, mask, *ref,
                                       store_ref[:, 1])
    _same((*got, *fast, store), (*want, *ref, store_ref))


def test_record_losses_adds_from_zero_in_contract_order() -> None:
    # -0.0 alone sums to +0.0 (numpy starts from 0); 1e16 + 1 + 1 loses both ones
    entity = np.array([[[-0.0, -0.0], [-0.0, 1.0]]])
    by_class = np.array([[[-0.0, 1e16], [-0.0, 1.0], [5.0, 1.0]]])
    contract, totals = np.zeros((1, 3)), [np.zeros((1, 3)), np.zeros((1, 3, 2))]
    masked, by_entity, by_channel = record_losses(entity, contract, by_class,
                                                  np.array([True, True, True]), *totals,
                                                  np.zeros((1, 3, 2)))
    assert masked.tobytes() == np.array([[5.0, (1e16 + 1.0) + 1.0]]).tobytes()
    assert by_entity.tobytes() == np.array([[0.0, 1.0]]).tobytes()
    assert by_channel.tobytes() == np.array([[0.0, 1.0]]).tobytes()


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
