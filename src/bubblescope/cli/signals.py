"""`bubblescope signals`: PSY bubble tests and LPPLS confidence on a named series or a CSV."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.progress import Progress
from rich.table import Table

from bubblescope.cli.common import ExportOption, JsonOption, console, export_tables, print_json
from bubblescope.datadir import DATA_ENV, resolve_data_dir
from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.signals.critical import CriticalValues, monte_carlo_cv, wild_bootstrap_cv
from bubblescope.signals.datestamp import PsyResult, psy_analysis, psy_input
from bubblescope.signals.lppls import (
    LpplsConfidence,
    LpplsFit,
    confidence,
    confidence_applies,
    fit_lppls,
)
from bubblescope.signals.psy import IC, PsyConfig
from bubblescope.signals.registry import REGISTRY, Transform, resolve_series
from bubblescope.signals.series import PriceSeries

__all__ = ["CACHE_ENV", "Settings", "default_cache_dir", "register", "run_signals"]

CACHE_ENV = "BUBBLESCOPE_CACHE"


def default_cache_dir() -> Path:
    """``$BUBBLESCOPE_CACHE`` or ``~/.cache/bubblescope``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "bubblescope")


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
    reps: Annotated[int, typer.Option(
        "--reps", help=f"Monte Carlo replications (cached in ${CACHE_ENV}).")] = 2000,
    bootstrap: Annotated[int, typer.Option(
        "--bootstrap", help="Use N wild-bootstrap resamples (Phillips & Shi 2020) for the "
        "critical values instead of the Monte Carlo (0: Monte Carlo).")] = 0,
    lppls: Annotated[bool, typer.Option("--lppls/--no-lppls",
                                        help="LPPLS confidence at the last date.")] = True,
    lppls_fit: Annotated[bool, typer.Option(
        "--lppls-fit", help="Also fit one LPPLS over the whole selected range (best of 32 "
        "restarts) and print its critical time t_c.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help=f"Folder of non-bundled prices (${DATA_ENV}, ../shared/data).")
    ] = None,
    json: JsonOption = False,
    export: ExportOption = None,
) -> None:
    """Test a price series for explosive episodes (PSY) and fit LPPLS at its last date."""
    if ic is not None and ic not in ("fixed", "aic", "bic"):
        raise ScenarioError(f"--ic must be fixed, aic or bic, got {ic!r}")
    if transform not in ("auto", "log", "level"):
        raise ScenarioError(f"--transform must be log, level or auto, got {transform!r}")
    if bootstrap < 0 or (0 < bootstrap < 10):
        raise ScenarioError(f"--bootstrap must be 0 or >= 10 resamples, got {bootstrap}")
    ddir = resolve_data_dir(data_dir)
    full, default_transform = resolve_series(series, ddir, date_col=date_col,
                                             value_col=value_col)
    s = _select(full, start, end)
    spec = REGISTRY.get(series)
    settings = Settings(
        transform=default_transform if transform == "auto" else _transform(transform),
        transform_source=("--transform" if transform != "auto" else
                          f"registry setting for {series}" if spec else "default for a CSV"),
        config=PsyConfig(window=window,
                         lag=(spec.lag if spec else 0) if lag is None else lag,
                         ic=_ic(ic) if ic is not None else (spec.ic if spec else "fixed"),
                         trend=trend),
        note=spec.note if spec is not None and lag is None and ic is None else "",
    )
    psy, conf = run_signals(s, settings.transform, settings.config, reps=reps, lppls=lppls,
                            seed=seed, cache_dir=default_cache_dir(), quiet=json,
                            bootstrap=bootstrap, min_duration=min_duration)
    fit = fit_lppls(s, rng=np.random.default_rng(seed), n_starts=32) if lppls_fit else None
    export_tables(psy.tables(), export)
    if json:
        print_json(_payload(s, psy, conf, settings, fit))
    else:
        _print(s, psy, conf, settings, fit)


@dataclass(frozen=True)
class Settings:
    """What the command resolved from its options and the series' registry entry."""

    transform: Transform
    transform_source: str
    config: PsyConfig
    note: str = ""

    def describe(self, psy: PsyResult) -> str:
        """One line naming the transform, lag, deterministic terms and windows used."""
        c = psy.stats.config
        lag = f"lag {c.lag}" if c.ic == "fixed" else f"lag chosen by {c.ic.upper()} (max {c.lag})"
        return (f"settings: transform {self.transform} ({self.transform_source}); {lag}; "
                f"{'constant + trend' if c.trend else 'constant'}; window {psy.stats.window}; "
                f"min duration {psy.min_duration} obs; critical values {psy.cv.method} "
                f"({psy.cv.reps} {'resamples' if psy.cv.method == 'wild-bootstrap' else 'reps'})")


