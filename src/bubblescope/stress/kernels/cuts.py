"""Lease and commitment cuts on the contract axis: one pass instead of a dozen arrays.

A tenant's cut factor ``f`` (one per tenant, :func:`~bubblescope.stress.channels.leases.cut_factor`)
applies to each of its cuttable contracts. On contract ``k`` of tenant ``i`` in path ``p``,
with ``a`` the annual payment, ``s`` the share still running, ``q`` the quarters left and
``c`` = 1 for a cuttable contract (0 otherwise):

* ``f_k = f[p, i]`` if cuttable, else 1;
* lost (the landlord's loss) = ``a / 4 * s * q * (1 - f_k) * c * share``;
* new share running ``s * f_k``; new due ``due * f_k``;
* income the holder no longer gets = ``a / 4 * (1 - s * f_k) * c * running``.

Around it, each tenant's gap (what it owes less its cash, income and what it is owed) and
the flows it can cut are summed from ``due``; the cut factor follows
(:func:`cut_factor`); the landlords' lost income calls the guarantees on them
(:func:`guarantee_due`). :func:`cut_contracts` does all of it in one numba pass a path,
bit-identical to :func:`cut_contracts_reference` (the numpy chain: the same operations in
the same order, element by element, the sums in contract order as
:func:`~bubblescope.stress.kernels.aggregate.sum_by` adds them).
"""

from __future__ import annotations

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.kernels.aggregate import sum_by_reference
from bubblescope.stress.kernels.scalar import np_clip, np_maximum, np_minimum

__all__ = ["apply_cuts_reference", "cut_contracts", "cut_contracts_reference", "cut_factor",
           "guarantee_due"]


#: Paths a kernel pass takes at once: each entity's sums over contracts are chains of
#: dependent additions, one per path; a block of paths interleaves them (and its rows stay
#: in cache between the passes).
BLOCK = 16


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _cut_contracts(due: FloatArray, cash: FloatArray, income: FloatArray,
                   distressed: BoolArray, renegotiation: FloatArray, lease_cut: FloatArray,
                   obligor: IntArray, holder: IntArray, cuttable: BoolArray,
                   maturity: IntArray, start_q: IntArray, t: int, payment: FloatArray,
                   scale: FloatArray, share_now: FloatArray, share_later: FloatArray,
                   live: BoolArray, g_idx: IntArray, g_share: FloatArray,
                   guarantee_left: FloatArray, alive: BoolArray, new_due: FloatArray,
                   new_scale: FloatArray, lost: FloatArray, by_obligor: FloatArray
                   ) -> None:  # pragma: no cover
    n_paths, m = due.shape
    n = cash.shape[1]
    owes, owed, flows = np.zeros((BLOCK, n)), np.zeros((BLOCK, n)), np.zeros((BLOCK, n))
    factor, income_lost, cut = np.zeros((BLOCK, n)), np.zeros((BLOCK, n)), np.zeros((BLOCK, n))
    gone = np.empty((BLOCK, m))
    for p0 in range(0, n_paths, BLOCK):
        w = min(BLOCK, n_paths - p0)
        owes[:] = 0.0
        owed[:] = 0.0
        flows[:] = 0.0
        income_lost[:] = 0.0
        cut[:] = 0.0
        for k in range(m):
            o, h = obligor[k], holder[k]
            c = 1.0 if cuttable[k] else 0.0
            for j in range(w):
                d = due[p0 + j, k]
                owes[j, o] += d
                if h >= 0:
                    owed[j, h] += d
                flows[j, o] += d * c
        for j in range(w):
            p = p0 + j
            for i in range(n):
                gap = np_maximum(((owes[j, i] - cash[p, i]) - income[p, i]) - owed[j, i], 0.0)
                fd = flows[j, i]
                short = np_clip(gap / fd, 0.0, 1.0) if fd > 0 else 0.0
                reneg = 1.0 - renegotiation[p] * short
                factor[j, i] = reneg * (1.0 - lease_cut[p] * (1.0 if distressed[p, i] else 0.0))
        for j in range(w):  # path by path, contiguous: the contract arrays
            p = p0 + j
            for k in range(m):
                c = 1.0 if cuttable[k] else 0.0
                f = factor[j, obligor[k]] if cuttable[k] else 1.0
                left = max(maturity[p, k] - max(t, start_q[k]), 0)
                quarter = payment[k] / 4
                x = (quarter * scale[p, k] * float(left) * (1.0 - f) * c
                     * (share_now[p, k] if start_q[k] <= t else share_later[p, k]))
                lost[p, k] = x
                s = scale[p, k] * f
                new_scale[p, k] = s
                new_due[p, k] = due[p, k] * f
                gone[j, k] = quarter * (1.0 - s) * c * (1.0 if live[p, k] else 0.0)
        for k in range(m):  # contract-major: the sums by entity, paths interleaved
            o, h = obligor[k], holder[k]
            for j in range(w):
                cut[j, o] += lost[p0 + j, k]
                if h >= 0:
                    income_lost[j, h] += gone[j, k]
        for j in range(w):
            p = p0 + j
            for q in range(g_idx.shape[0]):
                k = g_idx[q]
                g = np_minimum(guarantee_left[p, k], income_lost[j, holder[k]] * g_share[q])
                new_due[p, k] = g * (1.0 if alive[p, obligor[k]] else 0.0)
            for i in range(n):
                by_obligor[p, i] = cut[j, i]


