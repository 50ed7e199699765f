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

from collections.abc import Sequence

import numba
import numpy as np
from scipy import sparse

from bubblescope.model._typing import BoolArray, FloatArray, IntArray

__all__ = [
    "book_losses",
    "book_losses_reference",
    "masked_total_reference",
    "pro_rata_shares",
    "record_losses",
    "record_losses_reference",
    "sum_by",
    "sum_by_last",
    "sum_by_last_reference",
    "sum_by_reference",
]


@numba.njit(cache=True, nogil=True)
def _sum_by(x: FloatArray, index: IntArray, out: FloatArray) -> None:  # pragma: no cover
    # out is (n, n_paths); each entity's sum runs over its contracts in increasing order.
    # Eight paths at a time: their sums are independent chains of additions, so the CPU
    # overlaps them (one path alone waits on each addition to its entity's running total);
    # eight measured 15% faster than four on the default web, sixteen no faster.
    n_paths, m = x.shape
    acc = np.zeros((out.shape[0], 8))
    for p0 in range(0, n_paths, 8):
        acc[:] = 0.0
        if p0 + 8 <= n_paths:
            for k in range(m):
                i = index[k]
                if i >= 0:
                    for j in range(8):
                        acc[i, j] += x[p0 + j, k]
        else:
            for k in range(m):
                i = index[k]
                if i >= 0:
                    for j in range(n_paths - p0):
                        acc[i, j] += x[p0 + j, k]
        for i in range(out.shape[0]):
            for j in range(min(8, n_paths - p0)):
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


@numba.njit(cache=True, nogil=True, inline="always")
def _numpy_sum(a: FloatArray) -> float:  # pragma: no cover
    # what numpy's add.reduce does with a contiguous row of at most 128 values: 0.0 plus
    # its pairwise sum (eight accumulators from 8 values on, then the rest in order)
    n = a.size
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return 0.0 + res
    r0, r1, r2, r3, r4, r5, r6, r7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
    i = 8
    while i < n - n % 8:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[i]
        i += 1
    out: float = 0.0 + res
    return out


@numba.njit(cache=True, nogil=True)
def _nonzero_columns(x: FloatArray, hit: BoolArray) -> None:  # pragma: no cover
    # whether each column of x (n_paths, m) is not zero on some path (NaN counts)
    hit[:] = False
    for p in range(x.shape[0]):
        for k in range(x.shape[1]):
            hit[k] |= x[p, k] != 0.0


#: Most loss channels one booking takes (:func:`book_losses`).
_MOST_CHANNELS = 16


@numba.njit(cache=True, nogil=True)
def _book(losses: tuple[FloatArray, ...], holder: IntArray, channel: IntArray,
          klass: IntArray, credit: IntArray, entity: FloatArray, contract: FloatArray,
          by_class: FloatArray, total: FloatArray, credit_total: FloatArray, fresh: bool,
          touched: BoolArray) -> None:  # pragma: no cover
    # This booking's sums start from +0.0 and only add, so they are never -0.0 and adding
    # a zero leaves them as they are: each channel books only the contracts held inside
    # the web on which it is not zero on some path (a few dozen of hundreds), and nothing
    # at all when it is zero everywhere (most channels, most quarters). ``fresh``: the
    # totals are zero, so this booking is written into them directly.
    n_paths, m = contract.shape
    n, n_pos = entity.shape[1], entity.shape[2]
    n_classes = by_class.shape[2]
    n_ch = channel.size
    cols = np.empty((n_ch, m), np.int64)
    n_cols = np.zeros(n_ch, np.int64)
    hit = np.zeros(m, np.bool_)
    seen = np.zeros(m, np.bool_)  # on any channel
    for j in range(n_ch):
        _nonzero_columns(losses[j], hit)
        c = 0
        for k in range(m):
            if hit[k] and holder[k] >= 0:
                cols[j, c] = k
                c += 1
                seen[k] = True
        n_cols[j] = c
    union = np.flatnonzero(seen)
    for u in union:
        touched[u] = True
    if not fresh and union.size == 0:  # nothing to add (most quarters' second booking)
        total[:] = 0.0
        credit_total[:] = 0.0
        return
    e = np.zeros((n, n_pos))  # this booking's entity losses on a path
    acc = np.zeros(n)
    row = np.zeros(m)
    cls = np.zeros((m, n_classes))
    for p in range(n_paths):
        if fresh:
            to_row, to_cls = contract[p], by_class[p]
            to_row[:] = 0.0
            to_cls[:] = 0.0
        else:
            to_row, to_cls = row, cls
            for u in union:
                row[u] = 0.0
                for q in range(n_classes):
                    cls[u, q] = 0.0
        e[:] = 0.0
        for j in range(n_ch):
            if n_cols[j] == 0:
                continue
            x = losses[j]
            c = klass[j]
            acc[:] = 0.0
            for q in range(n_cols[j]):
                k = cols[j, q]
                v = x[p, k]
                acc[holder[k]] += v
                to_row[k] += v
                to_cls[k, c] += v
            ch = channel[j]
            for i in range(n):
                e[i, ch] += acc[i]
        for i in range(n):
            total[p, i] = _numpy_sum(e[i])
            # numpy's copy of the picked positions has them outermost in memory, so it adds
            # them one after the other from 0.0 (not pairwise)
            s = 0.0
            for q in range(credit.size):
                s += e[i, credit[q]]
            credit_total[p, i] = s
            if fresh:
                for q in range(n_pos):
                    entity[p, i, q] = e[i, q]
            else:
                for q in range(n_pos):
                    entity[p, i, q] += e[i, q]
        if not fresh:
            for u in union:
                contract[p, u] += row[u]
                for q in range(n_classes):
                    by_class[p, u, q] += cls[u, q]


