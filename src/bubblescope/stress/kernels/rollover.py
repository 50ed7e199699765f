"""Refinancing and new issuance on the contract axis: one numba pass instead of ~40 arrays.

The funding channel (:mod:`~bubblescope.stress.channels.funding`) decides per issuer
(entity arrays, ``(n_paths, n)``) how much of its maturing debt lenders roll, what its
coupon moves by and how much new debt it wants; these kernels apply that to each contract
``(n_paths, m)`` and sum the results by obligor and holder, in contract order, as
:func:`~bubblescope.stress.kernels.aggregate.sum_by` does.

:func:`roll_contracts` (refinancing) on contract ``k`` of obligor ``i`` held by ``h``:

* ``rolled = principal * share[i] * willing`` with ``willing = W[h]`` where the holder is a
  sector in the web (its own rollover appetite) and 1 otherwise (``1 ** e``);
* a firm repays ``repay[i] = clip(spare[i] / to_roll[i], 0, 1)`` of it from cash above its
  target (``to_roll`` the sum of ``rolled`` by obligor): ``rolled *= 1 - repay[i]``;
  a pool's and a leveraged fund's maturities roll whole;
* rolled contracts mature ``term`` quarters on and pay ``rate + move[i] + shock`` (the
  coupon repriced); the rest of the principal is paid now;
* ``gap = by_obligor(due - rolled) + wanted - cash - revenue - by_holder(due)`` and
  ``raised = min(max(gap, 0), cap) * alive``.

:func:`issue_contracts` (new debt): the issuer's ``want`` goes to its running debt
contracts pro rata to what they owe (``new`` is 0 for an issuer without any), at the
coupon ``rate + move[i] + shock`` blended into each contract's by amount.

Both are bit-identical to their numpy twins (:func:`roll_contracts_reference`,
:func:`issue_contracts_reference`): the same IEEE operations, in the same order, element by
element; the sums run over contracts in increasing order from 0.
"""

from __future__ import annotations

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.kernels.aggregate import sum_by

__all__ = ["issue_contracts", "issue_contracts_reference", "roll_contracts",
           "roll_contracts_reference"]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _roll(principal: FloatArray, due: FloatArray, outstanding: FloatArray,
          maturity: IntArray, interest_rate: FloatArray, obligor: IntArray, holder: IntArray,
          sector_holder: BoolArray, rolls_whole: BoolArray, rate: FloatArray,
          share: FloatArray, willing: FloatArray, spare: FloatArray,
          move: FloatArray, shock: FloatArray, wanted: FloatArray, cash: FloatArray,
          revenue: FloatArray, cap: FloatArray, alive: BoolArray, t: int, term: int,
          raised: FloatArray, rolled: FloatArray, unrolled: FloatArray, unrolled_by: FloatArray,
          new_maturity: IntArray, new_rate: FloatArray,
          new_outstanding: FloatArray) -> None:  # pragma: no cover
    n_paths, m = principal.shape
    n = share.shape[1]
    to_roll = np.zeros(n)
    repay = np.zeros(n)
    owed = np.zeros(n)
    held = np.zeros(n)
    gone = np.zeros(n)
    for p in range(n_paths):
        to_roll[:] = 0.0
        for k in range(m):
            i = obligor[k]
            w = willing[p, holder[k]] if sector_holder[k] else 1.0
            r = principal[p, k] * share[p, i] * w
            rolled[p, k] = r
            to_roll[i] += r
        for i in range(n):
            tr = to_roll[i]
            x = spare[p, i] / (tr if tr > 0 else 1.0)
            x = 0.0 if x < 0.0 else x
            repay[i] = 1.0 if x > 1.0 else x
        owed[:] = 0.0
        held[:] = 0.0
        gone[:] = 0.0
        for k in range(m):
            i = obligor[k]
            pr = principal[p, k]
            r = pr if rolls_whole[k] else rolled[p, k] * (1.0 - repay[i])
            rolled[p, k] = r
            if r > 0:
                new_maturity[p, k] = t + term
                new_rate[p, k] = rate[k] + move[p, i] + shock[p]
            else:
                new_maturity[p, k] = maturity[p, k]
                new_rate[p, k] = interest_rate[p, k]
            u = pr - r
            unrolled[p, k] = u
            new_outstanding[p, k] = outstanding[p, k] - u
            d = due[p, k]
            owed[i] += d - r
            gone[i] += u
            h = holder[k]
            if h >= 0:
                held[h] += d
        for i in range(n):
            gap = owed[i] + wanted[p, i] - cash[p, i] - revenue[p, i]
            gap -= held[i]
            g = gap if (gap > 0.0 or gap != gap) else 0.0
            c = cap[p, i]
            raised[p, i] = (g if (g < c or g != g) else c) * (1.0 if alive[p, i] else 0.0)
            unrolled_by[i, p] = gone[i]


