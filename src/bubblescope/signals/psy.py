"""Right-tailed unit-root tests of Phillips, Shi & Yu (2015): ADF, SADF, GSADF, BADF, BSADF.

For a sub-sample ``y[r1..r2]`` (inclusive) the ADF regression is

    Δy_t = α (+ δ·t) + β·y_{t-1} + Σ_{i=1..p} φ_i·Δy_{t-i} + ε_t,   t = r1+1+p .. r2,

and ``ADF(r1, r2)`` is the t-statistic of β. With minimum window ``w``:

* ``BADF(r2) = ADF(0, r2)``, ``SADF = max_{r2} BADF(r2)``;
* ``BSADF(r2) = max_{0 <= r1 <= r2-w+1} ADF(r1, r2)``, ``GSADF = max_{r2} BSADF(r2)``.

The fast kernel fixes ``r1`` and grows ``r2`` one row at a time, updating the moment
matrix Z'Z of ``z_t = (1, t, y_{t-1}, Δy_{t-1..t-p}, Δy_t)`` (a rank-one update), then reads
every nested lag model from one Cholesky factor: O(T²·k²) work for all (r1, r2) pairs
instead of O(T³·k) for one regression at a time (:func:`bsadf_reference`, the twin).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numba
import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError

__all__ = [
    "IC",
    "PsyConfig",
    "PsyStatistics",
    "adf",
    "bsadf_reference",
    "default_window",
    "psy_statistics",
]

IC = Literal["fixed", "aic", "bic"]
_IC_CODE: dict[str, int] = {"fixed": 0, "aic": 1, "bic": 2}


@dataclass(frozen=True)
class PsyConfig:
    """Settings of the PSY family of tests.

    Parameters
    ----------
    window : int or None
        Minimum window (observations); ``None`` uses :func:`default_window`.
    lag : int
        The lag order p when ``ic == "fixed"``; the largest lag tried otherwise.
    ic : {"fixed", "aic", "bic"}
        Fixed lag, or per-window lag selection by AIC/BIC on a common sample.
    trend : bool
        Add a linear trend to the constant.
    """

    window: int | None = None
    lag: int = 0
    ic: IC = "fixed"
    trend: bool = False

    def resolved_window(self, T: int) -> int:
        """The minimum window for a sample of ``T`` observations."""
        return default_window(T) if self.window is None else self.window

    def validate(self, T: int) -> int:
        """Check the settings against ``T`` and return the minimum window."""
        w = self.resolved_window(T)
        if self.lag < 0:
            raise ScenarioError(f"lag must be >= 0, got {self.lag}")
        if self.ic not in _IC_CODE:
            raise ScenarioError(f"ic must be one of {sorted(_IC_CODE)}, got {self.ic!r}")
        need = self.lag + int(self.trend) + 5
        if w < need:
            which = (f"the default window floor((0.01 + 1.8/sqrt(T))*T) = {w} for T = {T}"
                     if self.window is None else f"window {w}")
            raise ScenarioError(
                f"{which} is too small for lag {self.lag}{' with trend' if self.trend else ''}:"
                f" each ADF regression needs at least {need} observations; use a longer series,"
                f" a smaller lag or a window >= {need}")
        if w > T:
            raise ScenarioError(f"series too short: window {w} is longer than the {T} "
                                "observations of the sample")
        return w


@dataclass(frozen=True, eq=False)
class PsyStatistics:
    """BADF and BSADF sequences of one series, and the derived scalar statistics.

    ``badf`` and ``bsadf`` have shape (T - window + 1,); entry j belongs to the end point
    ``r2 = window - 1 + j`` (0-based). A window whose regressors are collinear (a flat
    stretch of prices) has an undefined statistic and is skipped in the maxima.
    """

    T: int
    window: int
    config: PsyConfig
    badf: FloatArray
    bsadf: FloatArray

    @property
    def adf(self) -> float:
        """ADF statistic of the whole sample."""
        return float(self.badf[-1])

    @property
    def sadf(self) -> float:
        """Sup ADF (Phillips, Wu & Yu 2011)."""
        return float(np.nanmax(self.badf))

    @property
    def gsadf(self) -> float:
        """Generalised sup ADF (Phillips, Shi & Yu 2015)."""
        return float(np.nanmax(self.bsadf))

    def __str__(self) -> str:
        c = self.config
        return (f"PSY statistics (T={self.T}, window={self.window}, lag={c.lag} {c.ic}, "
                f"{'constant+trend' if c.trend else 'constant'}): ADF {self.adf:.3f}, "
                f"SADF {self.sadf:.3f}, GSADF {self.gsadf:.3f}")


def default_window(T: int) -> int:
    """Return PSY's minimum window floor((0.01 + 1.8/√T)·T).

    >>> default_window(1680), default_window(100), default_window(600)
    (90, 19, 50)
    """
    return math.floor((0.01 + 1.8 / math.sqrt(T)) * T)


def psy_statistics(y: FloatArray, config: PsyConfig | None = None) -> PsyStatistics:
    """Compute the BADF and BSADF sequences of ``y`` with the fast kernel.

    Parameters
    ----------
    y : ndarray of float64, shape (T,)
        The series (levels or logs; the statistics are invariant to scale and shift).
    config : PsyConfig, optional

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> st = psy_statistics(np.cumsum(rng.standard_normal(120)), PsyConfig(window=30))
    >>> st.bsadf.shape, st.gsadf >= st.sadf
    ((91,), True)
    """
    cfg = PsyConfig() if config is None else config
    y = np.ascontiguousarray(y, dtype=np.float64)
    w = cfg.validate(y.shape[0])
    n = y.shape[0] - w + 1
    badf, bsadf = np.empty(n), np.empty(n)
    _sup_adf(y, w, cfg.lag, _IC_CODE[cfg.ic], int(cfg.trend), badf, bsadf)
    return PsyStatistics(int(y.shape[0]), w, cfg, badf, bsadf)


def adf(y: FloatArray, lag: int = 0, ic: IC = "fixed", trend: bool = False) -> float:
    """ADF t-statistic of β on the whole of ``y`` (shape (T,)), by ordinary least squares.

    >>> round(adf(np.array([1.0, 2.0, 2.5, 2.0, 3.0, 3.5, 3.0, 4.5])), 3)
    -0.949
    """
    return _adf_reference(np.asarray(y, dtype=np.float64), lag, _IC_CODE[ic], int(trend))


def bsadf_reference(y: FloatArray, config: PsyConfig | None = None) -> PsyStatistics:
    """Reference twin of :func:`psy_statistics`: one least-squares regression per window.

    O(T²) regressions of O(T) each; use only on short series (tests).
    """
    cfg = PsyConfig() if config is None else config
    y = np.asarray(y, dtype=np.float64)
    T = y.shape[0]
    w = cfg.validate(T)
    code = _IC_CODE[cfg.ic]
    badf, bsadf = np.empty(T - w + 1), np.empty(T - w + 1)
    for j, r2 in enumerate(range(w - 1, T)):
        stats = [_adf_reference(y[r1:r2 + 1], cfg.lag, code, int(cfg.trend))
                 for r1 in range(r2 - w + 2)]
        badf[j] = stats[0]
        finite = [s for s in stats if np.isfinite(s)]
        bsadf[j] = max(finite) if finite else np.nan
    return PsyStatistics(T, w, cfg, badf, bsadf)


def _adf_reference(y: FloatArray, pmax: int, ic_code: int, trend: int) -> float:
    """ADF t-statistic by explicit regressions on the common sample t = pmax+1 .. T-1."""
    dy = np.diff(y)
    t = np.arange(pmax + 1, y.shape[0])
    cols = [np.ones(t.shape[0])] + ([t.astype(np.float64)] if trend else []) + [y[t - 1]]
    cols += [dy[t - 1 - i] for i in range(1, pmax + 1)]
    X_full, target = np.column_stack(cols), dy[t - 1]
    d, n = 1 + trend, t.shape[0]
    best: tuple[float, float] | None = None
    for k in range(pmax + 1) if ic_code else [pmax]:
        X = X_full[:, : d + 1 + k]
        if np.linalg.matrix_rank(X) < X.shape[1]:
            return float("nan")
        coef, *_ = np.linalg.lstsq(X, target, rcond=None)
        rss = float(np.sum((target - X @ coef) ** 2))
        m = X.shape[1]
        crit = 0.0 if ic_code == 0 else (
            math.log(rss / n) + (2.0 * m if ic_code == 1 else m * math.log(n)) / n)
        cov = np.linalg.inv(X.T @ X) * rss / (n - m)
        tstat = float(coef[d] / math.sqrt(cov[d, d]))
        if best is None or crit < best[0]:
            best = (crit, tstat)
    assert best is not None  # the loop runs at least once
    return best[1]


@numba.njit(cache=True)
def _sup_adf(y: FloatArray, window: int, pmax: int, ic_code: int, trend: int,
             badf: FloatArray, bsadf: FloatArray) -> None:  # pragma: no cover - numba
    """Fill ``badf`` and ``bsadf`` (shape (T - window + 1,)) for series ``y`` (shape (T,))."""
    T = y.shape[0]
    d = 1 + trend
    K = d + 1 + pmax
    M = np.zeros((K + 1, K + 1))
    L = np.zeros((K + 1, K + 1))
    z = np.zeros(K + 1)
    dy = np.zeros(T)
    for s in range(1, T):
        dy[s] = y[s] - y[s - 1]
    beta = np.zeros(K + 1)
    v = np.zeros(K + 1)
    bsadf[:] = np.nan
    badf[:] = np.nan
    if pmax == 0 and trend == 0:
        _sup_adf_lag0(y, window, badf, bsadf)
        return
    for r1 in range(T - window + 1):
        M[:, :] = 0.0
        base = y[r1]
        for t in range(r1 + 1 + pmax, T):
            z[0] = 1.0
            if trend:
                z[1] = t - r1
            z[d] = y[t - 1] - base  # shifting y changes only α, never the t-statistic of β
            for i in range(pmax):
                z[d + 1 + i] = dy[t - 1 - i]
            z[K] = dy[t]
            for a in range(K + 1):
                za = z[a]
                for b in range(a + 1):
                    M[a, b] += za * z[b]
            if t - r1 + 1 >= window:
                stat = _adf_from_moments(M, L, beta, v, t - r1 - pmax, d, pmax, ic_code)
                j = t - window + 1
                if r1 == 0:
                    badf[j] = stat
                if stat == stat and not (bsadf[j] >= stat):
                    bsadf[j] = stat


@numba.njit(cache=True)
def _adf_from_moments(M: FloatArray, L: FloatArray, beta: FloatArray, v: FloatArray, n: int,
                      d: int, pmax: int, ic_code: int) -> float:  # pragma: no cover - numba
    """t-statistic of β from the lower triangle of the augmented moment matrix ``M``."""
    K = M.shape[0] - 1
    for a in range(K + 1):
        for b in range(a + 1):
            s = M[a, b]
            for c in range(b):
                s -= L[a, c] * L[b, c]
            if a == b:
                if a < K and s <= 1e-12 * M[a, a]:
                    return np.nan
                L[a, a] = math.sqrt(s) if s > 0.0 else 0.0
            else:
                L[a, b] = s / L[b, b]
    k = pmax
    if ic_code != 0:
        best = np.inf
        rss = M[K, K]
        for j in range(d + 1):
            rss -= L[K, j] ** 2
        for kk in range(pmax + 1):
            if kk > 0:
                rss -= L[K, d + kk] ** 2
            m = d + 1 + kk
            pen = 2.0 * m if ic_code == 1 else m * math.log(n)
            crit = math.log(max(rss, 1e-300) / n) + pen / n
            if crit < best:
                best = crit
                k = kk
    m = d + 1 + k
    rss = M[K, K]
    for j in range(m):
        rss -= L[K, j] ** 2
    rss = max(rss, 0.0)
    for j in range(m - 1, d - 1, -1):
        s = L[K, j]
        for i in range(j + 1, m):
            s -= L[i, j] * beta[i]
        beta[j] = s / L[j, j]
    var = 0.0
    for j in range(d, m):
        s = 1.0 if j == d else 0.0
        for i in range(d, j):
            s -= L[j, i] * v[i]
        v[j] = s / L[j, j]
        var += v[j] ** 2
    se = math.sqrt(var * rss / (n - m))
    if se == 0.0:
        return np.nan
    return float(beta[d] / se)


@numba.njit(cache=True)
def _sup_adf_lag0(y: FloatArray, window: int, badf: FloatArray,
                  bsadf: FloatArray) -> None:  # pragma: no cover - numba
    """The lag-0, constant-only case in closed form (the PSY default and the Monte Carlo)."""
    T = y.shape[0]
    for r1 in range(T - window + 1):
        base = y[r1]
        sx = sxx = sy = sxy = syy = 0.0
        for t in range(r1 + 1, T):
            x = y[t - 1] - base
            e = y[t] - y[t - 1]
            sx += x
            sxx += x * x
            sy += e
            sxy += x * e
            syy += e * e
            if t - r1 + 1 >= window:
                n = t - r1
                cxx = sxx - sx * sx / n
                if cxx <= 1e-12 * sxx:
                    continue
                cxy = sxy - sx * sy / n
                b = cxy / cxx
                rss = max(syy - sy * sy / n - b * cxy, 0.0)
                if rss == 0.0:
                    continue
                stat = b / math.sqrt(rss / (n - 2) / cxx)
                j = t - window + 1
                if r1 == 0:
                    badf[j] = stat
                if not (bsadf[j] >= stat):
                    bsadf[j] = stat
