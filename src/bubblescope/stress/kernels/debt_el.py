"""Expected loss of every debt contract in one pass: the paper channel's hot loop.

Given each issuer's 10-year default probability, a debt contract's expected loss is its
issuer's default probability times its loss given default, except for an SPV's paper,
which takes the loss its tranche would bear in the SPV's waterfall when the SPV's main
tenant survives or defaults, mixed by the tenant's default probability
(:func:`~bubblescope.stress.kernels.waterfall.tenant_mixture`). What the SPV is projected
to collect in either state is what its contracts still owe it (``paid``; ``lost`` of it
goes if the obligor defaults: its main tenant's in full in the default state, the others'
at their expected loss in both), plus its cash and the GPU collateral it can sell.

:func:`debt_expected_loss` does all of it in one numba pass per path over the debt
contracts and the contracts SPVs hold (nothing else can carry an expected loss), with the
same IEEE operations in the same order as the numpy chain it replaced,
:func:`debt_expected_loss_reference` (each SPV's collections summed over its contracts in
contract order, as :func:`~bubblescope.stress.kernels.aggregate.sum_by`; the waterfall of
:func:`~bubblescope.stress.kernels.waterfall.waterfall_many`; the grade of
:func:`~bubblescope.stress.kernels.ratings.rating_of`), so the results are equal bit for
bit.

Then :func:`junk`: the debt that fell to junk, the forced sales and the volumes, in one
pass (twin :func:`junk_reference`); its row totals add as numpy's pairwise sum does
(:func:`~bubblescope.stress.kernels.row_sums.plan_sum`).

The inputs come from :func:`balance_sums`, one pass over the contracts that can owe
anything: each entity's equity and what it owes (its debt and the flows it still owes), the
debt on its books, the cash flow it lost on the contracts it sells (the agencies'
cash-flow view) and what each SPV's contracts owe it, twin :func:`balance_sums_reference`.
The contracts that carry none of these (0 in every path) are skipped: their zeros add
nothing to a sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.model.errors import ScenarioError
from bubblescope.stress.kernels.aggregate import sum_by
from bubblescope.stress.kernels.ratings import (
    EL_THRESHOLDS,
    INVESTMENT_GRADE_FLOOR,
    RATINGS,
    is_investment_grade,
    rating_of,
)
from bubblescope.stress.kernels.row_sums import pairwise_plan, plan_sum
from bubblescope.stress.kernels.scalar import np_clip, np_maximum, np_minimum
from bubblescope.stress.kernels.waterfall import SpvBook, tenant_mixture

__all__ = ["BalanceLayout", "BalanceSums", "DebtLayout", "Junked", "balance_layout",
           "balance_sums", "balance_sums_reference", "debt_expected_loss",
           "debt_expected_loss_reference", "debt_layout", "junk", "junk_reference"]

_THRESHOLDS = np.asarray(EL_THRESHOLDS, dtype=np.float64)
_CCC, _D = RATINGS.index("CCC"), RATINGS.index("D")


@dataclass(frozen=True, eq=False)
class DebtLayout:
    """The web's contracts as the expected-loss pass reads them (fixed for a run).

    Attributes
    ----------
    obligor, holder : ndarray of int, shape (m,)
    debt : ndarray of bool, shape (m,)
        Debt contracts (the only ones with an expected loss).
    main : ndarray of bool, shape (m,)
        Contracts owed by their SPV's main tenant.
    book : SpvBook
        The SPVs' tranches.
    spv_tenant : ndarray of int, shape (s,)
        Entity index of each SPV's main tenant, -1 if none.
    debt_cols : ndarray of int
        Indices of the debt contracts, increasing.
    held_cols, held_spv : ndarray of int
        Contracts an SPV holds, increasing, and the position of their SPV in ``book.spv``.
    before, claims : ndarray of shape (s, 6)
        The waterfall's claims (coupons, then principal) and what ranks ahead of each.
    due, par_safe : ndarray of shape (s, 3)
        What each tranche is due, and its par (1 where it has none) to divide by.
    """

    obligor: IntArray
    holder: IntArray
    debt: BoolArray
    main: BoolArray
    book: SpvBook
    spv_tenant: IntArray
    debt_cols: IntArray
    held_cols: IntArray
    held_spv: IntArray
    before: FloatArray
    claims: FloatArray
    due: FloatArray
    par_safe: FloatArray


def debt_layout(obligor: IntArray, holder: IntArray, debt: BoolArray, main: BoolArray,
                book: SpvBook, spv_tenant: IntArray) -> DebtLayout:
    """The :class:`DebtLayout` of a web (computed once a run).

    >>> from bubblescope.stress.kernels.waterfall import spv_book
    >>> b = spv_book(np.array([1, 1, 0]), np.array([60.0, 40.0, 5.0]), np.array([1, 2, 1]),
    ...              np.array([-1, -1, -1]), np.array([True, True, False]),
    ...              np.array([False, True]))
    >>> lay = debt_layout(np.array([1, 1, 0]), np.array([-1, -1, 1]),
    ...                   np.array([True, True, False]), np.array([False, False, True]), b,
    ...                   np.array([0]))
    >>> lay.debt_cols.tolist(), lay.held_cols.tolist(), lay.claims.tolist()
    ([0, 1], [2], [[0.0, 0.0, 0.0, 60.0, 40.0, 0.0]])
    """
    pos = np.full(int(max(obligor.max(initial=-1), holder.max(initial=-1),
                          book.spv.max(initial=-1))) + 1, -1, dtype=np.int64)
    pos[book.spv] = np.arange(book.spv.size)
    held_cols = np.flatnonzero((holder >= 0) & (pos[np.maximum(holder, 0)] >= 0))
    coupons = np.zeros_like(book.par)  # the waterfall_many of tranche_expected_loss
    claims = np.concatenate([coupons, book.par], axis=-1)
    before = np.cumsum(claims, axis=-1) - claims
    return DebtLayout(
        np.asarray(obligor, dtype=np.int64), np.asarray(holder, dtype=np.int64),
        np.asarray(debt, dtype=np.bool_), np.asarray(main, dtype=np.bool_), book,
        np.asarray(spv_tenant, dtype=np.int64), np.flatnonzero(debt).astype(np.int64),
        held_cols.astype(np.int64), pos[holder[held_cols]].astype(np.int64),
        np.asarray(before, dtype=np.float64).reshape(-1, 6),
        np.asarray(claims, dtype=np.float64).reshape(-1, 6),
        np.asarray(coupons + book.par, dtype=np.float64).reshape(-1, 3),
        np.asarray(np.where(book.par > 0, book.par, 1.0), dtype=np.float64).reshape(-1, 3))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _debt_el(pd: FloatArray, lgd: FloatArray, obligor: IntArray, debt_cols: IntArray,
             contract_spv: IntArray, contract_tranche: IntArray, held_cols: IntArray,
             held_spv: IntArray, main: BoolArray, paid: FloatArray, lost: FloatArray,
             cash: FloatArray, pledged: FloatArray, has_pledged: bool, spv: IntArray,
             spv_tenant: IntArray, before: FloatArray, claims: FloatArray, due: FloatArray,
             par_safe: FloatArray, thresholds: FloatArray, want_grade: bool, el: FloatArray,
             tr_loss: FloatArray, grade: IntArray) -> int:  # pragma: no cover
    n_paths = pd.shape[0]
    n_spv = spv.size
    survive = np.empty(n_spv)
    default = np.empty(n_spv)
    p_tenant = np.empty(n_spv)
    rate_s = np.empty((n_spv, 3))
    rate_d = np.empty((n_spv, 3))
    bad = 0
    for p in range(n_paths):
        for s in range(n_spv):
            survive[s] = 0.0
            default[s] = 0.0
        for j in range(held_cols.size):  # by_holder, in contract order
            k = held_cols[j]
            s = held_spv[j]
            if main[k]:
                survive[s] += paid[p, j]
                default[s] += paid[p, j] - lost[p, j]
            else:
                expected = paid[p, j] - pd[p, obligor[k]] * lost[p, j]
                survive[s] += expected
                default[s] += expected
        for s in range(n_spv):
            e = spv[s]
            x_s = survive[s] + cash[p, e]
            x_d = default[s] + cash[p, e]
            if has_pledged:
                x_s = x_s + pledged[p, e]
                x_d = x_d + pledged[p, e]
            if not (np.isfinite(x_s) and x_s >= 0 and np.isfinite(x_d) and x_d >= 0):
                bad |= 1
            i = spv_tenant[s]
            pt = pd[p, i] if i >= 0 else 0.0
            p_tenant[s] = pt
            for tr in range(3):  # waterfall_many: coupons (0) then principal
                got_s = (np_minimum(np_maximum(x_s - before[s, tr], 0.0), claims[s, tr])
                         + np_minimum(np_maximum(x_s - before[s, 3 + tr], 0.0), claims[s, 3 + tr]))
                got_d = (np_minimum(np_maximum(x_d - before[s, tr], 0.0), claims[s, tr])
                         + np_minimum(np_maximum(x_d - before[s, 3 + tr], 0.0), claims[s, 3 + tr]))
                loss_s = np_maximum(due[s, tr] - got_s, 0.0)
                loss_d = np_maximum(due[s, tr] - got_d, 0.0)
                rate_s[s, tr] = loss_s / par_safe[s, tr]
                rate_d[s, tr] = loss_d / par_safe[s, tr]
                tr_loss[p, s, tr] = (1.0 - pt) * loss_s + pt * loss_d
        for j in range(debt_cols.size):
            k = debt_cols[j]
            s = contract_spv[k]
            if s >= 0:
                tr = contract_tranche[k]
                pc = p_tenant[s]
                v = np_clip((1.0 - pc) * np_clip(rate_s[s, tr], 0.0, 1.0)
                            + pc * np_clip(rate_d[s, tr], 0.0, 1.0), 0.0, 1.0)
            else:
                v = pd[p, obligor[k]] * lgd[p, k]
            v = np_clip(v, 0.0, 1.0)
            el[p, k] = v
            if want_grade:
                if not (v >= 0.0 and v <= 1.0):
                    bad |= 2
                code = 0  # np.searchsorted(thresholds, v, "left")
                while code < thresholds.size and thresholds[code] < v:
                    code += 1
                grade[p, k] = _D if v >= 1.0 else min(code, _CCC)
    return bad


def debt_expected_loss(layout: DebtLayout, pd: FloatArray, lgd: FloatArray, paid: FloatArray,
                       lost: FloatArray, cash: FloatArray, pledged: FloatArray | None,
                       *, grade: bool = False
                       ) -> tuple[FloatArray, FloatArray, IntArray | None]:
    """Expected loss of each debt contract, the SPVs' projected tranche losses and,
    optionally, each contract's grade.

    Parameters
    ----------
    layout : DebtLayout
    pd : ndarray of shape (n_paths, n)
        10-year default probability of each issuer.
    lgd : ndarray of shape (n_paths, m)
        Loss given default of each contract.
    paid, lost : ndarray of shape (n_paths, h)
        What each contract an SPV holds (``layout.held_cols``) still owes it, and what its
        obligor's default loses of that (:class:`BalanceSums`).
    cash : ndarray of shape (n_paths, n)
    pledged : ndarray of shape (n_paths, n), or None
        GPU collateral each SPV can sell; ``None`` without GPU-backed SPVs.
    grade : bool
        Also rate each contract (:func:`~bubblescope.stress.kernels.ratings.rating_of`).

    Returns
    -------
    el : ndarray of shape (n_paths, m)
        Expected loss (fraction of par) of each debt contract, 0 for other contracts.
    tranche_loss : ndarray of shape (n_paths, s, 3)
        Expected principal loss by SPV and tranche.
    grade : ndarray of int, shape (n_paths, m), or None
        Rating code of each contract (AAA, code 0, for contracts that are not debt).

    Raises
    ------
    ScenarioError
        An SPV's projected collections are negative or not finite (as
        :func:`~bubblescope.stress.kernels.waterfall.waterfall_many`), or an expected loss
        is NaN (as :func:`~bubblescope.stress.kernels.ratings.rating_of`).
    """
    n_paths, m = lgd.shape
    el = np.zeros((n_paths, m))
    tr_loss = np.empty((n_paths, layout.book.spv.size, 3))
    codes = np.zeros((n_paths, m) if grade else (0, 0), dtype=np.int64)
    book = layout.book
    bad = _debt_el(np.asarray(pd, dtype=np.float64), np.asarray(lgd, dtype=np.float64),
                   layout.obligor, layout.debt_cols, book.contract_spv, book.contract_tranche,
                   layout.held_cols, layout.held_spv, layout.main,
                   np.asarray(paid, dtype=np.float64), np.asarray(lost, dtype=np.float64),
                   np.asarray(cash, dtype=np.float64),
                   np.asarray(cash if pledged is None else pledged, dtype=np.float64),
                   pledged is not None, book.spv, layout.spv_tenant, layout.before,
                   layout.claims, layout.due, layout.par_safe, _THRESHOLDS, grade, el,
                   tr_loss, codes)
    if bad & 1:
        raise ScenarioError("waterfall: every 'collections' must be finite and >= 0")
    if bad & 2:
        raise ScenarioError("rating_of: every 'expected_loss' must lie in [0, 1] (fraction of par)")
    return el, tr_loss, codes if grade else None


def debt_expected_loss_reference(layout: DebtLayout, pd: FloatArray, lgd: FloatArray,
                                 paid: FloatArray, lost: FloatArray, cash: FloatArray,
                                 pledged: FloatArray | None, *, grade: bool = False
                                 ) -> tuple[FloatArray, FloatArray, IntArray | None]:
    """The numpy twin of :func:`debt_expected_loss` (the chain the paper channel ran, on
    ``paid`` and ``lost`` laid out on every contract, 0 on those no SPV holds)."""
    n = cash.shape[1]
    paid = _on_contracts(paid, layout)
    lost = _on_contracts(lost, layout)
    el = pd[:, layout.obligor] * lgd
    main = layout.main[None, :]
    expected = paid - pd[:, layout.obligor] * lost
    survive = sum_by(np.where(main, paid, expected), layout.holder, n) + cash
    default = sum_by(np.where(main, paid - lost, expected), layout.holder, n) + cash
    if pledged is not None:
        survive = survive + pledged
        default = default + pledged
    has = layout.spv_tenant >= 0
    pd_tenant = np.where(has[None, :], pd[:, np.maximum(layout.spv_tenant, 0)], 0.0)
    tr_loss, el_spv = tenant_mixture(layout.book, survive, default, pd_tenant)
    el = np.where(layout.book.contract_spv[None, :] >= 0, el_spv, el)
    el = np.clip(np.where(layout.debt, el, 0.0), 0.0, 1.0)
    return el, tr_loss, rating_of(el) if grade else None


def _on_contracts(held: FloatArray, layout: DebtLayout) -> FloatArray:
    out = np.zeros((held.shape[0], layout.obligor.size))
    out[:, layout.held_cols] = held
    return out


# ------------------------------------------------------------------ balance sheets


@dataclass(frozen=True, eq=False)
class BalanceLayout:
    """The web's contracts as :func:`balance_sums` reads them (fixed for a run).

    Attributes
    ----------
    obligor, holder : ndarray of int, shape (m,)
    debt, cuttable, guarantee : ndarray of bool, shape (m,)
    annual_payment : ndarray of shape (m,)
        Annual payment of each flow contract, USD bn.
    sold : ndarray of shape (m,)
        Cash margin of each contract its holder sells (0 elsewhere), USD bn a year.
    gsub : ndarray of int
        The GPU-backed loans, increasing (contract order), whose collateral the borrower
        can sell.
    held_cols : ndarray of int
        Contracts an SPV holds (:attr:`DebtLayout.held_cols`).
    owed_cols, debt_cols, sold_cols : ndarray of int
        Debt or cuttable contracts, debt contracts, and contracts with a cash margin
        inside the web: the only ones with something to add.
    """

    obligor: IntArray
    holder: IntArray
    debt: BoolArray
    cuttable: BoolArray
    guarantee: BoolArray
    annual_payment: FloatArray
    sold: FloatArray
    gsub: IntArray
    held_cols: IntArray
    owed_cols: IntArray
    debt_cols: IntArray
    sold_cols: IntArray


def balance_layout(obligor: IntArray, holder: IntArray, debt: BoolArray, cuttable: BoolArray,
                   guarantee: BoolArray, annual_payment: FloatArray, sold: FloatArray,
                   gsub: IntArray, held_cols: IntArray) -> BalanceLayout:
    """The :class:`BalanceLayout` of a web (computed once a run).

    >>> lay = balance_layout(np.array([0, 1, 1]), np.array([1, -1, 0]),
    ...                      np.array([True, False, False]), np.array([False, True, False]),
    ...                      np.zeros(3, dtype=bool), np.array([0.0, 4.0, 0.0]),
    ...                      np.array([0.0, 2.0, 0.0]), np.array([], dtype=np.int64),
    ...                      np.array([], dtype=np.int64))
    >>> lay.owed_cols.tolist(), lay.debt_cols.tolist(), lay.sold_cols.tolist()
    ([0, 1], [0], [])
    """
    as_int = np.int64
    return BalanceLayout(
        np.asarray(obligor, dtype=as_int), np.asarray(holder, dtype=as_int),
        np.asarray(debt, dtype=np.bool_), np.asarray(cuttable, dtype=np.bool_),
        np.asarray(guarantee, dtype=np.bool_), np.asarray(annual_payment, dtype=np.float64),
        np.asarray(sold, dtype=np.float64), np.asarray(gsub, dtype=as_int),
        np.asarray(held_cols, dtype=as_int), np.flatnonzero(debt | cuttable).astype(as_int),
        np.flatnonzero(debt).astype(as_int),
        np.flatnonzero((sold != 0) & (holder >= 0)).astype(as_int))


@dataclass(frozen=True, eq=False)
class BalanceSums:
    """What :func:`balance_sums` returns.

    Attributes
    ----------
    equity, owed : ndarray of shape (n_paths, n)
        Each entity's equity value and what it owes (debt plus the flows it still owes).
    debt_now : ndarray of shape (n_paths, n)
        Debt each entity owes.
    lost_sales : ndarray of shape (n_paths, n)
        Cash margin each entity lost on the contracts it sells, USD bn a year.
    paid, lost : ndarray of shape (n_paths, h)
        What each contract an SPV holds still owes it, and what its obligor's default
        loses of that (:attr:`DebtLayout.held_cols`).
    pledged : ndarray of shape (n_paths, n), or None
        GPU collateral of each entity's GPU-backed loans at today's value; ``None``
        without any.
    """

    equity: FloatArray
    owed: FloatArray
    debt_now: FloatArray
    lost_sales: FloatArray
    paid: FloatArray
    lost: FloatArray
    pledged: FloatArray | None


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _balance(obligor: IntArray, holder: IntArray, debt: BoolArray, cuttable: BoolArray,
             guarantee: BoolArray, payment: FloatArray, sold: FloatArray, gsub: IntArray,
             held_cols: IntArray, owed_cols: IntArray, debt_cols: IntArray,
             sold_cols: IntArray, t: int, scale: FloatArray, maturity: IntArray,
             outstanding: FloatArray, guarantee_left: FloatArray, alive: BoolArray,
             market_cap: FloatArray, value: FloatArray, cum_credit: FloatArray,
             listed: BoolArray, recovery_flow: FloatArray, recovery_senior: FloatArray,
             gpu_value: FloatArray, scale_rated: FloatArray, equity: FloatArray,
             owed: FloatArray, debt_now: FloatArray, lost_sales: FloatArray,
             paid: FloatArray, lost: FloatArray, pledged: FloatArray,
             ) -> None:  # pragma: no cover
    n_paths, n = equity.shape
    for p in range(n_paths):
        for i in range(n):
            eq = market_cap[i] * value[p, i] - cum_credit[p, i] * (1.0 if listed[i] else 0.0)
            equity[p, i] = np_maximum(eq, 0.0)
            owed[p, i] = 0.0
            debt_now[p, i] = 0.0
            lost_sales[p, i] = 0.0
            pledged[p, i] = 0.0
        for j in range(owed_cols.size):
            k = owed_cols[j]
            flows = payment[k] * scale[p, k] * float(max(maturity[p, k] - t, 0)) / 4
            owed[p, obligor[k]] += (outstanding[p, k] * (1.0 if debt[k] else 0.0)
                                    + flows * (1.0 if cuttable[k] else 0.0))
        for j in range(debt_cols.size):
            k = debt_cols[j]
            debt_now[p, obligor[k]] += outstanding[p, k] * 1.0
        keep = 1.0 - recovery_flow[p]
        for j in range(sold_cols.size):
            k = sold_cols[j]
            lost_sales[p, holder[k]] += (sold[k] * np_maximum(scale_rated[p, k] - scale[p, k], 0.0)
                                         * keep)
        for j in range(held_cols.size):
            k = held_cols[j]
            flows = (payment[k] * scale[p, k] * float(max(maturity[p, k] - t, 0)) / 4
                     * (1.0 if cuttable[k] else 0.0))
            g_owed = (guarantee_left[p, k] * (1.0 if guarantee[k] else 0.0)
                      * (1.0 if alive[p, obligor[k]] else 0.0))
            lost[p, j] = flows * (1.0 - recovery_flow[p]) + g_owed * (1.0 - recovery_senior[p])
            paid[p, j] = flows + g_owed
        for j in range(gsub.size):
            pledged[p, obligor[gsub[j]]] += gpu_value[p, j]


def balance_sums(layout: BalanceLayout, t: int, scale: FloatArray, maturity: IntArray,
                 outstanding: FloatArray, guarantee_left: FloatArray, alive: BoolArray,
                 market_cap: FloatArray, value: FloatArray, cum_credit: FloatArray,
                 listed: BoolArray, recovery_flow: FloatArray, recovery_senior: FloatArray,
                 gpu_value: FloatArray, scale_rated: FloatArray) -> BalanceSums:
    """Each entity's balance sheet at the end of quarter ``t - 1`` in one pass.

    Parameters
    ----------
    layout : BalanceLayout
    t : int
        The quarter the flows still owed are counted from.
    scale, outstanding, guarantee_left, scale_rated : ndarray of shape (n_paths, m)
        Share of each flow contract still running, principal outstanding, guarantee left,
        and the share the ratings were given on.
    maturity : ndarray of int, shape (n_paths, m)
    alive : ndarray of bool, shape (n_paths, n)
    market_cap : ndarray of shape (n,)
    value, cum_credit : ndarray of shape (n_paths, n)
        Equity value (multiple of the start) and realised credit losses of each entity.
    listed : ndarray of bool, shape (n,)
    recovery_flow, recovery_senior : ndarray of shape (n_paths,)
    gpu_value : ndarray of shape (n_paths, g)
        Today's value of the collateral of each GPU-backed loan (``layout.gsub``).

    Returns
    -------
    BalanceSums
        Each sum adds its contracts in contract order, as
        :func:`~bubblescope.stress.kernels.aggregate.sum_by`: bit-identical to
        :func:`balance_sums_reference` (on a finite state: a contract that cannot add
        anything is skipped rather than added as ``0 * x``).
    """
    n_paths, n = value.shape
    lay = layout
    equity, owed, debt_now, lost_sales, pledged = (np.empty((n_paths, n)) for _ in range(5))
    paid = np.empty((n_paths, lay.held_cols.size))
    lost = np.empty((n_paths, lay.held_cols.size))
    _balance(lay.obligor, lay.holder, lay.debt, lay.cuttable, lay.guarantee,
             lay.annual_payment, lay.sold, lay.gsub, lay.held_cols, lay.owed_cols,
             lay.debt_cols, lay.sold_cols, int(t), scale, maturity, outstanding,
             guarantee_left, alive, np.asarray(market_cap, dtype=np.float64), value,
             cum_credit, np.asarray(listed, dtype=np.bool_), recovery_flow, recovery_senior,
             np.asarray(gpu_value, dtype=np.float64).reshape(n_paths, -1), scale_rated,
             equity, owed, debt_now, lost_sales, paid, lost, pledged)
    return BalanceSums(equity, owed, debt_now, lost_sales, paid, lost,
                       pledged if lay.gsub.size else None)


def balance_sums_reference(layout: BalanceLayout, t: int, scale: FloatArray,
                           maturity: IntArray, outstanding: FloatArray,
                           guarantee_left: FloatArray, alive: BoolArray,
                           market_cap: FloatArray, value: FloatArray, cum_credit: FloatArray,
                           listed: BoolArray, recovery_flow: FloatArray,
                           recovery_senior: FloatArray, gpu_value: FloatArray,
                           scale_rated: FloatArray) -> BalanceSums:
    """The numpy twin of :func:`balance_sums` (what ``paper.balance``,
    ``paper.collections_owed`` and ``paper._leverage_multiples`` compute)."""
    lay = layout
    n = value.shape[1]
    owed_flows = lay.annual_payment[None, :] * scale * np.maximum(maturity - t, 0) / 4
    owed = sum_by(outstanding * lay.debt + owed_flows * lay.cuttable, lay.obligor, n)
    equity = np.maximum(market_cap[None, :] * value - cum_credit * listed, 0.0)
    flows = owed_flows * lay.cuttable
    g_owed = guarantee_left * lay.guarantee * alive[:, lay.obligor]
    lost = (flows * (1.0 - recovery_flow[:, None])
            + g_owed * (1.0 - recovery_senior[:, None]))
    pledged = None
    if lay.gsub.size:
        held = np.zeros_like(flows)
        held[:, lay.gsub] = gpu_value
        pledged = sum_by(held, lay.obligor, n)
    lost_sales = sum_by(lay.sold[None, :] * np.maximum(scale_rated - scale, 0.0)
                        * (1.0 - recovery_flow[:, None]), lay.holder, n)
    debt_now = sum_by(outstanding * lay.debt, lay.obligor, n)
    paid = flows + g_owed
    return BalanceSums(np.asarray(equity, dtype=np.float64), owed, debt_now, lost_sales,
                       paid[:, lay.held_cols], lost[:, lay.held_cols], pledged)


# ------------------------------------------------------------------ junk and its volume


@dataclass(frozen=True, eq=False)
class Junked:
    """What :func:`junk` returns.

    Attributes
    ----------
    grade : ndarray of int, shape (n_paths, m)
        Rating code of each contract (never above its start in a stress).
    junk : ndarray of bool, shape (n_paths, m)
        Debt investment grade at the start that is junk now or was before.
    forced : ndarray of shape (n_paths, m)
        Losses of rating-constrained holders selling paper junked this quarter.
    volume, newly : ndarray of shape (n_paths,)
        Volume junked so far and this quarter, USD bn.
    """

    grade: IntArray
    junk: BoolArray
    forced: FloatArray
    volume: FloatArray
    newly: FloatArray


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _junk(grade: IntArray, start: IntArray, floor_at_start: bool, ratable: BoolArray,
          ig0: BoolArray, junk_before: BoolArray, constrained: BoolArray,
          outstanding: FloatArray, discount: FloatArray, amount: FloatArray,
          junk: BoolArray, forced: FloatArray, volume: FloatArray, newly: FloatArray,
          plan: IntArray) -> None:  # pragma: no cover
    n_paths, m = grade.shape
    row = np.empty(m)
    row_new = np.empty(m)
    stack = np.empty(plan.shape[0] + 1)
    for p in range(n_paths):
        for k in range(m):
            g = grade[p, k]
            if floor_at_start and start[p, k] > g:
                g = start[p, k]
                grade[p, k] = g
            now = g > INVESTMENT_GRADE_FLOOR and ratable[k] and ig0[p, k]
            fresh = now and not junk_before[p, k]
            j = junk_before[p, k] or now
            junk[p, k] = j
            forced[p, k] = ((1.0 if (fresh and constrained[k]) else 0.0)
                            * outstanding[p, k] * discount[p])
            row[k] = amount[k] * (1.0 if j else 0.0)
            row_new[k] = amount[k] * (1.0 if fresh else 0.0)
        volume[p] = plan_sum(row, plan, stack)
        newly[p] = plan_sum(row_new, plan, stack)


def junk(grade: IntArray, start: IntArray | None, ratable: BoolArray, ig0: BoolArray,
         junk_before: BoolArray, constrained: BoolArray, outstanding: FloatArray,
         discount: FloatArray, amount: FloatArray) -> Junked:
    """Debt junked, forced sales and the volumes, in one pass.

    Parameters
    ----------
    grade : ndarray of int, shape (n_paths, m)
        Rating code of each contract now (modified in place where ``start`` floors it).
    start : ndarray of int, shape (n_paths, m), or None
        Grade at the start, which no grade rises above in a stress; ``None``: no floor.
    ratable : ndarray of bool, shape (m,)
        Rated paper (debt that is not an SPV's equity piece).
    ig0 : ndarray of bool, shape (n_paths, m)
        Investment grade at the start.
    junk_before : ndarray of bool, shape (n_paths, m)
    constrained : ndarray of bool, shape (m,)
        Whether the holder must sell junk.
    outstanding : ndarray of shape (n_paths, m)
    discount : ndarray of shape (n_paths,)
        Discount to par of a forced sale.
    amount : ndarray of shape (m,)
        Face amount of each contract, USD bn.

    Returns
    -------
    Junked
        Bit-identical to :func:`junk_reference` (the volumes are ``(amount * junk).sum(1)``
        added in numpy's pairwise order:
        :func:`~bubblescope.stress.kernels.row_sums.plan_sum`).
    """
    n_paths, m = grade.shape
    out = Junked(grade, np.empty((n_paths, m), dtype=np.bool_), np.empty((n_paths, m)),
                 np.empty(n_paths), np.empty(n_paths))
    floor = start
    if floor is None:  # unused; read-only like the run constant it stands for (one compile)
        floor = grade.view()
        floor.flags.writeable = False
    _junk(grade, floor, start is not None,
          np.asarray(ratable, dtype=np.bool_), ig0, junk_before,
          np.asarray(constrained, dtype=np.bool_), outstanding, discount,
          np.asarray(amount, dtype=np.float64), out.junk, out.forced, out.volume, out.newly,
          pairwise_plan(m))
    return out


def junk_reference(grade: IntArray, start: IntArray | None, ratable: BoolArray,
                   ig0: BoolArray, junk_before: BoolArray, constrained: BoolArray,
                   outstanding: FloatArray, discount: FloatArray, amount: FloatArray) -> Junked:
    """The numpy twin of :func:`junk` (the chain ``paper.rerate`` ran)."""
    if start is not None:
        grade = np.maximum(grade, start)
    junk_now = ~is_investment_grade(grade) & ratable & ig0
    newly = junk_now & ~junk_before
    junked = junk_before | junk_now
    forced = newly * constrained * outstanding * discount[:, None]
    return Junked(grade, junked, np.asarray(forced, dtype=np.float64),
                  (amount[None, :] * junked).sum(axis=1), (amount[None, :] * newly).sum(axis=1))
