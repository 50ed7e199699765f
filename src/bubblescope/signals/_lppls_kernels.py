"""Numba kernels for LPPLS calibration (pure array functions; see :mod:`.lppls`).

Model (Filimonov & Sornette 2013), for t in a window [t1, t2] and dt = |tc − t|:

    ln p(t) ≈ A + B·dt^m + C1·dt^m·cos(ω ln dt) + C2·dt^m·sin(ω ln dt).

For fixed nonlinear θ = (tc, m, ω) the linear parameters (A, B, C1, C2) solve a 4×4
least-squares problem ("slaved"), so the search runs over θ only. All windows of one end
date share the basis values at each t, so a coarse grid over θ is scored for every nested
window in one backward pass of running moment sums; the best grid points (one per ω, plus
random starts) then seed a bounded Nelder–Mead refinement per window.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray

__all__ = ["nested_fits", "sse_at"]

_EPS_DT = 1e-8


@numba.njit(cache=True)
def _solve4(M: FloatArray, b: FloatArray, out: FloatArray,
            L: FloatArray, z: FloatArray) -> bool:  # pragma: no cover - numba
    """Solve the SPD system M x = b (4×4, lower triangle used) by Cholesky; False if singular.

    ``L`` (4, 4) and ``z`` (4,) are scratch space (no allocation in the hot loop).
    """
    for a in range(4):
        for c in range(a + 1):
            s = M[a, c]
            for k in range(c):
                s -= L[a, k] * L[c, k]
            if a == c:
                if s <= 1e-13 * (M[a, a] + 1e-300):
                    return False
                L[a, a] = math.sqrt(s)
            else:
                L[a, c] = s / L[c, c]
    for a in range(4):
        s = b[a]
        for k in range(a):
            s -= L[a, k] * z[k]
        z[a] = s / L[a, a]
    for a in range(3, -1, -1):
        s = z[a]
        for k in range(a + 1, 4):
            s -= L[k, a] * out[k]
        out[a] = s / L[a, a]
    return True


@numba.njit(cache=True)
def _moments_sse(M: FloatArray, b: FloatArray, yy: float, coef: FloatArray,
                 L: FloatArray, z: FloatArray) -> float:  # pragma: no cover - numba
    """SSE = y'y − b'β̂ from the moments (y centred by the caller); inf when singular."""
    if not _solve4(M, b, coef, L, z):
        return np.inf
    s = yy
    for a in range(4):
        s -= b[a] * coef[a]
    return max(s, 0.0)


@numba.njit(cache=True)
def sse_at(t: FloatArray, y: FloatArray, lo: int, hi: int, tc: float, m: float, w: float,
           coef: FloatArray) -> float:  # pragma: no cover - numba
    """SSE of the slaved LPPLS fit on ``t[lo:hi]``, ``y[lo:hi]`` at θ = (tc, m, ω).

    ``coef`` (shape (4,)) receives (A, B, C1, C2) for the *uncentred* y.
    """
    return _sse_ws(t, y, lo, hi, tc, m, w, coef, np.zeros((10, 4)))


@numba.njit(cache=True, fastmath=True)
def _sse_ws(t: FloatArray, y: FloatArray, lo: int, hi: int, tc: float, m: float, w: float,
            coef: FloatArray, ws: FloatArray) -> float:  # pragma: no cover - numba
    """:func:`sse_at` with a workspace ``ws`` (10, 4): M, L, then b and z rows."""
    M = ws[0:4]
    L = ws[4:8]
    b = ws[8]
    z = ws[9]
    M[:, :] = 0.0
    b[:] = 0.0
    ybar = 0.0
    for i in range(lo, hi):
        ybar += y[i]
    ybar /= hi - lo
    yy = 0.0
    s0 = s1 = s2 = s3 = s11 = s21 = s31 = s22 = s32 = s33 = 0.0
    b0 = b1 = b2 = b3 = 0.0
    for i in range(lo, hi):
        lg = math.log(abs(tc - t[i]) + _EPS_DT)
        f = math.exp(m * lg)
        g = f * math.cos(w * lg)
        h = f * math.sin(w * lg)
        yc = y[i] - ybar
        yy += yc * yc
        s0 += 1.0
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
    M[0, 0], M[1, 0], M[2, 0], M[3, 0] = s0, s1, s2, s3
    M[1, 1], M[2, 1], M[3, 1] = s11, s21, s31
    M[2, 2], M[3, 2], M[3, 3] = s22, s32, s33
    b[0], b[1], b[2], b[3] = b0, b1, b2, b3
    s = _moments_sse(M, b, yy, coef, L, z)
    coef[0] += ybar
    return s


@numba.njit(cache=True)
def _nm_eval(t: FloatArray, y: FloatArray, lo: int, hi: int, x: FloatArray, box: FloatArray,
             coef: FloatArray, ws: FloatArray) -> float:  # pragma: no cover - numba
    """SSE at the unit-cube point ``x`` (clipped) mapped into ``box`` (6,)."""
    for k in range(3):
        x[k] = min(max(x[k], 0.0), 1.0)
    return _sse_ws(t, y, lo, hi, box[0] + x[0] * (box[1] - box[0]),
                   box[2] + x[1] * (box[3] - box[2]), box[4] + x[2] * (box[5] - box[4]), coef,
                   ws)


@numba.njit(cache=True)
def _nm_start(t: FloatArray, y: FloatArray, lo: int, hi: int, x0: FloatArray, box: FloatArray,
              step: FloatArray, S: FloatArray, F: FloatArray, coef: FloatArray,
              ws: FloatArray) -> None:  # pragma: no cover - numba
    """Initial simplex ``S`` (4, 3) at unit-cube ``x0`` with edges ``step`` (3,); values ``F``."""
    for v in range(4):
        for k in range(3):
            S[v, k] = x0[k]
        if v > 0:
            h = step[v - 1]
            S[v, v - 1] += h if x0[v - 1] + h <= 1.0 else -h
        F[v] = _nm_eval(t, y, lo, hi, S[v], box, coef, ws)


@numba.njit(cache=True)
def _nm_iterate(t: FloatArray, y: FloatArray, lo: int, hi: int, box: FloatArray, budget: int,
                S: FloatArray, F: FloatArray, coef: FloatArray,
                ws: FloatArray) -> bool:  # pragma: no cover - numba
    """Run bounded Nelder–Mead on the simplex ``S``, ``F`` in place for ``budget`` evaluations.

    Returns True when converged: the spread of the simplex values is at most 1e-7 of the best
    value and its size (unit cube) below 1e-3. The simplex can be resumed by a later call.
    """
    nfev = 0
    xr = np.zeros(3)
    xe = np.zeros(3)
    c = np.zeros(3)
    while True:
        order = np.argsort(F)
        S[:, :] = S[order]
        F[:] = F[order]
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
        fr = _nm_eval(t, y, lo, hi, xr, box, coef, ws)
        nfev += 1
        if fr < F[0]:
            for k in range(3):
                xe[k] = c[k] + 2.0 * (c[k] - S[3, k])
            fe = _nm_eval(t, y, lo, hi, xe, box, coef, ws)
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
            fc = _nm_eval(t, y, lo, hi, xe, box, coef, ws)
            nfev += 1
            if fc < F[3]:
                S[3], F[3] = xe, fc
            else:
                for v in range(1, 4):
                    for k in range(3):
                        S[v, k] = S[0, k] + 0.5 * (S[v, k] - S[0, k])
                    F[v] = _nm_eval(t, y, lo, hi, S[v], box, coef, ws)
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
    ws = np.zeros((10, 4))
    x = np.zeros(3)
    for s in range(k):
        _nm_start(t, y, lo, hi, x0s[s], box, step, Ss[s], Fs[s], coef, ws)
        conv[s] = _nm_iterate(t, y, lo, hi, box, probe, Ss[s], Fs[s], coef, ws)
        lead_f[s] = Fs[s].min()
    order = np.argsort(lead_f)
    best_f = np.inf
    best_c = False
    for r in range(min(max(n_full, 1), k)):
        s = order[r]
        if not conv[s]:
            conv[s] = _nm_iterate(t, y, lo, hi, box, max_eval - probe, Ss[s], Fs[s], coef, ws)
        for _ in range(n_polish):
            i = int(np.argmin(Fs[s]))
            before = Fs[s, i]
            x[:] = Ss[s, i]
            _nm_start(t, y, lo, hi, x, box, step, Ss[s], Fs[s], coef, ws)
            conv[s] = _nm_iterate(t, y, lo, hi, box, max_eval, Ss[s], Fs[s], coef, ws)
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
                n_polish: int, starts: FloatArray, max_eval: int, out_par: FloatArray,
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
    starts : ndarray of float64, shape (E, W, R, 3)
        Extra random unit-cube starts per window.
    out_par : ndarray, shape (E, W, 7) ← (tc, m, ω, A, B, C1, C2)
    out_sse : ndarray, shape (E, W); out_conv : ndarray of bool, shape (E, W)
    """
    W = lengths.shape[0]
    step = np.zeros(3)
    for ax in range(3):
        n = 0
        while n < grid.shape[1] and np.isfinite(grid[ax, n]):
            n += 1
        step[ax] = 0.5 / n  # half a grid cell: the refinement starts inside the best cell
    probe = min(max_eval, 40)
    for ei in numba.prange(ends.shape[0]):
        e = ends[ei]
        tops = _grid_pass(t, y, e, lengths, grid, box_frac)
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
               box_frac: FloatArray) -> FloatArray:  # pragma: no cover - numba
    """Score the θ grid for all nested windows ending at ``e``.

    Returns an array of shape (W, n_ω, 4): for each window and each ω of the grid, the best
    (tc, m) cell — unit-cube θ in the window's box and its SSE. Keeping one candidate per ω
    spreads the restarts over the log-periodic frequencies, where the objective is most
    multimodal, instead of spending them on neighbouring cells of one basin.
    """
    W = lengths.shape[0]
    n_max = lengths[W - 1]
    widest = _box(t, e - n_max + 1, e, box_frac)
    M = np.zeros((4, 4))
    b = np.zeros(4)
    coef = np.zeros(4)
    scratch = np.zeros((5, 4))
    lg = np.zeros(n_max)
    f = np.zeros(n_max)
    ng = [0, 0, 0]
    for ax in range(3):
        while ng[ax] < grid.shape[1] and np.isfinite(grid[ax, ng[ax]]):
            ng[ax] += 1
    tops = np.full((W, ng[2], 4), np.inf)
    cw = np.zeros((ng[2], n_max))
    sw = np.zeros((ng[2], n_max))
    boxes = np.zeros((W, 6))
    for wi in range(W):
        boxes[wi] = _box(t, e - lengths[wi] + 1, e, box_frac)
    for it in range(ng[0]):
        tc = widest[0] + grid[0, it] * (widest[1] - widest[0])
        for j in range(n_max):
            lg[j] = math.log(abs(tc - t[e - j]) + _EPS_DT)
        for iw in range(ng[2]):
            w = box_frac[4] + grid[2, iw] * (box_frac[5] - box_frac[4])
            for j in range(n_max):
                cw[iw, j] = math.cos(w * lg[j])
                sw[iw, j] = math.sin(w * lg[j])
        for im in range(ng[1]):
            m = box_frac[2] + grid[1, im] * (box_frac[3] - box_frac[2])
            for j in range(n_max):
                f[j] = math.exp(m * lg[j])
            for iw in range(ng[2]):
                _score(y, e, lengths, boxes, tc, grid[1, im], grid[2, iw], f, cw[iw], sw[iw],
                       M, b, coef, scratch, tops[:, iw])
    return tops


