"""LPPLS calibration: recovery of known parameters, filters, confidence, fast vs slow twin."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize

from bubblescope.model.errors import DataError, ScenarioError
from bubblescope.model.series import Series
from bubblescope.signals._lppls_kernels import sse_at
from bubblescope.signals.lppls import Filters, LpplsFit, SearchBox, confidence, fit_lppls, years
from bubblescope.signals.series import make_series


def _synthetic(n: int = 400, noise: float = 0.0, seed: int = 0) -> tuple[Series, float]:
    d = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-01") + n)
    t = years(d, d[0])
    tc = t[-1] + 0.08
    dt = tc - t
    lp = 5 - 0.8 * dt**0.6 + 0.05 * dt**0.6 * np.cos(9 * np.log(dt))
    lp += noise * np.random.default_rng(seed).standard_normal(n)
    return make_series("syn", d, np.exp(lp), "mem"), float(tc)


def _reference_sse(t: np.ndarray, y: np.ndarray, tc: float, m: float, w: float) -> float:
    """Slow twin of the slaved SSE: explicit design matrix and lstsq."""
    dt = np.abs(tc - t) + 1e-8
    X = np.column_stack([np.ones_like(t), dt**m, dt**m * np.cos(w * np.log(dt)),
                         dt**m * np.sin(w * np.log(dt))])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    return float(np.sum((y - X @ coef) ** 2))


def test_slaved_sse_matches_lstsq() -> None:
    s, tc = _synthetic(noise=0.01)
    t, y = years(s.dates, s.start), np.log(s.values)
    coef = np.zeros(4)
    for theta in [(tc, 0.6, 9.0), (tc + 0.3, 0.3, 5.0), (t[-1] - 0.01, 1.1, 20.0)]:
        fast = sse_at(t, y, 50, 400, *theta, coef)
        assert fast == pytest.approx(_reference_sse(t[50:], y[50:], *theta), rel=1e-7)


def test_recovers_parameters_without_noise() -> None:
    s, tc = _synthetic()
    f = fit_lppls(s, rng=np.random.default_rng(0), n_starts=8)
    assert f.converged
    assert f.sse < 1e-8
    assert f.tc == pytest.approx(tc, abs=1e-3)
    assert f.m == pytest.approx(0.6, abs=1e-2)
    assert f.omega == pytest.approx(9.0, abs=0.05)
    assert f.B < 0
    assert "converged" in str(f)
    assert f.damping > 0
    assert f.oscillations > 0


def test_fast_search_no_worse_than_scipy_twin() -> None:
    s, _ = _synthetic(noise=0.02, seed=3)
    t, y = years(s.dates, s.start), np.log(s.values)
    f = fit_lppls(s, rng=np.random.default_rng(1), n_starts=8)
    box = SearchBox().as_array()
    dt = t[-1] - t[0]
    lo = [t[-1] + box[0] * dt, box[2], box[4]]
    hi = [t[-1] + box[1] * dt, box[3], box[5]]
    rng = np.random.default_rng(2)
    best = np.inf
    for _ in range(8):
        x0 = rng.uniform(lo, hi)
        r = minimize(lambda p: _reference_sse(t, y, *p), x0, method="Nelder-Mead",
                     bounds=list(zip(lo, hi, strict=True)))
        best = min(best, float(r.fun))
    assert f.sse <= best * (1 + 1e-6)


def test_confidence_on_synthetic_bubble() -> None:
    s, tc = _synthetic(n=500, noise=0.002)
    ends = np.array([449, 499])
    c = confidence(s, rng=np.random.default_rng(0), ends=ends, lengths=np.arange(150, 451, 50),
                   n_random=1)
    assert c.params.shape == (2, 7, 7)
    assert c.qualified.shape == (2, 7)
    assert c.positive[-1] > 0.5
    assert c.negative[-1] == 0.0
    q = c.tc_quantiles()[-1]
    assert abs(q[1] - tc) < 0.1
    fit = c.fit(1, 6)
    assert isinstance(fit, LpplsFit)
    assert fit.n == 450
    assert fit.qualified(c.filters) == bool(
        c.qualified[1, 6])
    assert "LPPLS confidence" in str(c)


def test_confidence_none_qualified_prints() -> None:
    rng = np.random.default_rng(4)
    d = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-01") + 200)
    s = make_series("rw", d, np.exp(np.cumsum(0.01 * rng.standard_normal(200))), "mem")
    c = confidence(s, rng=rng, lengths=np.array([100, 150]),
                   filters=Filters(max_rel_error=1e-9))
    assert c.positive[-1] == 0
    assert "no qualified fit" in str(c)
    assert np.isnan(c.tc_quantiles()[-1]).all()


def test_bad_input() -> None:
    s, _ = _synthetic(n=100)
    with pytest.raises(DataError, match="at least 750"):
        confidence(s, rng=np.random.default_rng(0))
    with pytest.raises(ScenarioError, match="ends must lie"):
        confidence(s, rng=np.random.default_rng(0), ends=np.array([10]),
                   lengths=np.array([50]))
    neg = make_series("n", s.dates, -s.values, "mem")
    with pytest.raises(DataError, match="positive"):
        fit_lppls(neg, rng=np.random.default_rng(0))


def test_confidence_search_close_to_thorough_search() -> None:
    """The default per-window search (probe, 2 runs to convergence, polish) against a far more
    thorough search of the same box, on the lppls README data (Nasdaq 1994 .. 2000), windows
    35 .. 120 as in the benchmark. The pre-polish search (3 cells, grid 12×6×10, one run to
    convergence) fails this: within 0.1% in 79% of these 180 windows, worst ratio 1.45."""
    from bubblescope.signals.registry import load_named

    s = load_named("nasdaq").between("1994-01-03", "2000-03-10")
    ends = np.arange(119, len(s), 150)
    lengths = np.arange(35, 121, 5)
    ours = confidence(s, rng=np.random.default_rng(0), ends=ends, lengths=lengths).sse
    ref = confidence(s, rng=np.random.default_rng(1), ends=ends, lengths=lengths, n_top=20,
                     n_random=20, box=SearchBox(grid=(24, 10, 20)), max_eval=3000,
                     n_full=40, n_polish=3).sse
    ratio = ours / ref
    assert np.mean(ratio <= 1 + 1e-3) >= 0.85, np.round(ratio, 3)
    assert np.median(ratio) <= 1 + 1e-6
    assert ratio.max() < 1.3


def _busday_lppls(noise: float, n: int = 800) -> Series:
    d = np.busday_offset(np.datetime64("2020-01-01"), np.arange(n), roll="forward")
    t = years(d, d[0])
    dt = t[-1] + 0.1 - t
    lp = 5 - 0.8 * dt**0.5 * (1 + 0.06 * np.cos(8 * np.log(dt) + 1.0))
    lp += noise * np.random.default_rng(1).standard_normal(n)
    return make_series("syn", d, np.exp(lp), "mem")


def test_fco_confidence_high_on_noisy_synthetic_bubble() -> None:
    """The FCO indicator with its own windows (750 … 125 in 5s) on a known LPPLS bubble with
    2% daily noise: most windows qualify (measured 71%), so a 0% on real prices is not the
    machinery's doing."""
    c = confidence(_busday_lppls(0.02), rng=np.random.default_rng(0))
    assert c.positive[-1] > 0.5
    assert c.why_none() == ""
    shares = c.filter_shares()
    assert shares["damping"] == 1.0
    assert shares["B<0"] == 1.0


