"""Expected-loss ratings: map a tranche's or a bond's expected loss to a rating grade.

Ratings are integer codes, ``0 = AAA`` (best) to ``len(RATINGS) - 1 = D`` (defaulted), so
they batch as arrays; :data:`RATINGS` names them. Letter grades are S&P/Fitch style; each
has the Moody's equivalent whose idealized expected loss defines its upper threshold.

The thresholds (:data:`EL_THRESHOLDS`, 10-year horizon)
--------------------------------------------------------
Moody's rates structured finance on expected loss and publishes "idealized" cumulative
expected-loss rates by rating and horizon (Moody's Investors Service, *Rating Symbols and
Definitions*; the table is reproduced in Yoshizawa, Y. (2003), *Moody's Approach to Rating
Synthetic CDOs*, Moody's, and in later CDO methodologies). The 10-year column is used here.
Its values equal the idealized 10-year default probabilities times a 55 % loss given default.
**Not verified against the Moody's original in this project** (no copy of the table was at
hand; the values are transcribed from secondary sources as remembered). Believed reliable:
Aaa 0.0055 %, Aa1 0.055 %, Aa2 0.11 %, Aa3 0.22 %, A1 0.385 %, A2 0.55 %, Baa1 1.43 %,
Baa2 1.98 %, Ba2 7.425 %, Ba3 9.713 %, B1 12.21 %, B2 14.96 %. Least certain (may be off by
some tenths of a percentage point): A3 0.99 %, Baa3 3.355 %, Ba1 5.17 %, B3 19.59 %.
An expected loss above the B3 threshold rates CCC; a realised default
(expected loss ``>= default_at``, 1 by default) rates D.

Starting ratings: anchored structural model (:func:`anchored_pd`)
------------------------------------------------------------------
A raw Merton default probability over 10 years (zero drift, one asset volatility for every
firm) is far too pessimistic for investment-grade issuers: with the default 35 % volatility
Oracle (rated BBB/Baa2) came out BB and an aggregate with no equity figure came out CCC. So
the engine *anchors* each issuer that the web's ratings table rates
(:attr:`~bubblescope.stress.compile.CompiledWeb.agency_rating`): its
distance to default at the start is the one implied by its rating's idealized 10-year
default probability (:func:`grade_pd`), and the structural model only *moves* it, on
market leverage (:func:`anchored_pd`): the leverage the grade implies moves by the model's
relative change of leverage, or by its absolute change where the model starts far less
levered than the grade implies (agencies rate the level of leverage: a negligible debt
that doubles, or an equity fall that leaves the debt small, is not a fall of grade by the
ratio). Issuers without a rating (unlisted labs, SPVs, funds) keep the raw model. A shock
that halves a BBB issuer's equity and lifts asset volatility moves ``DD`` by about one to
two units, i.e. to BB: the path from investment grade to junk that seed 001 describes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Final

import numba
import numpy as np
from scipy.special import ndtr, ndtri

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.model.errors import ScenarioError
from bubblescope.model.ratings import AGENCY_GRADES

__all__ = [
    "CASH_FLOW_NOTCHES_PER_BAND",
    "EL_THRESHOLDS",
    "HIGHLY_LEVERAGED_TOP",
    "IDEALIZED_LGD",
    "INVESTMENT_GRADE_FLOOR",
    "LEVERAGE_BAND_EDGES",
    "MIGRATION_DOWN",
    "MIGRATION_THRESHOLD_NOTCHES",
    "MIGRATION_UP",
    "RATINGS",
    "DowngradedVolume",
    "anchor_leverage",
    "anchor_pds",
    "anchored_merton_pd",
    "anchored_merton_pd_reference",
    "anchored_pd",
    "cash_flow_pd",
    "cash_flow_pd_reference",
    "downgraded_volume",
    "grade_pd",
    "is_investment_grade",
    "leverage_band",
    "look_through",
    "migrate",
    "migrate_reference",
    "migration_matrix",
    "notch_of",
    "pd_of_notch",
    "rating_of",
    "rating_of_reference",
    "start_leverage",
]

#: Rating grades, best first (S&P/Fitch letters; Moody's equivalents in the module doc).
RATINGS: Final[tuple[str, ...]] = (*AGENCY_GRADES, "D")
#: Upper 10-year expected-loss bound of each grade from AAA to B- (fractions, not %).
EL_THRESHOLDS: Final[tuple[float, ...]] = (
    0.000055, 0.00055, 0.0011, 0.0022, 0.00385, 0.0055, 0.0099, 0.0143, 0.0198, 0.03355,
    0.0517, 0.07425, 0.09713, 0.1221, 0.1496, 0.1959,
)
#: Code of the lowest investment-grade rating (BBB- / Baa3).
INVESTMENT_GRADE_FLOOR: Final[int] = RATINGS.index("BBB-")
_CCC, _D = RATINGS.index("CCC"), RATINGS.index("D")
#: Loss given default behind Moody's idealized expected losses (EL = PD x 55 %).
IDEALIZED_LGD: Final[float] = 0.55
#: The agencies' migration policy (Altman, E. I. and Rijken, H. A. (2005), "The impact of the
#: rating agencies' through-the-cycle methodology on rating dynamics", *Economic Notes* 34(2),
#: 127-154, abstract): "A rating migration is triggered only when the rating predicted by
#: the agency-rating prediction model differs by at least a threshold level of 1.8 notch
#: steps from the actual agency rating. If triggered, ratings are only partly adjusted by 70
#: per cent at the downside and 60 per cent at the upside." Estimated on yearly data; the
#: engine reviews each quarter (assumption, medium confidence: a gap that opens within a year
#: is closed as fast or a quarter faster).
MIGRATION_THRESHOLD_NOTCHES: Final[float] = 1.8
MIGRATION_DOWN: Final[float] = 0.7
MIGRATION_UP: Final[float] = 0.6
#: Debt / EBITDA edges of S&P's financial-risk profiles in its corporate methodology
#: (Standard & Poor's, "Corporate Methodology", 19 November 2013, core ratio table, standard
#: volatility): minimal < 1.5x, modest 1.5-2x, intermediate 2-3x, significant 3-4x,
#: aggressive 4-5x, highly leveraged > 5x. **Recalled**, not verified against the document.
LEVERAGE_BAND_EDGES: Final[tuple[float, ...]] = (1.5, 2.0, 3.0, 4.0, 5.0)
#: Debt / EBITDA at which the open-ended "highly leveraged" profile counts as one band
#: crossed (continuous position 6, the most the cash-flow view can add): **assumption**,
#: low confidence (S&P puts no upper edge on it; 8x is as far above 5x as 5x is above 2x).
HIGHLY_LEVERAGED_TOP: Final[float] = 8.0
#: Notches per financial-risk profile in S&P's anchor matrix: along the "strong" and
#: "satisfactory" business-risk rows the anchor falls about two notches a profile (strong:
#: aa, a+, a-, bbb, bb+, bb; satisfactory: a-/bbb+, bbb, bbb-/bb+, bb, b+, b, as recalled).
#: **Recalled** matrix, **assumption** that one profile is worth 2 notches continuously;
#: medium confidence.
CASH_FLOW_NOTCHES_PER_BAND: Final[float] = 2.0

def rating_of(expected_loss: FloatArray, *, default_at: float = 1.0) -> IntArray:
    """Rate each expected loss: the best grade whose idealized EL is not exceeded.

    Parameters
    ----------
    expected_loss : ndarray of any shape
        Expected loss as a fraction of par over the 10-year horizon, in [0, 1].
    default_at : float
        Expected loss at or above which the paper rates D (a realised default).

    Returns
    -------
    ndarray of int, same shape
        Rating codes into :data:`RATINGS`.

    Examples
    --------
    >>> [RATINGS[c] for c in rating_of(np.array([0.0, 0.001, 0.02, 0.5, 1.0]))]
    ['AAA', 'AA', 'BBB-', 'CCC', 'D']
    """
    el = _check_el(expected_loss)
    code = np.searchsorted(np.asarray(EL_THRESHOLDS), el, side="left").astype(np.int64)
    return np.where(el >= default_at, _D, np.minimum(code, _CCC)).astype(np.int64)


def rating_of_reference(expected_loss: FloatArray, *, default_at: float = 1.0) -> IntArray:
    """Rate by walking down the table one grade at a time: the twin of :func:`rating_of`."""
    el = _check_el(expected_loss)
    out = []
    for x in el.ravel().tolist():
        grade = _CCC
        for i, bound in enumerate(EL_THRESHOLDS):
            if x <= bound:
                grade = i
                break
        out.append(_D if x >= default_at else grade)
    return np.array(out, dtype=np.int64).reshape(el.shape)


def grade_pd(code: int | IntArray) -> FloatArray:
    """Idealized 10-year default probability at the middle of a grade.

    The geometric mean of the grade's lower and upper expected-loss bounds (AAA: its upper
    bound over 10, CCC: three times the B3 bound, capped at 0.9) divided by
    :data:`IDEALIZED_LGD`.

    Examples
    --------
    >>> bool(rating_of(grade_pd(RATINGS.index("BBB")) * IDEALIZED_LGD) == RATINGS.index("BBB"))
    True
    """
    c = np.asarray(code, dtype=np.int64)
    if np.any((c < 0) | (c > _CCC)):
        raise ScenarioError(f"grade_pd: rating codes must lie in [0, {_CCC}] (AAA..CCC)")
    upper = np.asarray((*EL_THRESHOLDS, min(3.0 * EL_THRESHOLDS[-1], 0.9 * IDEALIZED_LGD)))
    lower = np.concatenate([[EL_THRESHOLDS[0] / 10.0], upper[:-1]])
    return np.asarray(np.sqrt(upper[c] * lower[c]) / IDEALIZED_LGD, dtype=np.float64)


def anchored_pd(dd_now: FloatArray, dd_start: FloatArray, pd_anchor: FloatArray,
                scale_now: FloatArray | float = 1.0, scale_start: FloatArray | float = 1.0,
                ) -> FloatArray:
    """Default probability of issuers anchored at an agency rating, moved by the model.

    The move is made on market leverage ``L = D / A``, the quantity the Merton distance
    ``DD = -ln(L) / s`` (``s = sigma sqrt(h)``) measures: the anchor's leverage
    ``L_a = exp(-DD_anchor s_start)`` with ``DD_anchor = -Phi^-1(pd_anchor)`` moves by the
    model's change of leverage, ``L = L_a + (L_now - L_start) L_a / max(L_start, L_a)``,
    and ``PD = Phi(ln(L) / s_now)``. Where the model starts at least as levered as the
    anchor this is the relative move ``L_a L_now / L_start`` (the distance moves by the
    model's: ``DD_anchor + DD_now - DD_start`` at one volatility); where the model starts
    less levered than the grade implies (a small debt against a large market value) the
    anchor moves by the absolute change of leverage, so doubling a negligible debt, or a
    fall of equity that leaves the debt small, does not move the grade by the ratio.
    Where ``pd_anchor`` is NaN (no rating) the raw ``Phi(-dd_now)`` is returned. Infinite
    distances (an issuer owing nothing) give 0.

    Parameters
    ----------
    dd_now : ndarray of shape (n_paths, n)
        Model distance to default now.
    dd_start : ndarray of shape (n_paths, n) or (n,)
        Model distance to default of the reference the move is measured from (the start).
    pd_anchor : ndarray of shape (n,)
        Default probability implied by each issuer's starting rating, NaN if none.
    scale_now, scale_start : ndarray of shape (n_paths,) or (n_paths, n), or float
        ``sigma sqrt(horizon)`` behind ``dd_now`` and ``dd_start`` (1: distances are
        log-leverage already), one for every issuer or one per issuer.

    Examples
    --------
    >>> anchor = np.array([grade_pd(RATINGS.index("A")), np.nan])
    >>> p = anchored_pd(np.array([[3.0, 1.0]]), np.array([3.0, 1.0]), anchor)
    >>> [RATINGS[int(c)] for c in rating_of(p[0] * IDEALIZED_LGD)]
    ['A', 'BB-']
    """
    now = np.asarray(dd_now, dtype=np.float64)
    s_now = _per_issuer(scale_now)
    has, lev_a = anchor_leverage(pd_anchor, scale_start)
    lev_now = np.exp(-np.where(np.isfinite(now), now, np.inf) * s_now)
    lev_0 = start_leverage(dd_start, scale_start)
    lev = lev_a + (lev_now - lev_0) * lev_a / np.maximum(lev_0, lev_a)
    dd = np.where(has, -np.log(np.maximum(lev, 1e-300)) / s_now, now)
    dd = np.where(np.isposinf(now), np.inf, dd)
    return np.asarray(ndtr(-dd), dtype=np.float64)


# ------------------------------------------------ the engine's anchored Merton PD, fused
# anchored_pd of merton.distance_to_default with the glue between the transcendentals
# (log, exp, log, ndtr: numpy's and scipy's, kept) in numba, element by element as numpy
# does it; the anchor's leverage is fixed for a run and the start's shared by the views.


def anchor_leverage(pd_anchor: FloatArray, scale_start: FloatArray | float
                    ) -> tuple[BoolArray, FloatArray]:
    """Which issuers are anchored (n,) and the leverage their grade implies at
    ``scale_start`` (n_paths, n), as :func:`anchored_pd` computes them.

    >>> has, lev = anchor_leverage(np.array([grade_pd(RATINGS.index("A")), np.nan]),
    ...                            np.array([[1.0, 1.0]]))
    >>> has.tolist(), bool(0 < lev[0, 0] < 1)
    ([True, False], True)
    """
    anchor = np.asarray(pd_anchor, dtype=np.float64)
    has = ~np.isnan(anchor)
    dd_a = -ndtri(np.where(has, np.clip(anchor, 1e-12, 1 - 1e-12), 0.5))
    return has, np.asarray(np.exp(-dd_a * _per_issuer(scale_start)), dtype=np.float64)


def start_leverage(dd_start: FloatArray, scale_start: FloatArray | float) -> FloatArray:
    """The model's leverage at the reference distance ``dd_start``, (n_paths, n), as
    :func:`anchored_pd` computes it.

    >>> start_leverage(np.array([[1.0, np.inf]]), np.array([[0.5, 0.5]])).round(4).tolist()
    [[0.6065, 0.0]]
    """
    start = np.asarray(dd_start, dtype=np.float64)
    return np.asarray(np.exp(-np.where(np.isfinite(start), start, np.inf)
                             * _per_issuer(scale_start)), dtype=np.float64)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _ratio(equity: FloatArray, owed: FloatArray, out: FloatArray) -> None:  # pragma: no cover
    n_paths, n = equity.shape
    for p in range(n_paths):
        for i in range(n):
            debt = owed[p, i] if (owed[p, i] > 0.0 or owed[p, i] != owed[p, i]) else 0.0
            e = equity[p, i] if (equity[p, i] > 0.0 or equity[p, i] != equity[p, i]) else 0.0
            assets = e + debt
            assets = assets if (assets > 1e-300 or assets != assets) else 1e-300
            out[p, i] = assets / (debt if debt > 0 else 1.0)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _distance(log_ratio: FloatArray, owed: FloatArray, vol: FloatArray, root_h: float,
              dd: FloatArray, out: FloatArray) -> None:  # pragma: no cover
    n_paths, n = owed.shape
    for p in range(n_paths):
        for i in range(n):
            o = owed[p, i]
            debt = o if (o > 0.0 or o != o) else 0.0
            scale = vol[p, i] * root_h
            d = log_ratio[p, i] / scale if debt > 0 else np.inf
            dd[p, i] = d
            out[p, i] = -(d if np.isfinite(d) else np.inf) * scale


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _moved(lev_now: FloatArray, lev_a: FloatArray, lev_0: FloatArray,
           out: FloatArray) -> None:  # pragma: no cover
    n_paths, n = lev_now.shape
    for p in range(n_paths):
        for i in range(n):
            a, s = lev_a[p, i], lev_0[p, i]
            big = s if (s > a or s != s) else a
            lev = a + (lev_now[p, i] - s) * a / big
            out[p, i] = lev if (lev > 1e-300 or lev != lev) else 1e-300


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _anchored(log_lev: FloatArray, dd: FloatArray, vol: FloatArray, root_h: float,
              has: BoolArray, out: FloatArray) -> None:  # pragma: no cover
    n_paths, n = dd.shape
    for p in range(n_paths):
        for i in range(n):
            now = dd[p, i]
            d = -log_lev[p, i] / (vol[p, i] * root_h) if has[i] else now
            out[p, i] = -(np.inf if now == np.inf else d)


def anchored_merton_pd(equity: FloatArray, owed: FloatArray, vol: FloatArray, horizon: float,
                       has: BoolArray, lev_a: FloatArray, lev_0: FloatArray, alive: BoolArray
                       ) -> FloatArray:
    """Anchored default probability over ``horizon`` years of each issuer, 1 once it
    defaulted, (n_paths, n): :func:`anchored_pd` of the Merton distance
    (:func:`~bubblescope.stress.kernels.merton.distance_to_default`) on ``equity``,
    ``owed`` and asset volatility ``vol`` (all (n_paths, n)), with the anchors' leverage
    ``lev_a`` and ``has`` (:func:`anchor_leverage`) and the model's at the reference
    distance ``lev_0`` (:func:`start_leverage`).

    Bit-identical to :func:`anchored_merton_pd_reference`: the logarithms, exponential and
    normal distribution are numpy's and scipy's, on the same values.

    >>> has, lev_a = anchor_leverage(np.array([grade_pd(RATINGS.index("A"))]),
    ...                              np.array([[0.3 * np.sqrt(10.0)]]))
    >>> lev_0 = start_leverage(np.array([[3.0]]), np.array([[0.3 * np.sqrt(10.0)]]))
    >>> p = anchored_merton_pd(np.array([[1.0]]), np.array([[0.2]]), np.array([[0.3]]), 10.0,
    ...                        has, lev_a, lev_0, np.array([[True]]))
    >>> bool(0 < p[0, 0] < 1)
    True
    """
    shape = np.shape(owed)
    # C order throughout (the start's sums come in entity-major order): one compile each
    eq = np.ascontiguousarray(equity, dtype=np.float64)
    ow = np.ascontiguousarray(owed, dtype=np.float64)
    sigma = np.ascontiguousarray(vol, dtype=np.float64)
    root_h = float(np.sqrt(horizon))
    ratio = np.empty(shape)
    _ratio(eq, ow, ratio)
    dd = np.empty(shape)
    arg = np.empty(shape)
    _distance(np.log(ratio), ow, sigma, root_h, dd, arg)
    moved = np.empty(shape)
    _moved(np.exp(arg), lev_a, lev_0, moved)
    neg = np.empty(shape)
    _anchored(np.log(moved), dd, sigma, root_h, np.asarray(has, dtype=np.bool_), neg)
    return np.asarray(np.where(alive, ndtr(neg), 1.0), dtype=np.float64)


def anchored_merton_pd_reference(equity: FloatArray, owed: FloatArray, vol: FloatArray,
                                 horizon: float, pd_anchor: FloatArray, dd_start: FloatArray,
                                 scale_start: FloatArray, alive: BoolArray) -> FloatArray:
    """The numpy twin of :func:`anchored_merton_pd` (the chain ``paper.default_probability``
    ran)."""
    from bubblescope.stress.kernels.merton import distance_to_default
    dd = distance_to_default(equity, owed, vol, horizon)
    pd = anchored_pd(dd, dd_start, pd_anchor, vol * np.sqrt(horizon), scale_start)
    return np.asarray(np.where(alive, pd, 1.0), dtype=np.float64)


def notch_of(pd: FloatArray) -> FloatArray:
    """Position of each default probability on the notch scale, continuous.

    Grade ``g``'s middle default probability (:func:`grade_pd`) sits at ``g`` (0 = AAA,
    16 = CCC); between two middles the position is linear in ``log PD``; below AAA's middle
    it is 0, above CCC's 16.

    >>> notch_of(grade_pd(np.array([0, 9, 16]))).round(6).tolist()  # AAA, BBB-, CCC
    [0.0, 9.0, 16.0]
    """
    grid = np.log(grade_pd(np.arange(_CCC + 1)))
    x = np.log(np.clip(np.asarray(pd, dtype=np.float64), 1e-300, 1.0))
    return np.asarray(np.interp(x, grid, np.arange(_CCC + 1.0)), dtype=np.float64)


def pd_of_notch(notch: FloatArray) -> FloatArray:
    """Default probability at each notch position: the inverse of :func:`notch_of` on
    [0, 16].

    >>> bool(np.allclose(pd_of_notch(notch_of(np.array([0.002, 0.03]))), [0.002, 0.03]))
    True
    """
    grid = np.log(grade_pd(np.arange(_CCC + 1)))
    return np.asarray(np.exp(np.interp(notch, np.arange(_CCC + 1.0), grid)), dtype=np.float64)


def migrate(rated_pd: FloatArray, target_pd: FloatArray,
            threshold: float = MIGRATION_THRESHOLD_NOTCHES, down: float = MIGRATION_DOWN,
            up: float = MIGRATION_UP) -> FloatArray:
    """Move agency ratings toward the model's by the agencies' migration policy.

    A rating moves only when the model's grade is at least ``threshold`` notches from it,
    and then by ``down`` (worse) or ``up`` (better) of the gap, on the continuous notch
    scale of :func:`notch_of` (Altman and Rijken 2005; :data:`MIGRATION_THRESHOLD_NOTCHES`).

    Parameters
    ----------
    rated_pd, target_pd : ndarray, same shape (e.g. (n_paths, n))
        Default probability the agency rating stands for now, and the model's.

    Returns
    -------
    ndarray, same shape
        The default probability the agency rating stands for after the review
        (``rated_pd`` itself where nothing moved).

    Examples
    --------
    >>> bbb, bbb_minus, bb_minus = grade_pd(np.array([RATINGS.index(g) for g in
    ...                                               ("BBB", "BBB-", "BB-")]))
    >>> [RATINGS[int(round(float(notch_of(p))))] for p in migrate(
    ...     np.array([bbb, bbb]), np.array([bbb_minus, bb_minus]))]  # 1 notch: none; 4: 70 %
    ['BBB', 'BB']
    """
    now, target = np.asarray(rated_pd, dtype=np.float64), np.asarray(target_pd, dtype=np.float64)
    x = notch_of(now)
    gap = notch_of(target) - x
    share = np.where(gap > 0, down, up)
    moved = pd_of_notch(x + share * gap)
    return np.asarray(np.where(np.abs(gap) >= threshold, moved, now), dtype=np.float64)


def migrate_reference(rated_pd: FloatArray, target_pd: FloatArray,
                      threshold: float = MIGRATION_THRESHOLD_NOTCHES,
                      down: float = MIGRATION_DOWN, up: float = MIGRATION_UP) -> FloatArray:
    """One rating at a time, with the notch scale found by walking the grades: the twin of
    :func:`migrate`."""
    mids = [float(grade_pd(g)) for g in range(_CCC + 1)]

    def notch(p: float) -> float:
        if p <= mids[0]:
            return 0.0
        for g in range(_CCC):
            if p <= mids[g + 1]:
                lo, hi = math.log(mids[g]), math.log(mids[g + 1])
                return g + (math.log(p) - lo) / (hi - lo)
        return float(_CCC)

    def pd_at(x: float) -> float:
        g = min(int(x), _CCC - 1)
        lo, hi = math.log(mids[g]), math.log(mids[g + 1])
        return math.exp(lo + (x - g) * (hi - lo))

    now, target = np.asarray(rated_pd, dtype=np.float64), np.asarray(target_pd, dtype=np.float64)
    out = now.copy()
    for i in np.ndindex(now.shape):
        gap = notch(float(target[i])) - notch(float(now[i]))
        if abs(gap) >= threshold:
            out[i] = pd_at(notch(float(now[i])) + (down if gap > 0 else up) * gap)
    return out


def leverage_band(multiple: FloatArray) -> FloatArray:
    """Continuous position of a debt / EBITDA multiple on S&P's financial-risk profiles.

    Profile ``k`` (0 = minimal .. 5 = highly leveraged) spans ``[k, k + 1)``: linear in the
    multiple between the edges of :data:`LEVERAGE_BAND_EDGES` (from 0x for minimal), and
    from 5x to :data:`HIGHLY_LEVERAGED_TOP` for highly leveraged; 6 beyond it, and for an
    infinite or negative multiple (no cash flow to pay the debt).

    Examples
    --------
    >>> leverage_band(np.array([0.75, 1.5, 2.5, 4.0, 6.5, 20.0, np.inf])).tolist()
    [0.5, 1.0, 2.5, 4.0, 5.5, 6.0, 6.0]
    """
    x = np.asarray(multiple, dtype=np.float64)
    grid = np.asarray((0.0, *LEVERAGE_BAND_EDGES, HIGHLY_LEVERAGED_TOP))
    pos = np.interp(np.where(np.isfinite(x) & (x >= 0), x, np.inf), grid,
                    np.arange(grid.size, dtype=np.float64))
    return np.asarray(pos, dtype=np.float64)


def cash_flow_pd(pd_anchor: FloatArray, multiple_ref: FloatArray, multiple_now: FloatArray,
                 notches_per_band: float = CASH_FLOW_NOTCHES_PER_BAND) -> FloatArray:
    """The agencies' cash-flow view: the starting grade moved by the change of leverage band.

    The grade sits at the issuer's starting agency grade (``pd_anchor``, on the notch scale
    of :func:`notch_of`) plus ``notches_per_band`` times the change of its position on the
    financial-risk profiles (:func:`leverage_band`) from ``multiple_ref`` (its debt / EBITDA
    on the plan it was rated on) to ``multiple_now``; clipped to AAA .. CCC. NaN where
    ``pd_anchor`` is NaN (no agency rating: no anchor to move).

    Parameters
    ----------
    pd_anchor : ndarray of shape (n,)
        Default probability of each issuer's starting agency grade, NaN if unrated.
    multiple_ref, multiple_now : ndarray of shape (n_paths, n)
        Debt / EBITDA on the plan and now (``inf``: no cash flow).
    notches_per_band : float
        Notches per financial-risk profile (:data:`CASH_FLOW_NOTCHES_PER_BAND`).

    Returns
    -------
    ndarray of shape (n_paths, n)
        Default probability the cash-flow view rates each issuer at.

    Examples
    --------
    >>> bbb = grade_pd(RATINGS.index("BBB"))
    >>> p = cash_flow_pd(np.array([bbb]), np.array([[2.5]]), np.array([[4.0]]))
    >>> RATINGS[int(round(float(notch_of(p)[0, 0])))]  # 1.5 profiles worse: 3 notches
    'BB'
    """
    anchor = np.asarray(pd_anchor, dtype=np.float64)
    has = ~np.isnan(anchor)
    start = notch_of(np.where(has, anchor, 1.0))
    moved = leverage_band(multiple_now) - leverage_band(multiple_ref)
    notch = np.clip(start + notches_per_band * moved, 0.0, float(_CCC))
    return np.asarray(np.where(has, pd_of_notch(notch), np.nan), dtype=np.float64)


def cash_flow_pd_reference(pd_anchor: FloatArray, multiple_ref: FloatArray,
                           multiple_now: FloatArray,
                           notches_per_band: float = CASH_FLOW_NOTCHES_PER_BAND) -> FloatArray:
    """One issuer at a time, the profile found by walking the edges: the twin of
    :func:`cash_flow_pd`."""
    edges = (0.0, *LEVERAGE_BAND_EDGES, HIGHLY_LEVERAGED_TOP)

    def band(x: float) -> float:
        if not math.isfinite(x) or x < 0:
            return float(len(edges) - 1)
        for k in range(len(edges) - 1):
            if x < edges[k + 1]:
                return k + (x - edges[k]) / (edges[k + 1] - edges[k])
        return float(len(edges) - 1)

    anchor = np.asarray(pd_anchor, dtype=np.float64)
    ref = np.asarray(multiple_ref, dtype=np.float64)
    now = np.asarray(multiple_now, dtype=np.float64)
    out = np.full(np.broadcast_shapes(ref.shape, now.shape), np.nan)
    for idx in np.ndindex(out.shape):
        a = float(anchor[idx[-1]])
        if math.isnan(a):
            continue
        x = float(notch_of(np.array(a))) + notches_per_band * (
            band(float(now[idx])) - band(float(ref[idx])))
        out[idx] = float(pd_of_notch(np.array(min(max(x, 0.0), float(_CCC)))))
    return out


def look_through(smoothed: FloatArray, value: FloatArray, half_life: float) -> FloatArray:
    """The value the agencies rate on: ``smoothed`` moved toward ``value`` with the given
    half-life (quarters; 0: no smoothing), so a fall of equity that reverses within a few
    quarters moves a grade less than one that lasts.

    >>> look_through(np.array([1.0]), np.array([0.5]), 1.0).tolist()
    [0.75]
    """
    if half_life <= 0:
        return np.asarray(value, dtype=np.float64)
    w = 1.0 - 0.5 ** (1.0 / half_life)
    return np.asarray(smoothed + w * (np.asarray(value) - smoothed), dtype=np.float64)


def anchor_pds(codes: IntArray) -> FloatArray:
    """Anchor default probability of each entity from its agency rating code (NaN: unrated).

    ``codes`` (n,) index :data:`RATINGS` (AAA .. CCC), ``-1`` for an unrated entity
    (:attr:`~bubblescope.stress.compile.CompiledWeb.agency_rating`).

    >>> anchor_pds(np.array([RATINGS.index("BBB"), -1])).round(4).tolist()[1]
    nan
    """
    c = np.asarray(codes, dtype=np.int64)
    out = np.full(c.shape, np.nan)
    rated = c >= 0
    if rated.any():
        out[rated] = grade_pd(c[rated])
    return out


def is_investment_grade(code: IntArray) -> BoolArray:
    """Whether each rating code is BBB- or better.

    Examples
    --------
    >>> is_investment_grade(np.array([0, 9, 10])).tolist()
    [True, True, False]
    """
    return np.asarray(np.asarray(code) <= INVESTMENT_GRADE_FLOOR, dtype=np.bool_)


def migration_matrix(before: IntArray, after: IntArray, amounts: FloatArray | None = None
                     ) -> FloatArray:
    """Count (or sum ``amounts``) of paper moving from each grade to each grade.

    Parameters
    ----------
    before, after : ndarray of int, same shape
        Rating codes at the start and the end.
    amounts : ndarray, same shape, optional
        Weights (e.g. USD outstanding); counts if omitted.

    Returns
    -------
    ndarray of shape (len(RATINGS), len(RATINGS))
        ``M[a, b]`` = total moving from grade ``a`` to grade ``b``.
    """
    b, a = np.asarray(before, dtype=np.int64), np.asarray(after, dtype=np.int64)
    w = np.ones(b.shape) if amounts is None else np.asarray(amounts, dtype=np.float64)
    g = len(RATINGS)
    if b.shape != a.shape or w.shape != b.shape:
        raise ScenarioError(f"migration_matrix: shapes differ: {b.shape}, {a.shape}, {w.shape}")
    if b.size and (min(b.min(), a.min()) < 0 or max(b.max(), a.max()) >= g):
        raise ScenarioError(f"migration_matrix: rating codes must lie in [0, {g})")
    flat = np.bincount((b * g + a).ravel(), weights=w.ravel(), minlength=g * g)
    return np.asarray(flat.reshape(g, g), dtype=np.float64)


@dataclass(frozen=True)
class DowngradedVolume:
    """Volume of paper that fell from investment grade to junk (speculative grade or D).

    Attributes
    ----------
    volume : ndarray
        Amount downgraded IG → junk; the leading axes of ``amounts`` without the last.
    outstanding_ig : ndarray
        Amount that was investment grade before, same shape.
    """

    volume: FloatArray
    outstanding_ig: FloatArray

    #: USD 1.9 trillion of securities were downgraded from investment grade to junk in the
    #: 2008 crisis (seed 004, the comparison the product makes), in USD bn.
    CRISIS_2008_USD_BN: ClassVar[float] = 1900.0

    def vs_2008(self) -> FloatArray:
        """Downgraded volume as a multiple of 2008's USD 1.9 trillion (inputs in USD bn)."""
        return np.asarray(self.volume / self.CRISIS_2008_USD_BN, dtype=np.float64)

    def __str__(self) -> str:
        v = np.asarray(self.volume)
        return (
            f"DowngradedVolume: mean {float(v.mean()):.4g} (USD bn if inputs are), "
            f"{float(v.mean()) / self.CRISIS_2008_USD_BN:.3g}x 2008's $1.9T"
        )


