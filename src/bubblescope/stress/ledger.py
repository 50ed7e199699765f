"""Credit first: split every loss into realised credit, debt marks and equity marks, and look
through funds so that each loss reaches its final bearer once.

Three classes (:class:`LossClass`) keep apart what a credit analyst must never see summed
silently:

* **realised credit** — who does not get paid: missed payments, write-offs at default net
  of recovery, leases and commitments torn up, backlog lost with a customer, GPU collateral
  shortfalls;
* **debt marks** — mark-to-market on paper still performing: expected-loss (PD x LGD) marks,
  discounts of rating-constrained sellers;
* **equity marks** — stakes, listed shares and fund shares marked to value.

Look-through
------------
A fund (any entity that issued ``fund_share`` contracts) is a pass-through: what it loses
on its assets, less what its own lenders lost on lending to it, reaches its investors in
proportion to their shares; the part owned outside the web stays at the fund. Marks on
fund shares are the same loss seen a second time and are dropped. With ``S[f, k]`` the share
of fund ``f`` owned by ``k`` and ``x`` the losses net of fund-share marks and of what
lenders lost on the fund, the loss a holder finally bears is

``T = x + S^T T``, ``y_k = T_k (1 - sum_j S[k, j])``

so ``sum_k y_k = sum_k x_k``: every sum over holders, sectors, obligors and quarters
reconciles with the contract-level losses on the underlying (non-fund) obligors. What a
fund's lenders lost is taken off the fund's losses in proportion to their classes, so a
loss may change class along the chain (an equity crash beyond a leveraged fund's NAV is its
prime broker's realised credit loss) while the totals stay exact.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.model.errors import ScenarioError
from bubblescope.stress.kernels.aggregate import sum_by_last

__all__ = [
    "CHANNEL_CLASS",
    "CLASS_NAMES",
    "REGULATED",
    "LossClass",
    "LossLedger",
    "bearer_mask",
    "build_ledger",
    "fund_share_matrix",
    "look_through",
    "look_through_reference",
    "underlying_contracts",
]


class LossClass(enum.IntEnum):
    """What kind of loss a booking is (the last axis of every ledger array)."""

    CREDIT = 0
    DEBT_MARK = 1
    EQUITY = 2


#: Display names of :class:`LossClass`, in order.
CLASS_NAMES: Final[tuple[str, ...]] = ("realised credit", "debt marks", "equity marks")
#: Class of each engine loss channel (``bubblescope.stress.holders.CHANNELS``).
CHANNEL_CLASS: Final[dict[str, LossClass]] = {
    "missed payments": LossClass.CREDIT,
    "default write-offs": LossClass.CREDIT,
    "lease and commitment cuts": LossClass.CREDIT,
    "equity marks": LossClass.EQUITY,
    "GPU collateral": LossClass.CREDIT,
    "forced sales": LossClass.DEBT_MARK,
    "backlog lost": LossClass.CREDIT,
    "expected-loss marks": LossClass.DEBT_MARK,
    "margin-call sales": LossClass.EQUITY,
    "spread and liquidity marks": LossClass.DEBT_MARK,
}
#: Holder kinds under prudential regulation or with retirement savers behind them: the
#: headline leads with them.
REGULATED: Final[frozenset[str]] = frozenset(
    {"bank", "life_insurer", "pension_fund", "household"})


def bearer_mask(kinds: tuple[str, ...], holder_sectors: frozenset[str], obligor: IntArray,
                holder: IntArray) -> BoolArray:
    """Entities that bear losses as holders, not as firms, shape (n,).

    The holder sectors (banks, insurers, funds, households) and the holder aggregates: an
    entity of kind ``other`` that holds claims in the web and owes none (``rest_of_world``,
    the foreign investors). Such an aggregate is not a firm: it is never listed among the
    firms not paid, and its losses count with the holders'.

    Examples
    --------
    >>> bearer_mask(("bank", "other", "other"), frozenset({"bank"}), np.array([2]),
    ...             np.array([1])).tolist()
    [True, True, False]
    """
    n = len(kinds)
    owes = np.zeros(n, dtype=np.bool_)
    owes[obligor] = True
    holds = np.zeros(n, dtype=np.bool_)
    holds[holder[holder >= 0]] = True
    kind = np.array(kinds, dtype=object)
    return np.asarray(np.isin(kind, list(holder_sectors)) | ((kind == "other") & holds & ~owes),
                      dtype=np.bool_)


def fund_share_matrix(obligor: IntArray, holder: IntArray, amount: FloatArray,
                      is_fund_share: BoolArray, held: FloatArray) -> FloatArray:
    """Share of each fund owned by each investor, ``S[f, k]``, shape (n, n).

    Parameters
    ----------
    obligor, holder : ndarray of int, shape (m,)
        Fund (obligor) and investor (holder) of each contract; holder ``-1`` is outside.
    amount : ndarray of shape (m,)
        Amount of each contract (a fund share: the investor's pro-rata share of the fund's
        holdings in the web, USD bn).
    is_fund_share : ndarray of bool, shape (m,)
    held : ndarray of shape (n,)
        What each entity holds in the web (the base the fund shares are a share of).

    Returns
    -------
    ndarray of shape (n, n)
        Rows are funds; each row sums to at most 1 (the rest is owned outside the web).

    Examples
    --------
    >>> fund_share_matrix(np.array([0, 0]), np.array([1, 2]), np.array([3.0, 1.0]),
    ...                   np.array([True, True]), np.array([8.0, 0.0, 0.0])).tolist()[0]
    [0.0, 0.375, 0.125]
    """
    n = held.size
    keep = is_fund_share & (holder >= 0)
    out = np.zeros((n, n))
    np.add.at(out, (obligor[keep], holder[keep]), amount[keep])
    base = np.maximum(held, out.sum(axis=1))  # never more than the whole fund
    return np.asarray(np.where(base[:, None] > 0, out / np.where(base > 0, base, 1.0)[:, None],
                               0.0), dtype=np.float64)


def look_through(losses: FloatArray, shares: FloatArray) -> FloatArray:
    """Pass each fund's losses to its investors, funds of funds included.

    Parameters
    ----------
    losses : ndarray of shape (..., n, K)
        Losses booked by each entity (net of fund-share marks and of what lenders lost on
        the fund), by class.
    shares : ndarray of shape (n, n)
        :func:`fund_share_matrix`.

    Returns
    -------
    ndarray of shape (..., n, K)
        Losses borne finally; a fund keeps only the share owned outside the web. The sum over
        the entity axis equals that of ``losses``.

    Raises
    ------
    ScenarioError
        If funds own each other in a cycle (the look-through has no order).

    Examples
    --------
    >>> s = np.zeros((3, 3)); s[0, 1] = 0.5; s[1, 2] = 1.0
    >>> look_through(np.array([[[10.0], [2.0], [0.0]]]), s)[0, :, 0].tolist()
    [5.0, 0.0, 7.0]
    """
    out = np.array(losses, dtype=np.float64, copy=True)
    for f in _fund_order(shares):
        give = out[..., f, :].copy()
        out[..., f, :] = give * (1.0 - shares[f].sum())
        investors = np.flatnonzero(shares[f] > 0)
        out[..., investors, :] += shares[f, investors][:, None] * give[..., None, :]
    return out


def look_through_reference(losses: FloatArray, shares: FloatArray) -> FloatArray:
    """Closed form of :func:`look_through`: ``T = (I - S^T)^-1 x``, ``y = T (1 - S 1)``."""
    n = shares.shape[0]
    lhs = np.eye(n) - shares.T
    total = np.linalg.solve(lhs, np.moveaxis(losses, -2, 0).reshape(n, -1))
    total = np.moveaxis(total.reshape((n, *np.moveaxis(losses, -2, 0).shape[1:])), 0, -2)
    return np.asarray(total * (1.0 - shares.sum(axis=1))[:, None], dtype=np.float64)


def _fund_order(shares: FloatArray) -> list[int]:
    """Funds in an order where every fund comes before the funds that invest in it."""
    funds = [int(f) for f in np.flatnonzero(shares.sum(axis=1) > 0)]
    done: list[int] = []
    left = set(funds)
    while left:
        ready = [f for f in sorted(left)
                 if not any(shares[g, f] > 0 for g in left if g != f)]
        if not ready or any(shares[f, f] > 0 for f in ready):
            raise ScenarioError("fund shares form a cycle (funds own each other): "
                                "the look-through has no order")
        done += ready
        left -= set(ready)
    return done


@dataclass(frozen=True, eq=False)
class LossLedger:
    """Losses split into :class:`LossClass` and looked through funds (USD bn).

    Attributes
    ----------
    entity_ids, entity_kinds : tuple of str
    direct : ndarray of shape (n_paths, n, K)
        What each entity booked as a holder, fund-share marks dropped.
    borne : ndarray of shape (n_paths, n, K)
        After look-through: what each entity finally bears.
    by_obligor : ndarray of shape (n_paths, n, K)
        Losses on each underlying obligor's paper (claims on funds are re-allocations and
        left out).
    by_quarter : ndarray of shape (n_paths, quarters, K)
        Borne losses by quarter.
    borne_quarter_mean : ndarray of shape (quarters, n, K)
        Borne losses by quarter and entity, mean over paths.
    """

    entity_ids: tuple[str, ...]
    entity_kinds: tuple[str, ...]
    holder_sector: BoolArray
    direct: FloatArray
    borne: FloatArray
    by_obligor: FloatArray
    by_quarter: FloatArray
    borne_quarter_mean: FloatArray

    @property
    def totals(self) -> pd.Series:
        """Mean borne loss over the run by class, USD bn (holder sectors and firms)."""
        return pd.Series(self.borne.sum(axis=1).mean(axis=0), index=list(CLASS_NAMES))

    def holder_table(self) -> pd.DataFrame:
        """Mean loss borne by each holder sector, by class (rows sorted: regulated first)."""
        mask = self.holder_sector
        frame = pd.DataFrame(self.borne.mean(axis=0)[mask], columns=list(CLASS_NAMES))
        frame.insert(0, "kind", np.array(self.entity_kinds, dtype=object)[mask])
        frame.insert(0, "holder", np.array(self.entity_ids, dtype=object)[mask])
        frame["regulated"] = frame["kind"].isin(REGULATED)
        frame["credit_and_debt"] = frame[CLASS_NAMES[0]] + frame[CLASS_NAMES[1]]
        return frame.sort_values(["regulated", "credit_and_debt"], ascending=False,
                                 ignore_index=True)

    def sector_table(self) -> pd.DataFrame:
        """Mean loss borne by holder kind (all entities), by class."""
        frame = pd.DataFrame(self.borne.mean(axis=0), columns=list(CLASS_NAMES))
        frame["kind"] = self.entity_kinds
        out = frame.groupby("kind").sum()
        return out.loc[out.abs().sum(axis=1).sort_values(ascending=False).index]

    def firm_table(self) -> pd.DataFrame:
        """Mean credit losses booked by firms (not holder sectors): who is not paid.

        A firm's loss reaches its own shareholders and lenders through their marks, so
        these rows are shown, never added to the holder sectors' losses.
        """
        mask = ~self.holder_sector
        frame = pd.DataFrame(self.borne.mean(axis=0)[mask], columns=list(CLASS_NAMES))
        frame.insert(0, "firm", np.array(self.entity_ids, dtype=object)[mask])
        frame = frame[frame[list(CLASS_NAMES)].abs().sum(axis=1) > 1e-9]
        return frame.sort_values(CLASS_NAMES[0], ascending=False, ignore_index=True)

    def obligor_table(self) -> pd.DataFrame:
        """Mean losses on each obligor's paper, by class (largest credit loss first)."""
        frame = pd.DataFrame(self.by_obligor.mean(axis=0), columns=list(CLASS_NAMES))
        frame.insert(0, "obligor", self.entity_ids)
        frame = frame[frame[list(CLASS_NAMES)].abs().sum(axis=1) > 1e-9]
        return frame.sort_values(CLASS_NAMES[0], ascending=False, ignore_index=True)

    def holder_sector_totals(self) -> FloatArray:
        """Borne loss of the holder sectors by class on each path, (n_paths, K)."""
        return np.asarray(self.borne[:, self.holder_sector].sum(axis=1), dtype=np.float64)

    def relative_to(self, base: LossLedger) -> LossLedger:
        """This ledger less ``base`` (its mean over paths): the losses the shock adds to the
        no-shock reference, view by view (same web, same quarters)."""
        if base.entity_ids != self.entity_ids or base.by_quarter.shape[1:] != \
                self.by_quarter.shape[1:]:
            raise ScenarioError("relative_to: the reference must run on the same web for the "
                                "same number of quarters")

        def less(a: FloatArray, b: FloatArray) -> FloatArray:
            return np.asarray(a - b.mean(axis=0, keepdims=True), dtype=np.float64)

        return LossLedger(
            self.entity_ids, self.entity_kinds, self.holder_sector,
            less(self.direct, base.direct), less(self.borne, base.borne),
            less(self.by_obligor, base.by_obligor), less(self.by_quarter, base.by_quarter),
            self.borne_quarter_mean - base.borne_quarter_mean,
        )

    def headline(self) -> dict[str, object]:
        """Plain-data summary: totals by class, holder sectors (regulated first), firms that
        are not paid, obligors, and the quarterly path (means over paths, USD bn)."""
        quarters = self.by_quarter.mean(axis=0)
        return {
            "classes": list(CLASS_NAMES),
            "holder_sectors": dict(zip(CLASS_NAMES, self.holder_sector_totals().mean(axis=0)
                                       .tolist(), strict=True)),
            "all_bearers": {str(k): float(v) for k, v in self.totals.items()},
            "holders": self.holder_table().to_dict(orient="records"),
            "firms_not_paid": self.firm_table().to_dict(orient="records"),
            "obligors": self.obligor_table().to_dict(orient="records"),
            "by_quarter": [dict(zip(CLASS_NAMES, row, strict=True)) for row in quarters.tolist()],
            "reconciliation_error_usd_bn": self.reconciliation_error(),
        }

    def reconciliation_error(self) -> float:
        """Largest gap between the holder, obligor and quarter views of the total (USD bn).

        Totals over classes are compared: a loss can change class along the chain (an equity
        loss beyond a leveraged fund's NAV is its lender's realised credit loss).
        """
        held = self.borne.sum(axis=(1, 2))
        gaps = (held - self.by_obligor.sum(axis=(1, 2)), held - self.by_quarter.sum(axis=(1, 2)))
        return float(max(np.abs(g).max(initial=0.0) for g in gaps))