def roll_contracts(principal: FloatArray, due: FloatArray, outstanding: FloatArray,
                   maturity: IntArray, interest_rate: FloatArray, obligor: IntArray,
                   holder: IntArray, sector_holder: BoolArray, rolls_whole: BoolArray,
                   rate: FloatArray, share: FloatArray, willing: FloatArray,
                   spare: FloatArray, move: FloatArray, shock: FloatArray, wanted: FloatArray,
                   cash: FloatArray, revenue: FloatArray, cap: FloatArray, alive: BoolArray,
                   t: int, term: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray,
                                               IntArray, FloatArray, FloatArray]:
    """Roll over maturing debt contract by contract and raise equity by issuer.

    Parameters
    ----------
    principal, due, outstanding, interest_rate : ndarray of shape (n_paths, m)
        Principal falling due, everything falling due, debt outstanding and coupons.
    maturity : ndarray of int, shape (n_paths, m)
    obligor, holder : ndarray of int, shape (m,)
        Each contract's obligor and holder (-1: outside the web).
    sector_holder : ndarray of bool, shape (m,)
        Contracts held by a holder sector of the web (they roll at ``willing``).
    rolls_whole : ndarray of bool, shape (m,)
        Contracts whose maturing principal rolls whole (pools' and leveraged funds').
    rate : ndarray of shape (m,)
        Each contract's coupon at the start.
    share : ndarray of shape (n_paths, n)
        Share of its maturing debt each issuer's lenders roll (0 where its market is shut).
    willing : ndarray of shape (n_paths, n)
        Rollover appetite of each holder sector (other lenders': 1).
    spare : ndarray of shape (n_paths, n)
        Cash above each firm's target after its capex plan (repays maturing debt).
    move : ndarray of shape (n_paths, n)
        Each issuer's spread move; ``shock`` (n_paths,) the rate shock now.
    wanted, cash, revenue, cap : ndarray of shape (n_paths, n)
        Capex plan, cash, revenue and equity-raising capacity of each entity.
    alive : ndarray of bool, shape (n_paths, n)
    t, term : int
        This quarter and the term of rolled debt in quarters.

    Returns
    -------
    raised : ndarray of shape (n_paths, n)
    rolled, unrolled : ndarray of shape (n_paths, m)
    unrolled_by : ndarray of shape (n_paths, n)
        ``unrolled`` by obligor, laid out as :func:`~bubblescope.stress.kernels.aggregate.
        sum_by` lays out its sums.
    maturity : ndarray of int, shape (n_paths, m)
    interest_rate, outstanding : ndarray of shape (n_paths, m)

    Bit-identical to :func:`roll_contracts_reference`.
    """
    n_paths, m = principal.shape
    n = share.shape[1]
    raised = np.empty((n_paths, n))
    rolled, unrolled, new_rate, new_out = (np.empty((n_paths, m)) for _ in range(4))
    new_maturity = np.empty((n_paths, m), dtype=np.int64)
    unrolled_by = np.empty((n, n_paths))
    f64 = np.float64
    _roll(np.asarray(principal, dtype=f64), np.asarray(due, dtype=f64),
          np.asarray(outstanding, dtype=f64), np.asarray(maturity, dtype=np.int64),
          np.asarray(interest_rate, dtype=f64), np.asarray(obligor, dtype=np.int64),
          np.asarray(holder, dtype=np.int64), np.asarray(sector_holder, dtype=np.bool_),
          np.asarray(rolls_whole, dtype=np.bool_), np.asarray(rate, dtype=f64),
          np.asarray(share, dtype=f64), np.asarray(willing, dtype=f64),
          np.asarray(spare, dtype=f64), np.asarray(move, dtype=f64),
          np.asarray(shock, dtype=f64), np.asarray(wanted, dtype=f64),
          np.asarray(cash, dtype=f64), np.asarray(revenue, dtype=f64),
          np.asarray(cap, dtype=f64), np.asarray(alive, dtype=np.bool_), int(t), int(term),
          raised, rolled, unrolled, unrolled_by, new_maturity, new_rate, new_out)
    return raised, rolled, unrolled, unrolled_by.T, new_maturity, new_rate, new_out


