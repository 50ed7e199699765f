"""Measure what past busts did from the bundled public series.

The calibration envelopes of ``docs/calibration.md`` come in two kinds: *measured* figures,
computed here from the bundled price, spread and GDP series (so a reader can re-run them),
and *cited* figures (Altman, Moody's, BLS, rental-price reporting), which are source rows in
``data/history/cited.yaml``. This module does the measuring; :func:`load_history` is its IO
edge and everything else is pure.

Series (``data/history/SOURCES.yaml`` says where each came from):

* Nasdaq Composite, daily 1990-2025 (FRED NASDAQCOM, already bundled for the signals);
* MSFT, NVDA and the S&P 500, daily 1999-2009 (dot-com and 2008);
* NVDA, META, MSFT, AMZN, GOOGL, ORCL, AMD, AVGO, daily 2021-2023 (the 2022 tech drawdown);
* ICE BofA BBB and high-yield option-adjusted spreads, daily 1996-12 .. 2026-03 (FRED);
* US real GDP, quarterly (BEA, chained 2017 dollars).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from bubblescope.data import data_path
from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import DataError
from bubblescope.model.inputs import parse_csv, read_input_text

__all__ = [
    "EPISODES",
    "TECH_2022",
    "Drawdown",
    "History",
    "Measured",
    "Peak",
    "SpreadEpisode",
    "load_history",
    "max_drawdown",
    "measure",
    "read_close",
    "series_peak",
    "spread_episode",
    "spread_half_life",
]

#: The three reference episodes and the windows their figures are measured in.
EPISODES: Final[dict[str, tuple[str, str]]] = {
    "dot-com": ("1999-01-01", "2003-06-30"),
    "2008": ("2007-01-01", "2009-12-31"),
    "2022 tech": ("2021-01-01", "2022-12-31"),
}
#: Tickers of the 2022 tech drawdown (CALIBRATION.md).
TECH_2022: Final[tuple[str, ...]] = ("NVDA", "META", "MSFT", "AMZN", "GOOGL", "ORCL", "AMD",
                                     "AVGO")


@dataclass(frozen=True)
class Drawdown:
    """The largest peak-to-trough fall of a series inside a window.

    ``drawdown`` is a fraction (0.78 = -78%), measured from the running peak to the lowest
    value after it.
    """

    name: str
    peak_date: str
    peak: float
    trough_date: str
    trough: float

    @property
    def drawdown(self) -> float:
        """Fall from peak to trough, fraction of the peak."""
        return 1.0 - self.trough / self.peak

    def __str__(self) -> str:
        return (f"{self.name}: -{self.drawdown:.1%} ({self.peak:g} on {self.peak_date} -> "
                f"{self.trough:g} on {self.trough_date})")


@dataclass(frozen=True)
class Peak:
    """The highest value of a series inside a window."""

    name: str
    date: str
    value: float

    def __str__(self) -> str:
        return f"{self.name}: {self.value:g} on {self.date}"


@dataclass(frozen=True)
class SpreadEpisode:
    """A credit spread's rise to its peak and its decay after it, in one episode.

    ``calm`` is the lowest close within two years either side of the peak (the level the
    market was at, or returned to, without the stress); ``time_to_peak_q`` the quarters from
    the lowest close of the two years before the peak to the peak; ``excess`` each calendar
    quarter's mean less ``calm``, from the quarter with the highest mean through the four
    after it, and ``excess_before`` that of the quarter before it (percentage points).
    """

    name: str
    episode: str
    peak: float
    peak_date: str
    calm: float
    calm_date: str
    time_to_peak_q: float
    peak_quarter: str
    excess: tuple[float, ...]
    excess_before: float = float("nan")

    @property
    def half_life_q(self) -> float:
        """Half-life of the excess, quarters: the log excess over the peak quarter's fitted
        on quarters through the origin (:func:`spread_half_life` of this episode alone)."""
        return spread_half_life((self,))

    def __str__(self) -> str:
        return (f"{self.name} {self.episode}: peak {self.peak:g} on {self.peak_date} after "
                f"{self.time_to_peak_q:.1f} quarters, calm {self.calm:g} ({self.calm_date}), "
                f"half-life {self.half_life_q:.2f} quarters")


@dataclass(frozen=True)
class History:
    """The bundled series as date-indexed frames (loaded by :func:`load_history`)."""

    nasdaq: pd.Series
    dotcom: pd.DataFrame
    tech: pd.DataFrame
    oas: pd.DataFrame
    gdp_real: pd.Series


@dataclass(frozen=True)
class Measured:
    """One measured envelope figure: metric, episode, value, unit and how it was measured."""

    metric: str
    episode: str
    value: float
    unit: str
    how: str
    series: str

    def __str__(self) -> str:
        return f"{self.episode} {self.metric} = {self.value:.4g} {self.unit} ({self.how})"


def max_drawdown(dates: np.ndarray, values: FloatArray, name: str = "series") -> Drawdown:
    """Return the largest peak-to-trough fall of ``values`` (any order of magnitude > 0).

    Parameters
    ----------
    dates : ndarray of str, shape (n,)
        Labels of the observations, in time order.
    values : ndarray of shape (n,)
        Positive levels (prices, index points).
    name : str

    Notes
    -----
    ``dd_t = 1 - x_t / max_{s <= t} x_s``; the result is the ``t`` maximising ``dd_t`` and
    the running peak before it.

    Examples
    --------
    >>> d = max_drawdown(np.array(["a", "b", "c", "d"]), np.array([1.0, 4.0, 1.0, 3.0]))
    >>> (d.peak_date, d.trough_date, d.drawdown)
    ('b', 'c', 0.75)
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0 or np.any(~np.isfinite(x)) or np.any(x <= 0):
        raise DataError.single(name, None, "values", "must be positive finite numbers",
                               f"{x.size} values")
    run_max = np.maximum.accumulate(x)
    t = int(np.argmax(1.0 - x / run_max))
    p = int(np.flatnonzero(x[: t + 1] == run_max[t])[0])
    return Drawdown(name, str(dates[p]), float(x[p]), str(dates[t]), float(x[t]))


