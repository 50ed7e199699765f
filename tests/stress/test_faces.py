"""The faces of the engine: `bubblescope stress` and the report's "Who gets hurt" section.

(They live with the stress tests because this area owns them.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bubblescope.cli import app_main
from bubblescope.cli.stress import parse_sets, resolve_scenario
from bubblescope.model import Web
from bubblescope.model.errors import ScenarioError
from bubblescope.report.stress import headline, section
from bubblescope.store.files import write_web_dir
from bubblescope.stress import Scenario, run


@pytest.fixture(scope="module")
def web_dir(tmp_path_factory: pytest.TempPathFactory, toy_web: Web) -> Path:
    path = tmp_path_factory.mktemp("toy") / "web"
    write_web_dir(toy_web, path)
    return path


def test_cli_prints_a_quarter_by_quarter_account(web_dir: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code = app_main(["stress", "--scenario", "atlantic-crash", "--quarters", "6",
                     "--web", str(web_dir), "--set", "rollover_base=0.3"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Quarter by quarter" in out
    assert "2026Q1" in out
    assert "Losses borne by entity kind" in out
    assert "2008" in out


def test_cli_json_and_store(web_dir: Path, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "s.duckdb"
    code = app_main(["stress", "-s", "gpu-spiral", "-q", "4", "--web", str(web_dir), "--json",
                     "--db", str(db)])
    out = capsys.readouterr().out
    assert code == 0
    payload = json.loads(out[out.index("{"):])
    assert payload["scenario"]["name"] == "gpu-spiral"
    assert len(payload["timeline"]) == 4
    assert set(payload["losses_by_channel"]) >= {"equity marks", "default write-offs"}
    from bubblescope.store.duckdb_store import open_store

    with open_store(db, read_only=True) as store:
        runs = store.list_runs("stress")
    assert len(runs) == 1
    assert runs[0].params["scenario"] == "gpu-spiral"


def test_cli_bad_input_exits_2(web_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert app_main(["stress", "-s", "nope", "--web", str(web_dir)]) == 2
    assert "unknown preset" in capsys.readouterr().err
    assert app_main(["stress", "--set", "equity_shock=9", "--web", str(web_dir)]) == 2
    assert app_main(["stress", "--set", "oops", "--web", str(web_dir)]) == 2


def test_scenario_from_a_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nequity_shock: 0.2\n", encoding="utf-8")
    sc = resolve_scenario(str(path), 6, ["lease_cut=0.4"])
    assert (sc.name, sc.equity_shock, sc.lease_cut, sc.quarters) == ("mine", 0.2, 0.4, 6)
    with pytest.raises(ScenarioError, match="not found"):
        resolve_scenario(str(tmp_path / "missing.yaml"), None, [])
    assert parse_sets(["a = 1", "b=x=y"]) == {"a": "1", "b": "x=y"}


def test_payload_and_report_section(toy_web: Web) -> None:
    r = run(toy_web, Scenario("crash <b>", quarters=8, equity_shock=0.6, lease_cut=0.7,
                              lease_cut_trigger=0.9, rollover_base=0.3,
                              description="a & b"))
    payload = r.to_dict()
    assert payload["paths"] == 1
    assert payload["total_loss"] == pytest.approx(r.total_loss[0])
    s = section(r)
    assert (s.key, s.title) == ("stress", "Who gets hurt")
    assert "crash &lt;b&gt;" in s.html
    assert "a &amp; b" in s.html
    assert s.html.count("plotly") > 0
    assert "Who gets hurt (crash <b>)" in headline(r)
    assert not r.loss_flows.empty
    assert payload["cuts"] == r.cuts.to_dict(orient="records")
    assert set(r.cuts["entity"]) == {"lab", "cloud"}  # distressed below the cut trigger
    assert "Who cuts or renegotiates" in s.html  # and named in the report


def test_report_section_without_defaults_or_losses(toy_web: Web) -> None:
    r = run(toy_web, Scenario("calm", quarters=2, renegotiation=0.0))
    s = section(r)
    assert "No entity defaults" in s.html
    assert r.cuts.empty
    assert "No lease or commitment is cut" in s.html


def test_sensitivity_ranks_data_assumptions_by_an_insurers_credit_losses(
        web_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scen = tmp_path / "s.yaml"
    # the cloud loses 90% of its revenue and cannot raise equity: it defaults on the insurer
    scen.write_text("name: s\nquarters: 6\nequity_shock: 0.6\nlease_cut: 0.7\n"
                    "rollover_base: 0.3\nequity_raise_capacity: 0.0\n"
                    "revenue_shocks:\n  cloud: 0.9\nuncertain:\n  shortfall: {dist: uniform, "
                    "low: 0.2, high: 0.6, field: ai_revenue_shock}\n", encoding="utf-8")
    args = ["sensitivity", "--scenario", str(scen), "--samples", "2", "--web", str(web_dir)]
    assert app_main([*args, "--json"]) == 0
    assert "data_assumptions" not in json.loads(capsys.readouterr().out)  # opt-in
    assert app_main([*args, "--data", "--holder", "life_insurer", "--json"]) == 0
    ranked = json.loads(capsys.readouterr().out)["data_assumptions"]
    assert "life_insurers' realised credit and debt-mark losses" in ranked["measure"]
    # the toy insurer holds the SPV's senior notes and the cloud's bond (before the cloud's
    # default was added to the scenario this passed on a base of 8e-17: round-off)
    assert ranked["base"] > 1.0
    top = ranked["rows"][0]
    assert top["source"] == "a"  # the toy's one assumption carries every number
    assert top["up_usd_bn"] != 0.0
    assert app_main([*args, "--data", "--holder", "all"]) == 0
    assert "Data assumptions ranked by how much one sigma moves" in capsys.readouterr().out
    assert app_main([*args, "--data", "--holder", "insurer"]) == 2
    assert "--holder must be 'all' or one of" in capsys.readouterr().err
