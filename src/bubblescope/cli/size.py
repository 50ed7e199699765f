"""`bubblescope size`: the one-screen bubble card (how big is it?).

Every figure is printed with its source and, where a benchmark exists, its ratio to the
dot-com and 2008 episodes. ``--json`` prints the same figures for machines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bubblescope.cli.common import (
    ExportOption,
    JsonOption,
    console,
    export_tables,
    load_web_dir,
    print_json,
)
from bubblescope.datadir import resolve_data_dir
from bubblescope.model.errors import ScenarioError
from bubblescope.report.size import rich_card
from bubblescope.size.bubble_card import CardOptions, SizeCard, bubble_card
from bubblescope.size.data import (
    RATE_CHOICES,
    InputFiles,
    default_rates,
    load_inputs,
)
from bubblescope.size.wicksell import WicksellConfig

__all__ = ["register", "size"]

ThetaOption = Annotated[float, typer.Option("--theta", help="Required premium θ of the "
                                            "borrowing cost over nominal GDP growth, pp.")]
RuleOption = Annotated[str, typer.Option("--rule", help="Accumulation rule: positive_runs or "
                                         "reset.")]
RatesOption = Annotated[str, typer.Option("--rates", help="Borrowing-cost series: "
                                          f"{', '.join(RATE_CHOICES)} (all but treasury_const "
                                          "need vendor data; default baa when a data "
                                          "directory is found, else treasury_const).")]
FreqOption = Annotated[str, typer.Option("--frequency", help="annual or quarterly.")]
DataDirOption = Annotated[Path | None, typer.Option(
    "--data-dir", help="Folder with the vendor series (laid out like ../shared/data); default "
    "$BUBBLESCOPE_DATA_DIR, else ../shared/data when it exists.",
    exists=True, file_okay=False)]
WebOption = Annotated[Path | None, typer.Option(
    "--web", help="A web directory instead of the bundled default.", exists=True,
    file_okay=False)]
MarginOption = Annotated[float, typer.Option("--margin", help="Margin for the break-even path, "
                                             "in (0, 1].")]


def _file_option(flag: str, what: str) -> Any:
    return typer.Option(flag, help=f"{what} instead of the bundled table (same columns).",
                        exists=True, dir_okay=False)


RubricOption = Annotated[Path | None, _file_option(
    "--rubric", "Goldfarb–Kirsch rubric YAML (factors, verdicts, episodes with evidence)")]
ContribOption = Annotated[Path | None, _file_option(
    "--gdp-contributions", "CSV of contributions to real GDP growth")]
FlowsOption = Annotated[Path | None, _file_option(
    "--flows", "CSV of asset-class flows for the allocation")]
ScalingOption = Annotated[Path | None, _file_option(
    "--scaling", "CSV of training cost and capability per model generation")]
GdpOption = Annotated[Path | None, _file_option(
    "--gdp", "CSV of quarterly nominal GDP (date, level-current; USD bn SAAR)")]


def size(
    as_json: JsonOption = False,
    theta: ThetaOption = 2.0,
    rule: RuleOption = "positive_runs",
    rates: RatesOption = "",
    frequency: FreqOption = "annual",
    data_dir: DataDirOption = None,
    web_dir: WebOption = None,
    margin: MarginOption = 0.5,
    rubric: RubricOption = None,
    gdp_contributions: ContribOption = None,
    flows: FlowsOption = None,
    scaling: ScalingOption = None,
    gdp: GdpOption = None,
    export: ExportOption = None,
) -> None:
    """Print the bubble card: how big is it, and how does it compare with 2000 and 2008?"""
    if not 0.0 < margin <= 1.0:  # NaN and inf fail too
        raise ScenarioError(f"--margin must be in (0, 1], got {margin:g}")
    ddir = resolve_data_dir(data_dir)
    chosen = rates or default_rates(ddir)
    if chosen not in RATE_CHOICES:
        raise ScenarioError(f"--rates must be one of {', '.join(RATE_CHOICES)}, got {chosen!r}")
    config = WicksellConfig(theta=theta, rule=rule, frequency=frequency)  # type: ignore[arg-type]
    # An explicit --web must load: its DataError lists every problem and exits 2.
    web = load_web_dir(web_dir)
    files = InputFiles(rubric=rubric, contributions=gdp_contributions, flows=flows,
                       scaling=scaling, gdp=gdp)
    inputs = load_inputs(ddir, web, files=files)
    card = bubble_card(inputs, CardOptions(rates=chosen, wicksell=config, margin=margin))
    export_tables(card.tables(), export)
    if as_json:
        print_json(card.to_dict())
        return
    _print_card(card)


def _print_card(card: SizeCard) -> None:
    console.print(rich_card(card))
    for note in card.wicksell.notes:
        console.print(f"[dim]note: {note}[/]")
    for item in card.unavailable:
        console.print(f"[yellow]unavailable:[/] {item}")


def register(app: typer.Typer) -> None:
    """Add the `size` command to ``app``."""
    app.command("size")(size)
