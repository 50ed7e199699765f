"""The typer application and its top-level error handling."""

from __future__ import annotations

import dataclasses
import json
import sys
import traceback

import typer
from rich.text import Text

from bubblescope.cli import data, montecarlo, portfolio, run, serve, signals, size, stress, when
from bubblescope.cli.common import err_console
from bubblescope.model.errors import BubblescopeError, ConvergenceError, DataError, ScenarioError

__all__ = ["app", "run_app"]

app = typer.Typer(
    name="bubblescope",
    help="Measure and stress-test the AI bubble: how big, when it breaks, who gets hurt.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for module in (run, size, signals, when, stress, montecarlo, portfolio, data, serve):
    module.register(app)


def run_app(argv: list[str] | None = None) -> int:
    """Run the app and map outcomes to exit codes: 0 ok, 2 bad input, 1 internal error."""
    as_json = "--json" in (sys.argv[1:] if argv is None else argv)
    try:
        app(args=argv, prog_name="bubblescope", standalone_mode=True)
    except SystemExit as exc:  # typer/click end every standalone run this way
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except (DataError, ScenarioError) as exc:
        return _fail(exc, 2, as_json)
    except (ConvergenceError, BubblescopeError) as exc:
        return _fail(exc, 1, as_json)
    except Exception:  # the last line of defence: report, never swallow
        err_console.print("[bold red]internal error[/] (please report):")
        err_console.print(traceback.format_exc(), markup=False, highlight=False)
        return 1
    return 0


def _fail(exc: BubblescopeError, code: int, as_json: bool) -> int:
    """Report a known error on stderr and, with ``--json``, as JSON on stdout."""
    err_console.print(Text.assemble(("error: ", "bold red"), str(exc)), soft_wrap=True)
    if as_json:
        issues = ([dataclasses.asdict(i) for i in exc.issues]
                  if isinstance(exc, DataError | ScenarioError) else [])
        payload = {"error": {"kind": type(exc).__name__, "exit_code": code,
                             "message": str(exc), "issues": issues}}
        typer.echo(json.dumps(payload, indent=2))
    return code
