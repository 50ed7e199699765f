"""The stress engine as the stress page sees it: preset forms, runs and their results as JSON.

A run's JSON is the result's one schema (``StressResult.to_dict``, docs/json.md) with the
page's presentation under ``view``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import pandas as pd

from bubblescope.dashboard.jobs import Progress
from bubblescope.model.web import Web
from bubblescope.stress import PRESETS, Scenario, StressResult, load_preset, reference_run, run
from bubblescope.stress.compile import compile_web
from bubblescope.stress.scenario import FIELD_RULES
from bubblescope.stress.uncertainty.distributions import DEFAULT_UNCERTAIN, parse_uncertainty
from bubblescope.stress.uncertainty.montecarlo import NOISE, draw_inputs, draw_noise, engine_model

__all__ = ["DEFAULT_PRESET", "KEY_PARAMETERS", "headline", "presets", "result_json", "scenario",
           "stress_job"]

Json = dict[str, Any]

#: The scenario the overview's "Who gets hurt?" card runs (seed 001's crash sequence).
DEFAULT_PRESET: Final = "atlantic-crash"
#: Scenario fields every stress form shows first.
KEY_PARAMETERS: Final = ("shock_quarter", "equity_shock", "ai_revenue_shock", "ai_revenue_growth",
                         "spread_shock", "rate_shock", "lease_cut", "gpu_price_shock")
#: Most defaults listed per quarter of the cascade.
MAX_EVENTS: Final = 12


@functools.cache
def presets() -> list[Json]:
    """Every preset with each numeric parameter's value, range, unit and meaning.

    A parameter is ``main`` when the preset sets it or it is one of :data:`KEY_PARAMETERS`;
    the page folds the others away. ``quarters`` is the run size, not a parameter. The
    presets are bundled files, so this is computed once (callers must not mutate it).
    """
    return [_preset_json(load_preset(name)) for name in PRESETS]


def _preset_json(sc: Scenario) -> Json:
    defaults = {f.name: f.default for f in dataclasses.fields(Scenario)}
    params = []
    for name, rule in FIELD_RULES.items():
        if name == "quarters":
            continue
        value = getattr(sc, name)
        first = value[0] if isinstance(value, tuple) else value
        params.append({"name": name, "label": name.replace("_", " "), "value": first,
                       "min": rule.lo, "max": rule.hi, "step": 1 if rule.integer else "any",
                       "unit": rule.unit, "help": rule.doc,
                       "main": name in KEY_PARAMETERS or value != defaults[name]})
    return {"name": sc.name, "title": sc.name.replace("-", " "), "description": sc.description,
            "quarters": sc.quarters, "parameters": params}


def scenario(preset: str, overrides: dict[str, float], quarters: int | None) -> Scenario:
    """The scenario of ``preset`` with ``overrides`` applied.

    Raises :class:`~bubblescope.model.errors.ScenarioError` for an unknown preset or
    parameter, or a value out of its range.
    """
    updates: dict[str, object] = dict(overrides)
    if quarters is not None:
        updates["quarters"] = quarters
    return load_preset(preset).with_values(updates)


def stress_job(web: Web, sc: Scenario, paths: int, seed: int, progress: Progress) -> Json:
    """Run ``sc`` on ``web`` for ``paths`` paths, reporting progress.

    One path runs the scenario as written. Several paths draw the documented default
    uncertainty (as ``bubblescope montecarlo`` does, from ``seed``) on top of the scenario,
    so the paths differ and the result carries their distribution.
    """
    if paths == 1:
        def tick(done: int, total: int) -> None:
            progress(0.95 * done / total, f"quarter {done} of {total}")

        result = run(web, sc, n_paths=1, rng=np.random.default_rng(seed), progress=tick)
    else:
        progress(0.05, f"{paths} paths over the default uncertainty")

        def quarters(done: int, total: int) -> None:
            progress(0.05 + 0.9 * done / total, f"{paths} paths: quarter {done} of {total}")

        result = _uncertain_run(web, sc, paths, seed, quarters)
    progress(0.96, "the baseline it is measured against")
    reference = reference_run(web, sc)
    progress(0.97, "summarising")
    return result_json(result, web, reference)


def _uncertain_run(web: Web, sc: Scenario, paths: int, seed: int,
                   quarters: Callable[[int, int], None] | None = None) -> StressResult:
    """One engine run of ``paths`` paths, each drawing the default uncertain inputs
    (``quarters(done, total)`` after each quarter)."""
    unc = parse_uncertainty(DEFAULT_UNCERTAIN, file="default uncertainty")
    model = engine_model(compile_web(web), sc, unc)
    fields = unc.as_fields(draw_inputs(unc, seed, 0, paths, model.n_noise))
    if model.n_noise:
        fields[NOISE] = draw_noise(unc, seed, 0, paths, model.n_noise)
    return model.stress_result(fields, paths, progress=quarters)


def headline(web: Web) -> Json:
    """Who gets hurt under :data:`DEFAULT_PRESET`, one path (for the overview card)."""
    result = run(web, DEFAULT_PRESET)
    return {"preset": DEFAULT_PRESET, "headlines": _headlines(result)}


def result_json(result: StressResult, web: Web, reference: StressResult | None = None) -> Json:
    """A run as the page gets it: the result's one schema (:meth:`StressResult.to_dict`, as
    ``bubblescope stress --json`` prints it) plus ``view``, what the page draws: headlines,
    losses by sector quarter by quarter, GDP, jobs, the cascade and the download tables."""
    return {**result.to_dict(reference, web), "view": _view(result, web)}


def _view(result: StressResult, web: Web) -> Json:
    """Presentation only: labels, rounded chart series and the quarter-by-quarter cascade."""
    sectors = result.losses_by_sector
    sectors = sectors[sectors.iloc[:, -1].abs() > 1e-9]
    edited = edits(result.scenario)
    title = result.scenario.name.replace("-", " ") + (" (edited)" if edited else "")
    return {
        "scenario": {"name": result.scenario.name, "title": title, "edited": edited,
                     "description": result.scenario.description, "text": str(result.scenario)},
        "distribution": _distribution(result),
        "quarters": list(result.quarter_labels),
        "headlines": _headlines(result),
        "losses_by_sector": {str(k): [round(float(v), 3) for v in row]
                             for k, row in zip(sectors.index, sectors.to_numpy(), strict=True)},
        "gdp": {"unit": "year-on-year growth, %",
                "values": [round(100 * float(v), 3) for v in result.timeline["gdp_growth"]]},
        "jobs": {"unit": "change against the no-shock path, millions",
                 "values": [round(float(v), 3) for v in result.timeline["jobs_millions"]]},
        "cascade": _cascade(result, web),
        "summary": result.summary(),
        "tables": {k: _records(v) for k, v in result.tables().items()
                   if k in ("timeline", "defaults", "capital_hit_usd_bn", "cuts_usd_bn")},
    }


def _records(frame: pd.DataFrame) -> list[Json]:
    """A table as JSON rows (NaN as null)."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in r.items()} for r in clean.to_dict(orient="records")]


