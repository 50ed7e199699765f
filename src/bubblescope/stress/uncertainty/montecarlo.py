"""Monte Carlo over the uncertain inputs: from one run to distributions of losses.

A run draws the uncertain inputs of every path, evaluates a :class:`PathModel` on chunks
of paths (locally or on a Dask cluster, see :mod:`bubblescope.stress.uncertainty.backends`) and
collects the outcomes into a :class:`MonteCarloResult`.

Reproducibility. Paths are grouped in fixed blocks of :data:`BLOCK_SIZE`; block ``k`` draws
its uniforms from ``SeedSequence(seed).spawn(...)[k]`` (the stream with spawn key
``(k,)``). A path's inputs therefore depend only on ``(seed, path index)``: the same seed
gives the same numbers on every backend and for any chunk size. Models are deterministic
given their inputs (randomness enters only as inputs), so outcomes are identical too.

>>> import numpy as np
>>> from bubblescope.stress.uncertainty.distributions import parse_uncertainty
>>> u = parse_uncertainty({"x": {"dist": "uniform", "low": 0, "high": 1}})
>>> a = draw_inputs(u, seed=1, start=0, stop=10)
>>> b = np.vstack([draw_inputs(u, 1, 0, 3), draw_inputs(u, 1, 3, 10)])
>>> bool((a == b).all())
True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal, Protocol, get_args

import numpy as np
import pandas as pd
from scipy import stats as sps

from bubblescope.model._typing import FloatArray, IntArray
from bubblescope.model.errors import ScenarioError
from bubblescope.model.jsonsafe import finite
from bubblescope.model.kinds import HOLDER_SECTORS
from bubblescope.model.tables import Tabular
from bubblescope.stress.compile import CompiledWeb
from bubblescope.stress.engine import simulate
from bubblescope.stress.ledger import CLASS_NAMES
from bubblescope.stress.result import StressResult
from bubblescope.stress.scenario import Scenario
from bubblescope.stress.uncertainty.backends import Backend, LocalBackend
from bubblescope.stress.uncertainty.distributions import EXPOSURE, Uncertainty, check_fields

__all__ = [
    "BLOCK_SIZE",
    "DOWNGRADES_2008",
    "DOWNGRADE_MEASURE",
    "MEASURE_LABELS",
    "NOISE",
    "Chunk",
    "ChunkResult",
    "ConvergenceCheck",
    "EngineModel",
    "LossMeasure",
    "MonteCarloResult",
    "PathModel",
    "PathOutcome",
    "assemble",
    "draw_inputs",
    "draw_noise",
    "engine_model",
    "evaluate_chunk",
    "outcome_of",
    "plan_chunks",
    "run_montecarlo",
]

#: Paths per random-stream block; part of a run's identity (changing it changes the draws).
BLOCK_SIZE: Final[int] = 256
#: Debt downgraded from investment grade to junk in 2008, USD bn (seed 004).
DOWNGRADES_2008: Final[float] = 1900.0
#: What the downgrade figure measures, stated wherever it is compared with 2008.
DOWNGRADE_MEASURE: Final[str] = ("face amount of paper rated investment grade at the start "
                                 "that is junk by the end, the point run's 'junked'")
#: Default number of paths per chunk.
DEFAULT_CHUNK: Final[int] = 1024
#: Key of the per-path standard-normal noise in the fields passed to a model.
NOISE: Final[str] = "noise"

Progress = Callable[[int, int], None]
#: Loss measures of a Monte Carlo result: realised credit; realised credit and debt marks
#: (the credit-first headline); equity marks (shown beside, never added); all three
#: (``system``). Each is what the holder sectors bear with funds looked through.
LossMeasure = Literal["credit", "credit_and_debt", "equity", "system"]
#: Labels of :data:`LossMeasure` in tables and text.
MEASURE_LABELS: Final[dict[str, str]] = {
    "credit": "realised credit", "credit_and_debt": "realised credit + debt marks",
    "equity": "equity marks", "system": "all three classes"}
_SHOWN: Final[tuple[LossMeasure, ...]] = ("credit_and_debt", "credit", "equity")


@dataclass(frozen=True)
class PathOutcome:
    """What a model reports for each of ``n`` paths (amounts in USD bn).

    Attributes
    ----------
    system_loss : ndarray of shape (n,)
        Loss the holder sectors finally bear over the horizon, all three classes, funds
        looked through (each loss counted once).
    sector_loss : ndarray of shape (n, n_sectors)
        Loss borne by each holder sector (funds looked through).
    default_quarter : ndarray of shape (n, n_entities)
        Quarter (0-based) in which each entity defaults; NaN when it does not.
    downgraded : ndarray of shape (n,)
        Face amount of the paper rated investment grade at the start that is junk by the
        end of the horizon (cumulative; the measure of the point run's "junked").
    class_loss : ndarray of shape (n, 3)
        ``system_loss`` split into realised credit, debt marks and equity marks
        (:data:`~bubblescope.stress.ledger.CLASS_NAMES`).
    """

    system_loss: FloatArray
    sector_loss: FloatArray
    default_quarter: FloatArray
    downgraded: FloatArray
    class_loss: FloatArray

    @classmethod
    def credit_only(cls, system_loss: FloatArray, sector_loss: FloatArray,
                    default_quarter: FloatArray, downgraded: FloatArray) -> PathOutcome:
        """Outcomes of a model whose every loss is realised credit (no marks)."""
        classes = np.zeros((np.asarray(system_loss).shape[0], len(CLASS_NAMES)))
        classes[:, 0] = system_loss
        return cls(system_loss, sector_loss, default_quarter, downgraded, classes)

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return int(self.system_loss.shape[0])

    @property
    def credit_and_marks(self) -> FloatArray:
        """Realised credit losses plus debt marks of each path, (n,): the credit-first
        headline measure (equity marks left out)."""
        return np.asarray(self.class_loss[:, 0] + self.class_loss[:, 1], dtype=np.float64)

    def take(self, index: IntArray) -> PathOutcome:
        """The outcomes of the paths at ``index`` (shape (k,)), in that order."""
        return PathOutcome(self.system_loss[index], self.sector_loss[index],
                           self.default_quarter[index], self.downgraded[index],
                           self.class_loss[index])

    @staticmethod
    def concat(parts: Sequence[PathOutcome]) -> PathOutcome:
        """Stack the paths of ``parts`` in order."""
        return PathOutcome(
            np.concatenate([p.system_loss for p in parts]),
            np.concatenate([p.sector_loss for p in parts]),
            np.concatenate([p.default_quarter for p in parts]),
            np.concatenate([p.downgraded for p in parts]),
            np.concatenate([p.class_loss for p in parts]),
        )

    def measure(self, of: LossMeasure) -> FloatArray:
        """Per-path loss of one :data:`LossMeasure`, shape (n,)."""
        c = self.class_loss
        pick = {"credit": c[:, 0], "credit_and_debt": c[:, 0] + c[:, 1],
                "equity": c[:, 2], "system": self.system_loss}
        return np.asarray(pick[of], dtype=np.float64)


class PathModel(Protocol):
    """A deterministic map from per-path scenario fields to per-path outcomes.

    ``evaluate(fields, n_paths)`` receives, for each uncertain scenario field, an array of
    shape (n_paths,) and returns a :class:`PathOutcome` of ``n_paths`` paths. A model that
    needs ``n_noise > 0`` standard normals per path gets them from the Monte Carlo streams
    as ``fields[NOISE]`` of shape (n_paths, n_noise) (absent: no noise). Models must pickle
    (they travel to Dask workers).
    """

    @property
    def n_noise(self) -> int: ...

    @property
    def entity_ids(self) -> tuple[str, ...]: ...

    @property
    def sectors(self) -> tuple[str, ...]: ...

    @property
    def n_quarters(self) -> int: ...

    def evaluate(self, fields: Mapping[str, FloatArray], n_paths: int) -> PathOutcome: ...


@dataclass(frozen=True)
class Chunk:
    """Paths ``start`` (inclusive) to ``stop`` (exclusive), the ``index``-th unit of work."""

    index: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        """Number of paths in the chunk."""
        return self.stop - self.start


@dataclass(frozen=True)
class ChunkResult:
    """Inputs of shape (size, n_inputs) and outcomes of one chunk's paths."""

    chunk: Chunk
    inputs: FloatArray
    outcome: PathOutcome


@dataclass(frozen=True)
class ConvergenceCheck:
    """Batch-means 95% interval of one estimate and whether it is tight enough.

    ``half_width`` is the 95% half-width (Student t, ``n_batches - 1`` dof); the check passes
    when it is at most ``tol`` times the magnitude of the estimate (``tol`` if that is < 1).
    """

    metric: str
    estimate: float
    std_error: float
    half_width: float
    tol: float

    def __str__(self) -> str:
        flag = "ok" if self.passed else "NOT converged"
        return (f"{self.metric}: {self.estimate:,.3f} ± {self.half_width:,.3f} "
                f"(95%, se {self.std_error:,.3f}) {flag}")

    @property
    def passed(self) -> bool:
        """Whether the 95% half-width is within tolerance."""
        return self.half_width <= self.tol * max(abs(self.estimate), 1.0)


@dataclass(frozen=True)
class MonteCarloResult(Tabular):
    """The outcome of a Monte Carlo run; prints as its summary.

    ``inputs`` has shape (n_paths, n_inputs) in the order of ``input_names``; ``outcome``
    holds per-path results (see :class:`PathOutcome`), with labels ``entity_ids`` and
    ``sectors``.
    """

    seed: int
    input_names: tuple[str, ...]
    inputs: FloatArray
    outcome: PathOutcome
    entity_ids: tuple[str, ...]
    sectors: tuple[str, ...]
    n_quarters: int
    level: float = 0.99

    def __str__(self) -> str:
        lv = self.level
        lines = [
            f"Monte Carlo: {self.n_paths:,} paths, seed {self.seed}, {self.n_quarters} quarters",
            "  holder sectors' losses, funds looked through (USD bn; equity marks beside, "
            "never added):",
        ]
        for of in _SHOWN:
            x = self.outcome.measure(of)
            lines.append(f"    {MEASURE_LABELS[of]}: mean {x.mean():,.1f}, VaR{lv:.0%} "
                         f"{self.var(of=of):,.1f}, ES{lv:.0%} "
                         f"{self.expected_shortfall(of=of):,.1f}")
        lines.append(f"  P(downgrades > 2008's $1.9T) = {self.p_downgrades_exceed():.3f} "
                     f"± {self.p_downgrades_exceed_se():.3f} ({DOWNGRADE_MEASURE})")
        pd_ = self.default_probability().sort_values(ascending=False).head(5)
        lines += [f"  P(default) {k}: {v:.3f}" for k, v in pd_.items() if v > 0]
        lines += [f"  {c}" for c in self.convergence()]
        return "\n".join(lines)

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return self.outcome.n_paths

    def to_dict(self) -> dict[str, Any]:
        """The run's figures as plain JSON data (non-finite numbers as ``None``): the one
        schema of ``montecarlo --json``, ``stress --paths N --json`` and ``run --json``
        (docs/json.md)."""
        timing = self.default_timing().reset_index(names="entity")
        return dict(finite({
            "paths": self.n_paths, "seed": self.seed, "quarters": self.n_quarters,
            "inputs": list(self.input_names), "level": self.level,
            "system_loss": {"mean": float(self.outcome.system_loss.mean()),
                            "var": self.var(of="system"),
                            "expected_shortfall": self.expected_shortfall(of="system"),
                            "measure": "holder sectors, funds looked through, all three "
                                       "classes"},
            "credit_first": self.loss_summary().to_dict(orient="records"),
            "p_downgrades_exceed_2008": self.p_downgrades_exceed(),
            "p_downgrades_exceed_2008_se": self.p_downgrades_exceed_se(),
            "sector_losses": self.sector_losses().reset_index(names="sector")
            .to_dict(orient="records"),
            "defaults": timing[timing["default_probability"] > 0].to_dict(orient="records"),
            "convergence": [{**asdict(c), "passed": c.passed}
                            for c in self.convergence()],
            "converged": self.converged,
        }))

    # --- losses (credit first) ----------------------------------------------------------
    def var(self, level: float | None = None, of: LossMeasure = "credit_and_debt") -> float:
        """Value at risk of the holder sectors' loss ``of``: its ``level`` quantile, USD bn."""
        return _var(self.outcome.measure(of), self.level if level is None else level)

    def expected_shortfall(self, level: float | None = None,
                           of: LossMeasure = "credit_and_debt") -> float:
        """Mean loss ``of`` in the worst ``1 - level`` of paths, USD bn."""
        return _es(self.outcome.measure(of), self.level if level is None else level)

    def loss_summary(self) -> pd.DataFrame:
        """Mean, VaR and ES of each :data:`LossMeasure` (rows), USD bn: credit first, equity
        marks beside, and all three classes last (never the headline)."""
        rows = [{"measure": MEASURE_LABELS[of], "mean": float(self.outcome.measure(of).mean()),
                 "var": self.var(of=of), "expected_shortfall": self.expected_shortfall(of=of)}
                for of in get_args(LossMeasure)]
        return pd.DataFrame(rows)

    # --- entities and sectors ------------------------------------------------------------
    def default_probability(self) -> pd.Series:
        """Share of paths in which each entity defaults."""
        p = np.mean(~np.isnan(self.outcome.default_quarter), axis=0)
        return pd.Series(p, index=list(self.entity_ids), name="default_probability")

    def default_probability_se(self) -> pd.Series:
        """Binomial standard error of :meth:`default_probability`."""
        p = self.default_probability()
        return pd.Series(np.sqrt(p * (1 - p) / self.n_paths), name="std_error")

    def default_timing(self) -> pd.DataFrame:
        """Per entity: default probability, its standard error, and the mean and earliest
        default quarter among paths where it defaults (NaN when it never does)."""
        q = self.outcome.default_quarter
        hit = ~np.isnan(q)
        count = hit.sum(axis=0)
        mean_q = np.where(count > 0, np.nansum(q, axis=0) / np.maximum(count, 1), np.nan)
        first = np.where(count > 0, np.where(hit, q, np.inf).min(axis=0), np.nan)
        return pd.DataFrame({
            "default_probability": self.default_probability(),
            "std_error": self.default_probability_se(),
            "mean_quarter": mean_q,
            "first_quarter": first,
        }, index=list(self.entity_ids))

    def sector_losses(self) -> pd.DataFrame:
        """Loss distribution per holder sector: mean, std error, median, 95% and 99% quantiles."""
        x = self.outcome.sector_loss
        return pd.DataFrame({
            "mean": x.mean(axis=0),
            "std_error": x.std(axis=0, ddof=1) / math.sqrt(self.n_paths) if self.n_paths > 1
            else np.full(x.shape[1], np.nan),
            "p50": np.quantile(x, 0.5, axis=0),
            "p95": np.quantile(x, 0.95, axis=0),
            "p99": np.quantile(x, 0.99, axis=0),
        }, index=list(self.sectors))

    # --- the 2008 benchmark ----------------------------------------------------------------
    def p_downgrades_exceed(self, threshold: float = DOWNGRADES_2008) -> float:
        """Probability that the volume downgraded to junk exceeds ``threshold`` USD bn."""
        return float(np.mean(self.outcome.downgraded > threshold))

    def p_downgrades_exceed_se(self, threshold: float = DOWNGRADES_2008) -> float:
        """Binomial standard error of :meth:`p_downgrades_exceed`."""
        p = self.p_downgrades_exceed(threshold)
        return math.sqrt(p * (1 - p) / self.n_paths)

    # --- convergence ---------------------------------------------------------------------
    def convergence(self, tol: float = 0.05, n_batches: int = 20) -> tuple[ConvergenceCheck, ...]:
        """Batch-means 95% intervals of the mean, VaR and ES of the holder sectors' realised
        credit and debt-mark loss (the headline measure), checked against ``tol``.

        Paths are cut into (at most) ``n_batches`` contiguous batches by path index
        (independent of chunking); the standard error of a statistic is the standard
        deviation of its batch values over ``sqrt(batches)``. A tail statistic needs at
        least ``10 / (1 - level)`` paths per batch, so with fewer than two such batches its
        check fails (infinite half-width): there are not enough paths to judge it.
        """
        loss = self.outcome.measure("credit_and_debt")
        tail = math.ceil(10 / (1 - self.level))
        stats: dict[str, tuple[Callable[[FloatArray], float], int]] = {
            "mean credit + debt-mark loss": (lambda v: float(v.mean()), n_batches),
            f"VaR{self.level:.0%}": (functools.partial(_var, level=self.level),
                                     min(n_batches, loss.size // tail)),
            f"ES{self.level:.0%}": (functools.partial(_es, level=self.level),
                                    min(n_batches, loss.size // tail)),
        }
        return tuple(_batch_check(name, fn, loss, b, tol) for name, (fn, b) in stats.items())

    @property
    def converged(self) -> bool:
        """Whether every :meth:`convergence` check passes at its default tolerance."""
        return all(c.passed for c in self.convergence())

    # --- tables --------------------------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """Summary (mean, VaR, ES, 2008 odds), sector loss distributions, default timing,
        convergence and one row per path; units in the names."""
        lv = f"{self.level:.0%}"
        rows = [("paths", float(self.n_paths), "paths"), ("seed", float(self.seed), "")]
        for of in get_args(LossMeasure):
            name = MEASURE_LABELS[of]
            rows += [(f"mean {name}", float(self.outcome.measure(of).mean()), "USD bn"),
                     (f"VaR {lv} {name}", self.var(of=of), "USD bn"),
                     (f"expected shortfall {lv} {name}", self.expected_shortfall(of=of),
                      "USD bn")]
        rows.append(("P(downgrades > 2008's 1.9T)", self.p_downgrades_exceed(), "probability"))
        summary = pd.DataFrame(rows, columns=["figure", "value", "unit"])
        sectors = self.sector_losses().rename(columns=lambda c: f"{c}_usd_bn")
        timing = self.default_timing().rename(columns={"mean_quarter": "mean_quarter_index",
                                                       "first_quarter": "first_quarter_index"})
        conv = pd.DataFrame([{"metric": c.metric, "estimate_usd_bn": c.estimate,
                              "std_error_usd_bn": c.std_error,
                              "half_width_95_usd_bn": c.half_width, "converged": c.passed}
                             for c in self.convergence()])
        paths = self.paths_frame().rename(columns=lambda c: c if c == "path" or
                                          c.startswith(("input:", "default:"))
                                          else f"{c}_usd_bn")
        return {"summary": summary,
                "sector_losses_usd_bn": sectors.rename_axis("sector").reset_index(),
                "default_probability": timing.rename_axis("entity").reset_index(),
                "convergence": conv, "paths_usd_bn": paths}

    def paths_frame(self) -> pd.DataFrame:
        """One row per path: inputs, system loss, downgrades, losses by class and by sector,
        defaults."""
        o = self.outcome
        cols: dict[str, FloatArray] = {"path": np.arange(self.n_paths, dtype=np.float64)}
        cols |= {f"input:{n}": self.inputs[:, j] for j, n in enumerate(self.input_names)}
        cols |= {"system_loss": o.system_loss, "downgraded": o.downgraded}
        cols |= {f"class:{c}": o.class_loss[:, k] for k, c in enumerate(CLASS_NAMES)}
        cols |= {f"loss:{s}": o.sector_loss[:, j] for j, s in enumerate(self.sectors)}
        cols |= {f"default:{e}": o.default_quarter[:, j] for j, e in enumerate(self.entity_ids)}
        frame = pd.DataFrame(cols)
        frame["path"] = frame["path"].astype(np.int64)
        return frame


# --- running -------------------------------------------------------------------------------
def plan_chunks(n_paths: int, chunk_size: int | None = None) -> tuple[Chunk, ...]:
    """Cut ``n_paths`` paths into consecutive chunks of ``chunk_size`` (the last may be short)."""
    if n_paths < 1:
        raise ScenarioError(f"'paths' must be an integer >= 1, got {n_paths!r}")
    size = DEFAULT_CHUNK if chunk_size is None else chunk_size
    if size < 1:
        raise ScenarioError(f"'chunk_size' must be an integer >= 1, got {chunk_size!r}")
    starts = range(0, n_paths, size)
    return tuple(Chunk(i, s, min(s + size, n_paths)) for i, s in enumerate(starts))


def draw_inputs(
    uncertainty: Uncertainty, seed: int, start: int, stop: int, n_noise: int = 0
) -> FloatArray:
    """Inputs of paths ``start`` to ``stop``, shape (stop - start, n_inputs).

    Block ``k`` (paths ``k * BLOCK_SIZE`` onwards) draws uniforms of shape
    (BLOCK_SIZE, n_inputs) from the stream ``SeedSequence(seed, spawn_key=(k,))`` — the
    ``k``-th child of ``SeedSequence(seed).spawn`` — and maps them by each input's ppf.
    ``n_noise`` does not change the inputs; it lets :func:`draw_noise` reuse the cached block.
    """
    return uncertainty.transform(_slice_blocks(seed, start, stop, uncertainty.dim, n_noise, 0))


def draw_noise(
    uncertainty: Uncertainty, seed: int, start: int, stop: int, n_noise: int
) -> FloatArray:
    """Standard normals of paths ``start`` to ``stop``, shape (stop - start, n_noise).

    Drawn from each block's stream right after its uniforms, so they too depend only on
    ``(seed, path index)``.
    """
    return _slice_blocks(seed, start, stop, uncertainty.dim, n_noise, 1)


def evaluate_chunk(
    chunk: Chunk, job: tuple[PathModel, Uncertainty, int]
) -> ChunkResult:
    """Draw the inputs of ``chunk`` and evaluate the model on them (the unit of work)."""
    model, uncertainty, seed = job
    k = model.n_noise
    x = draw_inputs(uncertainty, seed, chunk.start, chunk.stop, k)
    fields: dict[str, FloatArray] = uncertainty.as_fields(x)
    if k > 0:
        fields[NOISE] = draw_noise(uncertainty, seed, chunk.start, chunk.stop, k)
    return ChunkResult(chunk, x, model.evaluate(fields, chunk.size))


def run_montecarlo(
    model: PathModel,
    uncertainty: Uncertainty,
    n_paths: int,
    seed: int,
    *,
    chunk_size: int | None = None,
    backend: Backend | None = None,
    done: Iterable[ChunkResult] = (),
    on_chunk: Callable[[ChunkResult], None] | None = None,
    progress: Progress | None = None,
) -> MonteCarloResult:
    """Run ``n_paths`` paths of ``model`` over ``uncertainty`` from ``seed``.

    Parameters
    ----------
    chunk_size : int, optional
        Paths per unit of work (default :data:`DEFAULT_CHUNK`); does not change results.
    backend : Backend, optional
        Where chunks run (default: in this process, vectorised).
    done : iterable of ChunkResult
        Chunks finished earlier (``--resume``); only the missing ones run.
    on_chunk : callable, optional
        Called with each newly finished chunk (e.g. to save it in the store).
    progress : callable, optional
        Called as ``progress(paths_done, n_paths)``.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ScenarioError(f"'seed' must be an integer >= 0, got {seed!r}")
    chunks = plan_chunks(n_paths, chunk_size)
    finished = {r.chunk.index: r for r in done if r.chunk in chunks}
    todo = [c for c in chunks if c.index not in finished]
    count = sum(r.chunk.size for r in finished.values())
    if progress is not None:
        progress(count, n_paths)
    runner = LocalBackend() if backend is None else backend
    for result in runner.map(evaluate_chunk, (model, uncertainty, seed), todo):
        finished[result.chunk.index] = result
        count += result.chunk.size
        if on_chunk is not None:
            on_chunk(result)
        if progress is not None:
            progress(count, n_paths)
    return assemble(model, uncertainty, seed, list(finished.values()))


def assemble(
    model: PathModel, uncertainty: Uncertainty, seed: int, results: Sequence[ChunkResult]
) -> MonteCarloResult:
    """Join chunk results in path order; raises ScenarioError unless they cover every path."""
    ordered = sorted(results, key=lambda r: r.chunk.start)
    expected = 0
    for r in ordered:
        if r.chunk.start != expected:
            raise ScenarioError(f"chunks must cover paths 0..n without gaps; paths from "
                                f"{expected} are missing, got a chunk starting at {r.chunk.start}")
        expected = r.chunk.stop
    if not ordered:
        raise ScenarioError("a Monte Carlo result needs at least one chunk, got none")
    return MonteCarloResult(
        seed=seed,
        input_names=uncertainty.names,
        inputs=np.vstack([r.inputs for r in ordered]),
        outcome=PathOutcome.concat([r.outcome for r in ordered]),
        entity_ids=model.entity_ids,
        sectors=model.sectors,
        n_quarters=model.n_quarters,
    )


# --- the crash engine as a path model ---------------------------------------------------
@dataclass(frozen=True, eq=False)
class EngineModel:
    """The crash engine (:func:`bubblescope.stress.engine.simulate`) as a :class:`PathModel`.

    Each batch of paths is one engine run of ``base`` with the uncertain fields set per
    path (the engine takes per-path values of every numeric field). When the scenario has
    revenue volatility, the engine's per-quarter noise comes from the Monte Carlo streams.
    ``variants`` are webs with other draws of exposures known only as totals
    (:func:`~bubblescope.stress.uncertainty.exposures.exposure_webs`): the per-path field
    ``exposure_draw`` in [0, 1) picks variant ``floor(K u)``, and paths run grouped by it.
    """

    web: CompiledWeb
    base: Scenario
    volatile: bool = False
    variants: tuple[CompiledWeb, ...] = ()

    @property
    def entity_ids(self) -> tuple[str, ...]:
        """Entity axis labels."""
        return self.web.ids

    @property
    def sectors(self) -> tuple[str, ...]:
        """Holder sectors reported (entity kinds)."""
        return HOLDER_SECTORS

    @property
    def n_quarters(self) -> int:
        """Horizon in quarters."""
        return self.base.quarters

    @property
    def n_noise(self) -> int:
        """Standard normals per path: one per quarter when revenue is volatile."""
        return self.base.quarters if self.volatile else 0

    def stress_result(self, fields: Mapping[str, FloatArray], n_paths: int,
                      web: CompiledWeb | None = None, *,
                      progress: Progress | None = None) -> StressResult:
        """The full engine result of ``n_paths`` paths with ``fields`` set per path
        (``progress(quarters_done, quarters)`` after each quarter, as :func:`simulate`)."""
        values = {k: tuple(float(v) for v in np.asarray(x)) for k, x in fields.items()
                  if k not in (NOISE, EXPOSURE)}
        scenario = self.base.with_values(values) if values else self.base
        noise = fields.get(NOISE)
        z = np.zeros((n_paths, self.base.quarters)) if noise is None else np.asarray(noise)
        return simulate(self.web if web is None else web, scenario, z, progress=progress)

    def evaluate(self, fields: Mapping[str, FloatArray], n_paths: int) -> PathOutcome:
        """Run the engine on ``n_paths`` paths and summarise each path."""
        if not self.variants or EXPOSURE not in fields:
            return outcome_of(self.stress_result(fields, n_paths))
        k = len(self.variants)
        pick = np.minimum((np.asarray(fields[EXPOSURE]) * k).astype(np.int64), k - 1)
        groups = [np.flatnonzero(pick == v) for v in range(k)]
        parts = [outcome_of(self.stress_result({f: np.asarray(x)[g] for f, x in fields.items()},
                                               g.size, self.variants[v]))
                 for v, g in enumerate(groups) if g.size]
        order = np.argsort(np.concatenate([g for g in groups if g.size]), kind="stable")
        return PathOutcome.concat(parts).take(order)


def engine_model(web: CompiledWeb, base: Scenario, uncertainty: Uncertainty,
                 variants: tuple[CompiledWeb, ...] = ()) -> EngineModel:
    """Check ``uncertainty`` against ``base`` and wrap the engine as a path model."""
    check_fields(uncertainty)
    volatile = "revenue_volatility" in {i.field for i in uncertainty.inputs} or \
        bool(np.any(base.values("revenue_volatility", 1) > 0))
    return EngineModel(web, base, volatile, variants)


def outcome_of(result: StressResult) -> PathOutcome:
    """Per-path summary of an engine result: holder losses by class and sector, defaults,
    downgrades.

    Losses are what the holder sectors finally bear (:attr:`StressResult.ledger`, funds
    looked through): a fund's loss and its investors' marks on its shares are one loss.
    Downgrades are the largest volume in junk at any quarter.
    """
    borne = result.ledger.borne.sum(axis=2)  # (n_paths, n)
    kinds = np.array(result.entity_kinds)
    groups = np.stack([result.holder_mask, *(kinds == s for s in HOLDER_SECTORS)])
    sums = np.stack([_exact_rows(borne[:, g]) for g in groups], axis=1)
    by_class = result.ledger.borne[:, result.holder_mask]  # (n_paths, k, K)
    classes = np.stack([_exact_rows(by_class[:, :, c]) for c in range(by_class.shape[2])],
                       axis=1)
    q = result.default_quarter.astype(np.float64)
    return PathOutcome(sums[:, 0], sums[:, 1:], np.where(q >= 0, q, np.nan),
                       result.downgraded.max(axis=1), classes)


# --- helpers -------------------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _block(seed: int, block: int, dim: int, n_noise: int) -> tuple[FloatArray, FloatArray]:
    stream = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))
    u = stream.random((BLOCK_SIZE, dim))
    z = stream.standard_normal((BLOCK_SIZE, n_noise))
    u.setflags(write=False)
    z.setflags(write=False)
    return u, z


def _slice_blocks(seed: int, start: int, stop: int, dim: int, n_noise: int,
                  part: int) -> FloatArray:
    first, last = start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE
    blocks = [_block(seed, k, dim, n_noise)[part] for k in range(first, last + 1)]
    offset = first * BLOCK_SIZE
    return np.vstack(blocks)[start - offset: stop - offset]


def _exact_rows(x: FloatArray) -> FloatArray:
    # Row sums in the same order whatever the number of rows (numpy may reorder a 2-d
    # reduction by shape), so per-path results do not depend on the chunk size.
    return np.array([math.fsum(row) for row in x], dtype=np.float64)


def _var(loss: FloatArray, level: float) -> float:
    return float(np.quantile(loss, level, method="inverted_cdf"))


def _es(loss: FloatArray, level: float) -> float:
    tail = loss[loss >= _var(loss, level)]
    return float(tail.mean())


def _batch_check(
    name: str, stat: Callable[[FloatArray], float], loss: FloatArray, n_batches: int, tol: float
) -> ConvergenceCheck:
    estimate = stat(loss)
    b = min(n_batches, loss.size)
    if b < 2:
        return ConvergenceCheck(name, estimate, math.inf, math.inf, tol)
    batches = np.array_split(loss, b)
    values = np.array([stat(v) for v in batches])
    se = float(values.std(ddof=1) / math.sqrt(b))
    return ConvergenceCheck(name, estimate, se, float(sps.t.ppf(0.975, b - 1)) * se, tol)
