"""Agency ratings of a web's issuers: one row per issuer, with its sources and a confidence.

``ratings.csv`` is a table of the web like the others, validated at the boundary
(:func:`parse_ratings`, :func:`check_rating_references`): the grade must be a rating
from AAA to CCC (S&P/Fitch letters), the entity and every source id must exist, an
issuer is rated at most once. The crash engine starts a rated issuer's default
probability at its grade and moves it with its structural model; a web without the
table leaves every issuer unrated and says so as an assumption
(:mod:`bubblescope.stress.compile`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from bubblescope.model.errors import Issue
from bubblescope.model.inputs import numbered
from bubblescope.model.kinds import CONFIDENCES
from bubblescope.model.parse import Row, _clean, _parse_rows, _Reader, _split_ids

__all__ = [
    "AGENCY_GRADES",
    "RATING_COLUMNS",
    "AgencyRating",
    "check_rating_references",
    "parse_ratings",
]

#: Agency rating grades an issuer can hold, best first (S&P/Fitch letters).
AGENCY_GRADES: Final[tuple[str, ...]] = (
    "AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-",
    "BB+", "BB", "BB-", "B+", "B", "B-", "CCC",
)
#: Required and optional columns of ``ratings.csv``.
RATING_COLUMNS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "ratings": (("entity_id", "grade", "confidence", "source_ids"), ("agencies", "note")),
}


@dataclass(frozen=True)
class AgencyRating:
    """An issuer's senior unsecured rating at the web's date.

    ``agencies`` says what each agency rates it (``"S&P BBB / Moody's Baa2"``).
    """

    entity_id: str
    grade: str
    confidence: str
    source_ids: tuple[str, ...]
    agencies: str = ""
    note: str = ""


def parse_ratings(rows: Sequence[Row], file: str = "ratings.csv"
                  ) -> tuple[list[AgencyRating], list[Issue]]:
    """Parse rating rows; return the valid ratings and every issue found."""

    def make(r: _Reader) -> AgencyRating:
        return AgencyRating(
            entity_id=r.text("entity_id"), grade=r.choice("grade", AGENCY_GRADES),
            confidence=r.choice("confidence", CONFIDENCES), source_ids=r.ids("source_ids"),
            agencies=r.text("agencies", required=False), note=r.text("note", required=False),
        )

    if not rows:
        return [], []
    return _parse_rows(rows, file, "ratings", make, RATING_COLUMNS)


def check_rating_references(
    tables: Mapping[str, Sequence[Row]], file: str, sources: set[str], entities: set[str],
) -> list[Issue]:
    """Issues of rating rows naming unknown entities or sources, or rating one twice."""
    issues: list[Issue] = []
    seen: set[str] = set()
    for i, row in numbered(tables.get("ratings", ())):
        entity = _clean(row.get("entity_id"))
        if entity and entity not in entities:
            issues.append(Issue(file, i, "entity_id", "must name a known entity", entity))
        if entity in seen:
            issues.append(Issue(file, i, "entity_id", "must be unique (one rating per issuer)",
                                entity))
        seen.add(entity)
        issues += [Issue(file, i, "source_ids", "must name known source ids", s)
                   for s in _split_ids(row.get("source_ids")) if s not in sources]
    return issues
