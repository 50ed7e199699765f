"""Invariants of the sizing measures (Hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.size.concentration import hhi
from bubblescope.size.revenue_gap import break_even, sequoia_required_revenue

shares = st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(shares)
def test_hhi_lies_between_top_share_squared_and_top_share(raw: list[float]) -> None:
    total = sum(raw)
    if total == 0:
        return
    w = [x / total for x in raw]
    top = max(w)
    assert top * top - 1e-12 <= hhi(w) <= top + 1e-12
    assert 1.0 / len(w) - 1e-12 <= hhi(w) <= 1.0 + 1e-12


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.1, max_value=100), st.floats(min_value=0.0, max_value=1000),
       st.floats(min_value=0.05, max_value=1.0), st.floats(min_value=1.1, max_value=20),
       st.floats(min_value=0.5, max_value=5))
def test_exponential_overtakes_linear_after_the_first_step(
    r0: float, owed: float, margin: float, multiple: float, years: float,
) -> None:
    b = break_even(r0, owed, margin, multiple=multiple, multiple_years=years)
    if b.required >= r0 * multiple:
        assert b.years_exponential <= b.years_linear + 1e-9
    else:
        assert b.years_linear <= b.years_exponential + 1e-9


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0.0, max_value=1e4), st.floats(min_value=0.01, max_value=1.0),
       st.floats(min_value=0.01, max_value=1.0))
def test_sequoia_is_linear_in_the_run_rate(run_rate: float, gpu: float, margin: float) -> None:
    one = sequoia_required_revenue(1.0, gpu, margin).required
    assert abs(sequoia_required_revenue(run_rate, gpu, margin).required - run_rate * one) \
        <= 1e-9 * max(1.0, run_rate * one)
