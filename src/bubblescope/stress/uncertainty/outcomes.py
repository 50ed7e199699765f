"""What a Monte Carlo run yields: per-path outcomes, the result, its statistics and its JSON.

:class:`PathOutcome` is what a path model reports for each path; :class:`MonteCarloResult`
holds a run's inputs and outcomes and computes from them the credit-first loss figures
(mean, VaR, expected shortfall of each :data:`LossMeasure`), default odds and timing, the
2008 downgrade benchmark and batch-means convergence checks; :meth:`MonteCarloResult.to_dict`
is its one JSON schema (docs/json.md). Running a Monte Carlo is
:mod:`bubblescope.stress.uncertainty.montecarlo`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats as sps

from bubblescope.model._typing import FloatArray, IntArray
from bubblescope.model.jsonsafe import finite
from bubblescope.model.tables import Tabular
from bubblescope.stress.ledger import CLASS_NAMES

__all__ = [
    "DOWNGRADES_2008",
    "DOWNGRADE_MEASURE",
    "MEASURE_LABELS",
    "ConvergenceCheck",
    "LossMeasure",
    "MonteCarloResult",
    "PathOutcome",
]

#: Debt downgraded from investment grade to junk in 2008, USD bn (seed 004).
DOWNGRADES_2008: Final[float] = 1900.0
#: What the downgrade figure measures, stated wherever it is compared with 2008.
DOWNGRADE_MEASURE: Final[str] = ("face amount of paper rated investment grade at the start "
                                 "that is junk by the end, the point run's 'junked'")
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

    def percentile_of(self, loss: float, of: LossMeasure = "credit") -> float:
        """Where ``loss`` falls among the paths' losses ``of``: the share of paths below it
        plus half the share equal to it (mid-rank), in [0, 1]; NaN with no paths."""
        x = self.outcome.measure(of)
        if x.size == 0:
            return float("nan")
        return float((x < loss).mean() + 0.5 * (x == loss).mean())

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


# --- statistics ----------------------------------------------------------------------------
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
