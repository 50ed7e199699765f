"""LPPLS calibration (Filimonov & Sornette 2013) and the FCO confidence indicator.

``ln p(t) = A + B·dt^m + C1·dt^m·cos(ω ln dt) + C2·dt^m·sin(ω ln dt)``, ``dt = |tc − t|``,
time in years. The linear parameters are slaved to θ = (tc, m, ω); θ is searched in a box
(tc within ``tc_box`` × the window span of its end t2; m and ω in their ranges) from the best
points of a shared grid (one per ω) plus random starts, each refined by bounded Nelder–Mead; the fit
with the lowest SSE wins. Fits carry ``converged`` (the simplex met its tolerance). Over
consecutive end dates (``warm``), most end dates instead start a bounded Newton search (the
exact Hessian of the profiled SSE) from the previous end date's fits and the best grid cells.

The confidence indicator (Sornette et al. 2015; ETH Zurich Financial Crisis Observatory)
at an end date t2 is the share of windows (default 750 … 125 trading days in steps of 5)
whose fit passes the filters of :class:`Filters` with B < 0 (a positive bubble; B > 0 for
a negative one). Qualified fits give a distribution of tc rather than a point.
"""

from __future__ import annotations

import functools
import hashlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.model.atomic import write_file
from bubblescope.model.errors import ScenarioError
from bubblescope.model.series import DateArray, Series
from bubblescope.signals._lppls_kernels import nested_fits
from bubblescope.signals.series import require_length, require_positive

__all__ = [
    "FCO_LENGTHS",
    "FILTER_NAMES",
    "WARM_EVERY",
    "WARM_MAX_GAP",
    "Filters",
    "LpplsConfidence",
    "LpplsFit",
    "SearchBox",
    "confidence",
    "confidence_applies",
    "fit_lppls",
    "years",
]

_DAYS_PER_YEAR = 365.25

#: Window lengths of the standard reading (:func:`confidence`'s default): 750 down to 125
#: trading days in steps of 5, the table of Filimonov, Demos and Sornette (2017).
FCO_LENGTHS: IntArray = np.arange(125, 751, 5)
FCO_LENGTHS.flags.writeable = False
#: Default of :func:`confidence`'s ``warm`` for consecutive end dates: a full search every
#: this many end dates, Newton from the neighbour's fits in between.
WARM_EVERY = 25
#: End dates at most this many observations apart count as consecutive for ``warm``.
WARM_MAX_GAP = 5
_LABELS = {"m": "m", "omega": "ω", "tc": "tc", "oscillations": "oscillations",
           "damping": "damping", "rel_error": "rel. error"}


@dataclass(frozen=True)
class SearchBox:
    """Bounds of the nonlinear search; ``tc`` as fractions of the window span after t2."""

    tc: tuple[float, float] = (-0.2, 0.2)
    m: tuple[float, float] = (0.01, 1.2)
    omega: tuple[float, float] = (2.0, 25.0)
    grid: tuple[int, int, int] = (18, 8, 16)

    def as_array(self) -> FloatArray:
        """(tc_lo, tc_hi, m_lo, m_hi, ω_lo, ω_hi)."""
        return np.array([*self.tc, *self.m, *self.omega], dtype=np.float64)

    def grid_array(self) -> FloatArray:
        """Unit-cube grid coordinates, shape (3, max(grid)), NaN-padded (cell midpoints)."""
        g = np.full((3, max(self.grid)), np.nan)
        for ax, n in enumerate(self.grid):
            g[ax, :n] = (np.arange(n) + 0.5) / n
        return g


@dataclass(frozen=True)
class Filters:
    """FCO filter table (Sornette et al. 2015, Table 1)."""

    m: tuple[float, float] = (0.01, 1.2)
    omega: tuple[float, float] = (2.0, 25.0)
    tc: tuple[float, float] = (-0.05, 0.1)
    min_oscillations: float = 2.5
    min_damping: float = 0.8
    max_rel_error: float = 0.05


