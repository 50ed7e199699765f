"""The exception tree and the named data-quality warnings.

Every error bubblescope raises on purpose derives from :class:`BubblescopeError`::

    BubblescopeError
    ├── DataError         bad input data: names file, line, field, rule and value (a ValueError)
    ├── ScenarioError     a scenario or parameter out of its allowed range (a ValueError)
    ├── ConvergenceError  a numerical method that did not converge
    └── TooManyJobsError  the dashboard's job slots are all busy

Warnings about data quality derive from :class:`DataQualityWarning`::

    DataQualityWarning (a UserWarning)
    ├── SeriesGapWarning      a series has missing periods
    └── MissingAmountWarning  imported deal legs without an amount
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "BubblescopeError",
    "ConvergenceError",
    "DataError",
    "DataQualityWarning",
    "Issue",
    "MissingAmountWarning",
    "ScenarioError",
    "SeriesGapWarning",
    "TooManyJobsError",
]


class BubblescopeError(Exception):
    """Base of every error bubblescope raises on purpose."""


@dataclass(frozen=True)
class Issue:
    """One problem found in input data.

    Parameters
    ----------
    file : str
        The file (or table) name the value came from.
    line : int or None
        The line of the file the row starts on (a table's header is line 1, its first data
        row line 2; a spreadsheet row counts the same way); ``None`` for a problem of the
        whole file.
    field : str
        Column or parameter name.
    rule : str
        The rule that was broken, phrased as what is required.
    value : str
        The offending value, as read.
    column : int or None
        The column (1-based) the value starts at, when the reader knows it (a YAML file).
    """

    file: str
    line: int | None
    field: str
    rule: str
    value: str
    column: int | None = None

    @property
    def where(self) -> str:
        """The file with its line and column when known: ``"a.yaml line 3, column 11"``."""
        if self.line is None:
            return self.file
        return f"{self.file} line {self.line}" + (
            "" if self.column is None else f", column {self.column}")

    def __str__(self) -> str:
        return f"{self.where}: {self.field!r} {self.rule}, got {self.value!r}"


class DataError(BubblescopeError, ValueError):
    """Bad input data; carries every :class:`Issue` found, not only the first."""

    def __init__(self, issues: list[Issue] | tuple[Issue, ...]) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} in input data"
        super().__init__(head + ":\n" + "\n".join(f"  - {i}" for i in self.issues))

    @classmethod
    def single(cls, file: str, line: int | None, field: str, rule: str,
               value: object) -> DataError:
        """Build an error holding one issue."""
        return cls([Issue(file, line, field, rule, str(value))])


class ScenarioError(BubblescopeError, ValueError):
    """A scenario field, preset name or run parameter outside its allowed values.

    ``issues`` holds the problem as data when one field is at fault (its file, line and
    column filled in when the value came from a file; empty otherwise), and ``at`` the key
    path of that value inside its document (``("revenue_shocks", "nvidia")``), so a reader
    of the file can say where it stands.
    """

    def __init__(self, message: str, issues: Sequence[Issue] = (),
                 at: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.issues: tuple[Issue, ...] = tuple(issues)
        self.at: tuple[str | int, ...] = at


class ConvergenceError(BubblescopeError):
    """A numerical method that did not reach its tolerance."""


class TooManyJobsError(BubblescopeError):
    """Every job slot of the dashboard holds a job that has not finished yet."""


class DataQualityWarning(UserWarning):
    """Base of warnings about data quality (gaps, assumptions, low confidence)."""


class SeriesGapWarning(DataQualityWarning):
    """A time series has missing periods that were filled or dropped."""


class MissingAmountWarning(DataQualityWarning):
    """Deal legs without an amount were skipped or given their deal's headline amount."""
