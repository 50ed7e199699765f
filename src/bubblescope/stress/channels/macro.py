"""Macro: AI capex and wealth losses feed GDP; output feeds jobs (seeds 001 and 004).

* **Capex.** AI spending was about 92% of US GDP growth in H1 2025 (seed 001): a cut of
  capex below plan lowers output one for one times a multiplier (``capex_multiplier``).
* **Wealth.** Households spend a few cents a year per dollar of stock-market wealth
  (``wealth_effect`` 0.03; Lettau and Ludvigson 2004 and the Federal Reserve's FRB/US
  estimates are of this order).
* **Jobs.** Okun's law: the unemployment-rate gap is about -0.5 times the output gap
  (Ball, Leigh and Loungani 2017, US coefficient about 0.4-0.5); jobs lost = gap in the
  unemployment rate times the labour force (about 170 million, BLS 2025).
* **Displacement.** In the boom, a share of new AI revenue replaces wage bills.

For comparison, US payrolls fell about 8.7 million in 2008-2010 (BLS); the seeds' 27 million
is a worldwide figure (ILO) and is not compared with this US model. 2008 downgraded USD 1.9T
of securities from investment grade to junk (seed 004).

:func:`macro_paths` turns a run's records into the macro paths at the end of the run;
the constants of 2008 it is compared with are in :mod:`bubblescope.stress.result`.
"""

from __future__ import annotations

import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.stress.context import RunContext
from bubblescope.stress.params import Params
from bubblescope.stress.recorder import MacroPaths, Recorder
from bubblescope.stress.state import State

__all__ = ["displaced_jobs", "macro_paths", "okun_jobs", "output_gap", "wealth_change",
           "yoy_growth"]


def wealth_change(ctx: RunContext, st: State) -> FloatArray:
    """Change of listed market value less holders' losses so far, (n_paths,), USD bn: the
    stock-market wealth the households' spending follows."""
    listed = ctx.index.listed
    wealth = (ctx.web.market_cap[None, :] * (st.value - 1.0) * listed).sum(axis=1)
    wealth -= (st.cum_loss * ~listed).sum(axis=1)
    return np.asarray(wealth, dtype=np.float64)


def macro_paths(prm: Params, rec: Recorder, calm: Params | None = None,
                shock_quarter: int = 0) -> MacroPaths:
    """Output gap, GDP growth and jobs of every path and quarter from the run's records;
    the scenario's displacement of jobs by AI holds from ``shock_quarter`` (``calm``'s,
    the baseline's, before it)."""
    s = rec.series
    share = prm.displacement_share[:, None]
    if calm is not None:
        before = np.arange(s.ai_revenue.shape[1])[None, :] < shock_quarter
        share = np.where(before, calm.displacement_share[:, None], share)
    gap = output_gap(4 * s.capex, 4 * s.capex_plan, s.wealth_change,
                     prm.gdp_usd_bn[:, None], prm.capex_multiplier[:, None],
                     prm.wealth_effect[:, None])
    displaced = displaced_jobs(s.ai_revenue, prm.ai_revenue_usd_bn[:, None],
                               share,
                               prm.compensation_per_job_usd_k[:, None])
    jobs = okun_jobs(gap, prm.okun_coefficient[:, None],
                     prm.labor_force_millions[:, None]) - displaced
    return MacroPaths(gap, yoy_growth(gap, prm.baseline_gdp_growth), jobs, displaced)


def output_gap(
    capex: FloatArray, capex_plan: FloatArray, wealth_change: FloatArray, gdp: FloatArray,
    multiplier: FloatArray, wealth_effect: FloatArray,
) -> FloatArray:
    """Output relative to the no-shock path, a fraction of GDP, shape (n_paths,).

    ``gap = (m (K - K_plan) + w dW) / GDP`` with capex ``K`` and plan at annual rates (USD bn)
    and ``dW`` the change of wealth (USD bn).

    >>> float(output_gap(np.array([90.0]), np.array([100.0]), np.array([0.0]),
    ...                  np.array([1000.0]), np.ones(1), np.full(1, .03))[0])
    -0.01
    """
    return np.asarray((multiplier * (capex - capex_plan) + wealth_effect * wealth_change) / gdp,
                      dtype=np.float64)


def yoy_growth(gap: FloatArray, baseline: FloatArray) -> FloatArray:
    """Year-on-year GDP growth from the gap path, shape (n_paths, n_quarters).

    ``g_t = g_0 + gap_t - gap_{t-4}`` (the gap before the run is 0).

    >>> gap = np.array([[0.0, -0.01, -0.02, -0.02, -0.02]])
    >>> yoy_growth(gap, np.array([0.02])).round(4).tolist()
    [[0.02, 0.01, 0.0, 0.0, 0.0]]
    """
    lagged = np.concatenate([np.zeros((gap.shape[0], 4)), gap], axis=1)[:, : gap.shape[1]]
    return np.asarray(baseline[:, None] + gap - lagged, dtype=np.float64)


def okun_jobs(gap: FloatArray, okun: FloatArray, labor_force_millions: FloatArray) -> FloatArray:
    """Change in jobs (millions) implied by the output gap by Okun's law, like ``gap``.

    ``jobs = okun * gap * labour_force`` (a negative gap loses jobs).

    >>> float(okun_jobs(np.array([-0.02]), np.array([0.5]), np.array([170.0]))[0])
    -1.7
    """
    return np.asarray(okun * gap * labor_force_millions, dtype=np.float64)


def displaced_jobs(ai_revenue: FloatArray, ai_revenue_start: FloatArray, share: FloatArray,
                   pay_usd_k: FloatArray) -> FloatArray:
    """Jobs displaced by AI (millions): new AI revenue replacing wage bills, (n_paths,).

    ``share * max(R - R_0, 0) / pay`` with revenue in USD bn a year and pay in USD thousand.

    >>> float(displaced_jobs(np.array([540.0]), np.array([60.0]), np.array([0.5]),
    ...                      np.array([100.0]))[0])
    2.4
    """
    extra = np.maximum(ai_revenue - ai_revenue_start, 0.0)
    return np.asarray(share * extra / pay_usd_k, dtype=np.float64)
