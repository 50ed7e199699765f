"""`bubblescope size`: the one-screen bubble card (how big is it?).

Every figure is printed with its source and, where a benchmark exists, its ratio to the
dot-com and 2008 episodes. ``--json`` prints the same figures for machines.
"""

from __future__ import annotations

import math
from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

import bubblescope
from bubblescope.cli.common import JsonOption, console, print_json
from bubblescope.model.errors import DataError, ScenarioError
from bubblescope.model.web import Web
from bubblescope.report.size import rich_card
from bubblescope.size.card import CardOptions, SizeCard, bubble_card
from bubblescope.size.data import RATE_CHOICES, load_inputs
from bubblescope.size.wicksell import WicksellConfig

__all__ = ["card_payload", "load_web_or_reason", "register", "size"]

ThetaOption = Annotated[float, typer.Option("--theta", help="Required premium θ of the "
                                            "borrowing cost over nominal GDP growth, pp.")]
RuleOption = Annotated[str, typer.Option("--rule", help="Accumulation rule: positive_runs or "
                                         "reset.")]
RatesOption = Annotated[str, typer.Option("--rates", help="Borrowing-cost series: "
                                          f"{', '.join(RATE_CHOICES)} (all but treasury_const "
                                          "need --data-dir).")]
FreqOption = Annotated[str, typer.Option("--frequency", help="annual or quarterly.")]
DataDirOption = Annotated[Path | None, typer.Option(
    "--data-dir", help="Folder with the vendor series (laid out like ../shared/data).",
    exists=True, file_okay=False)]
WebOption = Annotated[Path | None, typer.Option(
    "--web", help="A web directory instead of the bundled default.", exists=True,
    file_okay=False)]
MarginOption = Annotated[float, typer.Option("--margin", help="Margin for the break-even path.")]


def load_web_or_reason(web_dir: Path | None) -> tuple[Web | None, str]:
    """Load the web, or return why it could not be loaded (the card then skips web figures)."""
    try:
        web = (bubblescope.load_default() if web_dir is None
               else bubblescope.load_web(str(web_dir)))
    except (DataError, FileNotFoundError) as exc:
        return None, str(exc).splitlines()[0]
    return web, ""


def size(
    as_json: JsonOption = False,
    theta: ThetaOption = 2.0,
    rule: RuleOption = "positive_runs",
    rates: RatesOption = "",
    frequency: FreqOption = "annual",
    data_dir: DataDirOption = None,
    web_dir: WebOption = None,
    margin: MarginOption = 0.5,
) -> None:
    """Print the bubble card: how big is it, and how does it compare with 2000 and 2008?"""
    chosen = rates or ("baa" if data_dir is not None else "treasury_const")
    if chosen not in RATE_CHOICES:
        raise ScenarioError(f"--rates must be one of {', '.join(RATE_CHOICES)}, got {chosen!r}")
    config = WicksellConfig(theta=theta, rule=rule, frequency=frequency)  # type: ignore[arg-type]
    web, reason = load_web_or_reason(web_dir)
    inputs = load_inputs(data_dir, web, reason)
    card = bubble_card(inputs, replace(CardOptions(), rates=chosen, wicksell=config,
                                       margin=margin))
    if as_json:
        print_json(card_payload(card))
        return
    _print_card(card)


def card_payload(card: SizeCard) -> dict[str, Any]:
    """The card as JSON-ready data."""
    w = card.wicksell
    return {
        "headline": card.headline,
        "figures": [asdict(f) for f in card.figures],
        "unavailable": list(card.unavailable),
        "wicksell": {
            "rates": w.rate_name, "rate_source": w.rate_source, "rate_note": w.rate_note,
            "config": asdict(w.config), "ratio_dotcom": w.ratio_dotcom,
            "ratio_subprime": w.ratio_subprime, "notes": list(w.notes),
            "episodes": [asdict(e) for e in w.episodes],
        },
        "variants": _records(card.variants.table),
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): (None if isinstance(v, float) and not math.isfinite(v) else v)
             for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _print_card(card: SizeCard) -> None:
    console.print(rich_card(card))
    for note in card.wicksell.notes:
        console.print(f"[dim]note: {note}[/]")
    for item in card.unavailable:
        console.print(f"[yellow]unavailable:[/] {item}")


def register(app: typer.Typer) -> None:
    """Add the `size` command to ``app``."""
    app.command("size")(size)
