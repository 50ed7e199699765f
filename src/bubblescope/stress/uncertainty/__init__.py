"""Uncertainty around the crash engine: distributions of inputs, Monte Carlo, sensitivity,
the reverse stress test, exposures known only as totals, and where paths run.

==========================  ========================================================
:mod:`.distributions`       laws of the uncertain scenario inputs (``uncertain:``)
:mod:`.montecarlo`          reproducible Monte Carlo in blocks of random streams
:mod:`.outcomes`            what a Monte Carlo run yields: per-path outcomes, statistics
:mod:`.sensitivity`         Sobol indices and tornado charts
:mod:`.reverse`             the smallest shock that produces an outcome
:mod:`.exposures`           exposures rebuilt from their totals (``exposures:``)
:mod:`.backends`            local or Dask execution of chunks of paths
==========================  ========================================================
"""

from bubblescope.stress.uncertainty.distributions import Uncertainty, parse_uncertainty
from bubblescope.stress.uncertainty.montecarlo import (
    MonteCarloResult,
    engine_model,
    run_montecarlo,
)
from bubblescope.stress.uncertainty.reverse import ReverseResult, reverse_stress
from bubblescope.stress.uncertainty.sensitivity import SobolResult, Tornado, sobol, tornado

__all__ = [
    "MonteCarloResult",
    "ReverseResult",
    "SobolResult",
    "Tornado",
    "Uncertainty",
    "engine_model",
    "parse_uncertainty",
    "reverse_stress",
    "run_montecarlo",
    "sobol",
    "tornado",
]
