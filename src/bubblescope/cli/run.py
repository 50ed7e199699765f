"""`bubblescope run`: placeholder, written next."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the `run` command to ``app``."""
