"""Adapters from the library parts (size, signals, stress, store) to the JSON the pages use.

Each adapter raises :class:`~bubblescope.dashboard.deps.PartUnavailableError` (served as 503,
shown by the page as "not available yet") when its part is not in this build.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import warnings
from collections.abc import Sequence
from typing import Any, Final

from bubblescope.dashboard.deps import PartUnavailableError
from bubblescope.dashboard.jobs import Progress
from bubblescope.model.errors import DataQualityWarning
from bubblescope.model.parse import Row
from bubblescope.model.web import Web

__all__ = [
    "deal_legs_web",
    "latest_signals",
    "part",
    "signal_analysis",
    "signal_series",
    "signal_upload",
    "size_card",
    "stress_headline",
    "stress_presets",
    "stress_run",
    "stress_scenario",
]

Json = dict[str, Any]


def part(module: str, name: str, what: str) -> Any:
    """Attribute ``name`` of ``module``, or :class:`PartUnavailableError` naming ``what``."""
    try:
        value = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise PartUnavailableError(f"{what} is not available yet in this build "
                              f"({module}.{name} not found)") from None
    return value


def size_card(web: Web) -> Json:
    """How big: the headline numbers of the size part for ``web``."""
    part("bubblescope.size", "bubble_card", "sizing (size/)")
    raise PartUnavailableError("sizing (size/) is not available yet in this build")


def signal_series() -> list[Json]:
    """The bundled price series (name, title, source)."""
    part("bubblescope.signals", "SERIES", "the signals series registry (signals/)")
    raise PartUnavailableError("signals (signals/) are not available yet in this build")


def signal_analysis(name: str) -> Json:
    """BSADF, episodes and LPPLS of bundled series ``name``."""
    part("bubblescope.signals", "SERIES", "the signals series registry (signals/)")
    raise PartUnavailableError("signals (signals/) are not available yet in this build")


def signal_upload(rows: Sequence[Row]) -> Json:
    """BSADF, episodes and LPPLS of an uploaded ``date,value`` series."""
    part("bubblescope.signals", "SERIES", "the signals series registry (signals/)")
    raise PartUnavailableError("signals (signals/) are not available yet in this build")


def latest_signals() -> Json:
    """The latest signal reading of each bundled series."""
    part("bubblescope.signals", "SERIES", "the signals series registry (signals/)")
    raise PartUnavailableError("signals (signals/) are not available yet in this build")


@functools.cache
def stress_presets() -> list[Json]:
    """Preset scenarios with every numeric parameter, its value, range, unit and meaning.

    A parameter is ``main`` when the preset sets it or it is one of :data:`KEY_PARAMETERS`;
    the page shows the others folded away. ``quarters`` is the run size, not a parameter.
    The presets are bundled files, so the answer is computed once (do not mutate it).
    """
    from bubblescope.stress.scenario import PRESETS, load_preset

    return [_preset_json(load_preset(name)) for name in PRESETS]


#: Scenario fields every stress form shows first.
KEY_PARAMETERS: Final = ("shock_quarter", "equity_shock", "ai_revenue_shock", "ai_revenue_growth",
                         "spread_shock", "rate_shock", "lease_cut", "gpu_price_shock")


def _preset_json(scenario: Any) -> Json:
    from bubblescope.stress.scenario import FIELD_RULES, Scenario

    defaults = {f.name: f.default for f in dataclasses.fields(Scenario)}
    params = []
    for name, rule in FIELD_RULES.items():
        if name == "quarters":
            continue
        value = getattr(scenario, name)
        first = value[0] if isinstance(value, tuple) else value
        params.append({"name": name, "label": name.replace("_", " "), "value": first,
                       "min": rule.lo, "max": rule.hi, "step": 1 if rule.integer else "any",
                       "unit": rule.unit, "help": rule.doc,
                       "main": name in KEY_PARAMETERS or value != defaults[name]})
    return {"name": scenario.name, "title": scenario.name.replace("-", " "),
            "description": scenario.description, "quarters": scenario.quarters,
            "parameters": params}


def stress_scenario(preset: str, overrides: dict[str, float], quarters: int | None) -> Any:
    """The scenario of ``preset`` with ``overrides`` applied.

    Raises :class:`ScenarioError` for an unknown preset or parameter, or a value out of range.
    """
    from bubblescope.stress.scenario import load_preset

    updates: dict[str, object] = dict(overrides)
    if quarters is not None:
        updates["quarters"] = quarters
    return load_preset(preset).with_values(updates)


def stress_run(web: Web, scenario: Any, paths: int, seed: int, progress: Progress) -> Json:
    """Run ``scenario`` on ``web`` and summarise the result for the page."""
    part("bubblescope.stress", "run", "the stress engine (stress/)")
    raise PartUnavailableError("the stress engine (stress/) is not available yet in this build")


def stress_headline(web: Web) -> Json:
    """Who gets hurt under the default scenario."""
    part("bubblescope.stress", "run", "the stress engine (stress/)")
    raise PartUnavailableError("the stress engine (stress/) is not available yet in this build")


def deal_legs_web(web: Web, rows: Sequence[Row], file: str) -> tuple[Web, list[str]]:
    """Validate a deal-leg table (Kevin's column layout) and add its legs to ``web``.

    Returns the new web and the importer's data-quality notes (legs skipped for want of an
    amount, ...). Raises :class:`DataError` naming every bad row and column.
    """
    from bubblescope.store import deal_legs
    from bubblescope.store.leg_mapping import KEVIN_MAPPING

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataQualityWarning)
        # The public import_deal_legs() reads a path; uploads stay in memory, so the rows
        # go straight to the importer's row-level builder.
        result = deal_legs._build(rows, file, KEVIN_MAPPING, KEVIN_MAPPING.empty_amount,
                                  web.name + "+legs", web.as_of, web)
    return result.web, [str(w.message) for w in caught]
