"""GPU value from rentals: a GPU is worth its remaining rentals net of cash costs, plus salvage.

Two pure kernels, each with a slow reference twin the tests run against:

* :func:`rental_path` — the H100 rental price (USD per GPU-hour) quarter by quarter. The
  market-clearing rental moves with AI demand relative to the installed supply,
  ``p* = p_trend * (D / S) ** (1 / elasticity)``, the price closes a share ``adjust`` of its
  gap to ``p*`` each quarter, and it never falls below the cash cost of running the GPU
  (below it owners switch GPUs off rather than rent them).
* :func:`gpu_value` — the value of a GPU of each vintage: the rentals expected over its
  remaining economic life (the current rental mean-reverting to its trend, the trend
  declining as newer generations ship), times utilisation, net of power and operations,
  discounted, plus a salvage value at the end of its life. It has a floor (salvage) and it
  moves with rental prices: the collateral of GPU-backed loans.

Calibration (``../shared/CALIBRATION.md``; tests in ``tests/stress/test_gpu_rental.py``):

* **Break-even.** At a constant rental of USD 1.65/h (Latent Space, "GPU bubble": below it
  an H100 does not recoup its cost) a new GPU's value equals its cost: with the defaults
  below that cost is USD 31k, inside the USD 25-40k range of new H100 prices (trade
  press). ``CASH_COST_USD_H`` is solved from that condition, not chosen freely.
* **The 2023-2025 fall.** The rental fell from about USD 8 (2023 scarcity peak) to USD 1.70
  (October 2025, SemiAnalysis index as reported), -79%, while installed H100-equivalent
  supply outgrew demand. ``ELASTICITY`` is the ratio of the log supply/demand gap to the log
  price fall (:func:`implied_elasticity`), with supply from NVIDIA's data-centre revenue
  (bundled ``data/history/nvidia_datacenter_revenue.csv``: installed base x13.7 from
  2023Q2 to 2025Q3) and demand from seed 003's "AI services revenue up almost ninefold in two
  years" (x11.8 over the nine quarters), net of the H100's own generation step-downs. The
  implied elasticity is 0.12 if a dollar of NVIDIA revenue bought the same compute
  throughout and 0.46 if Blackwell gave 1.5x the compute per dollar; 0.3 is the value for
  1.25x (**assumption** within that measured range).
* **Start.** ``RENTAL_START_USD_H = 2.0``: the as-of date (2025-12-31) lies between the
  October 2025 low (1.70) and the March 2026 rebound (2.35); linear interpolation gives
  about 2.0 (**assumption**).
"""

from __future__ import annotations

from typing import Final

import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError

__all__ = [
    "ADJUST",
    "CARD_COST_USD",
    "CASH_COST_USD_H",
    "DISCOUNT_RATE",
    "ELASTICITY",
    "HOURS_PER_QUARTER",
    "INSTALLED_YEARS",
    "MEAN_REVERSION",
    "RENTAL_START_USD_H",
    "SALVAGE_SHARE",
    "UTILISATION",
    "gpu_value",
    "gpu_value_reference",
    "implied_elasticity",
    "rental_path",
    "rental_path_reference",
    "rental_step",
]