def test_fco_confidence_positive_at_the_dotcom_peak() -> None:
    """Nasdaq Composite on 2000-03-10 (its peak), FCO windows: 29% of windows qualify with
    B < 0 (measured); well after the crash (2001-06-01) none does."""
    from bubblescope.signals.registry import load_named

    s = load_named("nasdaq").between("1990-01-01", "2001-12-31")
    ends = np.searchsorted(s.dates, np.array(["2000-03-10", "2001-06-01"], dtype="datetime64[D]"))
    c = confidence(s, rng=np.random.default_rng(0), ends=ends)
    assert c.dates[0] == np.datetime64("2000-03-10")
    assert c.positive[0] > 0.15
    assert c.positive[1] == 0.0
    assert "passes every FCO filter" in c.why_none(1) or "negative bubble" in c.why_none(1)


def test_filter_shares_explain_qualified() -> None:
    s, _ = _synthetic(n=500, noise=0.002)
    c = confidence(s, rng=np.random.default_rng(0), ends=np.array([449, 499]),
                   lengths=np.arange(150, 451, 50), filters=Filters(min_damping=50.0))
    for i in range(2):
        shares = c.filter_shares(i)
        assert set(shares) == {"m", "omega", "tc", "oscillations", "damping", "rel_error", "B<0"}
        assert min(v for k, v in shares.items() if k != "B<0") >= c.qualified[i].mean()
    assert c.positive[-1] == 0
    assert c.filter_shares()["damping"] == 0.0
    why = c.why_none()
    assert why.startswith("no window of 7 passes every FCO filter")
    assert "damping 0%" in why
    assert why in str(c)


