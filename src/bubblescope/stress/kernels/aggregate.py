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

from bubblescope.model._typing import BoolArray, FloatArray, IntArray

__all__ = [
    "book_losses",
    "book_losses_reference",
    "masked_total",
    "masked_total_reference",
    "pro_rata_shares",
    "sum_by",
    "sum_by_last",
    "sum_by_last_reference",
    "sum_by_reference",
]


@numba.njit(cache=True, nogil=True)
def _sum_by(x: FloatArray, index: IntArray, out: FloatArray) -> None:  # pragma: no cover
    # out is (n, n_paths); each entity's sum runs over its contracts in increasing order.
    # Four paths at a time: their sums are independent chains of additions, so the CPU
    # overlaps them (one path alone waits on each addition to its entity's running total).
    n_paths, m = x.shape
    acc = np.zeros((out.shape[0], 4))
    for p0 in range(0, n_paths, 4):
        acc[:] = 0.0
        if p0 + 4 <= n_paths:
            for k in range(m):
                i = index[k]
                if i >= 0:
                    acc[i, 0] += x[p0, k]
                    acc[i, 1] += x[p0 + 1, k]
                    acc[i, 2] += x[p0 + 2, k]
                    acc[i, 3] += x[p0 + 3, k]
        else:
            for k in range(m):
                i = index[k]
                if i >= 0:
                    for j in range(n_paths - p0):
                        acc[i, j] += x[p0 + j, k]
        for i in range(out.shape[0]):
            for j in range(min(4, n_paths - p0)):
                out[i, p0 + j] = acc[i, j]


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


@numba.njit(cache=True, nogil=True)
def _book(loss: FloatArray, holder: IntArray, channel: IntArray, klass: IntArray,
          entity: FloatArray, contract: FloatArray, by_class: FloatArray
          ) -> None:  # pragma: no cover
    n_channels, n_paths, m = loss.shape
    acc = np.zeros((n_channels, entity.shape[1]))
    for p in range(n_paths):
        acc[:] = 0.0
        for k in range(m):
            i = holder[k]
            if i >= 0:
                total = contract[p, k]
                for j in range(n_channels):  # channel order: each sum as channel by channel
                    v = loss[j, p, k]
                    acc[j, i] += v
                    total += v
                    by_class[p, k, klass[j]] += v
                contract[p, k] = total
        for j in range(n_channels):
            for i in range(acc.shape[1]):
                entity[p, i, channel[j]] += acc[j, i]


def book_losses(loss: FloatArray, holder: IntArray, channel: IntArray, klass: IntArray,
                entity: FloatArray, contract: FloatArray, by_class: FloatArray) -> None:
    """Add loss channels' contract losses to the running totals, in place.

    Parameters
    ----------
    loss : ndarray of shape (channels, n_paths, m)
        Each channel's loss on each contract.
    holder : ndarray of int, shape (m,)
        Each contract's holder (-1: outside the web, books nothing).
    channel, klass : ndarray of int, shape (channels,)
        Each channel's position on ``entity``'s last axis (a position may come twice) and
        its loss class on ``by_class``'s.
    entity : ndarray of shape (n_paths, n, channel positions)
        Gains each channel's losses summed by holder (:func:`sum_by`).
    contract : ndarray of shape (n_paths, m)
    by_class : ndarray of shape (n_paths, m, classes)
        Gain the losses of contracts held inside the web, channel after channel.

    Bit-identical to :func:`book_losses_reference`, which books one channel after the other
    (one pass over the contracts instead of five array operations a channel).
    """
    _book(np.asarray(loss, dtype=np.float64), np.asarray(holder, dtype=np.int64),
          np.asarray(channel, dtype=np.int64), np.asarray(klass, dtype=np.int64), entity,
          contract, by_class)


def book_losses_reference(loss: FloatArray, holder: IntArray, channel: IntArray,
                          klass: IntArray, entity: FloatArray, contract: FloatArray,
                          by_class: FloatArray) -> None:
    """The numpy twin of :func:`book_losses`: channel by channel."""
    for one, ch, k in zip(loss, channel, klass, strict=True):
        entity[:, :, ch] += sum_by_reference(one, holder, entity.shape[1])
        inside = np.where(holder >= 0, one, 0.0)
        contract += inside
        by_class[:, :, k] += inside


@numba.njit(cache=True, nogil=True)
def _masked_total(x: FloatArray, mask: BoolArray, out: FloatArray) -> None:  # pragma: no cover
    n_paths, m, k_last = x.shape
    for p in range(n_paths):
        for c in range(k_last):
            out[p, c] = 0.0
        for k in range(m):
            w = 1.0 if mask[k] else 0.0
            for c in range(k_last):
                out[p, c] += x[p, k, c] * w


