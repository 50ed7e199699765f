"""Build ``src/bubblescope/data/psy_cv_tables.npz``: PSY critical values on a grid.

Two steps, so that the slow one can be resumed and the cheap one redone:

    python scripts/make_psy_tables.py simulate OUTDIR   # one .npz of raw draws per window
    python scripts/make_psy_tables.py assemble OUTDIR   # quantiles -> the shipped table
    python scripts/make_psy_tables.py bundle            # series the table cannot serve

``simulate`` runs :func:`bubblescope.signals.cvtable.simulate_window` for every window of
:data:`GRID` (window, largest sample N, replications; seed = 1000 + window) and skips windows
already done. ``assemble`` takes the quantiles :data:`~bubblescope.signals.cvtable.QUANTILES`
of each statistic at every n/w node and writes the table with its provenance. The run that
made the shipped table, its timing and its measured error are in docs/signals.md.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bubblescope.signals.cvtable import QUANTILES, TABLE_PATH, ratio_grid, simulate_window

#: (minimum window, longest simulated sample N, replications).
GRID: tuple[tuple[int, int, int], ...] = (
    (8, 4096, 2000), (11, 4096, 2000), (16, 4096, 2000), (23, 4096, 2000),
    (32, 4096, 2000), (45, 4096, 2000), (64, 4096, 2000), (90, 5760, 1000),
    (128, 6144, 1000), (181, 6144, 600),
)
PER_OCTAVE = 8


def nodes_for(w: int, n_max: int) -> tuple[np.ndarray, np.ndarray]:
    """The n/w nodes of window ``w`` up to ``n_max`` and the sample sizes they round to."""
    ratios = ratio_grid(512.0, PER_OCTAVE)
    n = np.rint(ratios * w).astype(np.int64)
    keep = n <= n_max
    return ratios[keep], n[keep]


def simulate(out: Path) -> None:
    """Simulate every window of :data:`GRID` not yet in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for w, n_max, reps in GRID:
        path = out / f"w{w}.npz"
        if path.is_file():
            continue
        ratios, n = nodes_for(w, n_max)
        n_u, inv = np.unique(n, return_inverse=True)
        t0 = time.time()
        draws = simulate_window(w, n_u, reps, np.random.default_rng(1000 + w))[:, :, inv]
        secs = time.time() - t0
        tmp = out / f"w{w}.tmp.npz"
        np.savez(tmp, draws=draws, ratios=ratios, n=n, reps=reps, seconds=secs)
        tmp.replace(path)
        print(f"window {w}: N={n_max}, {reps} reps, {secs:.0f} s", flush=True)


#: Windows from which on the quantiles are smoothed across windows (below: kept raw, where
#: the finite-window effect is steep).
SMOOTH_FROM = 16


def smooth(raw: np.ndarray, windows: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """Smooth ``raw`` (W, 4, K, L) across windows >= :data:`SMOOTH_FROM` and add a w = ∞ row.

    For every statistic, n/w node and level, a weighted least-squares fit in x = 1/w
    (a + b·x + c·x² with five or more windows, a + b·x with two to four; weights = replications)
    over the windows >= SMOOTH_FROM simulated at that node replaces their raw quantiles and
    its intercept gives the w = ∞ row; smaller windows keep their raw quantiles. Levels are
    made non-decreasing afterwards. Returns (W + 1, 4, K, L).
    """
    W, S, K, L = raw.shape
    out = np.concatenate([raw, np.full((1, S, K, L), np.nan)])
    big = windows >= SMOOTH_FROM
    for s in range(S):
        for k in range(K):
            ok = big & np.isfinite(raw[:, s, k, 0])
            n = int(ok.sum())
            if n < 2:
                continue
            x = 1.0 / windows[ok]
            X = np.column_stack([np.ones(n), x] + ([x * x] if n >= 5 else []))
            sw = np.sqrt(reps[ok].astype(np.float64))
            coef, *_ = np.linalg.lstsq(X * sw[:, None], raw[ok, s, k, :] * sw[:, None],
                                       rcond=None)
            out[np.flatnonzero(ok), s, k, :] = X @ coef
            out[W, s, k, :] = coef[0]
    return np.maximum.accumulate(out, axis=-1)


def assemble(out: Path, dest: Path = TABLE_PATH) -> None:
    """Write the (smoothed) table of every simulated window in ``out`` to ``dest``."""
    all_ratios = ratio_grid(512.0, PER_OCTAVE)
    levels = np.asarray(QUANTILES)
    windows, reps, q = [], [], []
    for w, _, _ in GRID:
        if not (out / f"w{w}.npz").is_file():
            print(f"window {w} not simulated yet: left out of the table", file=sys.stderr)
            continue
        with np.load(out / f"w{w}.npz") as z:
            draws, ratios = z["draws"], z["ratios"]
            reps.append(int(z["reps"]))
        tab = np.full((4, all_ratios.shape[0], levels.shape[0]), np.nan)
        k = ratios.shape[0]
        tab[:, :k, :] = np.moveaxis(np.nanquantile(draws, levels, axis=0), 0, -1)
        windows.append(w)
        q.append(tab)
    w_arr, r_arr = np.array(windows, dtype=np.float64), np.array(reps, dtype=np.int64)
    table = smooth(np.array(q), w_arr, r_arr)
    r_max = [float(all_ratios[np.isfinite(t[0, :, 0])].max()) for t in table]
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True, check=False).stdout.strip()
    grid = [g for g in GRID if g[0] in windows]
    source = (f"scripts/make_psy_tables.py (commit {sha or 'unknown'}): driftless Gaussian "
              f"random walk, lag 0, constant; grid (window, N, reps) {grid}; seed 1000 + window;"
              f" smoothed across windows >= {SMOOTH_FROM} in 1/w, w = inf row from the fit")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp.npz")
    np.savez_compressed(tmp, windows=np.append(w_arr, np.inf), ratios=all_ratios,
                        levels=levels, q=np.moveaxis(table, 1, 0).astype(np.float32),
                        reps=np.append(r_arr, r_arr[w_arr >= SMOOTH_FROM].sum()),
                        r_max=np.array(r_max), source=np.array(source))
    tmp.replace(dest)
    print(f"wrote {dest}")


def bundle() -> None:
    """Simulate and ship the critical values of registry series the table cannot serve.

    Exactly what ``signals --series NAME`` would simulate and cache (its standard reading,
    seed 0), written to :data:`~bubblescope.signals.critical.BUNDLED_CV_DIR`.
    """
    from bubblescope.signals.critical import BUNDLED_CV_DIR, monte_carlo_cv
    from bubblescope.signals.reading import standard_reading
    from bubblescope.signals.registry import REGISTRY, load_named

    for name, spec in REGISTRY.items():
        r = standard_reading(name)
        if not spec.bundled or r.resolved(10_000).cv_method == "table":
            continue
        s = load_named(name)
        t0 = time.time()
        monte_carlo_cv(len(s), r.config, reps=r.reps, rng=np.random.default_rng(r.seed),
                       cache_dir=BUNDLED_CV_DIR)
        print(f"{name}: T={len(s)}, {r.reps} reps, {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "bundle":
        bundle()
    elif len(sys.argv) != 3 or sys.argv[1] not in ("simulate", "assemble"):
        sys.exit("usage: make_psy_tables.py simulate|assemble OUTDIR | bundle")
    else:
        (simulate if sys.argv[1] == "simulate" else assemble)(Path(sys.argv[2]))
