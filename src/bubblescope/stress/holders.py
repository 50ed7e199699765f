"""Holders: where the losses land (seeds 001 and 003).

Banks, life insurers, pension funds, hedge funds, mutual funds, private-credit and
private-equity funds and households hold the web's paper directly or through fund shares.
Losses are booked per holder entity: missed payments, write-offs at default net of
recovery, cuts of leases and commitments, marks on equity and fund shares, and the
discount at which rating-constrained holders (life insurers) sell paper that fell to junk.
All arrays carry the path axis first.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray

__all__ = [
    "CHANNELS",
    "FUND_KINDS",
    "RATING_CONSTRAINED",
    "forced_sale_loss",
    "recovery_rate",
    "value_index",
]

#: Kinds that must sell paper rated below investment grade (capital rules: NAIC RBC charges).
RATING_CONSTRAINED: Final[frozenset[str]] = frozenset({"life_insurer"})
#: Pass-through vehicles: their losses are their investors' losses.
FUND_KINDS: Final[frozenset[str]] = frozenset(
    {"private_credit_fund", "private_equity", "hedge_fund", "mutual_fund", "pension_fund"}
)
#: Loss channels, in the order of the engine's ``loss_by_channel`` axis.
CHANNELS: Final[tuple[str, ...]] = (
    "missed payments", "default write-offs", "lease and commitment cuts", "equity marks",
    "GPU collateral", "forced sales",
)


def recovery_rate(rank: IntArray, senior_secured: FloatArray, senior: FloatArray,
                  subordinated: FloatArray) -> FloatArray:
    """Recovery of each contract at its obligor's default, shape (n_paths, m).

    Rank 0 recovers ``senior_secured``, 1 ``senior``, 2 ``subordinated``, 3 (equity) nothing.

    >>> recovery_rate(np.array([0, 1, 2, 3]), np.array([.6]), np.array([.4]),
    ...               np.array([.2])).tolist()
    [[0.6, 0.4, 0.2, 0.0]]
    """
    table = np.stack([senior_secured, senior, subordinated, np.zeros_like(senior)], axis=1)
    return np.asarray(table[:, np.clip(rank, 0, 3)], dtype=np.float64)


def value_index(cum_loss: FloatArray, capital: FloatArray) -> FloatArray:
    """Value of a holder's equity relative to the start: ``max(1 - loss / capital, 0)``.

    For a fund the capital is its assets (its investors bear every loss); for a bank or
    insurer its book equity. Shape (n_paths, n).

    >>> value_index(np.array([[5.0, 30.0]]), np.array([10.0, 20.0])).tolist()
    [[0.5, 0.0]]
    """
    safe = np.where(capital > 0, capital, 1.0)
    return np.asarray(np.where(capital > 0, np.maximum(1.0 - cum_loss / safe, 0.0), 1.0),
                      dtype=np.float64)


def forced_sale_loss(
    newly_junk: BoolArray, constrained: BoolArray, outstanding: FloatArray, discount: FloatArray,
) -> FloatArray:
    """Loss of rating-constrained holders selling paper that just fell to junk, (n_paths, m).

    Parameters
    ----------
    newly_junk : ndarray of bool, shape (n_paths, m)
        Paper that fell below investment grade this quarter.
    constrained : ndarray of bool, shape (m,)
        Whether the contract's holder must sell junk.
    outstanding : ndarray of shape (n_paths, m)
    discount : ndarray of shape (n_paths,)
        Discount to par at which the paper sells.

    >>> forced_sale_loss(np.array([[True, True]]), np.array([True, False]),
    ...                  np.array([[10.0, 10.0]]), np.array([0.2])).tolist()
    [[2.0, 0.0]]
    """
    return np.asarray(newly_junk * constrained * outstanding * discount[:, None], dtype=np.float64)
