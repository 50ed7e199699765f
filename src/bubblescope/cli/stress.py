"""`bubblescope stress`: run a crash scenario and print who gets hurt, quarter by quarter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.progress import Progress
from rich.table import Table

from bubblescope.cli.calibration import show_calibration
from bubblescope.cli.common import (
    DbOption,
    ExportOption,
    JsonOption,
    console,
    export_tables,
    load_web_dir,
    print_json,
)
from bubblescope.cli.montecarlo import (
    ChunkOption,
    NoStoreOption,
    ResumeOption,
    RunIdOption,
    SchedulerOption,
    UncertainOption,
    WorkersOption,
    montecarlo,
)
from bubblescope.model.errors import ScenarioError
from bubblescope.model.web import Web
from bubblescope.model.yamldoc import read_yaml_marked
from bubblescope.stress import PRESETS, Scenario, StressResult, load_preset, reference_run, run
from bubblescope.stress.capital_ratios import capital_ratios
from bubblescope.stress.distress import debtrank_view
from bubblescope.stress.funds_view import fund_table, pool_default_rates
from bubblescope.stress.payload import structural_findings, tranche_losses
from bubblescope.stress.result import CHANNELS, DOWNGRADED_2008_USD_BN, JOBS_2008_US_MILLIONS
from bubblescope.stress.scenario import scenario_from_mapping

__all__ = ["parse_sets", "register", "resolve_scenario", "stress"]


def stress(
    scenario: Annotated[str, typer.Option(
        "--scenario", "-s",
        help=f"A preset ({', '.join(PRESETS)}) or a scenario YAML file.")] = "baseline",
    quarters: Annotated[int | None, typer.Option(
        "--quarters", "-q", help="Quarters to simulate (default: the scenario's, 24).")] = None,
    sets: Annotated[list[str] | None, typer.Option(
        "--set", help="Override a scenario field: --set equity_shock=0.5 (repeatable).")] = None,
    web_dir: Annotated[Path | None, typer.Option(
        "--web", help="A web directory (default: the bundled default web).")] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
    paths: Annotated[int | None, typer.Option(
        "--paths", help="Monte Carlo: run N paths over the uncertain inputs "
        "(as 'bubblescope montecarlo').", min=1)] = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Monte Carlo: seed of the random streams (default 0).", min=0)] = None,
    uncertain: UncertainOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    chunk_size: ChunkOption = None,
    resume: ResumeOption = None,
    run_id: RunIdOption = None,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", help="Monte Carlo: seconds to wait for a Dask scheduler (default 10).")
    ] = None,
    no_store: NoStoreOption = False,
    calibration: Annotated[bool, typer.Option(
        "--calibration", help="Run all six presets and print their headline figures beside "
        "the dot-com, 2008 and 2022 envelopes (docs/calibration.md).")] = False,
    export: ExportOption = None,
) -> None:
    """Run a crash scenario through the AI financing web: defaults, losses, GDP and jobs.

    With --paths (or --seed, --workers, --scheduler, --resume) it runs
    the Monte Carlo over the scenario's uncertain inputs instead, with a progress bar, chunks
    kept in the store and --resume after Ctrl-C: the same as 'bubblescope montecarlo'.
    """
    mc_args: dict[str, Any] = {
        "paths": paths, "seed": seed, "uncertain": uncertain, "workers": workers,
        "scheduler": scheduler, "chunk_size": chunk_size, "resume": resume, "run_id": run_id,
        "timeout": timeout, "no_store": no_store or None}
    given = {k: v for k, v in mc_args.items() if v is not None}  # the rest: montecarlo's defaults
    if calibration:
        show_calibration(load_web_dir(web_dir), json_out)
        return
    if given:
        if quarters is not None or sets:
            flags = ", ".join(f"--{k.replace('_', '-')}" for k in given)
            raise ScenarioError("--quarters and --set apply to a single run; with "
                                f"{flags} put them in a scenario YAML file (--scenario FILE)")
        montecarlo(scenario=scenario, web_dir=web_dir, as_json=json_out, db=db, export=export,
                   **given)
        return
    sc = resolve_scenario(scenario, quarters, sets or [])
    web = load_web_dir(web_dir)
    if json_out:
        result = run(web, sc)
    else:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"stress {sc.name}", total=sc.quarters)
            result = run(web, sc, progress=lambda done, total: bar.update(task, completed=done))
    base = reference_run(web, sc)
    if db is not None:
        _save(db, result)
    export_tables(result.tables(), export)
    if json_out:
        print_json(result.to_dict(base, web))
    else:
        _print(result, web, base)


def register(app: typer.Typer) -> None:
    """Add the `stress` command to ``app``."""
    app.command("stress")(stress)


def resolve_scenario(name: str, quarters: int | None, sets: list[str]) -> Scenario:
    """Load a preset or a YAML file and apply ``--quarters`` and ``--set`` overrides."""
    path = Path(name)
    if name not in PRESETS and path.suffix in (".yaml", ".yml"):
        if not path.exists() and not path.is_symlink():
            raise ScenarioError(f"scenario file {name!r} not found")
        data, marks = read_yaml_marked(path)
        if isinstance(data, dict):  # a single run ignores the Monte Carlo sections
            data = {k: v for k, v in data.items() if k not in ("uncertain", "exposures")}
        sc = scenario_from_mapping(data, origin=name, marks=marks)
    else:
        sc = load_preset(name)
    updates: dict[str, object] = parse_sets(sets)
    if quarters is not None:
        updates["quarters"] = quarters
    return sc.with_values(updates) if updates else sc


def parse_sets(sets: list[str]) -> dict[str, object]:
    """Turn ``["field=value", ...]`` into a mapping (values stay text; the scenario parses)."""
    out: dict[str, object] = {}
    for item in sets:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise ScenarioError(f"--set must look like field=value, got {item!r}")
        out[field.strip()] = value.strip()
    return out


def _valuation_line(result: StressResult) -> str:
    dd = result.firm_drawdowns
    kind = {str(e): k for e, k in zip(result.entity_ids, result.entity_kinds, strict=True)}
    groups = []
    for label, kinds in (("hyperscalers", ("hyperscaler",)), ("chipmakers", ("chipmaker",))):
        firms = [f"{e} -{v:.0%}" for e, v in dd.items() if kind[str(e)] in kinds]
        groups.append(f"{label} " + ", ".join(firms))
    pure = [str(e) for e in dd.index if kind[str(e)] not in ("hyperscaler", "chipmaker")]
    gone = sum(dd[e] >= 0.999 for e in pure)
    groups.append(f"pure plays: {gone} of {len(pure)} wiped out")
    cross = result.debt_crossing(DOWNGRADED_2008_USD_BN)
    cross_ig = result.debt_crossing(DOWNGRADED_2008_USD_BN, "ig_bonds")
    debt, ig = result.ai_debt.mean(axis=0), result.ig_bonds.mean(axis=0)
    return (f"Equity peak to trough: {'; '.join(groups)}. AI index trough "
            f"{result.ai_index.mean(axis=0).min():.2f} (start 1); H100 rental "
            f"${result.gpu_rental.mean(axis=0)[0]:.2f} -> trough "
            f"${result.gpu_rental.mean(axis=0).min():.2f}/h. AI-linked investment-grade "
            f"bonds (the seeds' $1.2T measure) ${ig[0]:,.0f}bn -> ${ig[-1]:,.0f}bn, at or "
            f"above $1.9T (the volume 2008 downgraded) from {cross_ig or 'never'}; all "
            f"AI-linked debt (loans, private credit, lines too) ${debt[0]:,.0f}bn -> "
            f"${debt[-1]:,.0f}bn, from {cross or 'never'}.")

# ------------------------------------------------------------------ helpers


def _save(db: Path, result: StressResult) -> None:
    from bubblescope.store.duckdb_store import open_store

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    run_id = f"stress-{result.scenario.name}-{stamp}"
    frame = result.timeline.reset_index()
    params = {"scenario": result.scenario.name, "web": result.web_name,
              "quarters": result.quarters}
    with open_store(db) as store:
        store.save_result_frame(run_id, "stress", params, frame)
    console.print(f"saved as run {run_id} in {db}")


def _print(result: StressResult, web: Web, base: StressResult | None = None) -> None:
    sc = result.scenario
    console.print(f"[bold]{sc.name}[/]: {sc.description}", highlight=False)
    console.print(f"web {result.web_name!r} as of {result.as_of}; {result.n_assumed} inputs "
                  "filled with documented defaults", highlight=False)
    console.print(_credit_table(result, base))
    console.print(_firms_table(result, base))
    console.print(_cash_table(result))
    console.print(_findings_table(base if base is not None else result))
    console.print(_quarter_table(result))
    console.print(_who_table(result))
    console.print(_cuts_table(result))
    console.print(_sector_table(result))
    console.print(_capital_table(result))
    console.print(_ratio_table(result))
    console.print(_funds_table(result))
    console.print(_tranche_table(result))
    last = result.timeline.iloc[-1]
    jobs = ("from the output gap (Okun's law) and AI displacement; this scenario sets no "
            "shock: it is itself the no-shock path" if sc.unshocked
            else "against the no-shock path")
    console.print(
        f"Downgraded from investment grade to junk: USD {last['downgraded']:,.0f}bn "
        f"({last['downgraded_vs_2008']:.2f}x 2008's USD 1.9T; face amount of paper rated "
        "investment grade at the start that is junk by the end, the measure Monte Carlo's "
        "P(downgrades > 2008) counts). Jobs: "
        f"{last['jobs_millions']:+.2f}M in the US {jobs} "
        f"(US payrolls 2008-10: -{JOBS_2008_US_MILLIONS:g}M, BLS; the seeds' 27M is "
        "worldwide).", highlight=False)
    console.print(_valuation_line(result), highlight=False)
    view = debtrank_view(web, result)
    if view is not None:
        console.print(str(view), highlight=False)


def _credit_table(result: StressResult, base: StressResult | None) -> Table:
    """Holder sectors' losses by class, regulated holders first; the shock's part beside."""
    led = result.ledger
    shock = led.relative_to((base if base is not None else result).ledger).holder_table()
    shock_total = dict(zip(shock["holder"], shock["realised credit"] + shock["debt marks"]
                           + shock["equity marks"], strict=True))
    table = Table(title="Who gets hurt, credit first: losses borne by holder sectors over the "
                  "run, USD bn (funds looked through; equity marks beside, not added)")
    table.add_column("holder", no_wrap=True)
    for col in ("realised credit", "debt marks", "credit + debt", "equity marks",
                "vs baseline"):
        table.add_column(col, justify="right")
    for row in led.holder_table().itertuples(index=False):
        name = f"[bold]{row.holder}[/]" if row.regulated else str(row.holder)
        credit, marks, equity = row[2], row[3], row[4]
        table.add_row(name, f"{credit:,.1f}", f"{marks:,.1f}", f"{credit + marks:,.1f}",
                      f"{equity:,.1f}", f"{shock_total.get(row.holder, 0.0):+,.1f}")
    tot = led.holder_sector_totals().mean(axis=0)
    table.add_row("[bold]all holders[/]", f"{tot[0]:,.1f}", f"{tot[1]:,.1f}",
                  f"{tot[0] + tot[1]:,.1f}", f"{tot[2]:,.1f}",
                  f"{sum(shock_total.values()):+,.1f}")
    return table


def _firms_table(result: StressResult, base: StressResult | None) -> Table:
    """Firms that are not paid: a customer's default or cut costs them (backlog included)."""
    firms = result.ledger.firm_table().head(10)
    ref = (base if base is not None else result).ledger.firm_table()
    before = dict(zip(ref["firm"], ref["realised credit"], strict=True))
    table = Table(title="Firms not paid (realised credit losses, USD bn; they reach these "
                  "firms' own holders through their marks, so not added above)")
    for col in ("firm", "not paid", "of which in baseline"):
        table.add_column(col, justify="left" if col == "firm" else "right")
    for row in firms.itertuples(index=False):
        if row[1] > 1e-6:
            table.add_row(str(row.firm), f"{row[1]:,.1f}", f"{before.get(row.firm, 0.0):,.1f}")
    return table


