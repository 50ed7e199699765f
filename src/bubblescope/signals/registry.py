"""Named demo series: bundled ones (licence allows) and ones found in a data directory.

Bundled (``src/bubblescope/data/series``, each with a ``.source.yaml`` sidecar): the Nasdaq
Composite (FRED NASDAQCOM via an MIT repository), Shiller's S&P 500 price–dividend ratio
(datahub, ODC-PDDL) and the Case-Shiller US national home price index (datahub, ODC-PDDL).

The AI single-stock and ETF prices come from Yahoo Finance without a licence, so they are
not shipped: :func:`load_named` reads them from a data directory the face passes in
(``--data-dir``, ``$BUBBLESCOPE_DATA_DIR`` or ``../shared/data``; see :func:`find_data_dir`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bubblescope.datadir import find_data_dir
from bubblescope.model.errors import DataError, ScenarioError
from bubblescope.model.series import Series
from bubblescope.signals.loaders import read_series
from bubblescope.signals.psy import IC

__all__ = [
    "AI_NAMES",
    "BUNDLED_DIR",
    "REGISTRY",
    "SeriesSpec",
    "find_data_dir",
    "load_named",
    "resolve_series",
]

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "data" / "series"
Transform = Literal["log", "level"]


@dataclass(frozen=True)
class SeriesSpec:
    """How to load one named series.

    ``bundled`` files live in :data:`BUNDLED_DIR`; the others in the data directory.
    ``transform`` is how the PSY tests see the series (``log`` prices, or the ``level`` of a
    ratio); LPPLS always fits log prices. ``lag`` and ``ic`` are the series' default ADF lag
    settings (the face uses them unless the user sets ``--lag``/``--ic``) and ``note`` says
    why a series departs from lag 0.
    """

    name: str
    file: str
    bundled: bool
    description: str
    value_col: str | None = None
    start: str | None = None
    end: str | None = None
    transform: Transform = "log"
    lag: int = 0
    ic: IC = "fixed"
    note: str = ""


def _stock(ticker: str, name: str) -> SeriesSpec:
    return SeriesSpec(ticker.lower(), f"stock_daily_{ticker}_2010_2026.csv", False,
                      f"{name}, daily adjusted close (Yahoo Finance, not bundled)", "adj_close")


_HOUSE_NOTE = (
    "us-house defaults to BIC lag selection up to 12 lags: monthly changes of this not "
    "seasonally adjusted index are strongly autocorrelated (a seasonal cycle and smooth "
    "momentum), so lag 0 leaves serially correlated errors and stretches the episode over "
    "the crash (see docs/signals.md). Use --lag 0 --ic fixed for the plain PSY default.")

REGISTRY: Mapping[str, SeriesSpec] = {
    s.name: s for s in (
        SeriesSpec("nasdaq-dotcom", "nasdaq_composite_daily.csv", True,
                   "Nasdaq Composite, daily close 1994-01-03 .. 2003-12-31 (FRED NASDAQCOM)",
                   start="1994-01-01", end="2003-12-31"),
        SeriesSpec("nasdaq", "nasdaq_composite_daily.csv", True,
                   "Nasdaq Composite, daily close 1990 .. 2025-06 (FRED NASDAQCOM)"),
        SeriesSpec("sp500-pd", "sp500_price_dividend_monthly.csv", True,
                   "S&P 500 real price / real dividend, monthly 1871 .. 2023-06 (Shiller)",
                   transform="level"),
        SeriesSpec("us-house", "case_shiller_us_national_nsa.csv", True,
                   "Case-Shiller US national home prices (NSA), monthly 1987 .. 2012",
                   start="1987-01-01", end="2012-12-31", lag=12, ic="bic", note=_HOUSE_NOTE),
        _stock("NVDA", "NVIDIA"), _stock("MSFT", "Microsoft"), _stock("META", "Meta"),
        _stock("ORCL", "Oracle"), _stock("AMZN", "Amazon"), _stock("GOOGL", "Alphabet"),
        _stock("AMD", "AMD"), _stock("AVGO", "Broadcom"),
        SeriesSpec("qqq", "stock_daily_QQQ_1999_2026.csv", False,
                   "Invesco QQQ (Nasdaq-100 ETF), daily adjusted close (Yahoo, not bundled)",
                   "adj_close"),
        SeriesSpec("nvda-ipo", "nvda_daily_1999_2026_adjusted.csv", False,
                   "NVIDIA from its 1999 IPO, fully adjusted close (not bundled)", "Close"),
        SeriesSpec("msft-dotcom", "msft_daily_1986_2024.csv", False,
                   "Microsoft 1986 .. 2024, adjusted close (Yahoo, not bundled)", "Adj Close"),
        SeriesSpec("ndx", "nasdaq100_NDX_daily_yahoo.csv", False,
                   "Nasdaq-100 index, daily adjusted close (Yahoo, not bundled)", "Adj Close"),
        SeriesSpec("spx", "sp500_SPX_daily_yahoo.csv", False,
                   "S&P 500 index, daily adjusted close (Yahoo, not bundled)", "Adj Close"),
    )
}

#: The AI names ``bubblescope run`` summarises.
AI_NAMES: tuple[str, ...] = ("nvda", "msft", "meta", "orcl", "amzn", "googl", "amd", "avgo",
                             "qqq")


def load_named(name: str, data_dir: Path | None = None) -> Series:
    """Load a registered series by name (see :data:`REGISTRY`).

    Raises
    ------
    ScenarioError
        For an unknown name.
    DataError
        When a non-bundled series is not in ``data_dir`` (or no data directory was given).

    Examples
    --------
    >>> s = load_named("us-house")
    >>> str(s.start), str(s.end), s.frequency
    ('1987-01-01', '2012-12-01', 'monthly')
    """
    spec = REGISTRY.get(name)
    if spec is None:
        raise ScenarioError(f"unknown series {name!r}; known: {', '.join(sorted(REGISTRY))}")
    path = _locate(spec, data_dir)
    series = read_series(path, value_col=spec.value_col, name=spec.name)
    return series.between(spec.start, spec.end) if spec.start or spec.end else series


def resolve_series(
    name_or_file: str,
    data_dir: Path | None = None,
    *,
    date_col: str | None = None,
    value_col: str | None = None,
) -> tuple[Series, Transform]:
    """Load a registry name or a CSV path; return the series and its PSY transform."""
    if name_or_file in REGISTRY:
        return load_named(name_or_file, data_dir), REGISTRY[name_or_file].transform
    path = Path(name_or_file)
    if not path.is_file():
        raise ScenarioError(f"the series must be a known name ({', '.join(sorted(REGISTRY))}) "
                            f"or an existing CSV file, got {name_or_file!r}")
    return read_series(path, date_col=date_col, value_col=value_col), "log"


def _locate(spec: SeriesSpec, data_dir: Path | None) -> Path:
    if spec.bundled:
        return BUNDLED_DIR / spec.file
    if data_dir is None or not (data_dir / spec.file).is_file():
        where = "no data directory" if data_dir is None else str(data_dir)
        raise DataError.single(
            spec.file, None, "data_dir",
            f"is not bundled ({spec.name}: Yahoo Finance prices carry no licence); put it in "
            "a directory given by --data-dir or $BUBBLESCOPE_DATA_DIR (default ../shared/data)",
            where)
    return data_dir / spec.file
