"""GPU collateral under loan-to-value covenants: the fire-sale spiral within a quarter.

Seed 003 (Advait Arun, Center for Public Enterprise, quoted in The Atlantic, Dec 2025):
loans secured on GPUs breach their covenants when GPU values fall, lenders seize and sell
the chips, the sales depress GPU prices further and push more loans into breach.
:func:`fire_sale` solves that spiral to its fixed point; :func:`fire_sale_reference` is its
slow twin. The value of a vintage without a crash is
:func:`~bubblescope.stress.kernels.gpu_value.gpu_value`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray
from bubblescope.model.errors import ConvergenceError, ScenarioError

__all__ = ["FireSaleResult", "fire_sale", "fire_sale_reference", "sale_needed"]

ImpactModel = Literal["exponential", "linear"]


@dataclass(frozen=True)
class FireSaleResult:
    """The fixed point of forced GPU sales within a quarter.

    Attributes
    ----------
    price : ndarray of shape (n_paths,)
        GPU price per unit after the sales.
    sold : ndarray of shape (n_paths, k)
        Units sold by each loan (borrower) to restore its LTV covenant.
    breached : ndarray of bool, shape (n_paths, k)
        Loans whose covenant was breached at the final price (those that sold).
    iterations : int
        Rounds of the spiral until the price settled (maximum over paths).
    """

    price: FloatArray
    sold: FloatArray
    breached: BoolArray
    iterations: int

    @property
    def proceeds(self) -> FloatArray:
        """Cash raised (and debt repaid) by each loan, shape (n_paths, k)."""
        return np.asarray(self.sold * self.price[:, None], dtype=np.float64)

    def __str__(self) -> str:
        return (
            f"FireSaleResult: {self.price.shape[0]} path(s) x {self.sold.shape[1]} loans; "
            f"mean price {float(self.price.mean()):.4g}, mean units sold "
            f"{float(self.sold.sum(axis=1).mean()):.4g}, breached share "
            f"{float(self.breached.mean()):.3g}, iterations {self.iterations}"
        )


def fire_sale(
    units: FloatArray,
    debt: FloatArray,
    ltv_max: FloatArray,
    price: FloatArray,
    *,
    impact: float,
    market_depth: float,
    impact_model: ImpactModel = "exponential",
    max_iter: int = 10_000,
    tol: float = 1e-12,
) -> FireSaleResult:
    """Solve the within-quarter spiral of covenant breaches, forced sales and price impact.

    Parameters
    ----------
    units : ndarray of shape (n_paths, k)
        GPUs pledged to each loan (>= 0).
    debt : ndarray of shape (n_paths, k)
        Debt outstanding on each loan (>= 0), in the unit of ``price``.
    ltv_max : ndarray of shape (k,)
        Loan-to-value covenant of each loan, in (0, 1).
    price : ndarray of shape (n_paths,)
        GPU price per unit before forced sales (after the quarter's shock), > 0.
    impact : float
        Price-impact coefficient (>= 0).
    market_depth : float
        Units the market absorbs per unit of ``impact`` (> 0).
    impact_model : {"exponential", "linear"}
        ``q(S) = price * exp(-impact * S / depth)`` (Cifuentes, Ferrucci, Shin 2005) or
        ``q(S) = price * max(0, 1 - impact * S / depth)`` (Greenwood, Landier, Thesmar 2015),
        with ``S`` the total units sold on the path.
    max_iter : int
        Cap on rounds; exceeding it raises ``ConvergenceError``.
    tol : float
        Stop when total units sold change by less than ``tol * (1 + sum(units))``.

    Returns
    -------
    FireSaleResult

    Notes
    -----
    At price ``q`` a loan with ``debt > ltv * units * q`` sells the least ``s`` that restores
    the covenant, ``(debt - q s) <= ltv (units - s) q``, i.e.
    ``s = min(units, (debt - ltv units q) / (q (1 - ltv)))``; the proceeds repay debt.
    Starting from no sales, ``S_{t+1} = sum_k s_k(q(S_t))`` rises monotonically to the
    least fixed point ``S* = sum_k s_k(q(S*))``: the first equilibrium the spiral reaches.

    Examples
    --------
    >>> r = fire_sale(np.array([[10.0, 10.0]]), np.array([[8.0, 5.0]]), np.array([0.8, 0.8]),
    ...               np.array([0.9]), impact=0.1, market_depth=10.0)
    >>> r.breached.tolist(), bool(r.price[0] < 0.9)
    ([[True, False]], True)
    """
    u, d, ltv, p0 = _check_sale(units, debt, ltv_max, price, impact, market_depth)
    total = np.zeros(p0.shape)
    scale = tol * (1.0 + u.sum(axis=1))
    active = np.ones(p0.shape, dtype=np.bool_)
    iterations = 0
    while active.any():
        if iterations >= max_iter:
            raise ConvergenceError(f"fire_sale: no fixed point within max_iter={max_iter} rounds")
        iterations += 1
        q = _price(p0, total, impact, market_depth, impact_model)
        new_total = sale_needed(u, d, ltv, q).sum(axis=1)
        active = np.abs(new_total - total) > scale
        total = np.where(active, new_total, total)
    q = _price(p0, total, impact, market_depth, impact_model)
    sold = sale_needed(u, d, ltv, q)
    return FireSaleResult(q, sold, sold > 0.0, iterations)


def sale_needed(units: FloatArray, debt: FloatArray, ltv_max: FloatArray, price: FloatArray
                ) -> FloatArray:
    """Units each loan must sell at ``price`` to meet its covenant, shape (n_paths, k).

    ``price`` has shape (n_paths,); a price of 0 means selling everything pledged.
    """
    q = np.asarray(price, dtype=np.float64)[:, None]
    gap = debt - ltv_max * units * q
    with np.errstate(divide="ignore", invalid="ignore"):
        need = np.where(q > 0, gap / (q * (1.0 - ltv_max)), np.inf)
    return np.asarray(np.where(gap > 0, np.minimum(units, need), 0.0), dtype=np.float64)


def fire_sale_reference(
    units: FloatArray,
    debt: FloatArray,
    ltv_max: FloatArray,
    price: FloatArray,
    *,
    impact: float,
    market_depth: float,
    impact_model: ImpactModel = "exponential",
    max_iter: int = 10_000,
    tol: float = 1e-12,
) -> FireSaleResult:
    """Path-by-path, loan-by-loan loops of the same spiral: the twin of :func:`fire_sale`."""
    u, d, ltv, p0 = _check_sale(units, debt, ltv_max, price, impact, market_depth)
    prices, sold_rows, most = [], [], 0
    for p in range(p0.size):
        total, it = 0.0, 0
        while True:
            it += 1
            q = _scalar_price(float(p0[p]), total, impact, market_depth, impact_model)
            sold = [_one_loan(float(u[p, j]), float(d[p, j]), float(ltv[j]), q)
                    for j in range(u.shape[1])]
            if abs(sum(sold) - total) <= tol * (1.0 + float(u[p].sum())) or it > max_iter:
                break
            total = sum(sold)
        q = _scalar_price(float(p0[p]), total, impact, market_depth, impact_model)
        prices.append(q)
        sold_rows.append([_one_loan(float(u[p, j]), float(d[p, j]), float(ltv[j]), q)
                          for j in range(u.shape[1])])
        most = max(most, it)
    sold_arr = np.array(sold_rows, dtype=np.float64).reshape(u.shape)
    return FireSaleResult(np.array(prices), sold_arr, sold_arr > 0.0, most)


def _one_loan(units: float, debt: float, ltv: float, q: float) -> float:
    if debt <= ltv * units * q:
        return 0.0
    return units if q <= 0 else min(units, (debt - ltv * units * q) / (q * (1.0 - ltv)))


def _scalar_price(p0: float, sold: float, impact: float, depth: float, model: ImpactModel
                  ) -> float:
    if model == "exponential":
        return p0 * float(np.exp(-impact * sold / depth))
    return p0 * max(0.0, 1.0 - impact * sold / depth)


def _price(p0: FloatArray, sold: FloatArray, impact: float, depth: float, model: ImpactModel
           ) -> FloatArray:
    if model == "exponential":
        return np.asarray(p0 * np.exp(-impact * sold / depth), dtype=np.float64)
    return np.asarray(p0 * np.maximum(0.0, 1.0 - impact * sold / depth), dtype=np.float64)


def _check_sale(
    units: FloatArray, debt: FloatArray, ltv_max: FloatArray, price: FloatArray,
    impact: float, depth: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    u, d = np.asarray(units, dtype=np.float64), np.asarray(debt, dtype=np.float64)
    ltv, p0 = np.asarray(ltv_max, dtype=np.float64), np.asarray(price, dtype=np.float64)
    if u.ndim != 2 or d.shape != u.shape or ltv.shape != (u.shape[1],) or p0.shape != (u.shape[0],):
        raise ScenarioError(
            "fire_sale: need 'units' and 'debt' (n_paths, k), 'ltv_max' (k,), 'price' "
            f"(n_paths,); got {u.shape}, {d.shape}, {ltv.shape}, {p0.shape}"
        )
    rules = [
        ("units", bool(np.all(np.isfinite(u) & (u >= 0))), "be finite and >= 0"),
        ("debt", bool(np.all(np.isfinite(d) & (d >= 0))), "be finite and >= 0"),
        ("ltv_max", bool(np.all((ltv > 0) & (ltv < 1))), "lie in (0, 1)"),
        ("price", bool(np.all(np.isfinite(p0) & (p0 > 0))), "be finite and > 0"),
        ("impact", bool(impact >= 0), "be >= 0"),
        ("market_depth", bool(depth > 0), "be > 0"),
    ]
    for name, ok, rule in rules:
        if not ok:
            raise ScenarioError(f"fire_sale: every {name!r} must {rule}")
    return u, d, ltv, p0
