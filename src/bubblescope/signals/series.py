"""Market series (prices, ratios): the checks every loader applies once.

Loaders (:mod:`bubblescope.signals.loaders`) read files and call :func:`make_series`, which
builds the one :class:`~bubblescope.model.series.Series` type and names the file, the row and
the rule when something is wrong (duplicated or unsorted dates, gaps, non-numeric values).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import DataError, Issue
from bubblescope.model.inputs import FIRST_DATA_LINE
from bubblescope.model.series import DateArray, Frequency, Series

__all__ = [
    "infer_frequency",
    "make_series",
    "require_length",
    "require_positive",
]

#: Largest step (calendar days) allowed between consecutive observations, per frequency.
#: Daily market data has holidays and rare closures (9/11: 7 days, the 1933 bank holiday: 12).
_MAX_STEP_DAYS: dict[Frequency, int] = {
    "daily": 14,
    "weekly": 14,
    "monthly": 31,
    "quarterly": 92,
    "annual": 366,
}


def make_series(
    name: str,
    dates: DateArray,
    values: FloatArray,
    source: str,
    *,
    rows: npt.NDArray[np.int64] | None = None,
    n_dropped: int = 0,
    value_field: str = "value",
) -> Series:
    """Validate dates and values and build a :class:`~bubblescope.model.series.Series`
    (unit ``level``, frequency inferred from the dates).

    Parameters
    ----------
    name, source : str
        Series name and the file (or description) that errors should name.
    dates : ndarray of datetime64, shape (T,)
    values : ndarray of float64, shape (T,)
    rows : ndarray of int64, shape (T,), optional
        The file line of each observation (for error messages; default ``2..T+1``, the
        header being line 1).
    n_dropped : int
        Missing rows dropped by the loader.
    value_field : str
        The value column's name in the source (named by later errors).

    Raises
    ------
    DataError
        Naming the file and row of every non-finite value, duplicated or unsorted date and
        gap longer than the frequency allows.

    Examples
    --------
    >>> d = np.array(["2024-01-31", "2024-02-29", "2024-03-31"], dtype="datetime64[D]")
    >>> s = make_series("x", d, np.array([1.0, 2.0, 3.0]), "example")
    >>> s.frequency, len(s)
    ('monthly', 3)
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    values = np.asarray(values, dtype=np.float64)
    rownums = (np.arange(FIRST_DATA_LINE, dates.shape[0] + FIRST_DATA_LINE) if rows is None
               else np.asarray(rows))
    if dates.shape != values.shape or dates.ndim != 1:
        raise DataError.single(source, None, value_field, "must have one value per date",
                               f"{dates.shape[0]} dates, {values.shape[0]} values")
    if dates.shape[0] < 2:
        raise DataError.single(source, None, value_field,
                               "series too short: need at least 2 observations "
                               f"(got {dates.shape[0]})", f"{dates.shape[0]} observation(s)")
    issues = (_value_issues(source, values, rownums, value_field)
              + _date_issues(source, dates, rownums))
    if issues:
        raise DataError(issues)
    freq = infer_frequency(dates)
    gap_issues = _gap_issues(source, dates, rownums, freq)
    if gap_issues:
        raise DataError(gap_issues)
    return Series(name, dates, values, source, freq, n_dropped=n_dropped,
                  rows=np.asarray(rownums, dtype=np.int64), value_field=value_field)


def infer_frequency(dates: DateArray) -> Frequency:
    """Classify the median spacing of ``dates`` (shape (T,), T >= 2) as a frequency."""
    step = float(np.median(np.diff(dates).astype(np.int64)))
    if step <= 4:
        return "daily"
    if step <= 10:
        return "weekly"
    if step <= 45:
        return "monthly"
    if step <= 140:
        return "quarterly"
    return "annual"


def require_length(series: Series, minimum: int, why: str) -> None:
    """Raise :class:`DataError` when ``series`` has fewer than ``minimum`` observations.

    ``why`` completes "need at least N observations for ...", e.g. ``"window 19 (lag 0)"``.
    """
    if len(series) < minimum:
        span = f" ({series.start} .. {series.end})" if len(series) else ""
        raise DataError.single(
            series.source, None, series.value_field,
            f"series too short: need at least {minimum} observations for {why}",
            f"{len(series)} observations{span}")


def require_positive(series: Series, why: str = "a log model", hint: str = "") -> None:
    """Raise :class:`DataError` naming the row, date and value of every non-positive value.

    At most 20 offending rows are listed; ``hint`` is appended to the rule (e.g. how to
    test the levels instead).
    """
    bad = np.flatnonzero(series.values <= 0)
    if bad.size:
        rule = f"must be positive for {why}{hint}"
        raise DataError([
            Issue(series.source, series.row_of(int(i)), series.value_field,
                  f"{rule} (date {series.dates[i]}; {bad.size} non-positive value"
                  f"{'s' if bad.size != 1 else ''} in all)", f"{series.values[i]:g}")
            for i in bad[:20]])


def _value_issues(source: str, values: FloatArray, rows: npt.NDArray[np.int64],
                  field: str) -> list[Issue]:
    bad = np.flatnonzero(~np.isfinite(values))
    return [Issue(source, int(rows[i]), field, "must be a finite number", str(values[i]))
            for i in bad[:20]]


def _date_issues(source: str, dates: DateArray, rows: npt.NDArray[np.int64]) -> list[Issue]:
    issues: list[Issue] = []
    if np.isnat(dates).any():
        i = int(np.flatnonzero(np.isnat(dates))[0])
        return [Issue(source, int(rows[i]), "date", "must be a valid date", "NaT")]
    step = np.diff(dates).astype(np.int64)
    for i in np.flatnonzero(step == 0)[:20]:
        issues.append(Issue(source, int(rows[i + 1]), "date",
                            "must not repeat (duplicated date)", str(dates[i + 1])))
    for i in np.flatnonzero(step < 0)[:20]:
        issues.append(Issue(source, int(rows[i + 1]), "date",
                            f"must be after the previous date {dates[i]}", str(dates[i + 1])))
    return issues


def _gap_issues(
    source: str, dates: DateArray, rows: npt.NDArray[np.int64], freq: Frequency
) -> list[Issue]:
    limit = _MAX_STEP_DAYS[freq]
    step = np.diff(dates).astype(np.int64)
    return [
        Issue(source, int(rows[i + 1]), "date",
              f"must follow the previous date {dates[i]} within {limit} days for {freq} data "
              f"(gap of {step[i]} days)", str(dates[i + 1]))
        for i in np.flatnonzero(step > limit)[:20]
    ]
