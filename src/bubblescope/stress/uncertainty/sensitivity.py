"""Which uncertain inputs drive the outcome: Sobol indices and a tornado chart.

:func:`sobol_indices` estimates first-order and total variance-based indices of any
vectorised function of uniforms with the Saltelli (2010) design: two independent matrices
``A`` and ``B`` of ``n`` rows and, for each input ``i``, ``A`` with column ``i`` taken from
``B``. The whole design, ``n (d + 2)`` rows, is evaluated in one batch (one engine run of
that many paths). :func:`sobol` applies it to a :class:`PathModel` over declared
distributions; :func:`tornado` gives the one-at-a-time swing of each input.

>>> import numpy as np
>>> r = sobol_indices(lambda u: u[:, 0] + 0.1 * u[:, 1], 2, 4096, np.random.default_rng(1))
>>> r.first.round(1).tolist()
[1.0, 0.0]

References
----------
Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., Tarantola, S. (2010).
Variance based sensitivity analysis of model output. *Computer Physics Communications*
181(2), 259-270.
Jansen, M. J. W. (1999). Analysis of variance designs for model output. *Computer Physics
Communications* 117, 35-43.
Ishigami, T., Homma, T. (1990). An importance quantification technique in uncertainty
analysis for computer models. *ISUMA '90*, 398-403.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.model.tables import Tabular
from bubblescope.stress.uncertainty.backends import Backend, LocalBackend
from bubblescope.stress.uncertainty.distributions import Uncertainty
from bubblescope.stress.uncertainty.montecarlo import PathModel, PathOutcome

__all__ = [
    "OUTPUTS",
    "Output",
    "SobolResult",
    "Tornado",
    "TornadoBar",
    "ishigami",
    "sobol",
    "sobol_indices",
    "tornado",
]

Output = Literal["credit_and_marks", "system_loss", "downgraded"]
OUTPUTS: Final[tuple[str, ...]] = ("credit_and_marks", "system_loss", "downgraded")


@dataclass(frozen=True)
class SobolResult(Tabular):
    """First-order (``first``) and total (``total``) Sobol indices with bootstrap errors.

    Arrays have shape (d,) in the order of ``names``; ``variance`` is the output variance
    and ``n_evaluations`` the number of model evaluations (``n (d + 2)``).
    """

    names: tuple[str, ...]
    first: FloatArray
    total: FloatArray
    first_se: FloatArray
    total_se: FloatArray
    variance: float
    n_evaluations: int

    def __str__(self) -> str:
        lines = [f"Sobol indices ({self.n_evaluations:,} evaluations, "
                 f"output variance {self.variance:,.4g}):",
                 f"  {'input':<28} {'first':>12} {'total':>12}"]
        for k in np.argsort(-self.total):
            lines.append(f"  {self.names[k]:<28} {self.first[k]:>6.3f}±{self.first_se[k]:.3f}"
                         f" {self.total[k]:>6.3f}±{self.total_se[k]:.3f}")
        return "\n".join(lines)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The Sobol indices (shares of output variance, 0..1), one row per input."""
        return {"sobol_indices_share": self.frame().rename_axis("input").reset_index()}

    def frame(self) -> pd.DataFrame:
        """The indices as a table, one row per input."""
        return pd.DataFrame({"first": self.first, "first_se": self.first_se,
                             "total": self.total, "total_se": self.total_se},
                            index=list(self.names))


@dataclass(frozen=True)
class TornadoBar:
    """Output with one input at its ``low`` and ``high`` quantile, the others at the median."""

    name: str
    low_input: float
    high_input: float
    low_output: float
    high_output: float

    @property
    def swing(self) -> float:
        """Absolute change of the output between the two ends."""
        return abs(self.high_output - self.low_output)