@numba.njit(cache=True, fastmath=True)
def _score(y: FloatArray, e: int, lengths: IntArray, boxes: FloatArray, tc: float, xm: float,
           xw: float, f: FloatArray, cw: FloatArray, sw: FloatArray, M: FloatArray,
           b: FloatArray, coef: FloatArray, scratch: FloatArray,
           tops: FloatArray) -> None:  # pragma: no cover - numba
    """Backward pass of running moments; score each window whose tc box holds ``tc``.

    ``tops`` (W, 4) holds each window's best (θ, SSE) so far for the current ω.
    """
    M[:, :] = 0.0
    b[:] = 0.0
    yy = 0.0
    wi = 0
    W = lengths.shape[0]
    ye = y[e]
    for j in range(lengths[W - 1]):
        fj = f[j]
        g = fj * cw[j]
        h = fj * sw[j]
        yc = y[e - j] - ye
        M[0, 0] += 1.0
        M[1, 0] += fj
        M[2, 0] += g
        M[3, 0] += h
        M[1, 1] += fj * fj
        M[2, 1] += g * fj
        M[3, 1] += h * fj
        M[2, 2] += g * g
        M[3, 2] += h * g
        M[3, 3] += h * h
        b[0] += yc
        b[1] += fj * yc
        b[2] += g * yc
        b[3] += h * yc
        yy += yc * yc
        while wi < W and j + 1 == lengths[wi]:
            bx = boxes[wi]
            if bx[0] <= tc <= bx[1]:
                sse = _moments_sse(M, b, yy, coef, scratch[:4], scratch[4])
                if sse < tops[wi, 3]:
                    tops[wi, 0] = (tc - bx[0]) / (bx[1] - bx[0])
                    tops[wi, 1], tops[wi, 2], tops[wi, 3] = xm, xw, sse
            wi += 1