def series_peak(dates: np.ndarray, values: FloatArray, name: str = "series") -> Peak:
    """Return the highest value and its (first) date.

    >>> str(series_peak(np.array(["a", "b"]), np.array([1.0, 2.5]), "x"))
    'x: 2.5 on b'
    """
    x = np.asarray(values, dtype=np.float64)
    i = int(np.nanargmax(x))
    return Peak(name, str(dates[i]), float(x[i]))


def measure(history: History) -> tuple[Measured, ...]:
    """Measure every envelope figure from the loaded series.

    Returns rows for equity drawdowns (Nasdaq, S&P 500, MSFT and NVDA in the dot-com
    window; the S&P 500 in 2008; the eight 2022 tech names), BBB and high-yield OAS peaks
    per episode, the high-yield/BBB slope, and the real-GDP peak-to-trough and worst
    year-on-year growth per episode.
    """
    rows: list[Measured] = []
    rows += _equity_rows(history)
    rows += _spread_rows(history.oas)
    rows += _gdp_rows(history.gdp_real)
    return tuple(rows)


def _window(s: pd.Series, episode: str) -> pd.Series:
    lo, hi = EPISODES[episode]
    return s[(s.index >= lo) & (s.index <= hi)].dropna()


def _dd_row(s: pd.Series, episode: str, metric: str, series: str) -> Measured:
    w = _window(s, episode)
    d = max_drawdown(w.index.to_numpy(), w.to_numpy(dtype=np.float64), series)
    how = f"peak {d.peak:g} on {d.peak_date}, trough {d.trough:g} on {d.trough_date}"
    return Measured(metric, episode, d.drawdown, "fraction", how, series)


def _equity_rows(h: History) -> list[Measured]:
    rows = [_dd_row(h.nasdaq, "dot-com", "index_drawdown", "Nasdaq Composite"),
            _dd_row(h.dotcom["SPX"], "dot-com", "market_drawdown", "S&P 500"),
            _dd_row(h.dotcom["SPX"], "2008", "market_drawdown", "S&P 500"),
            _dd_row(h.dotcom["MSFT"], "dot-com", "large_cap_drawdown", "MSFT"),
            _dd_row(h.dotcom["NVDA"], "dot-com", "chipmaker_drawdown", "NVDA"),
            _dd_row(h.dotcom["MSFT"], "2008", "large_cap_drawdown", "MSFT"),
            _dd_row(h.dotcom["NVDA"], "2008", "chipmaker_drawdown", "NVDA")]
    rows += [_dd_row(h.tech[t], "2022 tech", "large_cap_drawdown", t) for t in TECH_2022]
    rows.append(_dd_row(h.nasdaq, "2022 tech", "index_drawdown", "Nasdaq Composite"))
    return rows