def edits(sc: Scenario) -> list[str]:
    """``field=value`` for every parameter the run changed from its preset (one path's
    value when the parameter varies by path is not an edit: only scalars are compared)."""
    if sc.name not in PRESETS:
        return []
    base = load_preset(sc.name)
    out = []
    for name in FIELD_RULES:
        if name == "quarters":
            continue  # the run size, not a parameter of the scenario
        mine, theirs = getattr(sc, name), getattr(base, name)
        if isinstance(mine, tuple) and len(set(mine)) > 1:
            continue  # drawn per path by the uncertainty, not edited
        first = mine[0] if isinstance(mine, tuple) else mine
        ref = theirs[0] if isinstance(theirs, tuple) else theirs
        if first != ref:
            out.append(f"{name}={first:g}")
    return out


def _distribution(r: StressResult) -> Json | None:
    """Per-path totals and their quantiles (None for one path)."""
    if r.n_paths == 1:
        return None
    total, holders = r.total_loss, r.holder_loss
    classes = r.ledger.holder_sector_totals()
    credit = classes[:, 0] + classes[:, 1]
    q = [0.05, 0.5, 0.95]
    return {"unit": "USD bn over the run", "paths": r.n_paths,
            "credit_and_debt": [round(float(v), 3) for v in credit],
            "equity_marks": [round(float(v), 3) for v in classes[:, 2]],
            "total_loss": [round(float(v), 3) for v in total],
            "holder_loss": [round(float(v), 3) for v in holders],
            "quantiles": {f"p{int(100 * x)}": round(float(np.quantile(credit, x)), 3)
                          for x in q},
            "defaults": [int(v) for v in r.n_defaults]}


