"""Fund leverage (NAV, margin calls, lenders' losses) and insurers' RBC ratio."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.stress.kernels.leverage import (
    gate_quarter,
    lender_shortfall,
    margin_call_sales,
    margin_call_sales_reference,
    pro_rata,
)

_amounts = st.floats(0.0, 500.0, allow_nan=False)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(_amounts, _amounts, _amounts, st.floats(0.0, 4.0), _amounts),
                min_size=1, max_size=6))
def test_margin_calls_match_their_reference(rows: list[tuple[float, ...]]) -> None:
    a = np.array(rows)
    gross0, nav0 = a[:, 0] + a[:, 1], a[:, 1]
    args = (gross0, nav0, a[None, :, 2], a[:, 3], np.minimum(a[None, :, 4], gross0))
    fast = margin_call_sales(*args)
    np.testing.assert_allclose(fast, margin_call_sales_reference(*args), atol=1e-9)
    assert (fast >= 0).all()
    # after selling, gross is within the limit (or everything is sold)
    gross = np.maximum(gross0 - a[:, 2] - args[4][0], 0.0) - fast[0]
    nav = np.maximum(nav0 - a[:, 2], 0.0)
    lev = a[:, 3]
    assert (np.where(lev > 0, gross <= lev * nav + 1e-9, True)).all()


def test_losses_beyond_nav_are_the_lenders_and_taken_once() -> None:
    first = lender_shortfall(np.array([[120.0]]), np.array([100.0]), np.array([[0.0]]))
    again = lender_shortfall(np.array([[130.0]]), np.array([100.0]), first)
    assert first.tolist() == [[20.0]]
    assert again.tolist() == [[10.0]]


def test_pro_rata_spreads_exactly_and_respects_caps() -> None:
    out = pro_rata(np.array([[9.0, 4.0]]), np.array([0, 0, 1, -1]),
                   np.array([1.0, 2.0, 3.0, 7.0]), cap=np.array([[10.0, 1.0, 10.0, 10.0]]))
    assert out.tolist() == [[3.0, 1.0, 4.0, 0.0]]


def test_a_fund_gates_once_its_nav_is_down_five_percent() -> None:
    nav = np.array([[1.0, 1.0], [0.97, 0.99], [0.94, 0.999], [0.96, 0.99]])
    assert gate_quarter(nav).tolist() == [2, -1]
