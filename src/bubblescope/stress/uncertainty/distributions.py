"""Distributions of uncertain scenario inputs: the ``uncertain:`` section of a scenario file.

Most inputs of the AI web are uncertain or undisclosed. A scenario file declares, for each
uncertain input, the scenario field it sets and its distribution::

    uncertain:
      revenue_shortfall: {dist: triangular, low: 0.0, mode: 0.2, high: 0.6}
      gpu_price_fall:    {dist: beta, a: 2, b: 5}
      spread_widening:   {dist: lognormal, mu: -5.3, sigma: 0.5, field: credit_spread_bp}

Every distribution samples by inverse transform, ``x = F^{-1}(u)`` with ``u`` uniform on
(0, 1): the same uniforms give the same inputs on every machine, and the Sobol design of
:mod:`bubblescope.stress.uncertainty.sensitivity` reuses :meth:`Distribution.ppf`.

>>> import numpy as np
>>> u = parse_uncertainty({"g": {"dist": "uniform", "low": 1, "high": 3}})
>>> u.names
('g',)
>>> u.inputs[0].dist.ppf(np.array([0.0, 0.5, 1.0])).tolist()
[1.0, 2.0, 3.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

import numpy as np
from scipy import stats

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.model.yamldoc import Marks
from bubblescope.stress import params
from bubblescope.stress.scenario import FIELD_RULES, Rule

__all__ = [
    "DEFAULT_UNCERTAIN",
    "DIST_KINDS",
    "EXPOSURE",
    "SCALAR_ONLY",
    "Beta",
    "DistKind",
    "Distribution",
    "LogNormal",
    "Normal",
    "Triangular",
    "UncertainInput",
    "Uncertainty",
    "Uniform",
    "check_fields",
    "parse_distribution",
    "parse_uncertainty",
]

DistKind = Literal["normal", "lognormal", "uniform", "triangular", "beta"]
DIST_KINDS: Final[tuple[str, ...]] = get_args(DistKind)

#: Uncertainty used when a scenario declares none. Every law is an assumption of this tool,
#: chosen to span the seeds' stories (see docs/montecarlo.md for the reasoning):
#: AI revenue shortfall mean 0.18 (seed 002: revenue far below commitments), GPU price
#: fall mode 0.1 up to 0.6 (seed 003: the collateral spiral), spread widening mean 2pp
#: (seed 004: a repricing of dollar assets), senior recovery 25-55% (long-run averages of
#: senior unsecured bonds are about 40%), GPU depreciation 15-40% a year (economic life of
#: 3-4 years against accounting lives of 5-6).
DEFAULT_UNCERTAIN: Final[dict[str, dict[str, Any]]] = {
    "revenue_shortfall": {"dist": "beta", "a": 1.5, "b": 6.5, "high": 0.9,
                          "field": "ai_revenue_shock"},
    "gpu_price_fall": {"dist": "triangular", "low": 0.0, "mode": 0.1, "high": 0.6,
                       "field": "gpu_price_shock"},
    "spread_widening": {"dist": "beta", "a": 2.0, "b": 8.0, "high": 0.1,
                        "field": "spread_shock"},
    "recovery": {"dist": "uniform", "low": 0.25, "high": 0.55, "field": "recovery_senior"},
    "gpu_depreciation": {"dist": "triangular", "low": 0.15, "mode": 0.25, "high": 0.4,
                         "field": "gpu_depreciation"},
}

# Uniforms are kept off 0 and 1 so that unbounded laws never return +-inf.
_U_EPS: Final[float] = 1e-12


@dataclass(frozen=True)
class Normal:
    """Normal law with ``mean`` and standard deviation ``sd`` > 0."""

    mean: float
    sd: float
    kind: Literal["normal"] = "normal"

    def ppf(self, u: FloatArray) -> FloatArray:
        """Quantiles at ``u`` (array of any shape, values in [0, 1])."""
        return np.asarray(stats.norm.ppf(_open(u), loc=self.mean, scale=self.sd), np.float64)


@dataclass(frozen=True)
class LogNormal:
    """Log-normal law: ``log X`` is normal with mean ``mu`` and sd ``sigma`` > 0."""

    mu: float
    sigma: float
    kind: Literal["lognormal"] = "lognormal"

    def ppf(self, u: FloatArray) -> FloatArray:
        """Quantiles at ``u`` (array of any shape, values in [0, 1])."""
        z = stats.norm.ppf(_open(u))
        return np.asarray(np.exp(self.mu + self.sigma * z), np.float64)


@dataclass(frozen=True)
class Uniform:
    """Uniform law on [``low``, ``high``], ``low`` < ``high``."""

    low: float
    high: float
    kind: Literal["uniform"] = "uniform"

    def ppf(self, u: FloatArray) -> FloatArray:
        """Quantiles at ``u`` (array of any shape, values in [0, 1])."""
        return np.asarray(self.low + (self.high - self.low) * np.asarray(u), np.float64)


@dataclass(frozen=True)
class Triangular:
    """Triangular law on [``low``, ``high``] with mode ``mode``, low <= mode <= high."""

    low: float
    mode: float
    high: float
    kind: Literal["triangular"] = "triangular"

    def ppf(self, u: FloatArray) -> FloatArray:
        """Quantiles at ``u`` (array of any shape, values in [0, 1])."""
        width = self.high - self.low
        c = (self.mode - self.low) / width
        return np.asarray(stats.triang.ppf(_open(u), c, loc=self.low, scale=width), np.float64)


@dataclass(frozen=True)
class Beta:
    """Beta law with shapes ``a``, ``b`` > 0, scaled to [``low``, ``high``] (default [0, 1])."""

    a: float
    b: float
    low: float = 0.0
    high: float = 1.0
    kind: Literal["beta"] = "beta"

    def ppf(self, u: FloatArray) -> FloatArray:
        """Quantiles at ``u`` (array of any shape, values in [0, 1])."""
        x = stats.beta.ppf(_open(u), self.a, self.b)
        return np.asarray(self.low + (self.high - self.low) * x, np.float64)


Distribution = Normal | LogNormal | Uniform | Triangular | Beta


@dataclass(frozen=True)
class UncertainInput:
    """One uncertain input: its ``name``, the scenario ``field`` it sets and its law."""

    name: str
    field: str
    dist: Distribution


@dataclass(frozen=True)
class Uncertainty:
    """The declared uncertain inputs of a scenario, in file order."""

    inputs: tuple[UncertainInput, ...]

    def __str__(self) -> str:
        lines = [f"Uncertainty over {len(self.inputs)} inputs:"]
        lines += [f"  {i.name} -> {i.field}: {i.dist}" for i in self.inputs]
        return "\n".join(lines)

    @property
    def names(self) -> tuple[str, ...]:
        """Input names, in order (the columns of :meth:`transform`)."""
        return tuple(i.name for i in self.inputs)

    @property
    def dim(self) -> int:
        """Number of uncertain inputs."""
        return len(self.inputs)

    def transform(self, u: FloatArray) -> FloatArray:
        """Map uniforms of shape (n, dim) to inputs of shape (n, dim) by each law's ppf."""
        out = np.empty_like(u, dtype=np.float64)
        for j, item in enumerate(self.inputs):
            out[:, j] = item.dist.ppf(u[:, j])
        return out

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """Draw ``n`` joint samples (independent inputs), an array of shape (n, dim)."""
        return self.transform(rng.random((n, self.dim)))

    def as_fields(self, x: FloatArray) -> dict[str, FloatArray]:
        """Scenario fields of samples ``x`` (n, dim): field name → array of shape (n,)."""
        return {item.field: x[:, j].copy() for j, item in enumerate(self.inputs)}


