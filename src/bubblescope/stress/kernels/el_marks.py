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

Investment-grade paper: spread times duration
---------------------------------------------
Investment-grade bonds also lost price in 2008 as spreads widened, by their spread
duration. Debt held at fair value and rated investment grade is marked at the price fall of
a bond bought at par with its coupon ``c`` and ``h`` years left when its yield rises by its
grade's share of the spread's excess, ``beta_g x / 100`` (:func:`bond_price_fall`,
:func:`grade_beta`):

``fall = 1 - [c (1 - (1 + y)^-h) / y + (1 + y)^-h]``,  ``y = c + beta_g x / 100``.

``beta_g`` runs from :data:`AAA_SPREAD_BETA` at AAA to 1 at BBB (the engine's spread is
the BBB OAS). Paper below investment grade carries the larger of the loan premium above and
this fall at ``beta = 1``: junk does not trade tighter than BBB. Only the spread moves:
base rates are held (no flight-to-quality rally; in 2008 the 10-year Treasury fell from
4.72% in February 2007 to 2.42% in December 2008, FRED GS10, which offset part of the fall
for holders who did not hedge rates).

One pass for the engine
-----------------------
:func:`fair_value_marks` computes both marks of every contract held at fair value in two
numba passes around one numpy ``**`` (the power stays in numpy: its vectorised ``pow``
and the C library's differ in the last bit on some inputs), with the same IEEE operations
in the same order as the numpy chain :func:`fair_value_marks_reference`
(:func:`remaining_el`, :func:`mark_target`, :func:`market_mark_target`); contracts not held
at fair value are never marked (0) and cost nothing.
"""

from __future__ import annotations

from typing import Final

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.kernels.ratings import INVESTMENT_GRADE_FLOOR, RATINGS
from bubblescope.stress.kernels.scalar import np_clip, np_maximum, np_minimum

__all__ = ["AAA_SPREAD_BETA", "LOAN_LIFE_YEARS", "PREMIUM_PTS_PER_PP", "bond_price_fall",
           "bond_price_fall_reference", "fair_value_marks", "fair_value_marks_reference",
           "grade_beta", "mark_target", "market_mark_target", "premium_target", "remaining_el"]

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
#: Widening of the AAA corporate spread per point of BBB widening in a bust: 0.35. Measured
#: on the ICE BofA AAA and BBB OAS (FRED BAMLC0A1CAAA, BAMLC0A4CBBB;
#: ``shared/data/fred_BAMLC0A1CAAA.csv``, ``fred_BAMLC0A4CBBB.csv``) as the ratio of their
#: excesses over their calms, summed over the BBB peak quarter and the four after it, pooled
#: over 2002 and 2008 (AAA 1.54 + 5.65 against BBB 4.86 + 15.78 points). Each episode alone:
#: 0.32 (2002), 0.36 (2008; the AAA index, a handful of issuers by 2009, peaked at 6.07 in
#: March 2009). ``tests/stress/test_spread.py`` re-derives it. Confidence medium; grades
#: between AAA and BBB are interpolated linearly in notches (assumption, confidence low:
#: no AA or A series is bundled).
AAA_SPREAD_BETA: Final[float] = 0.35
_BBB: Final[int] = RATINGS.index("BBB")


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


def grade_beta(grade: IntArray) -> FloatArray:
    """Share of the BBB spread's widening a grade's spread takes, same shape as ``grade``.

    :data:`AAA_SPREAD_BETA` at AAA (code 0), linear in notches to 1 at BBB, 1 below.

    >>> grade_beta(np.array([0, 4, 8, 12])).round(4).tolist()
    [0.35, 0.675, 1.0, 1.0]
    """
    notch = np.clip(np.asarray(grade, dtype=np.float64) / _BBB, 0.0, 1.0)
    return np.asarray(AAA_SPREAD_BETA + (1.0 - AAA_SPREAD_BETA) * notch, dtype=np.float64)


def bond_price_fall(coupon: FloatArray, widening: FloatArray, years: FloatArray) -> FloatArray:
    """Price fall (fraction of par) of a par bond whose yield rises by ``widening``.

    Parameters
    ----------
    coupon : ndarray
        Annual coupon, decimal (the yield it was bought at); negative values count as 0.
    widening : ndarray
        Rise of its yield, decimal (never below 0 here: tighter than par is no mark).
    years : ndarray
        Years of annual coupons left, broadcast together with the others.

    Notes
    -----
    ``1 - [c (1 - (1 + y)^-h) / y + (1 + y)^-h]`` with ``y = c + widening``; ``y -> 0``
    gives 0.

    Examples
    --------
    >>> round(float(bond_price_fall(np.array(0.05), np.array(0.0), np.array(10.0))), 12)
    0.0
    >>> round(float(bond_price_fall(np.array(0.0), np.array(0.1), np.array(1.0))), 6)
    0.090909
    """
    c = np.maximum(np.asarray(coupon, dtype=np.float64), 0.0)
    y = c + np.maximum(np.asarray(widening, dtype=np.float64), 0.0)
    h = np.maximum(np.asarray(years, dtype=np.float64), 0.0)
    disc = (1.0 + y) ** -h
    safe = np.where(y > 1e-12, y, 1.0)
    annuity = np.where(y > 1e-12, (1.0 - disc) / safe, h)
    return np.asarray(1.0 - (c * annuity + disc), dtype=np.float64)


def bond_price_fall_reference(coupon: float, widening: float, years: int) -> float:
    """Each coupon and the principal discounted one by one (twin of :func:`bond_price_fall`
    for whole years)."""
    c = max(coupon, 0.0)
    y = c + max(widening, 0.0)
    price = sum(c / (1.0 + y) ** k for k in range(1, years + 1)) + 1.0 / (1.0 + y) ** years
    return 1.0 - price


def market_mark_target(outstanding: FloatArray, excess: FloatArray, grade: IntArray,
                       coupon: FloatArray, years_left: FloatArray, held: BoolArray,
                       pts_per_pp: float = PREMIUM_PTS_PER_PP,
                       life_years: float = LOAN_LIFE_YEARS) -> FloatArray:
    """Spread mark each contract held at fair value should carry now, (n_paths, m), USD bn.

    Investment grade: :func:`bond_price_fall` at ``grade_beta(grade) * excess``; below
    investment grade: the larger of :func:`premium_target` and that fall at BBB's beta.

    Parameters
    ----------
    outstanding : ndarray of shape (n_paths, m)
    excess : ndarray of shape (n_paths,)
        The spread's excess over its base, percentage points.
    grade : ndarray of int, shape (n_paths, m)
        Rating code of each contract now.
    coupon, years_left : ndarray of shape (n_paths, m)
        Annual coupon (decimal) and years to maturity.
    held : ndarray of bool, shape (m,)
        Contracts held at fair value.

    >>> out = market_mark_target(np.array([[100.0, 100.0]]), np.array([2.0]),
    ...                          np.array([[8, 12]]), np.array([[0.05, 0.05]]),
    ...                          np.array([[10.0, 1.0]]), np.array([True, True]))
    >>> out.round(2).tolist()
    [[14.05, 2.8]]
    """
    junk = grade > INVESTMENT_GRADE_FLOOR
    beta = np.where(junk, 1.0, grade_beta(grade))
    fall = bond_price_fall(coupon, beta * np.maximum(excess, 0.0)[:, None] / 100.0, years_left)
    loan = premium_target(outstanding, excess, years_left, junk & held, pts_per_pp,
                          life_years)
    bond = np.maximum(outstanding, 0.0) * fall * held
    return np.asarray(np.where(junk, np.maximum(loan, bond), bond), dtype=np.float64)


# ------------------------------------------------------------ the engine's fused pass
# numpy's semantics, element by element: maximum/minimum keep a NaN first argument, take
# the second on ties (so max(-0.0, 0.0) is 0.0); clip keeps NaN and a -0.0 within bounds.


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _years(maturity: int, t: int) -> float:  # pragma: no cover
    return float(min(max(maturity - (t + 1), 1), 40)) / 4.0


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _mark_bases(cols: IntArray, el: FloatArray, el0: FloatArray, lgd: FloatArray,
                maturity: IntArray, t: int, grade: IntArray, coupon: FloatArray,
                excess: FloatArray, base: FloatArray, expo: FloatArray,
                ) -> None:  # pragma: no cover
    # base ** expo, three blocks: the survival over the remaining life now and at the
    # start (remaining_el) and the discount factor of the bond (bond_price_fall)
    n_paths = el.shape[0]
    for p in range(n_paths):
        x = np_maximum(excess[p], 0.0)
        for j in range(cols.size):
            k = cols[j]
            years = _years(maturity[p, k], t)
            lg = lgd[p, k]
            safe = lg if lg > 0 else 1.0
            base[0, p, j] = 1.0 - np_clip(el[p, k] / safe, 0.0, 1.0)
            base[1, p, j] = 1.0 - np_clip(el0[p, k] / safe, 0.0, 1.0)
            e = np_maximum(years, 0.0) / 10.0
            expo[0, p, j] = e
            expo[1, p, j] = e
            g = grade[p, k]
            beta = 1.0 if g > INVESTMENT_GRADE_FLOOR else (
                AAA_SPREAD_BETA + (1.0 - AAA_SPREAD_BETA) * np_clip(float(g) / _BBB, 0.0, 1.0))
            c = np_maximum(coupon[p, k], 0.0)
            y = c + np_maximum(beta * x / 100.0, 0.0)
            base[2, p, j] = 1.0 + y
            expo[2, p, j] = -np_maximum(years, 0.0)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _mark_finish(cols: IntArray, lgd: FloatArray, maturity: IntArray, t: int,
                 grade: IntArray, coupon: FloatArray, outstanding: FloatArray,
                 excess: FloatArray, power: FloatArray, pts_per_pp: float, life_years: float,
                 el_mark: FloatArray, spread_mark: FloatArray, target: FloatArray,
                 loss: FloatArray, premium: FloatArray, spread_loss: FloatArray,
                 ) -> None:  # pragma: no cover
    n_paths, m = outstanding.shape
    for p in range(n_paths):
        for k in range(m):  # not held at fair value: no mark, the old one released
            loss[p, k] = 0.0 - el_mark[p, k]
            spread_loss[p, k] = 0.0 - spread_mark[p, k]
        x = excess[p]
        rate = np_clip(pts_per_pp * np_maximum(x, 0.0) / 100.0, 0.0, 1.0)
        for j in range(cols.size):
            k = cols[j]
            years = _years(maturity[p, k], t)
            lg = lgd[p, k]
            now = lg * (1.0 - power[0, p, j]) if lg > 0 else 0.0
            then = lg * (1.0 - power[1, p, j]) if lg > 0 else 0.0
            out = outstanding[p, k]
            held = np_maximum(out, 0.0)
            mark = held * np_maximum(now - then, 0.0)
            # bond_price_fall
            beta = 1.0 if grade[p, k] > INVESTMENT_GRADE_FLOOR else (
                AAA_SPREAD_BETA
                + (1.0 - AAA_SPREAD_BETA) * np_clip(float(grade[p, k]) / _BBB, 0.0, 1.0))
            c = np_maximum(coupon[p, k], 0.0)
            y = c + np_maximum(beta * np_maximum(x, 0.0) / 100.0, 0.0)
            h = np_maximum(years, 0.0)
            disc = power[2, p, j]
            annuity = (1.0 - disc) / y if y > 1e-12 else h
            bond = held * (1.0 - (c * annuity + disc))
            if grade[p, k] > INVESTMENT_GRADE_FLOOR:  # premium_target, at least the fall
                share = np_clip(years / life_years, 0.0, 1.0)
                spread = np_maximum(held * rate * share, bond)
            else:
                spread = bond
            spread = np_minimum(spread, np_maximum(out - mark, 0.0))
            target[p, k] = mark
            loss[p, k] = mark - el_mark[p, k]
            premium[p, k] = spread
            spread_loss[p, k] = spread - spread_mark[p, k]


def fair_value_marks(cols: IntArray, el: FloatArray, el0: FloatArray, lgd: FloatArray,
                     maturity: IntArray, t: int, grade: IntArray, coupon: FloatArray,
                     outstanding: FloatArray, excess: FloatArray, el_mark: FloatArray,
                     spread_mark: FloatArray, pts_per_pp: float = PREMIUM_PTS_PER_PP,
                     life_years: float = LOAN_LIFE_YEARS,
                     ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Expected-loss and spread marks of the debt held at fair value at the end of quarter
    ``t``, and their changes.

    Parameters
    ----------
    cols : ndarray of int, shape (f,)
        The contracts held at fair value (increasing); only they are marked.
    el, el0 : ndarray of shape (n_paths, m)
        10-year expected loss of each contract now and at the start (fraction of par).
    lgd : ndarray of shape (n_paths, m)
        Loss given default.
    maturity : ndarray of int, shape (n_paths, m)
        Quarter each contract ends; the years left are ``clip(maturity - t - 1, 1, 40) / 4``.
    t : int
        This quarter.
    grade : ndarray of int, shape (n_paths, m)
        Rating code of each contract now.
    coupon, outstanding : ndarray of shape (n_paths, m)
        Annual coupon (decimal) and principal outstanding, USD bn.
    excess : ndarray of shape (n_paths,)
        The spread's excess over its base, percentage points
        (:func:`~bubblescope.stress.kernels.spread.excess_pp`).
    el_mark, spread_mark : ndarray of shape (n_paths, m)
        The marks carried so far.
    pts_per_pp, life_years : float
        :data:`PREMIUM_PTS_PER_PP` and :data:`LOAN_LIFE_YEARS`.

    Returns
    -------
    el_mark, loss, spread_mark, spread_loss : ndarray of shape (n_paths, m)
        The expected-loss mark (:func:`mark_target` of :func:`remaining_el` now and at the
        start), its change, the spread mark (:func:`market_mark_target`, at most what the
        principal keeps above the expected-loss mark) and its change; 0 for a contract not
        held at fair value. Bit-identical to :func:`fair_value_marks_reference` on the
        contracts held at fair value (elsewhere the reference's ``+-0.0`` is ``0.0``).
    """
    n_paths, m = outstanding.shape
    base = np.empty((3, n_paths, cols.size))
    expo = np.empty((3, n_paths, cols.size))
    _mark_bases(cols, el, el0, lgd, maturity, int(t), grade, coupon, excess, base, expo)
    power = base ** expo
    target = np.zeros((n_paths, m))
    premium = np.zeros((n_paths, m))
    loss = np.empty((n_paths, m))
    spread_loss = np.empty((n_paths, m))
    _mark_finish(cols, lgd, maturity, int(t), grade, coupon, outstanding, excess, power,
                 float(pts_per_pp), float(life_years), el_mark, spread_mark, target, loss,
                 premium, spread_loss)
    return target, loss, premium, spread_loss


def fair_value_marks_reference(cols: IntArray, el: FloatArray, el0: FloatArray,
                               lgd: FloatArray, maturity: IntArray, t: int, grade: IntArray,
                               coupon: FloatArray, outstanding: FloatArray, excess: FloatArray,
                               el_mark: FloatArray, spread_mark: FloatArray,
                               pts_per_pp: float = PREMIUM_PTS_PER_PP,
                               life_years: float = LOAN_LIFE_YEARS,
                               ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The numpy twin of :func:`fair_value_marks`: the chain the marks channel ran, on every
    contract (``cols`` marks the ones held at fair value)."""
    held = np.zeros(outstanding.shape[1], dtype=np.bool_)
    held[cols] = True
    years = np.minimum(np.maximum(maturity - (t + 1), 1), 40) / 4.0
    now = remaining_el(el, lgd, years)
    then = remaining_el(el0, lgd, years)
    target = mark_target(outstanding, now, then, held)
    premium = market_mark_target(outstanding, excess, grade, coupon, years, held, pts_per_pp,
                                 life_years)
    premium = np.minimum(premium, np.maximum(outstanding - target, 0.0))
    return (target, np.asarray(target - el_mark, dtype=np.float64), premium,
            np.asarray(premium - spread_mark, dtype=np.float64))
