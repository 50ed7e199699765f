"""An issuer's own credit spread by its rating, and whether the market will lend to it.

The engine's credit spread ``S`` is the BBB OAS (:mod:`~bubblescope.stress.kernels.spread`).
An issuer of grade ``g`` borrows at its own spread, read off that state:

``s_g(S) = c_g b + w_g (S - b)``

with ``b`` the base (calm) BBB spread, ``c_g`` the grade's calm spread over BBB's and
``w_g`` the share of the BBB spread's widening the grade takes in a bust
(:func:`grade_spread`). Both ratios are 1 at BBB. The anchors (:data:`CALM_RATIO`,
:data:`WIDENING_RATIO`) are measured on the ICE BofA OAS series in ``shared/data`` where a
series exists (AAA, BBB, the high-yield master index) and cited or assumed below;
grades between anchors are interpolated linearly in notches.

Rolled debt is repriced from its coupon by the move of its issuer's own spread since the
start, ``s_g(S) - s_g0(b)``: a CoreWeave downgraded from B+ to CCC pays the CCC spread even
once the BBB spread is back at its base; a AAA issuer pays about a third of BBB's widening.

Market access (:func:`market_open`): in a bust the high-yield market shuts before it reprices.
US high-yield issuance was $3.25bn in 2008Q4 against $40.3bn in 2008Q2 (Prospect News, "Analysis
of high yield issuance for 12 months through December 2008", 2 Jan 2009) and nil in November
2008, the first month without a new issue since S&P began counting in 1993 (S&P, as reported
by Buyouts Insider, "Junk Bond Market Scores Goose Egg In November", Dec 2008). An issuer
whose grade is shut (:data:`CLOSED_AT_PP`) cannot refinance or issue at any price while the
BBB spread stands that far above its base.
"""

from __future__ import annotations

from typing import Final

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.kernels.el_marks import AAA_SPREAD_BETA
from bubblescope.stress.kernels.ratings import EL_THRESHOLDS, IDEALIZED_LGD, RATINGS, rating_of

__all__ = ["CALM_RATIO", "CLOSED_AT_PP", "HY_GRADE", "WIDENING_RATIO", "grade_spread",
           "grade_spread_reference", "grade_tables", "issuer_terms", "issuer_terms_reference",
           "market_open", "market_open_reference"]

#: The grade whose spread the ICE BofA US High Yield index stands for: single B. The index
#: is mostly BB and B with some CCC; its calm and bust levels match the ICE BofA Single-B
#: index's (record low 2.36 in June 2007 and record high 20.84 in November 2008, Trading
#: Economics from FRED BAMLH0A2HYB; the HY index's were 2.41 on 2007-06-01 and 21.82 on
#: 2008-12-15, ``shared/data/fred_BAMLH0A0HYM2.csv``). Confidence medium.
HY_GRADE: Final[int] = RATINGS.index("B")
_AAA, _BBB, _CCC = 0, RATINGS.index("BBB"), RATINGS.index("CCC")

