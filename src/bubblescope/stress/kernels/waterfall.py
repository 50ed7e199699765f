"""Tranche waterfalls of securitisation SPVs: who is paid, who loses.

Convention: tranches are ordered **senior → junior** along the last axis; the last tranche
is the equity (first-loss) piece. Cash collected by the SPV in a period pays, in order,
the coupons due senior → junior, then the principal (par) due senior → junior
("sequential pay"); what is left goes to the equity tranche. A tranche's loss is what it
was due and did not get: ``loss = coupon_due + par - paid`` floored at 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.model.errors import ScenarioError

__all__ = [
    "SpvBook",
    "WaterfallResult",
    "spv_book",
    "spv_tenants",
    "tenant_mixture",
    "tranche_expected_loss",
    "waterfall",
    "waterfall_many",
    "waterfall_reference",
]


@dataclass(frozen=True)
class WaterfallResult:
    """Payments and losses by tranche.

    Attributes
    ----------
    paid : ndarray of shape (n_paths, k) or (n_paths, n_spv, k)
        Cash paid to each tranche (the equity tranche also gets any excess).
    loss : ndarray, same shape as ``paid``
        Shortfall against coupon plus par due, ``>= 0``.
    """

    paid: FloatArray
    loss: FloatArray

    @property
    def loss_rate(self) -> FloatArray:
        """Loss as a share of the tranche's total due; 0 where nothing was due."""
        due = self.paid + self.loss
        owed = np.where(due > 0, due, 1.0)
        return np.asarray(np.where(due > 0, self.loss / owed, 0.0), dtype=np.float64)

    def __str__(self) -> str:
        per_tranche = self.loss.reshape(-1, self.loss.shape[-1]).mean(axis=0)
        shown = ", ".join(f"{x:.4g}" for x in per_tranche)
        return f"WaterfallResult: {self.paid.shape}; mean loss by tranche (senior→junior) [{shown}]"


def waterfall(
    collections: FloatArray, par: FloatArray, coupon_due: FloatArray | None = None
) -> WaterfallResult:
    """Run the sequential-pay waterfall of one SPV on every path.

    Parameters
    ----------
    collections : ndarray of shape (n_paths,)
        Cash the SPV collected this period (>= 0).
    par : ndarray of shape (k,)
        Principal due to each tranche, senior → junior (>= 0).
    coupon_due : ndarray of shape (k,), optional
        Interest due to each tranche; paid before any principal. Zero if omitted.

    Returns
    -------
    WaterfallResult
        ``paid`` and ``loss`` of shape (n_paths, k).

    Notes
    -----
    With the claims laid out in payment order ``c_1, ..., c_{2k}`` (coupons then par) and
    ``C_j = sum_{l<j} c_l``, claim ``j`` receives ``clip(X - C_j, 0, c_j)`` for collections
    ``X``; the equity tranche also receives ``max(0, X - sum c)``.

    Examples
    --------
    >>> import numpy as np
    >>> r = waterfall(np.array([100.0, 70.0]), np.array([60.0, 25.0, 15.0]))
    >>> r.paid.tolist(), r.loss.tolist()
    ([[60.0, 25.0, 15.0], [60.0, 10.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 15.0, 15.0]])
    """
    x = np.asarray(collections, dtype=np.float64)
    if x.ndim != 1:
        raise ScenarioError(f"waterfall: 'collections' must have shape (n_paths,), got {x.shape}")
    p = np.asarray(par, dtype=np.float64)
    c = np.zeros_like(p) if coupon_due is None else np.asarray(coupon_due, dtype=np.float64)
    r = waterfall_many(x[:, None], p[None, :], c[None, :])
    return WaterfallResult(r.paid[:, 0, :], r.loss[:, 0, :])


def waterfall_many(
    collections: FloatArray, par: FloatArray, coupon_due: FloatArray | None = None
) -> WaterfallResult:
    """Run the waterfalls of many SPVs at once (the SPV axis is batched, not looped).

    Parameters
    ----------
    collections : ndarray of shape (n_paths, n_spv)
        Cash collected by each SPV on each path.
    par : ndarray of shape (n_spv, k)
        Principal of each SPV's tranches, senior → junior; pad shorter stacks with
        zero-par tranches *before* the equity tranche (the last column is the equity).
    coupon_due : ndarray of shape (n_spv, k), optional
        Interest due; zero if omitted.

    Returns
    -------
    WaterfallResult
        ``paid`` and ``loss`` of shape (n_paths, n_spv, k).
    """
    x, p, c = _check(collections, par, coupon_due)
    claims = np.concatenate([c, p], axis=-1)  # (n_spv, 2k): coupons, then principal
    before = np.cumsum(claims, axis=-1) - claims
    got = np.clip(x[:, :, None] - before[None], 0.0, claims[None])
    k = p.shape[-1]
    paid = got[..., :k] + got[..., k:]
    loss = np.maximum(c + p - paid, 0.0)
    paid[..., -1] += np.maximum(x - claims.sum(axis=-1)[None, :], 0.0)
    return WaterfallResult(paid, np.broadcast_to(loss, paid.shape).copy())


