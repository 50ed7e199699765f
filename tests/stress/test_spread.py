"""The credit spread as a mean-reverting state (issue 11: spreads that tighten).

The half-life, the pool's cycle slope and the loan premium per point are re-derived here
from the bundled ICE BofA OAS series (FRED BAMLC0A4CBBB / BAMLH0A0HYM2, the same values as
``shared/data/fred_BAMLC0A4CBBB.csv``): a change of method or data moves them and fails.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import brentq

import bubblescope as bs
from bubblescope.calibration.history import (
    SpreadEpisode,
    load_history,
    read_close,
    spread_episode,
    spread_half_life,
)
from bubblescope.stress import CompiledWeb, StressResult, compile_web
from bubblescope.stress.kernels.credit_pool import (
    CYCLE_PROBIT_PER_PP,
    LOAN_DEFAULT_2009_PEAK,
    LOAN_DEFAULT_AVERAGE,
    cycle_rate,
    cycle_rate_reference,
)
from bubblescope.stress.kernels.el_marks import PREMIUM_PTS_PER_PP
from bubblescope.stress.kernels.spread import (
    SPREAD_HALF_LIFE_Q,
    excess_pp,
    impulse,
    next_spread,
    next_spread_reference,
)

_SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "fred_BAMLC0A4CBBB.csv"


@pytest.fixture(scope="module")
def bbb() -> dict[str, SpreadEpisode]:
    oas = load_history().oas
    return {e: spread_episode(oas["bbb"], e, "bbb") for e in ("dot-com", "2008")}


def test_the_half_life_is_the_one_fitted_on_2002_and_2008(bbb: dict[str, SpreadEpisode]
                                                          ) -> None:
    # peaks and calms as measured (SOURCES.md checks: 8.04 on 2008-12-16)
    assert (bbb["2008"].peak, bbb["2008"].peak_date) == (8.04, "2008-12-16")
    assert (bbb["2008"].calm, bbb["2008"].calm_date) == (1.12, "2007-02-20")
    assert (bbb["dot-com"].peak, bbb["dot-com"].calm) == (4.03, 1.19)
    assert bbb["2008"].peak_quarter == "2009Q1"
    assert spread_half_life(tuple(bbb.values())) == pytest.approx(SPREAD_HALF_LIFE_Q, abs=0.005)
    # each episode alone lies within a quarter of the pooled fit
    for e in bbb.values():
        assert abs(e.half_life_q - SPREAD_HALF_LIFE_Q) < 0.25


def test_the_bundled_bbb_series_is_the_shared_one(bbb: dict[str, SpreadEpisode]) -> None:
    if not _SHARED.exists():
        pytest.skip("../shared/data is not next to this checkout")
    shared = read_close(_SHARED, {"BAMLC0A4CBBB": "bbb"})["bbb"]
    for name, e in bbb.items():
        assert spread_episode(shared, name, "bbb") == e


def test_no_persistent_term_because_2002_and_2008_disagree(bbb: dict[str, SpreadEpisode]
                                                          ) -> None:
    """A year after the peak quarter 2008's BBB excess was still 1.2 points and 2002's 0.25:
    one persistent share of the peak does not fit both (0.20 against 0.12 of the peak)."""
    left = {n: e.excess[4] / e.excess[0] for n, e in bbb.items()}
    assert left["2008"] > 1.5 * left["dot-com"]


def test_the_cycle_slope_turns_2008s_bbb_path_into_the_2009_loan_default_peak(
        bbb: dict[str, SpreadEpisode]) -> None:
    """Defaults of 2009Q1-Q4 read the excess of the quarter before (2008Q4 .. 2009Q3); a
    pool at the loan average (3.1%) then defaults 10.81% in the year (Nov 2009 peak)."""
    e = bbb["2008"]
    path = np.array([e.excess_before, *e.excess[:3]])
    assert path.round(2).tolist() == [5.90, 5.91, 4.53, 2.47]

    def first_year(per_pp: float) -> float:
        a = cycle_rate(np.full(4, LOAN_DEFAULT_AVERAGE), path, per_pp)
        return float(1.0 - np.prod((1.0 - a) ** 0.25))

    assert first_year(CYCLE_PROBIT_PER_PP) == pytest.approx(LOAN_DEFAULT_2009_PEAK, abs=3e-4)
    fitted = brentq(lambda b: first_year(b) - LOAN_DEFAULT_2009_PEAK, 0.0, 1.0)
    assert fitted == pytest.approx(CYCLE_PROBIT_PER_PP, abs=5e-4)


def test_the_loan_premium_per_point_is_2008s_price_fall_over_the_bbb_excess(
        bbb: dict[str, SpreadEpisode]) -> None:
    """Loans bid about 65 in mid-December 2008 (35 points, 5 of them expected loss) when
    the BBB OAS peaked 6.92 points over its calm (el_marks.PREMIUM_PTS_PER_PP)."""
    e = bbb["2008"]
    assert e.peak - e.calm == pytest.approx(6.92)
    assert (35.0 - 5.0) / (e.peak - e.calm) == pytest.approx(PREMIUM_PTS_PER_PP, abs=0.05)


@given(st.lists(st.tuples(st.floats(0.0, 0.3), st.floats(0.0, 0.05), st.floats(0.0, 0.1)),
                min_size=1, max_size=5), st.floats(0.5, 12.0))
def test_next_spread_matches_its_reference(rows: list[tuple[float, float, float]],
                                           h: float) -> None:
    a = np.array(rows)
    fast = next_spread(a[:, 0], a[:, 1], a[:, 2], h)
    np.testing.assert_allclose(fast, next_spread_reference(a[:, 0], a[:, 1], a[:, 2], h),
                               atol=1e-12)
    # with no impulse the excess shrinks towards the base and never crosses it
    calm = next_spread(a[:, 0], a[:, 1], np.zeros(len(a)), h)
    assert np.all(np.abs(calm - a[:, 1]) <= np.abs(a[:, 0] - a[:, 1]) + 1e-15)
    assert np.all(np.sign(calm - a[:, 1]) * np.sign(a[:, 0] - a[:, 1]) >= 0)


def test_only_this_quarters_flows_widen_the_spread() -> None:
    shock, per = np.array([0.03]), np.array([0.002])
    assert impulse(shock, False, np.array([0.0]), np.array([0.0]), per, per)[0] == 0.0
    w = impulse(shock, True, np.array([200.0]), np.array([50.0]), per, per)[0]
    assert w == pytest.approx(0.03 + 0.004 + 0.001)


@given(st.lists(st.tuples(st.floats(0.001, 0.3), st.floats(-5.0, 15.0),
                          st.floats(0.001, 0.9)), min_size=1, max_size=6),
       st.floats(0.0, 0.5))
def test_the_cycle_counts_the_systematic_factor_once(rows: list[tuple[float, float, float]],
                                                     per_pp: float) -> None:
    a = np.array(rows)
    fast = cycle_rate(a[:, 0], a[:, 1], per_pp, annual_now=a[:, 2])
    np.testing.assert_allclose(fast, cycle_rate_reference(a[:, 0], a[:, 1], per_pp, a[:, 2]),
                               atol=1e-9)
    # never below either reading, never their sum in probit space
    assert np.all(fast >= a[:, 2] - 1e-12)
    assert np.all(fast >= cycle_rate(a[:, 0], a[:, 1], per_pp) - 1e-12)


@pytest.fixture(scope="module")
def web() -> CompiledWeb:
    return compile_web(bs.load_default())


@pytest.fixture(scope="module")
def crash(web: CompiledWeb) -> StressResult:
    return bs.stress.run(web, "atlantic-crash")


def test_the_crash_spread_peaks_inside_2008_and_tightens(crash: StressResult) -> None:
    s = 100 * crash.spread[0]
    base = 100 * float(crash.scenario.values("base_spread", 1)[0])
    hit = crash.scenario.shock_quarter
    assert int(np.argmax(s)) == hit  # the shock and the junking wave land together
    assert base + 3.0 < s.max() <= 8.04  # 2008's BBB OAS peak
    # a year after the peak at most a third of the widening is left (2008: 1.16 of 5.91)
    assert s[hit + 4] - base < (s[hit] - base) / 3
    # and the junked volume still stands: it no longer holds the spread up
    assert crash.downgraded[0, -1] >= crash.downgraded[0, hit]
    assert s[-1] - base < 0.25
    assert excess_pp(crash.spread[0], np.full(crash.quarters, base / 100)).max() == \
        pytest.approx(s.max() - base)
