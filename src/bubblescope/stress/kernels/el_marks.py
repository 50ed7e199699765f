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

Market price: a spread and liquidity premium on top
----------------------------------------------------
Expected loss alone does not price debt in a bust: in December 2008 leveraged loans bid
about 62-66 cents (S&P LCD), far below what their expected losses implied. A debt mark on
paper rated below investment grade therefore adds a premium for spread and liquidity:

``premium = PREMIUM_PTS_PER_PP * x * min(years_left, LOAN_LIFE_YEARS) / LOAN_LIFE_YEARS``

per unit of par, with ``x`` the credit spread's excess over its base in percentage points
(:func:`~bubblescope.stress.kernels.spread.excess_pp`). The spread is a mean-reverting
state (:mod:`~bubblescope.stress.kernels.spread`, half-life measured on the BBB OAS after
2002 and 2008), so the premium gives back as the spread does, with no second fade.
A loan near maturity is pulled to par, so the premium scales with its remaining life up to
the average effective life of a direct loan. The premium is a mark, never a realised loss.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray

__all__ = ["LOAN_LIFE_YEARS", "PREMIUM_PTS_PER_PP", "mark_target", "premium_target",
           "remaining_el"]

#: Price points (per 100 of par) of spread and liquidity premium per percentage point of
#: the spread's excess over its base, on paper with at least :data:`LOAN_LIFE_YEARS` to run.
#: Calibrated on 2008: the S&P/LSTA average loan bid fell from about par in mid-2007 to
#: 64.8-65.8 cents in mid-December 2008 (S&P LCD, as reported by the Financial Times,
#: "Leveraged loan prices hit European lows", 22 Dec 2008), about 35 points, while the BBB
#: OAS stood 6.92 points above its pre-crisis calm (8.04% on 2008-12-16 against 1.12% on
#: 2007-02-20, FRED BAMLC0A4CBBB, ``shared/data/fred_BAMLC0A4CBBB.csv``). About 5 of the 35
#: points are the rise of expected loss of a B loan book whose default rate goes from 3.1%
#: to the 2009 peak (:mod:`~bubblescope.stress.kernels.credit_pool`; assumption, confidence
#: medium), which the expected-loss mark carries; the rest, 30 / 6.92 = 4.3 points per
#: point, is premium. ``tests/stress/test_spread.py`` re-derives the 6.92. Confidence medium.
PREMIUM_PTS_PER_PP: Final[float] = 4.3
#: Average effective life of a US middle-market direct loan, years: 3.07 (Cliffwater
#: Direct Lending Index historical average, Cliffwater Q2 2023 report as summarised in its
#: video notes). A loan with less to run carries a proportionally smaller premium.
LOAN_LIFE_YEARS: Final[float] = 3.07


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


def premium_target(outstanding: FloatArray, factor: FloatArray, years_left: FloatArray,
                   marked: BoolArray, pts_per_pp: float = PREMIUM_PTS_PER_PP,
                   life_years: float = LOAN_LIFE_YEARS) -> FloatArray:
    """Spread and liquidity premium each contract should carry now, (n_paths, m), USD bn.

    Parameters
    ----------
    outstanding : ndarray of shape (n_paths, m)
    factor : ndarray of shape (n_paths,)
        The spread's excess over its base, percentage points (negative: tighter than the
        base, no premium).
    years_left : ndarray of shape (n_paths, m)
    marked : ndarray of bool, shape (n_paths, m) or (m,)
        Contracts that carry a premium (fair-value paper below investment grade).

    >>> premium_target(np.array([[100.0, 100.0, 100.0]]), np.array([5.0]),
    ...                np.array([[4.0, 1.535, 4.0]]), np.array([True, True, False]),
    ...                4.4, 3.07).round(6).tolist()
    [[22.0, 11.0, 0.0]]
    """
    share = np.clip(years_left / life_years, 0.0, 1.0)
    rate = np.clip(pts_per_pp * np.maximum(factor, 0.0) / 100.0, 0.0, 1.0)[:, None]
    return np.asarray(np.maximum(outstanding, 0.0) * rate * share * marked, dtype=np.float64)