def _headlines(r: StressResult) -> list[Json]:
    """The run's headline figures; totals are labelled one path or mean over paths."""
    tl = r.timeline.iloc[-1]
    trough = str(r.timeline["gdp_growth"].idxmin())
    basis = "one path" if r.n_paths == 1 else f"mean of {r.n_paths} paths"
    credit, marks, equity = r.ledger.holder_sector_totals().mean(axis=0)
    return [
        {"label": f"Holder sectors' realised credit losses ({basis}; funds looked through)",
         "value": float(credit), "unit": "USD bn", "digits": 0},
        {"label": "Holder sectors' debt marks", "value": float(marks), "unit": "USD bn",
         "digits": 0},
        {"label": "Holder sectors' equity marks (beside, not added)", "value": float(equity),
         "unit": "USD bn", "digits": 0},
        {"label": "Defaults per path", "value": float(r.n_defaults.mean()), "unit": "",
         "digits": 2},
        {"label": f"GDP growth at its trough ({trough})",
         "value": 100 * float(r.timeline["gdp_growth"].min()), "unit": "% y/y", "digits": 2},
        {"label": "Jobs", "value": float(tl["jobs_millions"]), "unit": "million vs no shock",
         "digits": 2},
        {"label": "Downgraded to junk", "value": float(tl["downgraded"]), "unit": "USD bn",
         "digits": 0},
        {"label": f"GPU value of a card bought at the start, at the end ({r.quarter_labels[-1]}; "
                  "ageing included: 0.05 is its salvage)",
         "value": float(tl["gpu_price"]), "unit": "(start = 1)",
         "digits": 2},
    ] + [{"label": f"H100 rental at the end ({r.quarter_labels[-1]})",
          "value": float(r.gpu_rental[:, -1].mean()), "unit": "USD per GPU-hour", "digits": 2}
         for _ in range(1 if r.gpu_rental.size else 0)]


def _cascade(r: StressResult, web: Web) -> list[Json]:
    """One step per quarter: who defaulted (path 1), new losses, cumulative losses by sector."""
    tl = r.timeline
    cum = r.losses_by_sector
    defaults = r.defaults
    first = defaults[defaults["path"] == 0]
    names = {e.id: e.name for e in web.entities}
    where = "" if r.n_paths == 1 else " (path 1)"
    steps = []
    for t, label in enumerate(r.quarter_labels):
        hits = first[first["quarter"] == t]
        events = [f"{names.get(str(e), str(e))} ({k}) defaults{where}: {why}"
                  for e, k, why in hits[["entity", "kind", "reason"]].head(MAX_EVENTS).to_numpy()]
        if len(hits) > MAX_EVENTS:
            events.append(f"… and {len(hits) - MAX_EVENTS} more defaults")
        row = tl.iloc[t]
        events.append(f"holder sectors lose USD {row['credit_loss']:,.1f}bn realised credit "
                      f"and {row['debt_marks']:,.1f}bn debt marks this quarter (equity marks "
                      f"{row['equity_marks']:,.1f}bn beside); "
                      f"USD {row['downgraded']:,.0f}bn downgraded to junk so far; "
                      f"GPU value of a start-vintage card {row['gpu_price']:.2f} (start = 1); "
                      f"spread {100 * row['spread']:.2f}%")
        steps.append({"quarter": label, "events": events,
                      "losses": {str(k): round(float(v), 3) for k, v in cum[label].items()
                                 if abs(v) > 1e-9}})
    return steps
