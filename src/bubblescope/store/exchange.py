"""Export a web as CSV or Parquet, and read either export (or any web directory) back.

Both formats are a directory with ``web.yaml`` (name, as_of, description) and one file
per table: ``<table>.csv`` (see :mod:`bubblescope.store.files`) or ``<table>.parquet``
with typed columns (dates, float64 amounts, booleans). Reading goes through
:func:`bubblescope.model.parse.build_web`, so an export read back is validated like any
input and compares equal to the web that was exported.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.parquet as pq

from bubblescope.model.atomic import write_dir
from bubblescope.model.errors import DataError, Issue
from bubblescope.model.inputs import FIRST_DATA_LINE, read_input_bytes
from bubblescope.model.parse import Row, build_web
from bubblescope.model.web import Web
from bubblescope.store.files import (
    check_replaceable,
    check_required_tables,
    read_meta,
    read_web_dir,
    write_meta,
    write_web_dir,
)
from bubblescope.store.rows import TABLES, columns, text_row, typed_rows

__all__ = ["ExportFormat", "detect_format", "export_web", "read_export"]

ExportFormat = Literal["csv", "parquet"]


def export_web(web: Web, dest: str | os.PathLike[str], fmt: ExportFormat = "csv") -> Path:
    """Write ``web`` to directory ``dest`` as CSV or Parquet tables (atomically)."""
    if fmt == "csv":
        return write_web_dir(web, dest)
    if fmt != "parquet":
        raise DataError.single("export", None, "format", "must be csv or parquet", fmt)
    return _write_parquet_dir(web, Path(dest))


def read_export(path: str | os.PathLike[str]) -> Web:
    """Read a web directory in either format (Parquet when ``*.parquet`` tables are present).

    Raises
    ------
    DataError
        Every problem found, naming file, line (CSV) or record (Parquet: ``contracts.parquet
        record 1`` is its first row), field, rule and value.
    """
    root = Path(path)
    if detect_format(root) == "csv":
        return read_web_dir(root)
    meta = read_meta(root / "web.yaml")
    tables = {t: _parquet_rows(root / f"{t}.parquet") for t in TABLES
              if (root / f"{t}.parquet").exists()}
    files = {t: str(root / f"{t}.parquet") for t in TABLES}
    check_required_tables(tables, files)
    try:
        return build_web(meta["name"], meta["as_of"], tables, files,
                         meta.get("description", ""))
    except DataError as exc:
        raise DataError([_as_record(i) for i in exc.issues]) from None


def _as_record(issue: Issue) -> Issue:
    """A Parquet file has no lines: name the record (rows count from line 2 as in CSV)."""
    if issue.line is None or not issue.file.endswith(".parquet"):
        return issue
    return Issue(f"{issue.file} record {issue.line - FIRST_DATA_LINE + 1}", None, issue.field,
                 issue.rule, issue.value)


def detect_format(root: Path) -> ExportFormat:
    """``parquet`` when ``root`` holds Parquet tables, else ``csv``."""
    if root.is_dir() and any((root / f"{t}.parquet").exists() for t in TABLES):
        return "parquet"
    return "csv"


def _parquet_rows(path: Path) -> list[Row]:
    data = read_input_bytes(path)
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as exc:
        raise DataError.single(str(path), None, "file", "must be a Parquet file", exc) from exc
    names = table.column_names
    return [text_row(r, names) for r in table.to_pylist()]


def _write_parquet_dir(web: Web, root: Path) -> Path:
    check_replaceable(root)
    return write_dir(root, lambda tmp: _fill_parquet_dir(web, tmp))


def _fill_parquet_dir(web: Web, directory: Path) -> None:
    write_meta(web, directory)
    for table, rows in typed_rows(web).items():
        arrow = pa.Table.from_pylist(rows) if rows else _empty(table)
        pq.write_table(arrow, directory / f"{table}.parquet")


def _empty(table: str) -> pa.Table:
    return pa.table({c: pa.array([], type=pa.string()) for c in columns(table)})
