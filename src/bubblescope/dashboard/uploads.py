"""Uploaded tables: parsed in memory (never written to disk) and validated at the boundary.

A web table (``sources``, ``entities``, ``figures`` or ``contracts``) is validated together
with the other three tables of the current web, so references (entity and source ids) are
checked too; the result is the web with that table replaced.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Final, Literal, get_args

from bubblescope.model.errors import DataQualityWarning, Issue
from bubblescope.model.inputs import decode_text, parse_csv
from bubblescope.model.parse import Row, build_web
from bubblescope.model.web import Web
from bubblescope.store.deal_legs import import_leg_rows
from bubblescope.store.rows import text_tables

__all__ = ["TABLES", "WebTable", "csv_rows", "deal_legs_web", "issue_json", "issues_json",
           "replace_table", "upload_name"]

WebTable = Literal["sources", "entities", "figures", "contracts"]
TABLES: Final[tuple[str, ...]] = get_args(WebTable)


def csv_rows(data: bytes, file: str, max_rows: int | None = None) -> list[Row]:
    """An uploaded CSV's rows (UTF-8, BOM tolerated), each knowing its file line: the one
    CSV reader (:func:`bubblescope.model.inputs.parse_csv`) on the decoded bytes.

    Raises
    ------
    DataError
        When the bytes are not UTF-8 text, the CSV is malformed, has no header, a row has
        more cells than the header, or there are more than ``max_rows`` rows.
    """
    return list(parse_csv(decode_text(data, file), file, max_rows=max_rows))


def replace_table(web: Web, table: WebTable, rows: list[Row], file: str) -> Web:
    """Validate ``rows`` as ``table`` together with the rest of ``web``; return the new web.

    Raises
    ------
    DataError
        Every issue; issues in the uploaded table carry its row numbers.
    """
    tables = text_tables(web)
    tables[table] = rows
    files = {t: f"current web {t}" for t in TABLES}
    files[table] = file
    return build_web(web.name + "+upload", web.as_of, tables, files, web.description)


def deal_legs_web(web: Web, rows: Sequence[Row], file: str) -> tuple[Web, list[str]]:
    """Validate a deal-leg table (Kevin's column layout) and add its legs to ``web``.

    Returns the new web and the importer's data-quality notes (legs skipped for want of an
    amount, ...). Raises :class:`DataError` naming every bad row and column.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataQualityWarning)
        result = import_leg_rows(rows, file, name=web.name + "+legs", as_of=web.as_of, base=web)
    return result.web, [str(w.message) for w in caught]


def upload_name(filename: str | None, default: str) -> str:
    """The uploaded file's base name, for messages only (it never reaches the file system)."""
    base = (filename or default).replace("\\", "/").rsplit("/", 1)[-1]
    return base[:80] or default


def issues_json(issues: Sequence[Issue]) -> list[dict[str, str | int | None]]:
    """Every issue as JSON, in file order: by file, then row (file-level problems first)."""
    ordered = sorted(issues, key=lambda i: (i.file, -1 if i.line is None else i.line))
    return [issue_json(i) for i in ordered]


def issue_json(issue: Issue) -> dict[str, str | int | None]:
    """One issue as JSON (the page shows them as a table, by row)."""
    return {"file": issue.file, "line": issue.line, "field": issue.field, "rule": issue.rule,
            "value": issue.value, "message": str(issue)}
