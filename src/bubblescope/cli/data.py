"""`bubblescope data`: placeholder until its issue lands (owned by the data work)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the `data` command to ``app``."""
