"""DuckDB connections with retry on the file lock, and the store's schema.

Concurrency model
-----------------
DuckDB lets one *process* open a database file read-write, or many processes open it
read-only, never both at once. The store therefore never holds a connection between
operations: every operation opens a connection, runs (writes in one transaction), and
closes it. A connection that meets the other side's lock is retried with a short backoff
until ``timeout`` seconds have passed, so a reader that starts while an import runs waits
for the import's transaction to end and then sees either the state before it or after it,
never a half-written web.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import duckdb

from bubblescope.model.errors import DataError

__all__ = ["SCHEMA_VERSION", "connect", "create_schema"]

SCHEMA_VERSION: Final[int] = 1
_BACKOFF: Final[tuple[float, ...]] = (0.01, 0.02, 0.05, 0.1, 0.2)

_DDL: Final[tuple[str, ...]] = (
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS webs (
        name VARCHAR, version VARCHAR, seq INTEGER, as_of DATE, description VARCHAR,
        origin VARCHAR, created TIMESTAMP, PRIMARY KEY (name, version))""",
    """CREATE TABLE IF NOT EXISTS sources (
        web VARCHAR, version VARCHAR, pos INTEGER, id VARCHAR, kind VARCHAR, date DATE,
        citation VARCHAR, quote VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS entities (
        web VARCHAR, version VARCHAR, pos INTEGER, id VARCHAR, name VARCHAR, kind VARCHAR,
        country VARCHAR, source_ids VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS figures (
        web VARCHAR, version VARCHAR, pos INTEGER, entity_id VARCHAR, metric VARCHAR,
        year INTEGER, value DOUBLE, confidence VARCHAR, source_ids VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS contracts (
        web VARCHAR, version VARCHAR, pos INTEGER, id VARCHAR, kind VARCHAR, holder VARCHAR,
        obligor VARCHAR, amount DOUBLE, status VARCHAR, confidence VARCHAR,
        source_ids VARCHAR, start DATE, maturity DATE, annual_payment DOUBLE, rate DOUBLE,
        seniority VARCHAR, tranche VARCHAR, collateral VARCHAR, ltv DOUBLE,
        on_balance_sheet BOOLEAN, deal VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS instruments (
        web VARCHAR, version VARCHAR, pos INTEGER, id VARCHAR, issuer VARCHAR, kind VARCHAR,
        name VARCHAR, date DATE, amount DOUBLE, status VARCHAR, confidence VARCHAR,
        source_ids VARCHAR, deal VARCHAR, instrument VARCHAR, currency VARCHAR,
        outstanding DOUBLE, coupon DOUBLE, rate_type VARCHAR, maturity DATE,
        amortisation VARCHAR, amort_start DATE, seniority VARCHAR, tranche VARCHAR,
        rating VARCHAR, collateral VARCHAR, ltv DOUBLE, arrangers VARCHAR, holders VARCHAR,
        holder_profile VARCHAR, aggregates VARCHAR, on_balance_sheet BOOLEAN, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS holdings (
        web VARCHAR, version VARCHAR, pos INTEGER, target VARCHAR, holder VARCHAR,
        share DOUBLE, basis VARCHAR, confidence VARCHAR, source_ids VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS aggregates (
        web VARCHAR, version VARCHAR, pos INTEGER, id VARCHAR, label VARCHAR, value DOUBLE,
        tag VARCHAR, source_ids VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS ratings (
        web VARCHAR, version VARCHAR, pos INTEGER, entity_id VARCHAR, grade VARCHAR,
        confidence VARCHAR, source_ids VARCHAR, agencies VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS series (
        name VARCHAR PRIMARY KEY, unit VARCHAR, source VARCHAR, note VARCHAR,
        created TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS series_values (
        name VARCHAR, date DATE, value DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY, kind VARCHAR, params VARCHAR, status VARCHAR,
        created TIMESTAMP, updated TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS result_chunks (
        run_id VARCHAR, chunk INTEGER, n_rows BIGINT, data BLOB,
        PRIMARY KEY (run_id, chunk))""",
)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the store's tables if they do not exist yet (idempotent)."""
    for statement in _DDL:
        con.execute(statement)
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
    )


@contextmanager
def connect(
    path: Path, read_only: bool, timeout: float,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open ``path``, retrying while another process holds a conflicting lock; always close."""
    con = _open(path, read_only, timeout)
    try:
        yield con
    finally:
        con.close()


def _open(path: Path, read_only: bool, timeout: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + timeout
    attempt = 0
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if not _is_lock_error(exc):
                raise DataError.single(str(path), None, "db", "must be a DuckDB file", exc) from exc
            if time.monotonic() >= deadline:
                raise DataError.single(
                    str(path), None, "db",
                    f"is locked by another process (waited {timeout:g} s)", exc,
                ) from exc
        time.sleep(_BACKOFF[min(attempt, len(_BACKOFF) - 1)])
        attempt += 1


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return "lock" in text.lower() or "different configuration" in text