def _cash_table(result: StressResult) -> Table:
    """Firms' cash: operating cash flow and payouts in the first year, cash start/low/end."""
    table = Table(title="Firms' cash, USD bn (operating cash flow before capex and dividends "
                  "+ buybacks over the first year; cash at the start, lowest and end)")
    for col in ("firm", "OCF yr 1", "payouts yr 1", "cash start", "low", "end"):
        table.add_column(col, justify="left" if col == "firm" else "right")
    for firm, row in result.firm_cash_flows.head(10).iterrows():
        table.add_row(str(firm), *(f"{v:,.1f}" for v in row))
    return table


def _findings_table(base: StressResult) -> Table:
    """Structural findings: what fails without any shock (not counted as crash losses)."""
    found = structural_findings(base)
    table = Table(title="Structural findings: what fails with no shock at all (baseline)")
    table.add_column("finding", overflow="fold")
    for d in found["defaults"]:
        table.add_row(f"{d['label']}: {d['entity']} defaults ({d['reason']})")
    for c in found["cuts"]:
        table.add_row(f"from {c['label']}: {c['entity']} cannot meet its commitments and "
                      f"renegotiates USD {c['cut_usd_bn']:,.1f}bn away")
    for g in found["downgrades"]:
        table.add_row(f"{g['entity']}'s debt drifts {g['start']} -> {g['end']} (no default)")
    if not found["defaults"] and not found["cuts"] and not found["downgrades"]:
        table.add_row("none")
    return table


