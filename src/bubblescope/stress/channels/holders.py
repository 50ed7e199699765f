"""Holders: where the losses land (seeds 001 and 003).

Banks, life insurers, pension funds, hedge funds, mutual funds, private-credit and
private-equity funds and households hold the web's paper directly or through fund shares.
Losses are booked per holder entity and :class:`~bubblescope.stress.result.LossChannel`:
missed payments, write-offs at default net of recovery, cuts of leases and commitments,
marks on equity and fund shares, GPU collateral shortfalls, and the discount at which
rating-constrained holders (life insurers) sell paper that fell to junk. Equity stakes are
marked to their obligor's valuation, fund shares to the fund's capital left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.context import RunContext
from bubblescope.stress.kernels.aggregate import book_losses
from bubblescope.stress.kernels.stakes import mark_stakes
from bubblescope.stress.ledger import CHANNEL_CLASS, LossClass
from bubblescope.stress.result import LossChannel
from bubblescope.stress.state import State

__all__ = [
    "Losses",
    "Marks",
    "book",
    "mark",
    "recoveries",
    "recovery_rate",
    "value_index",
]


@dataclass(frozen=True, eq=False)
class Marks:
    """Equity stakes and fund shares at their new marks (n_paths, m) and the loss of each
    holder on them (n_paths, m; negative for a gain)."""

    outstanding: FloatArray
    loss: FloatArray


@dataclass(frozen=True, eq=False)
class Losses:
    """A quarter's losses so far: by holder and channel (n_paths, n, channel), by contract
    (n_paths, m) and by contract and loss class (n_paths, m, class); what the last
    booking added by holder (n_paths, n), in all (``booked``) and realised credit
    (``booked_credit``); the contracts any booking added to (``touched``, (m,): the
    contract arrays are +0.0 elsewhere)."""

    entity: FloatArray
    contract: FloatArray
    contract_class: FloatArray
    booked: FloatArray
    booked_credit: FloatArray
    touched: BoolArray


def mark(ctx: RunContext, st: State) -> Marks:
    """Mark equity stakes to their obligor's valuation (capped at 10x) and fund shares to
    the fund's capital left."""
    cw, ix = ctx.web, ctx.index
    fund = ctx.constant("fund_obligor", lambda: ix.fund[cw.obligor])
    return Marks(*mark_stakes(st.basis, st.outstanding, st.value,
                              value_index(st.cum_loss, ix.capital), cw.obligor, fund,
                              ix.equity))


def book(ctx: RunContext, per_contract: Sequence[tuple[LossChannel, FloatArray]],
         onto: Losses | None = None, *,
         into: tuple[FloatArray, FloatArray, FloatArray] | None = None) -> Losses:
    """Book each channel's losses by contract (n_paths, m) on the contracts' holders.

    Contracts held outside the web book nothing. The contract total adds the channels in
    the order given; ``contract_class`` splits it by :class:`~bubblescope.stress.ledger.LossClass`.
    With ``onto``, this booking's totals are added to its arrays, which are updated in
    place and returned (as ``onto`` plus a booking from zero, bit for bit). Otherwise they
    are written into ``into`` (by holder and channel, by contract, by contract and class;
    e.g. :meth:`~bubblescope.stress.recorder.Recorder.loss_arrays`); one of the two is
    required.
    """
    m = ctx.web.m
    if onto is not None:
        entity, contract, by_class = onto.entity, onto.contract, onto.contract_class
    elif into is not None:
        entity, contract, by_class = into
    else:
        raise TypeError("book: give the arrays to book into (into=) or onto (onto=)")
    channels = tuple(c for c, _ in per_contract)
    position, klass = ctx.constant(f"book:{channels}", lambda: (
        np.array([int(c) for c in channels]),
        np.array([int(CHANNEL_CLASS[c.label]) for c in channels])))
    touched = np.zeros(m, dtype=np.bool_) if onto is None else onto.touched
    booked, credit = book_losses([loss for _, loss in per_contract], ctx.web.holder,
                                 position, klass, _CREDIT, entity, contract, by_class,
                                 fresh=onto is None, touched=touched)
    return Losses(entity, contract, by_class, booked, credit, touched)


#: Positions of the loss channels that are realised credit (``ledger.CHANNEL_CLASS``).
_CREDIT: Final[IntArray] = np.array([int(c) for c in LossChannel
                                     if CHANNEL_CLASS[c.label] == LossClass.CREDIT])


def recoveries(ctx: RunContext) -> FloatArray:
    """Recovery of each contract at its obligor's default by rank, (n_paths, m)
    (:func:`recovery_rate` of the run's parameters; computed once a run)."""
    prm = ctx.params
    return ctx.constant("recoveries", lambda: recovery_rate(
        ctx.web.rank, prm.recovery_senior_secured, prm.recovery_senior,
        prm.recovery_subordinated))


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
