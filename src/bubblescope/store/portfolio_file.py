"""Read a portfolio of positions from a CSV file or an xlsx workbook (its first sheet).

The bytes go through the bounded reader (:func:`bubblescope.model.inputs.read_input_bytes`);
the rows through :func:`bubblescope.portfolio.positions.parse_positions`, which reports
every problem with file, line, field, rule and value (a CSV's line; a workbook's row number
as Excel shows it: the header is row 1 either way).
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Final

import pandas as pd

from bubblescope.model.errors import DataError
from bubblescope.model.inputs import decode_text, parse_csv, read_csv, read_input_bytes
from bubblescope.portfolio.positions import Portfolio, parse_positions

__all__ = ["SUFFIXES", "portfolio_from_bytes", "read_portfolio"]

#: File types a portfolio can come in.
SUFFIXES: Final = (".csv", ".xlsx")


def read_portfolio(path: str | os.PathLike[str]) -> Portfolio:
    """The portfolio in ``path`` (.csv, or .xlsx: the first sheet)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return parse_positions(read_csv(p), p.name)
    if suffix == ".xlsx":
        return portfolio_from_bytes(read_input_bytes(p), p.name)
    raise DataError.single(str(p), None, "file", f"must be one of {', '.join(SUFFIXES)}",
                           suffix or p.name)


def portfolio_from_bytes(data: bytes, name: str) -> Portfolio:
    """The portfolio in an uploaded file's bytes (CSV or xlsx, by ``name``'s suffix)."""
    if name.lower().endswith(".xlsx"):
        try:
            frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str)
        except (ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
            raise DataError.single(name, None, "file", "must be an xlsx workbook", exc) from exc
        return parse_positions([{str(k): v for k, v in r.items()}
                                for r in frame.to_dict(orient="records")], name)
    return parse_positions(parse_csv(decode_text(data, name), name), name)