def _quarter_table(result: StressResult) -> Table:
    table = Table(title="Quarter by quarter (mean over paths): holder sectors' losses, funds "
                  "looked through; GPU value of a card bought at the start (ageing included: "
                  "0.05 is its salvage at the end of its life) and the H100 rental")
    for col in ("quarter", "new defaults", "credit+debt $bn", "equity $bn", "jobs (M)",
                "GPU value", "H100 $/h", "junked $bn"):
        table.add_column(col, justify="right", overflow="fold")
    rent = result.gpu_rental.mean(axis=0) if result.gpu_rental.size else \
        np.full(result.quarters, np.nan)
    for (label, row), r in zip(result.timeline.iterrows(), rent, strict=True):
        table.add_row(str(label), f"{row['defaults']:g}",
                      f"{row['credit_loss'] + row['debt_marks']:,.1f}",
                      f"{row['equity_marks']:,.0f}",
                      f"{row['jobs_millions']:+.2f}", f"{row['gpu_price']:.2f}",
                      f"{r:.2f}", f"{row['downgraded']:,.0f}")
    return table


def _who_table(result: StressResult) -> Table:
    """Who defaults when and why on the first path: one row per quarter, names wrapped."""
    title = "Who defaults, and why" + (" (first path)" if result.n_paths > 1 else "")
    table = Table(title=title)
    table.add_column("quarter", no_wrap=True)
    table.add_column("entity (reason)", overflow="fold")
    defaults = result.defaults.query("path == 0")
    for label, group in defaults.groupby("label", sort=False):
        table.add_row(str(label), _names(group))
    if not len(defaults):
        table.add_row("-", "no entity defaults")
    return table


