"""The flat kernel of the fictitious default algorithm: every path still in play per sweep.

Kept beside the blocked kernel (:mod:`~bubblescope.stress.kernels.clearing.blocks`, the
default) for comparison: same algorithm per path, results agree to rounding.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numba as nb
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.model.errors import ConvergenceError
from bubblescope.stress.kernels.clearing.net import ClearingResult, Net

__all__ = ["fictitious_default"]


def fictitious_default(net: Net, tol_abs: float, loose: float, max_iter: int
                        ) -> ClearingResult:
    """The flat kernel: every path still in play in each sweep."""
    state = _State.start(net)
    cols = np.arange(net.e.shape[1], dtype=np.int64)
    state.sweep(cols, update=False)
    rounds, sweeps, seconds, tight = 0, 0, [], loose <= tol_abs
    settled: list[IntArray] = []  # paths that stopped during loose rounds
    while cols.size:
        t0 = time.perf_counter()
        hit = state.detect(cols, rounds + 1, tol_abs)
        if not tight:
            settled.append(cols[~hit])
        if not hit.any():
            if tight:
                break
            # Loose rounds are over: converge every path they touched to ``tol``, look again.
            cols, tight = np.sort(np.concatenate(settled)), True
            sweeps += _solve_round(state, cols, tol_abs, max_iter)
            continue
        rounds += 1
        cols = cols[hit]
        sweeps += _solve_round(state, cols, tol_abs if tight else loose, max_iter)
        seconds.append(time.perf_counter() - t0)
    state.sweep(np.arange(net.e.shape[1], dtype=np.int64), update=False)
    return _result(net, state.paid.T, state.recv.T, state.defaulted.T, state.rnd.T, rounds,
                   sweeps, tuple(seconds))


@dataclass(frozen=True)
class _State:
    """Every path's payment vector, default set, default round and last received amounts.

    Arrays are (n, n_paths); the kernels take the list of paths (columns) still in play
    instead of copies of them.
    """

    net: Net
    ae: FloatArray  # alpha * e
    paid: FloatArray
    defaulted: BoolArray
    rnd: IntArray
    recv: FloatArray

    @classmethod
    def start(cls, net: Net) -> _State:
        shape = net.e.shape
        return cls(net, net.alpha * net.e, np.array(np.broadcast_to(net.pbar, shape), order="C"),
                   np.zeros(shape, dtype=np.bool_), np.full(shape, -1, dtype=np.int64),
                   np.zeros(shape))

    @property
    def stride(self) -> int:
        return self.net.stride

    def sweep(self, cols: IntArray, *, update: bool) -> FloatArray:
        """One Gauss–Seidel sweep of paths ``cols``; the largest change of each, (len(cols),)."""
        net, change = self.net, np.zeros(cols.size)
        blocks = min(cols.size, nb.get_num_threads())
        _sweep(self.paid, net.obligor, net.group, net.g_before, net.g_inv, net.due, self.stride,
               net.h_ptr, net.h_order, self.ae, net.beta, net.pbar, self.defaulted, self.recv,
               change, update, cols, blocks)
        return change

    def detect(self, cols: IntArray, label: int, tol_abs: float) -> BoolArray:
        """Mark who cannot pay in full on paths ``cols``; which of those paths saw one."""
        hits = np.zeros((nb.get_num_threads(), cols.size), dtype=np.bool_)
        _detect(self.defaulted, self.rnd, self.net.e, self.recv, self.net.pbar, self.stride,
                tol_abs, label, cols, hits)
        return np.asarray(hits.any(axis=0), dtype=np.bool_)


def _solve_round(state: _State, cols: IntArray, tol_abs: float, max_iter: int) -> int:
    """Sweeps of the defaulters' payments with the default set fixed; converged paths leave."""
    for it in range(1, max_iter + 1):
        cols = cols[state.sweep(cols, update=True) > tol_abs]
        if not cols.size:
            return it
    raise ConvergenceError(
        f"clear: inner fixed point not within tol={tol_abs:g} after max_iter={max_iter} sweeps"
    )


def _result(net: Net, paid: FloatArray, recv: FloatArray, defaulted: BoolArray,
            rnd: IntArray, rounds: int, sweeps: int, seconds: tuple[float, ...]
            ) -> ClearingResult:
    """Contract payments and equity from the final state, arrays (n_paths, n)."""
    n_paths = paid.shape[0]
    frac = np.empty((net.g_obligor.size, n_paths))
    _fractions(np.ascontiguousarray(paid.T), net.g_before, net.g_due, net.g_obligor,
               net.stride, frac)
    payments = np.empty((n_paths, net.group.size))
    _contract_payments(np.ascontiguousarray(frac.T), net.group, net.due, net.stride, payments)
    e, alpha, beta = net.e.T, net.alpha.T, net.beta.T
    realised = np.where(defaulted, alpha * e + beta * recv, e + recv)
    equity = realised - np.broadcast_to(net.pbar.T, paid.shape)
    return ClearingResult(
        payments, np.ascontiguousarray(paid), np.ascontiguousarray(recv), equity,
        np.ascontiguousarray(defaulted), np.ascontiguousarray(rnd), rounds, sweeps, seconds,
    )


