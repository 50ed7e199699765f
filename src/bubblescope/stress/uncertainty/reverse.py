"""Reverse stress test: the smallest shock along a direction that produces a named outcome.

The user picks a direction (a preset such as ``ai_revenue_shortfall``, or any weighted mix
of shock fields) and an outcome (the default of an entity, system loss above a level,
downgrades above 2008's $1.9T). The search evaluates a grid of shock levels as the paths of
one batched run, keeps the first bracket where the outcome switches on, and refines that
bracket with another batch until it is narrower than ``tol``: ``log(range / tol) /
log(grid - 1)`` batches instead of one run per bisection step.

>>> import numpy as np
>>> from bubblescope.stress.uncertainty.montecarlo import PathOutcome
>>> class Toy:  # loss = 100 x shock; the level 25 is first reached at shock 0.25
...     entity_ids, sectors, n_quarters, n_noise = ("a",), ("bank",), 1, 0
...     def evaluate(self, fields, n_paths):
...         s = fields["ai_revenue_shock"]
...         return PathOutcome.credit_only(100 * s, np.zeros((n_paths, 1)),
...                                        np.full((n_paths, 1), np.nan), np.zeros(n_paths))
>>> r = reverse_stress(Toy(), "ai_revenue_shortfall", LossAbove(25.0), tol=1e-6)
>>> r.status, round(r.shock, 5)
('found', 0.25)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from bubblescope.model._typing import BoolArray, FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.model.tables import Tabular
from bubblescope.stress.scenario import FIELD_RULES
from bubblescope.stress.uncertainty.montecarlo import DOWNGRADES_2008, PathModel, PathOutcome

__all__ = [
    "DIRECTIONS",
    "DowngradesAbove",
    "EntityDefaults",
    "LossAbove",
    "Outcome",
    "ReverseResult",
    "ShockDirection",
    "level_cap",
    "parse_outcome",
    "reverse_stress",
]


@dataclass(frozen=True)
class ShockDirection:
    """A ray in scenario space: at level ``s`` each field in ``weights`` moves by ``s * w``.

    ``max_level`` is the largest level searched (the fields' allowed ranges end there).
    """

    name: str
    weights: tuple[tuple[str, float], ...]
    max_level: float
    unit: str = "fraction"

    def fields(self, levels: FloatArray, base: Mapping[str, float]) -> dict[str, FloatArray]:
        """Scenario fields at ``levels`` (shape (k,)): field → array of shape (k,)."""
        return {f: base.get(f, 0.0) + w * levels for f, w in self.weights}


#: Directions offered by name: seed 002 (AI revenue shortfall), seed 003 (GPU prices),
#: seed 004 (credit spreads).
DIRECTIONS: Final[dict[str, ShockDirection]] = {
    "ai_revenue_shortfall": ShockDirection("ai_revenue_shortfall",
                                           (("ai_revenue_shock", 1.0),), 0.99),
    "gpu_price_fall": ShockDirection("gpu_price_fall", (("gpu_price_shock", 1.0),), 0.99),
    "spread_widening": ShockDirection("spread_widening", (("spread_shock", 1.0),), 0.3,
                                      "decimal"),
}


@dataclass(frozen=True)
class EntityDefaults:
    """The outcome "entity ``entity`` defaults" (any entity when ``entity`` is None)."""

    entity: str | None = None

    def __str__(self) -> str:
        return "first default of any entity" if self.entity is None else \
            f"default of {self.entity}"

    def reached(self, out: PathOutcome, entity_ids: tuple[str, ...]) -> BoolArray:
        """Per path: whether the outcome happens, shape (n_paths,)."""
        hit = ~np.isnan(out.default_quarter)
        if self.entity is None:
            return np.asarray(hit.any(axis=1))
        if self.entity not in entity_ids:
            raise ScenarioError(f"outcome entity must be an entity of the web, "
                                f"got {self.entity!r}")
        return np.asarray(hit[:, entity_ids.index(self.entity)])


@dataclass(frozen=True)
class LossAbove:
    """The outcome "system loss above ``level`` USD bn"."""

    level: float

    def __str__(self) -> str:
        return f"system loss above ${self.level:,.0f}bn"

    def reached(self, out: PathOutcome, entity_ids: tuple[str, ...]) -> BoolArray:
        """Per path: whether the outcome happens, shape (n_paths,)."""
        return np.asarray(out.system_loss > self.level)


@dataclass(frozen=True)
class DowngradesAbove:
    """The outcome "debt downgraded to junk above ``level`` USD bn" (default: 2008's)."""

    level: float = DOWNGRADES_2008

    def __str__(self) -> str:
        return f"downgrades above ${self.level:,.0f}bn"

    def reached(self, out: PathOutcome, entity_ids: tuple[str, ...]) -> BoolArray:
        """Per path: whether the outcome happens, shape (n_paths,)."""
        return np.asarray(out.downgraded > self.level)


Outcome = EntityDefaults | LossAbove | DowngradesAbove
Status = Literal["found", "reached_at_zero", "never_reached"]


@dataclass(frozen=True)
class ReverseResult(Tabular):
    """The answer of a reverse stress test; prints as its summary.

    ``status`` is ``found`` (``shock`` is the smallest level within ``tol``),
    ``reached_at_zero`` (the outcome happens without any shock) or ``never_reached`` (not
    even at ``max_level``; ``shock`` and ``path`` are None). ``monotone`` is False when
    the outcome switched off again at a larger level on the first grid: the answer is then
    the smallest level found, and larger shocks are not all worse. ``path`` holds the
    outcome of the one path at ``shock``, ``fields`` the scenario fields there.
    """

    direction: ShockDirection
    outcome: Outcome
    status: Status
    shock: float | None
    bracket: tuple[float, float]
    monotone: bool
    fields: Mapping[str, float]
    path: PathOutcome | None
    n_evaluations: int

    def tables(self) -> dict[str, pd.DataFrame]:
        """The answer (status, smallest shock with its unit and bracket) and the scenario
        fields at that shock."""
        answer = pd.DataFrame([{
            "outcome": str(self.outcome), "direction": self.direction.name,
            "status": self.status, "shock": self.shock, "shock_unit": self.direction.unit,
            "bracket_low": self.bracket[0], "bracket_high": self.bracket[1],
            "monotone": self.monotone, "evaluations": self.n_evaluations,
            "system_loss_usd_bn": None if self.path is None
            else float(self.path.system_loss[0]),
            "downgraded_usd_bn": None if self.path is None
            else float(self.path.downgraded[0])}])
        fields = pd.DataFrame({"field": list(self.fields), "value": list(self.fields.values())})
        return {"reverse": answer, "fields_at_shock": fields}

    def __str__(self) -> str:
        head = f"Reverse stress test: {self.outcome} along {self.direction.name}"
        if self.status == "never_reached":
            return (f"{head}\n  never reached up to {self.direction.name} = "
                    f"{self.direction.max_level:g} ({self.n_evaluations} evaluations)")
        lines = [head, f"  smallest shock: {self.shock:.4g} {self.direction.unit} "
                 f"(bracket {self.bracket[0]:.4g}..{self.bracket[1]:.4g}, "
                 f"{self.n_evaluations} evaluations)"]
        if self.status == "reached_at_zero":
            lines.append("  the outcome happens without any shock")
        if not self.monotone:
            lines.append("  WARNING: not monotone - the outcome switches off at larger shocks")
        lines += [f"  {k} = {v:.4g}" for k, v in self.fields.items()]
        return "\n".join(lines)


def reverse_stress(
    model: PathModel,
    direction: str | ShockDirection,
    outcome: Outcome,
    *,
    base: Mapping[str, float] | None = None,
    grid: int = 33,
    tol: float = 1e-4,
    max_level: float | None = None,
) -> ReverseResult:
    """Find the smallest shock level along ``direction`` at which ``outcome`` happens.

    Parameters
    ----------
    direction : str or ShockDirection
        A name in :data:`DIRECTIONS` or a custom direction.
    base : mapping, optional
        Field values at level 0 (the scenario's own values; default 0 for every field).
    grid : int
        Levels per batch (>= 3); each batch is one model run of ``grid`` paths.
    tol : float
        Width of the final bracket.
    max_level : float, optional
        Largest level searched (default: the direction's ``max_level``).
    """
    ray = _direction(direction)
    top = ray.max_level if max_level is None else max_level
    if grid < 3 or not tol > 0 or not 0 < top <= ray.max_level:
        raise ScenarioError(f"reverse stress test needs grid >= 3, tol > 0 and 0 < max_level "
                            f"<= {ray.max_level:g}; got grid={grid}, tol={tol}, max_level={top}")
    start = dict(base or {})
    search = _Search(model, ray, outcome, start)
    levels = np.linspace(0.0, top, grid)
    hits = search.run(levels)
    if not hits.any():
        return search.result("never_reached", None, (0.0, top), True)
    k = int(np.argmax(hits))
    monotone = bool(hits[k:].all())
    if k == 0:
        return search.result("reached_at_zero", 0.0, (0.0, 0.0), monotone)
    lo, hi = float(levels[k - 1]), float(levels[k])
    while hi - lo > tol:
        levels = np.linspace(lo, hi, grid)
        hits = search.run(levels)
        k = max(int(np.argmax(hits)), 1) if hits[1:].any() else grid - 1
        lo, hi = float(levels[k - 1]), float(levels[k])
    return search.result("found", hi, (lo, hi), monotone)


@dataclass
class _Search:
    """Evaluates batches of levels and keeps count (internal to :func:`reverse_stress`)."""

    model: PathModel
    ray: ShockDirection
    outcome: Outcome
    base: dict[str, float]
    evaluations: int = 0

    def run(self, levels: FloatArray) -> BoolArray:
        out = self.model.evaluate(self.ray.fields(levels, self.base), levels.size)
        self.evaluations += levels.size
        return self.outcome.reached(out, self.model.entity_ids)

    def result(self, status: Status, shock: float | None, bracket: tuple[float, float],
               monotone: bool) -> ReverseResult:
        if shock is None:
            return ReverseResult(self.ray, self.outcome, status, None, bracket, monotone, {},
                                 None, self.evaluations)
        level = np.array([shock])
        fields = self.ray.fields(level, self.base)
        path = self.model.evaluate(fields, 1)
        self.evaluations += 1
        return ReverseResult(self.ray, self.outcome, status, shock, bracket, monotone,
                             {f: float(v[0]) for f, v in fields.items()}, path,
                             self.evaluations)


def level_cap(direction: str | ShockDirection, base: Mapping[str, float]) -> float:
    """Largest level along ``direction`` that keeps every field within its allowed range.

    >>> level_cap("spread_widening", {"spread_shock": 0.05})
    0.25
    """
    ray = _direction(direction)
    caps = [ray.max_level]
    for f, w in ray.weights:
        rule = FIELD_RULES.get(f)
        if rule is not None and w > 0:
            caps.append((rule.hi - base.get(f, 0.0)) / w)
        elif rule is not None and w < 0:
            caps.append((rule.lo - base.get(f, 0.0)) / w)
    return round(min(caps), 12)


def parse_outcome(text: str) -> Outcome:
    """Read an outcome: ``default`` (any entity), ``default:ENTITY``, ``loss:USD_BN``,
    ``downgrades`` (above 2008's $1.9T) or ``downgrades:USD_BN``.

    >>> parse_outcome("loss:5000")
    LossAbove(level=5000.0)
    """
    head, _, arg = text.partition(":")
    if head == "default":
        return EntityDefaults(arg or None)
    if head == "downgrades" and not arg:
        return DowngradesAbove()
    if head in ("loss", "downgrades"):
        try:
            level = float(arg)
        except ValueError:
            level = math.nan
        if math.isfinite(level):
            return LossAbove(level) if head == "loss" else DowngradesAbove(level)
    raise ScenarioError("'outcome' must be default, default:ENTITY, loss:USD_BN, downgrades or "
                        f"downgrades:USD_BN, got {text!r}")


def _direction(direction: str | ShockDirection) -> ShockDirection:
    if isinstance(direction, ShockDirection):
        return direction
    if direction not in DIRECTIONS:
        raise ScenarioError(f"unknown direction {direction!r} (allowed: {', '.join(DIRECTIONS)})")
    return DIRECTIONS[direction]
