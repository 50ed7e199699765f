"""PSY statistics: the fast kernel against its one-regression-at-a-time twin, and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.model.errors import ScenarioError
from bubblescope.signals.psy import (
    PsyConfig,
    adf,
    bsadf_reference,
    default_window,
    psy_statistics,
)

CONFIGS = [
    PsyConfig(window=12),
    PsyConfig(window=12, lag=2),
    PsyConfig(window=14, lag=3, ic="aic"),
    PsyConfig(window=14, lag=2, ic="bic", trend=True),
    PsyConfig(window=12, trend=True),
]


@pytest.mark.parametrize("cfg", CONFIGS)
def test_fast_equals_reference(cfg: PsyConfig) -> None:
    y = np.cumsum(np.random.default_rng(5).standard_normal(45)) + 3.0
    fast, ref = psy_statistics(y, cfg), bsadf_reference(y, cfg)
    np.testing.assert_allclose(fast.bsadf, ref.bsadf, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fast.badf, ref.badf, rtol=1e-9, atol=1e-9)
    assert fast.gsadf == pytest.approx(ref.gsadf)


def test_full_sample_adf_matches_last_badf() -> None:
    y = np.cumsum(np.random.default_rng(2).standard_normal(80))
    st_ = psy_statistics(y, PsyConfig(window=20, lag=1))
    assert st_.adf == pytest.approx(adf(y, lag=1))
    assert "GSADF" in str(st_)


def test_explosive_series_is_detected() -> None:
    rng = np.random.default_rng(0)
    y = np.cumsum(rng.standard_normal(200))
    y[150:] = y[149] + np.cumsum(np.exp(0.05 * np.arange(50)))  # an explosive tail
    st_ = psy_statistics(y)
    assert st_.gsadf > 3
    assert st_.bsadf[-1] > 3


def test_flat_windows_are_skipped() -> None:
    y = np.concatenate([np.ones(30), np.cumsum(np.random.default_rng(1).standard_normal(30))])
    for cfg in (PsyConfig(window=10), PsyConfig(window=10, lag=1)):
        st_ = psy_statistics(y, cfg)
        assert np.isnan(st_.badf[0])
        assert np.isfinite(st_.gsadf)
        ref = bsadf_reference(y, cfg)
        np.testing.assert_allclose(st_.bsadf, ref.bsadf, rtol=1e-8, equal_nan=True)


def test_default_window_and_validation() -> None:
    assert default_window(1680) == 90
    y = np.arange(50.0)
    with pytest.raises(ScenarioError, match="lag must be"):
        psy_statistics(y, PsyConfig(lag=-1))
    with pytest.raises(ScenarioError, match=r"window 4 is too small for lag 0.*at least 5"):
        psy_statistics(y, PsyConfig(window=4))
    with pytest.raises(ScenarioError, match=r"default window .* = 12 for T = 48 is too small "
                                            "for lag 12"):
        psy_statistics(y[:48], PsyConfig(lag=12))
    with pytest.raises(ScenarioError, match="series too short: window 60 is longer than the 50"):
        psy_statistics(y, PsyConfig(window=60))
    with pytest.raises(ScenarioError, match="ic must be"):
        psy_statistics(y, PsyConfig(ic="xyz"))  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(0.01, 100.0), shift=st.floats(-50.0, 50.0),
       seed=st.integers(0, 2**16))
def test_invariant_to_scale_and_shift(scale: float, shift: float, seed: int) -> None:
    y = np.cumsum(np.random.default_rng(seed).standard_normal(60))
    a = psy_statistics(y, PsyConfig(window=15))
    b = psy_statistics(scale * y + shift, PsyConfig(window=15))
    np.testing.assert_allclose(a.bsadf, b.bsadf, rtol=1e-6, atol=1e-6)
    assert a.sadf == pytest.approx(b.sadf, rel=1e-6, abs=1e-6)


@settings(max_examples=20, deadline=None)
@given(T=st.integers(30, 120), lag=st.integers(0, 3), seed=st.integers(0, 1000))
def test_bsadf_length_and_dominance(T: int, lag: int, seed: int) -> None:
    y = np.cumsum(np.random.default_rng(seed).standard_normal(T))
    cfg = PsyConfig(lag=lag, window=max(default_window(T), lag + 6))
    st_ = psy_statistics(y, cfg)
    assert st_.bsadf.shape == (T - st_.window + 1,)
    assert np.all(st_.bsadf >= st_.badf - 1e-12)
    assert st_.gsadf >= st_.sadf - 1e-12