#: Calm spread of each anchor grade over the calm BBB spread, ``{code: ratio}``.
#: AAA 0.43 and B 2.81: the median daily ratio of the ICE BofA AAA and high-yield OAS to the
#: BBB OAS on the days the BBB OAS stood below 1.5% (2,861 days, 1996-2026;
#: ``shared/data/fred_BAMLC0A1CAAA.csv``, ``fred_BAMLH0A0HYM2.csv``,
#: ``fred_BAMLC0A4CBBB.csv``; ``tests/stress/test_issuer_spread.py`` re-derives both),
#: confidence high. CCC 8.2: the ICE BofA CCC & Lower OAS was 8.39% on 2025-08-06 (FRED
#: BAMLH0A3HYC as reported by useconomictrends.com; the series is not in ``shared/data``)
#: against a BBB OAS of 1.02% that day (``fred_BAMLC0A4CBBB.csv``); one calm day, confidence
#: medium.
CALM_RATIO: Final[dict[int, float]] = {_AAA: 0.43, _BBB: 1.0, HY_GRADE: 2.81, _CCC: 8.2}
#: Widening of each anchor grade's spread per point of BBB widening in a bust,
#: ``{code: ratio}``. AAA: :data:`~bubblescope.stress.kernels.el_marks.AAA_SPREAD_BETA`
#: (0.35). B 3.34: the high-yield OAS excess over its calm over the BBB OAS excess over its,
#: each summed over its peak quarter and the four after, pooled over 2002 and 2008 (3.43 and
#: 3.31 per episode; the method of ``AAA_SPREAD_BETA``; the HY index decays more slowly than
#: BBB, which the sum carries). CCC 5.3: assumption, confidence low: the CCC & Lower OAS
#: peaked near 42-44% in December 2008 from about 6-7% in mid-2007 (recalled, not verified;
#: the series is not in ``shared/data``), 36 points against BBB's 6.92. While the CCC market
#: is shut (:data:`CLOSED_AT_PP`) the ratio prices nothing.
WIDENING_RATIO: Final[dict[int, float]] = {_AAA: AAA_SPREAD_BETA, _BBB: 1.0, HY_GRADE: 3.34,
                                           _CCC: 5.3}
#: BBB spread excess over its base (percentage points) from which each grade cannot borrow,
#: ``{lowest code: points}``; grades at or below a code inherit it, others stay open.
#: Single B (B+ to B-) 6.0: in the months the BBB OAS stood 6 points or more above its
#: 2007 calm (monthly means, November 2008 to March 2009 but February, ``shared/data``), US
#: high-yield issuance was $0.5, 0.6, 4.9 and 2.2bn (Prospect News, monthly tables of
#: 2 Jan, 2 Feb, 2 Mar and 1 Sep 2009), a third of S&P's 15-year median month ($6.2bn),
#: and mostly BB (assumption); confidence medium. CCC and below 2.0: assumption, confidence
#: low: from July 2008 to August 2009 the BBB excess stood above 2 points and CCC issuers
#: were shut out (recalled, not verified; the deals of those months priced mostly at
#: yields of 8-12%, Prospect News).
CLOSED_AT_PP: Final[dict[int, float]] = {RATINGS.index("B+"): 6.0, _CCC: 2.0}


def _ratio(grade: IntArray, anchors: dict[int, float]) -> FloatArray:
    codes = np.array(sorted(anchors), dtype=np.float64)
    values = np.array([anchors[int(c)] for c in codes], dtype=np.float64)
    g = np.clip(np.asarray(grade, dtype=np.float64), codes[0], codes[-1])
    return np.asarray(np.interp(g, codes, values), dtype=np.float64)


def grade_spread(grade: IntArray, spread: FloatArray, base: FloatArray) -> FloatArray:
    """Spread (decimal) an issuer of each grade borrows at, same shape as ``grade``.

    Parameters
    ----------
    grade : ndarray of int, shape (n_paths, k)
        Rating codes (:data:`~bubblescope.stress.kernels.ratings.RATINGS`; D counts as CCC).
    spread : ndarray of shape (n_paths,)
        The BBB spread now (decimal).
    base : ndarray of shape (n_paths,)
        The BBB spread's calm base (decimal).

    Notes
    -----
    ``s_g = c_g b + w_g (S - b)``, ``c_g`` and ``w_g`` linear in notches between the anchors
    of :data:`CALM_RATIO` and :data:`WIDENING_RATIO`.

    Examples
    --------
    >>> g = np.array([[0, 8, 14, 16]])
    >>> (100 * grade_spread(g, np.array([0.03]), np.array([0.01]))).round(3).tolist()
    [[1.13, 3.0, 9.49, 18.8]]
    """
    b = np.asarray(base, dtype=np.float64)[:, None]
    excess = np.asarray(spread, dtype=np.float64)[:, None] - b
    return np.asarray(_ratio(grade, CALM_RATIO) * b + _ratio(grade, WIDENING_RATIO) * excess,
                      dtype=np.float64)


