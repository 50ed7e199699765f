"""Monte Carlo over the uncertain inputs: from one run to distributions of losses.

A run draws the uncertain inputs of every path, evaluates a :class:`PathModel` on chunks
of paths (locally or on a Dask cluster, see :mod:`bubblescope.stress.uncertainty.backends`) and
collects the outcomes into a :class:`MonteCarloResult` (defined, with the per-path
:class:`PathOutcome` and the statistics, in :mod:`bubblescope.stress.uncertainty.outcomes`;
re-exported here).

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
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.model.kinds import HOLDER_SECTORS
from bubblescope.stress.compile import CompiledWeb
from bubblescope.stress.engine import simulate
from bubblescope.stress.result import StressResult
from bubblescope.stress.scenario import Scenario
from bubblescope.stress.uncertainty.backends import Backend, LocalBackend
from bubblescope.stress.uncertainty.distributions import EXPOSURE, Uncertainty, check_fields
from bubblescope.stress.uncertainty.outcomes import (
    DOWNGRADE_MEASURE,
    DOWNGRADES_2008,
    MEASURE_LABELS,
    ConvergenceCheck,
    LossMeasure,
    MonteCarloResult,
    PathOutcome,
)

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
#: Default number of paths per chunk (one engine call). The engine's arrays are (paths,
#: contracts): 0.6 MB each at 250 paths of the default web, near a core's 2 MB L2 cache,
#: against 2.4 MB at 1,024, where a Monte Carlo of the default web costs about 16% more CPU
#: (measured, docs/benchmarks/scale.md); much smaller chunks lose more to the engine's
#: per-quarter overhead. Under 256 paths the engine clears on one thread: at 256 its two
#: numba threads cost 1.5-2x the CPU on a shared machine. Does not change results.
DEFAULT_CHUNK: Final[int] = 250
#: Key of the per-path standard-normal noise in the fields passed to a model.
NOISE: Final[str] = "noise"

Progress = Callable[[int, int], None]


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
    # (rows as lists of Python floats: fsum then reads no numpy scalars, ~10x faster)
    return np.array([math.fsum(row) for row in x.tolist()], dtype=np.float64)
