"""Golden outputs of the stress engine: the layout may move code, never a number.

The JSON of ``bubblescope stress --scenario NAME --json`` for every preset and of the
Monte Carlo ``stress --scenario atlantic-crash --paths 2000 --seed 7 --json`` (minus the run
id and the backend, which name the run, not its result) must match the files in
``tests/stress/goldens/`` exactly: parsed floats compare bit for bit.

A change that is *meant* to move the numbers (new crash economics) regenerates them with::

    .venv/bin/python -m pytest -p no:cacheprovider tests/stress/test_goldens.py --regen-goldens

and says in its commit message which numbers moved and why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bubblescope.cli.app import app
from bubblescope.stress import PRESETS

GOLDENS = Path(__file__).parent / "goldens"
#: Fields that name a run rather than describe its result.
VOLATILE = ("run_id", "backend")
CASES: dict[str, list[str]] = {
    **{name: ["stress", "--scenario", name, "--json"] for name in PRESETS},
    "atlantic-crash-mc2000-seed7": ["stress", "--scenario", "atlantic-crash", "--paths", "2000",
                                    "--seed", "7", "--json", "--no-store"],
}


def produce(args: list[str]) -> dict[str, Any]:
    """Run the CLI on ``args`` and return its JSON without the volatile fields."""
    res = CliRunner().invoke(app, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    payload: dict[str, Any] = json.loads(res.stdout)
    return {k: v for k, v in payload.items() if k not in VOLATILE}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_golden(name: str, request: pytest.FixtureRequest, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUBBLESCOPE_CACHE", str(tmp_path / "cache"))
    got = produce(CASES[name])
    path = GOLDENS / f"{name}.json"
    if request.config.getoption("--regen-goldens"):
        path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    want = json.loads(path.read_text(encoding="utf-8"))
    assert got == want, f"{name}: output differs from {path.name} (see this module's docstring)"