#: Hours in a quarter (365.25 * 24 / 4).
HOURS_PER_QUARTER: Final[float] = 2191.5
#: Share of hours a GPU is rented (**assumption**: large clusters on term contracts run near
#: full; spot fleets lower).
UTILISATION: Final[float] = 0.8
#: Cash cost of running a GPU, USD per hour (power at ~1 kW per GPU with cooling, hosting,
#: networking, staff). Solved so a new GPU breaks even at USD 1.65/h over a 5-year life
#: at cost USD 31k (0.448 rounded; the test recomputes it).
CASH_COST_USD_H: Final[float] = 0.45
#: Discount rate per year for rental cash flows (**assumption**: a BB-rated GPU lender's
#: cost of funds, in line with GPU-backed loan coupons of about 11%, compile.DEFAULT_RATE).
DISCOUNT_RATE: Final[float] = 0.10
#: Salvage value at the end of economic life, share of the card cost (**assumption**).
SALVAGE_SHARE: Final[float] = 0.05
#: New H100 card cost, USD (trade press range 25k-40k; mid-range).
CARD_COST_USD: Final[float] = 31_000.0
#: H100 rental at the as-of date, USD per GPU-hour (**assumption**, see module notes).
RENTAL_START_USD_H: Final[float] = 2.0
#: Price elasticity of the rental: log(D/S) per log(price). See :func:`implied_elasticity`.
ELASTICITY: Final[float] = 0.3
#: Installed GPU base at the start, in years of planned AI capex (**assumption**: the H100/
#: Blackwell fleet was bought over about two years, 2024-2025).
INSTALLED_YEARS: Final[float] = 2.0
#: Share of its gap to the clearing rental the market rental closes per quarter
#: (**assumption**: spot prices adjust within two quarters; term contracts slower).
ADJUST: Final[float] = 0.5
#: Share of its gap to the expected path a rental forecast closes per quarter (**assumption**:
#: half-life of about three quarters, the length of the 2025 low before the 2026 rebound).
MEAN_REVERSION: Final[float] = 0.2


def implied_elasticity(price_ratio: float, demand_growth: float, supply_growth: float) -> float:
    """Elasticity that turns a demand/supply change into a price change: ``ln(D/S) / ln(P)``.

    Parameters
    ----------
    price_ratio : float
        Price at the end over price at the start (0.2125 for USD 8 -> 1.70).
    demand_growth, supply_growth : float
        Demand and supply at the end over the start (e.g. 9 and 12).

    Examples
    --------
    >>> round(implied_elasticity(0.5, 1.0, 2.0), 3)
    1.0
    """
    if price_ratio <= 0 or price_ratio == 1 or demand_growth <= 0 or supply_growth <= 0:
        raise ScenarioError("implied_elasticity: ratios must be positive and the price must move")
    return float(np.log(demand_growth / supply_growth) / np.log(price_ratio))


def rental_path(
    demand: FloatArray, supply: FloatArray, trend: FloatArray, *, start: float,
    elasticity: float, adjust: float, floor: float,
) -> FloatArray:
    """Rental price per GPU-hour for each path and quarter.

    Parameters
    ----------
    demand, supply : ndarray of shape (n_paths, quarters)
        AI demand and installed supply relative to the path priced in at the start (1 = as
        planned).
    trend : ndarray of shape (quarters,)
        The rental on the planned path relative to ``start`` (older vintages rent for less
        as new generations ship).
    start : float
        Rental at the start, USD/h (> 0).
    elasticity : float
        ``d ln(D/S) / d ln(p)`` (> 0); the smaller, the more the price swings.
    adjust : float
        Share of the gap to the clearing price closed per quarter, in (0, 1].
    floor : float
        Cash cost, USD/h (>= 0): the rental never goes below it.

    Returns
    -------
    ndarray of shape (n_paths, quarters)

    Notes
    -----
    ``p*_t = start * trend_t * (D_t / S_t) ** (1 / elasticity)``;
    ``p_t = max(floor, p_{t-1} + adjust (p*_t - p_{t-1}))`` with ``p_{-1} = start``.

    Examples
    --------
    >>> rental_path(np.array([[1.0, 0.5]]), np.ones((1, 2)), np.ones(2), start=2.0,
    ...             elasticity=1.0, adjust=1.0, floor=0.4).tolist()
    [[2.0, 1.0]]
    """
    _check_rental(demand, supply, trend, start, elasticity, adjust, floor)
    out = np.empty_like(demand)
    p = np.full(demand.shape[0], start)
    for t in range(demand.shape[1]):  # one loop over quarters; paths are an array axis
        p = rental_step(p, demand[:, t], supply[:, t], float(trend[t]), start=start,
                        elasticity=elasticity, adjust=adjust, floor=floor)
        out[:, t] = p
    return out


