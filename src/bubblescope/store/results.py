"""Run results and imported series inside the store (called by :class:`~.duckdb_store.Store`).

A run has an id, a kind (``stress``, ``size``, ``signals``, ...), its parameters as JSON,
a status (``running`` until its last chunk is saved, then ``complete``) and one or more
result chunks. Each chunk is a tidy pandas frame stored as a Parquet blob, so dtypes,
categories and the index survive the round trip exactly; chunks are concatenated in chunk
order on load. These functions take an open connection and never commit: the caller owns
the transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any, Final, Literal

import duckdb
import pandas as pd

from bubblescope.model.errors import DataError, ScenarioError

__all__ = [
    "RunInfo",
    "RunStatus",
    "list_runs",
    "load_frame",
    "load_series",
    "run_info",
    "save_chunk",
    "save_series",
    "set_status",
]

RunStatus = Literal["running", "complete"]
_RUN_COLUMNS: Final[str] = "run_id, kind, params, status, created, updated"


@dataclass(frozen=True)
class RunInfo:
    """What the store knows about one run."""

    run_id: str
    kind: str
    params: dict[str, Any]
    status: RunStatus
    created: dt.datetime
    updated: dt.datetime
    chunks: tuple[int, ...]
    n_rows: int

    def __str__(self) -> str:
        return (f"run {self.run_id} ({self.kind}): {self.status}, {len(self.chunks)} chunk(s), "
                f"{self.n_rows} rows")


def save_chunk(
    con: duckdb.DuckDBPyConnection, run_id: str, kind: str, params: dict[str, Any],
    frame: pd.DataFrame, chunk: int, complete: bool, replace: bool, now: dt.datetime,
) -> None:
    """Insert (or replace) one chunk of a run and set the run's status."""
    text = _params_json(params)
    row = con.execute("SELECT kind, params, status FROM runs WHERE run_id = ?",
                      [run_id]).fetchone()
    if row is not None and replace:
        con.execute("DELETE FROM result_chunks WHERE run_id = ?", [run_id])
        con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
        row = None
    if row is None:
        con.execute("INSERT INTO runs VALUES (?, ?, ?, 'running', ?, ?)",
                    [run_id, kind, text, now, now])
    else:
        _check_resume(run_id, kind, text, row)
    con.execute("INSERT OR REPLACE INTO result_chunks VALUES (?, ?, ?, ?)",
                [run_id, chunk, len(frame), _to_parquet(frame)])
    set_status(con, run_id, "complete" if complete else "running", now)


def set_status(
    con: duckdb.DuckDBPyConnection, run_id: str, status: RunStatus, now: dt.datetime,
) -> None:
    """Set the status of an existing run."""
    _require_run(con, run_id)
    con.execute("UPDATE runs SET status = ?, updated = ? WHERE run_id = ?",
                [status, now, run_id])


def load_frame(
    con: duckdb.DuckDBPyConnection, run_id: str, require_complete: bool,
) -> pd.DataFrame:
    """Concatenate the chunks of ``run_id`` in chunk order."""
    info = run_info(con, run_id)
    if require_complete and info.status != "complete":
        raise ScenarioError(f"run {run_id!r} is {info.status} (chunks {list(info.chunks)}); "
                            "pass require_complete=False to read the chunks stored so far")
    blobs = con.execute("SELECT data FROM result_chunks WHERE run_id = ? ORDER BY chunk",
                        [run_id]).fetchall()
    frames = [_from_parquet(b[0]) for b in blobs]
    if not frames:
        return pd.DataFrame()
    renumber = all(isinstance(f.index, pd.RangeIndex) for f in frames)
    return pd.concat(frames, ignore_index=renumber)


def run_info(con: duckdb.DuckDBPyConnection, run_id: str) -> RunInfo:
    """The stored description of ``run_id``."""
    row = _require_run(con, run_id)
    return _info(con, row)


def list_runs(con: duckdb.DuckDBPyConnection, kind: str | None) -> tuple[RunInfo, ...]:
    """Every run, oldest first."""
    where = " WHERE kind = ?" if kind else ""
    rows = con.execute(f"SELECT {_RUN_COLUMNS} FROM runs{where} ORDER BY created, run_id",
                       [kind] if kind else []).fetchall()
    return tuple(_info(con, r) for r in rows)


def save_series(
    con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, unit: str, source: str,
    note: str, now: dt.datetime,
) -> int:
    """Replace series ``name`` with ``frame`` (columns ``date``, ``value``); return its length."""
    clean = _series_frame(name, frame)
    con.execute("DELETE FROM series_values WHERE name = ?", [name])
    con.execute("INSERT OR REPLACE INTO series VALUES (?, ?, ?, ?, ?)",
                [name, unit, source, note, now])
    con.register("_series", clean)
    try:
        con.execute("INSERT INTO series_values SELECT ?, date, value FROM _series", [name])
    finally:
        con.unregister("_series")
    return len(clean)


def load_series(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """Series ``name`` as a frame with columns ``date`` (datetime64) and ``value``."""
    if con.execute("SELECT count(*) FROM series WHERE name = ?", [name]).fetchone() == (0,):
        raise DataError.single("store", None, "series", "must name a stored series", name)
    rows = con.execute("SELECT date, value FROM series_values WHERE name = ? ORDER BY date",
                       [name]).fetchall()
    frame = pd.DataFrame(rows, columns=["date", "value"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["value"] = frame["value"].astype("float64")
    return frame


def _series_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("date", "value") if c not in frame.columns]
    if missing:
        raise DataError.single(name, None, ", ".join(missing), "is a required column",
                               ", ".join(map(str, frame.columns)))
    dates = pd.to_datetime(frame["date"], errors="coerce")
    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = frame.index[dates.isna()].tolist()
    if bad:
        raise DataError.single(name, None, "date", "must be dates",
                               f"rows {bad[:10]}: {frame['date'][dates.isna()].tolist()[:10]}")
    return pd.DataFrame({"date": dates.dt.date, "value": values.astype("float64")})


def _params_json(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def _check_resume(run_id: str, kind: str, text: str, row: tuple[Any, ...]) -> None:
    if (row[0], row[1]) != (kind, text):
        raise ScenarioError(
            f"run {run_id!r} is stored with kind {row[0]!r} and params {row[1]}; "
            f"got kind {kind!r} and params {text}: use a new run id")
    if row[2] == "complete":
        raise ScenarioError(f"run {run_id!r} is complete; pass replace=True to overwrite it")


def _require_run(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[Any, ...]:
    row = con.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = ?", [run_id]).fetchone()
    if row is None:
        raise DataError.single("store", None, "run_id", "must name a stored run", run_id)
    return tuple(row)


def _info(con: duckdb.DuckDBPyConnection, row: tuple[Any, ...]) -> RunInfo:
    chunks = con.execute("SELECT chunk, n_rows FROM result_chunks WHERE run_id = ? "
                         "ORDER BY chunk", [row[0]]).fetchall()
    return RunInfo(str(row[0]), str(row[1]), json.loads(row[2]), row[3], row[4], row[5],
                   tuple(int(c[0]) for c in chunks), sum(int(c[1]) for c in chunks))


def _to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow")
    return buffer.getvalue()


def _from_parquet(blob: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(blob), engine="pyarrow")
