"""GPU values by vintage: wear over an economic life and step-downs at each new generation.

Seed 003 (Advait Arun, Center for Public Enterprise, quoted in The Atlantic, Dec 2025):
when a new chip generation ships the old one loses value; loans secured on GPUs breach their
covenants, lenders seize and sell the chips, the sales depress GPU prices further and push
more loans into breach. :func:`fire_sale` solves that spiral to its fixed point within a
quarter; :func:`gpu_value` gives the price path of a vintage without a crash.

Parameter sources (defaults of :func:`gpu_value`)
-------------------------------------------------
* ``economic_life_years = 4``: the useful economic life of a data-centre GPU is argued to be
  3–4 years (one to two Nvidia generations) by the critics quoted in seed 003 and in public
  commentary on hyperscaler depreciation (2025). Accounting lives are longer: Microsoft and
  Alphabet depreciate servers over 6 years (10-K, FY2023 / 2023), Meta over 5.5 years (10-K
  2024), Amazon shortened to 5 years in 2025 (10-K 2024), CoreWeave depreciates GPUs over
  6 years (S-1, March 2025). Pass ``economic_life_years=6, generation_step=0`` for book value.
* ``generation_years = 2``: Nvidia's data-centre architectures arrived about every two years
  (Volta 2017, Ampere 2020, Hopper 2022, Blackwell 2024, Rubin announced for 2026), with
  annual mid-cycle refreshes announced at Computex 2024.
* ``generation_step = 0.2`` (**assumption**): the extra fall in second-hand value when a new
  generation ships. Order of magnitude from public H100 rental prices, which fell from about
  $8/GPU-hour (2023) to about $2 (2025) — a fall of roughly three quarters over one
  generation plus two years of use, of which straight-line wear explains half.
* ``residual = 0.05`` (**assumption**): scrap/secondary-market floor as a share of cost.

The filings and prices above are cited from public reporting as recalled, not re-read in
this project: confirm them against the filings before quoting them in a report.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError

__all__ = ["RESIDUAL", "gpu_value", "vintage_factor"]

#: Scrap/secondary-market floor of a GPU's wear factor, share of cost (**assumption**).
RESIDUAL: Final[float] = 0.05


def gpu_value(
    cost: FloatArray | float,
    age_quarters: FloatArray | float,
    *,
    economic_life_years: float = 4.0,
    generation_years: float = 2.0,
    generation_step: float = 0.2,
    residual: float = RESIDUAL,
) -> FloatArray:
    """Value a GPU vintage: straight-line wear over its economic life and generation step-downs.

    Parameters
    ----------
    cost : float or ndarray
        Purchase cost (any currency unit; the result is in the same unit).
    age_quarters : float or ndarray, broadcastable against ``cost``
        Age in quarters (>= 0).
    economic_life_years : float
        Years until straight-line wear reaches the residual (> 0).
    generation_years : float
        Years between chip generations (> 0); each one multiplies value by
        ``1 - generation_step``.
    generation_step : float
        Fall in value per new generation, in [0, 1).
    residual : float
        Floor of the wear factor as a share of cost, in [0, 1].

    Returns
    -------
    ndarray
        ``cost * max(residual, 1 - age / life) * (1 - step) ** floor(age / generation_years)``.

    Examples
    --------
    >>> gpu_value(100.0, [0, 4, 8, 16]).round(2).tolist()
    [100.0, 75.0, 40.0, 3.2]
    >>> gpu_value(100.0, 8, economic_life_years=6, generation_step=0).round(2).tolist()
    66.67
    """
    _check_value_params("gpu_value", economic_life_years, generation_years, generation_step,
                        residual)
    age = np.asarray(age_quarters, dtype=np.float64)
    if np.any(age < 0):
        raise ScenarioError("gpu_value: every 'age_quarters' must be >= 0")
    return np.asarray(np.asarray(cost, dtype=np.float64) * _vintage(
        age, np.asarray(economic_life_years), np.asarray(generation_years),
        np.asarray(generation_step), residual), dtype=np.float64)


def vintage_factor(
    age_start: FloatArray, age_now: FloatArray, economic_life_years: FloatArray,
    generation_years: FloatArray, generation_step: FloatArray, residual: float = RESIDUAL,
) -> FloatArray:
    """Value of each vintage now relative to its value at the start: the :func:`gpu_value` law.

    The engine knows each GPU-backed loan's collateral at the start (``amount / ltv``); this
    factor carries it forward by the vintage's own age, so an older fleet nears the end of its
    economic life and its next generation step-down sooner than a new one.

    Parameters
    ----------
    age_start, age_now : ndarray, broadcastable (e.g. (k,) and (n_paths, k))
        Age in quarters at the start and now (>= 0).
    economic_life_years, generation_years, generation_step : ndarray
        Parameters of :func:`gpu_value`, broadcastable (e.g. one per path, shape (n_paths, 1)).
    residual : float

    Examples
    --------
    >>> vintage_factor(np.array([0.0, 8.0]), np.array([4.0, 12.0]), np.array(4.0),
    ...                np.array(2.0), np.array(0.2)).round(4).tolist()
    [0.75, 0.5]
    """
    a0 = np.asarray(age_start, dtype=np.float64)
    a1 = np.asarray(age_now, dtype=np.float64)
    life = np.asarray(economic_life_years, dtype=np.float64)
    gen = np.asarray(generation_years, dtype=np.float64)
    step = np.asarray(generation_step, dtype=np.float64)
    if np.any(a0 < 0) or np.any(a1 < 0):
        raise ScenarioError("vintage_factor: ages must be >= 0 quarters")
    _check_value_params("vintage_factor", life, gen, step, residual)
    before = _vintage(a0, life, gen, step, residual)
    return np.asarray(_vintage(a1, life, gen, step, residual) / before, dtype=np.float64)


def _vintage(age_quarters: FloatArray, life: FloatArray, gen: FloatArray, step: FloatArray,
             residual: float) -> FloatArray:
    age = age_quarters / 4.0
    wear = np.maximum(residual, 1.0 - age / life)
    return np.asarray(wear * (1.0 - step) ** np.floor(age / gen + 1e-12), dtype=np.float64)


def _check_value_params(where: str, life: float | FloatArray, gen: float | FloatArray,
                        step: float | FloatArray, residual: float) -> None:
    """Parameters of the vintage law, scalars or arrays (every element is checked)."""
    life_, gen_, step_ = (np.asarray(x, dtype=np.float64) for x in (life, gen, step))
    rules = [
        ("economic_life_years", bool(np.all(life_ > 0)), "be > 0", life),
        ("generation_years", bool(np.all(gen_ > 0)), "be > 0", gen),
        ("generation_step", bool(np.all((step_ >= 0) & (step_ < 1))), "lie in [0, 1)", step),
        ("residual", 0 <= residual <= 1, "lie in [0, 1]", residual),
    ]
    for name, ok, rule, value in rules:
        if not ok:
            raise ScenarioError(f"{where}: {name!r} must {rule}, got {value!r}")
