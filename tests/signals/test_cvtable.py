"""The shipped critical-value table: its kernel, its lookup, its speed and its accuracy."""

from __future__ import annotations

import time

import numpy as np
import pytest

from bubblescope.model.errors import ScenarioError
from bubblescope.signals.critical import monte_carlo_cv
from bubblescope.signals.cvtable import (
    _sup_stats,
    load_table,
    p_value,
    simulate_window,
    table_applies,
    table_cv,
)
from bubblescope.signals.psy import PsyConfig, default_window, psy_statistics


def test_table_kernel_matches_the_psy_kernel() -> None:
    """The prefix-sum kernel that made the table gives the statistics of the tested kernel."""
    rng = np.random.default_rng(7)
    paths = np.cumsum(rng.standard_normal((3, 300)), axis=1)
    nodes = np.arange(25, 301)
    out = np.empty((3, 4, nodes.shape[0]))
    _sup_stats(paths, 25, nodes, out)
    for r in range(3):
        st = psy_statistics(paths[r], PsyConfig(window=25))
        np.testing.assert_allclose(out[r, 0], st.badf, atol=1e-9)
        np.testing.assert_allclose(out[r, 1], st.bsadf, atol=1e-9)
        np.testing.assert_allclose(out[r, 2], np.maximum.accumulate(st.badf), atol=1e-9)
        np.testing.assert_allclose(out[r, 3], np.maximum.accumulate(st.bsadf), atol=1e-9)
    with pytest.raises(ScenarioError, match="n_nodes"):
        simulate_window(25, np.array([20, 30]), 4, rng)


def test_table_lookup_is_instant_for_any_t_and_window() -> None:
    table_cv(100)  # load the table once
    t0 = time.perf_counter()
    for T, w in ((25_000, None), (25_000, 20), (20, None), (5_000, 400), (1_680, 90)):
        cv = table_cv(T, PsyConfig(window=w))
        assert cv.bsadf.shape == (3, T - cv.window + 1)
        assert cv.method == "table"
        assert np.all(np.diff(cv.gsadf) > 0)
        assert np.all(np.diff(cv.sadf) > 0)
        assert np.all(np.diff(cv.bsadf, axis=0) > 0)
        assert np.all(cv.gsadf >= cv.bsadf[:, -1] - 1e-9)  # GSADF is the max of BSADF
    assert time.perf_counter() - t0 < 2.0


def test_table_scope_and_p_values() -> None:
    assert table_applies(PsyConfig())
    assert not table_applies(PsyConfig(lag=1))
    assert not table_applies(PsyConfig(trend=True))
    with pytest.raises(ScenarioError, match="lag 0"):
        table_cv(300, PsyConfig(lag=2, ic="bic"))
    cv = table_cv(1680)
    assert p_value("gsadf", float(cv.gsadf[1]), 1680, 90) == pytest.approx(0.05, abs=1e-6)
    assert p_value("gsadf", float(cv.gsadf[0]), 1680, 90) == pytest.approx(0.10, abs=1e-6)
    assert p_value("gsadf", 10.0, 1680, 90) == pytest.approx(0.005)
    tab = load_table()
    assert tab.windows[0] <= 8
    assert tab.ratios[0] == 1.0
    assert "make_psy_tables.py" in tab.source


def _quantile_se(draws: np.ndarray, q: float) -> float:
    """Standard error of the q-quantile: sqrt(q(1-q)/R) / density, density by a difference."""
    h = 0.02
    lo, hi = np.quantile(draws, [q - h, min(q + h, 0.999)])
    dens = (min(q + h, 0.999) - (q - h)) / max(hi - lo, 1e-9)
    return float(np.sqrt(q * (1 - q) / draws.shape[0]) / dens)


@pytest.mark.slow
@pytest.mark.parametrize("T", [130, 260, 450])
def test_table_within_noise_of_a_fresh_simulation(T: int) -> None:
    """At three T that are not grid points (and windows that are not grid windows), the table
    agrees with a fresh 2,000-replication Monte Carlo within 3 standard errors of the
    difference (the fresh run's own error and the table's, at its replications)."""
    w = default_window(T)
    tab = load_table()
    assert w not in set(tab.windows[np.isfinite(tab.windows)].astype(int))
    reps = 2000
    rng = np.random.default_rng(20_000 + T)
    fresh = monte_carlo_cv(T, reps=reps, rng=rng)
    draws = simulate_window(w, np.array([T]), reps, np.random.default_rng(30_000 + T))
    cv = table_cv(T)
    table_reps = float(cv.reps)  # replications of the nearest simulated window
    for name, got, want, d in (("sadf", cv.sadf, fresh.sadf, draws[:, 2, 0]),
                               ("gsadf", cv.gsadf, fresh.gsadf, draws[:, 3, 0]),
                               ("bsadf", cv.bsadf[:, -1], fresh.bsadf[:, -1], draws[:, 1, 0])):
        for i, q in enumerate((0.90, 0.95, 0.99)):
            se = _quantile_se(d, q) * np.sqrt(1 + reps / table_reps)
            assert abs(got[i] - want[i]) < 3 * se, (name, q, got[i], want[i], se)
    # the whole BSADF sequence: mean absolute gap at 95% within the noise of one quantile
    gap = np.mean(np.abs(cv.bsadf[1] - fresh.bsadf[1]))
    assert gap < 2 * _quantile_se(draws[:, 1, 0], 0.95) * np.sqrt(1 + reps / table_reps)
