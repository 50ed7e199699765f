"""The paper and marks channels' fused kernels equal their numpy twins bit for bit.

As in ``test_fused.py``: the goldens depend on every bit, so the kernels are compared with
the numpy chains they replace byte for byte (signed zeros and infinities included; NaN as
NaN whatever its sign bit). Where a kernel skips columns that cannot carry a value (debt not
held at fair value carries no mark), the twin's ``+-0.0`` there is compared by value.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.model.errors import ScenarioError
from bubblescope.stress.kernels.debt_el import (
    DebtLayout,
    balance_layout,
    balance_sums,
    balance_sums_reference,
    debt_expected_loss,
    debt_expected_loss_reference,
    debt_layout,
    junk,
    junk_reference,
)
from bubblescope.stress.kernels.el_marks import fair_value_marks, fair_value_marks_reference
from bubblescope.stress.kernels.ratings import (
    RATINGS,
    anchor_leverage,
    anchored_merton_pd,
    anchored_merton_pd_reference,
    grade_pd,
    start_leverage,
)
from bubblescope.stress.kernels.row_sums import row_sums
from bubblescope.stress.kernels.waterfall import spv_book

from .conftest import FINITE
from .conftest import floats as _floats
from .conftest import same_array as _bytes_equal

_unit = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, -0.0, 1.0, 1e-300, 0.5]))


def _values_equal(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    assert ((a == b) | (np.isnan(a) & np.isnan(b))).all()


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
        _floats(data, (n_paths, m), FINITE), _floats(data, (n_paths, m), FINITE),
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


def _debt_book(rng: np.random.Generator, n: int, m: int) -> DebtLayout:
    obligor = rng.integers(0, n, m)
    holder = np.where(rng.random(m) < 0.8, rng.integers(0, n, m), -1)
    is_spv = rng.random(n) < 0.4
    debt = rng.random(m) < 0.6
    book = spv_book(obligor, rng.random(m) * 50, rng.integers(0, 4, m),
                    np.where(rng.random(m) < 0.3, rng.integers(0, 3, m), -1), debt, is_spv)
    tenant = np.where(rng.random(book.spv.size) < 0.7, rng.integers(0, n, book.spv.size), -1)
    return debt_layout(obligor, holder, debt, rng.random(m) < 0.3, book, tenant)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 14), st.booleans(), st.booleans(),
       st.data())
def test_debt_expected_loss_is_bit_identical_to_its_twin(n_paths: int, n: int, m: int,
                                                         pledged: bool, grade: bool,
                                                         data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    layout = _debt_book(rng, n, m)
    money = st.one_of(st.floats(0.0, 1e3), st.sampled_from([0.0, -0.0, 1e-300]))
    h = layout.held_cols.size
    # what a tenant's default loses is at most what it pays (as in the engine), so most
    # draws reach the bit-identity checks rather than the shared error path
    paid = _floats(data, (n_paths, h), money)
    lost = paid * _floats(data, (n_paths, h), _unit)
    args = (layout, _floats(data, (n_paths, n), _unit), _floats(data, (n_paths, m), _unit),
            paid, lost, _floats(data, (n_paths, n), money),
            _floats(data, (n_paths, n), money) if pledged else None)
    outcomes = []
    for fn in (debt_expected_loss, debt_expected_loss_reference):
        try:
            with np.errstate(all="ignore"):
                outcomes.append(fn(*args, grade=grade))
        except ScenarioError as err:
            outcomes.append(str(err))
    fast, ref = outcomes
    if isinstance(ref, str):
        assert fast == ref
        return
    assert not isinstance(fast, str)
    _bytes_equal(fast[0], ref[0])
    _bytes_equal(fast[1], ref[1])
    if grade:
        assert fast[2] is not None
        assert ref[2] is not None
        assert (fast[2] == ref[2]).all()
    else:
        assert fast[2] is None


def test_debt_expected_loss_twin_is_compared_on_ordinary_inputs() -> None:
    """Seeded ordinary books (losses at most what is paid): no error path, equal bytes."""
    for seed in range(20):
        rng = np.random.default_rng(seed)
        n_paths, n, m = 3, int(rng.integers(2, 6)), int(rng.integers(2, 12))
        layout = _debt_book(rng, n, m)
        h = layout.held_cols.size
        paid = rng.random((n_paths, h)) * 100.0
        args = (layout, rng.random((n_paths, n)), rng.random((n_paths, m)), paid,
                paid * rng.random((n_paths, h)), rng.random((n_paths, n)) * 100.0,
                rng.random((n_paths, n)) * 10.0)
        fast = debt_expected_loss(*args, grade=True)
        ref = debt_expected_loss_reference(*args, grade=True)
        _bytes_equal(fast[0], ref[0])
        _bytes_equal(fast[1], ref[1])
        assert fast[2] is not None
        assert ref[2] is not None
        assert (fast[2] == ref[2]).all()


def test_debt_expected_loss_raises_as_its_twin() -> None:
    rng = np.random.default_rng(3)
    layout = _debt_book(rng, 6, 30)
    assert layout.book.spv.size
    h = layout.held_cols.size
    args = (layout, np.full((2, 6), 0.1), np.full((2, 30), 0.5), np.zeros((2, h)),
            np.zeros((2, h)), np.full((2, 6), -1.0), None)
    with pytest.raises(ScenarioError, match="finite and >= 0"):
        debt_expected_loss(*args)
    with pytest.raises(ScenarioError, match="finite and >= 0"):
        debt_expected_loss_reference(*args)
    nan = (layout, args[1], np.full((2, 30), np.nan), *args[3:5], np.ones((2, 6)), None)
    with pytest.raises(ScenarioError, match="expected_loss"):
        debt_expected_loss(*nan, grade=True)
    with pytest.raises(ScenarioError, match="expected_loss"):
        debt_expected_loss_reference(*nan, grade=True)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 14), st.integers(-2, 30),
       st.data())
def test_balance_sums_are_bit_identical_to_their_twin(n_paths: int, n: int, m: int, t: int,
                                                      data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    debt_book = _debt_book(rng, n, m)
    debt = debt_book.debt
    cuttable = ~debt & (rng.random(m) < 0.6)
    sold = np.where(cuttable & (rng.random(m) < 0.7), rng.random(m) * 3, 0.0)
    gsub = np.flatnonzero(debt & (rng.random(m) < 0.4))
    layout = balance_layout(debt_book.obligor, debt_book.holder, debt, cuttable,
                            ~debt & ~cuttable & (rng.random(m) < 0.5),
                            _floats(data, (m,), FINITE), sold, gsub, debt_book.held_cols)
    money = st.one_of(FINITE, st.sampled_from([0.0, -0.0, 1e-300]))
    args = (layout, t, _floats(data, (n_paths, m), _unit), rng.integers(-5, 40, (n_paths, m)),
            _floats(data, (n_paths, m), money), _floats(data, (n_paths, m), money),
            rng.random((n_paths, n)) < 0.7, _floats(data, (n,), money),
            _floats(data, (n_paths, n), money), _floats(data, (n_paths, n), money),
            rng.random(n) < 0.5, _floats(data, (n_paths,), _unit),
            _floats(data, (n_paths,), _unit), _floats(data, (n_paths, gsub.size), money),
            _floats(data, (n_paths, m), _unit))
    with np.errstate(all="ignore"):
        fast = balance_sums(*args)
        ref = balance_sums_reference(*args)
    for name in ("equity", "owed", "debt_now", "lost_sales", "paid", "lost"):
        _bytes_equal(getattr(fast, name), getattr(ref, name))
    if gsub.size:
        assert fast.pledged is not None
        assert ref.pledged is not None
        _bytes_equal(fast.pledged, ref.pledged)
    else:
        assert fast.pledged is None
        assert ref.pledged is None


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 5), st.integers(1, 700), st.data())
def test_row_sums_add_in_numpys_pairwise_order(n_paths: int, m: int,
                                               data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((n_paths, m)) * 10.0 ** rng.integers(-12, 12, (n_paths, m))
    x[rng.random((n_paths, m)) < 0.3] = data.draw(st.sampled_from([0.0, -0.0]))
    assert row_sums(x).tobytes() == x.sum(axis=1).tobytes()


def test_row_sums_of_long_rows_and_signed_zeros() -> None:
    rng = np.random.default_rng(11)
    for m in (129, 136, 1031, 9000, 30000):
        x = rng.standard_normal((3, m)) * 10.0 ** rng.integers(-10, 10, (3, m))
        assert row_sums(x).tobytes() == x.sum(axis=1).tobytes()
    assert row_sums(np.full((1, 300), -0.0)).tobytes() == np.zeros(1).tobytes()


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), st.integers(1, 40), st.booleans(), st.data())
def test_junk_is_bit_identical_to_its_twin(n_paths: int, m: int, floor: bool,
                                           data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    grades = len(RATINGS)
    grade = rng.integers(0, grades, (n_paths, m))
    start = rng.integers(0, grades, (n_paths, m)) if floor else None
    rest = (rng.random(m) < 0.7, rng.random((n_paths, m)) < 0.7, rng.random((n_paths, m)) < 0.3,
            rng.random(m) < 0.5, _floats(data, (n_paths, m), FINITE),
            _floats(data, (n_paths,), _unit), _floats(data, (m,), FINITE))
    with np.errstate(all="ignore"):
        ref = junk_reference(grade.copy(), start, *rest)
        fast = junk(grade.copy(), start, *rest)
    assert (fast.grade == ref.grade).all()
    assert (fast.junk == ref.junk).all()
    _bytes_equal(fast.forced, ref.forced)
    _bytes_equal(fast.volume, ref.volume)
    _bytes_equal(fast.newly, ref.newly)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), st.integers(1, 8), st.data())
def test_anchored_merton_pd_is_bit_identical_to_its_twin(n_paths: int, n: int,
                                                         data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    anchor = np.where(rng.random(n) < 0.6, grade_pd(rng.integers(0, 17, n)), np.nan)
    money = st.one_of(st.floats(-10.0, 1e4), st.sampled_from([0.0, -0.0, 1e-300, np.inf]))
    vol = _floats(data, (n_paths, n), st.floats(0.01, 2.0))
    calm = _floats(data, (n_paths, n), st.floats(0.01, 2.0)) * np.sqrt(10.0)
    dd_start = _floats(data, (n_paths, n), st.one_of(st.floats(-5.0, 40.0),
                                                     st.sampled_from([np.inf, -np.inf])))
    equity, owed = _floats(data, (n_paths, n), money), _floats(data, (n_paths, n), money)
    alive = rng.random((n_paths, n)) < 0.8
    with np.errstate(all="ignore"):
        has, lev_a = anchor_leverage(anchor, calm)
        fast = anchored_merton_pd(equity, owed, vol, 10.0, has, lev_a,
                                  start_leverage(dd_start, calm), alive)
        ref = anchored_merton_pd_reference(equity, owed, vol, 10.0, anchor, dd_start, calm,
                                           alive)
    _bytes_equal(fast, ref)
