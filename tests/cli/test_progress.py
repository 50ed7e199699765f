"""Progress for long work: plain periodic lines on stderr when stdout is not a terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bubblescope.cli import app_main
from bubblescope.cli.progress import PROGRESS_ENV, progress


def test_plain_lines_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROGRESS_ENV, "0")
    out = io.StringIO()
    with progress("critical values (300 reps, T=50)", 300, tty=False, stream=out) as tick:
        for done in (100, 200, 300):
            tick(done, 300)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("critical values (300 reps, T=50): 100/300 (33%), ")
    assert lines[2].startswith("critical values (300 reps, T=50): 300/300 (100%)")
    assert lines[-1].startswith("critical values (300 reps, T=50): done in ")


def test_short_work_stays_silent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROGRESS_ENV, "60")
    out = io.StringIO()
    with progress("x", 10, tty=False, stream=out) as tick:
        tick(10, 10)
    assert out.getvalue() == ""


def test_signals_simulation_reports_on_stderr(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A piped `signals --reps N` (stdout not a terminal) prints progress lines on stderr
    and keeps stdout pure JSON."""
    monkeypatch.setenv(PROGRESS_ENV, "0")
    monkeypatch.setenv("BUBBLESCOPE_CACHE", str(tmp_path))
    assert app_main(["signals", "--series", "us-house", "--lag", "0", "--ic", "fixed",
                     "--reps", "250", "--no-lppls", "--json"]) == 0
    cap = capsys.readouterr()
    assert cap.out.lstrip().startswith("{")
    assert "critical values (250 reps, T=312): 100/250 (40%)" in cap.err
