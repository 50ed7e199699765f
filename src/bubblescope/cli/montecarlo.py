"""`bubblescope montecarlo`, `reverse` and `sensitivity`: distributions, breaking points, drivers.

``montecarlo`` runs many paths of the crash engine over the uncertain inputs a scenario
declares (its ``uncertain:`` section, ``--uncertain FILE``, or the documented defaults),
locally or on Dask (``--workers N`` starts a local cluster, ``--scheduler tcp://HOST:PORT``
uses an existing one). Every finished chunk is saved in the DuckDB store as it lands; Ctrl-C
keeps them and ``--resume RUN_ID`` runs only the rest. A run is marked complete only when
every chunk is stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import signal
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import numpy as np
import pandas as pd
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from bubblescope.cli.common import (
    DbOption,
    ExportOption,
    JsonOption,
    console,
    default_db,
    err_console,
    export_tables,
    load_web_dir,
    print_json,
)
from bubblescope.cli.progress import progress as plain_progress
from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.model.jsonsafe import finite
from bubblescope.model.kinds import HOLDER_SECTORS
from bubblescope.model.yamldoc import Marks, read_yaml_marked
from bubblescope.stress.compile import compile_web
from bubblescope.stress.engine import run as run_stress
from bubblescope.stress.ledger import CLASS_NAMES
from bubblescope.stress.scenario import (
    PRESETS,
    Scenario,
    load_preset,
    scenario_from_mapping,
)
from bubblescope.stress.uncertainty.backends import open_backend
from bubblescope.stress.uncertainty.data_uncertainty import (
    DataSensitivity,
    data_sensitivity,
    draw_web,
)
from bubblescope.stress.uncertainty.distributions import (
    DEFAULT_UNCERTAIN,
    EXPOSURE,
    Uncertainty,
    parse_uncertainty,
)
from bubblescope.stress.uncertainty.exposures import exposure_webs, parse_exposures
from bubblescope.stress.uncertainty.montecarlo import (
    Chunk,
    ChunkResult,
    EngineModel,
    MonteCarloResult,
    PathModel,
    PathOutcome,
    engine_model,
    plan_chunks,
    run_montecarlo,
)
from bubblescope.stress.uncertainty.reverse import (
    DIRECTIONS,
    level_cap,
    parse_outcome,
    reverse_stress,
)
from bubblescope.stress.uncertainty.sensitivity import OUTPUTS, Output, sobol, tornado

if TYPE_CHECKING:  # the store (and DuckDB) load only when a command uses them
    from bubblescope.store.results import RunInfo

__all__ = ["chunk_frame", "chunk_from_frame", "montecarlo", "register", "reverse",
           "sensitivity", "stored_result"]

KIND = "montecarlo"
#: Spawn key of the stream that draws reconstructed exposure webs (blocks use keys < 2**32).
EXPOSURE_STREAM = 2**32
#: Stream of the data draws, and how many drawn webs a run's paths share out.
DATA_STREAM = 2**32 + 1
DATA_DRAWS = 8

ScenarioOption = Annotated[str, typer.Option(
    "--scenario", help=f"A preset ({', '.join(PRESETS)}) or a scenario YAML file.")]
UncertainOption = Annotated[Path | None, typer.Option(
    "--uncertain", help="YAML file with an 'uncertain:' section (default: the scenario's own, "
    "else the documented defaults).", exists=True, dir_okay=False)]
WebOption = Annotated[Path | None, typer.Option(
    "--web", help="A web directory instead of the bundled default.", exists=True,
    file_okay=False)]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the random streams.", min=0)]
WorkersOption = Annotated[int | None, typer.Option(
    "--workers", help="Run on a local Dask cluster of N worker processes.", min=1)]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler", help="Run on an existing Dask cluster at tcp://HOST:PORT.")]
ChunkOption = Annotated[int | None, typer.Option(
    "--chunk-size", help="Paths per chunk (does not change results).", min=1)]
ResumeOption = Annotated[str | None, typer.Option(
    "--resume", help="Continue the stored, unfinished run RUN_ID.")]
RunIdOption = Annotated[str | None, typer.Option(
    "--run-id", help="Id of the new run in the store (default: mc-<time>-<4 hex>).")]
NoStoreOption = Annotated[bool, typer.Option(
    "--no-store", help="Do not save chunks in the store (no resume).")]


# --- montecarlo ----------------------------------------------------------------------------
def montecarlo(
    scenario: ScenarioOption = "baseline",
    paths: Annotated[int, typer.Option("--paths", help="Number of paths.", min=1)] = 1000,
    seed: SeedOption = 0,
    uncertain: UncertainOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    chunk_size: ChunkOption = None,
    resume: ResumeOption = None,
    run_id: RunIdOption = None,
    web_dir: WebOption = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Seconds to wait for a Dask scheduler.")] = 10.0,
    no_store: NoStoreOption = False,
    as_json: JsonOption = False,
    db: DbOption = None,
    export: ExportOption = None,
) -> None:
    """Run the crash engine over the uncertain inputs: loss distributions, default odds.

    With --resume RUN_ID every run parameter comes from the store.
    """
    store_path = db or default_db()
    if resume is not None:
        info, done = _stored(store_path, resume, f"--resume {resume!r}")
        params, rid = dict(info.params), resume
    else:
        params = _new_params(scenario, uncertain, paths, seed, chunk_size, web_dir)
        rid, done = run_id or f"mc-{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}", {}
    model, unc, chunks = _rebuild(params, done)
    saver = None if no_store else _Saver(store_path, rid, params, model, unc, len(chunks))
    total = len(plan_chunks(int(params["paths"]), params["chunk_size"]))
    try:
        with open_backend(workers, scheduler, timeout) as backend, _bar(as_json) as advance:
            name = backend.name
            result = run_montecarlo(model, unc, int(params["paths"]), int(params["seed"]),
                                    chunk_size=params["chunk_size"], backend=backend,
                                    done=chunks, on_chunk=saver, progress=advance)
        if saver is not None:
            saver.complete()
    except KeyboardInterrupt:
        # Ctrl-C may land anywhere: in the engine, in a save, while the cluster closes or
        # before the run is marked complete. Saves are atomic (see _Saver), so the store
        # holds whole chunks only; say how many and how to go on.
        _interrupted(saver, rid, total)
        raise typer.Exit(130) from None
    export_tables(result.tables(), export)
    _report(result, rid if saver is not None else None, name, as_json)


def stored_result(db: Path, run_id: str) -> MonteCarloResult:
    """The result of the complete Monte Carlo run ``run_id`` stored in ``db``.

    Raises
    ------
    ScenarioError
        The run is not a Monte Carlo run, or is not complete (it names the chunks stored
        and the command that finishes it).
    """
    info, done = _stored(db, run_id, f"run {run_id!r}", read_only=True)
    params = info.params
    if info.status != "complete":
        total = len(plan_chunks(int(params["paths"]), params["chunk_size"]))
        raise ScenarioError(f"run {run_id!r} is {info.status} ({len(done)} of {total} chunks "
                            f"stored); finish it with: bubblescope montecarlo --resume {run_id}")
    model, unc, chunks = _rebuild(params, done)
    return run_montecarlo(model, unc, int(params["paths"]), int(params["seed"]),
                          chunk_size=params["chunk_size"], done=chunks)


# --- reverse -------------------------------------------------------------------------------
def reverse(
    scenario: ScenarioOption = "baseline",
    direction: Annotated[str, typer.Option(
        "--direction", help=f"Shock direction: {', '.join(DIRECTIONS)}.")] = "ai_revenue_shortfall",
    outcome: Annotated[str, typer.Option(
        "--outcome", help="default, default:ENTITY, loss:USD_BN, downgrades (> 2008's $1.9T) "
        "or downgrades:USD_BN.")] = "default",
    tol: Annotated[float, typer.Option("--tol", help="Width of the final bracket.")] = 1e-3,
    grid: Annotated[int, typer.Option("--grid", help="Shock levels per batch.")] = 17,
    web_dir: WebOption = None,
    as_json: JsonOption = False,
    export: ExportOption = None,
) -> None:
    """Find the smallest shock along a direction that produces the named outcome."""
    if direction not in DIRECTIONS:
        raise ScenarioError(f"--direction must be one of {', '.join(DIRECTIONS)}, "
                            f"got {direction!r}")
    target = parse_outcome(outcome)
    sc, _, _ = _scenario(scenario, None)
    ray = DIRECTIONS[direction]
    base = {f: float(sc.values(f, 1)[0]) for f, _ in ray.weights}
    model = EngineModel(_compiled(None if web_dir is None else str(web_dir)), sc)
    with err_console.status(f"searching along {direction} ..."):
        found = reverse_stress(model, ray, target, base=base, grid=grid, tol=tol,
                               max_level=level_cap(ray, base))
    path = None
    if found.shock is not None:
        path = model.stress_result({k: np.array([v]) for k, v in found.fields.items()}, 1)
    export_tables(found.tables(), export)
    if as_json:
        print_json(finite({"direction": direction, "outcome": str(target), "status": found.status,
                    "shock": found.shock, "bracket": list(found.bracket),
                    "monotone": found.monotone, "fields": dict(found.fields),
                    "evaluations": found.n_evaluations,
                    "defaults": [] if path is None else _records(path.defaults)}))
        return
    console.print(str(found), markup=False, highlight=False)
    if path is not None:
        console.print("\nThe path at that shock:", style="bold")
        console.print(path.summary(), markup=False, highlight=False)


# --- sensitivity ---------------------------------------------------------------------------
def sensitivity(
    scenario: ScenarioOption = "baseline",
    uncertain: UncertainOption = None,
    samples: Annotated[int, typer.Option(
        "--samples", help="Base sample size N of the Sobol design (N (d + 2) engine paths).",
        min=2)] = 64,
    seed: SeedOption = 0,
    output: Annotated[str, typer.Option(
        "--output", help="credit_and_marks (holder sectors' realised credit losses and debt "
        "marks, the headline measure), system_loss (all three classes, equity marks "
        "included) or downgraded.")] = "credit_and_marks",
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    chunk_size: ChunkOption = None,
    web_dir: WebOption = None,
    data: Annotated[bool, typer.Option(
        "--data", help="Also rank the web's data assumptions: each assumption's numbers "
        "moved one sigma by their confidence, one engine path each way.")] = False,
    holder: Annotated[str, typer.Option(
        "--holder", help="Holder kind whose realised credit and debt-mark losses the data "
        "ranking measures (e.g. life_insurer, bank), or 'all'.")] = "life_insurer",
    as_json: JsonOption = False,
    export: ExportOption = None,
) -> None:
    """Which uncertain inputs drive the outcome: Sobol indices and a tornado chart; with
    --data, which data assumptions move a holder kind's credit losses most."""
    if output not in OUTPUTS:
        raise ScenarioError(f"--output must be one of {', '.join(OUTPUTS)}, got {output!r}")
    if holder != "all" and holder not in HOLDER_SECTORS:
        raise ScenarioError(f"--holder must be 'all' or one of {', '.join(HOLDER_SECTORS)}, "
                            f"got {holder!r}")
    target = cast(Output, output)
    sc, section, _ = _scenario(scenario, uncertain)
    unc = parse_uncertainty(section, file="uncertain")
    model = engine_model(_compiled(None if web_dir is None else str(web_dir)), sc, unc)
    with open_backend(workers, scheduler) as backend, \
            err_console.status(f"running {samples * (unc.dim + 2) + 2 * unc.dim + 1} paths ..."):
        bars = tornado(model, unc, target)
        indices = sobol(model, unc, samples, np.random.default_rng(seed), target,
                        backend=backend, chunk_size=chunk_size)
    ranked = _data_ranking(web_dir, sc, holder) if data else None
    extra = {} if ranked is None else {"data_assumptions": ranked.frame()}
    export_tables({**bars.tables(), **indices.tables(), **extra}, export)
    if as_json:
        print_json(finite({"output": output, "tornado": _records(bars.frame()),
                            "sobol": _records(indices.frame().reset_index(names="input")),
                            "variance": indices.variance,
                            "evaluations": indices.n_evaluations,
                            **({} if ranked is None else {"data_assumptions": {
                                "measure": _holder_measure(holder), "base": ranked.base,
                                "rows": _records(ranked.frame())}})}))
        return
    console.print(str(bars), markup=False, highlight=False)
    console.print(str(indices), markup=False, highlight=False)
    if ranked is not None:
        console.print(f"Data assumptions ranked by how much one sigma moves "
                      f"{_holder_measure(holder)} (USD bn):", markup=False, highlight=False)
        console.print(str(ranked), markup=False, highlight=False)


