"""Faces: the `signals` command and the report section / latest-signal summary."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bubblescope.cli import app_main
from bubblescope.report.signals import LatestSignal, latest_signals, section
from bubblescope.signals.critical import monte_carlo_cv
from bubblescope.signals.datestamp import psy_analysis
from bubblescope.signals.lppls import confidence
from bubblescope.signals.registry import load_named


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUBBLESCOPE_CACHE", str(tmp_path / "cache"))


def test_cli_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert app_main(["signals", "--series", "us-house", "--reps", "30", "--lag", "2"]) == 0
    out = capsys.readouterr().out
    assert "GSADF" in out
    assert "episodes" in out


def test_cli_json_with_lppls(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    d = np.arange(np.datetime64("2015-01-01"), np.datetime64("2015-01-01") + 800)
    y = np.exp(np.cumsum(np.random.default_rng(0).normal(0.001, 0.01, 800)))
    p.write_text("date,close\n" + "".join(f"{a},{b}\n" for a, b in zip(d, y, strict=True)))
    assert app_main(["signals", "--series", str(p), "--reps", "20", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["observations"] == 800
    assert payload["lppls"] is not None
    assert len(payload["gsadf"]["cv"]) == 3


def test_cli_bad_input_exit_codes(tmp_path: Path) -> None:
    assert app_main(["signals", "--series", "no-such-series", "--reps", "20"]) == 2
    assert app_main(["signals", "--series", "us-house", "--ic", "xx"]) == 2
    assert app_main(["signals", "--series", "nvda", "--data-dir", str(tmp_path)]) == 2


def test_section_html(tmp_path: Path) -> None:
    s = load_named("nasdaq-dotcom").between("1997-01-01", "2001-12-31")
    cv = monte_carlo_cv(len(s), reps=20, rng=np.random.default_rng(0))
    res = psy_analysis(s, cv)
    conf = confidence(s, rng=np.random.default_rng(0), ends=np.array([800, 1000]),
                      lengths=np.array([200, 400]))
    sec = section(res, s, conf)
    assert sec.key == "when"
    assert "BSADF" in sec.html
    assert "LPPLS" in sec.html
    assert section(res, s).html.count("plotly") >= 1


def test_latest_signals(tmp_path: Path) -> None:
    rows = latest_signals(["nvda", "us-house"], None, cache_dir=tmp_path, lppls=False)
    assert rows[0].missing is not None
    assert "not available" in str(rows[0])
    assert rows[1].missing is None
    assert isinstance(rows[1], LatestSignal)
    assert "BSADF" in str(rows[1])
    assert isinstance(rows[1].explosive, bool)


def test_latest_signals_ai(shared_data: Path, tmp_path: Path) -> None:
    rows = latest_signals(["nvda"], shared_data, cache_dir=tmp_path)
    assert rows[0].date is not None
    assert 0 <= rows[0].lppls_positive <= 1
    assert "LPPLS confidence" in str(rows[0])
