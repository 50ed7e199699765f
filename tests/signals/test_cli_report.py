"""Faces: the `signals` command and the report section / latest-signal summary."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bubblescope.cli import app_main
from bubblescope.report.signals import figure, section
from bubblescope.signals.critical import monte_carlo_cv
from bubblescope.signals.datestamp import psy_analysis
from bubblescope.signals.latest import LatestSignal, latest_signals, report_confidence
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


def test_section_gives_one_lppls_number_for_the_last_date() -> None:
    """The report's panel history uses coarse windows; at the last date the section gives
    and marks the standard reading (what `signals` and `run --json` print), not a second
    number from the panel's own windows."""
    s = load_named("nasdaq-dotcom").between("1997-01-01", "2001-12-31")
    cv = monte_carlo_cv(len(s), reps=20, rng=np.random.default_rng(0))
    res = psy_analysis(s, cv)
    last = len(s) - 1
    panel = confidence(s, rng=np.random.default_rng(0), ends=np.array([800, last]),
                       lengths=np.array([200, 400]))
    standard = confidence(s, rng=np.random.default_rng(0), lengths=np.array([150, 300, 450]))
    fig = figure(res, s, panel, latest=float(standard.positive[-1]))
    [marker] = [t for t in fig.data if "standard reading" in (t.name or "")]
    assert list(marker.y) == [float(standard.positive[-1])]
    assert str(marker.x[0]) == str(panel.dates[-1])
    html = section(res, s, panel, standard=standard).html
    assert f"At the last date ({standard.dates[-1]}) the standard reading" in html
    pos, neg = standard.positive[-1], standard.negative[-1]
    assert f"is positive {pos:.0%}, negative {neg:.0%}" in html
    assert "standard reading" not in section(res, s, panel).html


def test_latest_signals(tmp_path: Path) -> None:
    rows = latest_signals(["nvda", "sp500-pd"], None, cache_dir=tmp_path, lppls=False)
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


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    assert app_main([*argv, "--json"]) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


def test_cli_start_end_transform(capsys: pytest.CaptureFixture[str]) -> None:
    """PSY's sample (1871-01 .. 2010-12, levels of the P/D ratio) from the command line."""
    base = ["signals", "--series", "sp500-pd", "--end", "2010-12", "--reps", "20", "--no-lppls"]
    lv = _json(capsys, [*base, "--transform", "level"])
    assert (lv["observations"], lv["end"], lv["transform"]) == (1680, "2010-12-01", "level")
    assert lv["transform_source"] == "--transform"
    assert abs(lv["gsadf"]["value"] - 4.159) < 0.005  # type: ignore[index]
    lg = _json(capsys, [*base, "--transform", "log", "--start", "1900-01"])
    assert lg["transform"] == "log"
    assert lg["start"] == "1900-01-01"
    assert lg["gsadf"]["value"] != lv["gsadf"]["value"]  # type: ignore[index]
    assert app_main([*base, "--transform", "level"]) == 0
    assert "transform from --transform" in " ".join(capsys.readouterr().out.split())
    assert app_main([*base, "--transform", "sqrt"]) == 2
    assert app_main(["signals", "--series", "sp500-pd", "--start", "2030", "--reps", "20"]) == 2


def test_cli_trend_min_duration_bootstrap(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["signals", "--series", "us-house", "--lag", "0", "--ic", "fixed", "--no-lppls"]
    mc = _json(capsys, [*argv, "--reps", "30"])
    assert mc["critical_values"] == {"method": "monte-carlo", "reps": 30,  # type: ignore[comparison-overlap]
                                     "levels": [0.9, 0.95, 0.99]}
    assert mc["note"] is None
    assert mc["min_duration"] == 5
    wb = _json(capsys, [*argv, "--bootstrap", "40", "--trend", "--min-duration", "24"])
    assert wb["critical_values"]["method"] == "wild-bootstrap"  # type: ignore[index]
    assert wb["critical_values"]["reps"] == 40  # type: ignore[index]
    assert wb["trend"] is True
    assert wb["min_duration"] == 24
    assert wb["episodes"]  # the check below is not vacuous
    assert all(e["duration"] >= 24 for e in wb["episodes"])  # type: ignore[attr-defined]
    assert wb["gsadf"]["value"] != mc["gsadf"]["value"]  # type: ignore[index]
    assert app_main([*argv, "--bootstrap", "5"]) == 2


def test_us_house_default_lag_selection(capsys: pytest.CaptureFixture[str]) -> None:
    """us-house uses BIC up to 12 lags by default; the boom episode then ends before the crash."""
    out = _json(capsys, ["signals", "--series", "us-house", "--reps", "100", "--no-lppls"])
    assert (out["lag"], out["ic"]) == (12, "bic")
    assert "BIC" in str(out["note"])
    boom = [e for e in out["episodes"]  # type: ignore[attr-defined]
            if e["start"] < "2005-01-01" and (e["end"] is None or e["end"] > "2005-01-01")]
    assert len(boom) == 1
    assert boom[0]["end"] is not None
    assert boom[0]["end"] < "2007-07-01"
    assert app_main(["signals", "--series", "us-house", "--reps", "30", "--no-lppls"]) == 0
    assert "note: us-house defaults to BIC" in capsys.readouterr().out


def test_cli_bad_csv_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    two = tmp_path / "two.csv"
    two.write_text("date,Close\n2020-01-01,1\n2020-01-02,2\n")
    assert app_main(["signals", "--series", str(two), "--reps", "20"]) == 2
    err = capsys.readouterr().err
    assert "two.csv" in err
    assert "'Close' series too short: need at least 20" in err
    assert "2 observations" in err
    neg = tmp_path / "neg.csv"
    months = np.arange(np.datetime64("2015-01"), np.datetime64("2017-07"))
    neg.write_text("date,Close\n" + "".join(
        f"{m}-01,{-1.5 if i == 4 else i + 1}\n" for i, m in enumerate(months)))
    assert app_main(["signals", "--series", str(neg), "--reps", "20", "--window", "6"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "neg.csv line 6: 'Close' must be positive" in err  # the header is line 1
    assert "'-1.5'" in err
    assert "--transform level" in err


def test_report_confidence_panel() -> None:
    s = load_named("nasdaq-dotcom").between("1997-01-01", "2000-12-31")
    conf = report_confidence(s, step=150, lengths=np.array([250, 500]))
    assert conf is not None
    assert conf.dates.shape[0] == len(range(499, len(s), 150)) + 1  # plus the last date
    assert conf.dates[-1] == s.dates[-1]
    cv = monte_carlo_cv(len(s), reps=20, rng=np.random.default_rng(0))
    html = section(psy_analysis(s, cv), s, conf).html
    assert "LPPLS confidence indicator (FCO filters)" in html
    assert "Highest positive confidence" in html
    house = load_named("us-house")
    assert report_confidence(house) is None
    hcv = monte_carlo_cv(len(house), reps=20, rng=np.random.default_rng(0))
    text = section(psy_analysis(house, hcv), house, None).html
    assert "LPPLS confidence indicator: not computed (a daily series" in text