def _holder_measure(holder: str) -> str:
    who = "the holder sectors'" if holder == "all" else f"{holder}s'"
    return f"{who} realised credit and debt-mark losses (funds looked through)"


def _data_ranking(web_dir: Path | None, sc: Scenario, holder: str) -> DataSensitivity:
    """Rank the web's assumption sources by their one-sigma effect on ``holder``'s credit
    and debt-mark losses in ``sc`` (one engine path per move)."""
    web = load_web_dir(web_dir)

    def loss(w: Any) -> float:
        led = run_stress(w, sc).ledger
        pick = led.holder_sector if holder == "all" else np.array(
            [k == holder for k in led.entity_kinds]) & led.holder_sector
        return float(led.borne[0, pick, :2].sum())

    with err_console.status("moving each data assumption one sigma each way ..."):
        return data_sensitivity(web, loss)


def register(app: typer.Typer) -> None:
    """Add the `montecarlo`, `reverse` and `sensitivity` commands to ``app``."""
    app.command("montecarlo")(montecarlo)
    app.command("reverse")(reverse)
    app.command("sensitivity")(sensitivity)


# --- chunks as tables (for the store) ------------------------------------------------------
def chunk_frame(result: ChunkResult, model: PathModel, names: tuple[str, ...]) -> pd.DataFrame:
    """One row per path of a chunk: chunk, path, inputs, losses, downgrades, defaults."""
    o, c = result.outcome, result.chunk
    cols: dict[str, Any] = {"chunk": np.full(c.size, c.index, np.int64),
                            "path": np.arange(c.start, c.stop, dtype=np.int64)}
    cols |= {f"input:{n}": result.inputs[:, j] for j, n in enumerate(names)}
    cols |= {"system_loss": o.system_loss, "downgraded": o.downgraded}
    cols |= {f"class:{k}": o.class_loss[:, j] for j, k in enumerate(CLASS_NAMES)}
    cols |= {f"loss:{s}": o.sector_loss[:, j] for j, s in enumerate(model.sectors)}
    cols |= {f"default:{e}": o.default_quarter[:, j] for j, e in enumerate(model.entity_ids)}
    return pd.DataFrame(cols)