def _cuts_table(result: StressResult) -> Table:
    """Who cut or renegotiated leases and commitments on the first path, when, how much."""
    title = ("Who cuts or renegotiates leases and commitments"
             + (" (first path)" if result.n_paths > 1 else ""))
    table = Table(title=title)
    for col in ("entity", "from", "torn up, USD bn"):
        table.add_column(col, justify="right" if col.startswith("torn") else "left")
    cuts = result.cuts.query("path == 0").sort_values("cut_usd_bn", ascending=False)
    for row in cuts.itertuples():
        table.add_row(str(row.entity), str(row.label), f"{row.cut_usd_bn:,.1f}")
    if not len(cuts):
        table.add_row("-", "-", "nothing cut")
    return table


def _names(frame: pd.DataFrame) -> str:
    return ", ".join(f"{e} ({r})" for e, r in zip(frame["entity"], frame["reason"], strict=True))


def _tranche_table(result: StressResult) -> Table:
    table = Table(title="SPV paper: projected principal loss by tranche, USD bn", min_width=60)
    for col in ("tranche", "end of run", "peak"):
        table.add_column(col, justify="left" if col == "tranche" else "right")
    for name, row in tranche_losses(result).iterrows():
        table.add_row(str(name), f"{row['end']:,.1f}", f"{row['peak']:,.1f}")
    return table


