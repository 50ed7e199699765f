"""Summing contract arrays into entities: the fast kernel equals its sparse twin bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bubblescope as bs
from bubblescope.stress.compile import CompiledWeb, compile_web
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.aggregate import (
    book_losses,
    book_losses_reference,
    sum_by,
    sum_by_last,
    sum_by_last_reference,
    sum_by_reference,
)
from bubblescope.stress.kernels.leverage import pro_rata, pro_rata_reference
from bubblescope.stress.kernels.waterfall import SpvBook, spv_tenants
from bubblescope.stress.scenario import load_preset

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


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 4), st.lists(st.integers(-1, 4), min_size=1, max_size=20),
       st.lists(st.tuples(st.integers(0, 9), st.integers(0, 2)), min_size=1, max_size=11),
       st.data())
def test_book_losses_is_bit_identical_to_its_numpy_twin(
    n_paths: int, holder: list[int], channels: list[tuple[int, int]], data: st.DataObject,
) -> None:
    idx = np.array(holder, dtype=np.int64)
    m, n = idx.size, 5
    fast = [np.zeros((n_paths, n, 10)), np.zeros((n_paths, m)), np.zeros((n_paths, m, 3))]
    ref = [a.copy() for a in fast]
    size = len(channels) * n_paths * m
    values = st.one_of(_values, st.sampled_from([0.0, -0.0, 0.0, 1e16, -1e16, np.inf, np.nan]))
    loss = np.array(data.draw(st.lists(values, min_size=size, max_size=size))
                    ).reshape(len(channels), n_paths, m)
    channel, klass = np.array(channels).T  # a channel may come twice, as in the engine
    credit = np.array(data.draw(st.lists(st.integers(0, 9), max_size=9, unique=True)),
                      dtype=np.int64)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    loss[rng.random(loss.shape[:2]) < 0.3] = 0.0
    fast = [np.full_like(a, np.nan) for a in fast]  # a fresh booking reads no total
    touched, touched_ref = np.zeros(m, dtype=np.bool_), np.zeros(m, dtype=np.bool_)
    with np.errstate(all="ignore"):
        for fresh in (True, False):  # the second booking adds onto the first's totals
            got = book_losses(list(loss), idx, channel, klass, credit, *fast, fresh=fresh,
                              touched=touched)
            want = book_losses_reference(list(loss), idx, channel, klass, credit, *ref,
                                         touched=touched_ref)
            for a, b in zip([*fast, *got], [*ref, *want], strict=True):
                assert _bits(a) == _bits(b)
            assert (touched == touched_ref).all()
            # outside the touched contracts the booking's contract arrays are +0.0
            assert not np.signbit(fast[1][:, ~touched]).any()
            assert (fast[1][:, ~touched] == 0.0).all()
            assert (fast[2][:, ~touched] == 0.0).all()
            loss[:, :, rng.random(m) < 0.5] = 0.0  # rows of zeros are skipped


def test_book_losses_matches_its_twin_at_the_engines_size() -> None:
    rng = np.random.default_rng(7)
    n_paths, n, m = 250, 41, 293
    holder = rng.integers(-1, n, m)
    loss = rng.standard_normal((9, n_paths, m)) * 10.0 ** rng.integers(-12, 12, (9, n_paths, m))
    loss[rng.random(loss.shape) < 0.7] = 0.0
    channel, klass = np.array([2, 0, 1, 6, 4, 5, 3, 7, 9]), np.array([0, 0, 0, 0, 0, 1, 2, 1, 1])
    credit = np.array([0, 1, 2, 4, 6])
    fast = [np.zeros((n_paths, n, 10)), np.zeros((n_paths, m)), np.zeros((n_paths, m, 3))]
    ref = [a.copy() for a in fast]
    got = book_losses(list(loss), holder, channel, klass, credit, *fast, fresh=True)
    want = book_losses_reference(list(loss), holder, channel, klass, credit, *ref)
    got += book_losses(list(loss[:2]), holder, channel[:2], klass[:2], credit, *fast)
    want += book_losses_reference(list(loss[:2]), holder, channel[:2], klass[:2], credit, *ref)
    nothing = [np.zeros((n_paths, m)), -np.zeros((n_paths, m))]  # the usual second booking
    got += book_losses(nothing, holder, channel[:2], klass[:2], credit, *fast)
    want += book_losses_reference(nothing, holder, channel[:2], klass[:2], credit, *ref)
    for a, b in zip([*fast, *got], [*ref, *want], strict=True):
        assert a.tobytes() == b.tobytes()


def _bits(a: np.ndarray) -> bytes:
    # NaNs compare as NaN whatever their sign bit (test_fused.py explains why)
    return np.where(np.isnan(a), np.nan, a).tobytes()


def test_run_constants_are_computed_once_per_input_and_read_only() -> None:
    ctx = RunContext.of(_compiled(), load_preset("baseline"), 2)
    calls: list[int] = []
    key = np.zeros(3)

    def make() -> np.ndarray:
        calls.append(1)
        return np.ones(3)

    first = ctx.constant("x", make, key)
    assert ctx.constant("x", make, key) is first
    assert len(calls) == 1
    assert not first.flags.writeable
    ctx.constant("x", make, np.zeros(3))  # another array (equal values): computed again
    assert len(calls) == 2


def test_kind_mask_matches_the_kinds_of_the_contracts() -> None:
    cw = _compiled()
    for kinds in [("bond",), frozenset({"lease", "bond", "no_such_kind"}), ()]:
        want = np.array([k in kinds for k in cw.contract_kinds], dtype=np.bool_)
        assert cw.kind_mask(kinds).tolist() == want.tolist()


def _compiled() -> CompiledWeb:
    return compile_web(bs.load_default())


@settings(max_examples=120, deadline=None)
@given(st.integers(1, 4), st.lists(st.integers(-1, 3), min_size=1, max_size=12),
       st.booleans(), st.booleans(), st.data())
def test_pro_rata_is_bit_identical_to_its_numpy_twin(
    n_paths: int, entity: list[int], per_path_weight: bool, capped: bool, data: st.DataObject,
) -> None:
    idx = np.array(entity, dtype=np.int64)
    m, n = idx.size, 4

    def arr(shape: tuple[int, ...], lo: float) -> np.ndarray:
        size = int(np.prod(shape))
        vals = data.draw(st.lists(st.one_of(st.floats(lo, 1e6, allow_subnormal=False),
                                            st.just(0.0), st.just(-0.0)),
                                  min_size=size, max_size=size))
        return np.array(vals, dtype=np.float64).reshape(shape)

    per_entity = arr((n_paths, n), -1e3)
    weight = arr((n_paths, m) if per_path_weight else (m,), 0.0)
    cap = arr((n_paths, m), -10.0) if capped else None
    fast = pro_rata(per_entity, idx, weight, cap=cap)
    ref = pro_rata_reference(per_entity, idx, weight, cap=cap)
    assert fast.tobytes() == ref.tobytes()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=0, max_size=2),
       st.lists(st.integers(-1, 5), min_size=1, max_size=15), st.integers(2, 4), st.data())
def test_sum_by_last_is_bit_identical_to_the_dense_einsum(
    lead: list[int], index: list[int], k_last: int, data: st.DataObject,
) -> None:
    idx = np.array(index, dtype=np.int64)
    shape = (*lead, idx.size, k_last)
    size = int(np.prod(shape))
    x = np.array(data.draw(st.lists(_values, min_size=size, max_size=size))).reshape(shape)
    # K >= 2 as in the ledger (3 loss classes): einsum's inner loop then runs over the
    # class axis and its sums over contracts are in contract order. With K = 1 einsum sums
    # the contiguous contract axis with SIMD partial sums (another order): not compared.
    fast, ref = sum_by_last(x, idx, 6), sum_by_last_reference(x, idx, 6)
    assert fast.shape == ref.shape == (*lead, 6, k_last)
    assert fast.tobytes() == ref.tobytes()


def _tenants_by_loop(book: SpvBook, holder: np.ndarray, obligor: np.ndarray,
                     weight: np.ndarray) -> np.ndarray:
    out = np.full(book.spv.size, -1, dtype=np.int64)
    for k, s in enumerate(book.spv):
        mine = (holder == s) & (weight > 0)
        if mine.any():
            out[k] = int(np.argmax(np.bincount(obligor[mine], weights=weight[mine])))
    return out


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 8), st.data())
def test_spv_tenants_match_the_loop_over_spvs(n: int, data: st.DataObject) -> None:
    spv = np.array(sorted(data.draw(st.sets(st.integers(0, n - 1)))), dtype=np.int64)
    m = data.draw(st.integers(0, 20))
    holder = np.array(data.draw(st.lists(st.integers(-1, n - 1), min_size=m, max_size=m)),
                      dtype=np.int64)
    obligor = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)),
                       dtype=np.int64)
    # few distinct weights, so equal totals (ties) are common
    weight = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.1, 1.0, 2.0, 1e17]),
                                         min_size=m, max_size=m)))
    book = SpvBook(spv, np.zeros((spv.size, 3)), np.full(m, -1), np.full(m, -1))
    got = spv_tenants(book, holder, obligor, weight)
    assert got.tolist() == _tenants_by_loop(book, holder, obligor, weight).tolist()
