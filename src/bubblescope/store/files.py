"""Read and write a web as a directory of plain, diff-able files.

A web directory holds ``web.yaml`` (name, as_of, description) and the tables
``sources.csv``, ``entities.csv``, ``figures.csv`` and ``contracts.csv`` whose columns are
listed in :data:`bubblescope.model.parse.COLUMNS`, and optionally the debt universe
``instruments.csv`` and ``holdings.csv`` (:data:`bubblescope.model.parse_debt.DEBT_COLUMNS`).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from bubblescope.model.atomic import write_dir
from bubblescope.model.errors import DataError, Issue
from bubblescope.model.inputs import (
    MAX_NAME_CHARS,
    check_label,
    load_yaml,
    read_csv,
    read_input_text,
)
from bubblescope.model.parse import Row, build_web
from bubblescope.model.web import Web
from bubblescope.store.rows import TABLES, columns, typed_rows

__all__ = [
    "REQUIRED_TABLES",
    "check_required_tables",
    "read_meta",
    "read_web_dir",
    "write_meta",
    "write_web_dir",
]

#: Tables a web directory must have, each with at least one data row.
REQUIRED_TABLES = ("sources", "entities", "contracts")


def read_web_dir(path: str | os.PathLike[str]) -> Web:
    """Load and validate the web stored in directory ``path``.

    Raises
    ------
    DataError
        Every problem in every file, each naming file, row, field, rule and value.
    """
    root = Path(path)
    if not root.is_dir():
        raise DataError.single(str(root), None, "path", "must be a web directory", root)
    meta = read_meta(root / "web.yaml")
    tables = {t: read_csv(root / f"{t}.csv") for t in TABLES if (root / f"{t}.csv").exists()}
    check_required_tables(tables, {t: str(root / f"{t}.csv") for t in TABLES})
    files = {t: str(root / f"{t}.csv") for t in TABLES}
    return build_web(meta["name"], meta["as_of"], tables, files, meta.get("description", ""))


def check_required_tables(tables: Mapping[str, Sequence[Row]], files: dict[str, str]) -> None:
    """Refuse a web whose required tables (:data:`REQUIRED_TABLES`) are missing or empty."""
    issues = [Issue(files[t], None, "file", "is required", "missing")
              for t in REQUIRED_TABLES if t not in tables]
    issues += [Issue(files[t], None, "rows", "must hold at least one data row", "0 rows")
               for t in REQUIRED_TABLES if t in tables and not tables[t]]
    if issues:
        raise DataError(issues)


def read_meta(path: Path) -> dict[str, Any]:
    """Read and check ``web.yaml``: ``name`` and ``as_of`` (a date) are required."""
    if not path.exists():
        raise DataError.single(str(path), None, "file", "is required (name, as_of)", "missing")
    meta = load_yaml(read_input_text(path), str(path)) or {}
    if not isinstance(meta, dict):
        raise DataError.single(str(path), None, "web.yaml", "must be a mapping", type(meta))
    issues: list[Issue] = []
    if not str(meta.get("name", "")).strip():
        issues.append(Issue(str(path), None, "name", "is required", meta.get("name", "")))
    name = str(meta.get("name", ""))
    if name.strip():
        try:
            check_label(str(path), "name", name, MAX_NAME_CHARS)
        except DataError as exc:
            issues += exc.issues
    as_of = meta.get("as_of")
    if isinstance(as_of, str):
        with contextlib.suppress(ValueError):
            as_of = dt.date.fromisoformat(as_of)
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    if not isinstance(as_of, dt.date):
        issues.append(Issue(str(path), None, "as_of", "must be a date YYYY-MM-DD", str(as_of)))
    if issues:
        raise DataError(issues)
    return {**meta, "as_of": as_of, "name": str(meta["name"]),
            "description": str(meta.get("description") or "")}


def write_web_dir(web: Web, path: str | os.PathLike[str]) -> Path:
    """Write ``web`` as a web directory at ``path`` (atomically: all files or none)."""
    root = Path(path)
    check_replaceable(root)
    return write_dir(root, lambda tmp: _fill_csv_dir(web, tmp))


def write_meta(web: Web, directory: Path) -> None:
    """Write ``web.yaml`` (name, as-of date, description) into ``directory``."""
    with open(directory / "web.yaml", "w", encoding="utf-8") as handle:
        yaml.safe_dump({"name": web.name, "as_of": web.as_of.isoformat(),
                        "description": web.description}, handle, sort_keys=False,
                       allow_unicode=True)


def _fill_csv_dir(web: Web, directory: Path) -> None:
    write_meta(web, directory)
    for table, rows in typed_rows(web).items():
        if table in _OPTIONAL and not rows:
            continue
        with open(directory / f"{table}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns(table)))
            writer.writeheader()
            writer.writerows({k: _text(v) for k, v in r.items()} for r in rows)


def check_replaceable(root: Path) -> None:
    """Refuse to overwrite anything but a missing path, an empty directory or a web directory."""
    if root.exists() and not (root.is_dir() and (
            (root / "web.yaml").exists() or not any(root.iterdir()))):
        raise DataError.single(str(root), None, "dest",
                               "must be a new or empty directory, or a web directory to replace",
                               root)


_OPTIONAL = ("instruments", "holdings", "aggregates", "ratings")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ";".join(str(v) for v in value)
    return str(value)