def book_losses(losses: Sequence[FloatArray], holder: IntArray, channel: IntArray,
                klass: IntArray, credit: IntArray, entity: FloatArray, contract: FloatArray,
                by_class: FloatArray, *, fresh: bool = False,
                touched: BoolArray | None = None) -> tuple[FloatArray, FloatArray]:
    """Book loss channels' contract losses on their holders and add them to running totals.

    Parameters
    ----------
    losses : sequence of ndarray of shape (n_paths, m)
        Each channel's loss on each contract (broadcast to that shape); 1 to 16 channels.
    holder : ndarray of int, shape (m,)
        Each contract's holder (-1: outside the web, books nothing).
    channel, klass : ndarray of int, shape (channels,)
        Each channel's position on ``entity``'s last axis (a position may come twice) and
        its loss class on ``by_class``'s.
    credit : ndarray of int
        Positions on ``entity``'s last axis (at most 128) summed into ``credit_total``.
    entity : ndarray of shape (n_paths, n, channel positions)
    contract : ndarray of shape (n_paths, m)
    by_class : ndarray of shape (n_paths, m, classes)
        Running totals; each gains this booking's totals (updated in place): the channels'
        losses summed by holder (:func:`sum_by`), and the losses of contracts held inside
        the web summed channel after channel, in all and by class.
    fresh : bool
        The totals hold nothing yet: their values are not read but overwritten (as if
        they were zeros); they may be uninitialised or views into larger arrays.
    touched : ndarray of bool, shape (m,), optional
        Set (in place) on the contracts held inside the web on which some channel is not
        zero (NaN included) on some path: outside them this booking adds nothing.

    Returns
    -------
    total, credit_total : ndarray of shape (n_paths, n)
        This booking's losses by holder over all positions and over ``credit``: numpy's
        ``booked.sum(axis=2)`` and ``booked[:, :, credit].sum(axis=2)``.

    Bit-identical to :func:`book_losses_reference`, which books one channel after the other
    in numpy (one pass over the contracts here instead of five array operations a channel,
    and no stacked copy of the channels).
    """
    shape = contract.shape
    if not 0 < len(losses) <= _MOST_CHANNELS:
        raise ValueError(f"book_losses: {len(losses)} channels, 1 to {_MOST_CHANNELS} allowed")
    rows = [np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=np.float64), shape))
            for x in losses]
    rows += [rows[0]] * (_MOST_CHANNELS - len(rows))  # one tuple type: compiled once
    total, credit_total = np.empty(shape[:1] + entity.shape[1:2]), np.empty(
        shape[:1] + entity.shape[1:2])
    _book(tuple(rows), np.asarray(holder, dtype=np.int64), np.asarray(channel, dtype=np.int64),
          np.asarray(klass, dtype=np.int64), np.asarray(credit, dtype=np.int64), entity,
          contract, by_class, total, credit_total, fresh,
          np.zeros(shape[1], dtype=np.bool_) if touched is None else touched)
    return total, credit_total


def book_losses_reference(losses: Sequence[FloatArray], holder: IntArray, channel: IntArray,
                          klass: IntArray, credit: IntArray, entity: FloatArray,
                          contract: FloatArray, by_class: FloatArray, *, fresh: bool = False,
                          touched: BoolArray | None = None) -> tuple[FloatArray, FloatArray]:
    """The numpy twin of :func:`book_losses`: channel by channel from zero, then added."""
    if fresh:
        for total in (entity, contract, by_class):
            total[...] = 0.0
    if touched is not None:
        for one in losses:
            hit = np.broadcast_to(one, contract.shape) != 0.0  # NaN counts
            touched |= hit.any(axis=0) & (holder >= 0)
    booked, row, cls = np.zeros_like(entity), np.zeros_like(contract), np.zeros_like(by_class)
    for one, ch, k in zip(losses, channel, klass, strict=True):
        one = np.broadcast_to(one, contract.shape)
        booked[:, :, ch] += sum_by_reference(one, holder, entity.shape[1])
        inside = np.where(holder >= 0, one, 0.0)
        row += inside
        cls[:, :, k] += inside
    entity += booked
    contract += row
    by_class += cls
    return (np.asarray(booked.sum(axis=2), dtype=np.float64),
            np.asarray(booked[:, :, credit].sum(axis=2), dtype=np.float64))


