"""Clearing of an obligation network: Eisenberg–Noe with Rogers–Veraart default costs.

:func:`clear` (fast, blocked numba kernel; :mod:`.flat` for comparison) and its reference
twin :func:`clear_reference`; both read a validated :class:`~.net.Net` and return a
:class:`ClearingResult`.
"""

from bubblescope.stress.kernels.clearing.net import ClearingResult, Topology, topology
from bubblescope.stress.kernels.clearing.reference import clear_reference
from bubblescope.stress.kernels.clearing.solver import clear

__all__ = ["ClearingResult", "Topology", "clear", "clear_reference", "topology"]
