"""Critical values: Monte Carlo (with its disk cache) and the wild bootstrap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bubblescope.model.errors import ScenarioError
from bubblescope.signals.critical import monte_carlo_cv, wild_bootstrap_cv
from bubblescope.signals.psy import PsyConfig


def test_monte_carlo_cache_roundtrip(tmp_path: Path) -> None:
    cfg = PsyConfig(window=15)
    a = monte_carlo_cv(50, cfg, reps=40, rng=np.random.default_rng(1), cache_dir=tmp_path)
    files = list(tmp_path.glob("psy-mc-*T50-w15-lag0-fixed-c-r40.npz"))
    assert len(files) == 1
    b = monte_carlo_cv(50, cfg, reps=40, rng=np.random.default_rng(99), cache_dir=tmp_path)
    np.testing.assert_array_equal(a.bsadf, b.bsadf)
    assert b.reps == 40
    assert b.method == "monte-carlo"
    assert "GSADF" in str(b)
    c = monte_carlo_cv(50, cfg, reps=40, rng=np.random.default_rng(99))
    assert not np.array_equal(a.gsadf, c.gsadf)


def test_monotone_levels_and_progress() -> None:
    seen: list[int] = []
    cv = monte_carlo_cv(60, PsyConfig(window=15, lag=1), reps=150,
                        rng=np.random.default_rng(2), progress=lambda d, t: seen.append(d))
    assert seen == [100, 150]
    assert np.all(np.diff(cv.gsadf) > 0)
    assert np.all(np.diff(cv.sadf) > 0)
    assert cv.bsadf.shape == (3, 46)
    assert cv.index(0.99) == 2
    with pytest.raises(ScenarioError, match="level must be"):
        cv.index(0.5)


def test_reps_validation() -> None:
    with pytest.raises(ScenarioError, match="reps"):
        monte_carlo_cv(50, reps=5, rng=np.random.default_rng(0))
    with pytest.raises(ScenarioError, match="reps"):
        wild_bootstrap_cv(np.arange(50.0), reps=5, rng=np.random.default_rng(0))


@pytest.mark.parametrize("lag", [0, 2])
def test_wild_bootstrap_shape_and_fresh_draws(lag: int) -> None:
    rng = np.random.default_rng(3)
    e = rng.standard_normal(120) * np.where(np.arange(120) < 60, 1.0, 4.0)  # heteroskedastic
    y = np.cumsum(e)
    cfg = PsyConfig(window=20, lag=lag)
    cv = wild_bootstrap_cv(y, cfg, reps=60, rng=np.random.default_rng(4))
    assert cv.method == "wild-bootstrap"
    assert cv.bsadf.shape == (3, 101)
    assert np.all(np.diff(cv.gsadf) >= 0)
    cv2 = wild_bootstrap_cv(y, cfg, reps=60, rng=np.random.default_rng(5))
    assert not np.array_equal(cv.gsadf, cv2.gsadf)
