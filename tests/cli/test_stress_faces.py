"""`bubblescope stress` on the bundled web: tranches, DebtRank, wording, 80 columns, bad files."""

from __future__ import annotations

import dataclasses
import json
import socket
from pathlib import Path

import numpy as np
import pytest

import bubblescope as bs
from bubblescope.cli import app_main
from bubblescope.cli.common import console
from bubblescope.model import Web
from bubblescope.report.stress import headline, section
from bubblescope.stress import StressResult, load_preset, run
from bubblescope.stress.distress import debtrank_view
from bubblescope.stress.kernels.debtrank import debtrank_reference
from bubblescope.stress.payload import TRANCHE_NAMES, tranche_losses


@pytest.fixture(scope="module")
def web() -> Web:
    return bs.load_default()


@pytest.fixture(scope="module")
def crash(web: Web) -> StressResult:
    return run(web, "atlantic-crash")


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared console at 80 columns, as in a default terminal."""
    monkeypatch.setattr(console, "width", 80)


def _stress(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = app_main(["stress", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


# --- tranche losses ---------------------------------------------------------------------------
def test_tranche_losses_are_the_result_means(crash: StressResult) -> None:
    table = tranche_losses(crash)
    assert list(table.index) == list(TRANCHE_NAMES)
    by_quarter = crash.tranche_loss[0]  # one path: (quarter, tranche)
    np.testing.assert_allclose(table["end"], by_quarter[-1])
    np.testing.assert_allclose(table["peak"], by_quarter.max(axis=0))
    assert table["peak"].sum() > 0  # the crash reaches the SPV paper


def test_tranches_in_text_json_and_report(crash: StressResult, web: Web, narrow: None,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = _stress(["--scenario", "atlantic-crash"], capsys)
    assert code == 0
    assert "projected principal loss by tranche" in text
    senior = tranche_losses(crash).loc["senior"]
    cells = [[c.strip() for c in line.split("│")[1:4]] for line in text.splitlines()]
    assert ["senior", f"{senior.end:,.1f}", f"{senior.peak:,.1f}"] in cells
    code, out, _ = _stress(["--scenario", "atlantic-crash", "--json"], capsys)
    payload = json.loads(out)
    assert payload["tranche_loss_usd_bn"]["mezzanine"] == pytest.approx(
        {"end": tranche_losses(crash).loc["mezzanine", "end"],
         "peak": tranche_losses(crash).loc["mezzanine", "peak"]})
    html = section(crash, web).html
    assert "projected principal loss by tranche" in html
    sized = tranche_losses(crash, web).loc["senior"]
    assert sized["size"] == pytest.approx(sum(c.amount for c in web.active()
                                              if c.kind == "abs_note" and c.tranche == "senior"))
    assert sized["size"] > 0
    assert (f"<td>senior</td><td>{sized['size']:,.1f}</td><td>{senior.end:,.1f}</td>"
            f"<td>{senior.peak:,.1f}</td><td>{senior.peak / sized['size']:.1%}</td>") in html


# --- DebtRank ---------------------------------------------------------------------------------
def test_debtrank_view_matches_the_reference_twin(crash: StressResult, web: Web) -> None:
    view = debtrank_view(web, crash)
    assert view is not None
    first = crash.defaults.query("path == 0").iloc[0]["label"]
    seeds = tuple(crash.defaults.query("path == 0 and label == @first")["entity"])
    assert (view.quarter, sorted(view.seeds)) == (first, sorted(seeds))
    # The slow twin, built from the contracts one by one.
    ids = crash.entity_ids
    n = len(ids)
    assets = np.zeros((n, n))
    for c in web.active():
        assets[ids.index(c.holder), ids.index(c.obligor)] += c.amount
    value = assets.sum(axis=0) + assets.sum(axis=1)
    cap = np.array([c if c > 0 else 1e-9 for c in crash.capital])
    h0 = np.array([[1.0 if e in seeds else 0.0 for e in ids]])
    ref = debtrank_reference(assets, cap, value, h0)
    assert view.debtrank == pytest.approx(float(ref.additional_stress[0]), rel=1e-9)
    got = view.distress.reindex(ids, fill_value=0.0).to_numpy()
    np.testing.assert_allclose(got, ref.h[0], rtol=1e-9, atol=1e-12)
    assert view.engine_defaults == len(crash.defaults.query("path == 0"))
    assert 0 < view.debtrank <= 1


def test_debtrank_in_json_text_and_report(crash: StressResult, web: Web, narrow: None,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    view = debtrank_view(web, crash)
    assert view is not None
    code, out, _ = _stress(["--scenario", "atlantic-crash", "--json"], capsys)
    dr = json.loads(out)["debtrank"]
    assert dr["quarter"] == view.quarter
    assert dr["debtrank"] == pytest.approx(view.debtrank)
    assert set(dr["seeds"]) == set(view.seeds)
    code, text, _ = _stress(["--scenario", "atlantic-crash"], capsys)
    assert f"DebtRank at the first default ({view.quarter}" in " ".join(text.split())
    assert "DebtRank: distress from the first defaults" in section(crash, web).html
    code, out, _ = _stress(["--scenario", "baseline", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["debtrank"] is None  # nobody defaults, nothing to spread


# --- wording and layout -----------------------------------------------------------------------
def test_baseline_is_not_compared_with_itself(narrow: None,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = _stress(["--scenario", "baseline"], capsys)
    flat = " ".join(text.split())
    assert code == 0
    assert "against the no-shock path" not in flat
    assert "this scenario sets no shock: it is itself the no-shock path" in flat
    code, text, _ = _stress(["--scenario", "atlantic-crash"], capsys)
    assert "against the no-shock path" in " ".join(text.split())
    assert load_preset("baseline").unshocked
    assert not load_preset("atlantic-crash").unshocked


def test_the_account_reads_at_80_columns(crash: StressResult, narrow: None,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = _stress(["--scenario", "atlantic-crash"], capsys)
    assert code == 0
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    flat = "".join(text.split())  # folded cells rejoin
    for row in crash.defaults.query("path == 0").itertuples():
        assert f"{row.entity}({row.reason.replace(' ', '')})" in flat


def test_headline_counts_one_path_and_averages_many(crash: StressResult, web: Web) -> None:
    n = int(crash.n_defaults[0])
    assert f"({crash.scenario.name}): {n} defaults;" in headline(crash)
    sc = dataclasses.replace(load_preset("atlantic-crash"), quarters=8,
                             equity_shock=(0.0, 0.6))
    two = run(web, sc, n_paths=2)
    assert f"{two.n_defaults.mean():.1f} defaults on average" in headline(two)


def test_headline_shows_the_marks_peak_and_the_private_credit_trough(crash: StressResult,
                                                                     web: Web) -> None:
    """Spread and liquidity premia are given back by the end of the run, so the headline
    also says how much debt was marked down at the worst and how far private-credit funds'
    NAV fell; a run with no shock says neither."""
    text = headline(crash)
    held = crash.timeline["debt_marks"].cumsum()
    assert f"held at most USD {held.max():,.0f}bn, {held.idxmax()}" in text
    nav = crash.fund_nav_index[0, :, crash.entity_ids.index("private_credit_funds")]
    assert f"NAV per share low {nav.min():.2f}" in text
    # prices recover as spreads tighten, so the end-of-run equity marks understate the fall
    equity = crash.timeline["equity_marks"].cumsum()
    assert equity.max() > equity.iloc[-1] * 1.1
    assert f"at the trough USD {equity.max():,.0f}bn, {equity.idxmax()}" in text
    calm = headline(run(web, "baseline"))
    assert "held at most" not in calm
    assert "NAV per share" not in calm


def test_headline_gives_the_jobs_trough_as_2008s_figure_is_one(crash: StressResult) -> None:
    """2008-10's -8.7M is a trough, so the headline gives the run's trough (and its quarter),
    not the last quarter's jobs, which recover as the output gap closes."""
    jobs = crash.timeline["jobs_millions"]
    assert jobs.min() < jobs.iloc[-1] - 0.1  # the end understates the fall
    assert f"jobs {jobs.min():+.1f}M at the trough ({jobs.idxmin()}; US 2008-10" in \
        headline(crash)


