"""A web as typed rows per table, and typed rows back to the text rows the validator reads.

The store and the Parquet export keep typed columns (dates, floats, booleans); on the way
back in everything goes through :func:`bubblescope.model.parse.build_web` again, so a web
read from any format is validated by the same boundary code.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any, Final

from bubblescope.model.parse import COLUMNS, Row
from bubblescope.model.parse_debt import DEBT_COLUMNS
from bubblescope.model.ratings import RATING_COLUMNS
from bubblescope.model.web import Web

__all__ = ["TABLES", "columns", "text_row", "text_tables", "typed_rows"]

TABLES: Final[tuple[str, ...]] = ("sources", "entities", "figures", "contracts", "instruments",
                                  "holdings", "aggregates", "ratings")
_ALL_COLUMNS: Final = {**COLUMNS, **DEBT_COLUMNS, **RATING_COLUMNS}


def columns(table: str) -> tuple[str, ...]:
    """All columns of ``table`` in file order (required, then optional)."""
    required, optional = _ALL_COLUMNS[table]
    return (*required, *optional)


def typed_rows(web: Web) -> dict[str, list[dict[str, Any]]]:
    """The web's tables as rows of typed values (id lists joined with ``;``)."""
    return {
        "sources": [_row(s, "sources") for s in web.sources],
        "entities": [_row(e, "entities") for e in web.entities],
        "figures": [_row(f, "figures") for e in web.entities for f in e.figures],
        "contracts": [_row(c, "contracts") for c in web.contracts],
        "instruments": [_row(i, "instruments") for i in web.instruments],
        "holdings": [_row(h, "holdings") for h in web.holdings],
        "aggregates": [_row(a, "aggregates") for a in web.aggregates],
        "ratings": [_row(r, "ratings") for r in web.ratings],
    }


def text_tables(web: Web) -> dict[str, list[Row]]:
    """The web's four tables as the text rows :func:`~bubblescope.model.parse.build_web` reads."""
    return {t: [text_row(r, columns(t)) for r in rows] for t, rows in typed_rows(web).items()}


def text_row(values: Mapping[str, Any], names: Iterable[str]) -> Row:
    """Turn typed values into the text a CSV reader would yield (``None``/NaN → empty)."""
    return {name: _text(values.get(name)) for name in names}


def _row(obj: object, table: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in columns(table):
        value = getattr(obj, name)
        out[name] = ";".join(value) if isinstance(value, tuple) else value
    return out


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