@nb.njit(parallel=True, cache=True)
def _fractions(paid, g_before, g_due, g_obl, stride, frac):  # type: ignore[no-untyped-def]
    """Share of each (obligor, class) that is paid: frac[g, p], shape (G, k)."""
    for g in nb.prange(g_obl.shape[0]):
        row, pay = frac[g], paid[g_obl[g]]
        if stride == 0:
            d, before = g_due[g, 0], g_before[g, 0]
            if d > 0.0:
                inv = 1.0 / d
                for p in range(row.shape[0]):
                    row[p] = min(1.0, max(0.0, (pay[p] - before) * inv))
            else:
                row[:] = 1.0
        else:
            for p in range(row.shape[0]):
                d = g_due[g, p]
                row[p] = min(1.0, max(0.0, (pay[p] - g_before[g, p]) / d)) if d > 0.0 else 1.0


@nb.njit(parallel=True, cache=True)
def _sweep(paid, obligor, group, g_before, g_inv, due, stride, h_ptr, h_order,  # type: ignore[no-untyped-def]
           ae, beta, pbar, defaulted, recv, change, update, cols, blocks):
    """received[i] = sum over i's claims of due * clip((paid[obligor] - before) / class due).

    Only the paths (columns) listed in ``cols``. With ``update`` each defaulter's payment
    becomes ``min(pbar, ae + beta * received)`` in place, entity after entity
    (Gauss–Seidel). Threads own disjoint blocks of ``cols`` and run the entities in the same
    order, so the result does not depend on the thread count.
    """
    n_cols = cols.shape[0]
    first = cols[0] if n_cols else 0
    dense = n_cols > 0 and cols[n_cols - 1] - first == n_cols - 1
    for b in nb.prange(blocks):
        lo, hi = b * n_cols // blocks, (b + 1) * n_cols // blocks
        for i in range(h_ptr.shape[0] - 1):
            for j in range(lo, hi):
                recv[i, cols[j]] = 0.0
            for t in range(h_ptr[i], h_ptr[i + 1]):
                k = h_order[t]
                g, o = group[k], obligor[k]
                if stride == 0 and dense:  # all columns from cols[0] on: no gather
                    d, before, inv = due[k, 0], g_before[g, 0], g_inv[g, 0]
                    src, dst = paid[o, first + lo:first + hi], recv[i, first + lo:first + hi]
                    for j in range(hi - lo):
                        dst[j] += d * min(1.0, max(0.0, (src[j] - before) * inv))
                elif stride == 0:
                    d, before, inv = due[k, 0], g_before[g, 0], g_inv[g, 0]
                    for j in range(lo, hi):
                        p = cols[j]
                        recv[i, p] += d * min(1.0, max(0.0, (paid[o, p] - before) * inv))
                else:
                    for j in range(lo, hi):
                        p = cols[j]
                        f = min(1.0, max(0.0, (paid[o, p] - g_before[g, p]) * g_inv[g, p]))
                        recv[i, p] += due[k, p] * f
            if update:
                for j in range(lo, hi):
                    p = cols[j]
                    if defaulted[i, p]:
                        new = min(pbar[i, p * stride], ae[i, p] + beta[i, p] * recv[i, p])
                        change[j] = max(change[j], abs(new - paid[i, p]))
                        paid[i, p] = new


@nb.njit(parallel=True, cache=True)
def _detect(defaulted, rnd, e, recv, pbar, stride, tol_abs, label, cols, hits):  # type: ignore[no-untyped-def]
    """New defaulters on paths ``cols``: ``e + received < pbar - tol``; label their round."""
    for i in nb.prange(e.shape[0]):
        tid = nb.get_thread_id()  # type: ignore[attr-defined]
        for j in range(cols.shape[0]):
            p = cols[j]
            if not defaulted[i, p] and e[i, p] + recv[i, p] < pbar[i, p * stride] - tol_abs:
                defaulted[i, p] = True
                rnd[i, p] = label
                hits[tid, j] = True


@nb.njit(parallel=True, cache=True)
def _contract_payments(frac_t, group, due, stride, out):  # type: ignore[no-untyped-def]
    """payments[p, k] = due[k] * frac[group[k], p]."""
    for p in nb.prange(out.shape[0]):
        q = p * stride
        for k in range(out.shape[1]):
            out[p, k] = due[k, q] * frac_t[p, group[k]]
