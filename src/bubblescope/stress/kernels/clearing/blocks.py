"""Blocked kernel of :func:`bubblescope.stress.kernels.clearing.clear`: paths in cache-sized blocks.

The flat kernel sweeps every path at once, so each sweep streams the whole
``(n, n_paths)`` payment matrix through memory (about 1 GB for 10,000 entities and 1,000
paths). Here the paths are packed in blocks of ``BLOCK`` lanes, entity-major inside a
block (``paid[b, i, :]`` is contiguous), and a thread runs one block's whole round
(detection and every inner sweep) while that block's payments (2.5 MB for 10,000
entities) stay in cache. Blocks are handed out dynamically (chunk size 1), so a block
that cascades longer does not hold up the other thread.

Less work per round:

* detection visits only the entities still solvent on a lane still cascading, and the
  inner sweeps only the entities in default on a lane still iterating;
* a row is computed lane by lane when few lanes need it, else for all lanes at once
  (vectorised); once few lanes of a block are still iterating, each finishes alone on a
  compact copy of its column (``_solve_lane``);
* claims on obligors in default on no lane of the block are summed once per round
  (``_split``), so a sweep revisits only claims on defaulters;
* paths are sorted by how many entities miss their payments at ``P = pbar``, so a
  block's lanes share most of their defaulters.

Each lane runs the flat kernel's algorithm (Gauss–Seidel in entity order from the previous
round's payments; a lane stops when its own largest change is within ``tol``). Only the
order of the terms in a sum may differ (quiet claims first), so results agree with the
flat kernel to rounding; they do not depend on the thread count.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba as nb
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.model.errors import ConvergenceError

if TYPE_CHECKING:
    from bubblescope.stress.kernels.clearing.net import Net

#: Lanes (paths) per block: a block of 10,000 entities keeps 2.5 MB of payments.
BLOCK = 32
#: A row is computed lane by lane when fewer than ``BLOCK / SPARSE`` lanes need it.
SPARSE = 4


@dataclass(frozen=True)
class Blocks:
    """Every path's state, packed as ``(n_blocks, n, BLOCK)``; claims sorted by holder.

    ``lane_path[b * BLOCK + j]`` is the path in lane ``j`` of block ``b`` (padding lanes
    repeat a real path and never take part: ``real`` is False). The claims ``c_*`` are
    ``(1, K, 1)`` when ``due`` is shared by the paths, else ``(n_blocks, K, BLOCK)``.
    """

    lane_path: IntArray  # (n_blocks * BLOCK,)
    real: BoolArray  # (n_blocks, BLOCK)
    h_ptr: IntArray  # (n + 1,) claims of entity i: h_ptr[i]:h_ptr[i + 1]
    c_obl: IntArray  # (K,) obligor of each claim
    c_due: FloatArray  # due of the claim
    c_before: FloatArray  # total due of the obligor's more senior classes
    c_inv: FloatArray  # 1 / total due of the claim's class (0 if none)
    paid: FloatArray  # (n_blocks, n, BLOCK)
    recv: FloatArray
    ae: FloatArray
    beta: FloatArray
    e: FloatArray
    pbar: FloatArray
    defaulted: BoolArray
    rnd: IntArray


def pack(net: Net, tol_abs: float) -> Blocks:
    """Sort the paths by their first-round shortfalls and pack them in blocks."""
    n, n_paths = net.e.shape
    order = np.argsort(_first_shortfalls(net, tol_abs), kind="stable")
    n_blocks = -(-n_paths // BLOCK)
    lane_path = np.concatenate([order, np.full(n_blocks * BLOCK - n_paths, order[0])])
    real = (np.arange(n_blocks * BLOCK) < n_paths).reshape(n_blocks, BLOCK)

    def blocked(x: FloatArray) -> FloatArray:  # (rows, 1 or n_paths) -> (n_blocks, rows, B)
        out = np.empty((n_blocks, x.shape[0], BLOCK), dtype=x.dtype)
        _to_blocks(np.ascontiguousarray(x), lane_path, out)
        return out

    h = net.h_order
    g = net.group[h]
    claims = (net.due[h], net.g_before[g], net.g_inv[g])
    if net.stride:
        c_due, c_before, c_inv = (blocked(c) for c in claims)
    else:
        c_due, c_before, c_inv = (np.ascontiguousarray(c.reshape(1, -1, 1)) for c in claims)
    pbar = blocked(net.pbar)
    shape = (n_blocks, n, BLOCK)
    return Blocks(
        lane_path, real, net.h_ptr, np.ascontiguousarray(net.obligor[h]), c_due, c_before,
        c_inv, pbar.copy(), np.zeros(shape), blocked(net.alpha * net.e), blocked(net.beta),
        blocked(net.e), pbar, np.zeros(shape, dtype=np.bool_), np.full(shape, -1, np.int64),
    )


def _first_shortfalls(net: Net, tol_abs: float) -> IntArray:
    """Entities that cannot pay in full when everyone else does, per path, (n_paths,)."""
    n = net.e.shape[0]
    claims = np.asarray(net.to_holder @ net.due, dtype=np.float64).reshape(n, -1)
    return np.asarray((net.e + claims < net.pbar - tol_abs).sum(axis=0), dtype=np.int64)


def run(blk: Blocks, tol_abs: float, loose: float, max_iter: int
        ) -> tuple[int, int, tuple[float, ...]]:
    """The fictitious default algorithm on every block: rounds, sweeps, seconds per round.

    Same schedule as the flat kernel: a lane takes part in a round while its cascade goes
    on; with ``loose > tol_abs`` the lanes that stop in loose rounds are re-solved to
    ``tol_abs`` once every lane has stopped, and then detect again.
    """
    cascading, settled = blk.real.copy(), np.zeros_like(blk.real)
    rounds, sweeps, seconds, tight = 0, 0, [], loose <= tol_abs
    while cascading.any():
        t0 = time.perf_counter()
        hit, used = _step(blk, cascading, rounds + 1, tol_abs, tol_abs if tight else loose,
                          max_iter)
        if not tight:
            settled |= cascading & ~hit
        if not hit.any():
            if tight:
                break
            cascading, tight = settled, True
            sweeps += _step(blk, cascading, 0, tol_abs, tol_abs, max_iter)[1]
            continue
        rounds += 1
        cascading = hit
        sweeps += used
        seconds.append(time.perf_counter() - t0)
    return rounds, sweeps, tuple(seconds)


def _step(blk: Blocks, lanes: BoolArray, label: int, tol_detect: float, tol_solve: float,
          max_iter: int) -> tuple[BoolArray, int]:
    """Detect (``label > 0``) then solve on ``lanes``; lanes that saw a default, sweeps."""
    # the most shocked blocks (sorted last) first, so no thread is left with a long one
    active = np.flatnonzero(lanes.any(axis=1))[::-1].copy()
    hits = lanes.copy() if label == 0 else np.zeros_like(lanes)
    used = np.zeros(active.size, dtype=np.int64)
    with nb.parallel_chunksize(1):
        _round(blk.paid, blk.recv, blk.defaulted, blk.rnd, blk.ae, blk.beta, blk.e, blk.pbar,
               blk.h_ptr, blk.c_obl, blk.c_due, blk.c_before, blk.c_inv,
               np.zeros(blk.paid.shape[1:]), lanes, active, label,
               tol_detect, tol_solve, max_iter, hits, used)
    if np.any(used < 0):
        raise ConvergenceError(
            f"clear: inner fixed point not within tol={tol_solve:g} after "
            f"max_iter={max_iter} sweeps"
        )
    return hits, int(used.max(initial=0))


Final = tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray, IntArray]


def finish(blk: Blocks, net: Net) -> Final:
    """Final state in path order: payments (n_paths, m), then paid, received, equity,
    defaulted and default round, each (n_paths, n)."""
    _receive_all(blk.paid, blk.recv, blk.h_ptr, blk.c_obl, blk.c_due, blk.c_before, blk.c_inv,
                 np.zeros(blk.paid.shape[1:]))
    n_paths, n = net.e.shape[1], net.e.shape[0]
    paid, recv, equity = (np.empty((n_paths, n)) for _ in range(3))
    defaulted = np.empty((n_paths, n), dtype=np.bool_)
    rnd = np.empty((n_paths, n), dtype=np.int64)
    _unpack(blk.lane_path, blk.real, blk.paid, blk.recv, blk.defaulted, blk.rnd, blk.ae,
            blk.beta, blk.e, blk.pbar, paid, recv, equity, defaulted, rnd)
    payments = np.empty((n_paths, net.group.size))
    _payments(blk.lane_path, blk.real, blk.paid, net.g_obligor, net.g_before, net.g_due,
              net.group, net.due, net.stride, payments)
    return payments, paid, recv, equity, defaulted, rnd


# ---------------------------------------------------------------- compiled kernels


@nb.njit(parallel=True, cache=True)
def _round(paid, recv, defaulted, rnd, ae, beta, e, pbar, h_ptr, c_obl, c_due,  # type: ignore[no-untyped-def]
           c_before, c_inv, zero, lanes, active, label, tol_detect, tol_solve, max_iter, hits,
           used):
    """One round on blocks ``active``: detect new defaults (``label > 0``), then sweep.

    Arrays are (n_blocks, n, B); ``lanes``/``hits`` (n_blocks, B). With ``label == 0``
    detection is skipped and ``hits`` must hold the lanes to solve. ``used[q]`` gets the
    sweeps block ``active[q]`` needed, ``-1`` if ``max_iter`` did not suffice.
    """
    for q in nb.prange(active.shape[0]):
        b = active[q]
        cb = b if c_due.shape[0] > 1 else 0
        claims = (h_ptr, c_obl, c_due[cb], c_before[cb], c_inv[cb], zero)
        if label > 0:
            _detect_block(paid[b], recv[b], defaulted[b], rnd[b], e[b], pbar[b], claims,
                          lanes[b], label, tol_detect, hits[b])
        if np.any(hits[b]):
            loud = _split(defaulted[b], paid[b], claims)
            used[q] = _solve_block(paid[b], recv[b], defaulted[b], ae[b], beta[b], pbar[b],
                                   loud, hits[b].copy(), tol_solve, max_iter)


@nb.njit(cache=True)
def _lanes_where(lanes, flags, value, idx):  # type: ignore[no-untyped-def]
    """Write into ``idx`` the lanes ``j`` with ``lanes[j]`` and ``flags[j] == value``;
    return how many."""
    cnt = 0
    for j in range(lanes.shape[0]):
        if lanes[j] and flags[j] == value:
            idx[cnt] = j
            cnt += 1
    return cnt


@nb.njit(cache=True)
def _received(i, claims, paid, out, idx, cnt):  # type: ignore[no-untyped-def]
    """out[j] = what entity ``i`` receives on lane ``j`` given ``paid`` (n, B).

    Lanes ``idx[:cnt]`` at least; all lanes at once (vectorised) when they are many, else
    lane by lane. Either way each lane sums its claims in the same order.
    """
    if cnt * SPARSE >= out.shape[0]:
        _received_all_lanes(i, claims, paid, out)
        return
    h_ptr, c_obl, c_due, c_before, c_inv, base = claims
    shared = c_due.shape[1] == 1
    for jj in range(cnt):
        j = idx[jj]
        s = 0 if shared else j
        acc = base[i, j]
        for t in range(h_ptr[i], h_ptr[i + 1]):
            f = min(1.0, max(0.0, (paid[c_obl[t], j] - c_before[t, s]) * c_inv[t, s]))
            acc += c_due[t, s] * f
        out[j] = acc


@nb.njit(cache=True)
def _received_all_lanes(i, claims, paid, out):  # type: ignore[no-untyped-def]
    """:func:`_received` on every lane, the lanes innermost (vectorised)."""
    h_ptr, c_obl, c_due, c_before, c_inv, base = claims
    out[:] = base[i]
    if c_due.shape[1] == 1:  # due shared by the paths
        for t in range(h_ptr[i], h_ptr[i + 1]):
            d, before, inv, src = c_due[t, 0], c_before[t, 0], c_inv[t, 0], paid[c_obl[t]]
            for j in range(out.shape[0]):
                out[j] += d * min(1.0, max(0.0, (src[j] - before) * inv))
    else:
        for t in range(h_ptr[i], h_ptr[i + 1]):
            src = paid[c_obl[t]]
            for j in range(out.shape[0]):
                f = min(1.0, max(0.0, (src[j] - c_before[t, j]) * c_inv[t, j]))
                out[j] += c_due[t, j] * f


@nb.njit(cache=True)
def _split(defaulted, paid, claims):  # type: ignore[no-untyped-def]
    """The claims a sweep must revisit, for the entities it may visit.

    An obligor in default on no lane of the block pays ``pbar`` on every lane all round:
    its claims are summed once into ``base`` (n, B), and the returned claims (same tuple
    layout as ``claims``, rows of the entities in default on some lane) hold only the
    claims on obligors in default on some lane.
    """
    h_ptr, c_obl, c_due, c_before, c_inv, _ = claims
    n, width = defaulted.shape
    loud = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        loud[i] = np.any(defaulted[i])
    a_ptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        cnt = 0
        if loud[i]:
            for t in range(h_ptr[i], h_ptr[i + 1]):
                cnt += loud[c_obl[t]]
        a_ptr[i + 1] = a_ptr[i] + cnt
    keep = np.empty(a_ptr[n], dtype=np.int64)
    base = np.zeros((n, width))
    for i in range(n):
        if not loud[i]:
            continue
        at = a_ptr[i]
        for t in range(h_ptr[i], h_ptr[i + 1]):
            o = c_obl[t]
            if loud[o]:
                keep[at] = t
                at += 1
                continue
            for j in range(width):
                s = 0 if c_due.shape[1] == 1 else j
                f = min(1.0, max(0.0, (paid[o, j] - c_before[t, s]) * c_inv[t, s]))
                base[i, j] += c_due[t, s] * f
    return (a_ptr, c_obl[keep], c_due[keep], c_before[keep], c_inv[keep], base)


@nb.njit(cache=True)
def _detect_block(paid, recv, defaulted, rnd, e, pbar, claims, lanes, label, tol, hit):  # type: ignore[no-untyped-def]
    """New defaulters of one block: ``e + received < pbar - tol`` on a lane of ``lanes``."""
    idx = np.empty(lanes.shape[0], dtype=np.int64)
    for i in range(paid.shape[0]):
        cnt = _lanes_where(lanes, defaulted[i], False, idx)
        if cnt == 0:
            continue
        _received(i, claims, paid, recv[i], idx, cnt)
        for jj in range(cnt):
            j = idx[jj]
            if e[i, j] + recv[i, j] < pbar[i, j] - tol:
                defaulted[i, j] = True
                rnd[i, j] = label
                hit[j] = True


@nb.njit(cache=True)
def _solve_block(paid, recv, defaulted, ae, beta, pbar, claims, live, tol, max_iter):  # type: ignore[no-untyped-def]
    """Gauss–Seidel sweeps of one block's defaulters until every lane moves by <= ``tol``.

    A lane stops (its payments freeze) after its first sweep within ``tol``. Returns the
    number of sweeps, 0 if no lane is live, -1 if ``max_iter`` sweeps did not suffice.
    """
    change = np.zeros(live.shape[0])
    idx = np.empty(live.shape[0], dtype=np.int64)
    for it in range(max_iter + 1):
        if not np.any(live):
            return it
        if it == max_iter:
            return -1
        if np.sum(live) * SPARSE < live.shape[0]:  # few lanes left: one after the other
            most = 0
            for j in np.flatnonzero(live):
                done = _solve_lane(paid, recv, defaulted, ae, beta, pbar, claims, j, tol,
                                   max_iter - it)
                if done < 0:
                    return -1
                most = max(most, done)
            return it + most
        change[:] = 0.0
        for i in range(paid.shape[0]):
            cnt = _lanes_where(live, defaulted[i], True, idx)
            if cnt == 0:
                continue
            _received(i, claims, paid, recv[i], idx, cnt)
            for jj in range(cnt):
                j = idx[jj]
                new = min(pbar[i, j], ae[i, j] + beta[i, j] * recv[i, j])
                change[j] = max(change[j], abs(new - paid[i, j]))
                paid[i, j] = new
        live &= change > tol
    return -1


@nb.njit(cache=True)
def _solve_lane(paid, recv, defaulted, ae, beta, pbar, claims, j, tol, max_iter):  # type: ignore[no-untyped-def]
    """:func:`_solve_block` on lane ``j`` alone, on compact copies of its column.

    The same arithmetic as the block's sweeps; returns the sweeps, -1 if ``max_iter``
    sweeps did not suffice.
    """
    h_ptr, c_obl, c_due, c_before, c_inv, base = claims
    s = 0 if c_due.shape[1] == 1 else j
    x = paid[:, j].copy()
    who = np.flatnonzero(defaulted[:, j])
    start, cap = base[who, j], pbar[who, j]
    own, frac = ae[who, j], beta[who, j]
    got = np.empty(who.shape[0])
    for it in range(1, max_iter + 1):
        change = 0.0
        for w in range(who.shape[0]):
            i, acc = who[w], start[w]
            for t in range(h_ptr[i], h_ptr[i + 1]):
                f = min(1.0, max(0.0, (x[c_obl[t]] - c_before[t, s]) * c_inv[t, s]))
                acc += c_due[t, s] * f
            got[w] = acc
            new = min(cap[w], own[w] + frac[w] * acc)
            change = max(change, abs(new - x[i]))
            x[i] = new
        if change <= tol:
            paid[:, j] = x
            recv[who, j] = got
            return it
    return -1


@nb.njit(parallel=True, cache=True)
def _receive_all(paid, recv, h_ptr, c_obl, c_due, c_before, c_inv, zero):  # type: ignore[no-untyped-def]
    """recv[b, i, :] for every block and entity, from ``paid`` (n_blocks, n, B)."""
    for q in nb.prange(paid.shape[0]):
        b = np.int64(q)
        cb = b if c_due.shape[0] > 1 else np.int64(0)
        claims = (h_ptr, c_obl, c_due[cb], c_before[cb], c_inv[cb], zero)
        for i in range(paid.shape[1]):
            _received_all_lanes(i, claims, paid[b], recv[b, i])


@nb.njit(parallel=True, cache=True)
def _to_blocks(x, lane_path, out):  # type: ignore[no-untyped-def]
    """out[q, i, j] = x[i, lane_path[q * B + j]]; ``x`` (rows, n_paths) or (rows, 1)."""
    n_blocks, rows, width = out.shape
    s = 1 if x.shape[1] > 1 else 0
    for i in nb.prange(rows):
        src = x[i]
        for q in range(n_blocks):
            for j in range(width):
                out[q, i, j] = src[lane_path[q * width + j] * s]


@nb.njit(parallel=True, cache=True)
def _unpack(lane_path, real, paid_b, recv_b, def_b, rnd_b, ae, beta, e, pbar,  # type: ignore[no-untyped-def]
            paid, recv, equity, defaulted, rnd):
    """Block state (n_blocks, n, B) to path order (n_paths, n), with the equity."""
    n_blocks, n, width = paid_b.shape
    tile = 64
    for tq in nb.prange(n_blocks * ((n + tile - 1) // tile)):
        q, i0 = tq // ((n + tile - 1) // tile), (tq % ((n + tile - 1) // tile)) * tile
        for j in range(width):
            if not real[q, j]:
                continue
            p = lane_path[q * width + j]
            for i in range(i0, min(n, i0 + tile)):
                x, r, d = paid_b[q, i, j], recv_b[q, i, j], def_b[q, i, j]
                paid[p, i], recv[p, i], defaulted[p, i], rnd[p, i] = x, r, d, rnd_b[q, i, j]
                realised = ae[q, i, j] + beta[q, i, j] * r if d else e[q, i, j] + r
                equity[p, i] = realised - pbar[q, i, j]


@nb.njit(parallel=True, cache=True)
def _payments(lane_path, real, paid_b, g_obl, g_before, g_due, group, due, stride, out):  # type: ignore[no-untyped-def]
    """out[p, k] = due[k] * (share of contract k's class that path p's obligor pays)."""
    width = paid_b.shape[2]
    for q in nb.prange(paid_b.shape[0]):
        frac = np.empty((width, g_obl.shape[0]))
        for g in range(g_obl.shape[0]):
            src = paid_b[q, g_obl[g]]
            if stride == 0:
                d, before = g_due[g, 0], g_before[g, 0]
                inv = 1.0 / d if d > 0.0 else 0.0
                for j in range(width):
                    frac[j, g] = min(1.0, max(0.0, (src[j] - before) * inv)) if d > 0.0 else 1.0
                continue
            for j in range(width):
                s = lane_path[q * width + j]
                d = g_due[g, s]
                frac[j, g] = min(1.0, max(0.0, (src[j] - g_before[g, s]) * (1.0 / d))
                              ) if d > 0.0 else 1.0
        for j in range(width):
            if real[q, j]:
                p = lane_path[q * width + j]
                s, row, share = p * stride, out[p], frac[j]
                for k in range(row.shape[0]):
                    row[k] = due[k, s] * share[group[k]]
