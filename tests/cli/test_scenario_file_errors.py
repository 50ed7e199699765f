"""A bad scenario file is refused with exit 2 and a message naming the file, the line and
column of the bad value, the field, the rule and the value, as a bad CSV cell is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bubblescope.cli.app import run_app
from bubblescope.model.errors import ScenarioError
from bubblescope.model.yamldoc import read_yaml_marked
from bubblescope.stress.scenario import scenario_from_mapping

CASES = [
    # (file text, line, column, field, rule fragment, value)
    ("name: bad\nquarters: 12\nshock_quarter: 2\nequity_shock: 1.7\n",
     4, 15, "equity_shock", "must be between 0 and 0.99", "1.7"),
    ("name: bad\nrecovery_senior: [0.4, 3]\n",
     2, 24, "recovery_senior", "must be between 0 and 1", "3.0"),
    ("name: bad\nrevenue_shocks:\n  openai: 0.5\n  nvidia: 2\n",
     4, 11, "revenue_shocks", "must be between 0 and 0.99", "2.0"),
    ("name: bad\n# a comment\nquartrs: 12\n",
     3, 1, "quartrs", "is unknown", "quartrs"),
    ("name: bad\nquarters: 8\nshock_quarter: 9\n",
     3, 16, "shock_quarter", "must be below 'quarters' (8)", "9"),
    ("name: bad\nltv: lots\n",
     2, 6, "ltv", "must be a number", "lots"),
]


@pytest.mark.parametrize(("text", "line", "column", "field", "rule", "value"), CASES)
def test_a_bad_scenario_file_names_file_line_field_rule_and_value(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int, column: int,
        field: str, rule: str, value: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert run_app(["stress", "--scenario", str(path), "--json"]) == 2
    out = capsys.readouterr()
    message = out.err.replace("\n", " ")
    assert f"{path} line {line}, column {column}:" in " ".join(message.split())
    error = json.loads(out.out)["error"]
    assert error["exit_code"] == 2
    [issue] = error["issues"]
    assert issue["file"] == str(path)
    assert (issue["line"], issue["column"], issue["field"]) == (line, column, field)
    assert rule in issue["rule"]
    assert issue["value"] == value


def test_the_monte_carlo_command_names_the_line_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nuncertain:\n  x: {dist: uniform, low: 0, high: 1, "
                    "field: ltv}\nltv: 7\n", encoding="utf-8")
    assert run_app(["montecarlo", "--scenario", str(path), "--paths", "8", "--no-store"]) == 2
    assert f"{path} line 4, column 6: scenario 'bad': 'ltv' must be between" in " ".join(
        capsys.readouterr().err.split())


def test_without_a_file_the_error_is_as_before_and_carries_its_issue() -> None:
    with pytest.raises(ScenarioError, match=r"^scenario 'x': 'ltv' must be between") as info:
        scenario_from_mapping({"name": "x", "ltv": 7})
    [issue] = info.value.issues
    assert (issue.line, issue.field, issue.value) == (None, "ltv", "7.0")


def test_marks_follow_lists_mappings_and_flow_style(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nrevenue_shocks: {openai: 0.5, nvidia: 0.2}\nltv:\n  - 0.5\n"
                    "  - 0.6\n", encoding="utf-8")
    data, marks = read_yaml_marked(path)
    assert data["ltv"] == [0.5, 0.6]
    assert marks.value("revenue_shocks", "nvidia") == (2, 39)
    assert marks.value("ltv", 1) == (5, 5)
    assert marks.keys[("ltv",)] == (3, 1)
    assert marks.value("no", "such") == (1, 1)  # the document itself


def test_the_uncertain_section_names_the_line_of_each_parameter(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "u.yaml"
    path.write_text("name: bad\nuncertain:\n  shortfall:\n    dist: normal\n    mean: 0.3\n"
                    "    sd: -1\n    field: ai_revenue_shock\n"
                    "  rec: {dist: uniform, low: 0.9, high: 0.2, field: recovery_senior}\n",
                    encoding="utf-8")
    assert run_app(["montecarlo", "--scenario", str(path), "--paths", "8", "--no-store"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"{path} line 6, column 9: uncertain.shortfall.sd must be > 0, got -1.0" in err
    assert f"{path} line 8, column 40: uncertain.rec.high must be > low (0.9), got 0.2" in err


def test_the_exposures_section_names_the_line_and_carries_the_issue(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "e.yaml"
    path.write_text("name: bad\nexposures:\n  kind: loan\n  holders: [jpmorgan]\n"
                    "  obligors: [oracle]\n  density: 3\n", encoding="utf-8")
    assert run_app(["montecarlo", "--scenario", str(path), "--paths", "8", "--no-store",
                    "--json"]) == 2
    out = capsys.readouterr()
    assert f"{path} line 6, column 12: exposures.density must be a number in (0, 1], got 3" \
        in " ".join(out.err.split())
    [issue] = json.loads(out.out)["error"]["issues"]
    assert (issue["line"], issue["column"], issue["field"], issue["value"]) == (
        6, 12, "exposures.density", "3")