def _unit_sse(t: np.ndarray, y: np.ndarray, lo: int, hi: int, box: np.ndarray,
              x: np.ndarray) -> float:
    lo_hi = box.reshape(3, 2)
    th = lo_hi[:, 0] + x * (lo_hi[:, 1] - lo_hi[:, 0])
    return _reference_sse(t[lo:hi], y[lo:hi], *th)


def test_newton_system_matches_finite_differences() -> None:
    """Gradient and Hessian of the profiled SSE (the Newton step of the warm starts) against
    central differences of the slow lstsq twin, in the unit cube of a window's box."""
    from bubblescope.signals._lppls_kernels import _box, _lm_system, _sse_store

    s, _ = _synthetic(n=300, noise=0.01, seed=5)
    t, y = years(s.dates, s.start), np.log(s.values)
    lo, hi = 100, 300
    box = _box(t, lo, hi - 1, SearchBox().as_array())
    scale = box[1::2] - box[::2]
    for x in (np.array([0.7, 0.4, 0.3]), np.array([0.9, 0.8, 0.6]), np.array([0.6, 0.2, 0.8])):
        th = box[::2] + x * scale
        buf, coef = np.zeros((5, hi - lo)), np.zeros(4)
        sse = _sse_store(t, y, lo, hi, *th, buf, coef)
        assert sse == pytest.approx(_unit_sse(t, y, lo, hi, box, x), rel=1e-9)
        G, H, g = np.zeros((3, 3)), np.zeros((3, 3)), np.zeros(3)
        _lm_system(t, y, lo, hi, *th, buf, coef, scale, np.zeros((7, 7)), np.zeros(15), G, H, g)
        h, eye = 1e-4, np.eye(3)
        grad = [(_unit_sse(t, y, lo, hi, box, x + h * e) - _unit_sse(t, y, lo, hi, box, x - h * e))
                / (2 * h) for e in eye]
        hess = [[(_unit_sse(t, y, lo, hi, box, x + h * a + h * b)
                  - _unit_sse(t, y, lo, hi, box, x + h * a - h * b)
                  - _unit_sse(t, y, lo, hi, box, x - h * a + h * b)
                  + _unit_sse(t, y, lo, hi, box, x - h * a - h * b)) / (4 * h * h)
                 for b in eye] for a in eye]
        np.testing.assert_allclose(-2 * g, grad, rtol=1e-4, atol=1e-9)
        np.testing.assert_allclose(2 * H, hess, rtol=1e-3, atol=1e-6)
        assert np.all(np.linalg.eigvalsh(G) >= -1e-12)  # Gauss–Newton part: semi-definite


