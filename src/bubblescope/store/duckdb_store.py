"""The DuckDB store: named, dated versions of webs, imported series and run results.

Open it with :func:`open_store` and use it as a context manager::

    with open_store("bubblescope.duckdb") as store:
        store.save_web(web)                   # version "1", then "2", ...
        web = store.load_web("default")       # the latest version
        store.save_result_frame("run-1", "stress", {"scenario": "x"}, frame)

Every write is one transaction: a web, a series or a result chunk is stored whole or not
at all. See :mod:`bubblescope.store._db` for the concurrency model (short connections,
retry on the file lock, readers opening read-only).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import duckdb
import pandas as pd
import pyarrow as pa

from bubblescope.model.errors import BubblescopeError, DataError, Issue
from bubblescope.model.inputs import MAX_NAME_CHARS, MAX_VERSION_CHARS, check_label
from bubblescope.model.parse import build_web
from bubblescope.model.web import Web
from bubblescope.store import results
from bubblescope.store._db import connect, create_schema
from bubblescope.store.results import RunInfo
from bubblescope.store.rows import TABLES, columns, text_row, typed_rows

__all__ = ["DEFAULT_TIMEOUT", "Store", "WebVersion", "open_store"]

#: Seconds an operation waits for another process's lock before giving up.
DEFAULT_TIMEOUT: Final[float] = 30.0


@dataclass(frozen=True)
class WebVersion:
    """One stored version of a web (what :meth:`Store.list_webs` returns)."""

    name: str
    version: str
    as_of: dt.date
    created: dt.datetime
    description: str
    origin: str
    n_entities: int
    n_contracts: int
    n_sources: int

    def __str__(self) -> str:
        return (
            f"{self.name}@{self.version} as of {self.as_of}: {self.n_entities} entities, "
            f"{self.n_contracts} contracts, {self.n_sources} sources "
            f"(saved {self.created:%Y-%m-%d %H:%M})"
        )


def open_store(
    path: str | os.PathLike[str], read_only: bool = False, timeout: float = DEFAULT_TIMEOUT,
) -> Store:
    """Open (creating if needed, unless ``read_only``) the store at ``path``.

    Raises
    ------
    DataError
        The file is missing (read-only), is not a DuckDB file, is not a bubblescope store,
        or stays locked by another process for longer than ``timeout`` seconds.
    """
    store = Store(Path(path), read_only, timeout)
    store._check()
    return store


class Store:
    """Handle on a DuckDB store file; every operation opens and closes its own connection."""

    def __init__(self, path: Path, read_only: bool, timeout: float) -> None:
        self.path = path
        self.read_only = read_only
        self.timeout = timeout
        self._closed = False

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"Store({str(self.path)!r}, {mode})"

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Mark the handle closed (no connection is held between operations)."""
        self._closed = True

    # --- webs ----------------------------------------------------------------------------
    def save_web(
        self, web: Web, version: str | None = None, origin: str = "", replace: bool = False,
    ) -> WebVersion:
        """Store ``web`` as a new version (``"1"``, ``"2"``, ... unless ``version`` is given).

        Raises
        ------
        DataError
            ``version`` already exists for this name and ``replace`` is false, or the name
            or version label is empty, too long or holds control characters.
        """
        check_label("store", "name", web.name, MAX_NAME_CHARS)
        if version is not None:
            check_label("store", "version", version, MAX_VERSION_CHARS)
        with self._write() as con:
            exists = _version_exists(con, web.name, version) if version else False
            if exists and not replace:
                raise DataError.single(
                    "store", None, "version", f"must be new for web {web.name!r} "
                    "(pass replace=True to overwrite)", version)
            if exists:
                _delete_version(con, web.name, str(version))
            seq = _next_seq(con, web.name)
            label = version or str(seq)
            con.execute(
                "INSERT INTO webs VALUES (?, ?, ?, ?, ?, ?, ?)",
                [web.name, label, seq, web.as_of, web.description, origin, _now()],
            )
            for table, rows in typed_rows(web).items():
                _insert_rows(con, table, web.name, label, rows)
            con.execute("COMMIT")
        return self._version(web.name, label)

    def load_web(self, name: str, version: str | None = None) -> Web:
        """Load (and re-validate) version ``version`` of web ``name``, the latest if ``None``."""
        with self._read() as con:
            label = _resolve(con, name, version)
            row = con.execute(
                "SELECT as_of, description FROM webs WHERE name = ? AND version = ?",
                [name, label],
            ).fetchone()
            as_of, description = row if row else (dt.date.min, "")
            present = {str(r[0]) for r in con.execute("SHOW TABLES").fetchall()}
            tables = {t: _fetch_rows(con, t, name, label) for t in TABLES if t in present}
        files = {t: f"store:{name}@{label}/{t}" for t in TABLES}
        return build_web(name, as_of, tables, files, description or "")

    def list_webs(self, name: str | None = None) -> tuple[WebVersion, ...]:
        """Every stored web version (of ``name`` only, if given), oldest first per name."""
        with self._read() as con:
            return _list_versions(con, name)

    def delete(self, name: str, version: str | None = None) -> int:
        """Delete one version of web ``name`` (all versions if ``None``); return how many.

        Raises
        ------
        DataError
            No such web or version.
        """
        with self._write() as con:
            labels = [_resolve(con, name, version)] if version else _labels(con, name)
            if not labels:
                raise DataError.single("store", None, "name", "must name a stored web", name)
            for label in labels:
                _delete_version(con, name, label)
            con.execute("COMMIT")
        return len(labels)

    # --- series --------------------------------------------------------------------------
    def save_series(
        self, name: str, frame: pd.DataFrame, unit: str = "", source: str = "", note: str = "",
    ) -> int:
        """Store a series (columns ``date``, ``value``), replacing one of the same name."""
        with self._write() as con:
            n = results.save_series(con, name, frame, unit, source, note, _now())
            con.execute("COMMIT")
        return n

    def load_series(self, name: str) -> pd.DataFrame:
        """Load series ``name`` as a frame with columns ``date``, ``value`` sorted by date."""
        with self._read() as con:
            return results.load_series(con, name)

    def list_series(self) -> tuple[str, ...]:
        """Names of the stored series."""
        with self._read() as con:
            rows = con.execute("SELECT name FROM series ORDER BY name").fetchall()
        return tuple(str(r[0]) for r in rows)

    # --- run results ---------------------------------------------------------------------
    def save_result_frame(
        self, run_id: str, kind: str, params: dict[str, Any], frame: pd.DataFrame,
        chunk: int = 0, complete: bool = True, replace: bool = False,
    ) -> RunInfo:
        """Store ``frame`` as chunk ``chunk`` of run ``run_id`` in one transaction.

        A chunked run saves each chunk with ``complete=False`` (status ``running``) and
        the last with ``complete=True``; after a crash, :meth:`run_info` tells which chunks
        are stored, so the run resumes from there. Saving a chunk again replaces it.

        Raises
        ------
        ScenarioError
            ``run_id`` exists with another kind or params, or is complete and ``replace``
            is false.
        """
        with self._write() as con:
            results.save_chunk(con, run_id, kind, params, frame, chunk, complete, replace, _now())
            con.execute("COMMIT")
        return self.run_info(run_id)

    def mark_complete(self, run_id: str) -> RunInfo:
        """Set run ``run_id``'s status to ``complete``."""
        with self._write() as con:
            results.set_status(con, run_id, "complete", _now())
            con.execute("COMMIT")
        return self.run_info(run_id)

    def load_result_frame(self, run_id: str, require_complete: bool = True) -> pd.DataFrame:
        """All chunks of run ``run_id`` concatenated in chunk order."""
        with self._read() as con:
            return results.load_frame(con, run_id, require_complete)

    def has_run(self, run_id: str) -> bool:
        """Whether run ``run_id`` has anything stored (use before resuming a chunked run)."""
        with self._read() as con:
            row = con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run_id]).fetchone()
        return row is not None and int(row[0]) > 0

    def run_info(self, run_id: str) -> RunInfo:
        """Kind, params, status and stored chunks of run ``run_id``."""
        with self._read() as con:
            return results.run_info(con, run_id)

    def list_runs(self, kind: str | None = None) -> tuple[RunInfo, ...]:
        """Every stored run (of ``kind`` only, if given), oldest first."""
        with self._read() as con:
            return results.list_runs(con, kind)

    # --- plumbing ------------------------------------------------------------------------
    def _check(self) -> None:
        if self.read_only and not self.path.exists():
            raise DataError.single(str(self.path), None, "db", "must be an existing store file",
                                   "missing")
        if not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with connect(self.path, False, self.timeout) as con:
                create_schema(con)
            return
        with connect(self.path, True, self.timeout) as con:
            names = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        if not {"meta", "webs", "runs"} <= names:
            raise DataError.single(str(self.path), None, "db", "must be a bubblescope store",
                                   ", ".join(sorted(names)) or "no tables")

    def _read(self) -> Any:
        self._ensure_open()
        return connect(self.path, self.read_only, self.timeout)

    def _write(self) -> Any:
        self._ensure_open()
        if self.read_only:
            raise BubblescopeError(f"{self!r} is read-only; open it with read_only=False to write")
        return _Transaction(self.path, self.timeout)

    def _ensure_open(self) -> None:
        if self._closed:
            raise BubblescopeError(f"{self!r} is closed")

    def _version(self, name: str, label: str) -> WebVersion:
        return next(v for v in self.list_webs(name) if v.version == label)


