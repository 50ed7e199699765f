"""Series validation at the boundary: NaN, overlaps, gaps, units; resampling and splicing."""

from __future__ import annotations

import numpy as np
import pytest

from bubblescope.model import DataError
from bubblescope.size.series import add, make_series, resample_mean, splice


def _monthly(start: str, values: list[float], name: str = "r") -> object:
    import pandas as pd

    dates = [str(p) for p in pd.period_range(start, periods=len(values), freq="M")]
    return make_series(name, dates, values, unit="percent", freq="M", source=name)


def test_nan_is_rejected_with_row_and_field() -> None:
    with pytest.raises(DataError, match=r"f\.csv line 3: 'value' must be a finite number"):
        make_series("x", ["2020-01", "2020-02"], [1.0, float("nan")], unit="percent",
                    freq="M", file="f.csv")


def test_overlapping_dates_are_rejected() -> None:
    with pytest.raises(DataError, match="overlapping dates"):
        make_series("x", ["2020-01", "2020-01", "2020-02"], [1, 2, 3], unit="percent",
                    freq="M")


def test_unordered_dates_are_rejected() -> None:
    with pytest.raises(DataError, match="increasing order"):
        make_series("x", ["2020-02", "2020-01"], [1, 2], unit="percent", freq="M")


def test_gaps_are_rejected_unless_allowed() -> None:
    with pytest.raises(DataError, match="without a gap"):
        make_series("x", ["2020-01", "2020-03"], [1, 2], unit="percent", freq="M")
    s = make_series("x", ["2020-01-01", "2020-01-03"], [1, 2], unit="percent", freq="D",
                    allow_gaps=True)
    assert len(s.data) == 2


def test_bad_dates_and_numbers_are_named() -> None:
    with pytest.raises(DataError) as err:
        make_series("x", ["2020-01", "not a date"], ["1", "abc"], unit="percent", freq="M")
    text = str(err.value)
    assert "'date' must be a date" in text
    assert "'value' must be a number" in text


def test_decimal_rates_contradict_percent_unit() -> None:
    with pytest.raises(DataError, match="look like decimals"):
        make_series("x", ["2020-01", "2020-02", "2020-03"], [0.05, 0.051, 0.052],
                    unit="percent", freq="M")


def test_mixed_units_are_caught() -> None:
    with pytest.raises(DataError, match="mixed units"):
        make_series("x", ["2020-01", "2020-02", "2020-03"], [5.0, 510.0, 5.2],
                    unit="percent", freq="M")


def test_resample_keeps_only_complete_periods() -> None:
    s = _monthly("2020-01", [1.0, 2.0, 3.0, 4.0])
    q = resample_mean(s, "Q", min_obs=3)  # type: ignore[arg-type]
    assert list(q.data.index.astype(str)) == ["2020Q1"]
    assert q.data.iloc[0] == pytest.approx(2.0)
    assert "2020Q1" in repr(q)


def test_add_requires_one_frequency() -> None:
    m = _monthly("2020-01", [1.0, 2.0, 3.0])
    q = resample_mean(m, "Q", min_obs=3)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="freq"):
        add(m, q, "sum")  # type: ignore[arg-type]
    total = add(m, m, "sum")  # type: ignore[arg-type]
    np.testing.assert_allclose(total.data.to_numpy(), [2.0, 4.0, 6.0])


def test_splice_shifts_the_proxy_to_the_primary_level() -> None:
    primary = _monthly("2020-01", [5.0] * 6, "baa")
    proxy = _monthly("2020-01", [4.0] * 9, "proxy")
    joined, info = splice(primary, proxy, overlap=3)  # type: ignore[arg-type]
    assert info.shift == pytest.approx(1.0)
    assert joined.last_period == "2020-09"
    np.testing.assert_allclose(joined.data.to_numpy()[-3:], [5.0, 5.0, 5.0])
    assert "shifted by +1.00 pp" in joined.note
    raw, info_raw = splice(primary, proxy, adjust="raw")  # type: ignore[arg-type]
    assert info_raw.shift == 0.0
    assert raw.data.iloc[-1] == pytest.approx(4.0)
    with pytest.raises(DataError, match="must overlap"):
        splice(primary, proxy, overlap=12)  # type: ignore[arg-type]


def test_a_decimal_run_inside_percent_data_is_a_jump() -> None:
    values = [7.0, 7.1, 0.072, 0.073, 7.3, 7.2]
    with pytest.raises(DataError) as err:
        make_series("baa", [f"2020-0{i}" for i in range(1, 7)], values, unit="percent",
                    freq="M", file="baa.csv")
    lines = [i.line for i in err.value.issues]
    assert lines == [4, 6]  # in-memory values count from line 2, as after a header
    assert all(i.file == "baa.csv" and i.field == "value" and "jump" in i.rule
               for i in err.value.issues)
    assert err.value.issues[0].value == "0.072"


def test_near_zero_short_rates_and_real_moves_are_not_jumps() -> None:
    make_series("tbill", ["2008-10", "2008-11", "2008-12", "2009-01"], [0.9, 0.3, 0.02, 0.4],
                unit="percent", freq="M")  # x15 and x20 moves, but below 1 %
    make_series("gdp", ["2020Q1", "2020Q2", "2020Q3"], [21500.0, 19500.0, 21200.0],
                unit="usd_bn_saar", freq="Q")
    with pytest.raises(DataError, match="x2"):
        make_series("gdp", ["2020Q1", "2020Q2", "2020Q3"], [21500.0, 21.5, 21200.0],
                    unit="usd_bn_saar", freq="Q")


def test_every_problem_is_reported_at_once() -> None:
    dates = ["2020-01", "2020-02", "2020-02", "2020-04", "2020-05", "bad"]
    values = [5.0, float("nan"), 5.1, 0.05, 5.2, 5.3]
    with pytest.raises(DataError) as err:
        make_series("x", dates, values, unit="percent", freq="M", file="f.csv",
                    lines=[2, 3, 4, 5, 6, 7])
    by_row = {(i.line, i.field) for i in err.value.issues}
    assert (3, "value") in by_row          # NaN
    assert (4, "date") in by_row           # repeated 2020-02
    assert (5, "date") in by_row           # gap: 2020-03 missing
    assert (5, "value") in by_row          # 0.05 after 5.1: a jump
    assert (7, "date") in by_row           # unparseable date