def masked_total(x: FloatArray, mask: BoolArray) -> FloatArray:
    """Sum ``x`` of shape (n_paths, m, K) over the contracts in ``mask`` (m,): (n_paths, K).

    Bit-identical to :func:`masked_total_reference` for ``K >= 2``, as in the recorder (3
    loss classes): numpy then adds the contracts one after the other from 0. (For ``K == 1``
    numpy sums the contiguous contract axis pairwise, which can differ in the last bit.) One
    pass, no (n_paths, m, K) temporary.

    >>> masked_total(np.array([[[1.0, 2.0], [4.0, 8.0]]]), np.array([False, True])).tolist()
    [[4.0, 8.0]]
    """
    arr = np.asarray(x, dtype=np.float64)
    out = np.empty((arr.shape[0], arr.shape[2]))
    _masked_total(arr, np.asarray(mask, dtype=np.bool_), out)
    return out


def masked_total_reference(x: FloatArray, mask: BoolArray) -> FloatArray:
    """The numpy twin of :func:`masked_total`."""
    return np.asarray((x * mask[None, :, None]).sum(axis=1), dtype=np.float64)


@numba.njit(cache=True, nogil=True)
def _sum_by_last(x: FloatArray, index: IntArray, out: FloatArray) -> None:  # pragma: no cover
    rows, m, k_last = x.shape
    for r in range(rows):
        for k in range(m):
            i = index[k]
            if i >= 0:
                for c in range(k_last):
                    out[r, i, c] += x[r, k, c]


def sum_by_last(x: FloatArray, index: IntArray, n: int) -> FloatArray:
    """Sum ``x`` of shape (..., m, K) over contracts into entities ``index`` (-1: dropped):
    (..., n, K), each entity's sum in contract order.

    Bit-identical to :func:`sum_by_last_reference` (a dense 0/1 matrix contracted with
    ``np.einsum``) for ``K >= 2``, as in the ledger (3 loss classes): einsum's sums over
    contracts then run in contract order too. (For ``K == 1`` einsum adds the contiguous
    contract axis with SIMD partial sums, which can differ in the last bit.) No n x m
    matrix and n x m x K products: the ledger of a 100,000-entity web could not be built.

    >>> sum_by_last(np.array([[1.0, 2.0], [4.0, 8.0]]), np.array([1, 1]), 2).tolist()
    [[0.0, 0.0], [5.0, 10.0]]
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim < 2 or arr.shape[-2] != index.size:
        raise ValueError(f"sum_by_last: x has shape {arr.shape}, index has {index.size} "
                         "contracts")
    lead, (m, k_last) = arr.shape[:-2], arr.shape[-2:]
    out = np.zeros((int(np.prod(lead, dtype=np.int64)), n, k_last))
    _sum_by_last(arr.reshape(-1, m, k_last), np.asarray(index, dtype=np.int64), out)
    return out.reshape((*lead, n, k_last))


def sum_by_last_reference(x: FloatArray, index: IntArray, n: int) -> FloatArray:
    """The dense twin of :func:`sum_by_last`."""
    keep = index >= 0
    agg = np.zeros((n, index.size))
    agg[index[keep], np.flatnonzero(keep)] = 1.0
    return np.asarray(np.einsum("nm,...mk->...nk", agg, x), dtype=np.float64)


@numba.njit(cache=True, nogil=True)
def _pro_rata(per_entity: FloatArray, entity: IntArray, weight: FloatArray, cap: FloatArray,
              capped: bool, out: FloatArray) -> None:  # pragma: no cover
    n_paths, m = out.shape
    total = np.zeros(per_entity.shape[1])
    for p in range(n_paths):
        total[:] = 0.0
        for k in range(m):
            i = entity[k]
            if i >= 0:
                total[i] += weight[p, k]
        for k in range(m):
            i = entity[k]
            keep = 1.0 if i >= 0 else 0.0
            w = weight[p, k] if i >= 0 else 0.0
            i = max(i, 0)
            t = total[i]
            share = w / t if t > 0 else 0.0
            o = per_entity[p, i] * share * keep
            if capped:
                c = cap[p, k]
                o = o if (o < c or o != o) else c  # np.minimum, NaN included
            out[p, k] = o


def pro_rata_shares(per_entity: FloatArray, entity: IntArray, weight: FloatArray,
                    cap: FloatArray | None = None) -> FloatArray:
    """Spread an amount per entity over its contracts in proportion to ``weight``.

    The numba pass behind :func:`bubblescope.stress.kernels.leverage.pro_rata` (which
    documents the arguments); bit-identical to its numpy reference twin
    :func:`bubblescope.stress.kernels.leverage.pro_rata_reference`.
    """
    n_paths = per_entity.shape[0]
    w = np.broadcast_to(np.asarray(weight, dtype=np.float64), (n_paths, entity.size))
    out = np.empty((n_paths, entity.size))
    c = out if cap is None else np.broadcast_to(np.asarray(cap, dtype=np.float64), out.shape)
    _pro_rata(np.asarray(per_entity, dtype=np.float64), np.asarray(entity, dtype=np.int64),
              w, c, cap is not None, out)
    return out