class _Transaction:
    """A connection inside ``BEGIN``; anything but an explicit ``COMMIT`` rolls back."""

    def __init__(self, path: Path, timeout: float) -> None:
        self._cm = connect(path, False, timeout)

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self._con = self._cm.__enter__()
        self._con.execute("BEGIN TRANSACTION")
        return self._con

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc is not None:
                self._con.execute("ROLLBACK")
        finally:
            self._cm.__exit__(kind, exc, tb)


_INSERT_TEMPLATE: Final[str] = "INSERT INTO {table} BY NAME SELECT * FROM _rows"


def _insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, name: str, label: str,
    rows: Sequence[dict[str, Any]],
) -> None:
    if not rows:
        return
    frame = pa.Table.from_pylist(
        [{"web": name, "version": label, "pos": i, **r} for i, r in enumerate(rows)]
    )
    con.register("_rows", frame)
    try:
        con.execute(_INSERT_TEMPLATE.format(table=table))
    finally:
        con.unregister("_rows")


def _fetch_rows(con: duckdb.DuckDBPyConnection, table: str, name: str, label: str) -> list[Any]:
    names = columns(table)
    cursor = con.execute(
        f"SELECT {', '.join(names)} FROM {table} WHERE web = ? AND version = ? ORDER BY pos",
        [name, label],
    )
    return [text_row(dict(zip(names, values, strict=True)), names) for values in cursor.fetchall()]


