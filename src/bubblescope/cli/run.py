"""`bubblescope run` and `bubblescope report`: all three questions on one web.

``run`` prints the headline of every part (the web itself, how big, when, who gets hurt,
and how uncertain the last answer is) and writes the self-contained ``out/report.html``;
``report`` only writes the report. The uncertainty part is a modest seeded Monte Carlo of
the stress scenario over the documented default uncertainty (``--paths``, ``--paths 0``
or ``--no-montecarlo`` to skip it), or a stored run (``--montecarlo RUN_ID``).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType

from bubblescope.cli.common import (
    DbOption,
    JsonOption,
    console,
    default_db,
    load_web_dir,
    print_json,
)
from bubblescope.cli.montecarlo import data_variants, stored_result, with_data_draw
from bubblescope.datadir import default_cache_dir, resolve_data_dir
from bubblescope.model.atomic import write_file
from bubblescope.model.errors import ScenarioError
from bubblescope.model.web import Web
from bubblescope.report import html as report_html
from bubblescope.report import montecarlo as report_montecarlo
from bubblescope.report import signals as report_signals
from bubblescope.report import size as report_size
from bubblescope.report import stress as report_stress
from bubblescope.report import web as report_web
from bubblescope.report import when as report_when
from bubblescope.report.base import Section
from bubblescope.signals.analysis import analyse
from bubblescope.signals.latest import LatestSignal, latest_signals, report_confidence
from bubblescope.signals.reading import standard_reading
from bubblescope.signals.registry import AI_NAMES, REGISTRY, resolve_series
from bubblescope.stress import load_preset
from bubblescope.stress import run as run_stress
from bubblescope.stress.compile import compile_web
from bubblescope.stress.scenario import PRESETS
from bubblescope.stress.uncertainty.distributions import DEFAULT_UNCERTAIN, parse_uncertainty
from bubblescope.stress.uncertainty.montecarlo import engine_model, run_montecarlo
from bubblescope.when import when as compute_when

__all__ = ["Part", "RunOptions", "register"]

#: The stress scenario `run` answers "who gets hurt" with: seed 001's six-step crash.
DEFAULT_SCENARIO = "atlantic-crash"
#: The bundled series the report's "When" section dates episodes on (the dot-com Nasdaq).
REPORT_SERIES = "nasdaq-dotcom"
#: Paths of the report's Monte Carlo section (about 5 s on the default web).
REPORT_PATHS = 1000


@dataclass(frozen=True)
class RunOptions:
    """What a user can change about `run`."""

    scenario: str = DEFAULT_SCENARIO
    data_dir: Path | None = None
    #: Monte Carlo paths of the uncertainty part (0: no such part).
    paths: int = REPORT_PATHS
    seed: int = 0
    #: A stored, complete Monte Carlo run to show instead of a fresh one.
    montecarlo_run: str | None = None
    db: Path | None = None


@dataclass(frozen=True)
class Part:
    """One answer of `run`: what the terminal shows, what JSON carries, what the report gets."""

    key: str
    terminal: RenderableType
    payload: Any
    section: Section


def _web_part(web: Web, options: RunOptions) -> Part:
    summary = report_web.summarize(web)
    return Part("web", report_web.rich_summary(summary), summary.to_dict(),
                report_web.section(web))


def _size_part(web: Web, options: RunOptions) -> Part:
    card = report_size.card_for(web, options.data_dir)
    return Part("size", report_size.headline(card), card.to_dict(),
                report_size.section(card))


@functools.cache
def _latest(data_dir: Path | None) -> tuple[LatestSignal, ...]:
    """The AI names' latest readings, computed once per process for both parts that show them."""
    return tuple(latest_signals(AI_NAMES, data_dir, cache_dir=default_cache_dir()))


