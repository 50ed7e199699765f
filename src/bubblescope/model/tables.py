"""Results as tables, and tables out as CSV, Parquet or xlsx.

A result class mixes in :class:`Tabular` and defines :meth:`Tabular.tables`: named pandas
frames whose names and columns carry their units (``loss_usd_bn``, ``gdp_growth_yoy``).
``to_frame()`` is the first (main) table; ``to_excel(path)`` and ``export(path)`` write
them all. :func:`write_tables` is the one writer (the CLI's ``--export`` uses it): the
format follows the suffix, a workbook gets one sheet per table, CSV and Parquet one file
per table (``report.csv`` → ``report-timeline.csv``, ...) unless there is only one.

Writing is the results' one edge: nothing here runs unless a caller asks for a file.
Each file is written to a temporary name beside it and renamed into place (atomic).

>>> import pandas as pd
>>> class Demo(Tabular):
...     def tables(self) -> dict[str, pd.DataFrame]:
...         return {"losses_usd_bn": pd.DataFrame({"holder": ["banks"], "loss_usd_bn": [1.5]})}
>>> Demo().to_frame()
  holder  loss_usd_bn
0  banks          1.5
"""

from __future__ import annotations

import functools
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import pandas as pd

from bubblescope.model.atomic import write_file
from bubblescope.model.errors import ScenarioError

__all__ = ["FORMATS", "Tabular", "sheet_name", "write_tables"]

#: File suffixes :func:`write_tables` understands.
FORMATS: Final = (".csv", ".parquet", ".xlsx")
#: Excel's limit on sheet-name length.
_SHEET_MAX: Final = 31


class Tabular(ABC):
    """Mixin: a result that can be shown as named tables and written out (a subclass that
    does not define :meth:`tables` cannot be instantiated)."""

    __slots__ = ()

    @abstractmethod
    def tables(self) -> dict[str, pd.DataFrame]:
        """Named tables of the result, main table first; names and columns carry units."""

    def to_frame(self) -> pd.DataFrame:
        """The main table of the result (the first of :meth:`tables`)."""
        return next(iter(self.tables().values()))

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write every table to the workbook ``path`` (one sheet each); return the path."""
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            raise ScenarioError(f"to_excel: {str(path)!r} must end in .xlsx")
        return write_tables(self.tables(), target)[0]

    def export(self, path: str | os.PathLike[str]) -> list[Path]:
        """Write every table to ``path`` in the format its suffix names (see
        :func:`write_tables`); return the files written."""
        return write_tables(self.tables(), Path(path))


def sheet_name(name: str) -> str:
    """``name`` as a valid, at most 31-character Excel sheet name."""
    clean = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'") or "table"
    return clean[:_SHEET_MAX]


def write_tables(tables: Mapping[str, pd.DataFrame], path: Path) -> list[Path]:
    """Write ``tables`` to ``path`` as CSV, Parquet or xlsx, by its suffix.

    Returns the files written. Raises :class:`~bubblescope.model.errors.ScenarioError` for
    another suffix or no tables.
    """
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ScenarioError(f"export path {str(path)!r}: the suffix must be one of "
                            f"{', '.join(FORMATS)} (the format follows it), got {suffix!r}")
    if not tables:
        raise ScenarioError(f"export path {str(path)!r}: the result has no tables")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        write_file(path, lambda tmp: _excel(tables, tmp))
        return [path]
    many = len(tables) > 1
    out = []
    for name, frame in tables.items():
        target = path.with_name(f"{path.stem}-{name}{suffix}") if many else path
        write_file(target, functools.partial(_flat, frame, suffix))
        out.append(target)
    return out


def _flat(frame: pd.DataFrame, suffix: str, tmp: Path) -> None:
    if suffix == ".csv":
        frame.to_csv(tmp, index=False)
    else:  # Parquet wants string column names
        frame.set_axis([str(c) for c in frame.columns], axis=1).to_parquet(tmp, index=False)


def _excel(tables: Mapping[str, pd.DataFrame], tmp: Path) -> None:
    used: set[str] = set()
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in tables.items():
            sheet = sheet_name(name)
            k = 2
            while sheet in used:
                sheet = f"{sheet_name(name)[:_SHEET_MAX - 3]}_{k}"
                k += 1
            used.add(sheet)
            frame.to_excel(writer, sheet_name=sheet, index=False)
