"""Macro series for the sizing measures: the checks at the boundary and period arithmetic.

The one :class:`~bubblescope.model.series.Series` type is read here on a regular
:class:`pandas.PeriodIndex` (monthly, quarterly, annual or daily business periods, its
``data``) with its unit and source. :func:`make_series` builds it and rejects NaN,
duplicate (overlapping) periods, gaps and values that contradict the stated unit, naming
the file, row, field and value.

>>> s = make_series("x", ["2020-01", "2020-02"], [1.0, 2.0], unit="percent", freq="M")
>>> s.last_period
'2020-02'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Final, Literal

import numpy as np
import pandas as pd

from bubblescope.model.errors import DataError, Issue
from bubblescope.model.inputs import FIRST_DATA_LINE, to_number
from bubblescope.model.series import Freq, Series, Unit

__all__ = [
    "add",
    "make_series",
    "resample_mean",
    "splice",
]

#: Largest ratio between two consecutive observations real data shows, per unit. A long-term
#: yield moves by far less than x3 from one month to the next (the 10y Treasury's largest
#: monthly move since 1953 is about x1.6, in 2020), and a quarterly GDP level by less than
#: x1.2 (2020Q2: x0.92). A jump of x10 or more means mixed units (percent vs decimals, bn vs
#: m). Yields below :data:`JUMP_FLOOR` (near-zero short rates) are not compared.
MAX_JUMP: Final[dict[str, float]] = {"percent": 10.0, "usd_bn_saar": 2.0}
JUMP_FLOOR: Final[dict[str, float]] = {"percent": 1.0, "usd_bn_saar": 0.0}


def make_series(
    name: str,
    dates: Sequence[object] | pd.Index,
    values: Sequence[float] | np.ndarray,
    *,
    unit: Unit,
    freq: Freq,
    source: str = "",
    note: str = "",
    file: str = "<memory>",
    allow_gaps: bool = False,
    lines: Sequence[int] | None = None,
) -> Series:
    """Validate ``dates`` and ``values`` and build a :class:`Series`.

    Every problem is collected and reported at once. ``lines`` gives each observation's
    line in ``file`` (default ``2..n+1``: the header is line 1), so issues name the line of
    the file even when the loader dropped some rows.

    Raises
    ------
    DataError
        For a NaN or non-numeric value, an unparseable date, two rows in one period
        (overlapping dates), a missing period inside the range (unless ``allow_gaps``,
        which keeps the gap out of the index: use only for daily market data), values that
        contradict the unit (a ``percent`` series given as decimals) or a jump between
        consecutive observations larger than :data:`MAX_JUMP` allows for the unit (mixed
        units inside one file).
    """
    row_of = (list(lines) if lines is not None
              else list(range(FIRST_DATA_LINE, len(values) + FIRST_DATA_LINE)))
    issues: list[Issue] = []
    periods = _periods(dates, freq, file, issues, row_of)
    floats = _floats(values, file, issues, row_of)
    parsed = [(r, p) for r, p in zip(row_of, periods, strict=True) if p is not None]
    issues += _order_issues(parsed, file, allow_gaps)
    good = [(r, p, v) for r, p, v in zip(row_of, periods, floats, strict=True)
            if p is not None and math.isfinite(v)]
    issues += _unit_issues([r for r, _, _ in good], np.array([v for _, _, v in good]), unit,
                           file)
    if issues:
        raise DataError(sorted(issues, key=lambda i: (i.line or 0, i.field)))
    index = pd.PeriodIndex([p for p in periods if p is not None], freq=freq)
    data = pd.Series(floats, index=index, name=name)
    return Series.from_periods(name, data, unit, freq, source, note)


def _periods(dates: Sequence[object] | pd.Index, freq: str, file: str,
             issues: list[Issue], rows: Sequence[int]) -> list[pd.Period | None]:
    out: list[pd.Period | None] = []
    for row, raw in zip(rows, dates, strict=True):
        try:
            period = pd.Period(str(raw).strip(), freq=freq)
            if not isinstance(period, pd.Period):  # "" or "NaT" parses as NaT, not an error
                raise ValueError(raw)
            out.append(period)
        except (ValueError, TypeError, OverflowError):
            issues.append(Issue(file, row, "date", f"must be a date of frequency {freq}",
                                str(raw)))
            out.append(None)
    return out


def _floats(values: Sequence[float] | np.ndarray, file: str, issues: list[Issue],
            rows: Sequence[int]) -> list[float]:
    out: list[float] = []
    for row, raw in zip(rows, values, strict=True):
        try:
            value = to_number(raw)
        except (ValueError, TypeError):
            issues.append(Issue(file, row, "value", "must be a number (ASCII decimal)", str(raw)))
            out.append(math.nan)
            continue
        if not math.isfinite(value):
            issues.append(Issue(file, row, "value", "must be a finite number (no NaN or gaps)",
                                str(raw)))
        out.append(value)
    return out


def _order_issues(parsed: Sequence[tuple[int, pd.Period]], file: str,
                  allow_gaps: bool) -> list[Issue]:
    issues: list[Issue] = []
    for (_, prev), (row, cur) in pairwise(parsed):
        if cur <= prev:
            rule = ("must not repeat a period (overlapping dates)" if cur == prev
                    else "must be in increasing order")
            issues.append(Issue(file, row, "date", rule, str(cur)))
        elif not allow_gaps and (cur - prev).n != 1:
            issues.append(Issue(file, row, "date",
                                f"must follow {prev} without a gap (missing periods)", str(cur)))
    return issues


def _unit_issues(rows: Sequence[int], values: np.ndarray, unit: str, file: str) -> list[Issue]:
    issues: list[Issue] = []
    if unit == "percent" and len(values) >= 3:
        median = float(np.median(np.abs(values)))
        if 0.0 < median < 0.3:
            return [Issue(file, None, "value", "must be in percent (5.2 = 5.2 %), but the "
                          "values look like decimals", f"median {median:g}")]
        issues += [Issue(file, rows[int(i)], "value",
                         "must be a yield in percent below 60 (mixed units?)", f"{values[i]:g}")
                   for i in np.flatnonzero(np.abs(values) > 60.0)]
    return issues + _jump_issues(rows, values, unit, file)


def _jump_issues(rows: Sequence[int], values: np.ndarray, unit: str, file: str) -> list[Issue]:
    """Consecutive observations whose ratio exceeds :data:`MAX_JUMP` for the unit."""
    limit = MAX_JUMP.get(unit)
    if limit is None or len(values) < 2:
        return []
    floor = JUMP_FLOOR[unit]
    issues = []
    for i in range(1, len(values)):
        a, b = float(values[i - 1]), float(values[i])
        if a <= 0 or b <= 0 or max(a, b) < floor:
            continue
        factor = max(a, b) / min(a, b)
        if factor > limit:
            issues.append(Issue(
                file, rows[i], "value",
                f"must not jump by more than x{limit:g} from the previous observation "
                f"({a:g} at line {rows[i - 1]}; a x{factor:.0f} jump means mixed units, "
                f"e.g. percent vs decimals)", f"{b:g}"))
    return issues


def resample_mean(series: Series, freq: Freq, min_obs: int = 1) -> Series:
    """Average ``series`` into periods of ``freq``, keeping periods with ``min_obs`` or more.

    Examples
    --------
    >>> m = make_series("r", ["2020-01", "2020-02", "2020-03"], [1, 2, 3], unit="percent",
    ...                 freq="M")
    >>> float(resample_mean(m, "Q", min_obs=3).data.iloc[0])
    2.0
    """
    index = pd.PeriodIndex(series.data.index)
    grouped = series.data.groupby(index.asfreq(freq))
    means = grouped.mean()[grouped.count() >= min_obs]
    if means.empty:
        raise DataError.single(series.name, None, "date", f"must cover at least one complete "
                               f"{freq} period ({min_obs} observations)", len(series.data))
    full = pd.period_range(means.index[0], means.index[-1], freq=freq)
    means = means.reindex(full).dropna()
    return Series.from_periods(series.name, means, series.unit, freq, series.source,
                               series.note)


def add(a: Series, b: Series, name: str, note: str = "") -> Series:
    """Sum two series of one frequency on their common periods (e.g. Treasury + spread)."""
    if a.freq != b.freq:
        raise DataError.single(name, None, "freq", f"must match to add {a.name} and {b.name}",
                               f"{a.freq} vs {b.freq}")
    both = pd.concat([a.data, b.data], axis=1, join="inner").dropna()
    data = (both.iloc[:, 0] + both.iloc[:, 1]).rename(name)
    source = f"{a.source} + {b.source}"
    return Series.from_periods(name, data, a.unit, a.freq, source, note)


@dataclass(frozen=True)
class SpliceInfo:
    """How a splice was made: where the proxy takes over and the level shift used (pp)."""

    switch_after: str
    shift: float
    overlap: int


def splice(primary: Series, proxy: Series, *, overlap: int = 36,
           adjust: Literal["level", "raw"] = "level") -> tuple[Series, SpliceInfo]:
    """Extend ``primary`` past its last period with ``proxy``.

    With ``adjust="level"`` the proxy is shifted by the mean gap ``primary - proxy`` over the
    last ``overlap`` common periods, so the level does not jump at the seam.

    Raises
    ------
    DataError
        When the two series share fewer than ``overlap`` periods under ``adjust="level"``.
    """
    common = primary.data.index.intersection(proxy.data.index)
    shift = 0.0
    if adjust == "level":
        if len(common) < overlap:
            raise DataError.single(proxy.name, None, "date",
                                   f"must overlap {primary.name} by >= {overlap} periods",
                                   len(common))
        window = common[-overlap:]
        shift = float((primary.data[window] - proxy.data[window]).mean())
    tail = proxy.data[proxy.data.index > primary.data.index[-1]] + shift
    data = pd.concat([primary.data, tail]).rename(primary.name)
    info = SpliceInfo(primary.last_period, shift, min(overlap, len(common)))
    how = (f" shifted by {shift:+.2f} pp (mean gap over {info.overlap} periods)"
           if adjust == "level" else " (raw)")
    note = f"{primary.name} to {info.switch_after}, then {proxy.name}{how}"
    return Series.from_periods(primary.name, data, primary.unit, primary.freq,
                               f"{primary.source}; after {info.switch_after}: {proxy.source}",
                               note), info
