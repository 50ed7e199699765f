"""Shipped PSY critical-value tables: quantiles over a (minimum window, n / window) grid.

Under the null (driftless random walk, lag 0, constant) ``BADF(r2)`` and ``BSADF(r2)`` use
only ``y[0..r2]``, so their distributions depend on ``n = r2 + 1`` and the window ``w``, not
on the sample length T; ``SADF`` and ``GSADF`` of a sample of T observations are the running
maxima of those sequences up to ``n = T``. One simulated path of length ``N`` per window
therefore gives every quantity for every ``T <= N``.

:func:`simulate_window` simulates that (``scripts/make_psy_tables.py`` runs it over the
grid and writes ``data/psy_cv_tables.npz``); :func:`table_cv` reads the shipped table and
returns :class:`~bubblescope.signals.critical.CriticalValues` for any (T, w) in well under a
second, by interpolation linear in ``1/w`` and in ``log(n/w)`` (see docs/signals.md for the
measured error against fresh simulations). :func:`p_value` reads the same table for the
right-tail probability of an observed statistic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import numba
import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.signals.critical import LEVELS, CriticalValues
from bubblescope.signals.psy import PsyConfig

__all__ = [
    "QUANTILES",
    "STATS",
    "TABLE_PATH",
    "CvTable",
    "load_table",
    "p_value",
    "ratio_grid",
    "simulate_window",
    "table_applies",
    "table_cv",
]

TABLE_PATH: Final = Path(__file__).resolve().parents[1] / "data" / "psy_cv_tables.npz"
#: Quantile levels kept in the table (the faces use 90/95/99%; the rest serve p-values).
QUANTILES: Final = (0.50, 0.60, 0.70, 0.80, 0.85, 0.90, 0.925, 0.95, 0.975, 0.99, 0.995)
#: Order of the statistics along the table's first axis.
STATS: Final = ("badf", "bsadf", "sadf", "gsadf")


def ratio_grid(r_max: float, per_octave: int = 8) -> FloatArray:
    """Log-spaced n/w nodes from 1 to ``r_max`` (``per_octave`` nodes per doubling).

    >>> g = ratio_grid(4.0, 2); [round(float(v), 3) for v in g]
    [1.0, 1.414, 2.0, 2.828, 4.0]
    """
    k = math.ceil(math.log2(r_max) * per_octave)
    return np.asarray(2.0 ** (np.arange(k + 1) / per_octave), dtype=np.float64).clip(max=r_max)


@numba.njit(parallel=True, fastmath=True, cache=True)
def _sup_stats(paths: FloatArray, window: int, nodes: np.ndarray,
               out: FloatArray) -> None:  # pragma: no cover - numba
    """BADF, BSADF, SADF and GSADF at the sample sizes ``nodes`` for each path.

    ``paths`` (R, N); ``out`` (R, 4, len(nodes)). Lag 0 with a constant, from prefix sums:
    for the window of rows ``r1+1..t`` (n = t - r1), with A = nΣx² − (Σx)², B = nΣxe − ΣxΣe
    and C = nΣe² − (Σe)², the ADF t-statistic is B·sqrt((n − 2)/(AC − B²)); the maximum over
    r1 is taken on the signed square, so one division per window and one root per row.
    """
    R, N = paths.shape
    K = nodes.shape[0]
    for r in numba.prange(R):
        y = paths[r]
        p1 = np.zeros(N)
        p2 = np.zeros(N)
        p3 = np.zeros(N)
        p4 = np.zeros(N)
        p5 = np.zeros(N)
        for s in range(1, N):
            x = y[s - 1]
            e = y[s] - y[s - 1]
            p1[s] = p1[s - 1] + x
            p2[s] = p2[s - 1] + x * x
            p3[s] = p3[s - 1] + e
            p4[s] = p4[s - 1] + x * e
            p5[s] = p5[s - 1] + e * e
        sadf = -np.inf
        gsadf = -np.inf
        k = 0
        for t in range(window - 1, N):
            best = -np.inf
            b0 = np.nan
            for r1 in range(t - window + 2):
                n = t - r1
                sx = p1[t] - p1[r1]
                sxx = p2[t] - p2[r1]
                se = p3[t] - p3[r1]
                sxe = p4[t] - p4[r1]
                see = p5[t] - p5[r1]
                a = n * sxx - sx * sx
                b = n * sxe - sx * se
                c = n * see - se * se
                d = a * c - b * b
                g = -np.inf
                if a > 1e-12 * n * sxx and d > 0.0:
                    g = b * abs(b) * (n - 2) / d
                if r1 == 0:
                    b0 = g
                best = max(best, g)
            bsadf = math.copysign(math.sqrt(abs(best)), best) if best > -np.inf else np.nan
            badf = math.copysign(math.sqrt(abs(b0)), b0) if b0 > -np.inf else np.nan
            if bsadf == bsadf and bsadf > gsadf:
                gsadf = bsadf
            if badf == badf and badf > sadf:
                sadf = badf
            while k < K and nodes[k] == t + 1:
                out[r, 0, k] = badf
                out[r, 1, k] = bsadf
                out[r, 2, k] = sadf
                out[r, 3, k] = gsadf
                k += 1


def simulate_window(window: int, n_nodes: np.ndarray, reps: int, rng: np.random.Generator,
                    chunk: int = 64) -> FloatArray:
    """Simulated BADF, BSADF, SADF, GSADF at sample sizes ``n_nodes`` for one window.

    Parameters
    ----------
    window : int
        Minimum window w.
    n_nodes : ndarray of int64, shape (K,)
        Increasing sample sizes, each >= ``window``.
    reps : int
        Replications (driftless Gaussian random walks of length ``n_nodes[-1]``).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of float64, shape (reps, 4, K)
        Axis 1 in the order of :data:`STATS`.

    Examples
    --------
    >>> v = simulate_window(10, np.array([10, 20, 40]), 8, np.random.default_rng(0))
    >>> v.shape, bool((v[:, 3] >= v[:, 1]).all())
    ((8, 4, 3), True)
    """
    nodes = np.asarray(n_nodes, dtype=np.int64)
    if nodes[0] < window or (np.diff(nodes) <= 0).any():
        raise ScenarioError("n_nodes must increase and start at or above the window")
    out = np.empty((reps, 4, nodes.shape[0]))
    for start in range(0, reps, chunk):
        stop = min(start + chunk, reps)
        paths = np.cumsum(rng.standard_normal((stop - start, int(nodes[-1]))), axis=1)
        _sup_stats(paths, window, nodes, out[start:stop])
    return out


@dataclass(frozen=True, eq=False)
class CvTable:
    """The shipped table: ``q`` (4 stats, W windows, K ratios, L levels) on its grid.

    ``ratios`` are the n/w nodes, ``windows`` the simulated minimum windows (the last one
    ``inf``: the limit of the fit across windows), ``reps`` the replications per window and
    ``r_max`` (W,) the largest simulated ratio per window (``q`` is NaN beyond it).
    ``source`` names the script run that made the table.
    """

    windows: FloatArray
    ratios: FloatArray
    levels: FloatArray
    q: FloatArray
    reps: np.ndarray
    r_max: FloatArray
    source: str

    def __post_init__(self) -> None:
        if self.q.shape != (4, self.windows.shape[0], self.ratios.shape[0],
                            self.levels.shape[0]):
            raise ScenarioError(f"critical-value table has shape {self.q.shape}")

    def quantiles(self, stat: str, n: FloatArray, w: int) -> FloatArray:
        """Interpolated quantiles of ``stat`` at sample sizes ``n`` (shape (m,)) → (L, m).

        Linear in 1/w between the two bracketing table windows (the last one is w = ∞, so
        every w above the largest simulated window is bracketed) and linear in log(n/w)
        between ratio nodes; beyond a window's largest
        simulated ratio the last decade's slope in log(n/w) is continued.
        """
        s = STATS.index(stat)
        x = np.log(np.asarray(n, dtype=np.float64) / w)
        inv = 1.0 / self.windows
        j = int(np.searchsorted(-inv, -1.0 / w))  # windows increase, 1/w decreases
        if j <= 0:
            pairs = [(0, 1.0)]
        elif j >= self.windows.shape[0]:
            pairs = [(self.windows.shape[0] - 1, 1.0)]
        else:
            lo, hi = j - 1, j
            f = (1.0 / w - inv[hi]) / (inv[lo] - inv[hi])
            pairs = [(lo, f), (hi, 1.0 - f)]
        out = np.zeros((self.levels.shape[0], x.shape[0]))
        for k, wt in pairs:
            out += wt * self._along_ratio(s, k, x)
        return out

    def _along_ratio(self, s: int, k: int, x: FloatArray) -> FloatArray:
        lr = np.log(self.ratios)
        ok = np.isfinite(self.q[s, k, :, 0])
        lr, q = lr[ok], self.q[s, k, ok]  # (K', L)
        xc = np.clip(x, lr[0], None)
        out = np.empty((q.shape[1], x.shape[0]))
        for i in range(q.shape[1]):
            out[i] = np.interp(xc, lr, q[:, i])
        beyond = xc > lr[-1]
        if beyond.any():
            ref = np.searchsorted(lr, lr[-1] - math.log(10.0))
            slope = (q[-1] - q[ref]) / (lr[-1] - lr[ref])
            out[:, beyond] = q[-1][:, None] + slope[:, None] * (xc[beyond] - lr[-1])[None, :]
        return out


@lru_cache(maxsize=2)
def load_table(path: Path = TABLE_PATH) -> CvTable:
    """Read the shipped critical-value table (cached for the process)."""
    if not path.is_file():
        raise ScenarioError(f"critical-value table {path} is missing; rebuild it with "
                            "scripts/make_psy_tables.py or use --reps N to simulate")
    with np.load(path, allow_pickle=False) as z:
        return CvTable(z["windows"].astype(np.float64), z["ratios"], z["levels"],
                       z["q"].astype(np.float64),
                       z["reps"], z["r_max"], str(z["source"]))


def table_applies(config: PsyConfig) -> bool:
    """Whether the shipped table covers ``config``: lag 0, fixed, constant only."""
    return config.lag == 0 and config.ic == "fixed" and not config.trend


def table_cv(T: int, config: PsyConfig | None = None, *,
             table: CvTable | None = None) -> CriticalValues:
    """Critical values for a sample of ``T`` from the shipped table (no simulation).

    Parameters
    ----------
    T : int
        Sample length (any T; beyond a window's simulated n/w the table is extrapolated).
    config : PsyConfig, optional
        Must be lag 0, fixed, constant only (:func:`table_applies`); window as on the data.
    table : CvTable, optional
        Defaults to the shipped :data:`TABLE_PATH`.

    Returns
    -------
    CriticalValues
        ``method == "table"``; ``reps`` is the simulated replications of the nearest window.

    Examples
    --------
    >>> cv = table_cv(1680)
    >>> cv.window, cv.bsadf.shape, bool(2.2 < cv.gsadf[1] < 2.6)
    (90, (3, 1591), True)
    """
    cfg = PsyConfig() if config is None else config
    if not table_applies(cfg):
        raise ScenarioError("the shipped critical-value table covers lag 0, fixed, constant "
                            f"only (got lag {cfg.lag}, ic {cfg.ic}, trend {cfg.trend}); "
                            "simulate with --reps N")
    w = cfg.validate(T)
    tab = load_table() if table is None else table
    idx = [int(np.argmin(np.abs(tab.levels - lv))) for lv in LEVELS]
    seq_n = np.arange(w, T + 1, dtype=np.float64)
    badf = tab.quantiles("badf", seq_n, w)[idx]
    bsadf = tab.quantiles("bsadf", seq_n, w)[idx]
    end = np.array([float(T)])
    sadf = tab.quantiles("sadf", end, w)[idx, 0]
    gsadf = tab.quantiles("gsadf", end, w)[idx, 0]
    finite = np.isfinite(tab.windows)
    near = int(np.argmin(np.where(finite, np.abs(1.0 / tab.windows - 1.0 / w), np.inf)))
    return CriticalValues("table", T, w, cfg, int(tab.reps[near]), LEVELS, sadf, gsadf,
                          badf, bsadf)


def p_value(stat: str, value: float, n: int, w: int, *, table: CvTable | None = None) -> float:
    """Right-tail probability of ``value`` for ``stat`` at sample size ``n``, window ``w``.

    Interpolated between the table's quantile levels (50% … 99.5%); a value below the median
    gives 0.5 or more (reported as 0.5), one above the 99.5% quantile gives 0.005 (read
    "< 0.005").

    >>> round(p_value("gsadf", 4.16, 1680, 90), 6), round(p_value("gsadf", -1.0, 1680, 90), 6)
    (0.005, 0.5)
    """
    tab = load_table() if table is None else table
    qs = tab.quantiles(stat, np.array([float(n)]), w)[:, 0]
    qs = np.maximum.accumulate(qs)
    return float(1.0 - np.interp(value, qs, tab.levels))
