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
    assert "row 2" in err and "'-300'" in err
    assert "row 4" in err and "'eighteen'" in err
    assert not (tmp_path / "report.html").exists()


def test_usage_error_exits_2() -> None:
    assert app_main(["run", "--no-such-option"]) == 2
