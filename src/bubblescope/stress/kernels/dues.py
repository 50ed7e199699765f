"""What falls due on each contract, and the flows renewed at their term: one numba pass each.

The obligations channel (:mod:`~bubblescope.stress.channels.obligations`) asks of contract
``k`` of obligor ``i`` in quarter ``t``, with ``L`` = 1 while it runs (started, not matured,
obligor alive):

* interest ``o r / 4 L`` on debt and principal ``o [T = t] alive_i`` on debt;
* a flow's payment ``a / 4 s L``; an operating-cost contract also carries the flows that
  ran out and came back as operating cost (``back_i``), and moves with revenue:
  ``(flow + back_i L) (1 - v + v min(R_i / R0_i, 1))``;
* ``back_i = renewed_i c_i + N_i`` with ``N_i`` the cash cost of the new business it sells
  (``cost_k s L`` summed by holder).

:func:`renewed_sums` sums the flows inside the web that ran out by ``t``
(``a / 4 s`` where ``T <= t``) by holder (the seller's revenue), by obligor without chip
orders (the buyer's operating cost) and by obligor over chip orders only (the buyer's capex
plan), visiting only the contracts that can renew. Both are bit-identical to their numpy
twins (:func:`fall_due_contracts_reference`, :func:`renewed_sums_reference`): the same IEEE
operations in the same order, each sum in contract order from 0 as
:func:`~bubblescope.stress.kernels.aggregate.sum_by` adds (a skipped contract adds +0.0,
which changes no sum that starts from +0.0).
"""

from __future__ import annotations

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.kernels.aggregate import sum_by

__all__ = ["fall_due_contracts", "fall_due_contracts_reference", "renewed_sums",
           "renewed_sums_reference"]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _renewed(term: IntArray, obligor: IntArray, holder: IntArray, chip: BoolArray,
             maturity: IntArray, scale: FloatArray, payment: FloatArray, t: int,
             by_holder: FloatArray, by_buyer: FloatArray,
             by_orders: FloatArray) -> None:  # pragma: no cover
    # outputs are (n, n_paths), zeroed by the caller
    n_paths = maturity.shape[0]
    for p in range(n_paths):
        for j in range(term.size):
            k = term[j]
            if maturity[p, k] <= t:
                v = payment[k] / 4 * scale[p, k]
                by_holder[holder[k], p] += v
                orders = 1.0 if chip[k] else 0.0
                others = 0.0 if chip[k] else 1.0
                by_buyer[obligor[k], p] += v * others
                by_orders[obligor[k], p] += v * orders


