"""`bubblescope stress --calibration`: the six presets beside the dot-com, 2008 and 2022 busts."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from bubblescope.calibration.envelopes import METRICS, SHORT
from bubblescope.calibration.presets import CalibrationTable, calibrate, format_value
from bubblescope.cli.common import console, print_json
from bubblescope.model.web import Web

__all__ = ["calibration_payload", "print_calibration", "show_calibration"]

_ABBREV = {"baseline": "base", "atlantic-crash": "atlantic", "gpu-spiral": "gpu",
           "big-short-rerating": "bigshort", "openai-shortfall": "openai", "boom": "boom"}


def show_calibration(web: Web, as_json: bool) -> None:
    """Run every preset on ``web`` and print the calibration table (or its JSON)."""
    table = calibrate(web)
    if as_json:
        print_json(calibration_payload(table))
    else:
        print_calibration(table)


def calibration_payload(table: CalibrationTable) -> dict[str, Any]:
    """The table as plain data: envelopes with their basis, then each preset's figures."""
    return {
        "envelopes": {k: {"label": e.metric.label, "unit": e.metric.unit,
                          "direction": e.metric.direction, "episodes": dict(e.episodes),
                          "worst": e.worst, "basis": dict(e.basis)}
                      for k, e in table.envelopes.items()},
        "presets": [{"preset": p.preset, "figures": dict(p.values),
                     "firm_drawdowns": dict(p.firms), "outside": list(p.outside),
                     "reasons": dict(p.reasons), "unexplained": list(p.unexplained)}
                    for p in table.presets],
    }


def print_calibration(table: CalibrationTable) -> None:
    """Print the table: one row per figure, one column per preset, then history's worst."""
    t = Table(title="Calibration: presets against the dot-com bust, 2008 and 2022 "
                    "(* outside history)")
    t.add_column("figure", no_wrap=True)
    for p in table.presets:
        t.add_column(_ABBREV.get(p.preset, p.preset), justify="right", no_wrap=True)
    t.add_column("history (worst)", justify="right", no_wrap=True)
    for m in METRICS:
        env = table.envelopes[m.key]
        cells = [_short(p.values.get(m.key, float("nan")), m.unit)
                 + ("*" if m.key in p.outside else "") for p in table.presets]
        t.add_row(SHORT[m.key], *cells, _short(env.worst, m.unit))
    console.print(t)
    console.print("History by episode (measured from the bundled series or cited; "
                  "docs/calibration.md):", highlight=False)
    for m in METRICS:
        env = table.envelopes[m.key]
        hist = "; ".join(f"{e} {format_value(v, m.unit)}" for e, v in env.episodes.items())
        console.print(f"  {m.label}: {hist}", highlight=False)
    firms = Table(title="Equity drawdown per firm, peak to trough")
    firms.add_column("firm", no_wrap=True)
    for p in table.presets:
        firms.add_column(_ABBREV.get(p.preset, p.preset), justify="right", no_wrap=True)
    for firm in table.presets[0].firms:
        firms.add_row(firm, *(f"{p.firms[firm]:.0%}" for p in table.presets))
    console.print(firms)
    for p in table.presets:
        for metric in p.outside:
            why = p.reasons.get(metric, "[bold red]no written reason[/]")
            console.print(f"{p.preset} / {metric}: {why}", highlight=False)


def _short(v: float, unit: str) -> str:
    if v == v and unit == "fraction":
        return f"{v:.0%}"
    if v == v and unit not in ("USD bn",):
        return f"{v:.1f}"
    return format_value(v, unit)