#: Per-path field that picks one of the run's web variants (a uniform in [0, 1)): webs with
#: exposures reconstructed from totals, or, by default, webs whose amounts are drawn by their
#: confidence (stress/data_uncertainty.py).
EXPOSURE: Final[str] = "exposure_draw"

#: Scenario fields the engine takes as one number per run (not per path).
SCALAR_ONLY: Final[frozenset[str]] = frozenset(params.SCALAR_ONLY)


_EXPOSURE_RULE: Final[Rule] = Rule(0.0, 1.0, "", "which web variant a path uses")


def check_fields(uncertainty: Uncertainty, file: str = "scenario") -> None:
    """Raise ScenarioError unless every uncertain field is a per-path scenario field whose
    allowed range holds the whole support of its law (every problem at once; ``file`` names
    where the section came from)."""
    _raise_all([p for item in uncertainty.inputs for p in _field_problems(item, file)], file)


def _field_problems(item: UncertainInput, file: str) -> list[str]:
    where = f"{file}: uncertain.{item.name}"
    rule = _EXPOSURE_RULE if item.field == EXPOSURE else FIELD_RULES.get(item.field)
    if rule is None or rule.integer or item.field in SCALAR_ONLY:
        allowed = sorted(k for k, r in FIELD_RULES.items()
                         if not r.integer and k not in SCALAR_ONLY)
        return [f"{where}.field must be a numeric scenario field that can vary "
                f"by path (allowed: {', '.join(allowed)}), got {item.field!r}"]
    lo, hi = item.dist.ppf(np.array([0.0, 1.0]))
    if lo < rule.lo or hi > rule.hi:
        return [f"{where}: the law must stay within {item.field!r}'s range [{rule.lo:g}, "
                f"{rule.hi:g}] ({rule.doc}); its support is [{lo:.4g}, {hi:.4g}] - use a "
                f"bounded law (uniform, triangular, beta) or narrower parameters"]
    return []


