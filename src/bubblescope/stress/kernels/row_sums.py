"""Row sums of contract arrays, bit for bit as numpy's ``x.sum(axis=1)`` adds them.

numpy sums a contiguous row pairwise (blocks of up to 128 values split in halves at a
multiple of 8; inside a block eight running sums combined as
``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))``, then the rest one by one), and adds
the result to a start of 0. The channels that only touch a few columns of a contract array
(pool loans, GPU-backed loans, future financing) still report totals over every contract;
:func:`scattered_row_sums` gives the total numpy would compute over the full row (zeros
outside ``cols``) without building it. :func:`row_sums_reference` is the numpy twin.
"""

from __future__ import annotations

import functools

import numba
import numpy as np

from bubblescope.model._typing import FloatArray, IntArray

__all__ = ["pairwise_plan", "plan_sum", "row_sums", "row_sums_reference",
           "scattered_row_sums"]

#: numpy's PW_BLOCKSIZE: rows up to this length are summed with eight running sums.
_BLOCK = 128


@numba.njit(cache=True, nogil=True)
def _block(a: FloatArray, lo: int, n: int) -> float:  # pragma: no cover - numba
    """numpy's ``pairwise_sum`` of a leaf ``a[lo:lo + n]`` (``n <= 128``)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    top = n - n % 8
    while i < top:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return float(res)


@numba.njit(cache=True, nogil=True)
def plan_sum(a: FloatArray, plan: IntArray, stack: FloatArray) -> float:  # pragma: no cover
    """numpy's row sum of ``a``: a :func:`pairwise_plan` evaluated on it (leaves pushed on
    ``stack``, ``-1`` adds the top two), added to 0."""
    top = 0
    for q in range(plan.shape[0]):
        lo, n = plan[q, 0], plan[q, 1]
        if lo >= 0:
            stack[top] = _block(a, lo, n)
            top += 1
        else:
            stack[top - 2] = stack[top - 2] + stack[top - 1]
            top -= 1
    return float(0.0 + stack[0])


@numba.njit(cache=True, nogil=True)
def _row_sums(x: FloatArray, plan: IntArray, out: FloatArray) -> None:  # pragma: no cover
    stack = np.empty(plan.shape[0] + 1)
    for p in range(x.shape[0]):
        out[p] = plan_sum(x[p], plan, stack)


@numba.njit(cache=True, nogil=True)
def _scattered(vals: FloatArray, cols: IntArray, row: FloatArray, plan: IntArray,
               out: FloatArray) -> None:  # pragma: no cover - numba
    # a leaf holding none of ``cols`` is all +0.0 and sums to +0.0 (numpy's own sum of it),
    # so only the leaves that hold a value are added up
    used = np.zeros(plan.shape[0], dtype=np.bool_)
    for q in range(plan.shape[0]):
        lo, n = plan[q, 0], plan[q, 1]
        for j in range(cols.shape[0]):
            used[q] |= lo >= 0 and lo <= cols[j] < lo + n
    stack = np.empty(plan.shape[0] + 1)
    for p in range(vals.shape[0]):
        for j in range(cols.shape[0]):
            row[cols[j]] = vals[p, j]
        top = 0
        for q in range(plan.shape[0]):
            lo, n = plan[q, 0], plan[q, 1]
            if lo >= 0:
                stack[top] = _block(row, lo, n) if used[q] else 0.0
                top += 1
            else:
                stack[top - 2] = stack[top - 2] + stack[top - 1]
                top -= 1
        out[p] = 0.0 + stack[0]
        for j in range(cols.shape[0]):
            row[cols[j]] = 0.0


@functools.lru_cache(maxsize=64)
def pairwise_plan(m: int) -> IntArray:
    """numpy's pairwise recursion over a row of ``m`` as a postfix program, (steps, 2):
    ``(lo, n)`` sums the leaf ``[lo, lo + n)``, ``(-1, 0)`` adds the last two results."""
    steps: list[tuple[int, int]] = []

    def split(lo: int, n: int) -> None:
        if n <= _BLOCK:
            steps.append((lo, n))
            return
        n2 = n // 2
        n2 -= n2 % 8
        split(lo, n2)
        split(lo + n2, n - n2)
        steps.append((-1, 0))

    split(0, m)
    plan = np.array(steps, dtype=np.int64).reshape(-1, 2)
    plan.flags.writeable = False
    return plan


def row_sums(x: FloatArray) -> FloatArray:
    """``x.sum(axis=1)`` of a 2-d float array, bit-identical to numpy's on a C-ordered ``x``
    (the order in which numpy adds a contiguous row), (n_paths,)."""
    arr = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty(arr.shape[0])
    _row_sums(arr, pairwise_plan(arr.shape[1]), out)
    return out


def scattered_row_sums(vals: FloatArray, cols: IntArray, m: int) -> FloatArray:
    """Row sums of the C-ordered (n_paths, m) array that is 0 except ``[:, cols] = vals``.

    Parameters
    ----------
    vals : ndarray of shape (n_paths, k)
        The values in columns ``cols``.
    cols : ndarray of int, shape (k,)
        Distinct columns, in [0, m).
    m : int
        Width of the full row.

    Returns
    -------
    ndarray of shape (n_paths,)
        Bit-identical to ``full.sum(axis=1)`` with numpy (:func:`row_sums_reference`).

    >>> scattered_row_sums(np.array([[1.0, 2.0]]), np.array([3, 0]), 5).tolist()
    [3.0]
    """
    out = np.empty(vals.shape[0])
    _scattered(np.ascontiguousarray(vals, dtype=np.float64),
               np.asarray(cols, dtype=np.int64), np.zeros(m), pairwise_plan(m), out)
    return out


def row_sums_reference(vals: FloatArray, cols: IntArray, m: int) -> FloatArray:
    """The numpy twin of :func:`scattered_row_sums`: build the full array and sum it."""
    full = np.zeros((vals.shape[0], m))
    full[:, cols] = vals
    return np.asarray(full.sum(axis=1), dtype=np.float64)