def run_signals(series: PriceSeries, transform: str, config: PsyConfig, *, reps: int,
                lppls: bool, seed: int, cache_dir: Path | None, quiet: bool,
                bootstrap: int = 0,
                min_duration: int | None = None) -> tuple[PsyResult, LpplsConfidence | None]:
    """Critical values (cached Monte Carlo, or a wild bootstrap of ``bootstrap`` resamples),
    PSY analysis and optionally the latest LPPLS confidence.

    The input is checked first (length for the window, positivity for logs), so a bad series
    is reported as such before any simulation runs.
    """
    rng = np.random.default_rng(seed)
    y = psy_input(series, config, transform)
    cv = _critical(y, config, reps, bootstrap, rng, cache_dir, quiet)
    psy = psy_analysis(series, cv, config, transform=transform, min_duration=min_duration)
    conf = None
    if lppls and confidence_applies(series):
        conf = confidence(series, rng=rng)
    return psy, conf


def _select(s: PriceSeries, start: str | None, end: str | None) -> PriceSeries:
    if start is None and end is None:
        return s
    out = s.between(start, end)
    if len(out) == 0:
        raise ScenarioError(f"--start {start} / --end {end} select no observation of "
                            f"{s.name} ({s.start} .. {s.end})")
    return out


def _transform(value: str) -> Transform:
    return "level" if value == "level" else "log"


def _ic(value: str) -> IC:
    return "aic" if value == "aic" else "bic" if value == "bic" else "fixed"


def _critical(y: FloatArray, cfg: PsyConfig, reps: int, bootstrap: int,
              rng: np.random.Generator, cache_dir: Path | None, quiet: bool) -> CriticalValues:
    """Wild-bootstrap critical values of ``y`` when ``bootstrap`` > 0, else the Monte Carlo."""
    T, n = y.shape[0], bootstrap or reps
    what = (f"wild bootstrap ({n} resamples" if bootstrap else f"critical values ({n} reps")
    with Progress(console=console, disable=quiet, transient=True) as bar:
        task = bar.add_task(f"{what}, T={T})", total=n)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done)

        if bootstrap:
            return wild_bootstrap_cv(y, cfg, reps=n, rng=rng, progress=tick)
        return monte_carlo_cv(T, cfg, reps=n, rng=rng, cache_dir=cache_dir, progress=tick)


def _print(s: PriceSeries, psy: PsyResult, conf: LpplsConfidence | None, settings: Settings,
           fit: LpplsFit | None) -> None:
    console.print(str(s), highlight=False)
    console.print(settings.describe(psy), highlight=False, markup=False)
    if settings.note:
        console.print(f"note: {settings.note}", highlight=False, markup=False)
    table = Table(title=f"PSY tests ({psy.cv.method}, {psy.cv.reps} reps)")
    for col in ("statistic", "value", "90%", "95%", "99%", "explosive at 95%"):
        table.add_column(col)
    st, cv = psy.stats, psy.cv
    for name, val, q in (("SADF", st.sadf, cv.sadf), ("GSADF", st.gsadf, cv.gsadf)):
        table.add_row(name, f"{val:.3f}", *(f"{v:.3f}" for v in q), "yes" if val > q[1] else "no")
    console.print(table)
    console.print(str(psy), highlight=False, markup=False)
    if conf is not None:
        console.print(str(conf), highlight=False, markup=False)
    if fit is not None:
        console.print(str(fit), highlight=False, markup=False)


def _payload(s: PriceSeries, psy: PsyResult, conf: LpplsConfidence | None, settings: Settings,
             fit: LpplsFit | None) -> dict[str, Any]:
    st, cv = psy.stats, psy.cv
    out: dict[str, Any] = {
        "series": s.name, "start": s.start, "end": s.end, "observations": len(s),
        "transform": psy.transform, "transform_source": settings.transform_source,
        "window": st.window, "lag": st.config.lag, "ic": st.config.ic,
        "trend": st.config.trend, "min_duration": psy.min_duration, "note": settings.note or None,
        "critical_values": {"method": cv.method, "reps": cv.reps, "levels": list(cv.levels)},
        "sadf": {"value": st.sadf, "cv": cv.sadf}, "gsadf": {"value": st.gsadf, "cv": cv.gsadf},
        "latest_bsadf": {"value": float(st.bsadf[-1]), "cv95": float(psy.cv_sequence[-1])},
        "episodes": [{"start": e.start, "peak": e.peak, "end": e.end, "duration": e.duration}
                     for e in psy.episodes],
        "lppls": None,
    }
    if conf is not None:
        q = conf.tc_quantiles()[-1]
        out["lppls"] = {"date": conf.dates[-1], "positive": float(conf.positive[-1]),
                        "negative": float(conf.negative[-1]),
                        "tc_years_q10_50_90": [None if np.isnan(v) else float(v) for v in q]}
    out["lppls_fit"] = None if fit is None else {
        "tc_date": fit.tc_date, "m": fit.m, "omega": fit.omega, "B": fit.B, "sse": fit.sse,
        "converged": fit.converged, "start": s.start, "end": s.end}
    return out
