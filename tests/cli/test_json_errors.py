"""With --json, a refused input is also reported as JSON on stdout (file, line, field, rule)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bubblescope.cli.app import run_app

WEB = Path(__file__).resolve().parents[2] / "src" / "bubblescope" / "data" / "web"


def test_data_errors_come_back_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "web"
    shutil.copytree(WEB, bad)
    contracts = bad / "contracts.csv"
    lines = contracts.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("amount")] = "-5"
    lines[1] = ",".join(row)
    contracts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_app(["data", "validate", str(bad), "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["error"]["kind"] == "DataError"
    assert out["error"]["exit_code"] == 2
    [issue] = [i for i in out["error"]["issues"] if i["field"] == "amount"]
    assert issue["line"] == 2  # the file line: the header is line 1
    assert ",-5," in contracts.read_text(encoding="utf-8").splitlines()[issue["line"] - 1]
    assert issue["value"] == "-5"
    assert issue["file"].endswith("contracts.csv")


def test_scenario_errors_come_back_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(["stress", "--scenario", "no-such-preset", "--json"]) == 2
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["error"]["kind"] == "ScenarioError"
    assert "no-such-preset" in out["error"]["message"]
    assert out["error"]["issues"] == []
    assert "no-such-preset" in captured.err


def test_without_json_stdout_stays_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(["stress", "--scenario", "no-such-preset"]) == 2
    assert capsys.readouterr().out == ""
