"""The funding, obligations and leverage kernels equal their numpy twins bit for bit.

As in ``test_fused.py``: bytes are compared (signed zeros and infinities included); NaNs
compare as NaN whatever their sign bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.model.errors import ScenarioError
from bubblescope.stress.kernels.dues import (
    fall_due_contracts,
    fall_due_contracts_reference,
    renewed_sums,
    renewed_sums_reference,
)
from bubblescope.stress.kernels.issuer_spread import issuer_terms, issuer_terms_reference
from bubblescope.stress.kernels.leverage import (
    deleverage_contracts,
    deleverage_contracts_reference,
)
from bubblescope.stress.kernels.payouts import pay_out, pay_out_reference
from bubblescope.stress.kernels.rollover import (
    issue_contracts,
    issue_contracts_reference,
    roll_contracts,
    roll_contracts_reference,
)

from .conftest import FINITE, same
from .conftest import floats as _floats


def _same(fast: tuple[np.ndarray, ...], ref: tuple[np.ndarray, ...]) -> None:
    same(fast, ref, layout=True)  # later sums depend on the layout


def _mixed(rng: np.random.Generator, data: st.DataObject, shape: tuple[int, ...]) -> np.ndarray:
    """Mostly ordinary amounts (zeros, ties, small and large), some drawn from ``ANY``."""
    x = rng.choice([0.0, -0.0, 1.0, 0.5, 2.0, 1e-3, 7.25], size=shape) * rng.random(shape)
    x = np.where(rng.random(shape) < 0.5, x, rng.choice([0.0, 1.0, 3.0], size=shape))
    return np.where(rng.random(shape) < 0.2, _floats(data, shape), x)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 12), st.integers(-2, 30), st.data())
def test_roll_contracts_is_bit_identical_to_its_twin(n_paths: int, n: int, m: int, t: int,
                                                     data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    pm, pn = (n_paths, m), (n_paths, n)
    holder = rng.integers(-1, n, m)
    args = (
        _mixed(rng, data, pm), _mixed(rng, data, pm), _mixed(rng, data, pm),
        rng.integers(-3, 35, pm), _mixed(rng, data, pm), rng.integers(0, n, m), holder,
        (rng.random(m) < 0.5) & (holder >= 0), rng.random(m) < 0.2, rng.random(m) * 0.1,
        _mixed(rng, data, pn), _mixed(rng, data, pn),
        _mixed(rng, data, pn), _mixed(rng, data, pn), _mixed(rng, data, (n_paths,)),
        _mixed(rng, data, pn), _mixed(rng, data, pn), _mixed(rng, data, pn),
        _mixed(rng, data, pn), rng.random(pn) < 0.8, t, int(rng.integers(1, 12)),
    )
    with np.errstate(all="ignore"):
        _same(roll_contracts(*args), roll_contracts_reference(*args))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 12), st.integers(-2, 30), st.data())
def test_issue_contracts_is_bit_identical_to_its_twin(n_paths: int, n: int, m: int, t: int,
                                                      data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    pm, pn = (n_paths, m), (n_paths, n)
    args = (
        _mixed(rng, data, pm), rng.integers(-3, 35, pm), _mixed(rng, data, pm),
        rng.integers(0, n, m), rng.integers(-3, 20, m), rng.random(m) < 0.7,
        rng.random(m) * 0.1, _mixed(rng, data, pn), _mixed(rng, data, pn),
        _mixed(rng, data, (n_paths,)), t,
    )
    with np.errstate(all="ignore"):
        _same(issue_contracts(*args), issue_contracts_reference(*args))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 12), st.integers(-2, 30), st.data())
def test_renewed_sums_is_bit_identical_to_its_twin(n_paths: int, n: int, m: int, t: int,
                                                   data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    pm = (n_paths, m)
    args = (
        np.flatnonzero(rng.random(m) < 0.6), rng.integers(0, n, m), rng.integers(0, n, m),
        rng.random(m) < 0.4, rng.integers(-3, 35, pm), _mixed(rng, data, pm),
        _mixed(rng, data, (m,)), t, n,
    )
    with np.errstate(all="ignore"):
        _same(renewed_sums(*args), renewed_sums_reference(*args))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 12), st.integers(-2, 30), st.data())
def test_fall_due_contracts_is_bit_identical_to_its_twin(n_paths: int, n: int, m: int, t: int,
                                                         data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    pm, pn = (n_paths, m), (n_paths, n)
    args = (
        _mixed(rng, data, pm), _mixed(rng, data, pm), rng.integers(-3, 35, pm),
        _mixed(rng, data, pm), rng.random(pn) < 0.8, rng.integers(-3, 20, m),
        rng.integers(0, n, m), rng.integers(-1, n, m), rng.random(m) < 0.5,
        rng.random(m) < 0.5, rng.random(m) < 0.3, _mixed(rng, data, (m,)),
        _mixed(rng, data, (m,)), _mixed(rng, data, pn), _mixed(rng, data, (n,)),
        _mixed(rng, data, pn), _mixed(rng, data, (n,)), _mixed(rng, data, (n_paths,)), t,
    )
    with np.errstate(all="ignore"):
        _same(fall_due_contracts(*args), fall_due_contracts_reference(*args))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 12), st.booleans(), st.data())
def test_deleverage_contracts_is_bit_identical_to_its_twin(n_paths: int, n: int, m: int,
                                                           stressed: bool,
                                                           data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    pm, pn = (n_paths, m), (n_paths, n)
    holder = rng.integers(-1, n, m)
    inside = holder >= 0
    args = (
        _mixed(rng, data, pm), _mixed(rng, data, pm), _mixed(rng, data, pm),
        _mixed(rng, data, pm) * 0.01, rng.integers(0, n, m), holder,
        (rng.random(m) < 0.4) & inside, (rng.random(m) < 0.5) & inside,
        (rng.random(m) < 0.5) & inside, rng.random(n) < 0.6, _mixed(rng, data, (n,)) * 10,
        _mixed(rng, data, (n,)) * 20, rng.choice([0.0, 2.0, 1.5], n), rng.random(pn) < 0.3,
        _mixed(rng, data, pn), _mixed(rng, data, pn), _mixed(rng, data, pn),
        _mixed(rng, data, pn), _mixed(rng, data, pn), _mixed(rng, data, pn),
        rng.random(n_paths) * 0.3, stressed,
    )
    with np.errstate(all="ignore"):
        _same(deleverage_contracts(*args), deleverage_contracts_reference(*args))


@pytest.mark.parametrize("seed", range(40))
def test_deleverage_contracts_on_busy_funds_is_bit_identical(seed: int) -> None:
    # every mechanism at once: lines drawn, margin sales, lenders repaid and losing
    rng = np.random.default_rng(seed)
    n_paths, n, m = 3, 6, 40
    pm, pn = (n_paths, m), (n_paths, n)
    holder = rng.integers(-1, n, m)
    inside = holder >= 0
    nav0 = np.where(rng.random(n) < 0.8, rng.random(n) * 10, 0.0)
    args = (
        rng.random(pm) * 10, rng.random(pm) * 3, rng.random(pm) * 10, rng.random(pm) * 0.01,
        rng.integers(0, n, m), holder, (rng.random(m) < 0.4) & inside,
        (rng.random(m) < 0.5) & inside, (rng.random(m) < 0.5) & inside, rng.random(n) < 0.8,
        nav0, nav0 * (1 + 2 * rng.random(n)), rng.choice([0.0, 2.0, 1.5], n),
        rng.random(pn) < 0.2, rng.random(pn), rng.random(pn), rng.random(pn) * nav0 * 1.5,
        rng.random(pn), rng.random(pn), rng.random(pn) * 5, rng.random(n_paths) * 0.3, True,
    )
    fast, ref = deleverage_contracts(*args), deleverage_contracts_reference(*args)
    assert (ref.margin_loss > 0).any()  # and most seeds pass losses to lenders
    _same(fast, ref)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.data())
def test_issuer_terms_is_bit_identical_to_its_twin(n_paths: int, n: int,
                                                   data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    pn = (n_paths, n)
    # probabilities at and around every grade's threshold, beyond 1 and below 0
    edges = np.array([0.0, 1e-4, 1e-3, 0.002, 0.04, 0.1, 0.2, 0.3, 0.5, 1.0, 1.9, 2.0, -0.1])
    pd = np.where(rng.random(pn) < 0.5, rng.choice(edges, pn) / 0.55 * (rng.random(pn) < 0.5)
                  + rng.choice(edges, pn), rng.random(pn) ** 4 * 2)
    pd = np.where(rng.random(pn) < 0.1, _floats(data, pn, FINITE), pd)
    base = rng.choice([0.01, 0.012, 0.0], n_paths)
    spread = base + rng.choice([0.0, -0.001, 0.02, 0.06, 0.061, 0.1], n_paths)
    args = (pd, rng.integers(0, n, n), rng.random(n) < 0.3, rng.integers(0, 23, pn),
            _mixed(rng, data, pn) * 0.01, spread, base)
    fast, ref = issuer_terms(*args), issuer_terms_reference(*args)
    assert fast is not None
    _same(fast, ref)


def test_issuer_terms_leaves_a_nan_probability_to_rating_of() -> None:
    one = np.ones(1)
    args = (np.array([[np.nan]]), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.bool_),
            np.zeros((1, 1), dtype=np.int64), np.zeros((1, 1)), 0.02 * one, 0.01 * one)
    assert issuer_terms(*args) is None
    with pytest.raises(ScenarioError, match="rating_of"):
        issuer_terms_reference(*args)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.data())
def test_pay_out_is_bit_identical_to_its_twin(n_paths: int, n: int,
                                              data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    pn = (n_paths, n)
    value = np.where(rng.random(pn) < 0.8, rng.random(pn) * 1.5, _floats(data, pn))
    args = (value, _mixed(rng, data, (n,)) * 10, _mixed(rng, data, (n,)) * 10,
            rng.random(pn) < 0.8, _mixed(rng, data, pn) * 20, _mixed(rng, data, (n,)) * 10,
            rng.random(n) < 0.8, rng.random(n) < 0.6)
    with np.errstate(all="ignore"):
        _same(pay_out(*args), pay_out_reference(*args))