# --- parsing at the boundary -------------------------------------------------------------
_PARAMS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "normal": (("mean", "sd"), ()),
    "lognormal": (("mu", "sigma"), ()),
    "uniform": (("low", "high"), ()),
    "triangular": (("low", "mode", "high"), ()),
    "beta": (("a", "b"), ("low", "high")),
}


def parse_uncertainty(section: Mapping[str, Any], file: str = "scenario",
                      engine: bool = False, marks: Marks | None = None) -> Uncertainty:
    """Validate the ``uncertain:`` section of a scenario file.

    Parameters
    ----------
    section : mapping
        Input name → mapping with ``dist`` (one of :data:`DIST_KINDS`), the law's
        parameters and optionally ``field`` (the scenario field set; default the name).
    file : str
        Where the section came from, for error messages.
    engine : bool
        Also check what :func:`check_fields` checks (fields the crash engine can vary).
    marks : Marks, optional
        Where the file's values stand (:func:`~bubblescope.model.yamldoc.read_yaml_marked`):
        each problem then names the line and column of its input's parameter.

    Raises
    ------
    ScenarioError
        Listing every problem of the section, each naming the file, the input and
        parameter, the rule and the value.
    """
    if not isinstance(section, Mapping) or not section:
        raise ScenarioError(
            f"{file}: 'uncertain' must be a non-empty mapping of input name to law, "
            f"got {section!r}"
        )
    inputs: list[UncertainInput] = []
    problems: list[str] = []
    for name, spec in section.items():
        try:
            inputs.append(_parse_input(str(name), spec, file))
        except ScenarioError as exc:
            problems += str(exc).split("\n")
    fields = [i.field for i in inputs]
    problems += [f"{file}: uncertain fields must be unique, got {f!r} twice"
                 for f in sorted({f for f in fields if fields.count(f) > 1})]
    if engine:
        problems += [p for item in inputs for p in _field_problems(item, file)]
    if marks is not None:
        names = sorted((str(n) for n in section), key=len, reverse=True)
        problems = [_located(p, file, names, marks) for p in problems]
    _raise_all(problems, file)
    return Uncertainty(tuple(inputs))


def _located(problem: str, file: str, names: list[str], marks: Marks) -> str:
    """``problem`` (``FILE: uncertain.NAME[.KEY] ...``) with the line and column of
    ``uncertain.NAME.KEY`` (or of the input ``NAME``) after the file name."""
    head = f"{file}: uncertain."
    rest = problem.removeprefix(head)
    name = next((n for n in names if rest.startswith(n)
                 and rest[len(n):len(n) + 1] in (".", " ", ":", "")), None)
    if rest == problem or name is None:
        return problem
    key = rest[len(name) + 1:].split(" ", 1)[0] if rest[len(name):].startswith(".") else ""
    pos = marks.value("uncertain", name, *((key,) if key else ()))
    if pos is None:
        return problem
    return f"{file} line {pos[0]}, column {pos[1]}: uncertain.{rest}"


