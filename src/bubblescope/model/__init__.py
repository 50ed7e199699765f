"""The domain: the financing web as frozen data, and its validation at the boundary.

This package imports nothing else of bubblescope.
"""

from bubblescope.model.debt import (
    Aggregate,
    Coverage,
    Holding,
    Instrument,
    coverage,
    debt_schedule,
    derive_contracts,
)
from bubblescope.model.errors import (
    BubblescopeError,
    ConvergenceError,
    DataError,
    DataQualityWarning,
    Issue,
    ScenarioError,
    SeriesGapWarning,
)
from bubblescope.model.kinds import CONTRACT_KINDS, DIRECTION, ENTITY_KINDS, HOLDER_SECTORS
from bubblescope.model.parse import build_web
from bubblescope.model.series import Series
from bubblescope.model.web import Contract, Entity, Figure, Source, Web

__all__ = [
    "CONTRACT_KINDS",
    "DIRECTION",
    "ENTITY_KINDS",
    "HOLDER_SECTORS",
    "Aggregate",
    "BubblescopeError",
    "Contract",
    "ConvergenceError",
    "Coverage",
    "DataError",
    "DataQualityWarning",
    "Entity",
    "Figure",
    "Holding",
    "Instrument",
    "Issue",
    "ScenarioError",
    "Series",
    "SeriesGapWarning",
    "Source",
    "Web",
    "build_web",
    "coverage",
    "debt_schedule",
    "derive_contracts",
]
