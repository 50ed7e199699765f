"""What the clearing's payments leave on each contract: one pass instead of two dozen arrays.

Given what fell due on each contract (``due``, of which ``principal`` is principal) and what
the clearing paid (``paid``), with ``f = paid / due`` (1 where nothing was due):

* outstanding ``o + principal * (1 - f) + disbursed`` (unpaid principal stays owed; new
  financing paid out this quarter adds);
* interest and flows paid ``run = paid - principal * f``; the obligor's side of it is 0 on
  a chip order (the buyer's capex, not operating cash), and ``fresh`` is the part on
  contracts that start after the as-of date;
* missed interest ``(due - paid) - principal * (1 - f)`` on contracts held inside the web,
  0 on guarantees;
* equity basis ``+ disbursed`` on equity stakes; guarantee left ``- paid`` on guarantees;
  ``paid`` on contracts held outside the web (leaving it).

:func:`settle_payments` computes them in one numba pass with what settlement sums of them
(operating cash and new business by entity, payments leaving the web by path),
bit-identical to :func:`settle_payments_reference`: :func:`contract_payments_reference`
(the numpy chain, the same operations in the same order per element), summed by
:func:`~bubblescope.stress.kernels.aggregate.sum_by_reference` and numpy's row sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.kernels.aggregate import sum_by_reference
from bubblescope.stress.kernels.cuts import BLOCK
from bubblescope.stress.kernels.row_sums import pairwise_plan, plan_sum

__all__ = ["ContractPayments", "SettledPayments", "contract_payments_reference", "owed_and_due",
           "owed_and_due_reference", "settle_payments", "settle_payments_reference"]


@dataclass(frozen=True, eq=False)
class ContractPayments:
    """Each contract after the payments, all (n_paths, m): see the module docstring."""

    outstanding: FloatArray
    running: FloatArray
    running_obligor: FloatArray
    fresh: FloatArray
    fresh_obligor: FloatArray
    missed: FloatArray
    basis: FloatArray
    guarantee_left: FloatArray
    paid_outside: FloatArray


@dataclass(frozen=True, eq=False)
class SettledPayments:
    """What settlement keeps of the payments.

    Attributes
    ----------
    outstanding, missed, basis, guarantee_left : (n_paths, m)
        As in :class:`ContractPayments`.
    operating : (n_paths, n)
        Revenue plus interest and flows received less those paid (the obligor's side of a
        chip order is not operating cash).
    new_business : (n_paths, n)
        The part of ``operating`` from contracts starting after the as-of date (laid out
        entity-major, as :func:`~bubblescope.stress.kernels.aggregate.sum_by` sums are).
    paid_outside : (n_paths,)
        Payments to holders outside the web.
    """

    outstanding: FloatArray
    missed: FloatArray
    basis: FloatArray
    guarantee_left: FloatArray
    operating: FloatArray
    new_business: FloatArray
    paid_outside: FloatArray


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _settle(due: FloatArray, principal: FloatArray, payments: FloatArray, fut_pos: IntArray,
            outstanding: FloatArray, basis: FloatArray, guarantee_left: FloatArray,
            flags: IntArray, obligor: IntArray, holder: IntArray, revenue: FloatArray,
            plan: IntArray, out: FloatArray, operating: FloatArray, new_business: FloatArray,
            paid_outside: FloatArray) -> None:  # pragma: no cover
    # a block of paths at a time, contract-major inside it: the entity sums of the paths
    # are independent chains of additions the CPU overlaps (cuts.BLOCK)
    n_paths, m = due.shape
    n = revenue.shape[1]
    h_run, o_run = np.zeros((BLOCK, n)), np.zeros((BLOCK, n))
    h_new, o_new = np.zeros((BLOCK, n)), np.zeros((BLOCK, n))
    rows, outside = np.empty((BLOCK, m)), np.empty((BLOCK, m))
    stack = np.empty(plan.shape[0] + 1)
    for p0 in range(0, n_paths, BLOCK):
        w = min(BLOCK, n_paths - p0)
        h_run[:] = 0.0
        o_run[:] = 0.0
        h_new[:] = 0.0
        o_new[:] = 0.0
        for j in range(w):  # path by path, contiguous: the contract arrays
            p = p0 + j
            for k in range(m):
                fl = flags[k]
                inside, guarantee, equity = fl & 1, fl & 2, fl & 4
                d, pr, x = due[p, k], principal[p, k], payments[p, k]
                got = payments[p, m + fut_pos[k]] if fut_pos[k] >= 0 else 0.0
                f = x / d if d > 0 else 1.0
                out[0, p, k] = outstanding[p, k] + pr * (1.0 - f) + got
                run = x - pr * f
                rows[j, k] = run
                short = (d - x) - pr * (1.0 - f)
                out[1, p, k] = (short if inside else 0.0) * (0.0 if guarantee else 1.0)
                out[2, p, k] = basis[p, k] + got * (1.0 if equity else 0.0)
                out[3, p, k] = guarantee_left[p, k] - (x if guarantee else 0.0)
                outside[j, k] = x * (0.0 if inside else 1.0)
        for k in range(m):  # contract-major: the sums by entity, paths interleaved
            fl = flags[k]
            chip, fresh = fl & 8, fl & 16
            h, o = holder[k], obligor[k]
            for j in range(w):
                run = rows[j, k]
                new = run if fresh else 0.0
                if h >= 0:
                    h_run[j, h] += run
                    h_new[j, h] += new
                o_run[j, o] += 0.0 if chip else run
                o_new[j, o] += 0.0 if chip else new
        for j in range(w):
            p = p0 + j
            for i in range(n):
                operating[p, i] = (revenue[p, i] + h_run[j, i]) - o_run[j, i]
                new_business[p, i] = h_new[j, i] - o_new[j, i]
            paid_outside[p] = plan_sum(outside[j], plan, stack)


def settle_payments(due: FloatArray, principal: FloatArray, payments: FloatArray,
                    fut: IntArray, outstanding: FloatArray, basis: FloatArray,
                    guarantee_left: FloatArray, inside: BoolArray, guarantee: BoolArray,
                    equity: BoolArray, chip_order: BoolArray, fresh: BoolArray,
                    obligor: IntArray, holder: IntArray, revenue: FloatArray
                    ) -> SettledPayments:
    """Contracts after the clearing's payments, and what settlement sums of them.

    Parameters
    ----------
    due, principal : ndarray of shape (n_paths, m)
        What fell due and its principal part.
    payments : ndarray of shape (n_paths, m + f)
        What the clearing paid on each contract, then on the new financing ``fut`` paid
        out (holder to obligor) this quarter.
    fut : ndarray of int, shape (f,)
        The contracts of that financing.
    outstanding, basis, guarantee_left : ndarray of shape (n_paths, m)
        Before the payments.
    inside, guarantee, equity, chip_order, fresh : ndarray of bool, shape (m,)
        Held inside the web; a guarantee; an equity stake; a chip order; starting after
        the as-of date.
    obligor, holder : ndarray of int, shape (m,)
        Who owes and who holds each contract (holder -1: outside the web).
    revenue : ndarray of shape (n_paths, n)
        Outside revenue of each entity.

    Returns
    -------
    SettledPayments
    """
    n_paths, m = due.shape
    n = revenue.shape[1]
    flags = (inside.astype(np.int64) | 2 * guarantee | 4 * equity | 8 * chip_order
             | 16 * fresh)
    fut_pos = np.full(m, -1, dtype=np.int64)
    fut_pos[fut] = np.arange(fut.size)
    out = np.empty((4, n_paths, m))
    operating = np.empty((n_paths, n))
    new_business = np.empty((n, n_paths)).T
    paid_outside = np.empty(n_paths)
    f64 = np.float64
    _settle(np.ascontiguousarray(due, dtype=f64), np.ascontiguousarray(principal, dtype=f64),
            np.ascontiguousarray(payments, dtype=f64), fut_pos,
            np.ascontiguousarray(outstanding, dtype=f64), np.ascontiguousarray(basis, dtype=f64),
            np.ascontiguousarray(guarantee_left, dtype=f64), np.asarray(flags, dtype=np.int64),
            np.asarray(obligor, dtype=np.int64), np.asarray(holder, dtype=np.int64),
            np.asarray(revenue, dtype=f64), pairwise_plan(m), out, operating, new_business,
            paid_outside)
    return SettledPayments(out[0], out[1], out[2], out[3], operating, new_business,
                           paid_outside)


def settle_payments_reference(due: FloatArray, principal: FloatArray, payments: FloatArray,
                              fut: IntArray, outstanding: FloatArray, basis: FloatArray,
                              guarantee_left: FloatArray, inside: BoolArray,
                              guarantee: BoolArray, equity: BoolArray, chip_order: BoolArray,
                              fresh: BoolArray, obligor: IntArray, holder: IntArray,
                              revenue: FloatArray) -> SettledPayments:
    """The numpy twin of :func:`settle_payments` (what settlement used to compute)."""
    m, n = due.shape[1], revenue.shape[1]
    got = np.zeros_like(due)
    got[:, fut] = payments[:, m:]
    pay = contract_payments_reference(due, principal, payments[:, :m], got, outstanding,
                                      basis, guarantee_left, inside, guarantee, equity,
                                      chip_order, fresh)
    operating = (revenue + sum_by_reference(pay.running, holder, n)
                 - sum_by_reference(pay.running_obligor, obligor, n))
    new_business = (sum_by_reference(pay.fresh, holder, n)
                    - sum_by_reference(pay.fresh_obligor, obligor, n))
    return SettledPayments(pay.outstanding, pay.missed, pay.basis, pay.guarantee_left,
                           np.asarray(operating, dtype=np.float64),
                           np.asarray(new_business, dtype=np.float64),
                           np.asarray(pay.paid_outside.sum(axis=1), dtype=np.float64))


@numba.njit(cache=True, nogil=True)
def _owed_and_due(dues: FloatArray, obligor: IntArray, holder: IntArray, owes: FloatArray,
                  owed: FloatArray) -> None:  # pragma: no cover
    n_paths, m = dues.shape
    n = owes.shape[1]
    a, b = np.zeros((BLOCK, n)), np.zeros((BLOCK, n))
    for p0 in range(0, n_paths, BLOCK):
        w = min(BLOCK, n_paths - p0)
        a[:] = 0.0
        b[:] = 0.0
        for k in range(m):
            o, h = obligor[k], holder[k]
            for j in range(w):
                d = dues[p0 + j, k]
                a[j, o] += d
                if h >= 0:
                    b[j, h] += d
        for j in range(w):
            for i in range(n):
                owes[p0 + j, i] = a[j, i]
                owed[p0 + j, i] = b[j, i]


def owed_and_due(dues: FloatArray, obligor: IntArray, holder: IntArray, n: int
                 ) -> tuple[FloatArray, FloatArray]:
    """What each entity owes and is owed, both (n_paths, n), in one pass over ``dues``.

    ``sum_by(dues, obligor, n)`` and ``sum_by(dues, holder, n)`` bit for bit and in their
    layout (entity-major); :func:`owed_and_due_reference` is the twin.
    """
    n_paths = dues.shape[0]
    owes, owed = np.empty((n, n_paths)).T, np.empty((n, n_paths)).T
    _owed_and_due(np.ascontiguousarray(dues, dtype=np.float64),
                  np.asarray(obligor, dtype=np.int64), np.asarray(holder, dtype=np.int64),
                  owes, owed)
    return owes, owed


def owed_and_due_reference(dues: FloatArray, obligor: IntArray, holder: IntArray, n: int
                           ) -> tuple[FloatArray, FloatArray]:
    """The twin of :func:`owed_and_due`: two sparse sums."""
    return sum_by_reference(dues, obligor, n), sum_by_reference(dues, holder, n)


def contract_payments_reference(due: FloatArray, principal: FloatArray, paid: FloatArray,
                                disbursed: FloatArray, outstanding: FloatArray,
                                basis: FloatArray, guarantee_left: FloatArray,
                                inside: BoolArray, guarantee: BoolArray, equity: BoolArray,
                                chip_order: BoolArray, fresh: BoolArray) -> ContractPayments:
    """The numpy twin of :func:`contract_payments` (the arrays settlement used to build)."""
    frac = np.where(due > 0, paid / np.where(due > 0, due, 1.0), 1.0)
    running = paid - principal * frac
    new = np.where(fresh[None, :], running, 0.0)
    return ContractPayments(
        outstanding=outstanding + principal * (1.0 - frac) + disbursed,
        running=running, running_obligor=np.where(chip_order, 0.0, running), fresh=new,
        fresh_obligor=np.where(chip_order, 0.0, new),
        missed=np.where(inside, (due - paid) - principal * (1.0 - frac), 0.0) * ~guarantee,
        basis=basis + disbursed * equity,
        guarantee_left=guarantee_left - np.where(guarantee, paid, 0.0),
        paid_outside=paid * ~inside,
    )
