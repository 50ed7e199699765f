"""A validated obligation network in the clearing kernels' layout, and the clearing result.

:func:`prepare` checks an edge list (see :mod:`bubblescope.stress.kernels.clearing`) and lays
it out entity/contract first, path last, with the (obligor, seniority class) groups the
kernels sweep; every kernel (flat, blocked, reference) reads a :class:`Net` and returns a
:class:`ClearingResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.model.errors import ScenarioError

__all__ = ["ClearingResult", "Net", "Topology", "prepare", "topology"]


@dataclass(frozen=True)
class ClearingResult:
    """Outcome of clearing a network on every path.

    Attributes
    ----------
    payments : ndarray of shape (n_paths, m)
        Amount actually paid on each contract.
    paid : ndarray of shape (n_paths, n)
        Total paid by each entity (the clearing vector ``P``).
    received : ndarray of shape (n_paths, n)
        Total received by each entity from its obligors inside the system.
    equity : ndarray of shape (n_paths, n)
        ``external + received - due`` for a solvent entity (``>= 0``); for a defaulter the
        value it realises after default costs minus what it owes,
        ``alpha * external + beta * received - due`` (``< 0``).
    defaulted : ndarray of bool, shape (n_paths, n)
        Whether the entity could not pay all it owes.
    default_round : ndarray of int, shape (n_paths, n)
        Round (1-based) of the fictitious default algorithm in which the entity defaulted,
        ``-1`` if it never did: the order of defaults.
    rounds : int
        Number of rounds in which some path saw a new default (maximum over paths).
    iterations : int
        Total inner fixed-point sweeps (a cost measure).
    round_seconds : tuple of float
        Wall time of each round, for benchmarks (not part of equality).
    """

    payments: FloatArray
    paid: FloatArray
    received: FloatArray
    equity: FloatArray
    defaulted: BoolArray
    default_round: IntArray
    rounds: int
    iterations: int = 0
    round_seconds: tuple[float, ...] = field(default=(), compare=False, repr=False)

    @property
    def n_defaults(self) -> IntArray:
        """Number of defaulting entities on each path, shape (n_paths,)."""
        return np.asarray(self.defaulted.sum(axis=1), dtype=np.int64)

    def __str__(self) -> str:
        n_paths, n = self.paid.shape
        mean = float(self.n_defaults.mean()) if n_paths else 0.0
        return (
            f"ClearingResult: {n_paths} path(s) x {n} entities, {self.payments.shape[1]} "
            f"contracts; mean defaults {mean:.3g}, rounds {self.rounds}, "
            f"sweeps {self.iterations}"
        )


@dataclass(frozen=True)
class Net:
    """Validated network in the kernels' layout: entity/contract first, path last."""

    obligor: IntArray  # (m,)
    holder: IntArray  # (m,)
    due: FloatArray  # (m, npd), npd in {1, n_paths}
    rank: IntArray  # (m,)
    group: IntArray  # (m,) index of the (obligor, rank) class of each contract
    g_obligor: IntArray  # (G,)
    g_due: FloatArray  # (G, npd) total due of the class
    g_before: FloatArray  # (G, npd) total due of the obligor's more senior classes
    g_inv: FloatArray  # (G, npd) 1 / g_due, 0 where nothing is due
    pbar: FloatArray  # (n, npd)
    h_ptr: IntArray  # (n + 1,) CSR pointer of contracts by holder
    h_order: IntArray  # contracts with a holder inside, sorted by holder
    e: FloatArray  # (n, n_paths)
    alpha: FloatArray  # (n, n_paths)
    beta: FloatArray  # (n, n_paths)
    to_holder: sparse.csr_array  # (n, m) contracts held inside summed into their holders

    @property
    def stride(self) -> int:
        """1 when ``due`` varies by path, else 0 (path ``p`` reads column ``p * stride``)."""
        return 1 if self.due.shape[1] > 1 else 0


@dataclass(frozen=True, eq=False)
class Topology:
    """What :func:`prepare` derives from the edge list alone (obligor, holder, rank, n):
    computed once by :func:`topology` and passed to every clearing of the same network.

    ``to_group`` sums contracts into their (obligor, seniority class) groups, ``to_ent``
    groups into obligors, ``to_holder`` the contracts held inside into their holders.
    """

    obligor: IntArray
    holder: IntArray
    rank: IntArray
    n: int
    group: IntArray
    g_obligor: IntArray
    to_group: sparse.csr_array
    to_ent: sparse.csr_array
    to_holder: sparse.csr_array
    h_ptr: IntArray
    h_order: IntArray


def topology(obligor: IntArray, holder: IntArray, rank: IntArray, n: int) -> Topology:
    """The :class:`Topology` of an edge list (validated as :func:`prepare` does)."""
    obl, hol, rk = (np.asarray(x, dtype=np.int64) for x in (obligor, holder, rank))
    _check(obl, hol, rk, np.zeros(obl.shape), np.zeros((1, n)), n)
    return _topology(obl, hol, rk, n)


def _topology(obl: IntArray, hol: IntArray, rk: IntArray, n: int) -> Topology:
    key = obl * (int(rk.max(initial=0)) + 1) + rk
    keys, group = np.unique(key, return_inverse=True)
    g_obl = keys // (int(rk.max(initial=0)) + 1)
    to_group = sparse.csr_array(
        (np.ones(obl.size), (group, np.arange(obl.size))), shape=(keys.size, obl.size)
    )
    to_ent = sparse.csr_array(
        (np.ones(keys.size), (g_obl, np.arange(keys.size))), shape=(n, keys.size)
    )
    inside = np.flatnonzero(hol >= 0)
    h_order = inside[np.argsort(hol[inside], kind="stable")]
    h_ptr = np.concatenate(([0], np.cumsum(np.bincount(hol[inside], minlength=n))))
    to_holder = sparse.csr_array((np.ones(h_order.size), (hol[h_order], h_order)),
                                 shape=(n, obl.size))
    return Topology(obl, hol, rk, n, group.astype(np.int64).reshape(-1),
                    g_obl.astype(np.int64), to_group, to_ent, to_holder,
                    h_ptr.astype(np.int64), h_order.astype(np.int64))


