"""Leases, SPVs and tranches: a tenant who cannot pay cuts or renegotiates; the SPV's lease
income runs through its tranche waterfall; losses land tranche by tranche (seeds 001, 003).

All arrays carry the path axis first. A *flow* contract (lease, compute commitment,
customer purchase) pays ``annual_payment / 4 * scale`` a quarter while it runs; ``scale``
starts at 1 and only falls when the tenant cuts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.tranches import waterfall_many

__all__ = ["SpvBook", "cut_factor", "guarantee_due", "spv_book", "tranche_expected_loss"]


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


@dataclass(frozen=True)
class SpvBook:
    """The securitised paper of the web's SPVs laid out for batched waterfalls.

    ``spv`` (s,) are entity indices; ``par`` (s, 3) the par by tranche (senior, mezzanine,
    equity); ``contract_spv`` and ``contract_tranche`` (m,) place each debt contract of an
    SPV (``-1`` for other contracts).
    """

    spv: IntArray
    par: FloatArray
    contract_spv: IntArray
    contract_tranche: IntArray


def spv_book(
    obligor: IntArray, amount: FloatArray, rank: IntArray, tranche: IntArray,
    is_debt: BoolArray, is_spv: BoolArray,
) -> SpvBook:
    """Group the debt owed by SPVs into tranches.

    ABS notes keep their tranche; other debt of an SPV is senior when ranked senior or
    senior secured, mezzanine when subordinated and equity when ranked as equity.
    """
    spv = np.flatnonzero(is_spv).astype(np.int64)
    pos = np.full(is_spv.size, -1, dtype=np.int64)
    pos[spv] = np.arange(spv.size)
    mine = is_debt & is_spv[obligor]
    by_rank = np.clip(rank - 1, 0, 2)
    t = np.where(tranche >= 0, tranche, by_rank)
    c_spv = np.where(mine, pos[obligor], -1).astype(np.int64)
    c_tr = np.where(mine, t, -1).astype(np.int64)
    par = np.zeros((spv.size, 3))
    np.add.at(par, (c_spv[mine], c_tr[mine]), amount[mine])
    return SpvBook(spv, par, c_spv, c_tr)


def tranche_expected_loss(book: SpvBook, collections: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Projected loss by tranche and each SPV contract's expected-loss rate.

    Parameters
    ----------
    book : SpvBook
    collections : ndarray of shape (n_paths, n)
        Cash each entity is projected to collect over the paper's life (only SPVs are read).

    Returns
    -------
    loss : ndarray of shape (n_paths, s, 3)
        Projected principal loss by SPV and tranche (senior, mezzanine, equity), USD bn.
    el : ndarray of shape (n_paths, m)
        Loss as a share of par for each SPV contract (0 for other contracts).

    >>> b = SpvBook(np.array([0]), np.array([[60.0, 25.0, 15.0]]), np.array([0, 0]),
    ...             np.array([0, 1]))
    >>> loss, el = tranche_expected_loss(b, np.array([[70.0]]))
    >>> loss.tolist(), el.tolist()
    ([[[0.0, 15.0, 15.0]]], [[0.0, 0.6]])
    """
    n_paths = collections.shape[0]
    if book.spv.size == 0:
        return np.zeros((n_paths, 0, 3)), np.zeros((n_paths, book.contract_spv.size))
    result = waterfall_many(collections[:, book.spv], book.par)
    rate = result.loss / np.where(book.par > 0, book.par, 1.0)[None]
    mine = book.contract_spv >= 0
    el = np.zeros((n_paths, book.contract_spv.size))
    el[:, mine] = rate[:, book.contract_spv[mine], book.contract_tranche[mine]]
    return result.loss, np.clip(el, 0.0, 1.0)
