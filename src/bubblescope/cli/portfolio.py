"""`bubblescope portfolio FILE`: your positions through a crash scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.progress import Progress
from rich.table import Table

from bubblescope.cli.common import (
    ExportOption,
    JsonOption,
    console,
    err_console,
    export_tables,
    load_web_dir,
    print_json,
)
from bubblescope.portfolio import CHANNELS, PortfolioResult, run_portfolio
from bubblescope.store.portfolio_file import read_portfolio
from bubblescope.stress.scenario import PRESETS

__all__ = ["portfolio", "portfolio_payload", "register"]


def portfolio(
    file: Annotated[Path, typer.Argument(
        help="Positions: CSV or xlsx with issuer or contract, instrument (bond, loan, "
        "abs_note, fund_share, equity, cds), amount in USD bn; optional id, seniority, "
        "tranche, maturity, coupon, rating.", dir_okay=False)],
    scenario: Annotated[str, typer.Option(
        "--scenario", "-s", help=f"A preset: {', '.join(PRESETS)}.")] = "atlantic-crash",
    paths: Annotated[int, typer.Option(
        "--paths", help="1: the scenario as written; more: Monte Carlo over the default "
        "uncertainty (VaR, expected shortfall, drivers).", min=1)] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the Monte Carlo.", min=0)] = 0,
    web_dir: Annotated[Path | None, typer.Option(
        "--web", help="A web directory (default: the bundled web).", file_okay=False)] = None,
    as_json: JsonOption = False,
    export: ExportOption = None,
) -> None:
    """Run a portfolio through a crash: loss per position, quarter and channel, worst preset,
    VaR and expected shortfall under Monte Carlo, and what drives the loss."""
    book = read_portfolio(file)
    web = load_web_dir(web_dir)
    if as_json or paths == 1:
        result = run_portfolio(web, book, scenario, n_paths=paths, seed=seed)
    else:
        with Progress(console=err_console, transient=True) as bar:
            task = bar.add_task(f"portfolio {scenario}", total=paths)
            result = run_portfolio(web, book, scenario, n_paths=paths, seed=seed,
                                   progress=lambda done, _: bar.update(task, completed=done))
    export_tables(result.tables(), export)
    if as_json:
        print_json(portfolio_payload(result))
        return
    _print(result)


def portfolio_payload(result: PortfolioResult) -> dict[str, Any]:
    """The result as JSON: summary, positions, quarters, drivers and warnings."""
    return {"scenario": result.scenario, "paths": result.n_paths, "seed": result.seed,
            "total_usd_bn": float(result.total.mean()), "var_usd_bn": result.var(),
            "expected_shortfall_usd_bn": result.expected_shortfall(), "level": result.level,
            "positions": result.by_position().to_dict(orient="records"),
            "quarters": result.by_quarter().to_dict(orient="records"),
            "drivers": result.drivers().to_dict(orient="records"),
            "warnings": list(result.mapped.warnings)}


def _print(result: PortfolioResult) -> None:
    console.print(str(result), highlight=False)
    for w in result.mapped.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    console.print(_positions(result))
    worst = _worst(result)
    if worst is not None:
        console.print(worst)
    console.print(_quarters(result))
    drivers = result.drivers()
    if not drivers.empty:
        console.print("Assumptions driving the loss (rank correlation over paths): " + ", ".join(
            f"{a} {c:+.2f}" for a, c in drivers.head(5).itertuples(index=False)),
            highlight=False)


def _positions(result: PortfolioResult) -> Table:
    frame = result.by_position()
    table = Table(title="Loss per position, USD bn (mean over paths): credit loss, debt "
                  "mark, equity mark, CDS premium (cds)",
                  title_justify="left", box=box.SIMPLE_HEAD, collapse_padding=True,
                  pad_edge=False)
    # Names are never cut: the text columns do not wrap, the numbers are short.
    for col in ("position", "instrument", "amount", "loss", "credit", "mark", "equity",
                "cds"):
        text = col in ("position", "instrument")
        table.add_column(col, no_wrap=text, justify="left" if text else "right")
    cols = [f"{c.replace(' ', '_')}_usd_bn" for c in CHANNELS]
    for r in frame.to_dict(orient="records"):
        table.add_row(str(r["position"]), str(r["instrument"]), f"{r['amount_usd_bn']:,.3f}",
                      f"{r['loss_usd_bn']:,.3f}", *(f"{r[c]:,.3f}" for c in cols))
    return table


def _worst(result: PortfolioResult) -> Table | None:
    frame = result.by_position()
    if "worst_scenario" not in frame:
        return None
    table = Table(title="Worst preset per position (one path each), USD bn",
                  title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("position", "mapped to", "worst preset", "loss"):
        table.add_column(col, no_wrap=col != "mapped to", overflow="fold",
                         justify="right" if col == "loss" else "left")
    for r in frame.to_dict(orient="records"):
        table.add_row(str(r["position"]), str(r["mapped_to"]), str(r["worst_scenario"]),
                      f"{r['worst_loss_usd_bn']:,.3f}")
    return table


def _quarters(result: PortfolioResult) -> Table:
    frame = result.by_quarter()
    shown = frame[frame["loss_usd_bn"].abs() > 1e-9]
    table = Table(title="Loss per quarter, USD bn (quarters with a loss)", title_justify="left",
                  box=box.SIMPLE_HEAD)
    for col in ("quarter", "credit", "debt mark", "equity mark", "premium", "total",
                "cumulative"):
        table.add_column(col, justify="left" if col == "quarter" else "right")
    for r in shown.to_dict(orient="records"):
        table.add_row(str(r["quarter"]), *(f"{r[k]:,.3f}" for k in (
            "credit_loss_usd_bn", "debt_mark_usd_bn", "equity_mark_usd_bn",
            "CDS_premium_usd_bn", "loss_usd_bn", "cumulative_loss_usd_bn")))
    return table


def register(app: typer.Typer) -> None:
    """Add the `portfolio` command to ``app``."""
    app.command("portfolio")(portfolio)
