"""Tests of the Monte Carlo machinery: reproducible streams, chunking, statistics."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bubblescope._testing.synthetic import FurfineModel, SyntheticSpec, synthetic_compiled
from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.stress.uncertainty.distributions import parse_uncertainty
from bubblescope.stress.uncertainty.montecarlo import (
    BLOCK_SIZE,
    Chunk,
    ChunkResult,
    EngineModel,
    MonteCarloResult,
    PathOutcome,
    assemble,
    draw_inputs,
    draw_noise,
    engine_model,
    evaluate_chunk,
    outcome_of,
    plan_chunks,
    run_montecarlo,
)

UNCERTAIN = parse_uncertainty({
    "shortfall": {"dist": "beta", "a": 2, "b": 8, "field": "ai_revenue_shock"},
    "recovery": {"dist": "uniform", "low": 0.2, "high": 0.6, "field": "recovery_senior"},
})


@pytest.fixture(scope="module")
def model() -> FurfineModel:
    return FurfineModel(synthetic_compiled(SyntheticSpec(60, 300), np.random.default_rng(5)),
                        quarters=8)


class Linear:
    """Loss = 10 x + 1 per path; entity 'a' defaults in quarter 2 when x > 0.5."""

    entity_ids = ("a", "b")
    sectors = ("bank",)
    n_quarters = 4
    n_noise = 0

    def evaluate(self, fields: Mapping[str, FloatArray], n_paths: int) -> PathOutcome:
        x = fields["x"]
        q = np.where(x > 0.5, 2.0, np.nan)
        when = np.stack([q, np.full(n_paths, np.nan)], axis=1)
        return PathOutcome.credit_only(10 * x + 1, (5 * x)[:, None], when, 4000 * x)


def test_streams_are_the_spawned_children_of_the_seed() -> None:
    u = parse_uncertainty({"x": {"dist": "uniform", "low": 0, "high": 1}})
    children = np.random.SeedSequence(42).spawn(3)
    expected = np.random.Generator(np.random.PCG64(children[2])).random((BLOCK_SIZE, 1))
    got = draw_inputs(u, 42, 2 * BLOCK_SIZE, 3 * BLOCK_SIZE)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("chunk_size", [1, 7, 100, None])
def test_any_chunking_gives_identical_per_path_results(model: FurfineModel,
                                                       chunk_size: int | None) -> None:
    whole = run_montecarlo(model, UNCERTAIN, 100, seed=11, chunk_size=100)
    other = run_montecarlo(model, UNCERTAIN, 100, seed=11, chunk_size=chunk_size)
    np.testing.assert_array_equal(whole.inputs, other.inputs)
    np.testing.assert_array_equal(whole.outcome.system_loss, other.outcome.system_loss)
    np.testing.assert_array_equal(whole.outcome.default_quarter, other.outcome.default_quarter)
    np.testing.assert_array_equal(whole.outcome.sector_loss, other.outcome.sector_loss)


def test_a_path_depends_only_on_seed_and_index(model: FurfineModel) -> None:
    big = run_montecarlo(model, UNCERTAIN, 300, seed=3, chunk_size=64)
    small = run_montecarlo(model, UNCERTAIN, 30, seed=3)
    np.testing.assert_array_equal(big.inputs[:30], small.inputs)
    other = run_montecarlo(model, UNCERTAIN, 30, seed=4)
    assert not np.array_equal(other.inputs, small.inputs)


def test_statistics_against_hand_computed_values() -> None:
    u = parse_uncertainty({"x": {"dist": "uniform", "low": 0, "high": 1}})
    r = run_montecarlo(Linear(), u, 2000, seed=1, chunk_size=333)
    x = r.inputs[:, 0]
    loss = 10 * x + 1
    assert r.var(0.9) == pytest.approx(np.sort(loss)[int(np.ceil(0.9 * 2000)) - 1])
    assert r.expected_shortfall(0.9) == pytest.approx(loss[loss >= r.var(0.9)].mean())
    assert r.expected_shortfall() >= r.var()
    p = r.default_probability()
    assert p["a"] == pytest.approx(np.mean(x > 0.5))
    assert p["b"] == 0.0
    timing = r.default_timing()
    assert timing.loc["a", "mean_quarter"] == 2.0
    assert timing.loc["a", "first_quarter"] == 2.0
    assert np.isnan(timing.loc["b", "mean_quarter"])
    assert r.default_probability_se()["a"] == pytest.approx(np.sqrt(p["a"] * (1 - p["a"]) / 2000))
    assert r.p_downgrades_exceed() == pytest.approx(np.mean(4000 * x > 1900))
    assert 0 < r.p_downgrades_exceed_se() < 0.02
    credit = r.outcome.measure("credit")
    assert r.percentile_of(float(credit.max()) + 1) == 1.0
    assert r.percentile_of(float(credit.min()) - 1) == 0.0
    cut = float(np.quantile(credit, 0.3))
    assert r.percentile_of(cut) == pytest.approx(np.mean(credit < cut)
                                                 + 0.5 * np.mean(credit == cut))
    assert abs(r.percentile_of(cut) - 0.3) < 2 / 2000
    sectors = r.sector_losses()
    assert sectors.loc["bank", "mean"] == pytest.approx(5 * x.mean())
    assert sectors.loc["bank", "p95"] == pytest.approx(np.quantile(5 * x, 0.95))


def test_convergence_check_tightens_with_more_paths() -> None:
    u = parse_uncertainty({"x": {"dist": "normal", "mean": 100, "sd": 10}})
    few = run_montecarlo(Linear(), u, 40, seed=2)
    many = run_montecarlo(Linear(), u, 20_000, seed=2)
    c_few, c_many = few.convergence()[0], many.convergence()[0]
    assert c_many.half_width < c_few.half_width / 10
    assert c_many.passed
    assert many.converged
    assert c_few.estimate == pytest.approx(few.outcome.system_loss.mean())
    # Batch-means standard error of the mean agrees with the iid formula for iid paths.
    iid = many.outcome.system_loss.std(ddof=1) / np.sqrt(many.n_paths)
    assert c_many.std_error == pytest.approx(iid, rel=0.5)
    assert "mean credit + debt-mark loss" in str(c_many)
    one = run_montecarlo(Linear(), u, 1, seed=2)
    assert not one.converged


def test_result_prints_its_summary_and_tables(model: FurfineModel) -> None:
    r = run_montecarlo(model, UNCERTAIN, 200, seed=8, chunk_size=50)
    assert isinstance(r, MonteCarloResult)
    text = str(r)
    assert "Monte Carlo: 200 paths, seed 8" in text
    assert "VaR99%" in text
    assert "1.9T" in text
    frame = r.paths_frame()
    assert len(frame) == 200
    assert {"path", "input:shortfall", "system_loss", "loss:bank"} <= set(frame.columns)
    assert frame["path"].tolist() == list(range(200))


def test_resume_runs_only_missing_chunks(model: FurfineModel) -> None:
    seen: list[int] = []
    progress: list[tuple[int, int]] = []
    full = run_montecarlo(model, UNCERTAIN, 50, seed=5, chunk_size=10,
                          on_chunk=lambda c: seen.append(c.chunk.index))
    assert seen == [0, 1, 2, 3, 4]
    first_two = [evaluate_chunk(c, (model, UNCERTAIN, 5)) for c in plan_chunks(50, 10)[:2]]
    seen.clear()
    resumed = run_montecarlo(model, UNCERTAIN, 50, seed=5, chunk_size=10, done=first_two,
                             on_chunk=lambda c: seen.append(c.chunk.index),
                             progress=lambda d, n: progress.append((d, n)))
    assert seen == [2, 3, 4]
    assert progress == [(20, 50), (30, 50), (40, 50), (50, 50)]
    np.testing.assert_array_equal(full.outcome.system_loss, resumed.outcome.system_loss)


def test_assemble_refuses_gaps_and_nothing(model: FurfineModel) -> None:
    chunks = plan_chunks(30, 10)
    parts = [evaluate_chunk(c, (model, UNCERTAIN, 1)) for c in chunks]
    with pytest.raises(ScenarioError, match="paths from 10 are missing"):
        assemble(model, UNCERTAIN, 1, [parts[0], parts[2]])
    with pytest.raises(ScenarioError, match="at least one chunk"):
        assemble(model, UNCERTAIN, 1, [])


def test_bad_run_parameters() -> None:
    with pytest.raises(ScenarioError, match="'paths' must be an integer >= 1, got 0"):
        plan_chunks(0)
    with pytest.raises(ScenarioError, match="'chunk_size' must be an integer >= 1, got -3"):
        plan_chunks(10, -3)
    assert plan_chunks(10, 4) == (Chunk(0, 0, 4), Chunk(1, 4, 8), Chunk(2, 8, 10))
    assert plan_chunks(10, 4)[2].size == 2


@settings(max_examples=25, deadline=None)
@given(start=st.integers(0, 3 * BLOCK_SIZE), length=st.integers(1, 2 * BLOCK_SIZE),
       seed=st.integers(0, 2**32))
def test_draws_of_a_slice_equal_the_slice_of_the_draws(start: int, length: int,
                                                       seed: int) -> None:
    everything = draw_inputs(UNCERTAIN, seed, 0, start + length)
    np.testing.assert_array_equal(draw_inputs(UNCERTAIN, seed, start, start + length),
                                  everything[start:])


# --- the crash engine as a path model -------------------------------------------------------
ENGINE_UNCERTAIN = parse_uncertainty({
    "shortfall": {"dist": "uniform", "low": 0.0, "high": 0.6, "field": "ai_revenue_shock"},
    "gpu": {"dist": "triangular", "low": 0.0, "mode": 0.2, "high": 0.6,
            "field": "gpu_price_shock"},
})


@pytest.fixture(scope="module")
def engine() -> EngineModel:
    import bubblescope as bs
    from bubblescope.stress.compile import compile_web
    from bubblescope.stress.scenario import Scenario

    return engine_model(compile_web(bs.load_default()), Scenario("mc", quarters=8),
                        ENGINE_UNCERTAIN)


def test_engine_paths_do_not_depend_on_chunking(engine: EngineModel) -> None:
    # Inputs and default timing are bitwise identical; losses agree to 1e-12 relative, not
    # bitwise: the engine's numpy/BLAS reductions over entities may round differently for
    # batches of 1 and k paths (the Furfine model, whose reductions are row-independent,
    # is bitwise identical, see test_any_chunking_gives_identical_per_path_results).
    runs = [run_montecarlo(engine, ENGINE_UNCERTAIN, 8, seed=21, chunk_size=c)
            for c in (1, 7, 8)]
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0].inputs, other.inputs)
        np.testing.assert_array_equal(runs[0].outcome.default_quarter,
                                      other.outcome.default_quarter)
        for a, b in ((runs[0].outcome.system_loss, other.outcome.system_loss),
                     (runs[0].outcome.sector_loss, other.outcome.sector_loss),
                     (runs[0].outcome.downgraded, other.outcome.downgraded)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9)
    assert runs[0].entity_ids == engine.entity_ids
    assert runs[0].n_quarters == 8


def test_engine_outcome_matches_the_stress_result(engine: EngineModel) -> None:
    fields = {"ai_revenue_shock": np.array([0.0, 0.5]), "gpu_price_shock": np.array([0.0, 0.4])}
    full = engine.stress_result(fields, 2)
    out = engine.evaluate(fields, 2)
    # what the holder sectors bear, funds looked through, split by class without a remainder
    np.testing.assert_allclose(out.system_loss, full.holder_loss, rtol=1e-12)
    np.testing.assert_allclose(out.class_loss.sum(axis=1), out.system_loss, rtol=1e-12)
    np.testing.assert_allclose(out.class_loss, full.ledger.holder_sector_totals(), atol=1e-9)
    assert out.system_loss[1] >= out.system_loss[0]
    np.testing.assert_array_equal(~np.isnan(out.default_quarter), full.default_quarter >= 0)
    np.testing.assert_allclose(out.downgraded, full.downgraded.max(axis=1))
    assert out.sector_loss.sum(axis=1)[1] <= out.system_loss[1] + 1e-9
    assert engine.n_noise == 0


def test_volatile_revenue_takes_noise_from_the_streams() -> None:
    import bubblescope as bs
    from bubblescope.stress.compile import compile_web
    from bubblescope.stress.scenario import Scenario

    vol = parse_uncertainty({"vol": {"dist": "uniform", "low": 0.1, "high": 0.5,
                                     "field": "revenue_volatility"}})
    model = engine_model(compile_web(bs.load_default()), Scenario("v", quarters=4), vol)
    assert model.n_noise == 4
    a = run_montecarlo(model, vol, 3, seed=1, chunk_size=1)
    b = run_montecarlo(model, vol, 3, seed=1, chunk_size=3)
    np.testing.assert_allclose(a.outcome.system_loss, b.outcome.system_loss, rtol=1e-12)
    c = run_montecarlo(model, vol, 3, seed=2, chunk_size=3)
    assert not np.allclose(c.outcome.system_loss, b.outcome.system_loss)
    z = draw_noise(vol, 1, 0, 3, 4)
    assert z.shape == (3, 4)
    assert not np.allclose(z[0], z[1])


def test_chunk_frames_round_trip(model: FurfineModel) -> None:
    from bubblescope.cli.montecarlo import chunk_frame, chunk_from_frame

    part = evaluate_chunk(Chunk(3, 30, 40), (model, UNCERTAIN, 2))
    frame = chunk_frame(part, model, UNCERTAIN.names)
    assert frame["path"].tolist() == list(range(30, 40))
    assert set(frame["chunk"]) == {3}
    back = chunk_from_frame(frame, model, UNCERTAIN.names)
    assert back.chunk == part.chunk
    np.testing.assert_array_equal(back.inputs, part.inputs)
    np.testing.assert_array_equal(back.outcome.default_quarter, part.outcome.default_quarter)
    np.testing.assert_array_equal(back.outcome.sector_loss, part.outcome.sector_loss)


# --- faces: the report section and the commands (src/bubblescope/{report,cli}/montecarlo.py) --
def test_report_section_draws_the_distributions(model: FurfineModel) -> None:
    from bubblescope.report.montecarlo import section

    r = run_montecarlo(model, UNCERTAIN, 120, seed=3)
    s = section(r)
    assert s.key == "montecarlo"
    assert s.html.count("plotly-graph-div") == 4
    assert "realised credit and debt-mark losses over the horizon" in s.html
    assert "2008: $1.9T" in s.html
    assert "Convergence (batch means)" in s.html


SCENARIO_YAML = """
name: mc-test
quarters: 4
equity_shock: 0.2
uncertain:
  shortfall: {dist: uniform, low: 0.0, high: 0.6, field: ai_revenue_shock}
  recovery: {dist: uniform, low: 0.2, high: 0.6, field: recovery_senior}
