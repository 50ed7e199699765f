"""Scenarios: the frozen, validated parameters of one stress run.

A :class:`Scenario` holds every number the engine uses that is not in the web: shocks,
behavioural elasticities, market parameters and macro constants. Every numeric field
may be a single number or a sequence with one value per path (``n_paths``), so a batch of
paths with different parameters is one run. Validation happens once, here; the engine
trusts what it gets.

Presets live as YAML beside this module (``presets/<name>.yaml``), each documenting its
sources in comments; :func:`load_preset` reads one.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, Final

import numpy as np
import yaml

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import Issue, ScenarioError
from bubblescope.model.inputs import yaml_failure
from bubblescope.model.yamldoc import Marks, read_yaml

__all__ = [
    "FIELD_RULES",
    "PRESETS",
    "SCENARIO_TERMS",
    "Param",
    "Scenario",
    "load_preset",
    "read_yaml",
    "scenario_from_mapping",
]

#: A numeric scenario parameter: one value for all paths, or one value per path.
Param = float | tuple[float, ...]

#: Names of the bundled presets (``presets/<name>.yaml``).
PRESETS: Final[tuple[str, ...]] = (
    "baseline",
    "atlantic-crash",
    "gpu-spiral",
    "big-short-rerating",
    "openai-shortfall",
    "boom",
)


#: The fields that describe a scenario's conditions rather than the model or the data: the
#: shocks and the standing terms (lenders rolling less, tenants cutting leases, GPUs losing
#: value faster, funds selling cheaper...). They hold from the shock quarter; before it
#: every path runs on the baseline's values (:meth:`Scenario.before_shock`), so nothing
#: departs from the no-shock path before the shock (issue 11). AI revenue growth is timed
#: by :class:`~bubblescope.stress.channels.quarter.Quarter`.
SCENARIO_TERMS: Final[tuple[str, ...]] = (
    "ai_revenue_shock", "equity_shock", "spread_shock", "rate_shock", "gpu_price_shock",
    "crisis_volatility_ratio", "crisis_volatility_years", "expectation_learning",
    "capex_growth", "capex_valuation_elasticity",
    "valuation_spread_beta", "rollover_base", "rollover_valuation_elasticity",
    "rollover_spread_sensitivity", "equity_raise_capacity", "lease_cut", "lease_cut_trigger",
    "renegotiation", "gpu_depreciation", "generation_step", "fire_sale_impact",
    "gpu_market_depth", "ltv_covenant_headroom", "forced_sale_discount", "default_cost_alpha",
    "default_cost_beta", "displacement_share",
)


@dataclass(frozen=True)
class Rule:
    """Allowed range of a numeric field, its unit and meaning."""

    lo: float
    hi: float
    unit: str
    doc: str
    integer: bool = False


#: Allowed range, unit and meaning of every numeric field (checked by :class:`Scenario`).
FIELD_RULES: Final[dict[str, Rule]] = {
    "quarters": Rule(1, 80, "quarters", "length of the run", integer=True),
    "shock_quarter": Rule(0, 79, "quarter", "quarter in which one-off shocks hit", integer=True),
    "growth_quarters": Rule(0, 400, "quarters", "quarters of realised growth, then as expected",
                            integer=True),
    "ai_revenue_usd_bn": Rule(1, 1e5, "USD bn/yr", "AI end revenue at the start"),
    "ai_revenue_growth": Rule(-0.9, 10.0, "per year", "realised growth of AI end revenue"),
    "expected_ai_growth": Rule(-0.9, 10.0, "per year", "growth priced into valuations"),
    "expectation_learning": Rule(0.0, 1.0, "per quarter",
                                 "share of the gap to realised trend growth that the growth "
                                 "priced into valuations closes each quarter"),
    "sentiment_half_life_quarters": Rule(0.1, 400.0, "quarters",
                                         "half-life of the one-off equity shock's discount"),
    "gpu_rental_elasticity": Rule(0.05, 5.0, "", "log(demand/supply) per log GPU rental"),
    "debt_share_of_capex": Rule(0.0, 1.0, "fraction", "share of capex financed by new debt"),
    "ai_revenue_shock": Rule(0.0, 0.99, "fraction", "one-off fall of AI revenue at the shock"),
    "revenue_volatility": Rule(0.0, 2.0, "per sqrt(year)", "volatility of AI revenue"),
    "variable_cost_share": Rule(0.0, 1.0, "fraction", "share of costs moving with revenue"),
    "capex_growth": Rule(-0.9, 5.0, "per year", "planned growth of capex"),
    "capex_valuation_elasticity": Rule(0.0, 10.0, "", "capex plan ~ valuation**e"),
    "equity_shock": Rule(0.0, 0.99, "fraction", "one-off fall of AI equity valuations"),
    "valuation_revenue_beta": Rule(0.0, 10.0, "", "log valuation per log revenue surprise"),
    "valuation_capex_beta": Rule(0.0, 10.0, "", "log valuation per log capex index"),
    "valuation_spread_beta": Rule(0.0, 200.0, "per unit spread", "log valuation per spread"),
    "base_spread": Rule(0.0, 0.3, "decimal", "credit spread at the start (BBB OAS)"),
    "spread_shock": Rule(0.0, 0.3, "decimal", "rise of credit spreads from the shock"),
    "spread_build_quarters": Rule(1, 40, "quarters",
                                  "quarters over which the spread shock builds to its peak",
                                  integer=True),
    "rate_shock": Rule(-0.05, 0.2, "decimal", "one-off rise of base rates (repricing)"),
    "spread_per_100bn_downgraded": Rule(0.0, 0.1, "decimal", "spread rise per USD 100bn junked"),
    "spread_per_100bn_defaulted": Rule(0.0, 0.1, "decimal", "spread rise per USD 100bn defaulted"),
    "rollover_base": Rule(0.0, 1.0, "fraction", "share of maturing debt rolled in calm markets"),
    "rollover_valuation_elasticity": Rule(0.0, 10.0, "", "rollover ~ valuation**e"),
    "rollover_spread_sensitivity": Rule(0.0, 500.0, "per unit spread", "rollover ~ exp(-s dS)"),
    "refinancing_term_quarters": Rule(1, 80, "quarters", "term of refinanced debt", integer=True),
    "equity_raise_capacity": Rule(0.0, 0.5, "per quarter", "new outside money, share of cap"),
    "lease_cut": Rule(0.0, 1.0, "fraction", "share of leases cut by a tenant in distress"),
    "lease_cut_trigger": Rule(0.0, 1.0, "valuation index", "valuation below which tenants cut"),
    "renegotiation": Rule(0.0, 1.0, "fraction", "share of a tenant's shortfall renegotiated away"),
    "gpu_depreciation": Rule(0.0, 0.95, "per year", "economic depreciation of GPU prices"),
    "generation_step": Rule(0.0, 0.95, "fraction", "price step-down at each new generation"),
    "generation_interval_quarters": Rule(1, 80, "quarters", "time between generations",
                                         integer=True),
    "gpu_price_shock": Rule(0.0, 0.99, "fraction", "one-off fall of GPU prices"),
    "fire_sale_impact": Rule(0.0, 10.0, "", "price impact of forced GPU sales"),
    "gpu_market_depth": Rule(0.1, 1e5, "USD bn", "GPU resale market depth"),
    "ltv": Rule(0.05, 1.0, "ratio", "loan-to-value at origination when a loan gives none"),
    "ltv_covenant_headroom": Rule(0.0, 1.0, "ratio", "covenant LTV minus origination LTV"),
    "asset_volatility": Rule(0.01, 3.0, "per sqrt(year)", "asset volatility for default odds"),
    "crisis_volatility_ratio": Rule(1.0, 20.0, "", "crisis / calm realised volatility from "
                                    "the shock (measured on an index: stress/volatility.py)"),
    "crisis_volatility_years": Rule(0.0, 20.0, "years", "how long the crisis volatility lasts "
                                    "from the shock (measured with the ratio)"),
    "forced_sale_discount": Rule(0.0, 0.95, "fraction", "discount when insurers sell junk"),
    "recovery_senior_secured": Rule(0.0, 1.0, "fraction", "recovery of senior secured debt"),
    "recovery_senior": Rule(0.0, 1.0, "fraction", "recovery of senior unsecured debt"),
    "recovery_subordinated": Rule(0.0, 1.0, "fraction", "recovery of subordinated debt"),
    "recovery_flow": Rule(0.0, 1.0, "fraction", "recovery of terminated leases/commitments"),
    "provider_margin": Rule(0.0, 1.0, "fraction",
                            "compute provider's gross margin (lost backlog is valued at it)"),
    "backlog_built_share": Rule(0.0, 1.0, "fraction",
                                "share of a not-yet-started commitment's capacity built"),
    "default_cost_alpha": Rule(0.0, 1.0, "fraction", "share of outside assets kept in default"),
    "default_cost_beta": Rule(0.0, 1.0, "fraction", "share of claims on others kept in default"),
    "gdp_usd_bn": Rule(1.0, 1e6, "USD bn/yr", "US nominal GDP"),
    "baseline_gdp_growth": Rule(-0.2, 0.2, "per year", "growth without the AI shock"),
    "capex_multiplier": Rule(0.0, 5.0, "", "GDP per dollar of capex"),
    "wealth_effect": Rule(0.0, 0.5, "per year", "consumption per dollar of wealth"),
    "okun_coefficient": Rule(0.0, 2.0, "", "unemployment-rate gap per output gap"),
    "labor_force_millions": Rule(1.0, 5000.0, "millions", "US civilian labour force"),
    "displacement_share": Rule(0.0, 1.0, "fraction", "share of new AI revenue replacing wages"),
    "compensation_per_job_usd_k": Rule(1.0, 1000.0, "USD thousand/yr", "pay per job displaced"),
}


@dataclass(frozen=True)
class Scenario:
    """The parameters of one stress run (see :data:`FIELD_RULES` for ranges and units).

    Numeric fields accept a number or a tuple with one value per path. ``revenue_shocks``
    maps entity ids to a one-off fall of that entity's outside revenue at the shock.

    >>> s = Scenario("demo", equity_shock=0.4)
    >>> s.values("equity_shock", 3).tolist()
    [0.4, 0.4, 0.4]
    >>> Scenario("bad", equity_shock=2.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bubblescope.model.errors.ScenarioError: scenario 'bad': 'equity_shock' must be between ...
    """

    name: str
    description: str = ""
    quarters: int = 24
    shock_quarter: int = 1
    growth_quarters: int = 400
    ai_revenue_usd_bn: Param = 60.0
    ai_revenue_growth: Param = 0.5
    expected_ai_growth: Param = 0.5
    expectation_learning: Param = 0.25
    ai_revenue_shock: Param = 0.0
    revenue_volatility: Param = 0.0
    variable_cost_share: Param = 0.5
    capex_growth: Param = 0.0
    capex_valuation_elasticity: Param = 1.0
    equity_shock: Param = 0.0
    sentiment_half_life_quarters: Param = 4.0
    gpu_rental_elasticity: Param = 0.3
    debt_share_of_capex: Param = 0.3
    valuation_revenue_beta: Param = 1.0
    valuation_capex_beta: Param = 0.5
    valuation_spread_beta: Param = 5.0
    base_spread: Param = 0.0101
    spread_shock: Param = 0.0
    spread_build_quarters: int = 1
    rate_shock: Param = 0.0
    spread_per_100bn_downgraded: Param = 0.002
    spread_per_100bn_defaulted: Param = 0.002
    rollover_base: Param = 1.0
    rollover_valuation_elasticity: Param = 1.0
    rollover_spread_sensitivity: Param = 20.0
    refinancing_term_quarters: int = 12
    equity_raise_capacity: Param = 0.03
    lease_cut: Param = 0.0
    lease_cut_trigger: Param = 0.5
    renegotiation: Param = 1.0
    gpu_depreciation: Param = 0.25
    generation_step: Param = 0.15
    generation_interval_quarters: int = 4
    gpu_price_shock: Param = 0.0
    fire_sale_impact: Param = 1.0
    gpu_market_depth: Param = 200.0
    ltv: Param = 0.7
    ltv_covenant_headroom: Param = 0.15
    asset_volatility: Param = 0.35
    crisis_volatility_ratio: Param = 1.0
    crisis_volatility_years: Param = 0.0
    forced_sale_discount: Param = 0.1
    recovery_senior_secured: Param = 0.6
    recovery_senior: Param = 0.4
    recovery_subordinated: Param = 0.25
    recovery_flow: Param = 0.2
    provider_margin: Param = 0.25
    backlog_built_share: Param = 0.5
    default_cost_alpha: Param = 1.0
    default_cost_beta: Param = 1.0
    gdp_usd_bn: Param = 30000.0
    baseline_gdp_growth: Param = 0.02
    capex_multiplier: Param = 1.0
    wealth_effect: Param = 0.03
    okun_coefficient: Param = 0.5
    labor_force_millions: Param = 170.0
    displacement_share: Param = 0.0
    compensation_per_job_usd_k: Param = 100.0
    revenue_shocks: tuple[tuple[str, float], ...] = field(default=())
    calibration_notes: tuple[tuple[str, str], ...] = field(default=())
    """Why a figure of the calibration table lies outside its historical envelope:
    (metric, reason) pairs (``bubblescope stress --calibration``; docs/calibration.md)."""

    def __post_init__(self) -> None:
        for name, rule in FIELD_RULES.items():
            object.__setattr__(self, name, _checked(self.name, name, getattr(self, name), rule))
        object.__setattr__(self, "revenue_shocks", _checked_shocks(self.name, self.revenue_shocks))
        object.__setattr__(self, "calibration_notes",
                           _note_pairs(self.name, self.calibration_notes))
        if self.shock_quarter >= self.quarters:
            raise _bad(self.name, "shock_quarter",
                       f"must be below 'quarters' ({self.quarters})", self.shock_quarter)

    def __str__(self) -> str:
        changed = [
            f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self)
            if f.name not in ("name", "description") and getattr(self, f.name) != f.default
        ]
        return f"Scenario {self.name!r}: " + (", ".join(changed) or "all defaults")

    @property
    def unshocked(self) -> bool:
        """Whether the scenario sets no shock: every ``*_shock`` field and ``lease_cut`` are
        0 and there are no ``revenue_shocks`` (then it is the no-shock path itself).

        >>> Scenario("x").unshocked, Scenario("y", equity_shock=0.3).unshocked
        (True, False)
        """
        names = [f for f in FIELD_RULES if f.endswith("_shock") or f == "lease_cut"]
        flat = [v for f in names for v in np.atleast_1d(np.asarray(getattr(self, f)))]
        return not self.revenue_shocks and not any(flat)

    @property
    def path_lengths(self) -> set[int]:
        """Lengths of the per-path fields (empty when every field is a single number)."""
        return {len(v) for f in FIELD_RULES if isinstance(v := getattr(self, f), tuple)}

    def values(self, name: str, n_paths: int) -> FloatArray:
        """Field ``name`` as an array of shape (n_paths,).

        Raises
        ------
        ScenarioError
            When the field holds a per-path tuple whose length is not ``n_paths``.
        """
        value = getattr(self, name)
        if isinstance(value, tuple):
            if len(value) != n_paths:
                raise ScenarioError(
                    f"scenario {self.name!r}: {name!r} has {len(value)} per-path values, "
                    f"the run has n_paths={n_paths}"
                )
            return np.asarray(value, dtype=np.float64)
        return np.full(n_paths, float(value))

    def before_shock(self) -> Scenario:
        """This scenario before its shock quarter: every :data:`SCENARIO_TERMS` field at the
        baseline's (default) value, the rest (model parameters, data, timing) unchanged.

        >>> s = Scenario("x", rollover_base=0.8, recovery_senior=0.3).before_shock()
        >>> s.rollover_base, s.recovery_senior
        (1.0, 0.3)
        """
        defaults = {f.name: f.default for f in dataclasses.fields(Scenario)
                    if f.name in SCENARIO_TERMS}
        return dataclasses.replace(self, **defaults)  # type: ignore[arg-type]

    def with_values(self, updates: Mapping[str, object]) -> Scenario:
        """Return a copy with ``updates`` applied (values may be strings, as from a CLI).

        >>> Scenario("x").with_values({"equity_shock": "0.3"}).equity_shock
        0.3
        """
        changes = {k: _coerce(self.name, k, v) for k, v in updates.items()}
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def scenario_from_mapping(data: Mapping[str, Any], origin: str = "scenario",
                          marks: Marks | None = None) -> Scenario:
    """Build a :class:`Scenario` from a mapping (a parsed YAML document).

    With ``marks`` (from :func:`~bubblescope.model.yamldoc.read_yaml_marked`) an error
    names the file, line and column of the bad value.

    Raises
    ------
    ScenarioError
        Naming an unknown field and listing the allowed ones, or a value out of range; its
        ``issues`` hold the field, rule and value.
    """
    try:
        return _from_mapping(data, origin)
    except ScenarioError as exc:
        if marks is None:
            raise
        raise marks.locate(exc) from exc.__cause__


def _from_mapping(data: Mapping[str, Any], origin: str) -> Scenario:
    if not isinstance(data, Mapping) or "name" not in data:
        raise ScenarioError(f"{origin}: a scenario is a mapping with at least a 'name' field",
                            [Issue(origin, None, "name", "must be given: a scenario is a "
                                   "mapping with at least a 'name' field", repr(data)[:80])])
    allowed = [f.name for f in dataclasses.fields(Scenario)]
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise _bad(origin, str(unknown[0]), f"is unknown (allowed: {', '.join(allowed)})",
                   unknown[0], message=f"{origin}: unknown scenario field {unknown[0]!r} "
                   f"(allowed: {', '.join(allowed)})")
    values: dict[str, Any] = {k: _coerce(str(data["name"]), k, v) for k, v in data.items()}
    return Scenario(**values)


def _bad(scenario: str, name: str, rule: str, value: object, *at: str | int,
         message: str | None = None) -> ScenarioError:
    """The error for field ``name`` of ``scenario`` breaking ``rule`` with ``value`` (at key
    path ``(name, *at)`` of its document): ``scenario 'x': 'field' RULE, got VALUE``."""
    text = f"scenario {scenario!r}: {name!r} {rule}, got {value!r}"
    return ScenarioError(text if message is None else message,
                         [Issue(f"scenario {scenario!r}", None, name, rule, str(value))],
                         (name, *at))


def load_preset(name: str) -> Scenario:
    """Load the bundled preset ``name`` (one of :data:`PRESETS`).

    >>> load_preset("baseline").name
    'baseline'
    """
    if name not in PRESETS:
        raise ScenarioError(f"unknown preset {name!r} (allowed: {', '.join(PRESETS)})")
    text = files("bubblescope.stress").joinpath("presets", f"{name}.yaml").read_text("utf-8")
    return scenario_from_mapping(yaml.safe_load(text), origin=f"preset {name}.yaml")


def _coerce(scenario: str, name: str, value: object) -> object:
    if name == "revenue_shocks":
        return _shock_pairs(scenario, value)
    if name == "calibration_notes":
        return _note_pairs(scenario, value)
    if name in ("name", "description"):
        return str(value)
    if name not in FIELD_RULES:
        allowed = ", ".join(f.name for f in dataclasses.fields(Scenario))
        raise _bad(scenario, name, f"is unknown (allowed: {allowed})", name,
                   message=f"scenario {scenario!r}: unknown field {name!r} (allowed: {allowed})")
    if isinstance(value, str):
        value = _yaml_value(scenario, name, value)
    if isinstance(value, list | tuple):
        return tuple(_number(scenario, name, v, i) for i, v in enumerate(value))
    return _number(scenario, name, value)


def _yaml_value(scenario: str, name: str, text: str) -> object:
    """A value given as text (``--set field=value``), read as YAML; ScenarioError if not."""
    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        bad = yaml_failure(exc)
        problem = bad.hint or bad.what
        raise _bad(scenario, name, "must be a number, a list of numbers [a, b] or a mapping "
                   f"{{id: value}} in YAML syntax ({problem})", text) from None


def _number(scenario: str, name: str, value: object, *at: str | int) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(scenario, name, "must be a number or a list of numbers", value, *at)
    try:
        return float(value)
    except OverflowError:
        raise _bad(scenario, name, "must be a finite number", f"a {len(str(value))}-digit "
                   "integer", *at) from None


def _shock_pairs(scenario: str, value: object) -> tuple[tuple[str, float], ...]:
    if isinstance(value, str):
        value = _yaml_value(scenario, "revenue_shocks", value)
    if isinstance(value, Mapping):
        return tuple((str(k), _number(scenario, "revenue_shocks", v, str(k)))
                     for k, v in value.items())
    if isinstance(value, tuple | list) and all(
            isinstance(p, list | tuple) and len(p) == 2 for p in value):
        return tuple((str(k), _number(scenario, "revenue_shocks", v, i))
                     for i, (k, v) in enumerate(value))
    raise _bad(scenario, "revenue_shocks", "must map entity ids to fractions", value)


def _note_pairs(scenario: str, value: object) -> tuple[tuple[str, str], ...]:
    pairs: list[Any] = [None]
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, tuple | list):
        pairs = list(value)
    ok = all(isinstance(p, tuple | list) and len(p) == 2 and str(p[1]).strip() for p in pairs)
    if not ok:
        raise _bad(scenario, "calibration_notes", "must map calibration metrics to a "
                   "written reason", value)
    return tuple((str(k), str(v).strip()) for k, v in pairs)


def _checked(scenario: str, name: str, value: Param | int, rule: Rule) -> Param | int:
    items = value if isinstance(value, tuple) else (value,)
    if isinstance(value, tuple) and not value:
        raise _bad(scenario, name, "must not be an empty list", value)
    for i, v in enumerate(items):
        bad = not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v)
        if bad or not rule.lo <= v <= rule.hi or (rule.integer and float(v) != int(v)):
            span = (f"a whole number from {rule.lo:g} to {rule.hi:g}" if rule.integer
                    else f"between {rule.lo:g} and {rule.hi:g}")
            at = (i,) if isinstance(value, tuple) else ()
            raise _bad(scenario, name, f"must be {span} "
                       f"({rule.unit + ': ' if rule.unit else ''}{rule.doc})", v, *at)
    if rule.integer:
        if isinstance(value, tuple):
            raise _bad(scenario, name, "must be one whole number", value)
        return int(value)
    return tuple(float(v) for v in items) if isinstance(value, tuple) else float(value)


def _checked_shocks(scenario: str, pairs: object) -> tuple[tuple[str, float], ...]:
    out = _shock_pairs(scenario, pairs)
    for entity, v in out:
        if not 0.0 <= v <= 0.99:
            raise _bad(scenario, "revenue_shocks", "must be between 0 and 0.99 (fraction of "
                       "outside revenue lost)", v, entity,
                       message=f"scenario {scenario!r}: 'revenue_shocks' of {entity!r} must be "
                       f"between 0 and 0.99 (fraction of outside revenue lost), got {v!r}")
    return out