def chunk_from_frame(frame: pd.DataFrame, model: PathModel,
                     names: tuple[str, ...]) -> ChunkResult:
    """Inverse of :func:`chunk_frame` for the rows of one chunk."""
    path = frame["path"].to_numpy(np.int64)
    chunk = Chunk(int(frame["chunk"].iloc[0]), int(path[0]), int(path[-1]) + 1)

    def block(prefix: str, labels: Sequence[str]) -> FloatArray:
        cols = [f"{prefix}{label}" for label in labels]
        return frame[cols].to_numpy(np.float64).reshape(len(frame), len(cols))

    if f"class:{CLASS_NAMES[0]}" not in frame.columns:
        raise ScenarioError("this stored Monte Carlo run predates the credit-first split of "
                            "its losses (no 'class:' columns); run it again")
    outcome = PathOutcome(frame["system_loss"].to_numpy(np.float64),
                          block("loss:", model.sectors), block("default:", model.entity_ids),
                          frame["downgraded"].to_numpy(np.float64),
                          block("class:", CLASS_NAMES))
    return ChunkResult(chunk, block("input:", names), outcome)


# --- helpers -------------------------------------------------------------------------------
def _new_params(scenario: str, uncertain: Path | None, paths: int, seed: int,
                chunk_size: int | None, web_dir: Path | None) -> dict[str, Any]:
    """Everything that defines a new run (stored with it, so ``--resume`` needs nothing)."""
    sc, section, exposures = _scenario(scenario, uncertain)
    if exposures is not None:
        spec = parse_exposures(exposures, file=scenario)
        if spec.method == "sample" and spec.draws > 1:
            section[EXPOSURE] = {"dist": "uniform", "low": 0, "high": 1, "field": EXPOSURE}
    else:  # uncertainty over the data: each path runs on one of DATA_DRAWS drawn webs
        section = with_data_draw(section)
    # The store sorts JSON keys: keep the inputs' order (it fixes the draws) as a list.
    return {"scenario": _scenario_values(sc), "uncertain": list(section.items()),
            "exposures": exposures, "paths": paths, "seed": seed, "chunk_size": chunk_size,
            "web": None if web_dir is None else str(web_dir)}


