"""Scaling economics (SPEC M3): training cost per model generation against capability.

Cost grows geometrically per generation; the fitted factor is
:math:`\\exp(\\hat b)` from :math:`\\ln C_k = a + b k` (least squares over generations *k*).
Capability is fitted against the decimal log of cost, :math:`y = α + β \\log_{10} C`, on
the accuracy itself (``transform="raw"``) or on its log-odds (``"logit"``, the default,
because an accuracy is bounded by 100 %): β is the capability gained per tenfold spend.
The marginal cost of capability between consecutive generations is
:math:`ΔC / Δy` (USD m per point, or per unit of log-odds).

"Cost exponential, benefit logarithmic" (seed 002) is the statement that β is finite and
that :math:`ΔC/Δy` grows with each generation.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import DataError, ScenarioError
from bubblescope.model.inputs import FIRST_DATA_LINE

__all__ = ["Generation", "ScalingFit", "fit_scaling"]

Transform = Literal["raw", "logit"]


@dataclass(frozen=True)
class Generation:
    """One model generation: its training cost (USD m) and capability (percent, or None)."""

    generation: int
    model: str
    year: int
    cost: float
    capability: float | None
    metric: str
    cost_source: str
    capability_source: str
    confidence: str = ""


@dataclass(frozen=True)
class ScalingFit:
    """Fitted cost growth, capability per tenfold cost, and marginal costs."""

    generations: tuple[Generation, ...]
    transform: Transform
    cost_factor: float
    per_decade: float | None
    intercept: float | None
    marginal: tuple[tuple[str, float | None], ...]

    @property
    def cost_growth(self) -> float:
        """Yearly-equivalent growth is not claimed; this is growth per generation (0.. )."""
        return self.cost_factor - 1.0

    def predict(self, cost: float) -> float | None:
        """Capability (percent) the log fit gives at ``cost`` (USD m)."""
        if self.per_decade is None or self.intercept is None:
            return None
        y = self.intercept + self.per_decade * math.log10(cost)
        return 100.0 / (1.0 + math.exp(-y)) if self.transform == "logit" else y

    def __str__(self) -> str:
        lines = [f"Training cost x{self.cost_factor:.1f} per generation "
                 f"({', '.join(f'{g.model} ${g.cost:,.0f}m' for g in self.generations)})"]
        unit = "log-odds" if self.transform == "logit" else "points"
        per = "log-odds unit" if self.transform == "logit" else "point"
        if self.per_decade is not None:
            lines.append(f"  capability gain per 10x cost: {self.per_decade:.2f} {unit} "
                         f"({self.generations[0].metric})")
        for step, cost in self.marginal:
            shown = "n/a (capability missing)" if cost is None else f"${cost:,.0f}m per {per}"
            lines.append(f"  marginal cost {step}: {shown}")
        return "\n".join(lines)


def fit_scaling(generations: Sequence[Generation], transform: Transform = "logit") -> ScalingFit:
    """Fit cost growth per generation and capability against log cost.

    Raises
    ------
    DataError
        For a non-positive cost, or a capability outside (0, 100) under ``logit``.
    ScenarioError
        With fewer than two generations.
    """
    gens = tuple(sorted(generations, key=lambda g: g.generation))
    if len(gens) < 2:
        raise ScenarioError(f"need at least two generations, got {len(gens)}")
    _validate(gens, transform)
    k = np.array([g.generation for g in gens], dtype=np.float64)
    slope = float(np.polyfit(k, np.log([g.cost for g in gens]), 1)[0])
    known = [g for g in gens if g.capability is not None]
    per_decade = intercept = None
    if len(known) >= 2:
        x = np.log10([g.cost for g in known])
        y = _transform(np.array([g.capability for g in known], dtype=np.float64), transform)
        per_decade, intercept = (float(v) for v in np.polyfit(x, y, 1))
    return ScalingFit(gens, transform, math.exp(slope), per_decade, intercept,
                      _marginal(gens, transform))


def _validate(gens: Sequence[Generation], transform: Transform) -> None:
    for i, g in enumerate(gens, start=FIRST_DATA_LINE):  # generations in file order
        if not g.cost > 0:
            raise DataError.single("scaling.csv", i, "training_cost_usd_m", "must be > 0", g.cost)
        if g.capability is not None and transform == "logit" and not 0 < g.capability < 100:
            raise DataError.single("scaling.csv", i, "capability",
                                   "must be a percentage strictly between 0 and 100", g.capability)


def _transform(y: FloatArray, transform: Transform) -> FloatArray:
    if transform == "raw":
        return y
    p = y / 100.0
    return np.log(p / (1.0 - p))


def _marginal(gens: Sequence[Generation], transform: Transform
              ) -> tuple[tuple[str, float | None], ...]:
    out: list[tuple[str, float | None]] = []
    for a, b in itertools.pairwise(gens):
        step = f"{a.model}→{b.model}"
        if a.capability is None or b.capability is None:
            out.append((step, None))
            continue
        ya, yb = _transform(np.array([a.capability, b.capability]), transform)
        gain = float(yb - ya)
        out.append((step, (b.cost - a.cost) / gain if gain > 0 else math.inf))
    return tuple(out)
