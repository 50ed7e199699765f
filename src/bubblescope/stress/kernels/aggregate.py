"""Sum contract arrays into entities: the engine's most frequent operation.

Every channel sums arrays over contracts (n_paths, m) by obligor or by holder into entity
arrays (n_paths, n), dozens of times a quarter. :func:`sum_by` does it in one pass over the
contracts, in contract order, so each entity's total is the same left-to-right sum
``((0 + x[k1]) + x[k2]) + ...`` over its contracts ``k1 < k2 < ...`` that a sparse 0/1
matrix product (:func:`sum_by_reference`, scipy's CSR kernel) computes: the results are
equal bit for bit, not only to rounding. It replaces that product because scipy copies the
transposed array on every call and the engine called it about 30 times a quarter.

The result is laid out as the sparse product's was (entity-major in memory, i.e. the
transpose of a C-ordered (n, n_paths) array): numpy's reductions of the result along the
entity axis add in an order that depends on the layout, so keeping it keeps every later
sum bit-identical too.
"""

from __future__ import annotations

import numba
import numpy as np
from scipy import sparse

from bubblescope.model._typing import FloatArray, IntArray

__all__ = ["sum_by", "sum_by_reference"]


@numba.njit(cache=True, nogil=True)
def _sum_by(x: FloatArray, index: IntArray, out: FloatArray) -> None:  # pragma: no cover
    # out is (n, n_paths); each entity's sum runs over its contracts in increasing order
    n_paths, m = x.shape
    for p in range(n_paths):
        for k in range(m):
            i = index[k]
            if i >= 0:
                out[i, p] += x[p, k]


def sum_by(x: FloatArray, index: IntArray, n: int) -> FloatArray:
    """Sum ``x`` over contracts into entities ``index`` (-1: dropped).

    Parameters
    ----------
    x : ndarray of shape (n_paths, m) or (m,)
        A contract array (cast to float64).
    index : ndarray of int, shape (m,)
        The entity of each contract, or -1 for a contract that sums nowhere.
    n : int
        Number of entities.

    Returns
    -------
    ndarray of shape (n_paths, n) or (n,)
        Bit-identical to :func:`sum_by_reference` (same values and memory layout).

    >>> sum_by(np.array([[1.0, 2.0, 4.0]]), np.array([1, -1, 1]), 2).tolist()
    [[0.0, 5.0]]
    """
    arr = np.asarray(x, dtype=np.float64)
    flat = arr.ndim == 1
    rows = arr[None, :] if flat else arr
    if rows.ndim != 2 or rows.shape[1] != index.size:
        raise ValueError(f"sum_by: x has shape {arr.shape}, index has {index.size} contracts")
    out = np.zeros((n, rows.shape[0]))
    _sum_by(rows, np.asarray(index, dtype=np.int64), out)
    return out[:, 0] if flat else out.T


def sum_by_reference(x: FloatArray, index: IntArray, n: int) -> FloatArray:
    """The slow twin of :func:`sum_by`: a sparse 0/1 (n, m) matrix times ``x`` transposed."""
    keep = np.flatnonzero(index >= 0)
    agg = sparse.csr_array((np.ones(keep.size), (index[keep], keep)), shape=(n, index.size))
    return np.asarray((agg @ np.asarray(x, dtype=np.float64).T).T, dtype=np.float64)
