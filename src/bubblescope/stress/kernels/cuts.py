"""Lease and commitment cuts on the contract axis: one pass instead of a dozen arrays.

A tenant's cut factor ``f`` (one per tenant, :func:`~bubblescope.stress.channels.leases.cut_factor`)
applies to each of its cuttable contracts. On contract ``k`` of tenant ``i`` in path ``p``,
with ``a`` the annual payment, ``s`` the share still running, ``q`` the quarters left and
``c`` = 1 for a cuttable contract (0 otherwise):

* ``f_k = f[p, i]`` if cuttable, else 1;
* lost (the landlord's loss) = ``a / 4 * s * q * (1 - f_k) * c * share``;
* new share running ``s * f_k``; new due ``due * f_k``;
* income the holder no longer gets = ``a / 4 * (1 - s * f_k) * c * running``.

:func:`apply_cuts` computes all four in one numba pass, bit-identical to
:func:`apply_cuts_reference` (the same operations in the same order, element by element).
"""

from __future__ import annotations

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray

__all__ = ["apply_cuts", "apply_cuts_reference"]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _apply_cuts(factor: FloatArray, obligor: IntArray, cuttable: BoolArray,
                maturity: IntArray, start_q: IntArray, t: int, payment: FloatArray,
                scale: FloatArray, due: FloatArray, share: FloatArray, live: BoolArray,
                lost: FloatArray, new_scale: FloatArray, new_due: FloatArray,
                income: FloatArray) -> None:  # pragma: no cover
    n_paths, m = due.shape
    for p in range(n_paths):
        for k in range(m):
            c = 1.0 if cuttable[k] else 0.0
            f = factor[p, obligor[k]] if cuttable[k] else 1.0
            left = max(maturity[p, k] - max(t, start_q[k]), 0)
            quarter = payment[k] / 4
            lost[p, k] = quarter * scale[p, k] * float(left) * (1.0 - f) * c * share[p, k]
            s = scale[p, k] * f
            new_scale[p, k] = s
            new_due[p, k] = due[p, k] * f
            income[p, k] = quarter * (1.0 - s) * c * (1.0 if live[p, k] else 0.0)


def apply_cuts(factor: FloatArray, obligor: IntArray, cuttable: BoolArray, maturity: IntArray,
               start_q: IntArray, t: int, payment: FloatArray, scale: FloatArray,
               due: FloatArray, share: FloatArray, live: BoolArray
               ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Apply each tenant's cut factor to its contracts.

    Parameters
    ----------
    factor : ndarray of shape (n_paths, n)
        Cut factor of each tenant (<= 1).
    obligor : ndarray of int, shape (m,)
    cuttable : ndarray of bool, shape (m,)
        Contracts a tenant can cut (leases, commitments, customer purchases).
    maturity : ndarray of int, shape (n_paths, m)
        Quarter each contract ends.
    start_q : ndarray of int, shape (m,)
        Quarter each contract starts.
    t : int
        This quarter.
    payment : ndarray of shape (m,)
        Annual payment of each flow contract, USD bn.
    scale : ndarray of shape (n_paths, m)
        Share of each flow contract still running before the cuts.
    due : ndarray of shape (n_paths, m)
        What falls due this quarter.
    share : ndarray of shape (n_paths, m)
        Share of the remaining value the holder loses when the contract is cut.
    live : ndarray of bool, shape (n_paths, m)
        Contracts running this quarter.

    Returns
    -------
    lost, scale, due, income : ndarray of shape (n_paths, m)
        The holders' losses, the shares still running and what falls due after the cuts,
        and the income each holder no longer gets this quarter.
    """
    shape = due.shape
    out = tuple(np.empty(shape) for _ in range(4))
    _apply_cuts(np.asarray(factor, dtype=np.float64), np.asarray(obligor, dtype=np.int64),
                np.asarray(cuttable, dtype=np.bool_),
                np.broadcast_to(np.asarray(maturity, dtype=np.int64), shape),
                np.asarray(start_q, dtype=np.int64), int(t),
                np.asarray(payment, dtype=np.float64),
                np.broadcast_to(np.asarray(scale, dtype=np.float64), shape),
                np.asarray(due, dtype=np.float64),
                np.broadcast_to(np.asarray(share, dtype=np.float64), shape),
                np.broadcast_to(np.asarray(live, dtype=np.bool_), shape), *out)
    return out[0], out[1], out[2], out[3]


def apply_cuts_reference(factor: FloatArray, obligor: IntArray, cuttable: BoolArray,
                         maturity: IntArray, start_q: IntArray, t: int, payment: FloatArray,
                         scale: FloatArray, due: FloatArray, share: FloatArray,
                         live: BoolArray) -> tuple[FloatArray, FloatArray, FloatArray,
                                                   FloatArray]:
    """The numpy twin of :func:`apply_cuts` (the arrays the leases channel used to build)."""
    f = np.where(cuttable[None, :], factor[:, obligor], 1.0)
    left_q = np.maximum(maturity - np.maximum(t, start_q[None, :]), 0)
    remaining = payment[None, :] / 4 * scale * left_q
    lost = remaining * (1.0 - f) * cuttable * share
    new_scale = scale * f
    income = payment[None, :] / 4 * (1.0 - new_scale) * cuttable * live
    return (np.asarray(lost, dtype=np.float64), np.asarray(new_scale, dtype=np.float64),
            np.asarray(due * f, dtype=np.float64), np.asarray(income, dtype=np.float64))