def rental_step(previous: FloatArray, demand: FloatArray, supply: FloatArray, trend: float, *,
                start: float, elasticity: FloatArray | float, adjust: float,
                floor: float) -> FloatArray:
    """One quarter of :func:`rental_path`: the rental (n_paths,) after ``previous``.

    >>> rental_step(np.array([2.0]), np.array([0.5]), np.array([1.0]), 1.0, start=2.0,
    ...             elasticity=1.0, adjust=0.5, floor=0.4).tolist()
    [1.5]
    """
    target = start * trend * (demand / supply) ** (1.0 / np.asarray(elasticity))
    return np.asarray(np.maximum(floor, previous + adjust * (target - previous)),
                      dtype=np.float64)


def rental_path_reference(
    demand: FloatArray, supply: FloatArray, trend: FloatArray, *, start: float,
    elasticity: float, adjust: float, floor: float,
) -> FloatArray:
    """Slow, obvious twin of :func:`rental_path` (scalar loops over paths and quarters)."""
    n_paths, quarters = demand.shape
    out = np.zeros((n_paths, quarters))
    for i in range(n_paths):
        p = start
        for t in range(quarters):
            clearing = start * trend[t] * (demand[i, t] / supply[i, t]) ** (1.0 / elasticity)
            p = p + adjust * (clearing - p)
            p = max(p, floor)
            out[i, t] = p
    return out


def gpu_value(
    rental: FloatArray, trend_now: FloatArray, age_quarters: FloatArray, *,
    life_quarters: FloatArray | float, decline: FloatArray | float,
    reversion: float = MEAN_REVERSION,
    utilisation: float = UTILISATION, cash_cost: float = CASH_COST_USD_H,
    rate: float = DISCOUNT_RATE, salvage: float = SALVAGE_SHARE * CARD_COST_USD,
) -> FloatArray:
    """Value of one GPU of each vintage (USD): remaining rentals net of cash cost, plus salvage.

    Parameters
    ----------
    rental : ndarray of shape (n_paths,)
        Current rental, USD per GPU-hour, of the vintage the rental series describes.
    trend_now : ndarray of shape (n_paths,)
        The rental the planned path expects now (the forecast reverts to it).
    age_quarters : ndarray of shape (k,) or (n_paths, k)
        Age of each vintage (>= 0); older vintages have less life left.
    life_quarters : float or ndarray of shape (n_paths,)
        Economic life (> 0).
    decline : float or ndarray of shape (n_paths,)
        Per-quarter factor of the expected rental as newer generations ship, in (0, 1].
    reversion : float
        Share of the gap to trend a forecast closes per quarter, in [0, 1].
    utilisation, cash_cost, rate, salvage : float
        Share of hours rented; USD per hour to run; discount rate per year; USD at end of life.

    Returns
    -------
    ndarray of shape (n_paths, k)

    Notes
    -----
    With ``L = max(life - age, 0)`` quarters left and quarterly discount ``q = (1+r)^(-1/4)``,
    ``E_h = (trend + (rental - trend) (1 - reversion)^h) decline^h`` and
    ``V = sum_{h=1}^{L} max(u E_h - c, 0) H q^h + salvage q^L``.

    Examples
    --------
    >>> v = gpu_value(np.array([1.65]), np.array([1.65]), np.array([0.0]), life_quarters=20,
    ...               decline=1.0)
    >>> 25_000 < float(v[0, 0]) < 40_000
    True
    """
    n_paths = np.asarray(rental).shape[0]
    life = np.broadcast_to(np.asarray(life_quarters, dtype=np.float64), (n_paths,))
    dec = np.broadcast_to(np.asarray(decline, dtype=np.float64), (n_paths,))
    _check_value(rental, age_quarters, life, dec, reversion, utilisation, rate)
    h = np.arange(1, int(np.ceil(life.max())) + 1, dtype=np.float64)  # (H,)
    q = (1.0 + rate) ** -0.25
    gap = (rental - trend_now)[:, None] * (1.0 - reversion) ** h[None, :]
    expected = (trend_now[:, None] + gap) * dec[:, None] ** h[None, :]  # (n_paths, H)
    margin = np.maximum(utilisation * expected - cash_cost, 0.0) * HOURS_PER_QUARTER * q**h
    age = np.broadcast_to(np.asarray(age_quarters, dtype=np.float64),
                          (n_paths, np.shape(age_quarters)[-1]))
    left = np.maximum(life[:, None] - age, 0.0)  # (n_paths, k)
    alive = h[None, None, :] <= left[:, :, None] + 1e-9  # (n_paths, k, H)
    rentals = np.einsum("ph,pkh->pk", margin, alive.astype(np.float64))
    return np.asarray(rentals + salvage * q**left, dtype=np.float64)


