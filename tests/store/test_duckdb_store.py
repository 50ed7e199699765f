"""The DuckDB store: versions of webs, atomic writes, read-only access and locking."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bubblescope.model.errors import BubblescopeError, DataError
from bubblescope.model.web import Web
from bubblescope.store import duckdb_store
from bubblescope.store.duckdb_store import open_store


def _counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
                for t in ("webs", "sources", "entities", "figures", "contracts")}
    finally:
        con.close()


def test_save_then_load_gives_an_equal_web(tmp_path: Path, small_web: Web) -> None:
    with open_store(tmp_path / "s.duckdb") as store:
        saved = store.save_web(small_web, origin="test")
        loaded = store.load_web("small")
    assert loaded == small_web
    assert (saved.name, saved.version, saved.origin) == ("small", "1", "test")
    assert (saved.n_entities, saved.n_contracts, saved.n_sources) == (7, 6, 3)
    assert "small@1 as of 2025-12-31: 7 entities, 6 contracts, 3 sources" in str(saved)


def test_versions_number_up_and_the_latest_loads_by_default(
    tmp_path: Path, small_web: Web,
) -> None:
    fewer = small_web.with_contracts(small_web.contracts[:2])
    with open_store(tmp_path / "s.duckdb") as store:
        store.save_web(small_web)
        store.save_web(fewer)
        store.save_web(small_web, version="final")
        assert [v.version for v in store.list_webs("small")] == ["1", "2", "final"]
        assert store.load_web("small", "2") == fewer
        assert store.load_web("small") == small_web
        assert store.load_web("small", "1") == small_web


def test_an_existing_version_is_kept_unless_replaced(tmp_path: Path, small_web: Web) -> None:
    fewer = small_web.with_contracts(small_web.contracts[:2])
    with open_store(tmp_path / "s.duckdb") as store:
        store.save_web(small_web, version="v")
        with pytest.raises(DataError, match="must be new for web 'small'"):
            store.save_web(fewer, version="v")
        assert store.load_web("small", "v") == small_web
        store.save_web(fewer, version="v", replace=True)
        assert store.load_web("small", "v") == fewer
        assert len(store.list_webs()) == 1


def test_list_and_delete(tmp_path: Path, small_web: Web) -> None:
    other = dataclasses.replace(small_web, name="other")
    with open_store(tmp_path / "s.duckdb") as store:
        store.save_web(small_web)
        store.save_web(small_web)
        store.save_web(other)
        assert [(v.name, v.version) for v in store.list_webs()] == [
            ("other", "1"), ("small", "1"), ("small", "2")]
        assert store.delete("small", "1") == 1
        assert [v.version for v in store.list_webs("small")] == ["2"]
        assert store.delete("small") == 1
        assert [v.name for v in store.list_webs()] == ["other"]
        with pytest.raises(DataError, match="must name a stored web"):
            store.delete("small")
    counts = _counts(tmp_path / "s.duckdb")
    assert counts["contracts"] == len(small_web.contracts)


def test_unknown_names_and_versions_are_data_errors(tmp_path: Path, small_web: Web) -> None:
    with open_store(tmp_path / "s.duckdb") as store:
        with pytest.raises(DataError, match=r"stored: none"):
            store.load_web("small")
        store.save_web(small_web)
        with pytest.raises(DataError, match=r"must be a stored version of 'small' \(1\)"):
            store.load_web("small", "9")
        with pytest.raises(DataError, match=r"stored: small"):
            store.load_web("nope")


def test_a_failed_write_changes_nothing(
    tmp_path: Path, small_web: Web, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "s.duckdb"
    with open_store(path) as store:
        store.save_web(small_web)
    before = _counts(path)
    real = duckdb_store._insert_rows

    def failing(con: Any, table: str, *args: Any) -> None:
        real(con, table, *args)
        if table == "figures":  # sources, entities and figures are in; contracts are not
            raise OSError("disk full (injected)")

    monkeypatch.setattr(duckdb_store, "_insert_rows", failing)
    with open_store(path) as store, pytest.raises(OSError, match="injected"):
        store.save_web(dataclasses.replace(small_web, name="second"))
    assert _counts(path) == before
    monkeypatch.undo()
    with open_store(path, read_only=True) as store:
        assert [v.name for v in store.list_webs()] == ["small"]
        assert store.load_web("small") == small_web


def test_read_only_store(tmp_path: Path, small_web: Web) -> None:
    path = tmp_path / "s.duckdb"
    with pytest.raises(DataError, match="must be an existing store file"):
        open_store(path, read_only=True)
    with open_store(path) as store:
        store.save_web(small_web)
    with open_store(path, read_only=True) as store:
        assert store.load_web("small") == small_web
        with pytest.raises(BubblescopeError, match="is read-only"):
            store.save_web(small_web)
        assert "read-only" in repr(store)


def test_a_closed_store_refuses_work(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as store:
        pass
    with pytest.raises(BubblescopeError, match="is closed"):
        store.list_webs()


def test_files_that_are_not_stores_are_rejected(tmp_path: Path) -> None:
    text = tmp_path / "notes.duckdb"
    text.write_text("hello, this is not a database\n" * 100)
    with pytest.raises(DataError, match="must be a DuckDB file"):
        open_store(text)
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t (i INTEGER)")
    con.close()
    with pytest.raises(DataError, match="must be a bubblescope store"):
        open_store(other, read_only=True)


_HOLDER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("BEGIN TRANSACTION")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    con.close()
""")