def _raise_all(problems: list[str], file: str) -> None:
    """Raise one ScenarioError listing every problem (the message alone when there is one)."""
    if len(problems) == 1:
        raise ScenarioError(problems[0])
    if problems:
        raise ScenarioError(f"{len(problems)} problems in the 'uncertain' section of {file}:\n"
                            + "\n".join(f"  - {p}" for p in problems))


def parse_distribution(spec: Mapping[str, Any], where: str) -> Distribution:
    """Validate one law given as ``{"dist": kind, <params>}``; ``where`` prefixes errors.

    Every problem of the law is reported at once, one per line of the message.
    """
    kind = spec.get("dist")
    if kind not in DIST_KINDS:
        raise ScenarioError(f"{where}.dist must be one of {', '.join(DIST_KINDS)}, got {kind!r}")
    required, optional = _PARAMS[str(kind)]
    allowed = {"dist", "field", *required, *optional}
    problems = [f"{where}.{key} is not a parameter of {kind} "
                f"(allowed: {', '.join(sorted(allowed))}), got {spec[key]!r}"
                for key in spec if key not in allowed]
    values: dict[str, float] = {}
    for key in (*required, *(k for k in optional if k in spec)):
        try:
            values[key] = _number(spec, key, where)
        except ScenarioError as exc:
            problems.append(str(exc))
    if not problems:
        problems = _law_problems(str(kind), values, where)
    if problems:
        raise ScenarioError("\n".join(problems))
    return _build(str(kind), values)


def _parse_input(name: str, spec: object, file: str) -> UncertainInput:
    where = f"{file}: uncertain.{name}"
    if not isinstance(spec, Mapping):
        raise ScenarioError(f"{where} must be a mapping with 'dist' and parameters, got {spec!r}")
    field = spec.get("field", name)
    if not isinstance(field, str) or not field:
        raise ScenarioError(f"{where}.field must be a non-empty field name, got {field!r}")
    return UncertainInput(name, field, parse_distribution(spec, where))


def _number(spec: Mapping[str, Any], key: str, where: str) -> float:
    if key not in spec:
        raise ScenarioError(f"{where}.{key} is required for {spec.get('dist')}, got nothing")
    raw = spec[key]
    if isinstance(raw, bool):
        raise ScenarioError(f"{where}.{key} must be a finite number, got {raw!r}")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ScenarioError(f"{where}.{key} must be a finite number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ScenarioError(f"{where}.{key} must be a finite number, got {raw!r}")
    return value


def _build(kind: str, v: dict[str, float]) -> Distribution:
    if kind == "normal":
        return Normal(v["mean"], v["sd"])
    if kind == "lognormal":
        return LogNormal(v["mu"], v["sigma"])
    if kind == "uniform":
        return Uniform(v["low"], v["high"])
    if kind == "triangular":
        return Triangular(v["low"], v["mode"], v["high"])
    return Beta(v["a"], v["b"], v.get("low", 0.0), v.get("high", 1.0))


def _law_problems(kind: str, v: dict[str, float], where: str) -> list[str]:
    """Every broken rule among the parameters ``v`` of a law of ``kind``."""
    rules: list[tuple[bool, str, str]] = []
    if kind in ("normal", "lognormal"):
        scale = "sd" if kind == "normal" else "sigma"
        rules.append((v[scale] > 0, scale, "must be > 0"))
    else:
        low, high = v.get("low", 0.0), v.get("high", 1.0)
        rules.append((low < high, "high", f"must be > low ({low})"))
    if kind == "triangular":
        rules.append((v["low"] <= v["mode"] <= v["high"], "mode",
                      f"must lie in [low, high] = [{v['low']}, {v['high']}]"))
    if kind == "beta":
        rules += [(v["a"] > 0, "a", "must be > 0"), (v["b"] > 0, "b", "must be > 0")]
    return [f"{where}.{key} {rule}, got {v.get(key, 1.0 if key == 'high' else 0.0)!r}"
            for ok, key, rule in rules if not ok]


def _open(u: FloatArray) -> FloatArray:
    return np.clip(np.asarray(u, dtype=np.float64), _U_EPS, 1.0 - _U_EPS)
