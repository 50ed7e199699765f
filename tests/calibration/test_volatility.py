"""The volatilities the stress engine carries, re-derived from the shared daily closes.

The web's ``equity_volatility`` figures (data/web/figures.csv) and the presets'
``crisis_volatility_ratio`` / ``crisis_volatility_years`` are measured by
``bubblescope.calibration.volatility``; these tests measure them again from
``../shared/data`` and fail if a figure drifts from its series.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bubblescope as bs
from bubblescope.calibration.history import EPISODES, max_drawdown, read_close
from bubblescope.calibration.volatility import (
    FIRM_WINDOW,
    crisis_volatility,
    realised_volatility,
)
from bubblescope.stress import load_preset

#: The web's listed issuers and their tickers in shared/data/stock_daily_<TICKER>_2010_2026.csv.
TICKERS = {"microsoft": "MSFT", "amazon": "AMZN", "google": "GOOGL", "meta": "META",
           "oracle": "ORCL", "nvidia": "NVDA", "amd": "AMD", "broadcom": "AVGO"}


def _closes(path: Path, column: str, date_col: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    f = read_close(path, {column: "close"}, date_col).dropna()
    return f.index.to_numpy().astype(str), f["close"].to_numpy()


def test_web_equity_volatilities_are_the_measured_ones(shared_data: Path) -> None:
    web = bs.load_default()
    figures = {e.id: e.figure("equity_volatility") for e in web.entities}
    for firm, ticker in TICKERS.items():
        d, c = _closes(shared_data / f"stock_daily_{ticker}_2010_2026.csv", "adj_close")
        fig = figures[firm]
        assert fig is not None, firm
        assert fig.value == pytest.approx(realised_volatility(d, c, *FIRM_WINDOW), abs=5e-4)
        # 2022 was a high-volatility year for each of them against the pre-COVID calm
        assert (realised_volatility(d, c, "2022-01-01", "2022-12-31")
                > realised_volatility(d, c, "2017-01-01", "2019-12-31")), firm


@pytest.mark.parametrize(("preset", "episode", "file", "column", "date_col"), [
    ("atlantic-crash", "dot-com", "nasdaq_composite_daily_fred_NASDAQCOM.csv", "NASDAQCOM",
     None),
    ("big-short-rerating", "2008", "sp500_SPX_daily_yahoo.csv", "Close", "Price"),
])
def test_preset_crisis_volatility_is_the_measured_one(
        shared_data: Path, preset: str, episode: str, file: str, column: str,
        date_col: str | None) -> None:
    d, c = _closes(shared_data / file, column, date_col)
    lo, hi = EPISODES[episode]
    window = (d >= lo) & (d <= hi)
    dd = max_drawdown(d[window], c[window])
    measured = crisis_volatility(episode, d, c, dd.peak_date, dd.trough_date)
    sc = load_preset(preset)
    assert sc.crisis_volatility_ratio == pytest.approx(measured.ratio, abs=0.005)
    assert sc.crisis_volatility_years == pytest.approx(measured.years, abs=0.005)
    # over a 10-year default horizon both busts lift volatility by about 1.6x at the shock
    assert 1.5 < measured.horizon_multiplier() < 1.8


def test_realised_volatility_of_a_known_series() -> None:
    # log returns +a, -a, +a, -a: sample standard deviation a * sqrt(4/3)
    a = 0.01
    close = np.exp(np.cumsum([0.0, a, -a, a, -a]))
    dates = np.array([f"2020-01-0{i}" for i in range(1, 6)])
    expected = a * np.sqrt(4 / 3) * np.sqrt(252)
    assert realised_volatility(dates, close, "2020-01-01", "2020-12-31") == pytest.approx(expected)


@given(st.floats(0.01, 1e4), st.lists(st.floats(-0.1, 0.1), min_size=3, max_size=30))
def test_volatility_does_not_depend_on_the_price_level(scale: float, steps: list[float]) -> None:
    close = np.exp(np.cumsum([0.0, *steps]))
    dates = np.array([str(np.datetime64("2020-01-01") + i) for i in range(close.size)])
    one = realised_volatility(dates, close, "2020-01-01", "2099-12-31")
    assert realised_volatility(dates, close * scale, "2020-01-01", "2099-12-31") == \
        pytest.approx(one, rel=1e-9, abs=1e-12)
