"""WHO GETS HURT: the time-stepped crash engine and its channels.

>>> import bubblescope as bs
>>> "atlantic-crash" in bs.stress.PRESETS
True
"""

from bubblescope.stress.compile import CompiledWeb, compile_web
from bubblescope.stress.engine import reference_run, run, simulate
from bubblescope.stress.result import StressResult
from bubblescope.stress.scenario import PRESETS, Scenario, load_preset, scenario_from_mapping

__all__ = [
    "PRESETS",
    "CompiledWeb",
    "Scenario",
    "StressResult",
    "compile_web",
    "load_preset",
    "reference_run",
    "run",
    "scenario_from_mapping",
    "simulate",
]
