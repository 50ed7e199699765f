"""The domain: the financing web as frozen data, and its validation at the boundary.

This package imports nothing else of bubblescope.
"""

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
from bubblescope.model.web import Contract, Entity, Figure, Source, Web

__all__ = [
    "CONTRACT_KINDS",
    "DIRECTION",
    "ENTITY_KINDS",
    "HOLDER_SECTORS",
    "BubblescopeError",
    "Contract",
    "ConvergenceError",
    "DataError",
    "DataQualityWarning",
    "Entity",
    "Figure",
    "Issue",
    "ScenarioError",
    "SeriesGapWarning",
    "Source",
    "Web",
    "build_web",
]
