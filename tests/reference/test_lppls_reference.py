"""LPPLS on the dot-com Nasdaq (Filimonov & Sornette 2013 calibration).

Source: the README example of the MIT-licensed ``lppls`` package, Nasdaq Composite
1994-01-03 .. 2000-03-10 (closing peak 5048.62 on 2000-03-10). A fit over the whole window,
best of many restarts, puts t_c within a month of the peak with 0 < m < 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bubblescope.cli import app_main
from bubblescope.signals.lppls import fit_lppls
from bubblescope.signals.registry import load_named


def test_nasdaq_dotcom_tc_within_a_month() -> None:
    s = load_named("nasdaq").between("1994-01-03", "2000-03-10")
    assert s.values[-1] == 5048.62
    fit = fit_lppls(s, rng=np.random.default_rng(0), n_starts=32)
    days = abs(int((fit.tc_date - np.datetime64("2000-03-10")).astype(np.int64)))
    assert days <= 31, str(fit)
    assert 0 < fit.m < 1
    assert fit.B < 0
    assert fit.converged


def test_cli_lppls_fit_tc(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`bubblescope signals --series nasdaq-dotcom --end 2000-03-10 --lppls-fit` gives the
    same window and t_c within a month of the peak."""
    monkeypatch.setenv("BUBBLESCOPE_CACHE", str(tmp_path))
    assert app_main(["signals", "--series", "nasdaq-dotcom", "--end", "2000-03-10",
                     "--lppls-fit", "--no-lppls", "--reps", "20", "--json"]) == 0
    fit = json.loads(capsys.readouterr().out)["lppls_fit"]
    assert (fit["start"], fit["end"]) == ("1994-01-03", "2000-03-10")
    days = abs(int((np.datetime64(fit["tc_date"]) - np.datetime64("2000-03-10")).astype(int)))
    assert days <= 31
    assert fit["converged"]
    assert fit["B"] < 0