def prepare(
    obligor: IntArray,
    holder: IntArray,
    due: FloatArray,
    rank: IntArray,
    external_assets: FloatArray,
    n: int,
    alpha: float | FloatArray,
    beta: float | FloatArray,
    topo: Topology | None = None,
) -> Net:
    """Validate a network and lay it out for the kernels.

    ``topo`` (:func:`topology` of the same ``obligor``, ``holder``, ``rank`` and ``n``)
    skips what depends on the edge list alone; then only ``due`` and ``external_assets``
    are checked.
    """
    e = np.asarray(external_assets, dtype=np.float64)
    dues = np.asarray(due, dtype=np.float64)
    if topo is None:
        obl, hol, rk = (np.asarray(x, dtype=np.int64) for x in (obligor, holder, rank))
        _check(obl, hol, rk, dues, e, n)
        topo = _topology(obl, hol, rk, n)
    else:
        _check_flows(topo.obligor.shape[0], dues, e, n)
    n_paths = e.shape[0]
    due_t = np.array(np.atleast_2d(dues).T, order="C")
    g_obl = topo.g_obligor
    g_due = np.asarray(topo.to_group @ due_t, dtype=np.float64).reshape(g_obl.size, -1)
    g_before = _senior_before(g_due, g_obl)
    pbar = np.asarray(topo.to_ent @ g_due, dtype=np.float64).reshape(n, -1)
    return Net(
        topo.obligor, topo.holder, due_t, topo.rank, topo.group, g_obl,
        np.ascontiguousarray(g_due), g_before,
        np.divide(1.0, g_due, out=np.zeros_like(g_due), where=g_due > 0),
        np.ascontiguousarray(pbar), topo.h_ptr, topo.h_order,
        np.ascontiguousarray(e.T),
        _per_entity("alpha", alpha, n_paths, n), _per_entity("beta", beta, n_paths, n),
        topo.to_holder,
    )


def _senior_before(g_due: FloatArray, g_obl: IntArray) -> FloatArray:
    """Total due of the more senior classes of the same obligor, shape (G, npd)."""
    excl = np.cumsum(g_due, axis=0) - g_due
    first = np.searchsorted(g_obl, g_obl, side="left")
    return np.ascontiguousarray(np.maximum(excl - excl[first], 0.0))


def _per_entity(name: str, x: float | FloatArray, n_paths: int, n: int) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    if not np.all((arr >= 0.0) & (arr <= 1.0)):
        raise ScenarioError(f"clear: {name!r} must lie in [0, 1], got {arr.min()}..{arr.max()}")
    try:
        full = np.broadcast_to(arr, (n_paths, n))
    except ValueError as exc:
        raise ScenarioError(
            f"clear: {name!r} must broadcast to (n_paths, n) = {(n_paths, n)}, got {arr.shape}"
        ) from exc
    return np.array(full.T, order="C")


def _check(obl: IntArray, hol: IntArray, rk: IntArray, due: FloatArray, e: FloatArray,
           n: int) -> None:
    m = obl.shape[0]
    shapes_ok = obl.ndim == 1 and hol.shape == obl.shape and rk.shape == obl.shape
    if not shapes_ok:
        raise ScenarioError(
            f"clear: 'obligor', 'holder', 'rank' must be 1-d of one length, got "
            f"{obl.shape}, {hol.shape}, {rk.shape}"
        )
    _check_shapes(m, due, e, n)
    _check_values(obl, hol, rk, due, e, n)


def _check_shapes(m: int, due: FloatArray, e: FloatArray, n: int) -> None:
    if e.ndim != 2 or e.shape[1] != n:
        raise ScenarioError(
            f"clear: 'external_assets' must have shape (n_paths, {n}), got {e.shape}"
        )
    if due.shape not in {(m,), (e.shape[0], m)}:
        raise ScenarioError(
            f"clear: 'due' must have shape ({m},) or {(e.shape[0], m)}, got {due.shape}"
        )


def _check_flows(m: int, due: FloatArray, e: FloatArray, n: int) -> None:
    """:func:`_check` of ``due`` and ``e`` alone (the edge list checked by :func:`topology`)."""
    _check_shapes(m, due, e, n)
    for name, ok in (("due", bool(np.all(np.isfinite(due) & (due >= 0)))),
                     ("external_assets", bool(np.all(np.isfinite(e) & (e >= 0))))):
        if not ok:
            raise ScenarioError(f"clear: every {name!r} must be finite and >= 0")


def _check_values(obl: IntArray, hol: IntArray, rk: IntArray, due: FloatArray, e: FloatArray,
                  n: int) -> None:
    rules = [
        ("obligor", bool(np.all((obl >= 0) & (obl < n))), f"be in [0, {n})"),
        ("holder", bool(np.all((hol >= -1) & (hol < n))), f"be in [-1, {n})"),
        ("holder", not bool(np.any(obl == hol)), "differ from 'obligor' (no self-claims)"),
        ("rank", bool(np.all(rk >= 0)), "be >= 0"),
        ("due", bool(np.all(np.isfinite(due) & (due >= 0))), "be finite and >= 0"),
        ("external_assets", bool(np.all(np.isfinite(e) & (e >= 0))), "be finite and >= 0"),
    ]
    for name, ok, rule in rules:
        if not ok:
            raise ScenarioError(f"clear: every {name!r} must {rule}")
