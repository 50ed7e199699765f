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

:func:`write_offs` computes them in one numba pass with the sums settlement takes of them
(recoveries by holder and by path, defaulted debt by path), bit-identical to
:func:`write_offs_reference` (the numpy chain: the same operations in the same order per
element, summed by :func:`~bubblescope.stress.kernels.aggregate.sum_by_reference` and
numpy's row sums).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.kernels.aggregate import sum_by_reference
from bubblescope.stress.kernels.cuts import BLOCK
from bubblescope.stress.kernels.row_sums import pairwise_plan, plan_sum

__all__ = ["WriteOffs", "write_offs", "write_offs_reference"]


@dataclass(frozen=True, eq=False)
class WriteOffs:
    """Each contract after this quarter's defaults, and the sums settlement takes.

    Attributes
    ----------
    loss, backlog, outstanding, scale : (n_paths, m)
        Holders' losses, lost backlog, outstanding and share running after the defaults.
    by_holder : (n_paths, n)
        Recoveries summed by holder (laid out entity-major, as ``sum_by``'s sums are).
    recovered, defaulted_debt : (n_paths,)
        Recoveries, and outstanding debt of the obligors that default now, by path.
    """

    loss: FloatArray
    backlog: FloatArray
    outstanding: FloatArray
    scale: FloatArray
    by_holder: FloatArray
    recovered: FloatArray
    defaulted_debt: FloatArray


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _write_offs(new: BoolArray, obligor: IntArray, holder: IntArray, flags: IntArray,
                out: FloatArray, rec: FloatArray, maturity: IntArray, start_q: IntArray,
                t: int, payment: FloatArray, scale: FloatArray, relet: FloatArray,
                share_now: FloatArray, share_later: FloatArray, plan: IntArray,
                res: FloatArray, by_holder: FloatArray,
                sums: FloatArray) -> None:  # pragma: no cover
    # a block of paths at a time (cuts.BLOCK): elementwise path by path, then the sums by
    # holder contract-major so the paths' chains of additions overlap
    n_paths, m = out.shape
    n = by_holder.shape[1]
    got = np.zeros((BLOCK, n))
    recovered, debt = np.empty((BLOCK, m)), np.empty((BLOCK, m))
    stack = np.empty(plan.shape[0] + 1)
    for p0 in range(0, n_paths, BLOCK):
        w = min(BLOCK, n_paths - p0)
        got[:] = 0.0
        for j in range(w):
            p = p0 + j
            for k in range(m):
                fl = flags[k]
                inside, is_debt, flow = fl & 1, fl & 2, fl & 4
                d = new[p, obligor[k]]
                g = 1.0 if (d and inside) else 0.0
                o = out[p, k]
                debt_left = o * g * (1.0 if is_debt else 0.0)
                left = max(maturity[p, k] - max(t + 1, start_q[k]), 0)
                flow_left = (payment[k] / 4 * scale[p, k] * float(left) * g
                             * (1.0 if flow else 0.0))
                c = 1.0 if start_q[k] <= t else 0.0
                r = rec[p, k]
                x = share_now[p, k] if start_q[k] <= t else share_later[p, k]
                recovered[j, k] = debt_left * r + flow_left * c * relet[p]
                res[0, p, k] = debt_left * (1.0 - r) + flow_left * c * x
                res[1, p, k] = flow_left * (0.0 if start_q[k] <= t else 1.0) * x
                res[2, p, k] = 0.0 if (d and (is_debt or flow)) else o
                res[3, p, k] = 0.0 if d else scale[p, k]
                debt[j, k] = o * (1.0 if d else 0.0) * (1.0 if is_debt else 0.0)
        for k in range(m):
            h = holder[k]
            if h >= 0:
                for j in range(w):
                    got[j, h] += recovered[j, k]
        for j in range(w):
            p = p0 + j
            for i in range(n):
                by_holder[p, i] = got[j, i]
            sums[0, p] = plan_sum(recovered[j], plan, stack)
            sums[1, p] = plan_sum(debt[j], plan, stack)


def write_offs(new: BoolArray, obligor: IntArray, holder: IntArray, inside: BoolArray,
               debt: BoolArray, flow: BoolArray, outstanding: FloatArray, recovery: FloatArray,
               maturity: IntArray, start_q: IntArray, t: int, payment: FloatArray,
               scale: FloatArray, relet: FloatArray, share_now: FloatArray,
               share_later: FloatArray) -> WriteOffs:
    """Write off the contracts of the obligors that default in quarter ``t``.

    Parameters
    ----------
    new : ndarray of bool, shape (n_paths, n)
        Obligors that default now.
    obligor, holder : ndarray of int, shape (m,)
        Who owes and who holds each contract (holder -1: outside the web).
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
    share_now, share_later : ndarray of shape (n_paths, m)
        Share of a flow's remaining value its holder loses, if it has started by ``t``
        (``start_q <= t``) and if not.

    Returns
    -------
    WriteOffs
    """
    shape, n = outstanding.shape, new.shape[1]
    flags = inside.astype(np.int64) | 2 * debt | 4 * flow
    res = np.empty((4, *shape))
    by_holder = np.empty((n, shape[0])).T
    sums = np.empty((2, shape[0]))
    f64, i64 = np.float64, np.int64
    _write_offs(np.asarray(new, dtype=np.bool_), np.asarray(obligor, dtype=i64),
                np.asarray(holder, dtype=i64), np.asarray(flags, dtype=i64),
                np.asarray(outstanding, dtype=f64),
                np.broadcast_to(np.asarray(recovery, dtype=f64), shape),
                np.broadcast_to(np.asarray(maturity, dtype=i64), shape),
                np.asarray(start_q, dtype=i64), int(t), np.asarray(payment, dtype=f64),
                np.broadcast_to(np.asarray(scale, dtype=f64), shape),
                np.asarray(relet, dtype=f64),
                np.broadcast_to(np.asarray(share_now, dtype=f64), shape),
                np.broadcast_to(np.asarray(share_later, dtype=f64), shape), pairwise_plan(shape[1]),
                res, by_holder, sums)
    return WriteOffs(res[0], res[1], res[2], res[3], by_holder, sums[0], sums[1])


def write_offs_reference(new: BoolArray, obligor: IntArray, holder: IntArray,
                         inside: BoolArray, debt: BoolArray, flow: BoolArray,
                         outstanding: FloatArray, recovery: FloatArray, maturity: IntArray,
                         start_q: IntArray, t: int, payment: FloatArray, scale: FloatArray,
                         relet: FloatArray, share_now: FloatArray, share_later: FloatArray
                         ) -> WriteOffs:
    """The numpy twin of :func:`write_offs` (the arrays settlement used to build)."""
    share = np.where(start_q[None, :] <= t, share_now, share_later)
    gone = new[:, obligor] & inside
    debt_left = outstanding * gone * debt
    started = start_q[None, :] <= t
    left_q = np.maximum(maturity - np.maximum(t + 1, start_q[None, :]), 0)
    flow_left = payment[None, :] / 4 * scale * left_q * gone * flow
    dead = new[:, obligor]
    recovered = debt_left * recovery + flow_left * started * relet[:, None]
    return WriteOffs(
        loss=debt_left * (1.0 - recovery) + flow_left * started * share,
        backlog=flow_left * ~started * share,
        outstanding=np.where(dead & (debt | flow), 0.0, outstanding),
        scale=np.where(dead, 0.0, scale),
        by_holder=sum_by_reference(recovered, holder, new.shape[1]),
        recovered=np.asarray(recovered.sum(axis=1), dtype=np.float64),
        defaulted_debt=np.asarray((outstanding * new[:, obligor] * debt).sum(axis=1),
                                  dtype=np.float64),
    )
