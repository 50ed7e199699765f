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
from bubblescope.stress.kernels.el_marks import (
    AAA_SPREAD_BETA,
    PREMIUM_PTS_PER_PP,
    bond_price_fall,
    bond_price_fall_reference,
    grade_beta,
    market_mark_target,
)
from bubblescope.stress.kernels.ratings import INVESTMENT_GRADE_FLOOR, RATINGS
from bubblescope.stress.kernels.spread import (
    SPREAD_HALF_LIFE_Q,
    excess_pp,
    impulse,
    next_spread,
    next_spread_reference,
    shock_impulse,
)
from bubblescope.stress.scenario import load_preset

_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
_SHARED = _DATA / "fred_BAMLC0A4CBBB.csv"


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
    before = shock_impulse(shock, -1, 1)  # the quarter before the shock: no shock part
    assert impulse(before, np.array([0.0]), np.array([0.0]), per, per)[0] == 0.0
    after = shock_impulse(shock, 1, 1)  # a quarter after a one-quarter build: none either
    assert impulse(after, np.array([200.0]), np.array([50.0]), per, per)[0] == \
        pytest.approx(0.004 + 0.001)
    w = impulse(shock_impulse(shock, 0, 1), np.array([200.0]), np.array([50.0]), per, per)[0]
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
    top = hit + crash.scenario.spread_build_quarters - 1
    assert int(np.argmax(s)) == top  # the shock builds to its peak, then fades
    assert np.all(np.diff(s[hit - 1:top + 1]) > 0)
    assert base + 3.0 < s.max() <= 8.04  # 2008's BBB OAS peak
    # a year after the peak at most a third of the widening is left (2008: 1.16 of 5.91)
    assert s[top + 4] - base < (s[top] - base) / 3
    # and the junked volume still stands: it no longer holds the spread up
    assert crash.downgraded[0, -1] >= crash.downgraded[0, hit]
    assert s[-1] - base < 0.25
    assert excess_pp(crash.spread[0], np.full(crash.quarters, base / 100)).max() == \
        pytest.approx(s.max() - base)


def test_the_presets_build_their_spread_shock_over_historys_time_to_peak(
        bbb: dict[str, SpreadEpisode]) -> None:
    """2002: 5.4 quarters from the low of the two years before the peak to the peak; 2008:
    7.3; the crash presets build over the mean, rounded."""
    times = [bbb[e].time_to_peak_q for e in ("dot-com", "2008")]
    assert times == pytest.approx([5.4, 7.3], abs=0.05)
    build = round(float(np.mean(times)))
    for name in ("atlantic-crash", "big-short-rerating", "gpu-spiral"):
        assert load_preset(name).spread_build_quarters == build, name


@given(st.floats(0.0, 0.3), st.integers(1, 12), st.floats(0.5, 8.0))
def test_the_shock_alone_ramps_to_its_peak_in_equal_steps(shock: float, build: int,
                                                          half_life: float) -> None:
    base = np.array([0.01])
    s = base.copy()
    path = []
    for j in range(-1, build + 3):
        s = next_spread(s, base, shock_impulse(np.array([shock]), j, build, half_life),
                        half_life)
        path.append(float(s[0] - base[0]))
    assert path[0] == 0.0
    want = [shock * (j + 1) / build for j in range(build)]
    assert path[1:build + 1] == pytest.approx(want, abs=1e-12)
    keep = 0.5 ** (1.0 / half_life)
    assert path[build + 1] == pytest.approx(keep * shock, abs=1e-12)  # then it fades
    one = shock_impulse(np.array([shock]), 0, 1)
    assert one.tolist() == [shock]  # one quarter: the whole shock at once, bit for bit