def _spread_rows(oas: pd.DataFrame) -> list[Measured]:
    rows = []
    for episode, (lo, hi) in EPISODES.items():
        w = oas[(oas.index >= lo) & (oas.index <= hi)]
        for col, label in (("bbb", "bbb_oas_peak"), ("hy", "hy_oas_peak")):
            p = series_peak(w.index.to_numpy(), w[col].to_numpy(dtype=np.float64), col)
            rows.append(Measured(label, episode, p.value, "percent", f"peak on {p.date}",
                                 f"ICE BofA {col.upper()} OAS"))
        for col in ("bbb", "hy"):
            if episode == "2022 tech":
                continue
            e = spread_episode(oas[col], episode, col)
            rows.append(Measured(f"{col}_oas_half_life_q", episode, e.half_life_q, "quarters",
                                 f"excess over {e.calm:g} ({e.calm_date}) from {e.peak_quarter}",
                                 f"ICE BofA {col.upper()} OAS"))
            rows.append(Measured(f"{col}_oas_time_to_peak_q", episode, e.time_to_peak_q,
                                 "quarters", f"two-year low to the peak on {e.peak_date}",
                                 f"ICE BofA {col.upper()} OAS"))
    slope = hy_bbb_slope(oas)
    rows.append(Measured("hy_per_bbb", "all", slope, "pp per pp",
                         f"least squares of HY on BBB OAS, {oas.index[0]}..{oas.index[-1]}",
                         "ICE BofA OAS"))
    return rows


def hy_bbb_slope(oas: pd.DataFrame) -> float:
    """Least-squares slope of the high-yield OAS on the BBB OAS (pp of HY per pp of BBB).

    >>> f = pd.DataFrame({"bbb": [1.0, 2.0, 3.0], "hy": [3.0, 6.0, 9.0]})
    >>> round(hy_bbb_slope(f), 9)
    3.0
    """
    both = oas[["bbb", "hy"]].dropna()
    x, y = both["bbb"].to_numpy(np.float64), both["hy"].to_numpy(np.float64)
    return float(np.polyfit(x, y, 1)[0])


def spread_episode(s: pd.Series, episode: str, name: str = "spread") -> SpreadEpisode:
    """Measure the peak, time to peak and decay of a daily spread series in ``episode``.

    Parameters
    ----------
    s : pandas.Series
        Daily spread (percent) indexed by ISO dates (strings or timestamps); gaps allowed.
    episode : str
        One of :data:`EPISODES` (the window the peak is searched in).
    name : str

    Notes
    -----
    Peak ``p`` on ``d``: the highest close in the window. Calm ``b``: the lowest close in
    ``[d - 2y, d + 2y]``. Excess ``x_k = mean(quarter P + k) - b`` for ``k = 0..4``, with
    ``P`` the calendar quarter of the window with the highest mean.
    """
    x = s.dropna()
    days = pd.DatetimeIndex(pd.to_datetime(x.index))
    v = x.to_numpy(np.float64)
    lo, hi = (pd.Timestamp(d) for d in EPISODES[episode])
    inside = np.flatnonzero((days >= lo) & (days <= hi))
    peak = int(inside[np.argmax(v[inside])])
    day, two = days[peak], pd.DateOffset(years=2)
    before = np.flatnonzero((days >= day - two) & (days <= day))
    around = np.flatnonzero((days >= day - two) & (days <= day + two))
    low, calm_at = int(before[np.argmin(v[before])]), int(around[np.argmin(v[around])])
    q = pd.Series(v, index=days).resample("QE").mean()
    qdays = pd.DatetimeIndex(q.index)
    q_in = np.flatnonzero((qdays >= lo) & (qdays <= hi))
    i = int(q_in[np.argmax(q.to_numpy()[q_in])])
    top, calm = qdays[i], float(v[calm_at])
    return SpreadEpisode(
        name=name, episode=episode, peak=float(v[peak]), peak_date=str(day.date()),
        calm=calm, calm_date=str(days[calm_at].date()),
        time_to_peak_q=(day - days[low]).days / (365.25 / 4),
        peak_quarter=f"{top.year}Q{top.quarter}",
        excess=tuple(float(v) - calm for v in q.iloc[i:i + 5]),
        excess_before=float(q.iloc[i - 1]) - calm,
    )


def spread_half_life(episodes: tuple[SpreadEpisode, ...]) -> float:
    """Half-life (quarters) of the spreads' excess after their peaks, pooled over episodes.

    ``ln(x_k / x_0) = -k ln 2 / h``, fitted by least squares through the origin on
    ``k = 1..4`` of every episode: ``h = -ln 2 * sum(k^2) / sum(k ln(x_k / x_0))``.

    >>> e = SpreadEpisode("s", "2008", 8.0, "", 1.0, "", 6.0, "", (4.0, 2.0, 1.0, 0.5, 0.25))
    >>> round(spread_half_life((e,)), 9)
    1.0
    """
    k = np.concatenate([np.arange(1, len(e.excess)) for e in episodes]).astype(np.float64)
    y = np.concatenate([np.log(np.asarray(e.excess[1:]) / e.excess[0]) for e in episodes])
    return float(-np.log(2.0) * (k @ k) / (k @ y))


