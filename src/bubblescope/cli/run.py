"""`bubblescope run` and `bubblescope report`: all three questions on one web.

``run`` prints the headline of every part (the web itself, how big, when, who gets hurt)
and writes the self-contained ``out/report.html``; ``report`` only writes the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import RenderableType

import bubblescope
from bubblescope.cli.common import JsonOption, console, print_json
from bubblescope.model.web import Web
from bubblescope.cli.size import card_payload
from bubblescope.cli.stress import stress_payload
from bubblescope.report import html as report_html
from bubblescope.report import size as report_size
from bubblescope.report import stress as report_stress
from bubblescope.report import web as report_web
from bubblescope.report.base import Section
from bubblescope.stress import run as run_stress

__all__ = ["Part", "RunOptions", "register"]

#: The stress scenario `run` answers "who gets hurt" with: seed 001's six-step crash.
DEFAULT_SCENARIO = "atlantic-crash"


@dataclass(frozen=True)
class RunOptions:
    """What a user can change about `run`."""

    scenario: str = DEFAULT_SCENARIO
    data_dir: Path | None = None


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
    card = report_size.card_for(web)
    return Part("size", report_size.headline(card), card_payload(card),
                report_size.section(card))


def _stress_part(web: Web, options: RunOptions) -> Part:
    result = run_stress(web, options.scenario)
    return Part("stress", report_stress.headline(result), stress_payload(result),
                report_stress.section(result))


PARTS: tuple[Callable[[Web, RunOptions], Part], ...] = (_web_part, _size_part, _stress_part)

WebOption = Annotated[
    Path | None,
    typer.Option("--web", help="A web directory (web.yaml + CSVs) instead of the bundled default.",
                 exists=True, file_okay=False),
]
OutDir = Annotated[Path, typer.Option("--out", help="Directory for report.html.")]
ScenarioOption = Annotated[str, typer.Option(
    "--scenario", help="Stress preset for 'who gets hurt' (see `bubblescope stress --help`).")]
DataDirOption = Annotated[Path | None, typer.Option(
    "--data-dir", help="Directory of vendor series (default: $BUBBLESCOPE_DATA_DIR or "
    "../shared/data when present).", file_okay=False)]


def _load(web_dir: Path | None) -> Web:
    return bubblescope.load_default() if web_dir is None else bubblescope.load_web(str(web_dir))


def _write_report(parts: list[Part], out: Path, web: Web) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.html"
    tmp = path.with_suffix(".html.tmp")
    title = f"bubblescope report: web {web.name!r} as of {web.as_of}"
    tmp.write_text(report_html.render([p.section for p in parts], title), encoding="utf-8")
    tmp.replace(path)
    return path


def _parts(web: Web, options: RunOptions) -> list[Part]:
    return [make(web, options) for make in PARTS]


def run(
    web_dir: WebOption = None, out: OutDir = Path("out"), as_json: JsonOption = False,
    scenario: ScenarioOption = DEFAULT_SCENARIO, data_dir: DataDirOption = None,
) -> None:
    """Answer how big, when and who gets hurt on the bundled default web; write out/report.html."""
    web = _load(web_dir)
    parts = _parts(web, RunOptions(scenario, data_dir))
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
) -> None:
    """Write the self-contained HTML report (out/report.html) without printing the headline."""
    web = _load(web_dir)
    path = _write_report(_parts(web, RunOptions(scenario, data_dir)), out, web)
    console.print(f"Report written to [bold]{path}[/]")


def register(app: typer.Typer) -> None:
    """Add the `run` and `report` commands to ``app``."""
    app.command("run")(run)
    app.command("report")(report)