def downgraded_volume(amounts: FloatArray, before: IntArray, after: IntArray) -> DowngradedVolume:
    """Sum the amounts whose rating fell from investment grade to junk.

    Parameters
    ----------
    amounts : ndarray of shape (..., k)
        Outstanding of each security (e.g. USD bn), broadcastable against the ratings.
    before, after : ndarray of int, shape (..., k)
        Rating codes at the start and the end (a path axis may lead).

    Returns
    -------
    DowngradedVolume
        Totals over the last axis.

    Examples
    --------
    >>> d = downgraded_volume(np.array([100.0, 50, 20]), np.array([0, 9, 12]),
    ...                       np.array([12, 8, 17]))
    >>> float(d.volume), float(d.outstanding_ig)
    (100.0, 150.0)
    """
    w = np.asarray(amounts, dtype=np.float64)
    ig_before = is_investment_grade(before)
    fell = ig_before & ~is_investment_grade(after)
    return DowngradedVolume(
        np.asarray((w * fell).sum(axis=-1), dtype=np.float64),
        np.asarray((w * ig_before).sum(axis=-1), dtype=np.float64),
    )


def _per_issuer(scale: FloatArray | float) -> FloatArray:
    """A scale of shape (n_paths,) or a float as a column (n_paths, 1); (n_paths, n) as is."""
    s = np.asarray(scale, dtype=np.float64)
    return s if s.ndim == 2 else s.reshape(-1, 1)


def _check_el(expected_loss: FloatArray) -> FloatArray:
    el = np.asarray(expected_loss, dtype=np.float64)
    if not np.all((el >= 0) & (el <= 1)):
        raise ScenarioError("rating_of: every 'expected_loss' must lie in [0, 1] (fraction of par)")
    return el