def test_aaa_spreads_widen_a_third_as_much_as_bbb(bbb: dict[str, SpreadEpisode]) -> None:
    """el_marks.AAA_SPREAD_BETA: AAA OAS excess over BBB OAS excess, summed over the BBB
    peak quarter and the four after, pooled over 2002 and 2008 (FRED BAMLC0A1CAAA)."""
    path = _DATA / "fred_BAMLC0A1CAAA.csv"
    if not path.exists():
        pytest.skip("../shared/data is not next to this checkout (AAA OAS is not bundled)")
    aaa = read_close(path, {"BAMLC0A1CAAA": "aaa"})["aaa"]
    a = {n: spread_episode(aaa, n, "aaa") for n in bbb}
    for n in bbb:  # the same quarters: the BBB peak quarter is the AAA's too
        assert a[n].peak_quarter == bbb[n].peak_quarter
    ratio = sum(sum(a[n].excess) for n in bbb) / sum(sum(bbb[n].excess) for n in bbb)
    assert ratio == pytest.approx(AAA_SPREAD_BETA, abs=0.005)
    assert 0.25 < sum(a["dot-com"].excess) / sum(bbb["dot-com"].excess) < 0.45


@given(st.floats(0.0, 0.2), st.floats(0.0, 0.2), st.integers(1, 30))
def test_the_bond_price_fall_matches_its_cash_flows(c: float, w: float, years: int) -> None:
    fast = float(bond_price_fall(np.array(c), np.array(w), np.array(float(years))))
    assert fast == pytest.approx(bond_price_fall_reference(c, w, years), abs=1e-9)
    assert 0.0 <= fast + 1e-12 < 1.0
    # a longer bond or a wider spread loses more
    assert float(bond_price_fall(np.array(c), np.array(w + 0.01), np.array(float(years)))) > fast
    assert float(bond_price_fall(np.array(c), np.array(w), np.array(years + 1.0))) >= fast - 1e-12


def test_ig_marks_follow_the_grade_and_junk_is_never_tighter_than_bbb() -> None:
    beta = grade_beta(np.arange(len(RATINGS) - 1))
    assert beta[0] == AAA_SPREAD_BETA
    assert beta[RATINGS.index("BBB")] == 1.0
    assert np.all(np.diff(beta) >= 0)
    grades = np.array([[0, RATINGS.index("A"), INVESTMENT_GRADE_FLOOR,
                        INVESTMENT_GRADE_FLOOR + 1, INVESTMENT_GRADE_FLOOR + 1]])
    out = market_mark_target(np.full((1, 5), 100.0), np.array([5.0]), grades,
                             np.full((1, 5), 0.05), np.array([[10, 10, 10, 10, 10.0]]),
                             np.array([True, True, True, True, False]))[0]
    assert out[0] < out[1] < out[2] == out[3]  # AAA < A < BBB-; BB+ at least BBB's fall
    assert out[4] == 0.0  # not held at fair value: no mark
    # 2008-sized widening (5.91 points, the 2009Q1 excess) on a 10-year BBB at 6%: about a
    # third of par, spread alone
    fall = float(bond_price_fall(np.array(0.06), np.array(0.0591), np.array(10.0)))
    assert 0.30 < fall < 0.36


def test_funds_mark_ig_bonds_for_spreads_and_give_it_back_insurers_do_not(
        crash: StressResult) -> None:
    top = crash.scenario.shock_quarter + crash.scenario.spread_build_quarters - 1
    pimco = crash.entity_ids.index("pimco")  # holds Hyperion's bonds, investment grade
    marks = crash.spread_marks[0, :, pimco]
    assert int(np.argmax(marks)) == top  # the marks follow the spread to its peak
    assert marks[top] > 1.5  # 1.9 (2.4 while USD 943bn junked at the shock widened spreads)
    assert marks[-1] < 0.1 * marks[top]
    # life insurers and banks hold to maturity: no spread marks on what they hold directly
    for holder in ("life_insurers", "us_banks"):
        assert np.abs(crash.spread_marks[0, :, crash.entity_ids.index(holder)]).max() == 0.0