def test_newton_converges_to_the_true_parameters() -> None:
    """From a start inside the basin, the bounded Newton search reaches the noiseless
    optimum to machine precision in a handful of evaluations."""
    from bubblescope.signals._lppls_kernels import _box, _lm

    s, tc = _synthetic(n=400)
    t, y = years(s.dates, s.start), np.log(s.values)
    box = _box(t, 0, 399, SearchBox().as_array())
    truth = (np.array([tc, 0.6, 9.0]) - box[::2]) / (box[1::2] - box[::2])
    x = truth + np.array([0.02, -0.03, 0.01])
    state = np.array([1e-3, 0.0])
    sse, conv = _lm(t, y, 0, 400, box, x, 30, state, np.zeros((2, 5, 400)), np.zeros((7, 7)))
    assert conv
    assert sse < 1e-12
    np.testing.assert_allclose(x, truth, atol=1e-6)


def test_warm_starts_close_to_full_search() -> None:
    """Consecutive end dates (the lppls README's every-day run) take warm starts by default;
    their fits stay close to searching every end date in full (measured on these 1,800
    windows: sum of SSE +0.18%, 82% of windows at or below the full search's SSE, 92% within
    1%; on the README's whole run the sum is 0.01% lower, docs/benchmarks/signals.md)."""
    from bubblescope.signals.registry import load_named

    s = load_named("nasdaq").between("1994-01-03", "2000-03-10")
    ends = np.arange(600, 700)
    lengths = np.arange(35, 121, 5)
    warm = confidence(s, rng=np.random.default_rng(0), ends=ends, lengths=lengths)
    full = confidence(s, rng=np.random.default_rng(0), ends=ends, lengths=lengths, warm=0)
    strided = confidence(s, rng=np.random.default_rng(0), ends=ends[::25], lengths=lengths)
    np.testing.assert_array_equal(strided.sse, full.sse[::25])  # gaps > 5: no warm start
    np.testing.assert_array_equal(warm.sse[::25][:1], full.sse[:1])  # each run starts in full
    ratio = warm.sse / full.sse
    assert abs(warm.sse.sum() / full.sse.sum() - 1) < 5e-3, warm.sse.sum() / full.sse.sum()
    assert np.mean(ratio <= 1.01) >= 0.9, np.mean(ratio <= 1.01)
    assert warm.converged.mean() > 0.95
    assert not np.array_equal(warm.sse, full.sse)


def test_confidence_cache_hits_only_the_same_inputs(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The on-disk cache returns the stored fits for the same data and settings, and is
    missed by changed prices, settings or a damaged file (recomputed and rewritten)."""
    import bubblescope.signals.lppls as mod

    s, _ = _synthetic(n=300, noise=0.01)
    kw = {"ends": np.array([249, 299]), "lengths": np.array([100, 150, 200])}
    first = confidence(s, rng=np.random.default_rng(0), cache_dir=tmp_path, **kw)
    files = list(tmp_path.glob("lppls-*.npz"))
    assert len(files) == 1
    calls = []
    real = mod.nested_fits

    def counting(*args: object) -> None:
        calls.append(1)
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(mod, "nested_fits", counting)
    again = confidence(s, rng=np.random.default_rng(0), cache_dir=tmp_path, **kw)
    assert calls == []
    np.testing.assert_array_equal(again.params, first.params)
    np.testing.assert_array_equal(again.sse, first.sse)
    np.testing.assert_array_equal(again.qualified, first.qualified)
    moved = make_series("syn", s.dates, s.values * np.r_[np.ones(299), 1.01], "mem")
    confidence(moved, rng=np.random.default_rng(0), cache_dir=tmp_path, **kw)
    confidence(s, rng=np.random.default_rng(0), cache_dir=tmp_path, probe=20, **kw)
    assert len(calls) == 2
    assert len(list(tmp_path.glob("lppls-*.npz"))) == 3
    files[0].write_bytes(b"not a zip")
    fixed = confidence(s, rng=np.random.default_rng(0), cache_dir=tmp_path, **kw)
    assert len(calls) == 3
    np.testing.assert_array_equal(fixed.sse, first.sse)
    np.testing.assert_array_equal(np.load(files[0])["sse"], first.sse)
