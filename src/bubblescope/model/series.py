"""One time-series type for every question: dated values with their frequency, unit and source.

A :class:`Series` holds strictly increasing dates and finite values, where they came from
(``source``, and the file ``rows`` when read from one) and what they measure (``unit``).
It is built only by the validating constructors at the boundary, which name the file, line,
field, rule and value of every problem:

- :func:`bubblescope.signals.series.make_series`: market data (prices, ratios) on any dates;
  the frequency is inferred and gaps are judged in calendar days;
- :func:`bubblescope.size.series.make_series`: macro data (yields, GDP) on regular periods
  of a stated frequency and unit, with unit and jump checks.

Both views are served: ``dates``/``values`` for array work (signals) and ``data``, a pandas
Series on a :class:`pandas.PeriodIndex`, for period arithmetic (size).

>>> import numpy as np
>>> s = Series("x", np.array(["2024-01-01", "2024-02-01"], dtype="datetime64[D]"),
...            np.array([1.0, 2.0]), "example", "monthly", unit="percent")
>>> s.freq, s.first_period, s.last_period, len(s)
('M', '2024-01', '2024-02', 2)
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError

__all__ = [
    "FREQS",
    "UNITS",
    "DateArray",
    "Freq",
    "Frequency",
    "Series",
    "Unit",
    "parse_bound",
]

DateArray = npt.NDArray[np.datetime64]
#: How often a series is observed.
Frequency = Literal["daily", "weekly", "monthly", "quarterly", "annual"]
#: The same as a pandas period code (``"D"`` daily business periods, ``"W"``, ``"M"``, ...).
Freq = Literal["D", "W", "M", "Q", "Y"]
#: What a value measures: ``percent`` for yields (5.2 means 5.2 % a year), ``usd_bn_saar`` for
#: GDP levels, ``percent_saar`` and ``pp`` for growth, ``level`` for prices and ratios.
Unit = Literal["percent", "usd_bn_saar", "percent_saar", "pp", "level"]
UNITS: Final[tuple[str, ...]] = get_args(Unit)
FREQS: Final[tuple[str, ...]] = get_args(Freq)
_CODE: Final[dict[str, Freq]] = {"daily": "D", "weekly": "W", "monthly": "M",
                                 "quarterly": "Q", "annual": "Y"}
_FREQUENCY: Final[dict[str, Frequency]] = {v: k for k, v in _CODE.items()}  # type: ignore[misc]


@dataclass(frozen=True, eq=False)
class Series:
    """A validated time series of dated values.

    Parameters
    ----------
    name : str
        Short name (``nasdaq-dotcom``, ``baa``) or the file stem.
    dates : ndarray of datetime64[D], shape (T,)
        Strictly increasing observation dates (a period's first day for period data).
    values : ndarray of float64, shape (T,)
        Finite values.
    source : str
        Where the values came from (file path, publisher), named by errors and results.
    frequency : {"daily", "weekly", "monthly", "quarterly", "annual"}
        Stated by period data, inferred from the spacing of market data.
    unit : {"percent", "usd_bn_saar", "percent_saar", "pp", "level"}
    note : str
        How the series was derived (splices, proxies), shown in results.
    n_dropped : int
        Rows dropped on load because their value was missing (FRED's ``.`` on holidays).
    rows : ndarray of int64, shape (T,), optional
        The file line of each observation (the header is line 1), so later checks can name
        the line; ``None`` when the values did not come from a file.
    value_field : str
        The column the values came from (``Close``, ``Price/Dividend``), for error messages.
    """

    name: str
    dates: DateArray
    values: FloatArray
    source: str
    frequency: Frequency
    unit: Unit = "level"
    note: str = ""
    n_dropped: int = field(default=0)
    rows: npt.NDArray[np.int64] | None = field(default=None)
    value_field: str = field(default="value")

    @classmethod
    def from_periods(cls, name: str, data: pd.Series, unit: Unit, freq: Freq,
                     source: str = "", note: str = "") -> Series:
        """The series of ``data``, float values on a :class:`pandas.PeriodIndex` of ``freq``
        (already validated: the size measures' own arithmetic builds these)."""
        index = pd.PeriodIndex(data.index, freq=freq)
        dates = np.asarray(index.start_time.values, dtype="datetime64[D]")
        values = np.asarray(data.to_numpy(), dtype=np.float64)
        return cls(name, dates, values, source, _FREQUENCY[freq], unit, note)

    def __len__(self) -> int:
        return int(self.values.shape[0])

    @property
    def freq(self) -> Freq:
        """The frequency as a pandas period code (``"M"`` for monthly)."""
        return _CODE[self.frequency]

    @functools.cached_property
    def data(self) -> pd.Series:
        """The values on a :class:`pandas.PeriodIndex` of :attr:`freq`, named ``name``."""
        index = pd.PeriodIndex(pd.DatetimeIndex(self.dates), freq=self.freq)
        return pd.Series(self.values, index=index, name=self.name, dtype=np.float64)

    @property
    def start(self) -> np.datetime64:
        """First date."""
        return np.datetime64(self.dates[0], "D")

    @property
    def end(self) -> np.datetime64:
        """Last date."""
        return np.datetime64(self.dates[-1], "D")

    @property
    def first_period(self) -> str:
        """The first period, as text (``'1953-04'``)."""
        return str(self.data.index[0])

    @property
    def last_period(self) -> str:
        """The last period, as text."""
        return str(self.data.index[-1])

    def between(self, start: str | None = None, end: str | None = None) -> Series:
        """Return the observations with ``start <= date <= end`` (inclusive).

        Dates are ISO ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a partial ``end`` means the
        end of that year or month (``"2010-12"`` keeps 2010-12-31).

        >>> d = np.array(["2010-11-30", "2010-12-31", "2011-01-31"], dtype="datetime64[D]")
        >>> s = Series("x", d, np.ones(3), "x", "monthly")
        >>> [str(v) for v in s.between("2010-12", "2010-12").dates]
        ['2010-12-31']
        """
        keep = np.ones(len(self), dtype=bool)
        if start is not None:
            keep &= self.dates >= parse_bound(start, end=False)
        if end is not None:
            keep &= self.dates <= parse_bound(end, end=True)
        return Series(
            self.name, self.dates[keep], self.values[keep], self.source, self.frequency,
            self.unit, self.note, self.n_dropped,
            None if self.rows is None else self.rows[keep], self.value_field,
        )

    def row_of(self, i: int) -> int | None:
        """The source-file line of observation ``i`` (``None`` if unknown)."""
        return None if self.rows is None else int(self.rows[i])

    def __str__(self) -> str:
        dropped = f", {self.n_dropped} missing rows dropped" if self.n_dropped else ""
        return (
            f"Series {self.name!r}: {len(self)} {self.frequency} observations "
            f"{self.start} .. {self.end}, last {self.values[-1]:.6g}{dropped} ({self.source})"
        )

    def __repr__(self) -> str:
        return (f"Series({self.name!r}, {self.unit}, {self.freq}, "
                f"{self.first_period}..{self.last_period}, n={len(self)})")


def parse_bound(text: str, *, end: bool) -> np.datetime64:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; with ``end`` the last day it covers.

    >>> str(parse_bound("2010-12", end=True)), str(parse_bound("1995", end=False))
    ('2010-12-31', '1995-01-01')

    Raises
    ------
    ScenarioError
        For text that is not such a date.
    """
    parts = text.strip().split("-")
    try:
        if not (1 <= len(parts) <= 3 and len(parts[0]) == 4):
            raise ValueError(text)
        year, month = int(parts[0]), int(parts[1]) if len(parts) > 1 else (12 if end else 1)
        last = calendar.monthrange(year, month)[1]
        day = int(parts[2]) if len(parts) > 2 else (last if end else 1)
        return np.datetime64(dt.date(year, month, day).isoformat(), "D")
    except ValueError as exc:  # calendar.IllegalMonthError is a ValueError
        raise ScenarioError(
            f"dates must be YYYY, YYYY-MM or YYYY-MM-DD, got {text!r}") from exc