def renewed_sums(term: IntArray, obligor: IntArray, holder: IntArray, chip: BoolArray,
                 maturity: IntArray, scale: FloatArray, payment: FloatArray, t: int, n: int
                 ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Flows that ran out by quarter ``t`` and renew at the market, summed three ways.

    Parameters
    ----------
    term : ndarray of int
        The contracts that can renew (flows inside the web that ran at the start), in
        increasing order; each has a holder.
    obligor, holder : ndarray of int, shape (m,)
    chip : ndarray of bool, shape (m,)
        Chip orders (they come back through the buyer's capex plan).
    maturity : ndarray of int, shape (n_paths, m)
    scale : ndarray of shape (n_paths, m)
        Share of each flow still running.
    payment : ndarray of shape (m,)
        Annual payment of each flow, USD bn.
    t : int
        This quarter.
    n : int
        Number of entities.

    Returns
    -------
    by_holder, by_buyer, by_orders : ndarray of shape (n_paths, n)
        The renewed payments (``a / 4 s`` where ``T <= t``) by holder, by obligor without
        chip orders and by obligor over chip orders only, laid out as
        :func:`~bubblescope.stress.kernels.aggregate.sum_by` lays out its sums.

    Bit-identical to :func:`renewed_sums_reference`.
    """
    n_paths = maturity.shape[0]
    out = tuple(np.zeros((n, n_paths)) for _ in range(3))
    _renewed(np.asarray(term, dtype=np.int64), np.asarray(obligor, dtype=np.int64),
             np.asarray(holder, dtype=np.int64), np.asarray(chip, dtype=np.bool_),
             np.asarray(maturity, dtype=np.int64), np.asarray(scale, dtype=np.float64),
             np.asarray(payment, dtype=np.float64), int(t), *out)
    return out[0].T, out[1].T, out[2].T


def renewed_sums_reference(term: IntArray, obligor: IntArray, holder: IntArray,
                           chip: BoolArray, maturity: IntArray, scale: FloatArray,
                           payment: FloatArray, t: int, n: int
                           ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The numpy twin of :func:`renewed_sums` (``channels.demand.renewed`` summed)."""
    mask = np.zeros(obligor.size, dtype=np.bool_)
    mask[term] = True
    ended = mask[None, :] & (maturity <= t)
    renewed = np.where(ended, payment[None, :] / 4 * scale, 0.0)
    return (sum_by(renewed, holder, n), sum_by(renewed * ~chip[None, :], obligor, n),
            sum_by(renewed * chip[None, :], obligor, n))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _fall_due(outstanding: FloatArray, interest_rate: FloatArray, maturity: IntArray,
              scale: FloatArray, alive: BoolArray, start_q: IntArray, obligor: IntArray,
              holder: IntArray, debt: BoolArray, flow: BoolArray, opcost: BoolArray,
              payment: FloatArray, cost: FloatArray, renewed: FloatArray, carved: FloatArray,
              revenue: FloatArray, base: FloatArray, variable: FloatArray, t: int,
              due: FloatArray, principal: FloatArray,
              new_cost: FloatArray) -> None:  # pragma: no cover
    n_paths, m = outstanding.shape
    n = carved.size
    sold = np.zeros(n)
    back = np.zeros(n)
    factor = np.zeros(n)
    for p in range(n_paths):
        sold[:] = 0.0
        for k in range(m):
            h = holder[k]
            if h >= 0:
                live = start_q[k] <= t and t < maturity[p, k] and alive[p, obligor[k]]
                sold[h] += cost[k] * scale[p, k] * (1.0 if live else 0.0)
        share = variable[p]
        for i in range(n):
            back[i] = renewed[p, i] * carved[i] + sold[i]
            b = base[i]
            if b > 0:
                x = revenue[p, i] / b
                ratio = x if (x < 1.0 or x != x) else 1.0
            else:
                ratio = 1.0
            factor[i] = 1.0 - share + share * ratio
            new_cost[p, i] = sold[i] * (1.0 if alive[p, i] else 0.0)
        for k in range(m):
            i = obligor[k]
            mat = maturity[p, k]
            on = 1.0 if alive[p, i] else 0.0
            live = 1.0 if (start_q[k] <= t and t < mat and alive[p, i]) else 0.0
            d = 1.0 if debt[k] else 0.0
            o = outstanding[p, k]
            interest = o * interest_rate[p, k] / 4 * live * d
            owed = o * (1.0 if mat == t else 0.0) * d * on
            f = payment[k] / 4 * scale[p, k] * live * (1.0 if flow[k] else 0.0)
            if opcost[k]:
                f = (f + back[i] * live) * factor[i]
            principal[p, k] = owed
            due[p, k] = interest + owed + f


def fall_due_contracts(outstanding: FloatArray, interest_rate: FloatArray, maturity: IntArray,
                       scale: FloatArray, alive: BoolArray, start_q: IntArray,
                       obligor: IntArray, holder: IntArray, debt: BoolArray, flow: BoolArray,
                       opcost: BoolArray, payment: FloatArray, cost: FloatArray,
                       renewed: FloatArray, carved: FloatArray, revenue: FloatArray,
                       base: FloatArray, variable: FloatArray, t: int
                       ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """What each contract asks of its obligor in quarter ``t``.

    Parameters
    ----------
    outstanding, interest_rate, scale : ndarray of shape (n_paths, m)
        Debt outstanding, coupons and the share of each flow still running.
    maturity : ndarray of int, shape (n_paths, m)
    alive : ndarray of bool, shape (n_paths, n)
    start_q, obligor, holder : ndarray of int, shape (m,)
    debt, flow, opcost : ndarray of bool, shape (m,)
        Debt, flow and operating-cost contracts.
    payment : ndarray of shape (m,)
        Annual payment of each flow, USD bn.
    cost : ndarray of shape (m,)
        Quarterly cash cost to its seller of each contract that starts later (0 elsewhere).
    renewed : ndarray of shape (n_paths, n)
        Flows that ran out and are operating cost again, by buyer (:func:`renewed_sums`).
    carved : ndarray of shape (n,)
        Share of those flows that had been taken out of the buyer's operating cost.
    revenue : ndarray of shape (n_paths, n)
        Each entity's revenue this quarter; ``base`` (n,) its outside revenue a quarter at
        the start.
    variable : ndarray of shape (n_paths,)
        Share of operating costs that moves with revenue.
    t : int

    Returns
    -------
    due, principal : ndarray of shape (n_paths, m)
        Everything falling due and its principal part.
    new_cost : ndarray of shape (n_paths, n)
        Cash cost of the new business of each seller alive.

    Bit-identical to :func:`fall_due_contracts_reference`.
    """
    shape = outstanding.shape
    due, principal = np.empty(shape), np.empty(shape)
    new_cost = np.empty(renewed.shape)
    f64 = np.float64
    _fall_due(np.asarray(outstanding, dtype=f64), np.asarray(interest_rate, dtype=f64),
              np.asarray(maturity, dtype=np.int64), np.asarray(scale, dtype=f64),
              np.asarray(alive, dtype=np.bool_), np.asarray(start_q, dtype=np.int64),
              np.asarray(obligor, dtype=np.int64), np.asarray(holder, dtype=np.int64),
              np.asarray(debt, dtype=np.bool_), np.asarray(flow, dtype=np.bool_),
              np.asarray(opcost, dtype=np.bool_), np.asarray(payment, dtype=f64),
              np.asarray(cost, dtype=f64), np.asarray(renewed, dtype=f64),
              np.asarray(carved, dtype=f64), np.asarray(revenue, dtype=f64),
              np.asarray(base, dtype=f64), np.asarray(variable, dtype=f64), int(t),
              due, principal, new_cost)
    return due, principal, new_cost


def fall_due_contracts_reference(outstanding: FloatArray, interest_rate: FloatArray,
                                 maturity: IntArray, scale: FloatArray, alive: BoolArray,
                                 start_q: IntArray, obligor: IntArray, holder: IntArray,
                                 debt: BoolArray, flow: BoolArray, opcost: BoolArray,
                                 payment: FloatArray, cost: FloatArray, renewed: FloatArray,
                                 carved: FloatArray, revenue: FloatArray, base: FloatArray,
                                 variable: FloatArray, t: int
                                 ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The numpy twin of :func:`fall_due_contracts` (the arrays the channel built)."""
    n = carved.size
    live = (start_q[None, :] <= t) & (t < maturity) & alive[:, obligor]
    interest = outstanding * interest_rate / 4 * live * debt
    principal = outstanding * (maturity == t) * debt * alive[:, obligor]
    flows = payment[None, :] / 4 * scale * live * flow
    sold = sum_by(cost[None, :] * scale * live, holder, n)
    back = renewed * carved[None, :] + sold
    flows = np.where(opcost, flows + back[:, obligor] * live, flows)
    b = base[None, :]
    ratio = np.where(b > 0, np.minimum(revenue / np.where(b > 0, b, 1.0), 1.0), 1.0)
    share = variable[:, None]
    flows = np.where(opcost, flows * (1.0 - share + share * ratio)[:, obligor], flows)
    return (np.asarray(interest + principal + flows, dtype=np.float64),
            np.asarray(principal, dtype=np.float64),
            np.asarray(sold * alive, dtype=np.float64))