# --- bad files --------------------------------------------------------------------------------
def test_invalid_yaml_is_a_scenario_error_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("description: broken\nname: [x\n")
    code, _, err = _stress(["--scenario", str(bad)], capsys)
    assert code == 2
    assert "internal error" not in err
    assert f"{bad}: not valid YAML at line 3" in " ".join(err.split())
    unc = tmp_path / "unc.yaml"
    unc.write_text("uncertain:\n  a: {dist: normal\n  b: 1\n")
    code, _, err = _stress(["--paths", "2", "--no-store", "--uncertain", str(unc)], capsys)
    assert code == 2
    assert f"{unc}: not valid YAML at line 3" in " ".join(err.split())


def test_a_bad_uncertain_section_reports_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unc = tmp_path / "unc.yaml"
    unc.write_text("uncertain:\n"
                   "  a: {dist: normal, mean: 0, sd: -1, field: equity_shock}\n"
                   "  b: {dist: beta, a: 0, b: x, field: spread_shock}\n"
                   "  c: {dist: uniform, low: 0, high: 1, field: quarters}\n"
                   "  d: {dist: weibull, field: recovery_senior}\n")
    code, _, err = _stress(["--paths", "2", "--no-store", "--uncertain", str(unc)], capsys)
    assert code == 2
    flat = " ".join(err.split())
    # b's 'a' is not checked against its rule while 'b' is not a number: 4, not 5
    assert "4 problems in the 'uncertain' section of" in flat
    for what in ("line 2, column 34: uncertain.a.sd must be > 0, got -1.0",
                 "line 3, column 28: uncertain.b.b must be a finite number",
                 "line 4, column 46: uncertain.c.field must be a numeric scenario field",
                 "line 5, column 13: uncertain.d.dist must be one of"):
        assert f"{unc} {what}" in flat


# --- stress --paths takes montecarlo's run options ------------------------------------------
def test_stress_paths_takes_no_store_run_id_and_timeout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scen = tmp_path / "s.yaml"
    scen.write_text("name: t\nquarters: 4\nequity_shock: 0.2\n")
    db = tmp_path / "x.duckdb"
    code, out, _ = _stress(["--scenario", str(scen), "--paths", "3", "--no-store", "--json",
                            "--db", str(db)], capsys)
    assert code == 0
    assert json.loads(out)["run_id"] is None
    assert not db.exists()
    code, out, _ = _stress(["--scenario", str(scen), "--paths", "3", "--run-id", "mine",
                            "--json", "--db", str(db)], capsys)
    assert code == 0
    assert json.loads(out)["run_id"] == "mine"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = _stress(["--scenario", str(scen), "--paths", "2", "--no-store",
                            "--scheduler", f"tcp://127.0.0.1:{port}", "--timeout", "1.5"], capsys)
    assert code == 2
    assert "is unreachable within 1.5 s" in " ".join(err.split())
