"""Numba kernels for LPPLS calibration (pure array functions; see :mod:`.lppls`).

Model (Filimonov & Sornette 2013), for t in a window [t1, t2] and dt = |tc − t|:

    ln p(t) ≈ A + B·dt^m + C1·dt^m·cos(ω ln dt) + C2·dt^m·sin(ω ln dt).

For fixed nonlinear θ = (tc, m, ω) the linear parameters (A, B, C1, C2) solve a 4×4
least-squares problem ("slaved"), so the search runs over θ only. All windows of one end
date share the basis values at each t, so a coarse grid over θ is scored for every nested
window in one backward pass of running moment sums; the best grid points (one per ω, plus
random starts) then seed a bounded Nelder–Mead refinement per window.

Speed (issue 15): the constant is projected out and the 3×3 normal equations are solved by
an unrolled LDLᵀ in scalars with reciprocals (no array scratch, no denormal guard constant);
the grid's equally spaced m and ω values are reached by products (one exp and one cos/sin
per observation and tc); the NaN padding of the grid is counted outside fastmath.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray

__all__ = ["nested_fits", "sse_at"]

_EPS_DT = 1e-8


@numba.njit(cache=True, fastmath=True)
def _sse_moments(n: float, s1: float, s2: float, s3: float, s11: float, s21: float,
                 s31: float, s22: float, s32: float, s33: float, b0: float, b1: float,
                 b2: float, b3: float,
                 yy: float) -> tuple[float, float, float, float, float]:  # pragma: no cover
    """Slaved SSE and (A, B, C1, C2) from the moments of the basis (1, f, g, h) and y.

    ``s_i`` = Σ basis_i, ``s_ij`` = Σ basis_i·basis_j, ``b_i`` = Σ basis_i·y (b0 = Σ y),
    ``yy`` = Σ y². The constant is projected out (moments centred), the remaining 3×3
    normal equations are solved by LDLᵀ in scalars: SSE = y'y_c − Σ z_k²/d_k. Returns
    (inf, 0, 0, 0, 0) when a pivot is ≤ 1e-13 of its diagonal (singular design), as the
    4×4 Cholesky did before.
    """
    r = 1.0 / n  # reciprocals: divisions cost ten times a multiplication here
    m1, m2, m3, yb = s1 * r, s2 * r, s3 * r, b0 * r
    a11 = s11 - s1 * m1
    a21 = s21 - s2 * m1
    a31 = s31 - s3 * m1
    a22 = s22 - s2 * m2
    a32 = s32 - s3 * m2
    a33 = s33 - s3 * m3
    c1 = b1 - s1 * yb
    c2 = b2 - s2 * yb
    c3 = b3 - s3 * yb
    if a11 <= 1e-13 * s11:
        return np.inf, 0.0, 0.0, 0.0, 0.0
    i1 = 1.0 / a11
    l21 = a21 * i1
    l31 = a31 * i1
    d2 = a22 - l21 * a21
    if d2 <= 1e-13 * s22:
        return np.inf, 0.0, 0.0, 0.0, 0.0
    i2 = 1.0 / d2
    l32 = (a32 - l31 * a21) * i2
    d3 = a33 - l31 * a31 - l32 * l32 * d2
    if d3 <= 1e-13 * s33:
        return np.inf, 0.0, 0.0, 0.0, 0.0
    i3 = 1.0 / d3
    z2 = c2 - l21 * c1
    z3 = c3 - l31 * c1 - l32 * z2
    sse = yy - b0 * yb - (c1 * c1 * i1 + z2 * z2 * i2 + z3 * z3 * i3)
    C2 = z3 * i3
    C1 = z2 * i2 - l32 * C2
    B = c1 * i1 - l21 * C1 - l31 * C2
    A = yb - m1 * B - m2 * C1 - m3 * C2
    return max(sse, 0.0), A, B, C1, C2


@numba.njit(cache=True)
def sse_at(t: FloatArray, y: FloatArray, lo: int, hi: int, tc: float, m: float, w: float,
           coef: FloatArray) -> float:  # pragma: no cover - numba
    """SSE of the slaved LPPLS fit on ``t[lo:hi]``, ``y[lo:hi]`` at θ = (tc, m, ω).

    ``coef`` (shape (4,)) receives (A, B, C1, C2) for the *uncentred* y.
    """
    return _sse(t, y, lo, hi, tc, m, w, coef)


@numba.njit(cache=True, fastmath=True)
def _sse(t: FloatArray, y: FloatArray, lo: int, hi: int, tc: float, m: float, w: float,
            coef: FloatArray) -> float:  # pragma: no cover - numba
    """:func:`sse_at`: one pass of moment sums (y centred on its last value), then
    :func:`_sse_moments`."""
    y0 = y[hi - 1]
    yy = 0.0
    s1 = s2 = s3 = s11 = s21 = s31 = s22 = s32 = s33 = 0.0
    b0 = b1 = b2 = b3 = 0.0
    for i in range(lo, hi):
        lg = math.log(abs(tc - t[i]) + _EPS_DT)
        f = math.exp(m * lg)
        g = f * math.cos(w * lg)
        h = f * math.sin(w * lg)
        yc = y[i] - y0
        yy += yc * yc
        s1 += f
        s2 += g
        s3 += h
        s11 += f * f
        s21 += g * f
        s31 += h * f
        s22 += g * g
        s32 += h * g
        s33 += h * h
        b0 += yc
        b1 += f * yc
        b2 += g * yc
        b3 += h * yc
    sse, A, B, C1, C2 = _sse_moments(float(hi - lo), s1, s2, s3, s11, s21, s31, s22, s32, s33,
                                     b0, b1, b2, b3, yy)
    coef[0], coef[1], coef[2], coef[3] = A + y0, B, C1, C2
    return sse


@numba.njit(cache=True)
def _nm_eval(t: FloatArray, y: FloatArray, lo: int, hi: int, x: FloatArray, box: FloatArray,
             coef: FloatArray) -> float:  # pragma: no cover - numba
    """SSE at the unit-cube point ``x`` (clipped) mapped into ``box`` (6,)."""
    for k in range(3):
        x[k] = min(max(x[k], 0.0), 1.0)
    return _sse(t, y, lo, hi, box[0] + x[0] * (box[1] - box[0]),
                   box[2] + x[1] * (box[3] - box[2]), box[4] + x[2] * (box[5] - box[4]), coef)


@numba.njit(cache=True)
def _nm_start(t: FloatArray, y: FloatArray, lo: int, hi: int, x0: FloatArray, box: FloatArray,
              step: FloatArray, S: FloatArray, F: FloatArray,
              coef: FloatArray) -> None:  # pragma: no cover - numba
    """Initial simplex ``S`` (4, 3) at unit-cube ``x0`` with edges ``step`` (3,); values ``F``."""
    for v in range(4):
        for k in range(3):
            S[v, k] = x0[k]
        if v > 0:
            h = step[v - 1]
            S[v, v - 1] += h if x0[v - 1] + h <= 1.0 else -h
        F[v] = _nm_eval(t, y, lo, hi, S[v], box, coef)


@numba.njit(cache=True)
def _sort_simplex(S: FloatArray, F: FloatArray) -> None:  # pragma: no cover - numba
    """Order the 4 vertices of ``S`` by ``F`` ascending, in place (stable insertion sort: the
    same order as a stable argsort, without allocating)."""
    for v in range(1, 4):
        fv = F[v]
        x0, x1, x2 = S[v, 0], S[v, 1], S[v, 2]
        u = v - 1
        while u >= 0 and F[u] > fv:
            F[u + 1] = F[u]
            S[u + 1, 0], S[u + 1, 1], S[u + 1, 2] = S[u, 0], S[u, 1], S[u, 2]
            u -= 1
        F[u + 1] = fv
        S[u + 1, 0], S[u + 1, 1], S[u + 1, 2] = x0, x1, x2


@numba.njit(cache=True)
def _nm_iterate(t: FloatArray, y: FloatArray, lo: int, hi: int, box: FloatArray, budget: int,
                S: FloatArray, F: FloatArray, coef: FloatArray) -> bool:  # pragma: no cover - numba
    """Run bounded Nelder–Mead on the simplex ``S``, ``F`` in place for ``budget`` evaluations.

    Returns True when converged: the spread of the simplex values is at most 1e-7 of the best
    value and its size (unit cube) below 1e-3. The simplex can be resumed by a later call.
    """
    nfev = 0
    xr = np.zeros(3)
    xe = np.zeros(3)
    c = np.zeros(3)
    while True:
        _sort_simplex(S, F)
        size = 0.0
        for v in range(1, 4):
            for k in range(3):
                size = max(size, abs(S[v, k] - S[0, k]))
        if F[3] - F[0] <= 1e-7 * (abs(F[0]) + 1e-12) and size < 1e-3:
            return True
        if nfev >= budget:
            return False
        for k in range(3):
            c[k] = (S[0, k] + S[1, k] + S[2, k]) / 3.0
            xr[k] = c[k] + (c[k] - S[3, k])
        fr = _nm_eval(t, y, lo, hi, xr, box, coef)
        nfev += 1
        if fr < F[0]:
            for k in range(3):
                xe[k] = c[k] + 2.0 * (c[k] - S[3, k])
            fe = _nm_eval(t, y, lo, hi, xe, box, coef)
            nfev += 1
            if fe < fr:
                S[3], F[3] = xe, fe
            else:
                S[3], F[3] = xr, fr
        elif fr < F[2]:
            S[3], F[3] = xr, fr
        else:
            for k in range(3):
                xe[k] = c[k] + 0.5 * (S[3, k] - c[k])
            fc = _nm_eval(t, y, lo, hi, xe, box, coef)
            nfev += 1
            if fc < F[3]:
                S[3], F[3] = xe, fc
            else:
                for v in range(1, 4):
                    for k in range(3):
                        S[v, k] = S[0, k] + 0.5 * (S[v, k] - S[0, k])
                    F[v] = _nm_eval(t, y, lo, hi, S[v], box, coef)
                nfev += 3


@numba.njit(cache=True)
def _refine(t: FloatArray, y: FloatArray, lo: int, hi: int, x0s: FloatArray, box: FloatArray,
            step: FloatArray, probe: int, max_eval: int, n_full: int, n_polish: int,
            best: FloatArray) -> tuple[float, bool]:  # pragma: no cover - numba
    """Best of several Nelder–Mead restarts ``x0s`` (k, 3) by successive halving and polish.

    Every restart gets ``probe`` evaluations; the ``n_full`` with the lowest values so far run
    on to convergence (``max_eval`` each), and each is then restarted up to ``n_polish``
    times from its best vertex with a fresh simplex (a collapsed simplex can stall short of
    the minimum) while that still lowers the SSE. ``best`` (3,) receives the minimiser.
    """
    k = x0s.shape[0]
    Ss = np.zeros((k, 4, 3))
    Fs = np.zeros((k, 4))
    conv = np.zeros(k, dtype=np.bool_)
    lead_f = np.zeros(k)
    coef = np.zeros(4)
    x = np.zeros(3)
    for s in range(k):
        _nm_start(t, y, lo, hi, x0s[s], box, step, Ss[s], Fs[s], coef)
        conv[s] = _nm_iterate(t, y, lo, hi, box, probe, Ss[s], Fs[s], coef)
        lead_f[s] = Fs[s].min()
    order = np.argsort(lead_f)
    best_f = np.inf
    best_c = False
    for r in range(min(max(n_full, 1), k)):
        s = order[r]
        if not conv[s]:
            conv[s] = _nm_iterate(t, y, lo, hi, box, max_eval - probe, Ss[s], Fs[s], coef)
        for _ in range(n_polish):
            i = int(np.argmin(Fs[s]))
            before = Fs[s, i]
            x[:] = Ss[s, i]
            _nm_start(t, y, lo, hi, x, box, step, Ss[s], Fs[s], coef)
            conv[s] = _nm_iterate(t, y, lo, hi, box, max_eval, Ss[s], Fs[s], coef)
            if not Fs[s].min() < before * (1.0 - 1e-9):
                break
        i = int(np.argmin(Fs[s]))
        if Fs[s, i] < best_f:
            best_f = Fs[s, i]
            best_c = conv[s]
            best[:] = Ss[s, i]
    return best_f, best_c


@numba.njit(parallel=True, cache=True)
def nested_fits(t: FloatArray, y: FloatArray, ends: IntArray, lengths: IntArray,
                grid: FloatArray, box_frac: FloatArray, n_top: int, n_full: int,
                n_polish: int, starts: FloatArray, max_eval: int, probe: int, out_par: FloatArray,
                out_sse: FloatArray, out_conv: BoolArray) -> None:  # pragma: no cover - numba
    """Calibrate LPPLS on every window ``[e − L + 1, e]`` for e in ``ends``, L in ``lengths``.

    Parameters
    ----------
    t, y : ndarray of float64, shape (T,)
        Time (years) and log price.
    ends : ndarray of int64, shape (E,)
        Window end indices.
    lengths : ndarray of int64, shape (W,), ascending
        Window lengths (observations).
    grid : ndarray of float64, shape (3, G)
        Unit-cube grid coordinates per axis (tc, m, ω), padded with NaN.
    box_frac : ndarray of float64, shape (6,)
        (tc_lo, tc_hi) as fractions of the window span dt after t2, then m and ω bounds.
    n_top : int
        Best grid points refined per window.
    n_full, n_polish : int
        Restarts run on to convergence after the probe, and fresh-simplex polishes of each.
    max_eval, probe : int
        Evaluations per restart run to convergence, and of the probe every restart gets.
    starts : ndarray of float64, shape (E, W, R, 3)
        Extra random unit-cube starts per window.
    out_par : ndarray, shape (E, W, 7) ← (tc, m, ω, A, B, C1, C2)
    out_sse : ndarray, shape (E, W); out_conv : ndarray of bool, shape (E, W)
    """
    W = lengths.shape[0]
    step = np.zeros(3)
    ng = _grid_sizes(grid)
    for ax in range(3):
        step[ax] = 0.5 / ng[ax]  # half a grid cell: the refinement starts inside the best cell
    probe = min(max_eval, probe)
    for ei in numba.prange(ends.shape[0]):
        e = ends[ei]
        tops = _grid_pass(t, y, e, lengths, grid, ng, box_frac)
        for wi in range(W):
            lo = e - lengths[wi] + 1
            box = _box(t, lo, e, box_frac)
            x0s = _candidates(tops[wi], n_top, starts[ei, wi])
            best_x = np.zeros(3)
            best_f, best_c = _refine(t, y, lo, e + 1, x0s, box, step, probe, max_eval, n_full,
                                     n_polish, best_x)
            coef = np.zeros(4)
            tc = box[0] + best_x[0] * (box[1] - box[0])
            m = box[2] + best_x[1] * (box[3] - box[2])
            w = box[4] + best_x[2] * (box[5] - box[4])
            out_sse[ei, wi] = sse_at(t, y, lo, e + 1, tc, m, w, coef)
            out_par[ei, wi, 0], out_par[ei, wi, 1], out_par[ei, wi, 2] = tc, m, w
            out_par[ei, wi, 3:] = coef
            out_conv[ei, wi] = best_c and np.isfinite(best_f)


@numba.njit(cache=True)
def _grid_sizes(grid: FloatArray) -> IntArray:  # pragma: no cover - numba
    """Number of grid values per axis (the NaN padding excluded).

    Not fastmath: under fastmath LLVM may assume no NaN and count the padding too, which
    before this function scored 18 × 18 × 18 cells (NaN ones in vain) for an 18 × 8 × 16 grid.
    """
    ng = np.zeros(3, dtype=np.int64)
    for ax in range(3):
        while ng[ax] < grid.shape[1] and np.isfinite(grid[ax, ng[ax]]):
            ng[ax] += 1
    return ng


@numba.njit(cache=True)
def _candidates(top: FloatArray, n_top: int, extra: FloatArray) -> FloatArray:  # pragma: no cover
    """Starts (k, 3): the ``n_top`` best finite grid candidates of ``top`` (n_ω, 4), then
    the random ``extra`` (R, 3)."""
    order = np.argsort(top[:, 3])
    n = 0
    while n < min(n_top, order.shape[0]) and np.isfinite(top[order[n], 3]):
        n += 1
    out = np.zeros((max(n + extra.shape[0], 1), 3)) + 0.5
    for s in range(n):
        out[s] = top[order[s], :3]
    for s in range(extra.shape[0]):
        out[n + s] = extra[s]
    return out


@numba.njit(cache=True)
def _box(t: FloatArray, lo: int, e: int, box_frac: FloatArray) -> FloatArray:  # pragma: no cover
    dt = t[e] - t[lo]
    box = box_frac.copy()
    box[0] = t[e] + box_frac[0] * dt
    box[1] = t[e] + box_frac[1] * dt
    return box


@numba.njit(cache=True, fastmath=True)
def _grid_pass(t: FloatArray, y: FloatArray, e: int, lengths: IntArray, grid: FloatArray,
               ng: IntArray, box_frac: FloatArray) -> FloatArray:  # pragma: no cover - numba
    """Score the θ grid for all nested windows ending at ``e``.

    Returns an array of shape (W, n_ω, 4): for each window and each ω of the grid, the best
    (tc, m) cell — unit-cube θ in the window's box and its SSE. Keeping one candidate per ω
    spreads the restarts over the log-periodic frequencies, where the objective is most
    multimodal, instead of spending them on neighbouring cells of one basin.
    """
    W = lengths.shape[0]
    n_max = lengths[W - 1]
    widest = _box(t, e - n_max + 1, e, box_frac)
    lg = np.zeros(n_max)
    f = np.zeros(n_max)
    tops = np.full((W, ng[2], 4), np.inf)
    cw = np.zeros((ng[2], n_max))
    sw = np.zeros((ng[2], n_max))
    boxes = np.zeros((W, 6))
    for wi in range(W):
        boxes[wi] = _box(t, e - lengths[wi] + 1, e, box_frac)
    # Equally spaced m and ω grids (cell midpoints, :meth:`SearchBox.grid_array`) reuse one
    # exp and one cos/sin per observation and tc: the other grid values follow by products.
    uniform = np.zeros(3, dtype=np.bool_)
    for ax in range(1, 3):
        uniform[ax] = ng[ax] > 1
        for k in range(2, ng[ax]):
            d0 = grid[ax, 1] - grid[ax, 0]
            if abs(grid[ax, k] - grid[ax, k - 1] - d0) > 1e-12:
                uniform[ax] = False
    dm = (grid[1, 1] - grid[1, 0]) * (box_frac[3] - box_frac[2]) if ng[1] > 1 else 0.0
    dw = (grid[2, 1] - grid[2, 0]) * (box_frac[5] - box_frac[4]) if ng[2] > 1 else 0.0
    q = np.zeros(n_max)
    rc = np.zeros(n_max)
    rs = np.zeros(n_max)
    for it in range(ng[0]):
        tc = widest[0] + grid[0, it] * (widest[1] - widest[0])
        for j in range(n_max):
            lg[j] = math.log(abs(tc - t[e - j]) + _EPS_DT)
        for iw in range(ng[2]):
            if iw > 0 and uniform[2]:  # rotate the previous ω's angle by dω·ln dt
                for j in range(n_max):
                    cw[iw, j] = cw[iw - 1, j] * rc[j] - sw[iw - 1, j] * rs[j]
                    sw[iw, j] = sw[iw - 1, j] * rc[j] + cw[iw - 1, j] * rs[j]
                continue
            w = box_frac[4] + grid[2, iw] * (box_frac[5] - box_frac[4])
            for j in range(n_max):
                cw[iw, j] = math.cos(w * lg[j])
                sw[iw, j] = math.sin(w * lg[j])
                rc[j] = math.cos(dw * lg[j])
                rs[j] = math.sin(dw * lg[j])
        for im in range(ng[1]):
            if im > 0 and uniform[1]:  # dt^(m + dm) = dt^m · dt^dm
                for j in range(n_max):
                    f[j] *= q[j]
            else:
                m = box_frac[2] + grid[1, im] * (box_frac[3] - box_frac[2])
                for j in range(n_max):
                    f[j] = math.exp(m * lg[j])
                    q[j] = math.exp(dm * lg[j])
            for iw in range(ng[2]):
                _score(y, e, lengths, boxes, tc, grid[1, im], grid[2, iw], f, cw[iw], sw[iw],
                       tops[:, iw])
    return tops


@numba.njit(cache=True, fastmath=True)
def _score(y: FloatArray, e: int, lengths: IntArray, boxes: FloatArray, tc: float, xm: float,
           xw: float, f: FloatArray, cw: FloatArray, sw: FloatArray,
           tops: FloatArray) -> None:  # pragma: no cover - numba
    """Backward pass of running moments; score each window whose tc box holds ``tc``.

    ``tops`` (W, 4) holds each window's best (θ, SSE) so far for the current ω.
    """
    yy = 0.0
    s1 = s2 = s3 = s11 = s21 = s31 = s22 = s32 = s33 = 0.0
    b0 = b1 = b2 = b3 = 0.0
    wi = 0
    W = lengths.shape[0]
    ye = y[e]
    for j in range(lengths[W - 1]):
        fj = f[j]
        g = fj * cw[j]
        h = fj * sw[j]
        yc = y[e - j] - ye
        s1 += fj
        s2 += g
        s3 += h
        s11 += fj * fj
        s21 += g * fj
        s31 += h * fj
        s22 += g * g
        s32 += h * g
        s33 += h * h
        b0 += yc
        b1 += fj * yc
        b2 += g * yc
        b3 += h * yc
        yy += yc * yc
        while wi < W and j + 1 == lengths[wi]:
            bx = boxes[wi]
            if bx[0] <= tc <= bx[1]:
                sse = _sse_moments(float(j + 1), s1, s2, s3, s11, s21, s31, s22, s32, s33, b0,
                                   b1, b2, b3, yy)[0]
                if sse < tops[wi, 3]:
                    tops[wi, 0] = (tc - bx[0]) / (bx[1] - bx[0])
                    tops[wi, 1], tops[wi, 2], tops[wi, 3] = xm, xw, sse
            wi += 1
