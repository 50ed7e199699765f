"""Clearing of an obligation network: Eisenberg–Noe with Rogers–Veraart default costs.

Conventions (one rule, shared with :mod:`bubblescope.model.kinds`)
-----------------------------------------------------------------
A network is an **edge list** of ``m`` contracts. Contract ``k`` is owed by
``obligor[k]`` to ``holder[k]`` (cash flows obligor → holder); ``holder[k] == -1`` is a
creditor outside the system (an external liability). ``due[..., k]`` is the amount falling
due now; ``rank[k]`` is its seniority class, ``0`` most senior. An obligor pays its classes
in absolute priority (a junior class gets nothing until every more senior class is paid in
full) and the contracts of one class pro rata (pari passu). Every array carries a leading
path axis ``n_paths`` (one path is a batch of one).

Entity ``i`` owes ``pbar[i] = sum(due[k] for obligor[k] == i)`` and pays ``P[i] <= pbar[i]``.
Given the payment vector ``P`` the payment on contract ``k`` in class ``c`` of obligor ``i``
is ``due[k] * clip((P[i] - C[i, c]) / D[i, c], 0, 1)`` with ``D[i, c]`` the total due of the
class and ``C[i, c]`` the total due of all more senior classes of ``i``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Literal

import numba as nb
import numpy as np
from scipy import sparse

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.model.errors import ConvergenceError, ScenarioError
from bubblescope.stress import _clearing_blocks as _blocks

__all__ = ["ClearingResult", "clear", "clear_reference"]


@dataclass(frozen=True)
class ClearingResult:
    """Outcome of clearing a network on every path.

    Attributes
    ----------
    payments : ndarray of shape (n_paths, m)
        Amount actually paid on each contract.
    paid : ndarray of shape (n_paths, n)
        Total paid by each entity (the clearing vector ``P``).
    received : ndarray of shape (n_paths, n)
        Total received by each entity from its obligors inside the system.
    equity : ndarray of shape (n_paths, n)
        ``external + received - due`` for a solvent entity (``>= 0``); for a defaulter the
        value it realises after default costs minus what it owes,
        ``alpha * external + beta * received - due`` (``< 0``).
    defaulted : ndarray of bool, shape (n_paths, n)
        Whether the entity could not pay all it owes.
    default_round : ndarray of int, shape (n_paths, n)
        Round (1-based) of the fictitious default algorithm in which the entity defaulted,
        ``-1`` if it never did: the order of defaults.
    rounds : int
        Number of rounds in which some path saw a new default (maximum over paths).
    iterations : int
        Total inner fixed-point sweeps (a cost measure).
    round_seconds : tuple of float
        Wall time of each round, for benchmarks (not part of equality).
    """

    payments: FloatArray
    paid: FloatArray
    received: FloatArray
    equity: FloatArray
    defaulted: BoolArray
    default_round: IntArray
    rounds: int
    iterations: int = 0
    round_seconds: tuple[float, ...] = field(default=(), compare=False, repr=False)

    @property
    def n_defaults(self) -> IntArray:
        """Number of defaulting entities on each path, shape (n_paths,)."""
        return np.asarray(self.defaulted.sum(axis=1), dtype=np.int64)

    def __str__(self) -> str:
        n_paths, n = self.paid.shape
        mean = float(self.n_defaults.mean()) if n_paths else 0.0
        return (
            f"ClearingResult: {n_paths} path(s) x {n} entities, {self.payments.shape[1]} "
            f"contracts; mean defaults {mean:.3g}, rounds {self.rounds}, "
            f"sweeps {self.iterations}"
        )


def clear(
    obligor: IntArray,
    holder: IntArray,
    due: FloatArray,
    rank: IntArray,
    external_assets: FloatArray,
    n_entities: int,
    *,
    alpha: float | FloatArray = 1.0,
    beta: float | FloatArray = 1.0,
    method: Literal["fictitious_default"] = "fictitious_default",
    tol: float = 1e-12,
    round_tol: float = 1e-6,
    max_iter: int = 100_000,
    kernel: Literal["blocked", "flat"] = "blocked",
) -> ClearingResult:
    """Clear a network on every path: the greatest clearing vector, defaults and their order.

    Parameters
    ----------
    obligor, holder : ndarray of int, shape (m,)
        Who owes and who holds each contract; ``holder == -1`` is an outside creditor.
    due : ndarray of shape (n_paths, m) or (m,)
        Amount due on each contract (>= 0).
    rank : ndarray of int, shape (m,)
        Seniority class, ``0`` most senior.
    external_assets : ndarray of shape (n_paths, n)
        Assets outside the network, ``e`` (>= 0), after the path's shock.
    n_entities : int
        ``n``, the number of entities.
    alpha, beta : float or ndarray broadcastable to (n_paths, n)
        Rogers–Veraart recovery fractions of external and interbank assets of a defaulter;
        ``alpha = beta = 1`` is Eisenberg–Noe.
    method : {"fictitious_default"}
        The fictitious default algorithm: each round fixes the default set, solves the
        fixed point of the defaulters' payments (batched Gauss–Seidel sweeps to ``tol``), then adds
        the entities that cannot pay in full.
    tol : float
        Absolute tolerance of the inner fixed point, relative to ``max(1, max(pbar))``.
    round_tol : float
        Tolerance of the rounds before the last, relative like ``tol``; ``0`` (or anything
        ``<= tol``) solves every round to ``tol`` ("exact rounds"). Iterates approach each
        round's fixed point from above, so a loose round never declares a default that the
        exact one would not; it may only postpone a near-miss (an entity whose margin at
        that round is within the round's remaining error) to a later round label. The final
        clearing vector is always converged to ``tol`` and re-checked, so the payments and
        the default set are those of exact rounds. On the 10,000-entity benchmark the
        default ``1e-6`` labels every one of 4.7 million defaults as exact rounds do, in
        0.85 of the time (``docs/benchmarks/clearing.md``).
    max_iter : int
        Cap on inner sweeps per round; exceeding it raises ``ConvergenceError``.
    kernel : {"blocked", "flat"}
        ``"blocked"`` runs each block of 32 paths through its rounds in cache, one block
        per thread at a time, sweeping only what can change; ``"flat"`` sweeps all paths at
        once (the earlier kernel, kept for comparison). Same algorithm per path: results
        agree to rounding (only the order of terms in a sum differs).

    Returns
    -------
    ClearingResult

    Notes
    -----
    A solvent entity pays ``pbar_i``; a defaulter, one with
    ``e_i + sum_k received_k(P) < pbar_i``, pays ``alpha_i e_i + beta_i received_i(P)``.
    Starting from ``P = pbar`` the default set only grows and ``P`` only falls, so the
    algorithm ends at the greatest clearing vector in at most ``n`` rounds.
    Entities within ``tol`` of solvency count as solvent.

    References
    ----------
    Eisenberg, L., Noe, T. H. (2001). Systemic risk in financial systems. Management Science 47(2).
    Rogers, L. C. G., Veraart, L. A. M. (2013). Failure and rescue in an interbank network.
    Management Science 59(4).
    Elsinger, H. (2009). Financial networks, cross holdings, and limited liability (seniority).

    Examples
    --------
    >>> import numpy as np
    >>> r = clear(np.array([0, 1]), np.array([1, 0]), np.array([2.0, 2.2]), np.array([0, 0]),
    ...           np.array([[1.0, 1.0]]), 2, alpha=0.5, beta=0.5)
    >>> r.paid.round(6).tolist(), bool(r.defaulted.any())
    ([[2.0, 2.2]], False)
    """
    if method != "fictitious_default":
        raise ScenarioError(f"clear: 'method' must be 'fictitious_default', got {method!r}")
    if kernel not in ("blocked", "flat"):
        raise ScenarioError(f"clear: 'kernel' must be 'blocked' or 'flat', got {kernel!r}")
    net = _prepare(obligor, holder, due, rank, external_assets, n_entities, alpha, beta)
    scale = max(1.0, float(net.pbar.max(initial=0.0)))
    tol_abs = tol * scale
    if not (math.isfinite(round_tol) and round_tol >= 0):
        raise ScenarioError(f"clear: 'round_tol' must be a finite number >= 0, got {round_tol!r}")
    loose = max(tol, round_tol) * scale
    if kernel == "flat":
        return _fictitious_default(net, tol_abs, loose, max_iter)
    blk = _blocks.pack(net, tol_abs)
    rounds, sweeps, seconds = _blocks.run(blk, tol_abs, loose, max_iter)
    return ClearingResult(*_blocks.finish(blk, net), rounds, sweeps, seconds)


def clear_reference(
    obligor: IntArray,
    holder: IntArray,
    due: FloatArray,
    rank: IntArray,
    external_assets: FloatArray,
    n_entities: int,
    *,
    alpha: float | FloatArray = 1.0,
    beta: float | FloatArray = 1.0,
    tol: float = 1e-13,
    max_iter: int = 1_000_000,
) -> ClearingResult:
    """Clear a network path by path with plain loops: the slow, obvious twin of :func:`clear`.

    Same parameters and result as :func:`clear`. Each path runs the textbook fictitious
    default algorithm, the inner fixed point by Picard iteration over Python lists.
    """
    net = _prepare(obligor, holder, due, rank, external_assets, n_entities, alpha, beta)
    n_paths = net.e.shape[1]
    rows = [_reference_path(net, p, tol, max_iter) for p in range(n_paths)]
    pay = np.array([r[0] for r in rows], dtype=np.float64).reshape(n_paths, -1)
    paid = np.array([r[1] for r in rows], dtype=np.float64).reshape(n_paths, -1)
    recv = np.array([r[2] for r in rows], dtype=np.float64).reshape(n_paths, -1)
    rnd = np.array([r[3] for r in rows], dtype=np.int64).reshape(n_paths, -1)
    defaulted = rnd >= 0
    e, ab = net.e.T, (net.alpha.T, net.beta.T)
    pbar = np.broadcast_to(net.pbar.T, paid.shape)
    equity = np.where(defaulted, ab[0] * e + ab[1] * recv - pbar, e + recv - pbar)
    rounds = int(rnd.max()) if rnd.size and rnd.max() > 0 else 0
    return ClearingResult(pay, paid, recv, equity, defaulted, rnd, rounds)


# ---------------------------------------------------------------- preparation


@dataclass(frozen=True)
class _Net:
    """Validated network in the kernels' layout: entity/contract first, path last."""

    obligor: IntArray  # (m,)
    holder: IntArray  # (m,)
    due: FloatArray  # (m, npd), npd in {1, n_paths}
    rank: IntArray  # (m,)
    group: IntArray  # (m,) index of the (obligor, rank) class of each contract
    g_obligor: IntArray  # (G,)
    g_due: FloatArray  # (G, npd) total due of the class
    g_before: FloatArray  # (G, npd) total due of the obligor's more senior classes
    g_inv: FloatArray  # (G, npd) 1 / g_due, 0 where nothing is due
    pbar: FloatArray  # (n, npd)
    h_ptr: IntArray  # (n + 1,) CSR pointer of contracts by holder
    h_order: IntArray  # contracts with a holder inside, sorted by holder
    e: FloatArray  # (n, n_paths)
    alpha: FloatArray  # (n, n_paths)
    beta: FloatArray  # (n, n_paths)

    @property
    def stride(self) -> int:
        """1 when ``due`` varies by path, else 0 (path ``p`` reads column ``p * stride``)."""
        return 1 if self.due.shape[1] > 1 else 0


def _prepare(
    obligor: IntArray,
    holder: IntArray,
    due: FloatArray,
    rank: IntArray,
    external_assets: FloatArray,
    n: int,
    alpha: float | FloatArray,
    beta: float | FloatArray,
) -> _Net:
    obl, hol, rk = (np.asarray(x, dtype=np.int64) for x in (obligor, holder, rank))
    e = np.asarray(external_assets, dtype=np.float64)
    dues = np.asarray(due, dtype=np.float64)
    _check(obl, hol, rk, dues, e, n)
    n_paths = e.shape[0]
    due_t = np.array(np.atleast_2d(dues).T, order="C")
    key = obl * (int(rk.max(initial=0)) + 1) + rk
    keys, group = np.unique(key, return_inverse=True)
    g_obl = keys // (int(rk.max(initial=0)) + 1)
    to_group = sparse.csr_array(
        (np.ones(obl.size), (group, np.arange(obl.size))), shape=(keys.size, obl.size)
    )
    g_due = np.asarray(to_group @ due_t, dtype=np.float64).reshape(keys.size, -1)
    g_before = _senior_before(g_due, g_obl)
    to_ent = sparse.csr_array(
        (np.ones(keys.size), (g_obl, np.arange(keys.size))), shape=(n, keys.size)
    )
    pbar = np.asarray(to_ent @ g_due, dtype=np.float64).reshape(n, -1)
    inside = np.flatnonzero(hol >= 0)
    h_order = inside[np.argsort(hol[inside], kind="stable")]
    h_ptr = np.concatenate(([0], np.cumsum(np.bincount(hol[inside], minlength=n))))
    return _Net(
        obl, hol, due_t, rk, group.astype(np.int64), g_obl.astype(np.int64),
        np.ascontiguousarray(g_due), g_before,
        np.divide(1.0, g_due, out=np.zeros_like(g_due), where=g_due > 0),
        np.ascontiguousarray(pbar),
        h_ptr.astype(np.int64), h_order.astype(np.int64),
        np.ascontiguousarray(e.T),
        _per_entity("alpha", alpha, n_paths, n), _per_entity("beta", beta, n_paths, n),
    )


def _senior_before(g_due: FloatArray, g_obl: IntArray) -> FloatArray:
    """Total due of the more senior classes of the same obligor, shape (G, npd)."""
    excl = np.cumsum(g_due, axis=0) - g_due
    first = np.searchsorted(g_obl, g_obl, side="left")
    return np.ascontiguousarray(np.maximum(excl - excl[first], 0.0))


def _per_entity(name: str, x: float | FloatArray, n_paths: int, n: int) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    if not np.all((arr >= 0.0) & (arr <= 1.0)):
        raise ScenarioError(f"clear: {name!r} must lie in [0, 1], got {arr.min()}..{arr.max()}")
    try:
        full = np.broadcast_to(arr, (n_paths, n))
    except ValueError as exc:
        raise ScenarioError(
            f"clear: {name!r} must broadcast to (n_paths, n) = {(n_paths, n)}, got {arr.shape}"
        ) from exc
    return np.array(full.T, order="C")


def _check(obl: IntArray, hol: IntArray, rk: IntArray, due: FloatArray, e: FloatArray,
           n: int) -> None:
    m = obl.shape[0]
    shapes_ok = obl.ndim == 1 and hol.shape == obl.shape and rk.shape == obl.shape
    if not shapes_ok:
        raise ScenarioError(
            f"clear: 'obligor', 'holder', 'rank' must be 1-d of one length, got "
            f"{obl.shape}, {hol.shape}, {rk.shape}"
        )
    if e.ndim != 2 or e.shape[1] != n:
        raise ScenarioError(
            f"clear: 'external_assets' must have shape (n_paths, {n}), got {e.shape}"
        )
    if due.shape not in {(m,), (e.shape[0], m)}:
        raise ScenarioError(
            f"clear: 'due' must have shape ({m},) or {(e.shape[0], m)}, got {due.shape}"
        )
    _check_values(obl, hol, rk, due, e, n)


def _check_values(obl: IntArray, hol: IntArray, rk: IntArray, due: FloatArray, e: FloatArray,
                  n: int) -> None:
    rules = [
        ("obligor", bool(np.all((obl >= 0) & (obl < n))), f"be in [0, {n})"),
        ("holder", bool(np.all((hol >= -1) & (hol < n))), f"be in [-1, {n})"),
        ("holder", not bool(np.any(obl == hol)), "differ from 'obligor' (no self-claims)"),
        ("rank", bool(np.all(rk >= 0)), "be >= 0"),
        ("due", bool(np.all(np.isfinite(due) & (due >= 0))), "be finite and >= 0"),
        ("external_assets", bool(np.all(np.isfinite(e) & (e >= 0))), "be finite and >= 0"),
    ]
    for name, ok, rule in rules:
        if not ok:
            raise ScenarioError(f"clear: every {name!r} must {rule}")


# ---------------------------------------------------------------- fast kernel


def _fictitious_default(net: _Net, tol_abs: float, loose: float, max_iter: int
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

    net: _Net
    ae: FloatArray  # alpha * e
    paid: FloatArray
    defaulted: BoolArray
    rnd: IntArray
    recv: FloatArray

    @classmethod
    def start(cls, net: _Net) -> _State:
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


def _result(net: _Net, paid: FloatArray, recv: FloatArray, defaulted: BoolArray,
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


# ---------------------------------------------------------------- reference twin


def _reference_path(
    net: _Net, p: int, tol: float, max_iter: int
) -> tuple[list[float], list[float], list[float], list[int]]:
    """Fictitious default on one path with Python lists: payments, paid, received, rounds."""
    n, q = net.e.shape[0], p if net.due.shape[1] > 1 else 0
    due = [float(net.due[k, q]) for k in range(net.obligor.size)]
    pbar = [0.0] * n
    for k, d in enumerate(due):
        pbar[int(net.obligor[k])] += d
    e = [float(net.e[i, p]) for i in range(n)]
    a, b = [float(net.alpha[i, p]) for i in range(n)], [float(net.beta[i, p]) for i in range(n)]
    paid, rnd, rounds = list(pbar), [-1] * n, 0
    while True:
        recv = _ref_received(net, due, paid)
        new = [i for i in range(n) if rnd[i] < 0 and e[i] + recv[i] < pbar[i] - tol]
        if not new:
            break
        rounds += 1
        for i in new:
            rnd[i] = rounds
        for _ in range(max_iter):
            recv = _ref_received(net, due, paid)
            nxt = [min(pbar[i], a[i] * e[i] + b[i] * recv[i]) if rnd[i] > 0 else pbar[i]
                   for i in range(n)]
            done = max(abs(x - y) for x, y in zip(nxt, paid, strict=True)) <= tol
            paid = nxt
            if done:
                break
        else:
            raise ConvergenceError("clear_reference: inner Picard iteration did not converge")
    pay = _ref_payments(net, due, paid)
    return pay, paid, _ref_received(net, due, paid), rnd


def _ref_payments(net: _Net, due: list[float], paid: list[float]) -> list[float]:
    """Pay classes in order of rank, pro rata inside a class."""
    out = []
    for k, d in enumerate(due):
        o, r = int(net.obligor[k]), int(net.rank[k])
        same = [due[j] for j in range(len(due)) if net.obligor[j] == o and net.rank[j] == r]
        senior = [due[j] for j in range(len(due)) if net.obligor[j] == o and net.rank[j] < r]
        left = max(0.0, paid[o] - sum(senior))
        total = sum(same)
        out.append(d * min(1.0, left / total) if total > 0 else 0.0)
    return out


def _ref_received(net: _Net, due: list[float], paid: list[float]) -> list[float]:
    recv = [0.0] * len(paid)
    for k, x in enumerate(_ref_payments(net, due, paid)):
        if net.holder[k] >= 0:
            recv[int(net.holder[k])] += x
    return recv
