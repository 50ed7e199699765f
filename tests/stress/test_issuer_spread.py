"""An issuer refinances at its own rating's spread, and not at all when its market is shut.

The grade ratios are re-derived here from the ICE BofA OAS series (the BBB and high-yield
series are bundled; the AAA series is read from ``shared/data`` and its test skips where that
directory is absent): a change of method or data moves them and fails.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bubblescope.calibration.history import load_history, read_close, spread_episode
from bubblescope.model import Web
from bubblescope.stress import Scenario, compile_web
from bubblescope.stress.channels import funding
from bubblescope.stress.channels.quarter import Quarter
from bubblescope.stress.context import RunContext
from bubblescope.stress.engine import start
from bubblescope.stress.kernels.el_marks import AAA_SPREAD_BETA
from bubblescope.stress.kernels.issuer_spread import (
    CALM_RATIO,
    HY_GRADE,
    WIDENING_RATIO,
    grade_spread,
    grade_spread_reference,
    market_open,
    market_open_reference,
)
from bubblescope.stress.kernels.ratings import RATINGS, grade_pd

_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
_CCC = RATINGS.index("CCC")


def _calm_ratio(x: pd.Series, bbb: pd.Series) -> float:
    """Median daily ratio of ``x`` to the BBB OAS on the days the BBB OAS is below 1.5%."""
    both = pd.concat([x, bbb], axis=1, join="inner").dropna()
    both.columns = ["x", "bbb"]
    calm = both[both["bbb"] < 1.5]
    assert len(calm) > 2000
    return float((calm["x"] / calm["bbb"]).median())


def test_high_yield_ratios_are_measured_on_the_bundled_series() -> None:
    """CALM_RATIO[B] and WIDENING_RATIO[B]: the HY OAS against the BBB OAS (FRED
    BAMLH0A0HYM2, BAMLC0A4CBBB): calm days' median ratio; excess summed over each peak
    quarter and the four after, pooled over 2002 and 2008."""
    oas = load_history().oas
    assert _calm_ratio(oas["hy"], oas["bbb"]) == pytest.approx(CALM_RATIO[HY_GRADE], abs=0.01)
    ep = {(c, e): spread_episode(oas[c], e, c) for c in ("hy", "bbb") for e in ("dot-com", "2008")}
    pooled = (sum(sum(ep["hy", e].excess) for e in ("dot-com", "2008"))
              / sum(sum(ep["bbb", e].excess) for e in ("dot-com", "2008")))
    assert pooled == pytest.approx(WIDENING_RATIO[HY_GRADE], abs=0.01)
    for e in ("dot-com", "2008"):  # each episode alone is close to the pooled figure
        one = sum(ep["hy", e].excess) / sum(ep["bbb", e].excess)
        assert 3.2 < one < 3.5


def test_aaa_calm_ratio_is_measured_and_its_widening_is_el_marks_beta() -> None:
    """CALM_RATIO[AAA]: the AAA OAS against the BBB OAS on calm days (FRED BAMLC0A1CAAA);
    the widening reuses el_marks.AAA_SPREAD_BETA (measured in test_spread.py)."""
    assert WIDENING_RATIO[0] == AAA_SPREAD_BETA
    path = _DATA / "fred_BAMLC0A1CAAA.csv"
    if not path.exists():
        pytest.skip("../shared/data is not next to this checkout (AAA OAS is not bundled)")
    aaa = read_close(path, {"BAMLC0A1CAAA": "aaa"})["aaa"]
    assert _calm_ratio(aaa, load_history().oas["bbb"]) == pytest.approx(CALM_RATIO[0],
                                                                        abs=0.01)


def test_the_ccc_calm_ratio_is_the_cited_day_over_the_measured_bbb() -> None:
    """CALM_RATIO[CCC]: ICE BofA CCC & Lower OAS 8.39% on 2025-08-06 (cited) over the BBB
    OAS that day (bundled series)."""
    bbb = load_history().oas["bbb"]
    assert 8.39 / float(bbb.loc["2025-08-06"]) == pytest.approx(CALM_RATIO[_CCC], abs=0.05)


@given(st.lists(st.tuples(st.integers(0, len(RATINGS) - 1), st.floats(0.0, 0.1),
                          st.floats(0.002, 0.03)), min_size=1, max_size=8))
def test_grade_spread_matches_its_reference(rows: list[tuple[int, float, float]]) -> None:
    g = np.array([[r[0]] for r in rows])
    b = np.array([r[2] for r in rows])
    s = b + np.array([r[1] for r in rows])
    out = grade_spread(g, s, b)
    for i, (code, _, _) in enumerate(rows):
        assert out[i, 0] == pytest.approx(grade_spread_reference(code, s[i], b[i]), abs=1e-12)


@given(st.integers(0, len(RATINGS) - 1), st.floats(0.0, 12.0))
def test_market_open_matches_its_reference(code: int, x: float) -> None:
    assert bool(market_open(np.array([[code]]), np.array([x]))[0, 0]) == \
        market_open_reference(code, x)


def test_worse_grades_borrow_wider_and_bbb_is_the_state() -> None:
    g = np.arange(len(RATINGS))[None, :]
    for excess in (0.0, 0.02, 0.07):
        s = grade_spread(g, np.array([0.01 + excess]), np.array([0.01]))[0]
        assert np.all(np.diff(s) >= 0)
        assert s[RATINGS.index("BBB")] == pytest.approx(0.01 + excess)
    # investment grade stays open in any stress; CCC shuts first, single B at 2008's peak
    assert market_open(g, np.array([7.0]))[0, :RATINGS.index("BB-") + 1].all()
    assert not market_open(np.array([[_CCC]]), np.array([2.0]))[0, 0]
    assert market_open(np.array([[RATINGS.index("B")]]), np.array([5.9]))[0, 0]
    assert not market_open(np.array([[RATINGS.index("B")]]), np.array([6.0]))[0, 0]


def test_a_downgraded_issuer_rolls_less_at_a_higher_coupon_and_not_at_all_when_shut(
        toy_web: Web) -> None:
    """The toy neocloud's bank loan falls due in quarter 1. At its starting grade and a calm
    spread it rolls at its own coupon; downgraded to CCC it rolls less at the CCC spread
    (the BBB spread at its base); with the BBB spread 3 points wide the CCC market is shut."""
    cw = compile_web(toy_web)
    ctx = RunContext.of(cw, Scenario("calm", quarters=4, rollover_base=0.9), 1)
    neo, loan = cw.ids.index("neo"), cw.contract_ids.index("bank_neo")
    st0 = start(ctx)
    q = Quarter.of(ctx, int(cw.maturity_q[loan]), np.zeros(1))
    principal = np.where(np.arange(cw.m) == loan, st0.outstanding, 0.0)
    zero = np.zeros((1, cw.n))
    same = funding.refinance(ctx, st0, q, principal, principal, zero)
    assert same.rolled[0, loan] > 0
    assert same.interest_rate[0, loan] == pytest.approx(cw.rate[loan])
    g0 = int(funding.issuer_grade(ctx, st0.pd0)[0, neo])
    ccc = replace(st0, rated_pd=np.where(np.arange(cw.n) == neo, grade_pd(_CCC), st0.pd0))
    assert funding.issuer_grade(ctx, ccc.rated_pd)[0, neo] == _CCC > g0
    down = funding.refinance(ctx, ccc, q, principal, principal, zero)
    b = ctx.params.base_spread
    move = grade_spread(np.array([[_CCC, g0]]), b, b)[0]
    assert down.interest_rate[0, loan] == pytest.approx(cw.rate[loan] + move[0] - move[1])
    assert 0 < down.rolled[0, loan] < same.rolled[0, loan]
    wide = replace(ccc, spread=b + 0.03)
    assert funding.refinance(ctx, wide, q, principal, principal, zero).rolled[0, loan] == 0.0
    spent = np.where(np.arange(cw.n) == neo, 5.0, 0.0)[None, :]
    assert funding.issue(ctx, wide, 0, spent).by_obligor[0, neo] == 0.0
    assert funding.issue(ctx, st0, 0, spent).by_obligor[0, neo] > 0
