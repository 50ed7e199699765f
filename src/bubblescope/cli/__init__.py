"""The command line: ``bubblescope run | size | signals | stress | data | report | serve``.

Exit codes: 0 ok, 2 bad input (:class:`DataError`, :class:`ScenarioError`, usage),
1 internal error.
"""

from __future__ import annotations

import sys

from bubblescope.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Run the CLI (console-script entry point)."""
    sys.exit(app_main())


def app_main(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return the exit code."""
    from bubblescope.cli.app import run_app

    return run_app(argv)