def _capital_table(result: StressResult) -> Table:
    table = Table(title="Holder sectors: losses against capital (equity; assets for funds)")
    for col in ("holder", "kind", "loss $bn", "capital $bn", "share lost"):
        left = col in ("holder", "kind")
        table.add_column(col, justify="left" if left else "right",
                         overflow="fold" if left else "ellipsis")
    for row in result.capital_hit.itertuples():
        table.add_row(str(row.entity), str(row.kind), f"{row.loss:,.1f}",
                      f"{row.capital:,.0f}", f"{row.share:.1%}")
    return table


def _ratio_table(result: StressResult) -> Table:
    table = Table(title="Regulated holders' capital ratios, before and after (charges follow "
                  "the paper's ratings; capital less the losses they bear)")
    for col in ("holder", "rule", "before", "after", "capital $bn", "required $bn"):
        table.add_column(col, justify="left" if col in ("holder", "rule") else "right",
                         no_wrap=col == "holder")
    for c in capital_ratios(result):
        table.add_row(c.holder, c.rule.split(":")[0], f"{c.ratio_before:.1%}",
                      f"{c.ratio_after:.1%}",
                      f"{c.capital_before:,.0f} -> {c.capital_after:,.0f}",
                      f"{c.required_before:,.0f} -> {c.required_after:,.0f}")
    return table


def _funds_table(result: StressResult) -> Table:
    rates = pool_default_rates(result)["trailing_year"]
    caption = None
    if rates:
        top = int(np.argmax(rates))
        caption = (f"Private-credit pool (residual loans to tech): default rate over the "
                   f"trailing year peaks at {rates[top]:.1%} in {result.quarter_labels[top]} "
                   f"(leveraged loans, Nov 2009: 10.8%, S&P LCD); debt marks are expected "
                   f"loss plus a spread and liquidity premium that fades as spreads settle")
    table = Table(title="Funds, USD bn: NAV (their capital) start->end, lowest NAV per share, "
                  "gate quarter, margin-call sales, bank lines drawn start->peak",
                  caption=caption)
    for col in ("fund", "NAV", "NAV/sh", "gate", "sold", "lines"):
        table.add_column(col, justify="left" if col in ("fund", "gate") else "right",
                         no_wrap=True)
    for row in fund_table(result).itertuples(index=False):
        gate = row.gate_quarter if isinstance(row.gate_quarter, str) else "no"
        table.add_row(str(row.fund),
                      f"{row.nav_start_usd_bn:,.0f}->{row.nav_end_usd_bn:,.0f}",
                      f"{row.nav_per_share_low:.2f}", gate,
                      f"{row.margin_call_sales_usd_bn:,.1f}",
                      f"{row.lines_drawn_start_usd_bn:,.0f}->"
                      f"{row.lines_drawn_peak_usd_bn:,.0f}")
    return table


def _sector_table(result: StressResult) -> Table:
    table = Table(title="Losses borne by entity kind over the run, USD bn (funds looked "
                  "through, all classes); channels as booked before look-through")
    table.add_column("kind")
    table.add_column("loss", justify="right")
    for sector, value in result.losses_by_sector.iloc[:, -1].items():
        table.add_row(str(sector), f"{value:,.1f}")
    for channel, value in zip(CHANNELS, result.losses_by_channel, strict=True):
        table.add_row(f"[dim]channel: {channel}[/]", f"[dim]{value:,.1f}[/]")
    return table
