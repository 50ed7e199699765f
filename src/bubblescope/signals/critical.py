"""Critical values of the PSY tests: Monte Carlo under a random walk, and the wild bootstrap.

* :func:`monte_carlo_cv` simulates ``y_t = y_{t-1} + ε_t``, ``ε_t ~ N(0, 1)`` (a driftless
  random walk) and takes quantiles of SADF, GSADF and, point by point, of the BADF and
  BSADF sequences. Results are cached on disk (``cache_dir``, chosen by the face) by
  (T, window, lag, ic, trend, replications).
* :func:`wild_bootstrap_cv` is the heteroskedasticity-robust bootstrap of Phillips & Shi
  (2020): fit the null model Δy_t = μ + Σ ψ_i Δy_{t-i} + e_t, then rebuild each resample from
  Δy*_t = Σ ψ̂_i Δy*_{t-i} + w_t·ê_{l_t}, with ``w_t ~ N(0, 1)`` and residual indices
  ``l_t`` drawn afresh for every resample (as in the authors' ``psymonitor`` code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numba
import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.model.atomic import write_file
from bubblescope.model.errors import ScenarioError
from bubblescope.signals.psy import _IC_CODE, PsyConfig, _sup_adf

__all__ = ["LEVELS", "CriticalValues", "Progress", "monte_carlo_cv", "wild_bootstrap_cv"]

LEVELS: tuple[float, ...] = (0.90, 0.95, 0.99)
Progress = Callable[[int, int], None]
Method = Literal["table", "monte-carlo", "wild-bootstrap"]
_CHUNK = 100
_CACHE_VERSION = 1
#: Simulated critical values shipped with the package for registry series whose lag rule the
#: table does not cover (files named as in the cache; made by scripts/make_psy_tables.py).
BUNDLED_CV_DIR = Path(__file__).resolve().parents[1] / "data" / "cv"


@dataclass(frozen=True, eq=False)
class CriticalValues:
    """Quantiles of the PSY statistics under the null of a unit root.

    ``sadf`` and ``gsadf`` have shape (len(levels),); ``badf`` and ``bsadf`` have shape
    (len(levels), T - window + 1) and are aligned with
    :class:`~bubblescope.signals.psy.PsyStatistics`.
    """

    method: Method
    T: int
    window: int
    config: PsyConfig
    reps: int
    levels: tuple[float, ...]
    sadf: FloatArray
    gsadf: FloatArray
    badf: FloatArray
    bsadf: FloatArray

    def index(self, level: float) -> int:
        """Position of ``level`` in :attr:`levels`."""
        for i, lv in enumerate(self.levels):
            if abs(lv - level) < 1e-9:
                return i
        raise ScenarioError(f"level must be one of {self.levels}, got {level}")

    def __str__(self) -> str:
        q = ", ".join(f"{lv:.0%}" for lv in self.levels)
        return (f"Critical values ({self.method}, {self.reps} replications, T={self.T}, "
                f"window={self.window}, lag={self.config.lag}) at {q}: "
                f"SADF {np.array2string(self.sadf, precision=3)}, "
                f"GSADF {np.array2string(self.gsadf, precision=3)}")


def monte_carlo_cv(
    T: int,
    config: PsyConfig | None = None,
    *,
    reps: int = 2000,
    rng: np.random.Generator,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> CriticalValues:
    """Simulate PSY critical values under a driftless Gaussian random walk.

    Parameters
    ----------
    T : int
        Sample length.
    config : PsyConfig, optional
        Window, lag, ic and trend (as used on the data).
    reps : int
        Monte Carlo replications (2,000 gives about ±0.05 at the 95% level).
    rng : numpy.random.Generator
        Source of the innovations (unused on a cache hit).
    cache_dir : Path, optional
        Directory for the on-disk cache, supplied by the face; ``None`` disables it. Files
        shipped in :data:`BUNDLED_CV_DIR` are read first.
    progress : callable(done, total), optional
        Called after each chunk of replications.

    Examples
    --------
    >>> cv = monte_carlo_cv(60, PsyConfig(window=20), reps=20, rng=np.random.default_rng(1))
    >>> cv.bsadf.shape, bool(cv.gsadf[2] >= cv.gsadf[0])
    ((3, 41), True)
    """
    cfg = PsyConfig() if config is None else config
    w = cfg.validate(T)
    if reps < 10:
        raise ScenarioError(f"reps must be >= 10, got {reps}")
    name = _cache_name(T, w, cfg, reps)
    if (BUNDLED_CV_DIR / name).is_file():
        return _load(BUNDLED_CV_DIR / name, cfg)
    path = None if cache_dir is None else cache_dir / name
    if path is not None and path.is_file():
        return _load(path, cfg)

    def draw(n: int) -> FloatArray:
        return np.cumsum(rng.standard_normal((n, T)), axis=1)

    badf, bsadf = _simulate(draw, T, w, cfg, reps, progress)
    cv = _summarise("monte-carlo", T, w, cfg, badf, bsadf)
    if path is not None:
        _save(path, cv)
    return cv


def wild_bootstrap_cv(
    y: FloatArray,
    config: PsyConfig | None = None,
    *,
    reps: int = 499,
    rng: np.random.Generator,
    progress: Progress | None = None,
) -> CriticalValues:
    """Critical values by the wild bootstrap of Phillips & Shi (2020).

    Parameters
    ----------
    y : ndarray of float64, shape (T,)
        The observed series (as tested).
    config : PsyConfig, optional
        The lag is used for the null model (with ``ic`` the selected lag of the full
        sample); window and trend as in the test.
    reps : int
        Bootstrap resamples; each gets fresh weights and residual draws.
    rng : numpy.random.Generator

    Notes
    -----
    ``gsadf`` quantiles are those of max_{r2} BSADF*(r2) over the whole sample, the
    family-wise critical value PS (2020) propose for date-stamping in place of the
    point-wise sequence.
    """
    cfg = PsyConfig() if config is None else config
    y = np.asarray(y, dtype=np.float64)
    T = y.shape[0]
    w = cfg.validate(T)
    if reps < 10:
        raise ScenarioError(f"reps must be >= 10, got {reps}")
    psi, resid = _null_fit(y, cfg.lag)
    dy = np.diff(y)

    def draw(n: int) -> FloatArray:
        idx = rng.integers(0, resid.shape[0], size=(n, T - 1))
        shocks = rng.standard_normal((n, T - 1)) * resid[idx]
        return _rebuild(y[0], dy[: psi.shape[0]], psi, shocks)

    badf, bsadf = _simulate(draw, T, w, cfg, reps, progress)
    return _summarise("wild-bootstrap", T, w, cfg, badf, bsadf)


def _simulate(draw: Callable[[int], FloatArray], T: int, w: int, cfg: PsyConfig, reps: int,
              progress: Progress | None) -> tuple[FloatArray, FloatArray]:
    badf = np.empty((reps, T - w + 1))
    bsadf = np.empty((reps, T - w + 1))
    for start in range(0, reps, _CHUNK):
        stop = min(start + _CHUNK, reps)
        paths = np.ascontiguousarray(draw(stop - start))
        _batch(paths, w, cfg.lag, _IC_CODE[cfg.ic], int(cfg.trend),
               badf[start:stop], bsadf[start:stop])
        if progress is not None:
            progress(stop, reps)
    return badf, bsadf


@numba.njit(parallel=True, cache=True)
def _batch(paths: FloatArray, window: int, lag: int, ic_code: int, trend: int,
           badf: FloatArray, bsadf: FloatArray) -> None:  # pragma: no cover - numba
    """BADF/BSADF rows for each path; ``paths`` (n, T) → ``badf``, ``bsadf`` (n, T-w+1)."""
    for r in numba.prange(paths.shape[0]):
        _sup_adf(paths[r], window, lag, ic_code, trend, badf[r], bsadf[r])


def _summarise(method: Method, T: int, w: int, cfg: PsyConfig, badf: FloatArray,
               bsadf: FloatArray) -> CriticalValues:
    q = np.asarray(LEVELS)
    return CriticalValues(
        method, T, w, cfg, int(badf.shape[0]), LEVELS,
        np.nanquantile(np.nanmax(badf, axis=1), q), np.nanquantile(np.nanmax(bsadf, axis=1), q),
        np.nanquantile(badf, q, axis=0), np.nanquantile(bsadf, q, axis=0))


def _null_fit(y: FloatArray, lag: int) -> tuple[FloatArray, FloatArray]:
    """Fit Δy_t = μ + Σ_{i<=lag} ψ_i Δy_{t-i} + e_t; return ψ̂ (lag,) and ê (T-1-lag,)."""
    dy = np.diff(y)
    t = np.arange(lag, dy.shape[0])
    X = np.column_stack([np.ones(t.shape[0])] + [dy[t - i] for i in range(1, lag + 1)])
    coef, *_ = np.linalg.lstsq(X, dy[t], rcond=None)
    return np.asarray(coef[1:], dtype=np.float64), dy[t] - X @ coef


def _rebuild(y0: float, dy_init: FloatArray, psi: FloatArray, shocks: FloatArray) -> FloatArray:
    """Levels (n, T) from ``shocks`` (n, T-1) through the AR(lag) recursion in differences."""
    n, m = shocks.shape
    p = psi.shape[0]
    dyb = np.empty((n, m))
    dyb[:, :p] = dy_init
    for i in range(p, m):
        dyb[:, i] = shocks[:, i] + dyb[:, i - p:i][:, ::-1] @ psi
    out = np.empty((n, m + 1))
    out[:, 0] = y0
    out[:, 1:] = y0 + np.cumsum(dyb, axis=1)
    return out


def _cache_name(T: int, w: int, cfg: PsyConfig, reps: int) -> str:
    det = "ct" if cfg.trend else "c"
    return f"psy-mc-v{_CACHE_VERSION}-T{T}-w{w}-lag{cfg.lag}-{cfg.ic}-{det}-r{reps}.npz"


def _save(path: Path, cv: CriticalValues) -> None:
    write_file(path, lambda tmp: np.savez(
        tmp, sadf=cv.sadf, gsadf=cv.gsadf, badf=cv.badf, bsadf=cv.bsadf,
        meta=np.array([cv.T, cv.window, cv.reps])))


def _load(path: Path, cfg: PsyConfig) -> CriticalValues:
    with np.load(path, allow_pickle=False) as z:
        T, w, reps = (int(v) for v in z["meta"])
        return CriticalValues("monte-carlo", T, w, cfg, reps, LEVELS, z["sadf"], z["gsadf"],
                              z["badf"], z["bsadf"])
