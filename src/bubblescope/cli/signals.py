"""`bubblescope signals`: placeholder until its issue lands (owned by the signals work)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the `signals` command to ``app``."""
