"""Granular private-credit pool and expected-loss marks (issue 11 item 6)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bubblescope as bs
from bubblescope.stress import CompiledWeb, StressResult, compile_web
from bubblescope.stress.kernels.credit_pool import (
    pool_defaults,
    pool_defaults_reference,
    quarterly_default_rate,
)
from bubblescope.stress.kernels.el_marks import mark_target, remaining_el
from bubblescope.stress.ledger import LossClass

_x = st.floats(0.0, 500.0, allow_nan=False)
_p = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_x, _p, _p), min_size=1, max_size=6))
def test_pool_defaults_match_their_reference(rows: list[tuple[float, float, float]]) -> None:
    a = np.array(rows)
    args = (a[None, :, 0], a[None, :, 1], a[:, 2])
    fast, slow = pool_defaults(*args), pool_defaults_reference(*args)
    for f, s in ((fast.defaulted, slow.defaulted), (fast.written_off, slow.written_off),
                 (fast.recovered, slow.recovered)):
        np.testing.assert_allclose(f, s, atol=1e-9)
    np.testing.assert_allclose(fast.written_off + fast.recovered, fast.defaulted, atol=1e-9)


@given(_p)
def test_forty_quarters_of_the_hazard_compound_to_the_ten_year_pd(pd10: float) -> None:
    d = float(quarterly_default_rate(np.array(pd10)))
    assert 1.0 - (1.0 - d) ** 40 == pytest.approx(pd10, abs=1e-9)


def test_remaining_el_is_the_ten_year_el_at_ten_years_and_grows_with_the_horizon() -> None:
    el10 = np.array([[0.05, 0.3]])
    lgd = np.array([0.5, 0.6])
    assert remaining_el(el10, lgd, np.full((1, 2), 10.0)) == pytest.approx(el10)
    short = remaining_el(el10, lgd, np.full((1, 2), 1.0))
    assert (short < el10).all()
    assert (short > 0).all()


def test_a_mark_only_counts_the_rise_above_the_start_and_only_at_fair_value() -> None:
    out = mark_target(np.array([[100.0, 100.0, 100.0]]), np.array([[0.1, 0.01, 0.1]]),
                      np.array([[0.02, 0.02, 0.02]]), np.array([True, True, False]))
    assert out[0].tolist() == pytest.approx([8.0, 0.0, 0.0])


@pytest.fixture(scope="module")
def web() -> CompiledWeb:
    return compile_web(bs.load_default())


@pytest.fixture(scope="module")
def runs(web: CompiledWeb) -> dict[str, StressResult]:
    return {n: bs.stress.run(web, n) for n in ("baseline", "atlantic-crash")}


def test_the_residual_pool_never_defaults_as_one_name(runs: dict[str, StressResult]) -> None:
    crash = runs["atlantic-crash"]
    i = crash.entity_ids.index("other_tech_borrowers")
    assert (crash.default_quarter[:, i] == -1).all()
    # its borrowers default every quarter instead, no quarter more than 3% of the pool
    q = crash.pool_defaulted[0]
    assert (q > 0).all()
    assert q.max() < 0.03 * 430.5
    # more in the crash than in the baseline's ordinary defaults (B-rated, ~2.8% a year)
    assert q.sum() > runs["baseline"].pool_defaulted[0].sum()


def test_fund_held_debt_is_marked_each_quarter_in_a_crash_not_in_baseline(
        runs: dict[str, StressResult]) -> None:
    crash, base = runs["atlantic-crash"], runs["baseline"]
    i = crash.entity_ids.index("private_credit_funds")
    assert crash.el_marks[0, 1:8, i].min() > 0  # marked from the quarter after the shock
    assert np.abs(base.el_marks[0, :, i]).max() < 0.5  # at most small drift with no shock


def test_a_default_releases_the_mark_so_the_loss_counts_once(runs: dict[str, StressResult],
                                                             web: CompiledWeb) -> None:
    crash = runs["atlantic-crash"]
    # CoreWeave's notes held by private credit funds: marked, then CoreWeave defaults
    k = crash.contract_ids.index("coreweave_notes_2030__private_credit_funds")
    by_q = crash.contract_class_quarter[:, k]
    assert by_q[:, LossClass.DEBT_MARK].max() > 0  # marked before the default
    assert crash.contract_class[0, k, LossClass.DEBT_MARK] == pytest.approx(0.0, abs=1e-9)
    written = crash.contract_class[0, k, LossClass.CREDIT]
    assert written == pytest.approx(float(web.amount[k]) * (1 - 0.4), rel=0.35)
