"""The scenario's numbers as the engine reads them: one frozen :class:`Params` per run.

:class:`~bubblescope.stress.scenario.Scenario` validates every field once; :meth:`Params.of`
turns each numeric field into an array of one value per path, shape (n_paths,), so a batch
of paths with different parameters is one run. Field names, units and ranges are those of
:data:`~bubblescope.stress.scenario.FIELD_RULES`; whole-number fields (quarters, shock
quarter, terms) stay on the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.stress.scenario import Scenario

__all__ = ["SCALAR_ONLY", "Params"]

#: Fields that must be one number for the whole run (the fire-sale kernel clears one market).
SCALAR_ONLY: tuple[str, ...] = ("fire_sale_impact", "gpu_market_depth", "ltv_covenant_headroom")


@dataclass(frozen=True, eq=False)
class Params:
    """Every numeric (non-integer) scenario field as an array of shape (n_paths,)."""

    ai_revenue_usd_bn: FloatArray
    ai_revenue_growth: FloatArray
    expected_ai_growth: FloatArray
    expectation_learning: FloatArray
    ai_revenue_shock: FloatArray
    revenue_volatility: FloatArray
    variable_cost_share: FloatArray
    capex_growth: FloatArray
    capex_valuation_elasticity: FloatArray
    equity_shock: FloatArray
    sentiment_half_life_quarters: FloatArray
    gpu_rental_elasticity: FloatArray
    debt_share_of_capex: FloatArray
    valuation_revenue_beta: FloatArray
    valuation_capex_beta: FloatArray
    valuation_spread_beta: FloatArray
    base_spread: FloatArray
    spread_shock: FloatArray
    rate_shock: FloatArray
    spread_per_100bn_downgraded: FloatArray
    spread_per_100bn_defaulted: FloatArray
    rollover_base: FloatArray
    rollover_valuation_elasticity: FloatArray
    rollover_spread_sensitivity: FloatArray
    equity_raise_capacity: FloatArray
    lease_cut: FloatArray
    lease_cut_trigger: FloatArray
    renegotiation: FloatArray
    gpu_depreciation: FloatArray
    generation_step: FloatArray
    gpu_price_shock: FloatArray
    fire_sale_impact: FloatArray
    gpu_market_depth: FloatArray
    ltv: FloatArray
    ltv_covenant_headroom: FloatArray
    asset_volatility: FloatArray
    crisis_volatility_ratio: FloatArray
    crisis_volatility_years: FloatArray
    forced_sale_discount: FloatArray
    recovery_senior_secured: FloatArray
    recovery_senior: FloatArray
    recovery_subordinated: FloatArray
    recovery_flow: FloatArray
    provider_margin: FloatArray
    backlog_built_share: FloatArray
    default_cost_alpha: FloatArray
    default_cost_beta: FloatArray
    gdp_usd_bn: FloatArray
    baseline_gdp_growth: FloatArray
    capex_multiplier: FloatArray
    wealth_effect: FloatArray
    okun_coefficient: FloatArray
    labor_force_millions: FloatArray
    displacement_share: FloatArray
    compensation_per_job_usd_k: FloatArray

    @classmethod
    def of(cls, scenario: Scenario, n_paths: int) -> Params:
        """The per-path values of ``scenario``'s fields for a run of ``n_paths`` paths."""
        for name in SCALAR_ONLY:
            if isinstance(getattr(scenario, name), tuple):
                raise ScenarioError(
                    f"scenario {scenario.name!r}: {name!r} must be a single number (the "
                    "fire-sale kernel takes one market per run)"
                )
        return cls(**{f.name: scenario.values(f.name, n_paths) for f in fields(cls)})
