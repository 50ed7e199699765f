"""Date-stamping of episodes and the PSY analysis wrapper."""

from __future__ import annotations

import numpy as np
import pytest

from bubblescope.model.errors import DataError, ScenarioError
from bubblescope.signals.critical import monte_carlo_cv
from bubblescope.signals.datestamp import date_stamp, default_min_duration, psy_analysis, psy_input
from bubblescope.signals.psy import PsyConfig
from bubblescope.signals.series import make_series


def _bubble_series() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = 100 + np.cumsum(rng.standard_normal(160))
    y[100:130] = y[99] * np.exp(0.03 * np.arange(1, 31))
    y[130:] = y[129] * 0.7 + np.cumsum(rng.standard_normal(30))
    d = np.arange(np.datetime64("2000-01-01"), np.datetime64("2000-01-01") + 160)
    return d, y


def test_bubble_is_dated() -> None:
    d, y = _bubble_series()
    s = make_series("toy", d, y, "mem")
    cv = monte_carlo_cv(160, PsyConfig(window=25), reps=60, rng=np.random.default_rng(1))
    res = psy_analysis(s, cv, PsyConfig(window=25), transform="level", min_duration=5)
    assert any(np.datetime64("2000-04-05") <= e.start <= np.datetime64("2000-04-30")
               for e in res.episodes)
    ep = max(res.episodes, key=lambda e: e.duration)
    assert ep.peak == np.datetime64("2000-01-01") + 129
    assert not ep.ongoing
    assert "episodes" in str(res)
    assert isinstance(res.explosive_now, bool)


def test_log_transform_and_errors() -> None:
    d, y = _bubble_series()
    s = make_series("toy", d, y, "mem")
    cv = monte_carlo_cv(160, PsyConfig(window=25), reps=20, rng=np.random.default_rng(1))
    res = psy_analysis(s, cv, PsyConfig(window=25))
    assert res.transform == "log"
    assert res.stats.bsadf.shape == (136,)
    with pytest.raises(ScenarioError, match="transform"):
        psy_analysis(s, cv, PsyConfig(window=25), transform="sqrt")
    with pytest.raises(ScenarioError, match="critical values are for"):
        psy_analysis(s, cv, PsyConfig(window=30))
    neg = make_series("neg", d, y - 200, "mem")
    with pytest.raises(DataError, match="positive"):
        psy_analysis(neg, cv, PsyConfig(window=25))
    short = make_series("short", d[:10], y[:10], "mem")
    with pytest.raises(DataError, match="at least"):
        psy_analysis(short, cv)


def test_date_stamp_runs_and_ongoing() -> None:
    d = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-09"))
    st = np.array([2.0, 2, 0, 2, 2, 2, 0, 2])
    eps = date_stamp(d, np.arange(8.0), st, np.ones(8), 3)
    assert len(eps) == 1
    assert eps[0].duration == 3
    assert default_min_duration(2) == 1


def test_psy_input_names_the_length_rule() -> None:
    d = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-03-01"))
    s = make_series("s", d, np.linspace(1.0, 2.0, d.shape[0]), "s.csv")
    with pytest.raises(DataError, match=r"s.csv: 'value' series too short: need at least 70 "
                                         r"observations for window 70 \(lag 0\)"):
        psy_input(s, PsyConfig(window=70), "log")
    assert psy_input(s, PsyConfig(), "level")[0] == 1.0
    assert psy_input(s, PsyConfig(), "log")[-1] == pytest.approx(np.log(2.0))