def cut_contracts(due: FloatArray, cash: FloatArray, income: FloatArray,
                  distressed: BoolArray, renegotiation: FloatArray, lease_cut: FloatArray,
                  obligor: IntArray, holder: IntArray, cuttable: BoolArray,
                  maturity: IntArray, start_q: IntArray, t: int, payment: FloatArray,
                  scale: FloatArray, share_now: FloatArray, share_later: FloatArray,
                  live: BoolArray, g_idx: IntArray, g_share: FloatArray,
                  guarantee_left: FloatArray, alive: BoolArray,
                  ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Each tenant's cut factor applied to its contracts, and the guarantees it calls.

    Parameters
    ----------
    due : ndarray of shape (n_paths, m)
        What falls due this quarter.
    cash, income : ndarray of shape (n_paths, n)
        Each entity's cash, and its revenue and new money this quarter.
    distressed : ndarray of bool, shape (n_paths, n)
        Tenants that fall below the valuation trigger now (:func:`cut_factor`).
    renegotiation, lease_cut : ndarray of shape (n_paths,)
        Share of the shortfall renegotiated away; share torn up by a distressed tenant.
    obligor, holder : ndarray of int, shape (m,)
        Tenant and landlord of each contract (holder -1: outside the web).
    cuttable : ndarray of bool, shape (m,)
        Contracts a tenant can cut (leases, commitments, customer purchases).
    maturity : ndarray of int, shape (n_paths, m)
    start_q : ndarray of int, shape (m,)
    t : int
        This quarter.
    payment : ndarray of shape (m,)
        Annual payment of each flow contract, USD bn.
    scale : ndarray of shape (n_paths, m)
        Share of each flow contract still running before the cuts.
    share_now, share_later : ndarray of shape (n_paths, m)
        Share of the remaining value the holder loses when the contract is cut, if it has
        started by ``t`` (``start_q <= t``) and if not.
    live : ndarray of bool, shape (n_paths, m)
        Contracts running this quarter.
    g_idx : ndarray of int, shape (g,)
        The guarantees, each covering ``g_share`` of its holder's lost income.
    g_share : ndarray of shape (g,)
    guarantee_left : ndarray of shape (n_paths, m)
        Guarantee amount not yet paid.
    alive : ndarray of bool, shape (n_paths, n)

    Returns
    -------
    due, scale, lost : ndarray of shape (n_paths, m)
        What falls due after the cuts with the guarantees called, the shares still
        running, the landlords' losses.
    by_obligor : ndarray of shape (n_paths, n)
        ``lost`` summed by tenant (laid out entity-major, as ``sum_by``'s sums are).
    """
    shape, n = due.shape, cash.shape[1]
    new_due, new_scale, lost = (np.empty(shape) for _ in range(3))
    by_obligor = np.empty((n, shape[0])).T
    f64, i64 = np.float64, np.int64
    _cut_contracts(np.asarray(due, dtype=f64), np.asarray(cash, dtype=f64),
                   np.asarray(income, dtype=f64), np.asarray(distressed, dtype=np.bool_),
                   np.asarray(renegotiation, dtype=f64), np.asarray(lease_cut, dtype=f64),
                   np.asarray(obligor, dtype=i64), np.asarray(holder, dtype=i64),
                   np.asarray(cuttable, dtype=np.bool_),
                   np.broadcast_to(np.asarray(maturity, dtype=i64), shape),
                   np.asarray(start_q, dtype=i64), int(t), np.asarray(payment, dtype=f64),
                   np.broadcast_to(np.asarray(scale, dtype=f64), shape),
                   np.broadcast_to(np.asarray(share_now, dtype=f64), shape),
                   np.broadcast_to(np.asarray(share_later, dtype=f64), shape),
                   np.broadcast_to(np.asarray(live, dtype=np.bool_), shape),
                   np.asarray(g_idx, dtype=i64), np.asarray(g_share, dtype=f64),
                   np.asarray(guarantee_left, dtype=f64), np.asarray(alive, dtype=np.bool_),
                   new_due, new_scale, lost, by_obligor)
    return new_due, new_scale, lost, by_obligor


def cut_contracts_reference(due: FloatArray, cash: FloatArray, income: FloatArray,
                            distressed: BoolArray, renegotiation: FloatArray,
                            lease_cut: FloatArray, obligor: IntArray, holder: IntArray,
                            cuttable: BoolArray, maturity: IntArray, start_q: IntArray, t: int,
                            payment: FloatArray, scale: FloatArray, share_now: FloatArray,
                            share_later: FloatArray, live: BoolArray, g_idx: IntArray,
                            g_share: FloatArray, guarantee_left: FloatArray, alive: BoolArray,
                            ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The numpy twin of :func:`cut_contracts` (what the leases channel used to compute)."""
    n = cash.shape[1]
    share = np.where(start_q[None, :] <= t, share_now, share_later)
    gap = (sum_by_reference(due, obligor, n) - cash - income
           - sum_by_reference(due, holder, n))
    flow_due = sum_by_reference(due * cuttable, obligor, n)
    factor = cut_factor(np.maximum(gap, 0.0), flow_due, renegotiation, distressed, lease_cut)
    lost, new_scale, new_due, lost_income = apply_cuts_reference(
        factor, obligor, cuttable, maturity, start_q, t, payment, scale, due, share, live)
    g_due = guarantee_due(guarantee_left[:, g_idx], sum_by_reference(lost_income, holder, n),
                          holder[g_idx], g_share)
    new_due[:, g_idx] = g_due * alive[:, obligor[g_idx]]
    return new_due, new_scale, lost, sum_by_reference(lost, obligor, n)


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


def cut_factor(
    gap: FloatArray, flow_due: FloatArray, renegotiation: FloatArray,
    newly_distressed: BoolArray, lease_cut: FloatArray,
) -> FloatArray:
    """Factor (<= 1) applied to a tenant's leases and commitments, shape (n_paths, n).

    Parameters
    ----------
    gap : ndarray of shape (n_paths, n)
        What the tenant cannot pay this quarter after raising what it could (>= 0 = short).
    flow_due : ndarray of shape (n_paths, n)
        Its lease and commitment payments due this quarter.
    renegotiation : ndarray of shape (n_paths,)
        Share of the shortfall the tenant renegotiates away.
    newly_distressed : ndarray of bool, shape (n_paths, n)
        Tenants whose valuation fell below the trigger this quarter (they tear up leases
        even if they could pay, to cut costs: seed 001 step 2).
    lease_cut : ndarray of shape (n_paths,)
        Share of commitments a distressed tenant tears up.

    Notes
    -----
    ``f = (1 - r * clip(gap / flow_due, 0, 1)) * (1 - c * distressed)``.

    >>> cut_factor(np.array([[5.0, 0.0]]), np.array([[10.0, 10.0]]), np.array([0.5]),
    ...            np.array([[False, True]]), np.array([0.4])).tolist()
    [[0.75, 0.6]]
    """
    safe = np.where(flow_due > 0, flow_due, 1.0)
    short = np.where(flow_due > 0, np.clip(gap / safe, 0.0, 1.0), 0.0)
    reneg = 1.0 - renegotiation[:, None] * short
    return np.asarray(reneg * (1.0 - lease_cut[:, None] * newly_distressed), dtype=np.float64)


def guarantee_due(
    remaining: FloatArray, income_lost: FloatArray, beneficiary: IntArray, share: FloatArray,
) -> FloatArray:
    """What each guarantee pays this quarter, shape (n_paths, g).

    A guarantor (e.g. a tenant's residual-value guarantee to an SPV) makes good the lease
    income its beneficiary lost to cuts, up to what is left of the guarantee.

    Parameters
    ----------
    remaining : ndarray of shape (n_paths, g)
        Guarantee amount not yet paid.
    income_lost : ndarray of shape (n_paths, n)
        Scheduled flow income each entity did not get this quarter because of cuts.
    beneficiary : ndarray of int, shape (g,)
        Holder of each guarantee.
    share : ndarray of shape (g,)
        Share of the beneficiary's loss each guarantee covers (1 / number of guarantees).

    >>> guarantee_due(np.array([[3.0]]), np.array([[5.0]]), np.array([0]), np.ones(1)).tolist()
    [[3.0]]
    """
    return np.asarray(np.minimum(remaining, income_lost[:, beneficiary] * share), dtype=np.float64)
