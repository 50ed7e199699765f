"""Read price series from CSV files: generic, Yahoo (3 header lines), FRED, Shiller ie_data.

This is the IO edge of :mod:`bubblescope.signals`: it opens files and hands validated
arrays to :func:`bubblescope.signals.series.make_series`. Layouts handled:

* any CSV with a date column and a value column (chosen by name or guessed);
* Yahoo/yfinance downloads with three header lines (``Price,…`` / ``Ticker,…`` / ``Date,…``);
* FRED downloads (``observation_date`` or ``DATE``), where ``.`` or an empty field marks
  a holiday: such rows are dropped and counted;
* Shiller's ``ie_data`` export: semicolon-delimited, decimal ``YYYY.MM`` dates in which
  October is written ``YYYY.1`` (so the column is parsed as text, never as a float).

A value column may be a ratio of two columns, written ``"Price/Dividend"``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bubblescope.model.errors import DataError, Issue
from bubblescope.model.inputs import CsvRow, is_decimal, parse_csv, read_input_text
from bubblescope.model.series import Series
from bubblescope.signals.series import make_series

__all__ = ["MISSING", "read_series"]

#: Field contents read as a missing value (the row is dropped and counted). ``NaN`` is not
#: one of them: a NaN price is refused with its row, never dropped silently.
MISSING = frozenset({"", ".", "NA", "N/A", "null", "#N/A"})
_NUMBER_RULE = ("must be a number, finite and in ASCII decimal (NaN and inf are refused; "
                "leave the field empty or write '.' to skip the row)")
_DATE_NAMES = ("date", "observation_date", "day", "time", "timestamp", "datetime")
_VALUE_NAMES = ("adj_close", "adj close", "adjclose", "close", "price", "value")


def read_series(
    path: Path,
    *,
    date_col: str | None = None,
    value_col: str | None = None,
    name: str | None = None,
) -> Series:
    """Read one series from a CSV file in any of the supported layouts.

    Parameters
    ----------
    path : Path
        The CSV file.
    date_col, value_col : str, optional
        Column names; guessed when omitted (``Adj Close`` before ``Close`` before ``Price``
        before ``value``, else the only other column). ``value_col`` may be ``"A/B"``.
    name : str, optional
        Series name (default: the file stem).

    Raises
    ------
    DataError
        When the file is missing or empty, a column is absent or ambiguous, or a row holds
        a bad date or value, a duplicated or unsorted date, or a gap.
    """
    path = Path(path)
    frame, layout, lines = _read_frame(path)
    src = f"{path.name}"
    dcol = _pick_date(frame, date_col, src, layout)
    vspec = _pick_value(frame, value_col, dcol, src, layout)
    return _to_series(frame, dcol, vspec, src, lines, name or path.stem, layout)


def _read_frame(path: Path) -> tuple[pd.DataFrame, str, np.ndarray]:
    text = read_input_text(path)
    head = [*text.splitlines()[:2], "", ""]
    if not head[0].strip():
        raise DataError.single(path.name, None, "header", "must not be empty", "")
    if ";" in head[0] and "," not in head[0]:
        rows = parse_csv(text, path.name, delimiter=";")
        return _frame(rows, path), "shiller", _lines(rows)
    rows = parse_csv(text, path.name)
    if head[0].startswith("Price,") and head[1].startswith("Ticker,"):
        rows = rows[2:]  # the Ticker and Date lines of a yfinance download
        frame = _frame(rows, path)
        return frame.rename(columns={frame.columns[0]: "Date"}), "yahoo", _lines(rows)
    return _frame(rows, path), "csv", _lines(rows)


def _frame(rows: list[CsvRow], path: Path) -> pd.DataFrame:
    if not rows:
        raise DataError.single(path.name, None, "rows", "must hold at least one data row", 0)
    frame = pd.DataFrame([{k: v.strip() for k, v in r.items()} for r in rows], dtype=str)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _lines(rows: list[CsvRow]) -> np.ndarray:
    return np.array([r.line for r in rows], dtype=np.int64)


def _pick_date(frame: pd.DataFrame, date_col: str | None, src: str, layout: str) -> str:
    if date_col is not None:
        _require_column(frame, date_col, src)
        return date_col
    lowered = {c.lower(): c for c in frame.columns}
    for cand in _DATE_NAMES:
        if cand in lowered:
            return lowered[cand]
    return str(frame.columns[0])


def _pick_value(
    frame: pd.DataFrame, value_col: str | None, dcol: str, src: str, layout: str
) -> tuple[str, ...]:
    if value_col is not None:
        parts = tuple(p.strip() for p in value_col.split("/")) if value_col not in frame else (
            value_col,)
        for p in parts:
            _require_column(frame, p, src)
        return parts
    if layout == "shiller":
        return ("Price",)
    lowered = {c.lower(): c for c in frame.columns}
    for cand in _VALUE_NAMES:
        if cand in lowered:
            return (lowered[cand],)
    others = [c for c in frame.columns if c != dcol and c]
    if len(others) == 1:
        return (others[0],)
    raise DataError.single(src, None, "value_col",
                           "must be given when the file has several value columns",
                           ", ".join(others))


def _require_column(frame: pd.DataFrame, col: str, src: str) -> None:
    if col not in frame.columns:
        raise DataError.single(src, None, col, "must be a column of the file (columns: "
                               + ", ".join(map(str, frame.columns)) + ")", "missing")


def _to_series(frame: pd.DataFrame, dcol: str, vspec: tuple[str, ...], src: str,
               rows: np.ndarray, name: str, layout: str) -> Series:
    raw = [frame[c].astype(str).str.strip() for c in vspec]
    missing = np.zeros(len(frame), dtype=bool)
    for col in raw:
        missing |= col.isin(MISSING).to_numpy()
    keep = ~missing
    parts = [_numbers(col[keep], rows[keep], c, src) for col, c in zip(raw, vspec, strict=True)]
    values = parts[0] if len(parts) == 1 else parts[0] / parts[1]
    dates = _dates(frame[dcol].astype(str).str.strip()[keep], rows[keep], dcol, src,
                   shiller=layout == "shiller")
    return make_series(name, dates, values, src, rows=rows[keep], n_dropped=int(missing.sum()),
                       value_field="/".join(vspec))


def _numbers(col: pd.Series, rows: np.ndarray, field: str, src: str) -> np.ndarray:
    cleaned = col.str.replace(",", "", regex=False).str.rstrip("%")
    decimal = cleaned.map(is_decimal).to_numpy(dtype=bool)
    values = pd.to_numeric(cleaned.where(decimal, "nan"), errors="coerce").to_numpy(
        dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise DataError([Issue(src, int(rows[i]), field, _NUMBER_RULE,
                               str(col.iloc[i])) for i in bad[:20]])
    return values


def _dates(col: pd.Series, rows: np.ndarray, field: str, src: str, *, shiller: bool) -> np.ndarray:
    text = col.map(_shiller_date) if shiller else col
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        rule = ("must be Shiller's YYYY.MM (October is YYYY.1)" if shiller
                else "must be an ISO date YYYY-MM-DD")
        raise DataError([Issue(src, int(rows[i]), field, rule, str(col.iloc[i]))
                         for i in bad[:20]])
    return parsed.to_numpy().astype("datetime64[D]")


def _shiller_date(text: str) -> str:
    """Convert Shiller's ``YYYY.MM`` (``YYYY.1`` = October) to ``YYYY-MM-01``.

    >>> _shiller_date("2024.1"), _shiller_date("2024.01"), _shiller_date("1871.12")
    ('2024-10-01', '2024-01-01', '1871-12-01')
    """
    year, _, frac = text.partition(".")
    month = {"1": "10"}.get(frac, frac)
    if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12 and len(month) == 2):
        return "invalid"
    return f"{year}-{month}-01"
