"""Expected-loss marks: performing debt held at fair value, marked each quarter.

A fund marks its loans to their value each quarter (private-credit funds and BDCs report
fair value quarterly). With the paper channel's 10-year expected loss ``EL_10`` and the
loss given default ``lgd`` of a contract, the default probability over its remaining life
of ``h`` years (at a constant hazard) is ``PD_h = 1 - (1 - EL_10 / lgd)^(h / 10)`` and its
expected loss ``EL_h = lgd * PD_h``. The loan was bought at a price that paid for the
expected loss priced at the start, so the mark is what the expected loss has risen above
it: ``mark = outstanding * max(EL_h - EL_h,0, 0)``.

A mark is a debt mark (:class:`~bubblescope.stress.ledger.LossClass`), not a realised
loss: when the borrower defaults the write-off realises the loss and the mark on that
principal is released (the principal is gone, so its mark is 0), so the loss is counted
once; a loan that is repaid releases its mark too.
"""

from __future__ import annotations

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray

__all__ = ["mark_target", "remaining_el"]


def remaining_el(el_10: FloatArray, lgd: FloatArray, years_left: FloatArray) -> FloatArray:
    """Expected loss over each contract's remaining life, same shape as ``el_10``.

    Parameters
    ----------
    el_10 : ndarray of shape (n_paths, m)
        Expected loss over 10 years (fraction of par).
    lgd : ndarray of shape (n_paths, m) or (m,)
        Loss given default (0 where the contract recovers everything).
    years_left : ndarray of shape (n_paths, m)
        Years to maturity (capped at 10 by the caller or not: a longer life only raises
        the horizon).

    >>> round(float(remaining_el(np.array([[0.5]]), np.array([0.5]),
    ...                          np.array([[5.0]]))[0, 0]), 6)
    0.5
    >>> round(float(remaining_el(np.array([[0.1]]), np.array([0.5]),
    ...                          np.array([[2.5]]))[0, 0]), 4)
    0.0271
    """
    safe = np.where(lgd > 0, lgd, 1.0)
    pd10 = np.clip(el_10 / safe, 0.0, 1.0)
    pd_h = 1.0 - (1.0 - pd10) ** (np.maximum(years_left, 0.0) / 10.0)
    return np.asarray(np.where(lgd > 0, lgd * pd_h, 0.0), dtype=np.float64)


def mark_target(outstanding: FloatArray, el_now: FloatArray, el_start: FloatArray,
                held_at_fair_value: BoolArray) -> FloatArray:
    """Mark each performing contract should carry now, (n_paths, m), USD bn.

    ``outstanding * max(el_now - el_start, 0)`` on contracts held at fair value, 0 elsewhere.

    >>> mark_target(np.array([[100.0, 100.0]]), np.array([[0.12, 0.12]]),
    ...             np.array([[0.02, 0.02]]), np.array([True, False])).round(6).tolist()
    [[10.0, 0.0]]
    """
    rise = np.maximum(el_now - el_start, 0.0)
    return np.asarray(np.maximum(outstanding, 0.0) * rise * held_at_fair_value, dtype=np.float64)