def test_a_lock_held_too_long_is_reported(tmp_path: Path, small_web: Web) -> None:
    path = tmp_path / "s.duckdb"
    with open_store(path) as store:
        store.save_web(small_web)
    with subprocess.Popen([sys.executable, "-c", _HOLDER, str(path), "3"],
                          stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(DataError, match="is locked by another process"):
            open_store(path, read_only=True, timeout=0.3)
    assert holder.returncode == 0


_WRITER = textwrap.dedent("""
    import datetime as dt, json, sys, time
    from bubblescope.model.parse import build_web
    from bubblescope.store import duckdb_store
    tables = json.loads(open(sys.argv[2]).read())
    web = build_web("small", dt.date(2025, 12, 31), tables)
    real = duckdb_store._insert_rows
    def slow(con, table, *args):
        real(con, table, *args)
        if table == "entities":
            print("mid-write", flush=True)
            time.sleep(1.5)
    duckdb_store._insert_rows = slow
    with duckdb_store.open_store(sys.argv[1]) as store:
        store.save_web(web.with_contracts(web.contracts[:2]))
    print("done", flush=True)
""")


def test_a_reader_during_a_write_sees_the_whole_before_or_the_whole_after(
    tmp_path: Path, small_web: Web, tables: dict[str, Any],
) -> None:
    path = tmp_path / "s.duckdb"
    with open_store(path) as store:
        store.save_web(small_web)
    rows = tmp_path / "tables.json"
    rows.write_text(json.dumps(tables))
    with subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(rows)],
                          stdout=subprocess.PIPE, text=True) as writer:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "mid-write"
        started = time.monotonic()
        with open_store(path, read_only=True, timeout=60) as store:
            versions = store.list_webs("small")
            latest = store.load_web("small")
        waited = time.monotonic() - started
        rest = writer.stdout.read()  # drain before the pipe closes: the writer prints "done"
        writer.wait()
    assert writer.returncode == 0
    assert rest.strip() == "done"
    # the reader waited for the writer's lock and then saw its whole transaction
    assert waited > 0.3
    assert [v.version for v in versions] == ["1", "2"]
    assert [v.n_contracts for v in versions] == [6, 2]
    assert len(latest.contracts) == 2


def test_inside_one_process_a_second_connection_reads_the_last_commit(
    tmp_path: Path, small_web: Web, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "s.duckdb"
    with open_store(path) as store:
        store.save_web(small_web)
    seen: list[list[tuple[Any, ...]]] = []
    real = duckdb_store._insert_rows

    def peek(con: Any, table: str, *args: Any) -> None:
        real(con, table, *args)
        if table == "contracts":
            other = con.cursor()  # another connection to the same database
            seen.append(other.execute("SELECT name, version FROM webs ORDER BY seq").fetchall())
            other.close()

    monkeypatch.setattr(duckdb_store, "_insert_rows", peek)
    with open_store(path) as store:
        store.save_web(small_web)
    assert seen == [[("small", "1")]]
