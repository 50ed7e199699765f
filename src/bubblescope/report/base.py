"""Building blocks every report section shares."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Section"]


@dataclass(frozen=True)
class Section:
    """One section of the HTML report.

    ``html`` is a fragment (already escaped where it shows data); figures are plotly
    figures embedded with ``include_plotlyjs=False`` (the page embeds plotly.js once).
    """

    key: str
    title: str
    html: str