def build_ledger(
    contract_class: FloatArray, contract_class_q_mean: FloatArray, *, obligor: IntArray,
    holder: IntArray, amount: FloatArray, is_fund_share: BoolArray, is_debt: BoolArray,
    entity_ids: tuple[str, ...], entity_kinds: tuple[str, ...], holder_sector: BoolArray,
    quarter_class: FloatArray,
) -> LossLedger:
    """Assemble a :class:`LossLedger` from contract-level losses by class.

    Parameters
    ----------
    contract_class : ndarray of shape (n_paths, m, K)
        Loss booked on each contract over the run (by its holder), by class.
    contract_class_q_mean : ndarray of shape (quarters, m, K)
        The same by quarter, mean over paths.
    quarter_class : ndarray of shape (n_paths, quarters, K)
        Loss by quarter on underlying (non-fund) obligors, by class.
    obligor, holder, amount, is_fund_share, is_debt : contract arrays of shape (m,)
    entity_ids, entity_kinds, holder_sector : entity metadata of length n
    """
    n = len(entity_ids)
    inside = holder >= 0
    held = np.asarray(np.bincount(holder[inside], weights=amount[inside], minlength=n),
                      dtype=np.float64)
    borrowed = np.bincount(obligor, weights=amount * is_debt, minlength=n)
    # investors own a fund's NAV: what it holds less what it borrowed
    shares = fund_share_matrix(obligor, holder, amount, is_fund_share,
                               np.maximum(held - borrowed, 0.0))
    is_fund = shares.sum(axis=1) > 0
    on_fund = is_fund[obligor]

    def direct_of(x: FloatArray) -> FloatArray:
        kept = np.where((is_fund_share & inside)[:, None], 0.0, x)  # fund-share marks: dropped
        d = _sum_by(kept, np.where(inside, holder, -1), n)
        lent = np.where((on_fund & inside & ~is_fund_share)[:, None], x, 0.0)
        lent_total = _sum_by(lent, np.where(on_fund, obligor, -1), n).sum(axis=-1)
        # lenders bore this part of the fund's loss
        return np.asarray(d - lent_total[..., None] * _mix(d), dtype=np.float64)

    direct = direct_of(contract_class)
    borne = look_through(direct, shares)
    underlying = np.where((on_fund | ~inside)[:, None], 0.0, contract_class)
    by_obligor = _sum_by(underlying, obligor, n)
    borne_q = look_through(direct_of(contract_class_q_mean), shares)
    return LossLedger(entity_ids, entity_kinds, holder_sector, direct, borne, by_obligor,
                      quarter_class, borne_q)


