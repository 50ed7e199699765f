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
                out_sse: FloatArray, out_conv: BoolArray,
                warm: int = 0, warm_top: int = 2,
                n_blocks: int = 8) -> None:  # pragma: no cover - numba
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
    warm : int
        0: every end date is searched as above. k > 0: the end dates are cut into
        ``n_blocks`` runs of consecutive ones (one per task); in each run the first and every
        k-th end date are searched in full, the others start :func:`_lm` (Newton) from the
        previous end date's fit of the same window length and from the ``warm_top`` best grid
        cells (:func:`_refine_warm`), up to ``max_eval`` evaluations each.
    """
    step = np.zeros(3)
    ng = _grid_sizes(grid)
    for ax in range(3):
        step[ax] = 0.5 / ng[ax]  # half a grid cell: the refinement starts inside the best cell
    probe = min(max_eval, probe)
    E = ends.shape[0]
    nb = E if warm <= 0 else min(E, n_blocks)
    for bi in numba.prange(nb):
        a, z = bi * E // nb, (bi + 1) * E // nb
        for ei in range(a, z):
            _fit_end(t, y, ends, ei, a, lengths, grid, ng, box_frac, n_top, n_full, n_polish,
                     starts, max_eval, probe, step, warm, warm_top, out_par, out_sse,
                     out_conv)


@numba.njit(cache=True)
def _fit_end(t: FloatArray, y: FloatArray, ends: IntArray, ei: int, first: int,
             lengths: IntArray, grid: FloatArray, ng: IntArray, box_frac: FloatArray,
             n_top: int, n_full: int, n_polish: int, starts: FloatArray, max_eval: int,
             probe: int, step: FloatArray, warm: int, warm_top: int,
             out_par: FloatArray, out_sse: FloatArray,
             out_conv: BoolArray) -> None:  # pragma: no cover - numba
    """Every window of end index ``ends[ei]`` (see :func:`nested_fits`)."""
    W = lengths.shape[0]
    e = ends[ei]
    tops = _grid_pass(t, y, e, lengths, grid, ng, box_frac)
    use_warm = warm > 0 and ei > first and (ei - first) % warm != 0
    for wi in range(W):
        lo = e - lengths[wi] + 1
        box = _box(t, lo, e, box_frac)
        x0s = _candidates(tops[wi], n_top, starts[ei, wi])
        best_x = np.zeros(3)
        if use_warm:
            best_f, best_c = _refine_warm(t, y, lo, e + 1, x0s, box, out_par[ei - 1, wi],
                                          warm_top, max_eval, best_x)
        else:
            best_f, best_c = _refine(t, y, lo, e + 1, x0s, box, step, probe, max_eval,
                                     n_full, n_polish, best_x)
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
    nw = ng[2]
    cwT = np.zeros((n_max, nw))
    swT = np.zeros((n_max, nw))
    ccT = np.zeros((n_max, nw))
    csT = np.zeros((n_max, nw))
    ssT = np.zeros((n_max, nw))
    acc = np.zeros((9, nw))
    yc = np.zeros(n_max)
    for j in range(n_max):
        yc[j] = y[e - j] - y[e]
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
        for j in range(n_max):
            for iw in range(nw):
                c, sn = cw[iw, j], sw[iw, j]
                cwT[j, iw], swT[j, iw] = c, sn
                ccT[j, iw], csT[j, iw], ssT[j, iw] = c * c, c * sn, sn * sn
        for im in range(ng[1]):
            if im > 0 and uniform[1]:  # dt^(m + dm) = dt^m · dt^dm
                for j in range(n_max):
                    f[j] *= q[j]
            else:
                m = box_frac[2] + grid[1, im] * (box_frac[3] - box_frac[2])
                for j in range(n_max):
                    f[j] = math.exp(m * lg[j])
                    q[j] = math.exp(dm * lg[j])
            _score_all(yc, lengths, boxes, tc, grid[1, im], grid[2, :ng[2]], f, cwT, swT, ccT,
                       csT, ssT, tops, acc)
    return tops


# --- Variable-projection Newton / Levenberg–Marquardt (issue 15) ----------------------------
#
# The SSE profiled over the linear parameters, S(θ) = min_β ‖y − Φ(θ)β‖², has the gradient
# ∂S/∂θ_k = −2 rᵀ d_k with r the slaved residual and d_k = ∂(Φβ)/∂θ_k at fixed β (Golub &
# Pereyra 1973), and its Hessian is the Schur complement of the Hessian of ‖y − Φβ‖² in
# (θ, β) (see :func:`_lm_system`). Both come from one pass of products over the basis values
# that the evaluation at θ stored (no further exp/log/cos/sin), so a Newton iteration costs
# little more than one SSE evaluation and converges quadratically near a minimum.

_LM_L, _LM_F, _LM_C, _LM_S, _LM_DT = 0, 1, 2, 3, 4


@numba.njit(cache=True, fastmath=True)
def _sse_store(t: FloatArray, y: FloatArray, lo: int, hi: int, tc: float, m: float, w: float,
               buf: FloatArray, coef: FloatArray) -> float:  # pragma: no cover - numba
    """:func:`_sse` that also keeps ln dt, dt^m, cos, sin and dt per observation in ``buf``
    (5, n) and (A, B, C1, C2) for y centred on its last value in ``coef``."""
    y0 = y[hi - 1]
    yy = 0.0
    s1 = s2 = s3 = s11 = s21 = s31 = s22 = s32 = s33 = 0.0
    b0 = b1 = b2 = b3 = 0.0
    for i in range(lo, hi):
        dt = abs(tc - t[i]) + _EPS_DT
        lg = math.log(dt)
        f = math.exp(m * lg)
        c = math.cos(w * lg)
        s = math.sin(w * lg)
        j = i - lo
        buf[_LM_L, j], buf[_LM_F, j], buf[_LM_C, j], buf[_LM_S, j], buf[_LM_DT, j] = lg, f, c, s, dt
        g = f * c
        h = f * s
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
    coef[0], coef[1], coef[2], coef[3] = A, B, C1, C2
    return sse


@numba.njit(cache=True, fastmath=True)
def _lm_system(t: FloatArray, y: FloatArray, lo: int, hi: int, tc: float, m: float, w: float,
               buf: FloatArray, coef: FloatArray, scale: FloatArray, M: FloatArray,
               R: FloatArray, G: FloatArray, H: FloatArray,
               g: FloatArray) -> None:  # pragma: no cover - numba
    """Newton system of the profiled SSE at θ, in unit-cube coordinates (derivatives times
    ``scale``, the box widths): ``H`` (3, 3) = ½ ∇²S, ``g`` (3,) = −½ ∇S = Dᵀ r, and ``G``
    (3, 3) = Dᵀ P⊥ D, the Gauss–Newton part of ``H`` (Kaufman 1975).

    ``buf`` and ``coef`` are what :func:`_sse_store` left at θ; ``M`` (7, 7) and ``R`` (15,)
    are scratch. With F(θ, β) = ‖y − Φ(θ)β‖², S(θ) = min_β F, ∇²S is the Schur complement
    F_θθ − F_θβ F_ββ⁻¹ F_βθ of F's Hessian at the slaved β:

        ½F_θθ = DᵀD − [rᵀ ∂²(Φβ)/∂θ_k∂θ_l],  ½F_θβ = DᵀΦ − [rᵀ ∂Φ_j/∂θ_k],  ½F_ββ = ΦᵀΦ.

    With P = f·u, Q = f·v (u = B + C1 cos + C2 sin, v = C2 cos − C1 sin), P° = P − B·f,
    σ = sign(tc − t): D = (σ(mP + ωQ)/dt, L·P, L·Q), second derivatives L²P, L²Q, −L²P°
    (m m, m ω, ω ω), σ(P + L(mP + ωQ))/dt, σ(Q + L(mQ − ωP°))/dt (m tc, ω tc) and
    ((m² − m)P + ω(2m − 1)Q − ω²P°)/dt² (tc tc).
    """
    A, B, C1, C2 = coef[0], coef[1], coef[2], coef[3]
    s0, s1, s2 = scale[0], scale[1], scale[2]
    y0 = y[hi - 1]
    for a in range(7):
        for b in range(7):
            M[a, b] = 0.0
    for a in range(15):
        R[a] = 0.0
    g2 = 0.0
    Rw = 0.0
    for i in range(lo, hi):
        j = i - lo
        lg, f, c, s, dt = buf[_LM_L, j], buf[_LM_F, j], buf[_LM_C, j], buf[_LM_S, j], buf[_LM_DT, j]
        fc = f * c
        fs = f * s
        P = B * f + C1 * fc + C2 * fs
        Q = C2 * fc - C1 * fs
        r = y[i] - y0 - A - P
        sd = (1.0 if tc >= t[i] else -1.0) / dt
        mPwQ = m * P + w * Q
        q0 = 1.0
        q4 = sd * mPwQ * s0
        q5 = lg * P * s1
        q6 = lg * Q * s2
        # Φᵀ Φ, Dᵀ Φ, Dᵀ D (lower triangle of the 7×7 moment matrix)
        M[0, 0] += q0
        M[1, 0] += f
        M[1, 1] += f * f
        M[2, 0] += fc
        M[2, 1] += fc * f
        M[2, 2] += fc * fc
        M[3, 0] += fs
        M[3, 1] += fs * f
        M[3, 2] += fs * fc
        M[3, 3] += fs * fs
        M[4, 0] += q4
        M[4, 1] += q4 * f
        M[4, 2] += q4 * fc
        M[4, 3] += q4 * fs
        M[4, 4] += q4 * q4
        M[5, 0] += q5
        M[5, 1] += q5 * f
        M[5, 2] += q5 * fc
        M[5, 3] += q5 * fs
        M[5, 4] += q5 * q4
        M[5, 5] += q5 * q5
        M[6, 0] += q6
        M[6, 1] += q6 * f
        M[6, 2] += q6 * fc
        M[6, 3] += q6 * fs
        M[6, 4] += q6 * q4
        M[6, 5] += q6 * q5
        M[6, 6] += q6 * q6
        # rᵀ ∂Φ_j/∂θ_k (j = f, f cos, f sin; k = tc, m, ω) and rᵀ ∂²(Φβ)/∂θ_k∂θ_l
        rs = r * sd
        rl = r * lg
        R[0] += rs * m * f
        R[1] += rs * (m * fc - w * fs)
        R[2] += rs * (m * fs + w * fc)
        R[3] += rl * f
        R[4] += rl * fc
        R[5] += rl * fs
        R[6] += -rl * fs
        R[7] += rl * fc
        rll = rl * lg
        Po = P - B * f
        R[8] += rll * P  # m m
        R[9] += rll * Q  # m ω
        R[10] += rs * (P + lg * mPwQ)  # m tc
        R[11] += rs * (Q + lg * (m * Q - w * Po))  # ω tc
        R[12] += rs * sd * ((m * m - m) * P + w * (2.0 * m - 1.0) * Q - w * w * Po)  # tc tc
        Rw += rll * Po  # ω ω (with a minus sign)
        R[13] += r * q4
        R[14] += r * q5
        g2 += r * q6
    g[0], g[1], g[2] = R[13], R[14], g2
    # Cholesky of ΦᵀΦ (4×4), then Z = L⁻¹ (Φᵀ D) for D (Gauss–Newton) and for the corrected
    # ½F_βθ (Newton); G and H are DᵀD (less rᵀ∂²(Φβ) for H) minus ZᵀZ.
    Lc = np.zeros((4, 4))
    for a in range(4):
        for b in range(a + 1):
            acc = M[a, b]
            for k in range(b):
                acc -= Lc[a, k] * Lc[b, k]
            if a == b:
                Lc[a, a] = math.sqrt(acc) if acc > 0.0 else 1e-150
            else:
                Lc[a, b] = acc / Lc[b, b]
    X = np.zeros((6, 4))
    for k in range(3):
        for a in range(4):
            X[k, a] = M[4 + k, a]
            X[3 + k, a] = M[4 + k, a]
    X[3, 1] -= R[0] * s0
    X[3, 2] -= R[1] * s0
    X[3, 3] -= R[2] * s0
    X[4, 1] -= R[3] * s1
    X[4, 2] -= R[4] * s1
    X[4, 3] -= R[5] * s1
    X[5, 2] -= R[6] * s2
    X[5, 3] -= R[7] * s2
    for k in range(6):
        for a in range(4):
            acc = X[k, a]
            for b in range(a):
                acc -= Lc[a, b] * X[k, b]
            X[k, a] = acc / Lc[a, a]
    R2 = np.zeros((3, 3))
    R2[0, 0] = R[12] * s0 * s0
    R2[1, 0] = R[10] * s1 * s0
    R2[2, 0] = R[11] * s2 * s0
    R2[1, 1] = R[8] * s1 * s1
    R2[2, 1] = R[9] * s2 * s1
    R2[2, 2] = -Rw * s2 * s2
    for k in range(3):
        for q in range(k + 1):
            gn = M[4 + k, 4 + q]
            nw = gn - R2[k, q]
            for a in range(4):
                gn -= X[k, a] * X[q, a]
                nw -= X[3 + k, a] * X[3 + q, a]
            G[k, q] = gn
            G[q, k] = gn
            H[k, q] = nw
            H[q, k] = nw


@numba.njit(cache=True)
def _solve3(H: FloatArray, G: FloatArray, g: FloatArray, lam: float, free: BoolArray,
            d: FloatArray) -> bool:  # pragma: no cover - numba
    """Solve (H + λ·diag(G)) d = g over the ``free`` coordinates (d = 0 elsewhere) by
    Cholesky; False when the damped matrix is not positive definite. ``G`` is the positive
    semi-definite Gauss–Newton part of ``H`` (its diagonal floored at 1e-12 of its largest)."""
    K = np.zeros((3, 3))
    rhs = np.zeros(3)
    top = max(G[0, 0], G[1, 1], G[2, 2], 1e-300)
    for a in range(3):
        for b in range(3):
            K[a, b] = H[a, b] if free[a] and free[b] else 0.0
        if free[a]:
            K[a, a] = H[a, a] + lam * max(G[a, a], 1e-12 * top)
            rhs[a] = g[a]
        else:
            K[a, a] = 1.0
    for a in range(3):
        for b in range(a + 1):
            acc = K[a, b]
            for k in range(b):
                acc -= K[a, k] * K[b, k]
            if a == b:
                if not acc > 0.0:
                    return False
                K[a, a] = math.sqrt(acc)
            else:
                K[a, b] = acc / K[b, b]
    for a in range(3):
        acc = rhs[a]
        for b in range(a):
            acc -= K[a, b] * d[b]
        d[a] = acc / K[a, a]
    for a in range(2, -1, -1):
        acc = d[a]
        for b in range(a + 1, 3):
            acc -= K[b, a] * d[b]
        d[a] = acc / K[a, a]
    return True


@numba.njit(cache=True)
def _lm(t: FloatArray, y: FloatArray, lo: int, hi: int, box: FloatArray, x: FloatArray,
        max_eval: int, state: FloatArray, bufs: FloatArray, M: FloatArray) -> tuple[float, bool]:
    # pragma: no cover - numba
    """Bounded damped Newton (Levenberg–Marquardt on the exact Hessian of the profiled SSE,
    damped by the Gauss–Newton diagonal) from the unit-cube point ``x`` (3,), moved in place
    to the minimiser, for at most ``max_eval`` trial evaluations.

    ``state`` (2,) holds (λ, done) so a probe can be resumed; ``bufs`` (2, 5, n) scratch for
    the stored basis of the current point and of the trial. Coordinates at a bound whose step
    points outward are held there (active set). Converged: the model predicts, or a step
    achieved, a decrease of at most 1e-10 of the SSE, or no damping finds a descent step.
    """
    scale = np.empty(3)
    for k in range(3):
        scale[k] = box[2 * k + 1] - box[2 * k]
    coef = np.zeros(4)
    coef_t = np.zeros(4)
    G = np.zeros((3, 3))
    H = np.zeros((3, 3))
    R = np.zeros(15)
    g = np.zeros(3)
    d = np.zeros(3)
    xt = np.zeros(3)
    free = np.ones(3, dtype=np.bool_)
    lam = state[0]
    cur = 0
    f0 = _sse_store(t, y, lo, hi, box[0] + x[0] * scale[0], box[2] + x[1] * scale[1],
                    box[4] + x[2] * scale[2], bufs[cur], coef)
    if not np.isfinite(f0):
        return f0, False
    if state[1] > 0.0:
        return f0, True
    nfev = 0
    need_system = True
    while nfev < max_eval:
        if need_system:
            _lm_system(t, y, lo, hi, box[0] + x[0] * scale[0], box[2] + x[1] * scale[1],
                       box[4] + x[2] * scale[2], bufs[cur], coef, scale, M, R, G, H, g)
            need_system = False
        for k in range(3):
            free[k] = True
        ok = False
        for _ in range(3):  # solve, hold at its bound what would leave the box, solve again
            ok = _solve3(H, G, g, lam, free, d)
            if not ok:
                break
            changed = False
            for k in range(3):
                if free[k] and ((x[k] <= 0.0 and d[k] < 0.0) or (x[k] >= 1.0 and d[k] > 0.0)):
                    free[k] = False
                    changed = True
            if not changed:
                break
        if not ok:  # not positive definite: more damping, no evaluation spent
            lam = max(lam * 10.0, 1e-3)
            if lam > 1e12:
                break
            continue
        step = 0.0
        pred = 0.0
        for k in range(3):
            xt[k] = min(max(x[k] + d[k], 0.0), 1.0)
            step = max(step, abs(xt[k] - x[k]))
            pred += g[k] * (xt[k] - x[k])
        if step < 1e-12 or pred <= 1e-12 * f0:
            state[0], state[1] = lam, 1.0
            return f0, True
        ft = _sse_store(t, y, lo, hi, box[0] + xt[0] * scale[0], box[2] + xt[1] * scale[1],
                        box[4] + xt[2] * scale[2], bufs[1 - cur], coef_t)
        nfev += 1
        if ft < f0:
            small = f0 - ft <= 1e-10 * f0
            f0 = ft
            for k in range(3):
                x[k] = xt[k]
            for k in range(4):
                coef[k] = coef_t[k]
            cur = 1 - cur
            lam *= 0.1
            need_system = True
            if small:
                state[0], state[1] = lam, 1.0
                return f0, True
        else:
            lam = max(lam * 10.0, 1e-3)
            if lam > 1e12:
                break
    state[0] = lam
    if lam > 1e12:
        state[1] = 1.0
        return f0, True
    return f0, False


@numba.njit(cache=True, fastmath=True)
def _score_all(yc: FloatArray, lengths: IntArray, boxes: FloatArray, tc: float, xm: float,
               xw: FloatArray, f: FloatArray, cw: FloatArray, sw: FloatArray, cc: FloatArray,
               cs: FloatArray, ss: FloatArray, tops: FloatArray,
               acc: FloatArray) -> None:  # pragma: no cover - numba
    """Backward pass of running moments for one (tc, m) and every ω of the grid at once.

    ``yc`` (n,) is y[e − j] − y[e]; ``cw``, ``sw`` (n, n_ω) the cosines and sines of ω ln dt,
    ``cc``, ``cs``, ``ss`` their products (shared by the m values of one tc);
    ``acc`` (9, n_ω) scratch for the moments that depend on ω (the others are shared);
    ``tops`` (W, n_ω, 4) each window's best (θ, SSE) per ω so far. Each window whose tc box
    holds ``tc`` is scored when the pass reaches its length.
    """
    nw = xw.shape[0]
    for k in range(9):
        for iw in range(nw):
            acc[k, iw] = 0.0
    yy = s1 = s11 = b0 = b1 = 0.0
    j0 = 0
    for wi in range(lengths.shape[0]):
        for j in range(j0, lengths[wi]):
            fj = f[j]
            ycj = yc[j]
            s1 += fj
            s11 += fj * fj
            b0 += ycj
            b1 += fj * ycj
            yy += ycj * ycj
            ff = fj * fj
            fy = fj * ycj
            for iw in range(nw):  # contiguous in ω: vectorised
                c = cw[j, iw]
                s = sw[j, iw]
                acc[0, iw] += fj * c  # s2
                acc[1, iw] += fj * s  # s3
                acc[2, iw] += ff * c  # s21
                acc[3, iw] += ff * s  # s31
                acc[4, iw] += ff * cc[j, iw]  # s22
                acc[5, iw] += ff * cs[j, iw]  # s32
                acc[6, iw] += ff * ss[j, iw]  # s33
                acc[7, iw] += fy * c  # b2
                acc[8, iw] += fy * s  # b3
        j0 = max(j0, lengths[wi])
        bx = boxes[wi]
        if bx[0] <= tc <= bx[1]:
            xt = (tc - bx[0]) / (bx[1] - bx[0])
            for iw in range(nw):
                sse = _sse_moments(float(j0), s1, acc[0, iw], acc[1, iw], s11, acc[2, iw],
                                   acc[3, iw], acc[4, iw], acc[5, iw], acc[6, iw], b0, b1,
                                   acc[7, iw], acc[8, iw], yy)[0]
                if sse < tops[wi, iw, 3]:
                    tops[wi, iw, 0], tops[wi, iw, 1] = xt, xm
                    tops[wi, iw, 2], tops[wi, iw, 3] = xw[iw], sse


@numba.njit(cache=True)
def _refine_warm(t: FloatArray, y: FloatArray, lo: int, hi: int, x0s: FloatArray,
                 box: FloatArray, prev: FloatArray, n_grid: int, max_eval: int,
                 best: FloatArray) -> tuple[float, bool]:  # pragma: no cover - numba
    """:func:`_lm` from the neighbouring end date's fit ``prev`` (tc, m, ω) of the same
    window length, placed in this window's box, and from the ``n_grid`` best grid cells."""
    n = hi - lo
    bufs = np.empty((2, 5, n))
    M = np.zeros((7, 7))
    state = np.zeros(2)
    x = np.zeros(3)
    best_f = np.inf
    best_c = False
    k = min(n_grid, x0s.shape[0])
    for s in range(k + 1):
        if s == 0:
            for a in range(3):
                x[a] = min(max((prev[a] - box[2 * a]) / (box[2 * a + 1] - box[2 * a]), 0.0), 1.0)
        else:
            x[:] = x0s[s - 1]
        state[0], state[1] = 1e-3, 0.0
        f, c = _lm(t, y, lo, hi, box, x, max_eval, state, bufs, M)
        if f < best_f:
            best_f = f
            best_c = c
            best[:] = x
    return best_f, best_c
