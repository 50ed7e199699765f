"""DebtRank: distress propagation through balance-sheet claims (single-hit variant).

Convention: ``assets[i, j]`` is the claim of ``i`` on ``j`` (what ``j`` owes ``i``), the
``A[holder, obligor]`` of :meth:`bubblescope.model.web.Web.adjacency`. Distress of ``j``
hits ``i`` through the impact ``W[i, j] = min(1, assets[i, j] / capital[i])``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from bubblescope.model._typing import FloatArray, IntArray
from bubblescope.model.errors import ScenarioError

__all__ = ["DebtRankResult", "debtrank", "debtrank_reference"]


@dataclass(frozen=True)
class DebtRankResult:
    """Final distress on every path.

    Attributes
    ----------
    h : ndarray of shape (n_paths, n)
        Final relative equity loss of each entity, in [0, 1] (1 = default).
    h0 : ndarray of shape (n_paths, n)
        Initial shock.
    value : ndarray of shape (n,)
        Relative economic value ``v`` (sums to 1).
    steps : int
        Propagation steps until no entity was distressed (maximum over paths).
    """

    h: FloatArray
    h0: FloatArray
    value: FloatArray
    steps: int

    @property
    def additional_stress(self) -> FloatArray:
        """``v·h − v·h0`` per path, shape (n_paths,): the DebtRank of the shock."""
        return np.asarray((self.h - self.h0) @ self.value, dtype=np.float64)

    @property
    def total_stress(self) -> FloatArray:
        """``v·h`` per path, shape (n_paths,)."""
        return np.asarray(self.h @ self.value, dtype=np.float64)

    @property
    def additional_defaults(self) -> IntArray:
        """Entities at ``h = 1`` that were not at the start, shape (n_paths,)."""
        gone = (self.h >= 1.0).sum(axis=1) - (self.h0 >= 1.0).sum(axis=1)
        return np.asarray(gone, dtype=np.int64)

    def __str__(self) -> str:
        s = self.additional_stress
        return (
            f"DebtRankResult: {self.h.shape[0]} path(s) x {self.h.shape[1]} entities; "
            f"additional stress mean {float(s.mean()):.4g}, max {float(s.max()):.4g}; "
            f"steps {self.steps}"
        )


def debtrank(
    assets: FloatArray | sparse.sparray,
    capital: FloatArray,
    value: FloatArray,
    h0: FloatArray,
) -> DebtRankResult:
    """Propagate an initial shock by single-hit DebtRank, batched over paths.

    Parameters
    ----------
    assets : ndarray or scipy sparse array of shape (n, n)
        ``assets[i, j]`` = claim of ``i`` on ``j`` (>= 0). A sparse array keeps it sparse.
    capital : ndarray of shape (n,)
        Equity ``E`` of each entity (> 0).
    value : ndarray of shape (n,)
        Economic weight of each entity (>= 0, not all zero); normalised to ``v``.
    h0 : ndarray of shape (n_paths, n)
        Initial relative equity loss in [0, 1].

    Returns
    -------
    DebtRankResult

    Notes
    -----
    States undistressed → distressed → inactive. A distressed entity passes its whole
    distress once, ``h_i(t) = min(1, h_i(t-1) + sum_{j distressed} W_ij h_j(t-1))``, then
    becomes inactive (it still receives distress). Entities with ``h0 > 0`` start distressed.

    References
    ----------
    Battiston, S., Puliga, M., Kaushik, R., Tasca, P., Caldarelli, G. (2012). DebtRank:
    too central to fail? Scientific Reports 2, 541.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[0, 1, 0], [10, 0, 3], [3, 2, 0]], dtype=float)
    >>> r = debtrank(A, np.array([2.0, 5, 2]), np.array([10.0, 100, 30]),
    ...              np.array([[0.0, 0, 1]]))
    >>> r.h.round(6).tolist()
    [[0.3, 0.9, 1.0]]
    """
    impact, v, shock = _prepare(assets, capital, value, h0)
    h = shock.copy()
    distressed = h > 0.0
    inactive = np.zeros_like(distressed)
    steps = 0
    while distressed.any():
        steps += 1
        spread = np.where(distressed, h, 0.0)
        h = np.minimum(1.0, h + np.asarray((impact @ spread.T).T))
        inactive |= distressed
        distressed = (h > 0.0) & ~inactive
    return DebtRankResult(h, shock, v, steps)


def debtrank_reference(
    assets: FloatArray, capital: FloatArray, value: FloatArray, h0: FloatArray
) -> DebtRankResult:
    """Single-hit DebtRank path by path with plain loops: the twin of :func:`debtrank`."""
    impact, v, shock = _prepare(np.asarray(assets, dtype=np.float64), capital, value, h0)
    w = np.asarray(impact)
    n_paths, n = shock.shape
    out, most = np.zeros_like(shock), 0
    for p in range(n_paths):
        h = [float(x) for x in shock[p]]
        state = ["D" if x > 0 else "U" for x in h]
        steps = 0
        while "D" in state:
            steps += 1
            new = [min(1.0, h[i] + sum(w[i, j] * h[j] for j in range(n) if state[j] == "D"))
                   for i in range(n)]
            state = ["I" if s in "DI" else ("D" if new[i] > 0 else "U")
                     for i, s in enumerate(state)]
            h = new
        out[p], most = h, max(most, steps)
    return DebtRankResult(out, shock, v, most)


def _prepare(
    assets: FloatArray | sparse.sparray, capital: FloatArray, value: FloatArray, h0: FloatArray
) -> tuple[FloatArray | sparse.csr_array, FloatArray, FloatArray]:
    cap = np.asarray(capital, dtype=np.float64)
    val = np.asarray(value, dtype=np.float64)
    shock = np.array(h0, dtype=np.float64, ndmin=2)
    n = cap.shape[0]
    if assets.shape != (n, n) or val.shape != (n,) or shock.shape[1] != n:
        raise ScenarioError(
            f"debtrank: 'assets' must be ({n}, {n}), 'value' ({n},), 'h0' (n_paths, {n}); got "
            f"{assets.shape}, {val.shape}, {shock.shape}"
        )
    _check_values(cap, val, shock)
    if sparse.issparse(assets):
        a = sparse.csr_array(assets, dtype=np.float64)
        if a.data.size and a.data.min() < 0:
            raise ScenarioError("debtrank: every 'assets' entry must be >= 0")
        w = sparse.csr_array(sparse.diags_array(1.0 / cap) @ a)
        w.data = np.minimum(w.data, 1.0)
        return w, val / val.sum(), shock
    dense = np.asarray(assets, dtype=np.float64)
    if np.any(dense < 0):
        raise ScenarioError("debtrank: every 'assets' entry must be >= 0")
    return np.minimum(1.0, dense / cap[:, None]), val / val.sum(), shock


def _check_values(cap: FloatArray, val: FloatArray, shock: FloatArray) -> None:
    if not np.all(np.isfinite(cap) & (cap > 0)):
        raise ScenarioError(f"debtrank: every 'capital' must be finite and > 0, got {cap.min()}")
    if not (np.all(val >= 0) and val.sum() > 0):
        raise ScenarioError("debtrank: 'value' must be >= 0 and not all zero")
    if not np.all((shock >= 0) & (shock <= 1)):
        raise ScenarioError("debtrank: every 'h0' must lie in [0, 1]")
