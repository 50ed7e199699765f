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
    assert payload["signals"]["analysis"]["series"] == "nasdaq-dotcom"
    assert payload["signals"]["analysis"]["latest_bsadf"]["cv95"] > 0


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
    assert any("contracts.csv line 3: 'amount'" in x and "'-300'" in x for x in lines)
    assert any("contracts.csv line 5: 'amount'" in x and "'eighteen'" in x for x in lines)
    assert not (tmp_path / "report.html").exists()


def test_usage_error_exits_2() -> None:
    assert app_main(["run", "--no-such-option"]) == 2


def _section(html_text: str, key: str) -> str:
    start = html_text.index(f'<section id="{key}">')
    return html_text[start:html_text.index("</section>", start)]


def test_run_adds_the_uncertainty_section_with_its_plots(
    web_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert app_main(["run", "--web", str(web_dir), "--out", str(out), "--paths", "60",
                     "--seed", "3", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    mc = payload["montecarlo"]
    assert (mc["paths"], mc["seed"]) == (60, 3)
    assert mc["source"] == "atlantic-crash over the documented default uncertainty"
    page = (out / "report.html").read_text()
    assert '<a href="#montecarlo">Uncertainty: Monte Carlo</a>' in page
    part = _section(page, "montecarlo")
    assert part.count("plotly-graph-div") == 4
    for title in ("realised credit and debt-mark losses over the horizon",
                  "Loss borne by holder sector", "Probability of default",
                  "Investment-grade paper junked"):
        assert title in part
    assert "60 paths from seed 3" in part
    # the preset's one path (the "Who gets hurt" figure) placed among the paths
    central = mc["central_path"]
    stress_credit = payload["stress"]["credit_first"]["holder_sectors"]["realised credit"]
    assert central["realised_credit_usd_bn"] == pytest.approx(stress_credit)
    assert 0.0 <= central["percentile_of_paths"] <= 1.0
    # the same run as `bubblescope montecarlo` with the same scenario, paths and seed
    assert app_main(["montecarlo", "--web", str(web_dir), "--scenario", "atlantic-crash",
                     "--paths", "60", "--seed", "3", "--no-store", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["system_loss"] == mc["system_loss"]


def test_run_without_the_monte_carlo(web_dir: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    for flag in (["--no-montecarlo"], ["--paths", "0"]):
        assert app_main(["run", "--web", str(web_dir), "--out", str(tmp_path), "--json",
                         *flag]) == 0
        assert "montecarlo" not in json.loads(capsys.readouterr().out)
        assert 'id="montecarlo"' not in (tmp_path / "report.html").read_text()
    assert app_main(["run", "--web", str(web_dir), "--out", str(tmp_path),
                     "--paths", "20"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Uncertainty (atlantic-crash over the documented default uncertainty): over 20 " \
           "paths holder sectors (funds looked through) lose USD" in text
    # credit first: equity marks beside, and the downgrade measure stated
    assert "realised credit and debt marks on average" in text
    assert "of equity marks beside" in text
    assert "system losses" not in text
    assert "face amount of investment-grade paper junked" in text


def test_report_shows_a_stored_monte_carlo_run(web_dir: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "s.duckdb"
    assert app_main(["montecarlo", "--web", str(web_dir), "--scenario", "gpu-spiral",
                     "--paths", "30", "--seed", "5", "--chunk-size", "10", "--db", str(db),
                     "--run-id", "kept"]) == 0
    capsys.readouterr()
    assert app_main(["report", "--web", str(web_dir), "--out", str(tmp_path),
                     "--montecarlo", "kept", "--db", str(db)]) == 0
    part = _section((tmp_path / "report.html").read_text(), "montecarlo")
    assert "Stored run &#x27;kept&#x27;: 30 paths from seed 5" in part
    assert part.count("plotly-graph-div") == 4
    assert app_main(["report", "--web", str(web_dir), "--out", str(tmp_path),
                     "--montecarlo", "nope", "--db", str(db)]) == 2
    assert "no run of that id in" in capsys.readouterr().err
    assert app_main(["report", "--web", str(web_dir), "--out", str(tmp_path),
                     "--montecarlo", "kept", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no store at" in capsys.readouterr().err
    # the run went to the default store: say so instead of only "no store"
    monkeypatch.setenv("BUBBLESCOPE_DB", str(db))
    assert app_main(["report", "--web", str(web_dir), "--out", str(tmp_path),
                     "--montecarlo", "kept", "--db", str(tmp_path / "my.duckdb")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"no store at {tmp_path / 'my.duckdb'}; the run is in the default store {db}" in err