def grade_spread_reference(grade: int, spread: float, base: float) -> float:
    """One issuer, walking to the anchors either side of its grade (twin of
    :func:`grade_spread`)."""
    g = min(max(grade, _AAA), _CCC)
    out = 0.0
    for anchors, scale in ((CALM_RATIO, base), (WIDENING_RATIO, spread - base)):
        lo = max(c for c in anchors if c <= g)
        hi = min(c for c in anchors if c >= g)
        w = 0.0 if hi == lo else (g - lo) / (hi - lo)
        out += ((1.0 - w) * anchors[lo] + w * anchors[hi]) * scale
    return out


def market_open(grade: IntArray, excess_pp: FloatArray) -> BoolArray:
    """Whether an issuer of each grade can borrow at all, same shape as ``grade``.

    Parameters
    ----------
    grade : ndarray of int, shape (n_paths, k)
    excess_pp : ndarray of shape (n_paths,)
        The BBB spread's excess over its base, percentage points.

    Examples
    --------
    >>> market_open(np.array([[8, 13, 16], [8, 13, 16]]), np.array([1.0, 6.5])).tolist()
    [[True, True, True], [True, False, False]]
    """
    g = np.asarray(grade)
    x = np.asarray(excess_pp, dtype=np.float64)[:, None]
    shut = np.zeros(g.shape, dtype=bool)
    for code, points in CLOSED_AT_PP.items():
        shut |= (g >= code) & (x >= points)
    return np.asarray(~shut, dtype=np.bool_)


def market_open_reference(grade: int, excess_pp: float) -> bool:
    """One issuer: the threshold of the lowest anchor at or above its grade (twin of
    :func:`market_open`)."""
    limits = [points for code, points in CLOSED_AT_PP.items() if grade >= code]
    return not limits or excess_pp < min(limits)


def grade_tables() -> tuple[FloatArray, FloatArray]:
    """:data:`CALM_RATIO` and :data:`WIDENING_RATIO` interpolated at every rating code,
    (len(RATINGS),) each: ``grade_spread`` reads these for an integer grade (the same
    ``np.interp`` values, looked up instead of interpolated each quarter)."""
    codes = np.arange(len(RATINGS))
    return _ratio(codes, CALM_RATIO), _ratio(codes, WIDENING_RATIO)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _issuer_terms(pd: FloatArray, source: IntArray, keep_start: BoolArray,
                  start_grade: IntArray, start_spread: FloatArray, spread: FloatArray,
                  base: FloatArray, lgd: float, thresholds: FloatArray, ccc: int, d: int,
                  calm: FloatArray, wide: FloatArray, shut_codes: IntArray,
                  shut_points: FloatArray, grade: IntArray, move: FloatArray,
                  open_: FloatArray) -> bool:  # pragma: no cover
    n_paths, n = pd.shape
    top = calm.size - 1
    for p in range(n_paths):
        b = base[p]
        excess = spread[p] - b
        x = spread[p] - b
        pp = 100.0 * (x if (x > 0.0 or x != x) else 0.0)
        for i in range(n):
            el = pd[p, source[i]] * lgd
            el = 0.0 if el < 0.0 else el
            el = 1.0 if el > 1.0 else el
            if not (el >= 0.0 and el <= 1.0):
                return False  # NaN: the caller's rating_of raises
            code = 0
            for c in range(thresholds.size):
                if thresholds[c] < el:
                    code += 1
            now = d if el >= 1.0 else min(code, ccc)
            grade[p, i] = now
            g = start_grade[p, i] if keep_start[i] else now
            g = min(max(g, 0), top)
            m = calm[g] * b + wide[g] * excess - start_spread[p, i]
            move[p, i] = m if (m > 0.0 or m != m) else 0.0
            shut = False
            for c in range(shut_codes.size):
                if now >= shut_codes[c] and pp >= shut_points[c]:
                    shut = True
            open_[p, i] = 0.0 if shut else 1.0
    return True


