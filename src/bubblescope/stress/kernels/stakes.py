"""Equity stakes and fund shares marked to what their issuer is worth, in one pass.

A stake ``k`` in obligor ``i`` bought for ``basis`` is worth ``basis * v``: for a fund's
shares ``v`` is the fund's value index (capital left), for a firm's equity its valuation
relative to the start capped at 10. A stake not bought yet (``basis <= 0``) is worth 0.
Contracts that are not equity keep their outstanding amount and book nothing.

:func:`mark_stakes` is one numba pass, bit-identical to :func:`mark_stakes_reference`.
"""

from __future__ import annotations

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray

__all__ = ["VALUE_CAP", "mark_stakes", "mark_stakes_reference"]

#: Largest multiple of its starting valuation at which a firm's equity is marked.
VALUE_CAP = 10.0


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _mark(basis: FloatArray, outstanding: FloatArray, value: FloatArray, index: FloatArray,
          obligor: IntArray, fund: BoolArray, equity: BoolArray, new_out: FloatArray,
          loss: FloatArray) -> None:  # pragma: no cover
    n_paths, m = basis.shape
    for p in range(n_paths):
        for k in range(m):
            i = obligor[k]
            b = basis[p, k]
            if fund[k]:
                v = index[p, i]
            else:
                x = value[p, i]
                v = x if not x > VALUE_CAP else VALUE_CAP  # np.minimum: NaN stays NaN
            new = b * v if (equity[k] and b > 0) else 0.0
            o = outstanding[p, k]
            loss[p, k] = o - new if equity[k] else 0.0
            new_out[p, k] = new if equity[k] else o


def mark_stakes(basis: FloatArray, outstanding: FloatArray, value: FloatArray,
                index: FloatArray, obligor: IntArray, fund: BoolArray, equity: BoolArray
                ) -> tuple[FloatArray, FloatArray]:
    """Mark each equity contract to its issuer; return (outstanding, loss), (n_paths, m).

    Parameters
    ----------
    basis, outstanding : ndarray of shape (n_paths, m)
        What each stake cost and its mark before this quarter.
    value : ndarray of shape (n_paths, n)
        Each firm's valuation relative to the start.
    index : ndarray of shape (n_paths, n)
        Each fund's value index (:func:`~bubblescope.stress.channels.holders.value_index`).
    obligor : ndarray of int, shape (m,)
    fund, equity : ndarray of bool, shape (m,)
        Whether the contract's obligor is a fund; whether the contract is equity.

    Returns
    -------
    outstanding, loss : ndarray of shape (n_paths, m)
        The new marks (other contracts unchanged) and each holder's loss (negative: gain).
    """
    shape = np.shape(basis)
    new_out, loss = np.empty(shape), np.empty(shape)
    _mark(np.asarray(basis, dtype=np.float64),
          np.broadcast_to(np.asarray(outstanding, dtype=np.float64), shape),
          np.asarray(value, dtype=np.float64), np.asarray(index, dtype=np.float64),
          np.asarray(obligor, dtype=np.int64), np.asarray(fund, dtype=np.bool_),
          np.asarray(equity, dtype=np.bool_), new_out, loss)
    return new_out, loss


def mark_stakes_reference(basis: FloatArray, outstanding: FloatArray, value: FloatArray,
                          index: FloatArray, obligor: IntArray, fund: BoolArray,
                          equity: BoolArray) -> tuple[FloatArray, FloatArray]:
    """The numpy twin of :func:`mark_stakes`."""
    worth = basis * np.where(fund, index[:, obligor], np.minimum(value[:, obligor], VALUE_CAP))
    new = np.where(equity & (basis > 0), worth, 0.0)
    loss = np.where(equity, outstanding - new, 0.0)
    return (np.asarray(np.where(equity, new, outstanding), dtype=np.float64),
            np.asarray(loss, dtype=np.float64))
