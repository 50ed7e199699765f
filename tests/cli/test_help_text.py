"""Help reads as plain text: no raw backticks, and every command has its help."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main

from bubblescope.cli import app_main
from bubblescope.cli.app import app


def _paths() -> list[list[str]]:
    root: Any = typer.main.get_command(app)
    out: list[list[str]] = [[]]
    for name, cmd in root.commands.items():
        out.append([name])
        out += [[name, sub] for sub in getattr(cmd, "commands", {})]
    return out


@pytest.mark.parametrize("path", _paths(), ids=lambda p: " ".join(p) or "bubblescope")
def test_help_has_no_raw_backticks(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert app_main([*path, "--help"]) == 0
    text = capsys.readouterr().out
    assert "Usage" in text
    assert "`" not in text