@dataclass(frozen=True)
class Tornado(Tabular):
    """One-at-a-time swings, largest first, around the output at all medians (``base``)."""

    output: str
    base: float
    bars: tuple[TornadoBar, ...]

    def __str__(self) -> str:
        lines = [f"Tornado of {self.output} (base {self.base:,.2f}):"]
        lines += [f"  {b.name:<28} {b.low_output:>12,.2f} .. {b.high_output:>12,.2f} "
                  f"(swing {b.swing:,.2f})" for b in self.bars]
        return "\n".join(lines)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The bars (inputs in their units; outputs in the output's, USD bn for losses)."""
        return {"tornado": self.frame().assign(output=self.output, base=self.base)}

    def frame(self) -> pd.DataFrame:
        """The bars as a table, largest swing first."""
        return pd.DataFrame([{**b.__dict__, "swing": b.swing} for b in self.bars])


def sobol_indices(
    fn: Callable[[FloatArray], FloatArray],
    dim: int,
    n: int,
    rng: np.random.Generator,
    names: Sequence[str] | None = None,
    n_boot: int = 200,
) -> SobolResult:
    """Estimate Sobol indices of ``fn`` over ``dim`` independent uniform inputs.

    Parameters
    ----------
    fn : callable
        Maps uniforms of shape (k, dim) to outputs of shape (k,); called once, on the
        whole design of ``k = n (dim + 2)`` rows.
    n : int
        Base sample size (rows of ``A`` and ``B``).
    n_boot : int
        Bootstrap resamples of the ``n`` rows for the standard errors.

    Notes
    -----
    With ``V`` the variance of ``f(A)`` and ``f(B)`` pooled,
    ``S_i = mean(f(B) (f(A_B^i) - f(A))) / V`` (Saltelli 2010) and
    ``ST_i = mean((f(A) - f(A_B^i))^2) / (2 V)`` (Jansen 1999).
    """
    if dim < 1 or n < 2:
        raise ScenarioError(f"Sobol needs dim >= 1 and n >= 2, got dim={dim}, n={n}")
    a, b = rng.random((n, dim)), rng.random((n, dim))
    design = np.vstack([a, b, *(_mix(a, b, i) for i in range(dim))])
    y = np.asarray(fn(design), dtype=np.float64)
    ya, yb, yab = y[:n], y[n:2 * n], y[2 * n:].reshape(dim, n)
    first, total, var = _indices(ya, yb, yab)
    boot = rng.integers(0, n, size=(n_boot, n))
    bs = [_indices(ya[k], yb[k], yab[:, k]) for k in boot]
    labels = tuple(names) if names is not None else tuple(f"x{i + 1}" for i in range(dim))
    return SobolResult(labels, first, total, np.std([s[0] for s in bs], axis=0, ddof=1),
                       np.std([s[1] for s in bs], axis=0, ddof=1), var, int(y.size))


def sobol(
    model: PathModel,
    uncertainty: Uncertainty,
    n: int,
    rng: np.random.Generator,
    output: Output = "credit_and_marks",
    *,
    backend: Backend | None = None,
    chunk_size: int | None = None,
) -> SobolResult:
    """Sobol indices of ``output`` over the declared distributions of ``uncertainty``.

    The design runs as one batch, or in chunks of ``chunk_size`` rows on ``backend``
    (e.g. a Dask cluster); the answer does not depend on how it is cut.
    """
    _check_output(output)

    def fn(u: FloatArray) -> FloatArray:
        x = uncertainty.transform(u)
        if backend is None and chunk_size is None:
            return _output(model, uncertainty, x, output)
        size = x.shape[0] if chunk_size is None else chunk_size
        parts = [(start, x[start:start + size]) for start in range(0, x.shape[0], size)]
        runner = LocalBackend() if backend is None else backend
        done = dict(runner.map(_rows, (model, uncertainty, output), parts))
        return np.concatenate([done[start] for start, _ in parts])

    return sobol_indices(fn, uncertainty.dim, n, rng, uncertainty.names)


def tornado(
    model: PathModel,
    uncertainty: Uncertainty,
    output: Output = "credit_and_marks",
    low: float = 0.05,
    high: float = 0.95,
) -> Tornado:
    """Swing of ``output`` as each input goes from its ``low`` to its ``high`` quantile.

    The ``2 d + 1`` settings (all medians, then each input low and high) run as one batch.
    """
    _check_output(output)
    if not 0.0 <= low < high <= 1.0:
        raise ScenarioError(f"tornado quantiles must satisfy 0 <= low < high <= 1, "
                            f"got low={low}, high={high}")
    d = uncertainty.dim
    u = np.full((2 * d + 1, d), 0.5)
    for i in range(d):
        u[1 + 2 * i, i], u[2 + 2 * i, i] = low, high
    x = uncertainty.transform(u)
    y = _output(model, uncertainty, x, output)
    bars = [TornadoBar(uncertainty.names[i], float(x[1 + 2 * i, i]), float(x[2 + 2 * i, i]),
                       float(y[1 + 2 * i]), float(y[2 + 2 * i])) for i in range(d)]
    bars.sort(key=lambda b: -b.swing)
    return Tornado(output, float(y[0]), tuple(bars))


def ishigami(x: FloatArray, a: float = 7.0, b: float = 0.1) -> FloatArray:
    """The Ishigami test function of x of shape (k, 3), inputs on [-pi, pi].

    ``f = sin x1 + a sin^2 x2 + b x3^4 sin x1``; its Sobol indices are known in closed
    form (Ishigami and Homma 1990), which makes it the standard check of an estimator.
    """
    return np.asarray(np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2
                      + b * x[:, 2] ** 4 * np.sin(x[:, 0]), np.float64)


# --- helpers -------------------------------------------------------------------------------
def _mix(a: FloatArray, b: FloatArray, i: int) -> FloatArray:
    out = a.copy()
    out[:, i] = b[:, i]
    return out


def _indices(ya: FloatArray, yb: FloatArray, yab: FloatArray) -> tuple[FloatArray, FloatArray,
                                                                         float]:
    var = float(np.var(np.concatenate([ya, yb]), ddof=1))
    if var <= 0:
        zero = np.zeros(yab.shape[0])
        return zero, zero.copy(), 0.0
    first = np.mean(yb[None, :] * (yab - ya[None, :]), axis=1) / var
    total = 0.5 * np.mean((ya[None, :] - yab) ** 2, axis=1) / var
    return first, total, var


def _rows(part: tuple[int, FloatArray], job: tuple[PathModel, Uncertainty, str]
          ) -> tuple[int, FloatArray]:
    model, uncertainty, output = job
    return part[0], _output(model, uncertainty, part[1], output)


def _output(model: PathModel, uncertainty: Uncertainty, x: FloatArray, output: str) -> FloatArray:
    result: PathOutcome = model.evaluate(uncertainty.as_fields(x), x.shape[0])
    return np.asarray(getattr(result, output), dtype=np.float64)


def _check_output(output: str) -> None:
    if output not in OUTPUTS:
        raise ScenarioError(f"'output' must be one of {', '.join(OUTPUTS)}, got {output!r}")