def _gdp_rows(gdp: pd.Series) -> list[Measured]:
    rows = []
    yoy = gdp / gdp.shift(4) - 1.0
    for episode in ("dot-com", "2008"):
        lo, hi = EPISODES[episode]
        lo = str(int(lo[:4]) + (1 if episode == "dot-com" else 0)) + lo[4:]  # 2000-2003
        w = gdp[(gdp.index >= lo) & (gdp.index <= hi)]
        d = max_drawdown(w.index.to_numpy(), w.to_numpy(np.float64), "real GDP")
        rows.append(Measured("gdp_peak_to_trough", episode, -d.drawdown, "fraction",
                             f"{d.peak_date} -> {d.trough_date}", "BEA real GDP"))
        g = yoy[(yoy.index >= lo) & (yoy.index <= hi)]
        rows.append(Measured("gdp_yoy_trough", episode, float(g.min()), "fraction",
                             f"lowest year-on-year real growth, {g.idxmin()}", "BEA real GDP"))
    return rows


# ------------------------------------------------------------------ IO edge


def load_history(directory: Path | None = None) -> History:
    """Read the bundled series (``data/history`` and ``data/series``) into a :class:`History`.

    Parameters
    ----------
    directory : Path, optional
        A folder holding the same five files (tests pass a copy); default the bundle.

    Raises
    ------
    DataError
        A file is missing, a column absent, or a value not a number.
    """
    hist = directory or data_path("history")
    series = directory or data_path("series")
    nasdaq = read_close(series / "nasdaq_composite_daily.csv", {"value": "nasdaq"})["nasdaq"]
    gdp = read_close(series / "gdp_us_quarterly.csv", {"level-chained": "gdp"})["gdp"]
    return History(
        nasdaq=nasdaq,
        dotcom=read_close(hist / "dotcom_2008_close_daily_1999_2009.csv",
                          {c: c for c in ("MSFT", "NVDA", "SPX")}),
        tech=read_close(hist / "tech_close_daily_2021_2023.csv", {t: t for t in TECH_2022}),
        oas=read_close(hist / "ice_bofa_oas_daily.csv", {"bbb": "bbb", "hy": "hy"}),
        gdp_real=gdp,
    )


def read_close(path: Path, columns: Mapping[str, str], date_col: str | None = None
               ) -> pd.DataFrame:
    """Read date-indexed numeric columns from a CSV (bundled or shared layouts).

    Handles the layouts of the shared public files: a first date column named ``date``,
    ``Date`` or ``DATE`` (or ``date_col``); FRED's ``.`` for a holiday (dropped); Yahoo
    exports with two extra header lines (``Ticker,...`` and ``Date,,,``).

    Parameters
    ----------
    path : Path
    columns : mapping
        Source column -> name in the result.
    date_col : str, optional

    Raises
    ------
    DataError
        Naming the file, row, column and value that broke a rule.
    """
    path = Path(path)
    text = read_input_text(path)  # bounded: a regular UTF-8 file under the size cap
    rows = parse_csv(text, path.name)
    if rows and rows[0].get(next(iter(rows[0]), ""), "") == "Ticker":
        rows = rows[2:]  # the Ticker and Date lines of a yfinance download
    if not rows:
        raise DataError.single(path.name, None, "rows", "must hold at least one data row", 0)
    frame = pd.DataFrame(rows, dtype=str)
    lines = np.array([r.line for r in rows], dtype=np.int64)
    dcol = date_col or frame.columns[0]
    missing = [c for c in [dcol, *columns] if c not in frame.columns]
    if missing:
        raise DataError.single(path.name, None, missing[0], "must be a column of the file",
                               ", ".join(frame.columns))
    out = pd.DataFrame(index=pd.Index(frame[dcol].str.strip(), name="date"))
    for src, dst in columns.items():
        out[dst] = _numbers(frame[src], path.name, src, lines)
    return out.dropna(how="all")


def _numbers(col: pd.Series, file: str, name: str, lines: np.ndarray) -> np.ndarray:
    text = col.str.strip()
    blank = text.isin(["", "."])
    values = pd.to_numeric(text.where(~blank), errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy() & ~blank.to_numpy())
    if bad.size:
        i = int(bad[0])
        raise DataError.single(file, int(lines[i]), name,
                               "must be a number (or '.' for a holiday)",
                               col.iloc[i])
    return np.asarray(values.to_numpy(dtype=np.float64))
