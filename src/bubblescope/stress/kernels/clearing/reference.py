"""The reference twin of :func:`~bubblescope.stress.kernels.clearing.clear`: plain loops.

Each path runs the textbook fictitious default algorithm, the inner fixed point by Picard
iteration over Python lists; slow and obvious, for the tests that compare the kernels.
"""

from __future__ import annotations

import numpy as np

from bubblescope.model._typing import FloatArray, IntArray
from bubblescope.model.errors import ConvergenceError
from bubblescope.stress.kernels.clearing.net import ClearingResult, Net, prepare

__all__ = ["clear_reference"]


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
    net = prepare(obligor, holder, due, rank, external_assets, n_entities, alpha, beta)
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


def _reference_path(
    net: Net, p: int, tol: float, max_iter: int
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


def _ref_payments(net: Net, due: list[float], paid: list[float]) -> list[float]:
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


def _ref_received(net: Net, due: list[float], paid: list[float]) -> list[float]:
    recv = [0.0] * len(paid)
    for k, x in enumerate(_ref_payments(net, due, paid)):
        if net.holder[k] >= 0:
            recv[int(net.holder[k])] += x
    return recv