def roll_contracts_reference(principal: FloatArray, due: FloatArray, outstanding: FloatArray,
                             maturity: IntArray, interest_rate: FloatArray, obligor: IntArray,
                             holder: IntArray, sector_holder: BoolArray,
                             rolls_whole: BoolArray, rate: FloatArray, share: FloatArray,
                             willing: FloatArray, spare: FloatArray,
                             move: FloatArray, shock: FloatArray, wanted: FloatArray,
                             cash: FloatArray, revenue: FloatArray, cap: FloatArray,
                             alive: BoolArray, t: int, term: int
                             ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray,
                                        IntArray, FloatArray, FloatArray]:
    """The numpy twin of :func:`roll_contracts` (the arrays the funding channel built)."""
    n = share.shape[1]
    w = np.where(sector_holder[None, :], willing[:, np.maximum(holder, 0)], 1.0)
    rolled = principal * share[:, obligor] * w
    to_roll = sum_by(rolled, obligor, n)
    repay = np.clip(spare / np.where(to_roll > 0, to_roll, 1.0), 0.0, 1.0)
    rolled = rolled * (1.0 - repay[:, obligor])
    rolled = np.where(rolls_whole[None, :], principal, rolled)
    is_rolled = rolled > 0
    new_maturity = np.where(is_rolled, t + term, maturity)
    now = rate[None, :] + move[:, obligor] + shock[:, None]
    new_rate = np.where(is_rolled, now, interest_rate)
    unrolled = principal - rolled
    gap = sum_by(due - rolled, obligor, n) + wanted - cash - revenue
    gap -= sum_by(due, holder, n)
    raised = np.minimum(np.maximum(gap, 0.0), cap) * alive
    return (np.asarray(raised, dtype=np.float64), rolled, unrolled, sum_by(unrolled, obligor, n),
            np.asarray(new_maturity, dtype=np.int64), np.asarray(new_rate, dtype=np.float64),
            np.asarray(outstanding - unrolled, dtype=np.float64))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _issue(outstanding: FloatArray, maturity: IntArray, interest_rate: FloatArray,
           obligor: IntArray, start_q: IntArray, eligible: BoolArray, rate: FloatArray,
           want: FloatArray, move: FloatArray, shock: FloatArray, t: int, new: FloatArray,
           new_outstanding: FloatArray, new_rate: FloatArray) -> None:  # pragma: no cover
    n_paths, m = outstanding.shape
    n = want.shape[1]
    existing = np.zeros(n)
    for p in range(n_paths):
        existing[:] = 0.0
        for k in range(m):
            if start_q[k] <= t and t < maturity[p, k] and eligible[k]:
                existing[obligor[k]] += outstanding[p, k]  # adding the others' 0.0 is a no-op
        for i in range(n):
            new[p, i] = want[p, i] if existing[i] > 0 else 0.0
        for k in range(m):
            i = obligor[k]
            o = outstanding[p, k]
            running = start_q[k] <= t and t < maturity[p, k] and eligible[k]
            h = o if running else 0.0
            e = existing[i]
            added = new[p, i] * (h / (e if e > 0 else 1.0))
            total = o + added
            new_outstanding[p, k] = total
            if added > 0:
                now = rate[k] + move[p, i] + shock[p]
                new_rate[p, k] = (interest_rate[p, k] * o + now * added) / total
            else:
                new_rate[p, k] = interest_rate[p, k]