@dataclass(frozen=True)
class LpplsFit:
    """One calibrated window. Times are years since ``origin``; see :attr:`tc_date`."""

    origin: np.datetime64
    t1: float
    t2: float
    n: int
    tc: float
    m: float
    omega: float
    A: float
    B: float
    C1: float
    C2: float
    sse: float
    converged: bool

    @property
    def tc_date(self) -> np.datetime64:
        """Critical time as a calendar date."""
        return _to_date(self.origin, self.tc)

    @property
    def damping(self) -> float:
        """m·|B| / (ω·|C|), C = √(C1² + C2²)."""
        c = float(np.hypot(self.C1, self.C2))
        return float("inf") if c == 0 else self.m * abs(self.B) / (self.omega * c)

    @property
    def oscillations(self) -> float:
        """Number of log-periodic oscillations in the window, (ω/2π)·ln|tc−t1|/|tc−t2|."""
        num, den = abs(self.tc - self.t1), abs(self.tc - self.t2) + 1e-8
        return float(self.omega / (2 * np.pi) * np.log(num / den))

    @property
    def rel_error(self) -> float:
        """Root-mean-square residual of ln p (≈ the relative price error)."""
        return float(np.sqrt(self.sse / self.n))

    def qualified(self, filters: Filters | None = None) -> bool:
        """True when the fit passes every filter of ``filters`` (FCO defaults)."""
        f = Filters() if filters is None else filters
        dt = self.t2 - self.t1
        return bool(
            f.m[0] <= self.m <= f.m[1] and f.omega[0] <= self.omega <= f.omega[1]
            and self.t2 + f.tc[0] * dt <= self.tc <= self.t2 + f.tc[1] * dt
            and self.oscillations >= f.min_oscillations and self.damping >= f.min_damping
            and self.rel_error <= f.max_rel_error)

    def __str__(self) -> str:
        return (f"LPPLS fit {_to_date(self.origin, self.t1)} .. {_to_date(self.origin, self.t2)}"
                f" (n={self.n}): tc {self.tc_date}, m {self.m:.3f}, ω {self.omega:.2f}, "
                f"B {self.B:.4g}, SSE {self.sse:.5g}, damping {self.damping:.2f}, "
                f"oscillations {self.oscillations:.2f}, "
                f"{'converged' if self.converged else 'NOT converged'}")


@dataclass(frozen=True, eq=False)
class LpplsConfidence:
    """Confidence indicator over end dates, with every window's fit.

    ``params`` has shape (E, W, 7) = (tc, m, ω, A, B, C1, C2) per end date and window
    length; ``sse``, ``converged`` and ``qualified`` have shape (E, W).
    """

    name: str
    origin: np.datetime64
    dates: DateArray
    ends: IntArray
    lengths: IntArray
    t: FloatArray
    params: FloatArray
    sse: FloatArray
    converged: BoolArray
    qualified: BoolArray
    filters: Filters = field(default_factory=Filters)

    @property
    def positive(self) -> FloatArray:
        """Share of windows qualified with B < 0 (positive bubble), shape (E,)."""
        return np.asarray(np.mean(self.qualified & (self.params[..., 4] < 0), axis=1))

    @property
    def negative(self) -> FloatArray:
        """Share of windows qualified with B > 0 (negative bubble), shape (E,)."""
        return np.asarray(np.mean(self.qualified & (self.params[..., 4] > 0), axis=1))

    def tc_quantiles(self, q: tuple[float, ...] = (0.1, 0.5, 0.9)) -> FloatArray:
        """Quantiles of tc (years) over qualified positive fits, shape (E, len(q)); NaN if none."""
        out = np.full((self.dates.shape[0], len(q)), np.nan)
        ok = self.qualified & (self.params[..., 4] < 0)
        for i in range(out.shape[0]):
            if ok[i].any():
                out[i] = np.quantile(self.params[i, ok[i], 0], q)
        return out

    def filter_shares(self, i: int = -1) -> dict[str, float]:
        """Share of the windows at end date ``i`` whose fit passes each filter (by name, see
        :data:`FILTER_NAMES`), and ``"B<0"``: the share with a positive-bubble sign."""
        k = range(self.ends.shape[0])[i]
        table = _filter_table(self.t, self.ends[k:k + 1], self.lengths, self.params[k:k + 1],
                              self.sse[k:k + 1], self.filters)
        out = {k: float(v.mean()) for k, v in table.items()}
        out["B<0"] = float(np.mean(self.params[i, :, 4] < 0))
        return out

    def why_none(self, i: int = -1) -> str:
        """Why the positive confidence at end date ``i`` is 0 (empty when it is not): the
        filters that windows fail, fewest passing first, with the share passing each."""
        if (self.qualified[i] & (self.params[i, :, 4] < 0)).any():
            return ""
        if self.qualified[i].any():
            return (f"{int(self.qualified[i].sum())} of {self.lengths.shape[0]} windows qualify, "
                    "all with B > 0 (a negative bubble)")
        shares = self.filter_shares(i)
        failing = sorted((v, k) for k, v in shares.items() if k != "B<0" and v < 1.0)
        parts = ", ".join(f"{_LABELS[k]} {v:.0%}" for v, k in failing)
        return (f"no window of {self.lengths.shape[0]} passes every FCO filter; "
                f"windows passing: {parts}")

    def fit(self, i: int, j: int) -> LpplsFit:
        """The fit of end date ``i`` and window length index ``j``."""
        e, n = int(self.ends[i]), int(self.lengths[j])
        return _make_fit(self.origin, float(self.t[e - n + 1]), float(self.t[e]), n,
                         self.params[i, j], float(self.sse[i, j]), bool(self.converged[i, j]))

    def __str__(self) -> str:
        q = self.tc_quantiles()[-1]
        tcs = ("no qualified fit" if np.isnan(q[0]) else
               f"tc 10/50/90%: {', '.join(str(_to_date(self.origin, v)) for v in q)}")
        return (f"LPPLS confidence on {self.name}, {self.dates.shape[0]} end dates "
                f"{self.dates[0]} .. {self.dates[-1]}, windows {self.lengths[-1]}..."
                f"{self.lengths[0]} obs: latest positive {self.positive[-1]:.0%}, "
                f"negative {self.negative[-1]:.0%}"
                f"{' (' + why + ')' if (why := self.why_none()) else ''}; {tcs}; "
                f"{self.converged.mean():.0%} of fits converged")


