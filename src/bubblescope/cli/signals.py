"""`bubblescope signals`: PSY bubble tests and LPPLS confidence on a named series or a CSV."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.progress import Progress
from rich.table import Table

from bubblescope.cli.common import JsonOption, console, print_json
from bubblescope.model.errors import ScenarioError
from bubblescope.signals.critical import CriticalValues, monte_carlo_cv
from bubblescope.signals.datestamp import PsyResult, psy_analysis
from bubblescope.signals.lppls import LpplsConfidence, confidence
from bubblescope.signals.psy import IC, PsyConfig
from bubblescope.signals.registry import find_data_dir, resolve_series
from bubblescope.signals.series import PriceSeries

__all__ = ["CACHE_ENV", "DATA_ENV", "default_cache_dir", "register", "run_signals"]

CACHE_ENV = "BUBBLESCOPE_CACHE"
DATA_ENV = "BUBBLESCOPE_DATA_DIR"


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
    lag: Annotated[int, typer.Option("--lag", help="ADF lag (max lag with --ic).")] = 0,
    ic: Annotated[str, typer.Option("--ic", help="fixed, aic or bic.")] = "fixed",
    window: Annotated[int | None, typer.Option("--window", help="Minimum window.")] = None,
    reps: Annotated[int, typer.Option(
        "--reps", help=f"Monte Carlo replications (cached in ${CACHE_ENV}).")] = 2000,
    lppls: Annotated[bool, typer.Option("--lppls/--no-lppls",
                                        help="LPPLS confidence at the last date.")] = True,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help=f"Folder of non-bundled prices (${DATA_ENV}, ../shared/data).")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Test a price series for explosive episodes (PSY) and fit LPPLS at its last date."""
    if ic not in ("fixed", "aic", "bic"):
        raise ScenarioError(f"--ic must be fixed, aic or bic, got {ic!r}")
    ddir = find_data_dir(data_dir, os.environ.get(DATA_ENV), Path.cwd())
    s, transform = resolve_series(series, ddir, date_col=date_col, value_col=value_col)
    cfg = PsyConfig(window=window, lag=lag, ic=_ic(ic))
    psy, conf = run_signals(s, transform, cfg, reps=reps, lppls=lppls, seed=seed,
                            cache_dir=default_cache_dir(), quiet=json)
    if json:
        print_json(_payload(s, psy, conf))
    else:
        _print(s, psy, conf)


def run_signals(series: PriceSeries, transform: str, config: PsyConfig, *, reps: int,
                lppls: bool, seed: int, cache_dir: Path | None,
                quiet: bool) -> tuple[PsyResult, LpplsConfidence | None]:
    """Critical values (cached), PSY analysis and optionally the latest LPPLS confidence."""
    rng = np.random.default_rng(seed)
    cv = _critical(len(series), config, reps, rng, cache_dir, quiet)
    psy = psy_analysis(series, cv, config, transform=transform)
    conf = None
    if lppls and series.frequency == "daily" and len(series) >= 750 and (series.values > 0).all():
        conf = confidence(series, rng=rng)
    return psy, conf


def _ic(value: str) -> IC:
    return "aic" if value == "aic" else "bic" if value == "bic" else "fixed"


def _critical(T: int, cfg: PsyConfig, reps: int, rng: np.random.Generator,
              cache_dir: Path | None, quiet: bool) -> CriticalValues:
    with Progress(console=console, disable=quiet, transient=True) as bar:
        task = bar.add_task(f"critical values ({reps} reps, T={T})", total=reps)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done)

        return monte_carlo_cv(T, cfg, reps=reps, rng=rng, cache_dir=cache_dir, progress=tick)


def _print(s: PriceSeries, psy: PsyResult, conf: LpplsConfidence | None) -> None:
    console.print(str(s), highlight=False)
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


def _payload(s: PriceSeries, psy: PsyResult, conf: LpplsConfidence | None) -> dict[str, Any]:
    st, cv = psy.stats, psy.cv
    out: dict[str, Any] = {
        "series": s.name, "start": s.start, "end": s.end, "observations": len(s),
        "transform": psy.transform, "window": st.window, "lag": st.config.lag,
        "ic": st.config.ic, "critical_values": {"method": cv.method, "reps": cv.reps,
                                                "levels": list(cv.levels)},
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
    return out
