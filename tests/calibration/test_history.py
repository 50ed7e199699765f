"""Measured history: drawdowns, spread peaks and GDP troughs from the bundled series.

Reference values are the checks of ../shared/data/SOURCES.md (Nasdaq 5048.62 on 2000-03-10,
1114.11 on 2002-10-09; BBB OAS max 8.04 on 2008-12-16; HY max 21.82 on 2008-12-15) and
CALIBRATION.md (Nasdaq -78%).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bubblescope.calibration.envelopes import METRICS, envelopes, load_cited
from bubblescope.calibration.history import (
    TECH_2022,
    load_history,
    max_drawdown,
    measure,
    read_close,
)
from bubblescope.model.errors import DataError


@pytest.fixture(scope="module")
def rows() -> dict[tuple[str, str, str], float]:
    return {(r.metric, r.episode, r.series): r.value for r in measure(load_history())}


def test_nasdaq_dotcom_drawdown_is_the_published_one(rows: dict) -> None:
    # SOURCES.md: 5048.62 (2000-03-10) -> 1114.11 (2002-10-09); CALIBRATION.md: -78%
    assert rows["index_drawdown", "dot-com", "Nasdaq Composite"] == pytest.approx(
        1 - 1114.11 / 5048.62, abs=1e-9)


def test_spread_peaks_are_the_2008_maxima(rows: dict) -> None:
    assert rows["bbb_oas_peak", "2008", "ICE BofA BBB OAS"] == pytest.approx(8.04)
    assert rows["hy_oas_peak", "2008", "ICE BofA HY OAS"] == pytest.approx(21.82)
    # the 2002 peak is lower than 2008's and higher than the 2022 one
    assert 2.1 < rows["bbb_oas_peak", "dot-com", "ICE BofA BBB OAS"] < 8.04


def test_2022_drawdowns_measured_for_all_eight(rows: dict) -> None:
    dd = {t: rows["large_cap_drawdown", "2022 tech", t] for t in TECH_2022}
    assert max(dd, key=dd.__getitem__) == "META"  # the worst 2022 fall: -77%
    assert min(dd.values()) > 0.3
    assert max(dd.values()) < 0.8
    assert rows["market_drawdown", "2008", "S&P 500"] == pytest.approx(1 - 676.53 / 1565.15,
                                                                        abs=1e-4)


def test_gdp_trough_2008_is_a_fall_and_dotcom_a_stall(rows: dict) -> None:
    assert -0.05 < rows["gdp_yoy_trough", "2008", "BEA real GDP"] < -0.03
    assert abs(rows["gdp_yoy_trough", "dot-com", "BEA real GDP"]) < 0.01


def test_loader_reads_the_shared_raw_files(shared_data: Path) -> None:
    """The loader is tested on the shared public files, and the bundled windows equal them."""
    raw = read_close(shared_data / "fred_BAMLC0A4CBBB.csv", {"BAMLC0A4CBBB": "bbb"})
    assert raw["bbb"].max() == pytest.approx(8.04)
    assert raw.index[raw["bbb"].argmax()] == "2008-12-16"
    spx = read_close(shared_data / "sp500_SPX_daily_yahoo.csv", {"Close": "spx"})
    nasdaq = read_close(shared_data / "nasdaq_composite_daily_fred_NASDAQCOM.csv",
                        {"NASDAQCOM": "v"})
    d = max_drawdown(nasdaq.index.to_numpy()[(nasdaq.index >= "1999") & (nasdaq.index < "2004")],
                     nasdaq["v"].dropna()[(nasdaq["v"].dropna().index >= "1999")
                                          & (nasdaq["v"].dropna().index < "2004")].to_numpy())
    assert (d.peak_date, d.trough_date) == ("2000-03-10", "2002-10-09")
    hist = load_history()
    common = hist.dotcom.index.intersection(spx.index)
    assert np.allclose(hist.dotcom.loc[common, "SPX"], spx.loc[common, "spx"], rtol=1e-6)
    for t in TECH_2022:
        own = read_close(shared_data / f"stock_daily_{t}_2010_2026.csv", {"close": t})
        both = hist.tech.index.intersection(own.index)
        assert len(both) == len(hist.tech)
        assert np.allclose(hist.tech.loc[both, t], own.loc[both, t], rtol=1e-5)


def test_read_close_names_file_row_and_value(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("date,v\n2020-01-01,1\n2020-01-02,oops\n")
    with pytest.raises(DataError, match=r"x.csv line 3: 'v' must be a number.*'oops'"):
        read_close(f, {"v": "v"})
    with pytest.raises(DataError, match="must be a column"):
        read_close(f, {"w": "w"})


@given(st.lists(st.floats(0.01, 1e6), min_size=1, max_size=60))
def test_drawdown_matches_brute_force(values: list[float]) -> None:
    x = np.array(values)
    d = max_drawdown(np.arange(x.size).astype(str), x)
    brute = max(1 - x[j] / x[: j + 1].max() for j in range(x.size))
    assert d.drawdown == pytest.approx(brute, abs=1e-12)
    assert 0 <= d.drawdown < 1


def test_every_metric_has_an_envelope_per_episode() -> None:
    env = envelopes(measure(load_history()), load_cited())
    assert set(env) == {m.key for m in METRICS}
    assert env["hyperscaler_drawdown"].worst == pytest.approx(
        env["hyperscaler_drawdown"].episodes["2022 tech"])  # META 2022 > MSFT dot-com
    assert env["bbb_spread_peak_pct"].worst == pytest.approx(8.04)
    assert env["jobs_millions"].worst == pytest.approx(-8.7)
    assert env["gdp_yoy_trough"].inside(-0.02)
    assert not env["gdp_yoy_trough"].inside(-0.06)
    assert env["downgraded_usd_bn"].inside(float("nan"))


def test_cited_rows_need_their_fields(tmp_path: Path) -> None:
    f = tmp_path / "cited.yaml"
    f.write_text("# cited rows\n- {metric: a, episode: y, value: 1, unit: u, source: s, "
                 "confidence: low}\n\n- {metric: x, episode: y, value: high, unit: u, source: s, "
                 "confidence: low}\n")
    with pytest.raises(DataError, match=r"cited\.yaml line 4: 'value' must be a number"):
        load_cited(f)  # the item's own line, comments and blank lines counted
    f.write_text("- {metric: x, episode: y, value: 1}\n")
    with pytest.raises(DataError, match="'unit' is required"):
        load_cited(f)


def test_hy_bbb_slope_is_measured() -> None:
    from bubblescope.calibration.history import hy_bbb_slope
    oas = load_history().oas
    slope = hy_bbb_slope(oas)
    assert 2.0 < slope < 3.0
    noisy = pd.DataFrame({"bbb": oas["bbb"], "hy": oas["bbb"] * slope})
    assert hy_bbb_slope(noisy) == pytest.approx(slope)