def years(dates: DateArray, origin: np.datetime64) -> FloatArray:
    """Years since ``origin`` (365.25-day years), shape like ``dates``."""
    return (dates - origin).astype("timedelta64[D]").astype(np.float64) / _DAYS_PER_YEAR


def fit_lppls(
    series: Series,
    *,
    rng: np.random.Generator,
    n_starts: int = 32,
    box: SearchBox | None = None,
    max_eval: int = 600,
    n_full: int = 4,
    n_polish: int = 2,
) -> LpplsFit:
    """Fit LPPLS to the whole of ``series`` (log prices): the best of many restarts by SSE.

    Parameters
    ----------
    series : Series
        Positive prices; at least 20 observations.
    rng : numpy.random.Generator
        Draws the random starts (half of ``n_starts``; the other half are the best cells of
        a dense grid).
    n_starts : int
        Number of Nelder–Mead restarts.
    max_eval, n_full, n_polish : int
        As in :func:`confidence` (more thorough defaults for a single fit).
    box : SearchBox, optional
        Search bounds (default: tc within ±20% of the span around t2, m ∈ [0.01, 1.2],
        ω ∈ [2, 25]).

    Examples
    --------
    >>> d = np.arange(np.datetime64("2020-01-01"), np.datetime64("2021-01-01"), 3)
    >>> tt = years(d, d[0]); tc = tt[-1] + 0.1
    >>> p = np.exp(5 - 0.5 * (tc - tt) ** 0.5 * (1 + 0.05 * np.cos(8 * np.log(tc - tt))))
    >>> from bubblescope.signals.series import make_series
    >>> f = fit_lppls(make_series("x", d, p, "demo"), rng=np.random.default_rng(0), n_starts=8)
    >>> f.sse < 1e-6, abs(f.m - 0.5) < 0.01
    (True, True)
    """
    b = SearchBox(grid=(24, 10, 20)) if box is None else box
    t, y = _prepare(series, 20)
    n_top = max(1, n_starts // 2)
    conf = _run(t, y, np.array([t.shape[0] - 1]), np.array([t.shape[0]]), b, n_top,
                n_starts - n_top, rng, max_eval, n_full, n_polish, 40)
    p = conf[0][0, 0]
    return _make_fit(series.start, float(t[0]), float(t[-1]), int(t.shape[0]), p,
                     float(conf[1][0, 0]), bool(conf[2][0, 0]))


def confidence(
    series: Series,
    *,
    rng: np.random.Generator,
    ends: IntArray | None = None,
    lengths: IntArray | None = None,
    n_top: int = 4,
    n_random: int = 0,
    box: SearchBox | None = None,
    filters: Filters | None = None,
    max_eval: int = 300,
    n_full: int = 2,
    n_polish: int = 0,
    probe: int = 25,
    warm: int | None = None,
    cache_dir: Path | None = None,
) -> LpplsConfidence:
    """Compute the LPPLS confidence indicator of ``series`` at the end indices ``ends``.

    Parameters
    ----------
    series : Series
        Positive daily prices.
    rng : numpy.random.Generator
        Draws the ``n_random`` extra starts per window.
    ends : ndarray of int64, shape (E,), optional
        End indices (default: the last observation).
    lengths : ndarray of int64, shape (W,), optional
        Window lengths (default: 750 down to 125 in steps of 5, the FCO table).
    n_top, n_random : int
        Restarts per window: best grid cells (one per ω), then random points of the box.
    max_eval : int
        Nelder–Mead evaluations per restart run to convergence.
    n_full, n_polish : int
        After a ``probe``-evaluation probe of every restart, the ``n_full`` best run on to
        convergence, then restart up to ``n_polish`` times from their best vertex (off by
        default here: it cost 25% more time for 2% more windows at the thorough optimum).
    probe : int
        Evaluations of every restart before the best are chosen (25; 40 for a single fit and
        before 2026-12-06: 25 cost 12% less time with the same windows at the thorough
        optimum in the test of the search).
    warm : int, optional
        Warm starts across consecutive end dates: with k > 0, every k-th end date (and the
        first of each of 8 runs of them) gets the full search above; the others run a
        Newton search (exact Hessian of the SSE profiled over the linear parameters) from
        the previous end date's fit of the same window length and from the 2 best grid
        cells. 0 turns it off. Default: :data:`WARM_EVERY` when the end dates rise by at
        most :data:`WARM_MAX_GAP` observations each (the lppls README's every-day run),
        else 0. On that run it took a third of the CPU time, with the sum of SSE 0.01%
        lower and each window's SSE within 1% of the full search in 92% of windows
        (docs/benchmarks/signals.md).
    cache_dir : Path, optional
        Directory for an on-disk cache of the fits, supplied by the face (``None``: no
        cache). The key is a SHA-256 of the times, log prices, end dates, window lengths,
        search settings, random starts, the source of this module and of its kernels, and
        the numba and numpy versions, so any change to data, settings or code misses it.
    """
    lens = FCO_LENGTHS if lengths is None else np.asarray(lengths, dtype=np.int64)
    lens = np.sort(lens)
    t, y = _prepare(series, int(lens[-1]))
    e = np.array([t.shape[0] - 1]) if ends is None else np.asarray(ends, dtype=np.int64)
    if e.min() < lens[-1] - 1 or e.max() >= t.shape[0] or lens[0] < 10:
        raise ScenarioError(f"ends must lie in [{lens[-1] - 1}, {t.shape[0] - 1}] and lengths "
                            f"be >= 10 for {series.name!r}")
    b = SearchBox() if box is None else box
    flt = Filters() if filters is None else filters
    if warm is None:
        gaps = np.diff(e)
        warm = WARM_EVERY if e.shape[0] > 1 and gaps.min() > 0 and gaps.max() <= WARM_MAX_GAP \
            else 0
    par, sse, conv = _run(t, y, e, lens, b, n_top, n_random, rng, max_eval, n_full, n_polish,
                          probe, warm, cache_dir)
    qual = _qualify(t, e, lens, par, sse, flt)
    return LpplsConfidence(series.name, series.start, series.dates[e], e, lens, t, par, sse, conv,
                           qual, flt)


def confidence_applies(series: Series, longest: int = 750) -> bool:
    """Whether :func:`confidence` suits ``series``: daily, ``longest`` or more positive prices."""
    return (series.frequency == "daily" and len(series) >= longest
            and bool((series.values > 0).all()))


def _prepare(series: Series, minimum: int) -> tuple[FloatArray, FloatArray]:
    require_length(series, minimum, "the LPPLS window")
    require_positive(series, "the LPPLS log-price model")
    return years(series.dates, series.start), np.log(series.values)


def _run(t: FloatArray, y: FloatArray, ends: IntArray, lens: IntArray, box: SearchBox,
         n_top: int, n_random: int, rng: np.random.Generator, max_eval: int,
         n_full: int, n_polish: int, probe: int, warm: int = 0,
         cache_dir: Path | None = None) -> tuple[FloatArray, FloatArray, BoolArray]:
    E, W = ends.shape[0], lens.shape[0]
    starts = rng.random((E, W, n_random, 3))
    ends64, lens64 = ends.astype(np.int64), lens.astype(np.int64)
    path = None
    if cache_dir is not None:
        key = _cache_key(t, y, ends64, lens64, box, starts,
                         (n_top, max_eval, n_full, n_polish, probe, warm))
        path = cache_dir / f"lppls-{key}.npz"
        hit = _load_fits(path, E, W)
        if hit is not None:
            return hit
    par = np.empty((E, W, 7))
    sse = np.empty((E, W))
    conv = np.zeros((E, W), dtype=np.bool_)
    nested_fits(t, y, ends64, lens64, box.grid_array(), box.as_array(), n_top, n_full,
                n_polish, starts, max_eval, probe, par, sse, conv, warm)
    if path is not None:
        write_file(path, lambda tmp: np.savez(tmp, par=par, sse=sse, conv=conv))
    return par, sse, conv


@functools.cache
def _code_digest() -> bytes:
    """SHA-256 of this module's and its kernels' source (a cache of fits made by other code
    is never read) and of the numba and numpy versions."""
    h = hashlib.sha256()
    here = Path(__file__).resolve()
    for p in (here, here.with_name("_lppls_kernels.py")):
        h.update(p.read_bytes())
    h.update(f"numba {numba.__version__} numpy {np.__version__}".encode())
    return h.digest()


def _cache_key(t: FloatArray, y: FloatArray, ends: IntArray, lens: IntArray, box: SearchBox,
               starts: FloatArray, settings: tuple[int, ...]) -> str:
    h = hashlib.sha256(_code_digest())
    for a in (t, y, ends, lens, box.as_array(), box.grid_array(), starts):
        arr = np.ascontiguousarray(a)
        h.update(repr((arr.dtype.str, arr.shape)).encode())
        h.update(arr.tobytes())
    h.update(repr(settings).encode())
    return h.hexdigest()[:32]


def _load_fits(path: Path, E: int, W: int) -> tuple[FloatArray, FloatArray, BoolArray] | None:
    """The cached (params, sse, converged) at ``path``; ``None`` when absent, unreadable or
    of the wrong shape (then recomputed and rewritten)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            par, sse, conv = z["par"], z["sse"], z["conv"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if par.shape != (E, W, 7) or sse.shape != (E, W) or conv.shape != (E, W):
        return None
    return (np.asarray(par, dtype=np.float64), np.asarray(sse, dtype=np.float64),
            np.asarray(conv, dtype=np.bool_))


#: Names of the FCO filters, in the order :meth:`LpplsConfidence.filter_shares` reports them.
FILTER_NAMES: tuple[str, ...] = ("m", "omega", "tc", "oscillations", "damping", "rel_error")


def _filter_table(t: FloatArray, ends: IntArray, lens: IntArray, par: FloatArray,
                  sse: FloatArray, f: Filters) -> dict[str, BoolArray]:
    """Whether each fit passes each filter of ``f`` (one (E, W) array per filter name)."""
    t2 = t[ends][:, None]
    dt = t2 - t[ends[:, None] - lens[None, :] + 1]
    tc, m, w, B = par[..., 0], par[..., 1], par[..., 2], par[..., 4]
    c = np.hypot(par[..., 5], par[..., 6])
    with np.errstate(divide="ignore", invalid="ignore"):
        damping = np.where(c > 0, m * np.abs(B) / (w * c), np.inf)
        osc = w / (2 * np.pi) * np.log(np.abs(tc - (t2 - dt)) / (np.abs(tc - t2) + 1e-8))
    rel = np.sqrt(sse / lens[None, :])
    return {"m": (m >= f.m[0]) & (m <= f.m[1]),
            "omega": (w >= f.omega[0]) & (w <= f.omega[1]),
            "tc": (tc >= t2 + f.tc[0] * dt) & (tc <= t2 + f.tc[1] * dt),
            "oscillations": osc >= f.min_oscillations,
            "damping": damping >= f.min_damping,
            "rel_error": rel <= f.max_rel_error}


def _qualify(t: FloatArray, ends: IntArray, lens: IntArray, par: FloatArray, sse: FloatArray,
             f: Filters) -> BoolArray:
    table = _filter_table(t, ends, lens, par, sse, f)
    return np.asarray(np.logical_and.reduce([table[k] for k in FILTER_NAMES]), dtype=np.bool_)


def _make_fit(origin: np.datetime64, t1: float, t2: float, n: int, p: FloatArray, sse: float,
              converged: bool) -> LpplsFit:
    tc, m, w, A, B, C1, C2 = (float(v) for v in p)
    return LpplsFit(origin, t1, t2, n, tc, m, w, A, B, C1, C2, sse, converged)


def _to_date(origin: np.datetime64, yrs: float) -> np.datetime64:
    return origin + np.timedelta64(round(yrs * _DAYS_PER_YEAR), "D")