def _scenario(spec: str, uncertain: Path | None) -> tuple[Scenario, dict[str, Any], Any]:
    """The scenario, its uncertain section (file > scenario's own > defaults) and its
    ``exposures:`` section (None when absent)."""
    own: Any = None
    exposures: Any = None
    marks: Marks | None = None
    if spec in PRESETS:
        sc = load_preset(spec)
    elif Path(spec).is_file():
        data, marks = read_yaml_marked(spec)
        if not isinstance(data, dict):
            raise ScenarioError(f"{spec}: a scenario file is a YAML mapping, got {data!r}")
        own = data.pop("uncertain", None)
        exposures = data.pop("exposures", None)
        sc = scenario_from_mapping(data, origin=spec, marks=marks)
        if exposures is not None:  # checked here, where the file's marks name the line
            try:
                parse_exposures(exposures, file=spec)
            except ScenarioError as exc:
                raise marks.locate(exc) from None
    else:
        raise ScenarioError(f"--scenario must be a preset ({', '.join(PRESETS)}) or a YAML "
                            f"file, got {spec!r}")
    if uncertain is not None:
        data, marks = read_yaml_marked(uncertain)
        own = data.get("uncertain") if isinstance(data, dict) else None
        if own is None:
            raise ScenarioError(f"{uncertain}: must hold an 'uncertain:' section")
    section = dict(DEFAULT_UNCERTAIN if own is None else own)
    parse_uncertainty(section, file=str(uncertain or spec), engine=True,  # before any work
                      marks=marks if own is not None else None)
    return sc, section, exposures


