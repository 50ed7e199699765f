"""`bubblescope serve`: placeholder until its issue lands (owned by the serve work)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the `serve` command to ``app``."""
