"""Write-offs at default on the contract axis: one pass instead of a dozen arrays.

When obligor ``i`` defaults on a path, each of its contracts held inside the web is written
off. With ``g`` = 1 for a contract of a new defaulter held inside (0 otherwise), ``r`` its
recovery by rank, ``a`` the annual payment, ``s`` the share still running, ``q`` the
quarters left after this one, ``c`` = 1 once the contract has started and ``x`` the share of
the remaining value a holder loses on a flow (``flow_loss_share``):

* debt left ``D = o * g * debt``, flows left ``F = a / 4 * s * q * g * flow``;
* recovered ``D * r + F * c * relet``; loss ``D * (1 - r) + F * c * x``; lost backlog (a
  contract that had not started) ``F * (1 - c) * x``;
* debt and flows of every defaulter (new or not on this path's row) are closed: outstanding
  0, share running 0 (``dead``).

:func:`write_offs` computes them in one numba pass, bit-identical to
:func:`write_offs_reference` (the same operations in the same order per element).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray

__all__ = ["ContractWriteOffs", "write_offs", "write_offs_reference"]


@dataclass(frozen=True, eq=False)
class ContractWriteOffs:
    """Each contract after this quarter's defaults, all (n_paths, m).

    ``defaulted_debt`` is the outstanding debt of the obligors that default now (summed by
    path by the caller); ``dead`` marks the contracts of those obligors.
    """

    recovered: FloatArray
    loss: FloatArray
    backlog: FloatArray
    outstanding: FloatArray
    scale: FloatArray
    defaulted_debt: FloatArray
    dead: BoolArray


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _write_offs(new: BoolArray, obligor: IntArray, flags: IntArray, out: FloatArray,
                rec: FloatArray, maturity: IntArray, start_q: IntArray, t: int,
                payment: FloatArray, scale: FloatArray, relet: FloatArray, share: FloatArray,
                res: FloatArray, dead: BoolArray) -> None:  # pragma: no cover
    n_paths, m = out.shape
    for p in range(n_paths):
        for k in range(m):
            fl = flags[k]
            inside, debt, flow = fl & 1, fl & 2, fl & 4
            d = new[p, obligor[k]]
            g = 1.0 if (d and inside) else 0.0
            o = out[p, k]
            debt_left = o * g * (1.0 if debt else 0.0)
            left = max(maturity[p, k] - max(t + 1, start_q[k]), 0)
            flow_left = (payment[k] / 4 * scale[p, k] * float(left) * g
                         * (1.0 if flow else 0.0))
            c = 1.0 if start_q[k] <= t else 0.0
            r = rec[p, k]
            x = share[p, k]
            res[0, p, k] = debt_left * r + flow_left * c * relet[p]
            res[1, p, k] = debt_left * (1.0 - r) + flow_left * c * x
            res[2, p, k] = flow_left * (0.0 if start_q[k] <= t else 1.0) * x
            res[3, p, k] = 0.0 if (d and (debt or flow)) else o
            res[4, p, k] = 0.0 if d else scale[p, k]
            res[5, p, k] = o * (1.0 if d else 0.0) * (1.0 if debt else 0.0)
            dead[p, k] = d


def write_offs(new: BoolArray, obligor: IntArray, inside: BoolArray, debt: BoolArray,
               flow: BoolArray, outstanding: FloatArray, recovery: FloatArray,
               maturity: IntArray, start_q: IntArray, t: int, payment: FloatArray,
               scale: FloatArray, relet: FloatArray, share: FloatArray) -> ContractWriteOffs:
    """Write off the contracts of the obligors that default in quarter ``t``.

    Parameters
    ----------
    new : ndarray of bool, shape (n_paths, n)
        Obligors that default now.
    obligor : ndarray of int, shape (m,)
    inside, debt, flow : ndarray of bool, shape (m,)
        Held inside the web; a debt contract; a flow contract.
    outstanding, recovery : ndarray of shape (n_paths, m)
        Outstanding after this quarter's payments; recovery by rank.
    maturity : ndarray of int, shape (n_paths, m)
    start_q : ndarray of int, shape (m,)
    t : int
    payment : ndarray of shape (m,)
        Annual payment of each flow contract.
    scale : ndarray of shape (n_paths, m)
        Share of each flow contract still running.
    relet : ndarray of shape (n_paths,)
        ``recovery_flow``: share of a lost flow's value its holder gets back.
    share : ndarray of shape (n_paths, m)
        Share of a flow's remaining value its holder loses.

    Returns
    -------
    ContractWriteOffs
    """
    shape = outstanding.shape
    flags = inside.astype(np.int64) | 2 * debt | 4 * flow
    res = np.empty((6, *shape))
    dead = np.empty(shape, dtype=np.bool_)
    _write_offs(np.asarray(new, dtype=np.bool_), np.asarray(obligor, dtype=np.int64),
                np.asarray(flags, dtype=np.int64), np.asarray(outstanding, dtype=np.float64),
                np.broadcast_to(np.asarray(recovery, dtype=np.float64), shape),
                np.broadcast_to(np.asarray(maturity, dtype=np.int64), shape),
                np.asarray(start_q, dtype=np.int64), int(t),
                np.asarray(payment, dtype=np.float64),
                np.broadcast_to(np.asarray(scale, dtype=np.float64), shape),
                np.asarray(relet, dtype=np.float64),
                np.broadcast_to(np.asarray(share, dtype=np.float64), shape), res, dead)
    return ContractWriteOffs(res[0], res[1], res[2], res[3], res[4], res[5], dead)


def write_offs_reference(new: BoolArray, obligor: IntArray, inside: BoolArray, debt: BoolArray,
                         flow: BoolArray, outstanding: FloatArray, recovery: FloatArray,
                         maturity: IntArray, start_q: IntArray, t: int, payment: FloatArray,
                         scale: FloatArray, relet: FloatArray, share: FloatArray
                         ) -> ContractWriteOffs:
    """The numpy twin of :func:`write_offs` (the arrays settlement used to build)."""
    gone = new[:, obligor] & inside
    debt_left = outstanding * gone * debt
    started = start_q[None, :] <= t
    left_q = np.maximum(maturity - np.maximum(t + 1, start_q[None, :]), 0)
    flow_left = payment[None, :] / 4 * scale * left_q * gone * flow
    dead = new[:, obligor]
    return ContractWriteOffs(
        recovered=debt_left * recovery + flow_left * started * relet[:, None],
        loss=debt_left * (1.0 - recovery) + flow_left * started * share,
        backlog=flow_left * ~started * share,
        outstanding=np.where(dead & (debt | flow), 0.0, outstanding),
        scale=np.where(dead, 0.0, scale),
        defaulted_debt=outstanding * new[:, obligor] * debt, dead=dead,
    )
