"""Export a web as CSV or Parquet and read it back: the round trip gives an equal web."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import bubblescope
from bubblescope.model.errors import DataError
from bubblescope.model.web import Web
from bubblescope.store.duckdb_store import open_store
from bubblescope.store.exchange import detect_format, export_web, read_export


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_then_import_gives_an_equal_web(tmp_path: Path, small_web: Web, fmt: str) -> None:
    out = export_web(small_web, tmp_path / "web", fmt)  # type: ignore[arg-type]
    assert detect_format(out) == fmt
    assert read_export(out) == small_web


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_store_export_import_store_round_trip(tmp_path: Path, small_web: Web, fmt: str) -> None:
    with open_store(tmp_path / "a.duckdb") as store:
        store.save_web(small_web)
        out = export_web(store.load_web("small"), tmp_path / "x", fmt)  # type: ignore[arg-type]
    with open_store(tmp_path / "b.duckdb") as store:
        store.save_web(read_export(out))
        assert store.load_web("small") == small_web


def test_the_default_web_round_trips_through_every_format(tmp_path: Path) -> None:
    web = bubblescope.load_default()
    for fmt in ("csv", "parquet"):
        assert read_export(export_web(web, tmp_path / fmt, fmt)) == web  # type: ignore[arg-type]
    with open_store(tmp_path / "s.duckdb") as store:
        store.save_web(web)
        assert store.load_web(web.name) == web


def test_a_web_with_awkward_values_round_trips(tmp_path: Path, small_web: Web) -> None:
    contracts = list(small_web.contracts)
    contracts[0] = dataclasses.replace(contracts[0], amount=0.1 + 0.2,
                                       note='quote "with" commas, and\nnewlines; ünïcödé')
    web = dataclasses.replace(small_web.with_contracts(contracts), description="")
    for fmt in ("csv", "parquet"):
        assert read_export(export_web(web, tmp_path / fmt, fmt)) == web  # type: ignore[arg-type]


def test_a_web_without_figures_round_trips_in_parquet(tmp_path: Path, small_web: Web) -> None:
    bare = dataclasses.replace(small_web, entities=tuple(
        dataclasses.replace(e, figures=()) for e in small_web.entities))
    assert read_export(export_web(bare, tmp_path / "p", "parquet")) == bare


def test_an_export_replaces_an_old_export_but_not_other_directories(
    tmp_path: Path, small_web: Web,
) -> None:
    dest = tmp_path / "web"
    export_web(small_web, dest, "csv")
    export_web(small_web, dest, "parquet")
    assert detect_format(dest) == "parquet"
    assert not (dest / "contracts.csv").exists()
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("precious")
    for fmt in ("csv", "parquet"):
        with pytest.raises(DataError, match="must be a new or empty directory"):
            export_web(small_web, home, fmt)  # type: ignore[arg-type]
    assert (home / "thesis.tex").read_text() == "precious"


def test_an_unknown_format_is_refused(tmp_path: Path, small_web: Web) -> None:
    with pytest.raises(DataError, match="must be csv or parquet"):
        export_web(small_web, tmp_path / "x", "xlsx")  # type: ignore[arg-type]


def test_a_parquet_export_is_validated_on_the_way_in(tmp_path: Path, small_web: Web) -> None:
    out = export_web(small_web, tmp_path / "p", "parquet")
    table = pq.read_table(out / "contracts.parquet")
    amounts = table.column("amount").to_pylist()
    amounts[1] = -5.0
    table = table.set_column(table.schema.get_field_index("amount"), "amount",
                             pa.array(amounts))
    pq.write_table(table, out / "contracts.parquet")
    (out / "sources.parquet").unlink()
    with pytest.raises(DataError, match=r"sources.parquet: 'file' is required"):
        read_export(out)
    export_web(small_web, tmp_path / "q", "parquet")
    (tmp_path / "q" / "sources.parquet").replace(out / "sources.parquet")
    with pytest.raises(DataError) as info:
        read_export(out)
    (issue,) = info.value.issues
    assert (Path(issue.file).name, issue.line, issue.field, issue.value) == (
        "contracts.parquet record 2", None, "amount", "-5.0")


def test_a_broken_parquet_file_is_a_data_error(tmp_path: Path, small_web: Web) -> None:
    out = export_web(small_web, tmp_path / "p", "parquet")
    (out / "figures.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="must be a Parquet file"):
        read_export(out)


def test_as_of_comes_from_web_yaml(tmp_path: Path, small_web: Web) -> None:
    out = export_web(small_web, tmp_path / "p", "parquet")
    assert read_export(out).as_of == dt.date(2025, 12, 31)
