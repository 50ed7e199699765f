"""`bubblescope size`: placeholder until its issue lands (owned by the size work)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the `size` command to ``app``."""