def _scenario_values(sc: Scenario) -> dict[str, Any]:
    values = dataclasses.asdict(sc)
    values["revenue_shocks"] = [list(p) for p in sc.revenue_shocks]
    return values


def _compiled(web_dir: str | None) -> Any:
    return compile_web(load_web_dir(web_dir))


def data_variants(web: Any, seed: int) -> tuple[Any, ...]:
    """``DATA_DRAWS`` compiled webs whose amounts are drawn by their confidence
    (uncertainty/data_uncertainty.py), from the run's seed: what the per-path field
    ``exposure_draw`` picks from when a run declares no exposures."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DATA_STREAM,)))
    return tuple(compile_web(draw_web(web, rng)) for _ in range(DATA_DRAWS))


def with_data_draw(section: Mapping[str, Any]) -> dict[str, Any]:
    """``section`` with the per-path field that picks a data draw (uniform in [0, 1))."""
    out = dict(section)
    out.setdefault(EXPOSURE, {"dist": "uniform", "low": 0, "high": 1, "field": EXPOSURE})
    return out


def _model(params: Mapping[str, Any], sc: Scenario, unc: Uncertainty) -> EngineModel:
    """The engine model of a run, with its reconstructed exposure webs if it declares any."""
    web = load_web_dir(params["web"])
    if not params.get("exposures"):
        if EXPOSURE not in unc.names:
            return engine_model(compile_web(web), sc, unc)
        return engine_model(compile_web(web), sc, unc, data_variants(web, int(params["seed"])))
    spec = parse_exposures(params["exposures"])
    stream = np.random.SeedSequence(int(params["seed"]), spawn_key=(EXPOSURE_STREAM,))
    webs = tuple(compile_web(w) for w in exposure_webs(web, spec, np.random.default_rng(stream)))
    if len(webs) == 1:
        return engine_model(webs[0], sc, unc)
    return engine_model(compile_web(web), sc, unc, webs)


def _rebuild(params: Mapping[str, Any], done: Mapping[int, pd.DataFrame]
             ) -> tuple[EngineModel, Uncertainty, list[ChunkResult]]:
    """The model, uncertainty and stored chunks of a run from its stored parameters."""
    unc = parse_uncertainty(dict(params["uncertain"]), file="uncertain")
    sc = scenario_from_mapping(params["scenario"], origin="stored scenario")
    model = _model(params, sc, unc)
    return model, unc, [chunk_from_frame(f, model, unc.names) for f in done.values()]


def _stored(db: Path, run_id: str, what: str, read_only: bool = False
            ) -> tuple[RunInfo, dict[int, pd.DataFrame]]:
    """The stored Monte Carlo run ``run_id`` and its chunks by index (``what`` names it in
    the error when the run is of another kind)."""
    from bubblescope.store.duckdb_store import open_store

    with open_store(db, read_only=read_only) as store:
        info = store.run_info(run_id)
        if info.kind != KIND:
            raise ScenarioError(f"{what} is a {info.kind} run, not a {KIND} run")
        frame = store.load_result_frame(run_id, require_complete=False)
    done = {int(c): frame[frame["chunk"] == c].reset_index(drop=True)
            for c in frame["chunk"].unique()} if len(frame) else {}
    return info, done


class _Saver:
    """Saves each finished chunk in the store (status ``running`` until :meth:`complete`).

    Every write runs with Ctrl-C held back (:func:`_sigint_deferred`): DuckDB would turn
    an interrupt into an error in the middle of a transaction; held back, it arrives as
    KeyboardInterrupt once the chunk is stored whole.
    """

    def __init__(self, db: Path, run_id: str, params: Mapping[str, Any], model: EngineModel,
                 unc: Uncertainty, already: int) -> None:
        from bubblescope.store.duckdb_store import open_store

        self.store = open_store(db)
        self.run_id, self.params, self.model, self.unc = run_id, dict(params), model, unc
        self.stored = already
        self.completed = False

    def __call__(self, result: ChunkResult) -> None:
        frame = chunk_frame(result, self.model, self.unc.names)
        with _sigint_deferred():
            self.store.save_result_frame(self.run_id, KIND, self.params, frame,
                                         chunk=result.chunk.index, complete=False)
            self.stored += 1

    def complete(self) -> None:
        """Mark the run complete (every chunk is stored)."""
        with _sigint_deferred():
            self.store.mark_complete(self.run_id)
            self.completed = True


@contextmanager
def _sigint_deferred(reraise: bool = True) -> Iterator[None]:
    """Hold SIGINT back during the block; raise KeyboardInterrupt after it if one came.

    Outside the main thread (where Python delivers signals), or when SIGINT is ignored
    (a background job), it does nothing.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN):
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)
    if caught and reraise:
        raise KeyboardInterrupt