def _signals_part(web: Web, options: RunOptions) -> Part:
    del web  # market signals read prices, not the web
    data_dir = resolve_data_dir(options.data_dir)
    cache = default_cache_dir()
    latest = _latest(data_dir)
    series, _ = resolve_series(REPORT_SERIES, data_dir)
    spec = REGISTRY[REPORT_SERIES]
    # the analysis `signals --series nasdaq-dotcom` makes by default, in its one schema
    analysis = analyse(series, standard_reading(REPORT_SERIES), cache_dir=cache,
                       transform_source=f"registry setting for {REPORT_SERIES}",
                       note=spec.note)
    psy = analysis.psy
    conf = report_confidence(series, seed=0, cache_dir=cache)  # the LPPLS panel
    section = report_signals.section(psy, series, conf, standard=analysis.lppls)
    live = [x for x in latest if x.missing is None]
    section = replace(section, html=report_signals.latest_html(latest, data_dir, cache)
                      + f"<h3>{html.escape(series.name)}</h3>{section.html}")
    hot = [x.name for x in live if x.explosive]
    head = (f"When: {len(hot)} of {len(live)} AI price series explosive at their last date"
            f" ({', '.join(hot) or 'none'}; PSY BSADF vs 95% cv, each series' standard "
            "reading: whole sample, PSY window, table critical values)")
    payload = {"headline": head, "latest": [x.to_dict() for x in latest],
               "analysis": analysis.to_dict()}
    return Part("signals", Group(head, *(f"  {x}" for x in latest)), payload, section)


def _when_part(web: Web, options: RunOptions) -> Part:
    data_dir = resolve_data_dir(options.data_dir)
    result = compute_when(web, data_dir, cache_dir=default_cache_dir(), presets=PRESETS,
                          signals=_latest(data_dir))
    return Part("when", result.headline(), result.to_dict(), report_when.section(result))


def _stress_part(web: Web, options: RunOptions) -> Part:
    result = run_stress(web, options.scenario)
    return Part("stress", report_stress.headline(result), result.to_dict(web=web),
                report_stress.section(result, web))


def _montecarlo_part(web: Web, options: RunOptions) -> Part | None:
    central: float | None = None  # a stored run's scenario need not be --scenario
    if options.montecarlo_run is not None:
        result = stored_result(options.db or default_db(), options.montecarlo_run)
        origin = f"stored run {options.montecarlo_run!r}"
    elif options.paths > 0:
        unc = parse_uncertainty(with_data_draw(DEFAULT_UNCERTAIN), file="default uncertainty")
        cw = compile_web(web)
        model = engine_model(cw, load_preset(options.scenario), unc,
                             data_variants(web, options.seed))
        result = run_montecarlo(model, unc, options.paths, options.seed)
        origin = f"{options.scenario} over the documented default uncertainty"
        central = float(run_stress(cw, options.scenario).ledger.holder_sector_totals()
                        .mean(axis=0)[0])
    else:
        return None
    head = report_montecarlo.headline(result, origin, central_credit=central)
    payload: dict[str, object] = {"source": origin, **result.to_dict()}
    if central is not None:
        payload["central_path"] = {"realised_credit_usd_bn": central,
                                   "percentile_of_paths": result.percentile_of(central)}
    return Part("montecarlo", head, payload,
                report_montecarlo.section(result, origin))


PARTS: tuple[Callable[[Web, RunOptions], Part | None], ...] = (
    _web_part, _size_part, _signals_part, _when_part, _stress_part, _montecarlo_part)

WebOption = Annotated[
    Path | None,
    typer.Option("--web", help="A web directory (web.yaml + CSVs) instead of the bundled default.",
                 exists=True, file_okay=False),
]
OutDir = Annotated[Path, typer.Option("--out", help="Directory for report.html.")]
ScenarioOption = Annotated[str, typer.Option(
    "--scenario", help="Stress preset for 'who gets hurt' (see 'bubblescope stress --help').")]
DataDirOption = Annotated[Path | None, typer.Option(
    "--data-dir", help="Directory of vendor series (default: $BUBBLESCOPE_DATA_DIR or "
    "../shared/data when present).", file_okay=False)]
PathsOption = Annotated[int, typer.Option(
    "--paths", help="Monte Carlo paths of the Uncertainty section (0 skips it).", min=0)]
SeedOption = Annotated[int, typer.Option(
    "--seed", help="Seed of the Uncertainty section's Monte Carlo.", min=0)]
NoMcOption = Annotated[bool, typer.Option(
    "--no-montecarlo", help="Leave out the Uncertainty (Monte Carlo) section.")]