@numba.njit(cache=True, nogil=True)
def _record(entity: FloatArray, contract: FloatArray, by_class: FloatArray, mask: BoolArray,
            contract_total: FloatArray, class_total: FloatArray, class_copy: FloatArray,
            copy: bool, masked: FloatArray, by_entity: FloatArray, by_channel: FloatArray,
            columns: IntArray) -> None:  # pragma: no cover
    # Outside ``columns`` contract and by_class are +0.0 (the caller's promise): adding
    # them changes no total (never -0.0) and adds 0.0 * w = +0.0 to ``masked``.
    n_paths, m = contract.shape
    n, n_pos = entity.shape[1], entity.shape[2]
    n_classes = by_class.shape[2]
    for p in range(n_paths):
        for k in columns:
            contract_total[p, k] += contract[p, k]
        for c in range(n_classes):
            masked[p, c] = 0.0
        for k in columns:
            w = 1.0 if mask[k] else 0.0
            for c in range(n_classes):
                v = by_class[p, k, c]
                class_total[p, k, c] += v
                masked[p, c] += v * w
        if copy:
            for k in range(m):
                for c in range(n_classes):
                    class_copy[p, k, c] = by_class[p, k, c]
        for c in range(n_pos):
            by_channel[p, c] = 0.0
        for i in range(n):
            by_entity[p, i] = _numpy_sum(entity[p, i])
            for c in range(n_pos):
                by_channel[p, c] += entity[p, i, c]


def record_losses(entity: FloatArray, contract: FloatArray, by_class: FloatArray,
                  mask: BoolArray, contract_total: FloatArray, class_total: FloatArray,
                  class_copy: FloatArray, columns: IntArray | None = None,
                  ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Keep a quarter's losses: running totals, a copy, and three sums, in one pass.

    Parameters
    ----------
    entity : ndarray of shape (n_paths, n, channels), C-ordered
        The quarter's losses by holder and channel.
    contract : ndarray of shape (n_paths, m)
    by_class : ndarray of shape (n_paths, m, classes), classes >= 2
        The quarter's losses by contract, in all and by class.
    mask : ndarray of bool, shape (m,)
        Contracts counted in ``masked`` (:func:`masked_total_reference`).
    contract_total, class_total : ndarray of shape (n_paths, m) and (n_paths, m, classes)
        Running totals, gain ``contract`` and ``by_class`` (in place).
    class_copy : ndarray of shape (n_paths, m, classes)
        Gets a copy of ``by_class`` (nothing to do when it is ``by_class`` itself).
    columns : ndarray of int, optional
        The only contracts on which ``contract`` and ``by_class`` may not be +0.0 (e.g.
        those a booking touched, :func:`book_losses`); the others are skipped, which
        changes no bit as long as the running totals hold no -0.0 (totals that started at
        0 and only added never do). All contracts when not given.

    Returns
    -------
    masked, by_entity, by_channel : ndarray of shape (n_paths, classes), (n_paths, n) and
        (n_paths, channels)
        ``masked_total_reference(by_class, mask)``, ``entity.sum(axis=2)`` and
        ``entity.sum(axis=1)`` as numpy adds them: bit-identical to :func:`record_losses_reference`.
    """
    n_paths, n, n_pos = entity.shape
    masked, by_entity, by_channel = (np.empty((n_paths, by_class.shape[2])),
                                     np.empty((n_paths, n)), np.empty((n_paths, n_pos)))
    _record(np.ascontiguousarray(entity, dtype=np.float64), contract, by_class,
            np.asarray(mask, dtype=np.bool_), contract_total, class_total, class_copy,
            class_copy is not by_class, masked, by_entity, by_channel,
            np.arange(contract.shape[1]) if columns is None
            else np.asarray(columns, dtype=np.int64))
    return masked, by_entity, by_channel


def record_losses_reference(entity: FloatArray, contract: FloatArray, by_class: FloatArray,
                            mask: BoolArray, contract_total: FloatArray,
                            class_total: FloatArray, class_copy: FloatArray,
                            ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The numpy twin of :func:`record_losses` (all columns)."""
    contract_total += contract
    class_total += by_class
    class_copy[...] = by_class
    return (masked_total_reference(by_class, mask),
            np.asarray(entity.sum(axis=2), dtype=np.float64),
            np.asarray(entity.sum(axis=1), dtype=np.float64))


def masked_total_reference(x: FloatArray, mask: BoolArray) -> FloatArray:
    """Sum ``x`` of shape (n_paths, m, K) over the contracts in ``mask`` (m,): (n_paths, K).

    For ``K >= 2`` (the recorder's 3 loss classes) numpy adds the contracts one after the
    other from 0, as :func:`record_losses` does. (For ``K == 1`` numpy sums the contiguous
    contract axis pairwise.)

    >>> masked_total_reference(np.array([[[1.0, 2.0], [4.0, 8.0]]]),
    ...                        np.array([False, True])).tolist()
    [[4.0, 8.0]]
    """
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
