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

:func:`contract_payments` computes them in one numba pass, bit-identical to
:func:`contract_payments_reference` (the same operations in the same order per element).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray

__all__ = ["ContractPayments", "contract_payments", "contract_payments_reference"]


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


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _payments(due: FloatArray, principal: FloatArray, paid: FloatArray, disbursed: FloatArray,
              outstanding: FloatArray, basis: FloatArray, guarantee_left: FloatArray,
              flags: IntArray, out: FloatArray) -> None:  # pragma: no cover
    n_paths, m = due.shape
    for p in range(n_paths):
        for k in range(m):
            d, pr, x, got = due[p, k], principal[p, k], paid[p, k], disbursed[p, k]
            fl = flags[k]
            inside, guarantee, equity = fl & 1, fl & 2, fl & 4
            chip, fresh = fl & 8, fl & 16
            f = x / d if d > 0 else 1.0
            out[0, p, k] = outstanding[p, k] + pr * (1.0 - f) + got
            run = x - pr * f
            out[1, p, k] = run
            out[2, p, k] = 0.0 if chip else run
            new = run if fresh else 0.0
            out[3, p, k] = new
            out[4, p, k] = 0.0 if chip else new
            short = (d - x) - pr * (1.0 - f)
            out[5, p, k] = (short if inside else 0.0) * (0.0 if guarantee else 1.0)
            out[6, p, k] = basis[p, k] + got * (1.0 if equity else 0.0)
            out[7, p, k] = guarantee_left[p, k] - (x if guarantee else 0.0)
            out[8, p, k] = x * (0.0 if inside else 1.0)


def contract_payments(due: FloatArray, principal: FloatArray, paid: FloatArray,
                      disbursed: FloatArray, outstanding: FloatArray, basis: FloatArray,
                      guarantee_left: FloatArray, inside: BoolArray, guarantee: BoolArray,
                      equity: BoolArray, chip_order: BoolArray, fresh: BoolArray
                      ) -> ContractPayments:
    """Contracts after the clearing's payments.

    Parameters
    ----------
    due, principal, paid, disbursed : ndarray of shape (n_paths, m)
        What fell due, its principal part, what the clearing paid and the new financing
        paid out (holder to obligor) this quarter.
    outstanding, basis, guarantee_left : ndarray of shape (n_paths, m)
        Before the payments.
    inside, guarantee, equity, chip_order, fresh : ndarray of bool, shape (m,)
        Held inside the web; a guarantee; an equity stake; a chip order; starting after
        the as-of date.

    Returns
    -------
    ContractPayments
    """
    shape = due.shape
    flags = (inside.astype(np.int64) | 2 * guarantee | 4 * equity | 8 * chip_order
             | 16 * fresh)
    d, pr, x, got, o, b, g = (np.broadcast_to(np.asarray(a, dtype=np.float64), shape) for a in (
        due, principal, paid, disbursed, outstanding, basis, guarantee_left))
    out = np.empty((9, *shape))
    _payments(d, pr, x, got, o, b, g, np.asarray(flags, dtype=np.int64), out)
    return ContractPayments(*out)


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