def issuer_terms(pd: FloatArray, source: IntArray, keep_start: BoolArray,
                 start_grade: IntArray, start_spread: FloatArray, spread: FloatArray,
                 base: FloatArray) -> tuple[IntArray, FloatArray, FloatArray] | None:
    """Each issuer's grade, spread move and market access in one pass, (n_paths, n) each.

    Parameters
    ----------
    pd : ndarray of shape (n_paths, n)
        Issuers' 10-year default probabilities (agency view).
    source : ndarray of int, shape (n,)
        Whose probability each issuer borrows on (itself; an SPV its main tenant).
    keep_start : ndarray of bool, shape (n,)
        Issuers that keep their starting grade (pools, leveraged funds).
    start_grade : ndarray of int, shape (n_paths, n)
        Grades at the start; ``start_spread`` (n_paths, n) their spreads at the calm base.
    spread, base : ndarray of shape (n_paths,)
        The BBB spread now and its base (decimal).

    Returns
    -------
    (grade, move, open) or None
        The grade ``rating_of(clip(pd[source] * IDEALIZED_LGD, 0, 1))``; the spread move
        ``max(grade_spread(g, spread, base) - start_spread, 0)`` with ``g`` the starting
        grade where kept; 1.0 where :func:`market_open` at the grade, 0.0 where shut.
        ``None`` when a probability is NaN (``rating_of`` raises on it).

    Bit-identical to the numpy chain of ``channels.funding`` (``issuer_grade``,
    ``spread_move``, ``_open``), which ``tests/stress/test_fused_funding.py`` compares.
    """
    n_paths, n = pd.shape
    grade = np.empty((n_paths, n), dtype=np.int64)
    move, open_ = np.empty((n_paths, n)), np.empty((n_paths, n))
    calm, wide = _TABLES
    ok = _issuer_terms(np.asarray(pd, dtype=np.float64), np.asarray(source, dtype=np.int64),
                       np.asarray(keep_start, dtype=np.bool_),
                       np.asarray(start_grade, dtype=np.int64),
                       np.asarray(start_spread, dtype=np.float64),
                       np.asarray(spread, dtype=np.float64), np.asarray(base, dtype=np.float64),
                       IDEALIZED_LGD, _THRESHOLDS, _CCC, RATINGS.index("D"), calm, wide,
                       _SHUT_CODES, _SHUT_POINTS, grade, move, open_)
    return (grade, move, open_) if ok else None


_TABLES: Final[tuple[FloatArray, FloatArray]] = grade_tables()
_THRESHOLDS: Final[FloatArray] = np.asarray(EL_THRESHOLDS, dtype=np.float64)
_SHUT_CODES: Final[IntArray] = np.array(list(CLOSED_AT_PP), dtype=np.int64)
_SHUT_POINTS: Final[FloatArray] = np.array(list(CLOSED_AT_PP.values()), dtype=np.float64)


def issuer_terms_reference(pd: FloatArray, source: IntArray, keep_start: BoolArray,
                           start_grade: IntArray, start_spread: FloatArray, spread: FloatArray,
                           base: FloatArray) -> tuple[IntArray, FloatArray, FloatArray]:
    """The numpy twin of :func:`issuer_terms` (``rating_of``, :func:`grade_spread` and
    :func:`market_open` as the funding channel called them)."""
    grade = np.asarray(rating_of(np.clip(pd[:, source] * IDEALIZED_LGD, 0.0, 1.0)),
                       dtype=np.int64)
    kept = np.where(keep_start[None, :], start_grade, grade)
    move = np.maximum(grade_spread(kept, spread, base) - start_spread, 0.0)
    x = np.asarray(100.0 * np.maximum(spread - base, 0.0), dtype=np.float64)
    return grade, np.asarray(move, dtype=np.float64), np.asarray(market_open(grade, x),
                                                                 dtype=np.float64)