McRunOption = Annotated[str | None, typer.Option(
    "--montecarlo", help="Show the stored, complete Monte Carlo run RUN_ID (from "
    "'bubblescope montecarlo') in the Uncertainty section instead of a fresh run.",
    metavar="RUN_ID")]


def _write_report(parts: list[Part], out: Path, web: Web) -> Path:
    title = f"bubblescope report: web {web.name!r} as of {web.as_of}"
    page = report_html.render([p.section for p in parts], title)
    return write_file(out / "report.html", lambda tmp: tmp.write_text(page, encoding="utf-8"))


def _parts(web: Web, options: RunOptions) -> list[Part]:
    load_preset(options.scenario)  # an unknown preset or run fails before any slow work
    if options.montecarlo_run is not None:
        _check_run(options.db or default_db(), options.montecarlo_run)
    return [part for make in PARTS if (part := make(web, options)) is not None]


def _check_run(db: Path, run_id: str) -> None:
    """Refuse a stored run that is not in ``db``, saying where it is if the default store
    (``$BUBBLESCOPE_DB`` or ``./bubblescope.duckdb``) has it."""
    if _has_run(db, run_id):
        return
    where = "no store at" if not db.exists() else "no run of that id in"
    default = default_db()
    if default.resolve() != db.resolve() and _has_run(default, run_id):
        raise ScenarioError(f"--montecarlo {run_id!r}: {where} {db}; the run is in the "
                            f"default store {default} (drop --db, or give --db {default})")
    raise ScenarioError(f"--montecarlo {run_id!r}: {where} {db}, nor in the default store "
                        f"{default}; list runs with 'bubblescope data list --db FILE'")


def _has_run(db: Path, run_id: str) -> bool:
    from bubblescope.model.errors import DataError
    from bubblescope.store.duckdb_store import open_store

    if not db.is_file():
        return False
    with open_store(db, read_only=True) as store:
        try:
            store.run_info(run_id)
        except DataError:
            return False
    return True


def _options(scenario: str, data_dir: Path | None, paths: int, seed: int, no_mc: bool,
             mc_run: str | None, db: Path | None) -> RunOptions:
    return RunOptions(scenario, data_dir, 0 if no_mc else paths, seed, mc_run, db)


def run(
    web_dir: WebOption = None, out: OutDir = Path("out"), as_json: JsonOption = False,
    scenario: ScenarioOption = DEFAULT_SCENARIO, data_dir: DataDirOption = None,
    paths: PathsOption = REPORT_PATHS, seed: SeedOption = 0, no_montecarlo: NoMcOption = False,
    montecarlo: McRunOption = None, db: DbOption = None,
) -> None:
    """Answer how big, when and who gets hurt on the bundled default web; write out/report.html."""
    web = load_web_dir(web_dir)
    parts = _parts(web, _options(scenario, data_dir, paths, seed, no_montecarlo, montecarlo, db))
    path = _write_report(parts, out, web)
    if as_json:
        print_json({"report": str(path), **{p.key: p.payload for p in parts}})
        return
    for part in parts:
        console.print(part.terminal)
        console.print()
    console.print(f"Report written to [bold]{path}[/]")


def report(
    web_dir: WebOption = None, out: OutDir = Path("out"),
    scenario: ScenarioOption = DEFAULT_SCENARIO, data_dir: DataDirOption = None,
    paths: PathsOption = REPORT_PATHS, seed: SeedOption = 0, no_montecarlo: NoMcOption = False,
    montecarlo: McRunOption = None, db: DbOption = None,
) -> None:
    """Write the self-contained HTML report (out/report.html) without printing the headline.

    --montecarlo RUN_ID puts a stored Monte Carlo run in the Uncertainty section.
    """
    web = load_web_dir(web_dir)
    options = _options(scenario, data_dir, paths, seed, no_montecarlo, montecarlo, db)
    path = _write_report(_parts(web, options), out, web)
    console.print(f"Report written to [bold]{path}[/]")


def register(app: typer.Typer) -> None:
    """Add the `run` and `report` commands to ``app``."""
    app.command("run")(run)
    app.command("report")(report)
