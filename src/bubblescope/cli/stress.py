"""`bubblescope stress`: placeholder until its issue lands (owned by the stress work)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the `stress` command to ``app``."""