"""


def scenario_file(tmp_path: Path) -> Path:
    """The test scenario (4 quarters, two uncertain inputs) written to ``tmp_path``."""
    scen = tmp_path / "s.yaml"
    scen.write_text(SCENARIO_YAML)
    return scen


def stored_run_args(tmp_path: Path) -> tuple[list[str], Path]:
    """``montecarlo`` of the test scenario, 10 paths in 4 chunks of <= 3 kept in a store in
    ``tmp_path``; and that store."""
    db = tmp_path / "mc.duckdb"
    return ["montecarlo", "--scenario", str(scenario_file(tmp_path)), "--paths", "10",
            "--chunk-size", "3", "--db", str(db)], db


@pytest.fixture
def cli() -> tuple[CliRunner, typer.Typer]:
    from bubblescope.cli import montecarlo as mc_cli

    app = typer.Typer()
    mc_cli.register(app)
    return CliRunner(), app


def test_cli_interrupt_keeps_chunks_and_resume_completes(
    cli: tuple[CliRunner, typer.Typer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bubblescope.cli import montecarlo as mc_cli
    from bubblescope.store.duckdb_store import open_store

    runner, app = cli
    args, db = stored_run_args(tmp_path)
    args += ["--seed", "4"]
    full = runner.invoke(app, [*args, "--run-id", "whole", "--json"])
    assert full.exit_code == 0, full.output
    whole = json.loads(full.stdout)
    assert whole["run_id"] == "whole"
    assert whole["paths"] == 10

    real = mc_cli.run_montecarlo

    def interrupted(*a: object, **kw: object) -> object:
        save = kw["on_chunk"]

        def on_chunk(result: ChunkResult) -> None:
            save(result)  # type: ignore[operator]
            if result.chunk.index == 1:
                raise KeyboardInterrupt

        kw["on_chunk"] = on_chunk
        return real(*a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(mc_cli, "run_montecarlo", interrupted)
    cut = runner.invoke(app, [*args, "--run-id", "cut"])
    assert cut.exit_code == 130
    assert "2 of 4 chunks stored as run 'cut'" in cut.stderr
    with open_store(db) as store:
        info = store.run_info("cut")
        assert info.status == "running"
        assert info.chunks == (0, 1)
        assert store.run_info("whole").status == "complete"

    monkeypatch.setattr(mc_cli, "run_montecarlo", real)
    resumed = runner.invoke(app, ["montecarlo", "--resume", "cut", "--db", str(db), "--json"])
    assert resumed.exit_code == 0, resumed.output
    again = json.loads(resumed.stdout)
    assert again["system_loss"] == whole["system_loss"]
    assert again["defaults"] == whole["defaults"]
    with open_store(db) as store:
        assert store.run_info("cut").status == "complete"
        assert len(store.load_result_frame("cut")) == 10


def test_ctrl_c_during_a_save_stores_that_chunk_whole(
    cli: tuple[CliRunner, typer.Typer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real SIGINT while chunk 1 is being written: DuckDB used to turn it into
    # "RuntimeError: Query interrupted" (an internal error). Now the save finishes and the
    # interrupt lands after it.
    import os
    import signal

    from bubblescope.store.duckdb_store import Store, open_store

    runner, app = cli
    args, db = stored_run_args(tmp_path)
    real_save = Store.save_result_frame

    def save(self: Store, *a: object, **kw: object) -> object:
        if kw.get("chunk") == 1:
            os.kill(os.getpid(), signal.SIGINT)
        return real_save(self, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "save_result_frame", save)
    cut = runner.invoke(app, [*args, "--run-id", "cut"])
    assert cut.exit_code == 130, cut.output
    assert "2 of 4 chunks stored as run 'cut' (status running). Continue with: " \
           "bubblescope montecarlo --resume cut" in " ".join(cut.stderr.split())
    with open_store(db) as store:
        info = store.run_info("cut")
    assert (info.status, info.chunks) == ("running", (0, 1))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_after_the_last_chunk_marks_the_run_complete(
    cli: tuple[CliRunner, typer.Typer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C while the cluster closes, after every chunk is stored: it used to exit with
    # the run left 'running'.
    from contextlib import contextmanager

    from bubblescope.cli import montecarlo as mc_cli
    from bubblescope.store.duckdb_store import open_store
    from bubblescope.stress.uncertainty.backends import LocalBackend

    @contextmanager
    def closing_interrupted(*a: object) -> Iterator[LocalBackend]:
        yield LocalBackend()
        raise KeyboardInterrupt

    runner, app = cli
    args, db = stored_run_args(tmp_path)
    whole = runner.invoke(app, [*args, "--run-id", "whole", "--json"])
    monkeypatch.setattr(mc_cli, "open_backend", closing_interrupted)
    cut = runner.invoke(app, [*args, "--run-id", "cut"])
    assert cut.exit_code == 130, cut.output
    assert "4 of 4 chunks stored as run 'cut' (status complete)" in cut.stderr
    with open_store(db) as store:
        assert store.run_info("cut").status == "complete"
    monkeypatch.undo()
    again = runner.invoke(app, ["montecarlo", "--resume", "cut", "--db", str(db), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["system_loss"] == json.loads(whole.stdout)["system_loss"]


def test_stored_result_rebuilds_a_complete_run_only(
    cli: tuple[CliRunner, typer.Typer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bubblescope.cli import montecarlo as mc_cli

    runner, app = cli
    scen = scenario_file(tmp_path)
    db = tmp_path / "mc.duckdb"
    res = runner.invoke(app, ["montecarlo", "--scenario", str(scen), "--paths", "7", "--seed",
                              "2", "--chunk-size", "3", "--db", str(db), "--run-id", "r",
                              "--json"])
    stored = mc_cli.stored_result(db, "r")
    assert stored.n_paths == 7
    assert stored.to_dict()["system_loss"] == json.loads(res.stdout)["system_loss"]
    monkeypatch.setattr(mc_cli._Saver, "complete", lambda self: None)
    runner.invoke(app, ["montecarlo", "--scenario", str(scen), "--paths", "4", "--db", str(db),
                        "--run-id", "open"])
    with pytest.raises(ScenarioError, match=r"run 'open' is running \(1 of 1 chunks stored\); "
                       r"finish it with: bubblescope montecarlo --resume open"):
        mc_cli.stored_result(db, "open")


def test_cli_text_output_and_bad_input(cli: tuple[CliRunner, typer.Typer],
                                       tmp_path: Path) -> None:
    runner, app = cli
    scen = scenario_file(tmp_path)
    ok = runner.invoke(app, ["montecarlo", "--scenario", str(scen), "--paths", "4",
                             "--no-store"])
    assert ok.exit_code == 0, ok.output
    assert "Monte Carlo: 4 paths" in ok.stdout
    assert "not stored" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("uncertain:\n  x: {dist: normal, mean: 0, sd: -1, field: equity_shock}\n")
    res = runner.invoke(app, ["montecarlo", "--uncertain", str(bad), "--no-store"])
    assert isinstance(res.exception, ScenarioError)
    assert "uncertain.x.sd must be > 0, got -1.0" in str(res.exception)
    res = runner.invoke(app, ["montecarlo", "--scenario", "nope", "--no-store"])
    assert isinstance(res.exception, ScenarioError)
    assert "must be a preset" in str(res.exception)
    res = runner.invoke(app, ["montecarlo", "--paths", "2", "--no-store",
                              "--scheduler", "tcp://127.0.0.1:9", "--timeout", "1"])
    assert isinstance(res.exception, ScenarioError)
    assert "unreachable" in str(res.exception)


def test_cli_reverse_and_sensitivity(cli: tuple[CliRunner, typer.Typer], tmp_path: Path) -> None:
    runner, app = cli
    scen = scenario_file(tmp_path)
    rev = runner.invoke(app, ["reverse", "--scenario", str(scen), "--direction",
                              "ai_revenue_shortfall", "--outcome", "loss:-1", "--json"])
    assert rev.exit_code == 0, rev.output
    assert json.loads(rev.stdout)["status"] == "reached_at_zero"
    text = runner.invoke(app, ["reverse", "--scenario", str(scen), "--outcome", "default",
                               "--tol", "0.05", "--grid", "5"])
    assert text.exit_code == 0, text.output
    assert "Reverse stress test: first default of any entity" in text.stdout
    bad = runner.invoke(app, ["reverse", "--direction", "moon"])
    assert isinstance(bad.exception, ScenarioError)
    sens = runner.invoke(app, ["sensitivity", "--scenario", str(scen), "--samples", "4",
                               "--json"])
    assert sens.exit_code == 0, sens.output
    payload = json.loads(sens.stdout)
    assert payload["evaluations"] == 4 * 4
    assert {b["name"] for b in payload["tornado"]} == {"shortfall", "recovery"}
    assert payload["output"] == "credit_and_marks"  # the headline measure, equity marks out
    txt = runner.invoke(app, ["sensitivity", "--scenario", str(scen), "--samples", "4",
                              "--chunk-size", "5", "--output", "downgraded"])
    assert "Sobol indices" in txt.stdout
    assert "Tornado of downgraded" in txt.stdout
    bad = runner.invoke(app, ["sensitivity", "--output", "gdp"])
    assert isinstance(bad.exception, ScenarioError)
    assert "--output must be one of credit_and_marks, system_loss, downgraded" in str(
        bad.exception)


def test_exposure_variants_are_chosen_per_path(tmp_path: Path,
                                               cli: tuple[CliRunner, typer.Typer]) -> None:
    import bubblescope as bs
    from bubblescope.stress.compile import compile_web
    from bubblescope.stress.scenario import Scenario
    from bubblescope.stress.uncertainty.exposures import exposure_webs, parse_exposures

    web = bs.load_default()
    spec = parse_exposures({"kind": "fund_share", "holders": ["life_insurers", "pension_funds"],
                            "obligors": ["private_credit_funds", "blue_owl"], "draws": 2})
    variants = tuple(compile_web(w) for w in exposure_webs(web, spec, np.random.default_rng(1)))
    unc = parse_uncertainty({
        "s": {"dist": "uniform", "low": 0.0, "high": 0.6, "field": "ai_revenue_shock"},
        "e": {"dist": "uniform", "low": 0, "high": 1, "field": "exposure_draw"}})
    model = engine_model(compile_web(web), Scenario("x", quarters=4), unc, variants)
    a = run_montecarlo(model, unc, 6, seed=2, chunk_size=1)
    b = run_montecarlo(model, unc, 6, seed=2, chunk_size=6)
    np.testing.assert_allclose(a.outcome.system_loss, b.outcome.system_loss, rtol=1e-12)
    pick = (a.inputs[:, 1] * 2).astype(int)
    assert set(pick) == {0, 1}
    k = int(np.flatnonzero(pick == 1)[0])
    alone = outcome_of(model.stress_result({"ai_revenue_shock": a.inputs[k:k + 1, 0]}, 1,
                                           variants[1]))
    assert alone.system_loss[0] == pytest.approx(a.outcome.system_loss[k], rel=1e-12)

    runner, app = cli
    scen = tmp_path / "e.yaml"
    scen.write_text(SCENARIO_YAML + "exposures:\n  kind: fund_share\n  holders: [life_insurers, "
                    "pension_funds]\n  obligors: [private_credit_funds, blue_owl]\n  draws: 2\n")
    res = runner.invoke(app, ["montecarlo", "--scenario", str(scen), "--paths", "4", "--json",
                              "--no-store"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["inputs"] == ["shortfall", "recovery", "exposure_draw"]
    scen.write_text(SCENARIO_YAML + "exposures:\n  kind: fund_share\n  holders: [life_insurers]"
                    "\n  obligors: [private_credit_funds]\n  method: max_entropy\n")
    res = runner.invoke(app, ["montecarlo", "--scenario", str(scen), "--paths", "2", "--json",
                              "--no-store"])
    assert res.exit_code == 0, res.output


def test_cli_rejects_bad_files_and_foreign_runs(cli: tuple[CliRunner, typer.Typer],
                                                tmp_path: Path) -> None:
    from bubblescope.store.duckdb_store import open_store

    runner, app = cli
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n- 2\n")
    res = runner.invoke(app, ["montecarlo", "--scenario", str(listed), "--no-store"])
    assert isinstance(res.exception, ScenarioError)
    assert "a scenario file is a YAML mapping" in str(res.exception)
    res = runner.invoke(app, ["montecarlo", "--uncertain", str(listed), "--no-store"])
    assert isinstance(res.exception, ScenarioError)
    assert "must hold an 'uncertain:' section" in str(res.exception)
    db = tmp_path / "x.duckdb"
    with open_store(db) as store:
        store.save_result_frame("other", "stress", {}, pd.DataFrame({"a": [1]}))
    res = runner.invoke(app, ["montecarlo", "--resume", "other", "--db", str(db)])
    assert isinstance(res.exception, ScenarioError)
    assert "is a stress run, not a montecarlo run" in str(res.exception)


def test_seed_must_be_a_non_negative_integer(model: FurfineModel) -> None:
    for seed in (-1, 1.5, True):
        with pytest.raises(ScenarioError, match="'seed' must be an integer >= 0"):
            run_montecarlo(model, UNCERTAIN, 3, seed=seed)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(losses=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=300),
       lo=st.floats(0.5, 0.98), gap=st.floats(0.001, 0.019))
def test_tail_measures_are_ordered(losses: list[float], lo: float, gap: float) -> None:
    loss = np.array(losses)
    n = loss.size
    out = PathOutcome.credit_only(loss, np.zeros((n, 1)), np.full((n, 1), np.nan), np.zeros(n))
    r = MonteCarloResult(0, (), np.zeros((n, 0)), out, ("a",), ("bank",), 4)
    hi = lo + gap
    assert r.var(lo) <= r.var(hi)
    assert r.expected_shortfall(lo) >= r.var(lo) - 1e-9 * max(1.0, abs(r.var(lo)))
    assert r.expected_shortfall(hi) <= loss.max() + 1e-9 * max(1.0, abs(loss.max()))
    assert r.expected_shortfall(lo) >= loss.mean() - 1e-6 * max(1.0, np.abs(loss).max())


def test_stress_with_paths_is_the_monte_carlo(tmp_path: Path) -> None:
    # The face: `bubblescope stress --paths N --seed S` gives the same run as
    # `bubblescope montecarlo` with the same arguments.
    from bubblescope.cli.app import app

    runner = CliRunner()
    scen = scenario_file(tmp_path)
    common = ["--scenario", str(scen), "--paths", "6", "--seed", "3", "--json",
              "--db", str(tmp_path / "x.duckdb")]
    via_stress = runner.invoke(app, ["stress", *common])
    via_mc = runner.invoke(app, ["montecarlo", *common])
    assert via_stress.exit_code == 0, via_stress.output
    a, b = json.loads(via_stress.stdout), json.loads(via_mc.stdout)
    assert a["paths"] == 6
    assert a["system_loss"] == b["system_loss"]
    mixed = runner.invoke(app, ["stress", "--paths", "4", "--set", "equity_shock=0.3"])
    assert isinstance(mixed.exception, ScenarioError)
    assert "--quarters and --set apply to a single run; with --paths" in str(mixed.exception)
