"""`bubblescope signals`: PSY bubble tests and LPPLS confidence on a named series or a CSV."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bubblescope.cli.common import ExportOption, JsonOption, console, export_tables, print_json
from bubblescope.cli.progress import progress
from bubblescope.datadir import CACHE_ENV, DATA_ENV, default_cache_dir, resolve_data_dir
from bubblescope.model.errors import ScenarioError
from bubblescope.model.series import Series
from bubblescope.signals.analysis import SignalsResult, analyse
from bubblescope.signals.psy import IC, PsyConfig
from bubblescope.signals.reading import (
    DEFAULT_REPS,
    Reading,
    select,
    standard_reading,
)
from bubblescope.signals.registry import REGISTRY, Transform, resolve_series

__all__ = ["register", "run_signals"]


def register(app: typer.Typer) -> None:
    """Add the `signals` command to ``app``."""
    app.command("signals")(signals)


def signals(
    series: Annotated[str, typer.Option(
        "--series", help="Registry name (nasdaq-dotcom, sp500-pd, us-house, nvda, msft, qqq, "
        "...) or a CSV file.")] = "nasdaq-dotcom",
    date_col: Annotated[str | None, typer.Option("--date-col", help="Date column (CSV).")] = None,
    value_col: Annotated[str | None, typer.Option("--value-col", help="Column or A/B.")] = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="First date kept: YYYY, YYYY-MM or YYYY-MM-DD (inclusive).")] = None,
    end: Annotated[str | None, typer.Option(
        "--end", help="Last date kept (inclusive; 2010-12 means 2010-12-31).")] = None,
    transform: Annotated[str, typer.Option(
        "--transform", help="What the PSY tests see: log (prices), level (a ratio such as "
        "price/dividend) or auto (the series' registry setting; log for a CSV).")] = "auto",
    lag: Annotated[int | None, typer.Option(
        "--lag", help="ADF lag (max lag with --ic); default: the series' setting, else 0.")
    ] = None,
    ic: Annotated[str | None, typer.Option(
        "--ic", help="fixed, aic or bic; default: the series' setting, else fixed.")] = None,
    trend: Annotated[bool, typer.Option("--trend/--no-trend",
                                        help="Add a linear trend to the constant.")] = False,
    window: Annotated[int | None, typer.Option("--window", help="Minimum window.")] = None,
    min_duration: Annotated[int | None, typer.Option(
        "--min-duration", help="Shortest episode kept, in observations (default ⌊ln T⌋).")
    ] = None,
    merge_gap: Annotated[int, typer.Option(
        "--merge-gap", help="Join episodes separated by at most N observations below the "
        "critical value (PSY report the dot-com episode as one span; default 0).", min=0)
    ] = 0,
    reps: Annotated[int | None, typer.Option(
        "--reps", help="Simulate the critical values with N Monte Carlo replications (cached "
        f"in ${CACHE_ENV}) instead of reading the shipped table (lag 0, constant); other lag "
        f"rules or a trend always simulate ({DEFAULT_REPS} by default).")] = None,
    bootstrap: Annotated[int, typer.Option(
        "--bootstrap", help="Use N wild-bootstrap resamples (Phillips & Shi 2020) for the "
        "critical values instead of the table or Monte Carlo (0: off).")] = 0,
    lppls: Annotated[bool, typer.Option("--lppls/--no-lppls",
                                        help="LPPLS confidence at the last date.")] = True,
    lppls_fit: Annotated[bool, typer.Option(
        "--lppls-fit", help="Also fit one LPPLS over the whole selected range (best of 32 "
        "restarts) and print its critical time t_c.")] = False,
    robust: Annotated[bool, typer.Option(
        "--robust", help="Also date episodes across minimum windows and lag choices and "
        "print the episodes that survive every choice.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help=f"Folder of non-bundled prices (${DATA_ENV}, ../shared/data).")
    ] = None,
    json: JsonOption = False,
    export: ExportOption = None,
) -> None:
    """Test a price series for explosive episodes (PSY) and fit LPPLS at its last date.

    Without options a registered series gets its one standard reading, the same that
    run, the report and the dashboard show.
    """
    if ic is not None and ic not in ("fixed", "aic", "bic"):
        raise ScenarioError(f"--ic must be fixed, aic or bic, got {ic!r}")
    if transform not in ("auto", "log", "level"):
        raise ScenarioError(f"--transform must be log, level or auto, got {transform!r}")
    if bootstrap < 0 or (0 < bootstrap < 10):
        raise ScenarioError(f"--bootstrap must be 0 or >= 10 resamples, got {bootstrap}")
    if reps is not None and reps < 10:
        raise ScenarioError(f"--reps must be >= 10 replications, got {reps}")
    if reps is not None and bootstrap:
        raise ScenarioError("--reps (Monte Carlo) and --bootstrap are alternatives; give one")
    ddir = resolve_data_dir(data_dir)
    full, _ = resolve_series(series, ddir, date_col=date_col, value_col=value_col)
    spec = REGISTRY.get(series)
    base = standard_reading(series if spec is not None else None)
    reading = replace(
        base,
        transform=base.transform if transform == "auto" else _transform(transform),
        config=PsyConfig(window=window, lag=base.config.lag if lag is None else lag,
                         ic=base.config.ic if ic is None else _ic(ic), trend=trend),
        cv_method=("wild-bootstrap" if bootstrap else "monte-carlo" if reps is not None
                   else "table"),
        reps=bootstrap or reps or DEFAULT_REPS, min_duration=min_duration,
        merge_gap=merge_gap, start=start,
        end=end, seed=seed)
    result = run_signals(
        full, reading, lppls=lppls, fit=lppls_fit, robust=robust,
        cache_dir=default_cache_dir(), quiet=json,
        transform_source=("--transform" if transform != "auto" else
                          f"registry setting for {series}" if spec else "default for a CSV"),
        note=spec.note if spec is not None and lag is None and ic is None else "")
    export_tables(result.psy.tables(), export)
    if json:
        print_json(result.to_dict())
    else:
        _print(select(full, start, end), result)


def run_signals(series: Series, reading: Reading, *, lppls: bool, cache_dir: Path | None,
                quiet: bool, fit: bool = False, robust: bool = False,
                transform_source: str = "", note: str = "") -> SignalsResult:
    """:func:`~bubblescope.signals.analysis.analyse` with the command's progress report.

    Simulated critical values report progress (a bar on a terminal, periodic lines on
    stderr otherwise); the input is checked before any simulation.
    """
    T = len(select(series, reading.start, reading.end))
    r = reading.resolved(T)
    what = {"table": "", "monte-carlo": f"critical values ({r.reps} reps, T={T})",
            "wild-bootstrap": f"wild bootstrap ({r.reps} resamples, T={T})"}[r.cv_method]
    with progress(what or "critical values", r.reps, quiet=quiet or not what) as tick:
        return analyse(series, reading, lppls=lppls, fit=fit, robust=robust,
                       cache_dir=cache_dir, progress=tick, transform_source=transform_source,
                       note=note)


def _transform(value: str) -> Transform:
    return "level" if value == "level" else "log"


def _ic(value: str) -> IC:
    return "aic" if value == "aic" else "bic" if value == "bic" else "fixed"


def _print(s: Series, result: SignalsResult) -> None:
    psy = result.psy
    console.print(str(s), highlight=False)
    console.print(f"settings: {psy.describe()}; transform from {result.transform_source}",
                  highlight=False, markup=False)
    if result.note:
        console.print(f"note: {result.note}", highlight=False, markup=False)
    pv = psy.p_values()
    table = Table(title=f"PSY tests ({psy.cv.method}, {psy.cv.reps} reps)")
    for col in ("statistic", "value", "90%", "95%", "99%", "p-value", "explosive at 95%"):
        table.add_column(col)
    st, cv = psy.stats, psy.cv
    for name, val, q in (("SADF", st.sadf, cv.sadf), ("GSADF", st.gsadf, cv.gsadf)):
        table.add_row(name, f"{val:.3f}", *(f"{v:.3f}" for v in q),
                      "n/a" if pv is None else _p(pv[name.lower()]),
                      "yes" if val > q[1] else "no")
    console.print(table)
    console.print(str(psy), highlight=False, markup=False)
    if pv is not None:
        console.print(f"  latest BSADF p-value {_p(pv['bsadf'])}", highlight=False, markup=False)
    for part in (result.lppls, result.lppls_fit, result.robustness):
        if part is not None:
            console.print(str(part), highlight=False, markup=False)


def _p(v: float) -> str:
    return "< 0.005" if v <= 0.005 + 1e-9 else "> 0.5" if v >= 0.5 - 1e-9 else f"{v:.3f}"