def waterfall_reference(
    collections: FloatArray, par: FloatArray, coupon_due: FloatArray | None = None
) -> WaterfallResult:
    """Pay tranche by tranche with a running cash balance: the twin of :func:`waterfall`."""
    k = len(par)
    coupons = [0.0] * k if coupon_due is None else [float(v) for v in coupon_due]
    paid_rows, loss_rows = [], []
    for cash_in in np.asarray(collections, dtype=np.float64):
        cash, paid = float(cash_in), [0.0] * k
        for i in range(k):
            paid[i] += min(cash, coupons[i])
            cash -= min(cash, coupons[i])
        for i in range(k):
            paid[i] += min(cash, float(par[i]))
            cash -= min(cash, float(par[i]))
        paid[-1] += cash
        paid_rows.append(paid)
        loss_rows.append([max(0.0, coupons[i] + float(par[i]) - paid[i]) for i in range(k)])
    return WaterfallResult(np.array(paid_rows).reshape(-1, k), np.array(loss_rows).reshape(-1, k))


def _check(
    collections: FloatArray, par: FloatArray, coupon_due: FloatArray | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    x = np.asarray(collections, dtype=np.float64)
    p = np.asarray(par, dtype=np.float64)
    c = np.zeros_like(p) if coupon_due is None else np.asarray(coupon_due, dtype=np.float64)
    if x.ndim != 2 or p.ndim != 2 or p.shape[0] != x.shape[1] or c.shape != p.shape:
        raise ScenarioError(
            "waterfall_many: need 'collections' (n_paths, n_spv), 'par' and 'coupon_due' "
            f"(n_spv, k); got {x.shape}, {p.shape}, {c.shape}"
        )
    if p.shape[1] == 0:
        raise ScenarioError("waterfall: 'par' needs at least one tranche, got 0")
    for name, arr in (("collections", x), ("par", p), ("coupon_due", c)):
        if not np.all(np.isfinite(arr) & (arr >= 0)):
            raise ScenarioError(f"waterfall: every {name!r} must be finite and >= 0")
    return x, p, c


# ---------------------------------------------------------------- SPV paper


@dataclass(frozen=True)
class SpvBook:
    """The securitised paper of the web's SPVs laid out for batched waterfalls.

    ``spv`` (s,) are entity indices; ``par`` (s, 3) the par by tranche (senior, mezzanine,
    equity); ``contract_spv`` and ``contract_tranche`` (m,) place each debt contract of an
    SPV (``-1`` for other contracts).
    """

    spv: IntArray
    par: FloatArray
    contract_spv: IntArray
    contract_tranche: IntArray


def spv_book(
    obligor: IntArray, amount: FloatArray, rank: IntArray, tranche: IntArray,
    is_debt: BoolArray, is_spv: BoolArray,
) -> SpvBook:
    """Group the debt owed by SPVs into tranches.

    ABS notes keep their tranche; other debt of an SPV is senior when ranked senior or
    senior secured, mezzanine when subordinated and equity when ranked as equity.
    """
    spv = np.flatnonzero(is_spv).astype(np.int64)
    pos = np.full(is_spv.size, -1, dtype=np.int64)
    pos[spv] = np.arange(spv.size)
    mine = is_debt & is_spv[obligor]
    by_rank = np.clip(rank - 1, 0, 2)
    t = np.where(tranche >= 0, tranche, by_rank)
    c_spv = np.where(mine, pos[obligor], -1).astype(np.int64)
    c_tr = np.where(mine, t, -1).astype(np.int64)
    par = np.zeros((spv.size, 3))
    np.add.at(par, (c_spv[mine], c_tr[mine]), amount[mine])
    return SpvBook(spv, par, c_spv, c_tr)


def tranche_expected_loss(book: SpvBook, collections: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Projected loss by tranche and each SPV contract's expected-loss rate.

    Parameters
    ----------
    book : SpvBook
    collections : ndarray of shape (n_paths, n)
        Cash each entity is projected to collect over the paper's life (only SPVs are read).

    Returns
    -------
    loss : ndarray of shape (n_paths, s, 3)
        Projected principal loss by SPV and tranche (senior, mezzanine, equity), USD bn.
    el : ndarray of shape (n_paths, m)
        Loss as a share of par for each SPV contract (0 for other contracts).

    >>> b = SpvBook(np.array([0]), np.array([[60.0, 25.0, 15.0]]), np.array([0, 0]),
    ...             np.array([0, 1]))
    >>> loss, el = tranche_expected_loss(b, np.array([[70.0]]))
    >>> loss.tolist(), el.tolist()
    ([[[0.0, 15.0, 15.0]]], [[0.0, 0.6]])
    """
    n_paths = collections.shape[0]
    if book.spv.size == 0:
        return np.zeros((n_paths, 0, 3)), np.zeros((n_paths, book.contract_spv.size))
    result = waterfall_many(collections[:, book.spv], book.par)
    rate = result.loss / np.where(book.par > 0, book.par, 1.0)[None]
    mine = book.contract_spv >= 0
    el = np.zeros((n_paths, book.contract_spv.size))
    el[:, mine] = rate[:, book.contract_spv[mine], book.contract_tranche[mine]]
    return result.loss, np.clip(el, 0.0, 1.0)


def spv_tenants(book: SpvBook, holder: IntArray, obligor: IntArray, weight: FloatArray
                ) -> IntArray:
    """The main tenant or guarantor of each SPV: the obligor owing it the most, (s,).

    Parameters
    ----------
    book : SpvBook
    holder, obligor : ndarray of int, shape (m,)
    weight : ndarray of shape (m,)
        What each contract is worth to its holder (lease payments still to come, guarantee
        amounts; 0 for contracts that are not leases, commitments or guarantees).

    Returns
    -------
    ndarray of int, shape (s,)
        Entity index of each SPV's main tenant, ``-1`` if nobody owes it a lease or
        guarantee (its paper then rests on its collateral alone).

    >>> b = SpvBook(np.array([2]), np.zeros((1, 3)), np.array([-1, -1]), np.array([-1, -1]))
    >>> spv_tenants(b, np.array([2, 2]), np.array([0, 1]), np.array([5.0, 9.0])).tolist()
    [1]
    """
    out = np.full(book.spv.size, -1, dtype=np.int64)
    if book.spv.size == 0:
        return out
    # one pass over the contracts (a loop over SPVs scanned all m contracts per SPV)
    pos = np.full(int(max(book.spv.max(), holder.max(initial=-1))) + 1, -1, dtype=np.int64)
    pos[book.spv] = np.arange(book.spv.size)
    k = np.flatnonzero(holder >= 0)
    k = k[(pos[holder[k]] >= 0) & (weight[k] > 0)]
    if k.size == 0:
        return out
    n = int(obligor.max(initial=0)) + 1
    # each (SPV, obligor) total adds its contracts in contract order, as bincount per SPV did
    keys, owed = _totals(pos[holder[k]] * n + obligor[k], weight[k])
    spv, obl = keys // n, keys % n
    # per SPV: the largest total, the lowest obligor index among equals (argmax's choice)
    order = np.lexsort((obl, -owed, spv))
    first = order[np.r_[True, spv[order][1:] != spv[order][:-1]]]
    out[spv[first]] = obl[first]
    return out


def _totals(key: IntArray, weight: FloatArray) -> tuple[IntArray, FloatArray]:
    """Distinct keys (sorted) and the sum of ``weight`` for each, added in array order."""
    keys, group = np.unique(key, return_inverse=True)
    return keys, np.asarray(np.bincount(group, weights=weight, minlength=keys.size),
                            dtype=np.float64)


def tenant_mixture(book: SpvBook, survive: FloatArray, default: FloatArray, pd_tenant: FloatArray
                   ) -> tuple[FloatArray, FloatArray]:
    """Tranche losses when the SPV's main tenant survives or defaults, weighted by its PD.

    Lease-backed paper carries its tenant's credit: the notes are paid in full while the
    tenant pays rent and honours its guarantee, and get the recoveries when it defaults.

    Parameters
    ----------
    book : SpvBook
    survive, default : ndarray of shape (n_paths, n)
        Projected collections of each entity if the SPV's tenant survives / defaults.
    pd_tenant : ndarray of shape (n_paths, s)
        Default probability (10 years) of each SPV's main tenant (0 where it has none).

    Returns
    -------
    loss : ndarray of shape (n_paths, s, 3)
        Expected principal loss by SPV and tranche.
    el : ndarray of shape (n_paths, m)
        Expected loss as a share of par of each SPV contract.

    Notes
    -----
    ``EL = (1 - p) EL(C_survive) + p EL(C_default)``: a two-state version of the conditional
    expected loss, exact when the tenant is the only source of risk.

    >>> b = SpvBook(np.array([0]), np.array([[90.0, 0.0, 10.0]]), np.array([0]), np.array([0]))
    >>> loss, el = tenant_mixture(b, np.array([[100.0]]), np.array([[40.0]]), np.array([[0.1]]))
    >>> round(float(el[0, 0]), 4)
    0.0556
    """
    loss_s, el_s = tranche_expected_loss(book, survive)
    loss_d, el_d = tranche_expected_loss(book, default)
    p = pd_tenant[:, :, None]
    loss = (1.0 - p) * loss_s + p * loss_d
    mine = book.contract_spv >= 0
    p_c = np.zeros_like(el_s)
    p_c[:, mine] = pd_tenant[:, book.contract_spv[mine]]
    return loss, np.clip((1.0 - p_c) * el_s + p_c * el_d, 0.0, 1.0)