def issue_contracts(outstanding: FloatArray, maturity: IntArray, interest_rate: FloatArray,
                    obligor: IntArray, start_q: IntArray, eligible: BoolArray, rate: FloatArray,
                    want: FloatArray, move: FloatArray, shock: FloatArray, t: int
                    ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Spread each issuer's new debt over its running debt contracts and blend its coupon.

    Parameters
    ----------
    outstanding, interest_rate : ndarray of shape (n_paths, m)
    maturity : ndarray of int, shape (n_paths, m)
    obligor, start_q : ndarray of int, shape (m,)
    eligible : ndarray of bool, shape (m,)
        Contracts new debt can join (bonds and loans; not GPU-backed loans).
    rate : ndarray of shape (m,)
        Each contract's coupon at the start.
    want : ndarray of shape (n_paths, n)
        New debt each issuer wants.
    move : ndarray of shape (n_paths, n)
        Each issuer's spread move; ``shock`` (n_paths,) the rate shock now.
    t : int
        This quarter.

    Returns
    -------
    new : ndarray of shape (n_paths, n)
        New debt issued (0 for an issuer without running debt to join).
    outstanding, interest_rate : ndarray of shape (n_paths, m)
        After the issue.

    Bit-identical to :func:`issue_contracts_reference`.
    """
    n_paths, m = outstanding.shape
    new = np.empty(want.shape)
    new_out, new_rate = np.empty((n_paths, m)), np.empty((n_paths, m))
    f64 = np.float64
    _issue(np.asarray(outstanding, dtype=f64), np.asarray(maturity, dtype=np.int64),
           np.asarray(interest_rate, dtype=f64), np.asarray(obligor, dtype=np.int64),
           np.asarray(start_q, dtype=np.int64), np.asarray(eligible, dtype=np.bool_),
           np.asarray(rate, dtype=f64), np.asarray(want, dtype=f64), np.asarray(move, dtype=f64),
           np.asarray(shock, dtype=f64), int(t), new, new_out, new_rate)
    return new, new_out, new_rate


def issue_contracts_reference(outstanding: FloatArray, maturity: IntArray,
                              interest_rate: FloatArray, obligor: IntArray, start_q: IntArray,
                              eligible: BoolArray, rate: FloatArray, want: FloatArray,
                              move: FloatArray, shock: FloatArray, t: int
                              ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The numpy twin of :func:`issue_contracts` (the arrays the funding channel built)."""
    running = (start_q[None, :] <= t) & (t < maturity) & eligible
    held = np.where(running, outstanding, 0.0)
    existing = sum_by(held, obligor, want.shape[1])
    new = np.where(existing > 0, want, 0.0)
    share = held / np.where(existing > 0, existing, 1.0)[:, obligor]
    added = new[:, obligor] * share
    total = outstanding + added
    now = rate[None, :] + move[:, obligor] + shock[:, None]
    mixed = interest_rate * outstanding + now * added
    new_rate = np.where(added > 0, mixed / np.where(added > 0, total, 1.0), interest_rate)
    return (np.asarray(new, dtype=np.float64), np.asarray(total, dtype=np.float64),
            np.asarray(new_rate, dtype=np.float64))
