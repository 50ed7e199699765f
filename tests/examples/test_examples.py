"""The examples run: each percent-format script in examples/ is executed, not imported."""

from __future__ import annotations

import runpy
from pathlib import Path

import pandas as pd
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))


def test_every_example_is_listed_in_the_readme() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert SCRIPTS == ["outside_tracker.py", "portfolio.py", "three_questions.py"]
    for name in SCRIPTS:
        assert f"`{name}`" in readme


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_executes(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BUBBLESCOPE_EXAMPLES_OUT", str(tmp_path))
    monkeypatch.setenv("BUBBLESCOPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    out = capsys.readouterr().out
    assert out.strip()
    if name == "portfolio.py":
        sheets = pd.read_excel(tmp_path / "insurer_book.xlsx", sheet_name=None)
        assert len(sheets["positions_usd_bn"]) == 9
    if name == "three_questions.py":
        assert "How big" in out
        assert (tmp_path / "atlantic_crash.xlsx").exists()
    if name == "outside_tracker.py":
        assert "6 legs → 5 contracts" in out
