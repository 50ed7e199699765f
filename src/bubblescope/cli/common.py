"""What every command shares: options, JSON output and the mapping of errors to exit codes."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console

import bubblescope
from bubblescope.model.jsonsafe import finite, plain
from bubblescope.model.tables import write_tables
from bubblescope.model.web import Web

__all__ = [
    "DB_ENV",
    "DbOption",
    "ExportOption",
    "JsonOption",
    "OutOption",
    "console",
    "default_db",
    "err_console",
    "export_tables",
    "load_web_dir",
    "print_json",
]

DB_ENV = "BUBBLESCOPE_DB"

console = Console()
err_console = Console(stderr=True)


def load_web_dir(web_dir: Path | str | None) -> Web:
    """The web in ``web_dir`` (``--web``), or the bundled default when none is given."""
    return bubblescope.load_default() if web_dir is None else bubblescope.load_web(str(web_dir))


def default_db() -> Path:
    """The store path: ``$BUBBLESCOPE_DB`` or ``./bubblescope.duckdb``."""
    return Path(os.environ.get(DB_ENV, "bubblescope.duckdb"))


DbOption = Annotated[
    Path | None,
    typer.Option("--db", help=f"DuckDB store file (default: ${DB_ENV} or ./bubblescope.duckdb)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
ExportOption = Annotated[Path | None, typer.Option(
    "--export", help="Write the result's tables to PATH: .csv, .parquet (one file per table) "
    "or .xlsx (one sheet per table); units are in the sheet and column names.",
    dir_okay=False, metavar="PATH")]


def export_tables(tables: Mapping[str, pd.DataFrame], path: Path | None) -> None:
    """Write ``tables`` to ``path`` (nothing when None) and say where, on stderr."""
    if path is None:
        return
    written = write_tables(tables, path)
    err_console.print(f"Exported {len(tables)} table(s) to "
                      f"{', '.join(str(p) for p in written)}", highlight=False)
OutOption = Annotated[Path, typer.Option("--out", help="Output directory for reports and plots.")]


def print_json(payload: Any) -> None:
    """Print ``payload`` as strict JSON on stdout (dates and arrays handled; NaN as null).

    >>> print_json({"stat": float("nan"), "cv": [1.5, float("inf")]})
    {
      "stat": null,
      "cv": [
        1.5,
        null
      ]
    }
    """
    typer.echo(json.dumps(finite(payload), default=plain, indent=2, allow_nan=False))