def gpu_value_reference(
    rental: FloatArray, trend_now: FloatArray, age_quarters: FloatArray, *,
    life_quarters: float, decline: float, reversion: float = MEAN_REVERSION,
    utilisation: float = UTILISATION, cash_cost: float = CASH_COST_USD_H,
    rate: float = DISCOUNT_RATE, salvage: float = SALVAGE_SHARE * CARD_COST_USD,
) -> FloatArray:
    """Slow, obvious twin of :func:`gpu_value` (loops over paths, vintages and quarters)."""
    ages = np.asarray(age_quarters, dtype=np.float64)
    out = np.zeros((rental.size, ages.shape[-1]))
    q = (1.0 + rate) ** -0.25
    for i, p in enumerate(rental):
        life = float(np.broadcast_to(life_quarters, rental.shape)[i])
        dec = float(np.broadcast_to(decline, rental.shape)[i])
        for j in range(ages.shape[-1]):
            age = float(ages[i, j] if ages.ndim == 2 else ages[j])
            left = max(life - age, 0.0)
            total = 0.0
            h = 1
            while h <= left + 1e-9:
                e = (trend_now[i] + (p - trend_now[i]) * (1.0 - reversion) ** h) * dec**h
                total += max(utilisation * e - cash_cost, 0.0) * HOURS_PER_QUARTER * q**h
                h += 1
            out[i, j] = total + salvage * q**left
    return out


def _check_rental(demand: FloatArray, supply: FloatArray, trend: FloatArray, start: float,
                  elasticity: float, adjust: float, floor: float) -> None:
    if demand.shape != supply.shape or demand.ndim != 2 or trend.shape != demand.shape[1:]:
        raise ScenarioError("rental_path: demand and supply must be (n_paths, quarters) and "
                            "trend (quarters,)")
    if np.any(demand <= 0) or np.any(supply <= 0) or np.any(trend <= 0):
        raise ScenarioError("rental_path: demand, supply and trend must be > 0")
    if start <= 0 or elasticity <= 0 or not 0 < adjust <= 1 or floor < 0:
        raise ScenarioError(
            "rental_path: need start > 0, elasticity > 0, 0 < adjust <= 1 and floor >= 0, got "
            f"{start}, {elasticity}, {adjust}, {floor}")


def _check_value(rental: FloatArray, age: FloatArray, life: FloatArray, decline: FloatArray,
                 reversion: float, utilisation: float, rate: float) -> None:
    if np.any(np.asarray(rental) < 0) or np.any(np.asarray(age) < 0):
        raise ScenarioError("gpu_value: rentals and ages must be >= 0")
    bad_decline = np.any(decline <= 0) or np.any(decline > 1)
    if np.any(life <= 0) or bad_decline or not 0 <= reversion <= 1:
        raise ScenarioError("gpu_value: need life > 0, 0 < decline <= 1, 0 <= reversion <= 1")
    if not 0 < utilisation <= 1 or rate <= -1:
        raise ScenarioError("gpu_value: need 0 < utilisation <= 1 and rate > -1")
