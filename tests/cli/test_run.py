"""`bubblescope run` and `report` on a web directory; exit codes of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bubblescope.cli import app_main
from bubblescope.model import Web
from bubblescope.store.files import write_web_dir


@pytest.fixture
def web_dir(small_web: Web, tmp_path: Path) -> Path:
    return write_web_dir(small_web, tmp_path / "web")


def test_run_writes_report_and_prints_headline(
    web_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert app_main(["run", "--web", str(web_dir), "--out", str(tmp_path / "out")]) == 0
    text = capsys.readouterr().out
    assert "6 entities, 5 contracts" in text
    assert "compute_commitment" in text
    assert (tmp_path / "out" / "report.html").stat().st_size > 1_000_000


def test_run_json(web_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert app_main(["run", "--web", str(web_dir), "--out", str(tmp_path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["web"]["entities"] == 6
    assert payload["web"]["data_quality"]["n_assumption_contracts"] == 2
    assert payload["size"]["headline"].startswith("How big")
    assert payload["stress"]["scenario"]["name"] == "atlantic-crash"
    assert [x["name"] for x in payload["signals"]["latest"]][:2] == ["nvda", "msft"]
    assert payload["signals"]["series"]


def test_run_unknown_scenario_exits_2(
    web_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert app_main(["run", "--web", str(web_dir), "--out", str(tmp_path),
                     "--scenario", "no-such"]) == 2
    assert "atlantic-crash" in capsys.readouterr().err


def test_report_command(web_dir: Path, tmp_path: Path) -> None:
    assert app_main(["report", "--web", str(web_dir), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "report.html").exists()


def test_bad_web_exits_2_and_names_every_problem(
    web_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contracts = web_dir / "contracts.csv"
    text = contracts.read_text().replace(",300.0,", ",-300,").replace(",18.0,", ",eighteen,")
    contracts.write_text(text)
    assert app_main(["run", "--web", str(web_dir), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "2 problems" in err
    lines = err.splitlines()
    assert any("contracts.csv row 2: 'amount'" in x and "'-300'" in x for x in lines)
    assert any("contracts.csv row 4: 'amount'" in x and "'eighteen'" in x for x in lines)
    assert not (tmp_path / "report.html").exists()


def test_usage_error_exits_2() -> None:
    assert app_main(["run", "--no-such-option"]) == 2
