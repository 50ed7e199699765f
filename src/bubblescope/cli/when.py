"""`bubblescope when`: the clocks — maturity wall, cash runways, the $1.9T crossing, the seeds'
timing claims beside the computed dates, and the AI names' market signals as the last row."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bubblescope.cli.common import JsonOption, console, load_web_dir, print_json
from bubblescope.datadir import DATA_ENV, default_cache_dir, resolve_data_dir
from bubblescope.model.errors import ScenarioError
from bubblescope.stress.scenario import PRESETS
from bubblescope.when import when as compute_when

__all__ = ["register", "when"]


def when(
    web_dir: Annotated[Path | None, typer.Option(
        "--web", help="A web directory (web.yaml + CSVs) instead of the bundled default.",
        exists=True, file_okay=False)] = None,
    presets: Annotated[str, typer.Option(
        "--presets", help="Comma-separated stress presets for the runways (baseline first).")
    ] = ",".join(PRESETS),
    market: Annotated[bool, typer.Option(
        "--market/--no-market", help="Add the AI names' PSY/LPPLS readings (last row).")
    ] = True,
    lppls: Annotated[bool, typer.Option(
        "--lppls/--no-lppls", help="LPPLS confidence at the last date of each AI name.")] = True,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help=f"Folder of non-bundled prices (${DATA_ENV}, ../shared/data).")
    ] = None,
    json: JsonOption = False,
) -> None:
    """When does it break: the maturity wall, cash runways and the seeds' clocks."""
    names = tuple(p.strip() for p in presets.split(",") if p.strip())
    bad = [p for p in names if p not in PRESETS]
    if bad or not names:
        raise ScenarioError(f"--presets must name presets from {', '.join(PRESETS)}; got "
                            f"{', '.join(bad) or 'none'}")
    web = load_web_dir(web_dir)
    result = compute_when(web, resolve_data_dir(data_dir), cache_dir=default_cache_dir(),
                          presets=names, market=market, lppls=lppls)
    if json:
        print_json(result.to_dict())
    else:
        console.print(str(result), markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the `when` command to ``app``."""
    app.command("when")(when)
