"""The exception tree and issue formatting."""

from __future__ import annotations

import pytest

from bubblescope.model.errors import (
    BubblescopeError,
    ConvergenceError,
    DataError,
    DataQualityWarning,
    Issue,
    ScenarioError,
    SeriesGapWarning,
)


def test_an_issue_names_file_line_field_rule_and_value() -> None:
    issue = Issue("contracts.csv", 17, "amount", "must be a positive number", "-3")
    assert issue.line == 17
    assert str(issue) == "contracts.csv line 17: 'amount' must be a positive number, got '-3'"


def test_a_file_level_issue_has_no_row() -> None:
    assert str(Issue("web.yaml", None, "as_of", "is required", "")) == (
        "web.yaml: 'as_of' is required, got ''")


def test_data_error_lists_every_issue_and_counts_them() -> None:
    issues = [Issue("a.csv", 1, "x", "is bad", "1"), Issue("a.csv", 2, "y", "is bad", "2")]
    err = DataError(issues)
    assert err.issues == tuple(issues)
    text = str(err)
    assert text.startswith("2 problems in input data:")
    assert "a.csv line 1: 'x'" in text
    assert "a.csv line 2: 'y'" in text


def test_data_error_single_builds_one_issue() -> None:
    err = DataError.single("f.csv", 3, "kind", "must be known", 42)
    assert err.issues == (Issue("f.csv", 3, "kind", "must be known", "42"),)
    assert str(err).startswith("1 problem in input data:")


@pytest.mark.parametrize("cls", [DataError, ScenarioError, ConvergenceError])
def test_every_error_is_a_bubblescope_error(cls: type[Exception]) -> None:
    assert issubclass(cls, BubblescopeError)


def test_warnings_are_data_quality_warnings() -> None:
    assert issubclass(SeriesGapWarning, DataQualityWarning)
    assert issubclass(DataQualityWarning, UserWarning)