def _version_exists(con: duckdb.DuckDBPyConnection, name: str, version: str) -> bool:
    return con.execute(
        "SELECT count(*) FROM webs WHERE name = ? AND version = ?", [name, version]
    ).fetchone() != (0,)


def _next_seq(con: duckdb.DuckDBPyConnection, name: str) -> int:
    row = con.execute("SELECT coalesce(max(seq), 0) FROM webs WHERE name = ?", [name]).fetchone()
    return int(row[0] if row else 0) + 1


def _labels(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    rows = con.execute("SELECT version FROM webs WHERE name = ? ORDER BY seq", [name]).fetchall()
    return [str(r[0]) for r in rows]


def _resolve(con: duckdb.DuckDBPyConnection, name: str, version: str | None) -> str:
    labels = _labels(con, name)
    if not labels:
        known = sorted({str(r[0]) for r in con.execute("SELECT name FROM webs").fetchall()})
        raise DataError([Issue("store", None, "name",
                               f"must name a stored web (stored: {', '.join(known) or 'none'})",
                               name)])
    if version is None:
        return labels[-1]
    if version not in labels:
        raise DataError.single("store", None, "version",
                               f"must be a stored version of {name!r} ({', '.join(labels)})",
                               version)
    return version


def _delete_version(con: duckdb.DuckDBPyConnection, name: str, label: str) -> None:
    present = {str(r[0]) for r in con.execute("SHOW TABLES").fetchall()}
    for table in (t for t in TABLES if t in present):
        con.execute(f"DELETE FROM {table} WHERE web = ? AND version = ?", [name, label])
    con.execute("DELETE FROM webs WHERE name = ? AND version = ?", [name, label])


def _list_versions(con: duckdb.DuckDBPyConnection, name: str | None) -> tuple[WebVersion, ...]:
    counts = " ".join(
        f", (SELECT count(*) FROM {t} x WHERE x.web = w.name AND x.version = w.version)"
        for t in ("entities", "contracts", "sources")
    )
    query = (f"SELECT name, version, as_of, created, description, origin {counts} FROM webs w"
             f"{' WHERE name = ?' if name else ''} ORDER BY name, seq")
    rows = con.execute(query, [name] if name else []).fetchall()
    return tuple(WebVersion(str(r[0]), str(r[1]), r[2], r[3], r[4] or "", r[5] or "",
                            int(r[6]), int(r[7]), int(r[8])) for r in rows)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