def _mix(d: FloatArray) -> FloatArray:
    """Class composition of each entity's losses, (..., n, K): its positive losses' shares,
    or all realised credit when it has none."""
    pos = np.maximum(d, 0.0)
    total = pos.sum(axis=-1, keepdims=True)
    credit = np.zeros_like(d)
    credit[..., int(LossClass.CREDIT)] = 1.0
    return np.asarray(np.where(total > 0, pos / np.where(total > 0, total, 1.0), credit),
                      dtype=np.float64)


def underlying_contracts(obligor: IntArray, holder: IntArray, amount: FloatArray,
                         is_fund_share: BoolArray, n: int) -> BoolArray:
    """Contracts held inside the web on an obligor that is not a pass-through fund, (m,).

    Their losses are the economy's losses; claims on funds (shares, lines to funds) only
    re-allocate them.
    """
    inside = holder >= 0
    keep = is_fund_share & inside & (amount > 0)
    is_fund = np.zeros(n, dtype=np.bool_)
    is_fund[obligor[keep]] = True
    return np.asarray(inside & ~is_fund[obligor], dtype=np.bool_)


def _sum_by(x: FloatArray, index: IntArray, n: int) -> FloatArray:
    """Sum ``x`` (..., m, K) over contracts into entities ``index`` (-1: dropped): (..., n, K)."""
    return sum_by_last(x, index, n)
