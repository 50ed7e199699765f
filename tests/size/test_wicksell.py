"""The Wicksellian deficit: kernels against their reference twin, episodes, ratios, data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.model import DataError, ScenarioError
from bubblescope.model.series import Series
from bubblescope.size.data import load_gdp, load_rates, read_flow_shares
from bubblescope.size.series import make_series
from bubblescope.size.wicksell import (
    FlowShare,
    WicksellConfig,
    accumulate,
    accumulate_reference,
    allocate,
    find_episodes,
    nominal_growth,
    variants,
    wicksell,
)

finite = st.floats(min_value=-10, max_value=10, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=1, max_size=60), st.sampled_from(["reset", "positive_runs"]))
def test_fast_accumulate_matches_reference(xs: list[float], rule: str) -> None:
    fast = accumulate(np.array(xs), rule)  # type: ignore[arg-type]
    slow = accumulate_reference(xs, rule)  # type: ignore[arg-type]
    np.testing.assert_allclose(fast, slow, atol=1e-9)
    assert (fast >= -1e-12).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(finite, min_size=1, max_size=40))
def test_reset_dominates_positive_runs(xs: list[float]) -> None:
    reset = accumulate(np.array(xs), "reset")
    runs = accumulate(np.array(xs), "positive_runs")
    assert (reset >= runs - 1e-9).all()


def test_accumulate_small_examples() -> None:
    x = np.array([1.0, -0.5, 2.0, -5.0, 1.0])
    assert accumulate(x, "reset").tolist() == [1.0, 0.5, 2.5, 0.0, 1.0]
    assert accumulate(x, "positive_runs").tolist() == [1.0, 0.0, 2.0, 0.0, 1.0]


def test_find_episodes_marks_runs_and_peaks() -> None:
    acc = np.array([0.0, 1.0, 3.0, 2.0, 0.0, 4.0])
    eps = find_episodes(["a", "b", "c", "d", "e", "f"], acc, 0.25)
    assert [(e.start, e.end, e.peak, e.size, e.ongoing) for e in eps] == [
        ("b", "d", "c", 3.0, False), ("f", "f", "f", 4.0, True)]
    assert eps[0].years == 0.75
    assert "peak 3.0" in str(eps[0])


def _quarterly_gdp(growth_by_year: dict[int, float], start: int = 1990) -> Series:
    """GDP whose year-over-year growth in each year equals ``growth_by_year`` (percent)."""
    years = sorted(growth_by_year)
    levels, level = [], 100.0
    for y in range(start, years[-1] + 1):
        g = growth_by_year.get(y, 0.0) / 100.0
        q = (1 + g) ** 0.25
        for _ in range(4):
            level *= q
            levels.append(level)
    dates = [str(p) for p in pd.period_range(f"{start}Q1", periods=len(levels), freq="Q")]
    return make_series("gdp", dates, levels, unit="usd_bn_saar", freq="Q", source="synthetic")


def _annual_rate(rate_by_year: dict[int, float], start: int = 1990, end: int = 2024) -> Series:
    dates, values = [], []
    for y in range(start, end + 1):
        for m in range(1, 13):
            dates.append(f"{y}-{m:02d}")
            values.append(rate_by_year.get(y, 5.0))
    return make_series("rate", dates, values, unit="percent", freq="M", source="synthetic")


@pytest.fixture
def synthetic() -> tuple[Series, Series]:
    # growth 3 % except booms; rate 5 % except cheap-money years: WD = g + 2 - r
    growth = {y: 3.0 for y in range(1990, 2025)}
    rate = {y: 5.0 for y in range(1990, 2025)}
    for y in (1998, 1999):          # dot-com: WD = 3 + 2 - 4 = +1 for 2 years
        rate[y] = 4.0
    for y in (2004, 2005, 2006):    # subprime: WD = +2 for 3 years
        rate[y] = 3.0
    for y in range(2020, 2025):     # current: WD = +4 for 5 years
        rate[y] = 1.0
    return _quarterly_gdp(growth), _annual_rate(rate)


def test_synthetic_episodes_and_ratios(synthetic: tuple[Series, Series]) -> None:
    gdp, rate = synthetic
    res = wicksell(gdp, rate, WicksellConfig(theta=2.0, rule="positive_runs"))
    assert res.dotcom is not None
    assert res.dotcom.size == pytest.approx(2.0, rel=1e-6)
    assert res.subprime is not None
    assert res.subprime.size == pytest.approx(6.0, rel=1e-6)
    assert res.current is not None
    assert res.current.ongoing
    assert res.ratio_dotcom == pytest.approx(10.0, rel=1e-6)
    assert res.ratio_subprime == pytest.approx(20.0 / 6.0, rel=1e-6)
    assert "current / dot-com = 10.00x" in str(res)
    assert list(res.frame().columns) == ["period", "gdp_growth", "rate", "deficit", "accumulated"]


def test_theta_shifts_the_deficit_one_for_one(synthetic: tuple[Series, Series]) -> None:
    gdp, rate = synthetic
    a = wicksell(gdp, rate, WicksellConfig(theta=2.0))
    b = wicksell(gdp, rate, WicksellConfig(theta=3.0))
    np.testing.assert_allclose(b.deficit - a.deficit, 1.0)


def test_quarterly_frequency_agrees_on_a_flat_path(synthetic: tuple[Series, Series]) -> None:
    gdp, rate = synthetic
    q = wicksell(gdp, rate, WicksellConfig(frequency="quarterly", rule="positive_runs"))
    assert q.current is not None
    assert q.current.size == pytest.approx(20.0, rel=0.05)


def test_reset_rule_merges_episodes_and_says_so(synthetic: tuple[Series, Series]) -> None:
    gdp, rate = synthetic
    res = wicksell(gdp, rate, WicksellConfig(theta=4.0, rule="reset"))
    assert res.current == res.dotcom
    assert any("ratio is 1 by construction" in n for n in res.notes)


def test_missing_benchmark_is_reported(synthetic: tuple[Series, Series]) -> None:
    gdp, rate = synthetic
    res = wicksell(gdp, rate, WicksellConfig(theta=0.0))
    assert res.dotcom is None
    assert res.ratio_dotcom is None
    assert any("no dot-com episode" in n for n in res.notes)
    assert "n/a" in str(res)


def test_config_is_validated() -> None:
    with pytest.raises(ScenarioError, match="rule"):
        WicksellConfig(rule="sum")  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match="frequency"):
        WicksellConfig(frequency="monthly")  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match="theta"):
        WicksellConfig(theta=50.0)


def test_inputs_are_checked(synthetic: tuple[Series, Series]) -> None:
    gdp, rate = synthetic
    with pytest.raises(DataError, match="nominal GDP"):
        wicksell(rate, rate)
    with pytest.raises(DataError, match="percent"):
        wicksell(gdp, gdp)
    early = _annual_rate({}, start=1900, end=1902)
    with pytest.raises(DataError, match="overlap"):
        wicksell(gdp, early)
    short = make_series("r", ["2000-01", "2000-02"], [5.0, 5.0], unit="percent", freq="M")
    with pytest.raises(DataError, match="complete"):
        wicksell(gdp, short)


def test_nominal_growth_annual_uses_annual_means(synthetic: tuple[Series, Series]) -> None:
    gdp, _ = synthetic
    g = nominal_growth(gdp, "annual")
    assert g.data.iloc[-1] == pytest.approx(3.0, rel=1e-6)


def test_variants_table_covers_the_grid(synthetic: tuple[Series, Series]) -> None:
    gdp, rate = synthetic
    table = variants(gdp, {"a": rate, "b": rate}, thetas=(1.0, 2.0))
    assert len(table.table) == 2 * 2 * 2 * 2
    lo_d, hi_d, lo_s, hi_s = table.ratio_range
    assert lo_d <= hi_d
    assert lo_s <= hi_s
    assert "Wicksellian deficit variants" in str(table)


def test_allocation_splits_by_flow_shares(synthetic: tuple[Series, Series]) -> None:
    gdp, rate = synthetic
    res = wicksell(gdp, rate)
    flows = (FlowShare("ai", 3.0, "2025", "m", "s", "low"),
             FlowShare("nfts", 1.0, "2021", "m", "s", "low"))
    alloc = allocate(res, flows, gdp)
    assert alloc.shares.tolist() == [0.75, 0.25]
    assert alloc.sizes.sum() == pytest.approx(res.current.size)  # type: ignore[union-attr]
    assert "ASSUMPTION" in str(alloc)
    with pytest.raises(DataError, match="positive"):
        allocate(res, (FlowShare("ai", 0.0, "", "", "", ""),), gdp)
    with pytest.raises(DataError, match="positive"):
        allocate(res, (), gdp)
    none = wicksell(gdp, rate, WicksellConfig(theta=-5.0))
    with pytest.raises(DataError, match="current episode"):
        allocate(none, flows, gdp)


def test_bundled_default_runs_on_licensed_data() -> None:
    rates = load_rates()
    assert set(rates) == {"treasury_const"}
    res = wicksell(load_gdp(), rates["treasury_const"])
    assert res.periods[-1] == "2024"
    assert res.current is not None
    assert "1.92 pp" in res.rate_note
    assert allocate(res, read_flow_shares(), load_gdp()).shares.sum() == pytest.approx(1.0)


def test_vendor_rates_from_shared_data(shared_data: Path) -> None:
    rates = load_rates(shared_data)
    assert set(rates) == {"baa", "treasury_bbb", "aaa", "treasury_const"}
    baa = rates["baa"]
    assert baa.data[pd.Period("2000-01", "M")] == pytest.approx(8.33)  # SOURCES.md check
    assert baa.last_period >= "2026-01"
    assert "shifted by" in baa.note
    assert rates["treasury_bbb"].first_period == "1997-01"
    res = wicksell(load_gdp(shared_data / "us_gdp_quarterly_bea.csv"), baa,
                   WicksellConfig(rule="positive_runs"))
    # what the data gives (no tuning): a current episode from 2021 that exceeds both benchmarks
    assert res.current is not None
    assert res.current.start == "2021"
    assert res.ratio_dotcom is not None
    assert res.ratio_dotcom > 1.0
    assert res.ratio_subprime is not None
    assert res.ratio_subprime > 1.0