def _interrupted(saver: _Saver | None, run_id: str, total: int) -> None:
    """Leave the store consistent after Ctrl-C and tell the user where the run stands."""
    if saver is None:
        err_console.print("interrupted; nothing was stored (--no-store)")
        return
    with _sigint_deferred(reraise=False):
        if saver.stored >= total and not saver.completed:
            saver.complete()
    status = "complete" if saver.completed else "running"
    nxt = ("Its results: bubblescope montecarlo --resume" if saver.completed
           else "Continue with: bubblescope montecarlo --resume")
    err_console.print(f"interrupted: {saver.stored} of {total} chunks stored as run "
                      f"{run_id!r} (status {status}). {nxt} {run_id}",
                      markup=False, highlight=False)


@contextmanager
def _bar(quiet: bool) -> Iterator[Any]:
    if not sys.stdout.isatty():  # a pipe, a log, CI: periodic plain lines on stderr
        with plain_progress("Monte Carlo paths") as tick:
            yield tick
        return
    columns = (TextColumn("paths"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=err_console, disable=quiet, transient=True) as progress:
        task = progress.add_task("paths", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def _report(result: MonteCarloResult, run_id: str | None, backend: str, as_json: bool) -> None:
    if as_json:
        print_json({"run_id": run_id, "backend": backend, **result.to_dict()})
        return
    console.print(str(result), markup=False, highlight=False)
    console.print(result.sector_losses().round(2).to_string(), markup=False, highlight=False)
    where = (f"stored as run {run_id!r}; add it to the report with: bubblescope report "
             f"--montecarlo {run_id}" if run_id else "not stored")
    console.print(f"[dim]backend: {backend}; {where}[/]")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]
