"""`bubblescope data`: every sub-command, its JSON, and exit code 2 with the store unchanged."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bubblescope
from bubblescope.cli import app_main
from bubblescope.model.parse import build_web
from bubblescope.model.web import Web
from bubblescope.store.duckdb_store import open_store
from bubblescope.store.exchange import export_web
from bubblescope.store.files import write_web_dir

KEVIN = "ai_circular_deals_kevin19980730.csv"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = app_main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _store_state(db: Path) -> list[tuple[str, str, int]]:
    if not db.exists():
        return []
    with open_store(db, read_only=True) as store:
        return [(v.name, v.version, v.n_contracts) for v in store.list_webs()]


@pytest.fixture
def web_dir(tmp_path: Path, small_web: Web, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_web_dir(small_web, tmp_path / "w").relative_to(tmp_path)


@pytest.mark.parametrize("argv", [["data"], ["data", "validate"], ["data", "import"],
                                  ["data", "export"], ["data", "list"], ["data", "show"],
                                  ["data", "delete"]])
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, _ = _run(capsys, *argv, "--help")
    assert code == 0
    assert "Usage" in out


def test_validate_a_web_directory_in_either_format(
    capsys: pytest.CaptureFixture[str], web_dir: Path, small_web: Web,
) -> None:
    code, out, _ = _run(capsys, "data", "validate", str(web_dir))
    assert code == 0
    assert "valid:" in out
    export_web(small_web, Path("p"), "parquet")
    code, out, _ = _run(capsys, "data", "validate", "p", "--json")
    assert code == 0
    assert json.loads(out) == {"valid": True, "kind": "web", "web": "small",
                               "as_of": "2025-12-31", "entities": 7, "contracts": 6,
                               "sources": 3}


def test_validate_one_table_csv(capsys: pytest.CaptureFixture[str], web_dir: Path) -> None:
    code, out, _ = _run(capsys, "data", "validate", str(web_dir / "contracts.csv"), "--json")
    assert code == 0
    assert json.loads(out) == {"valid": True, "kind": "contracts", "rows": 6}
    table = web_dir / "contracts.csv"
    table.write_text(table.read_text().replace("300.0", "-300").replace("high", "hgh"))
    code, _, err = _run(capsys, "data", "validate", str(table))
    assert code == 2
    assert "line 3: 'amount' must be >= 0" in _flat(err)  # the header is line 1
    assert ",-300," in table.read_text().splitlines()[3 - 1]
    assert "'confidence' must be one of" in _flat(err)


def test_validate_refuses_what_it_cannot_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    for path in (tmp_path / "notes.csv", tmp_path / "missing"):
        code, _, err = _run(capsys, "data", "validate", str(path))
        assert code == 2
        assert "must be a web directory" in _flat(err)


def test_validate_and_import_deal_legs(
    capsys: pytest.CaptureFixture[str], shared_data: Path, tmp_path: Path,
) -> None:
    code, out, err = _run(capsys, "data", "validate", str(shared_data / KEVIN), "--deal-legs",
                          "--json")
    assert code == 0
    payload = json.loads(out)
    assert (payload["rows"], payload["contracts"], len(payload["skipped_rows"])) == (174, 81, 93)
    assert "93 legs without an amount were skipped" in _flat(err)
    db = tmp_path / "s.duckdb"
    code, out, err = _run(capsys, "data", "import", str(shared_data / KEVIN), "--deal-legs",
                          "--name", "kevin", "--empty-amount", "headline", "--db", str(db),
                          "--json")
    assert code == 0
    payload = json.loads(out)
    assert (payload["name"], payload["version"], payload["contracts"]) == ("kevin", "1", 164)
    assert _store_state(db) == [("kevin", "1", 164)]


def test_import_with_a_mapping_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    legs = tmp_path / "legs.csv"
    legs.write_text("when,payer,payee,type,bn,state,conf,links\n"
                    "2025-05-01,OpenAI,Oracle,buy,3,done,high,https://x\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns: {date: when, from: payer, to: payee, leg_type: type, "
                       "amount: bn, status: state, confidence: conf, sources: links}\n"
                       "legs: {buy: {kind: compute_commitment, holder: to}}\n"
                       "statuses: {done: closed}\n")
    db = tmp_path / "s.duckdb"
    code, out, _ = _run(capsys, "data", "import", str(legs), "--deal-legs", "--mapping",
                        str(mapping), "--db", str(db))
    assert code == 0
    assert "Stored legs@1" in _flat(out)
    code, _, err = _run(capsys, "data", "import", str(legs), "--deal-legs", "--empty-amount",
                        "guess", "--db", str(db))
    assert code == 2
    assert "must be skip or headline" in _flat(err)


def test_import_export_list_show_delete(
    capsys: pytest.CaptureFixture[str], web_dir: Path, small_web: Web,
) -> None:
    db = Path("s.duckdb")
    code, out, _ = _run(capsys, "data", "list", "--db", str(db))
    assert code == 0
    assert "0 series, 0 runs" in out
    assert _run(capsys, "data", "import", str(web_dir), "--db", str(db))[0] == 0
    code, out, _ = _run(capsys, "data", "import", str(web_dir), "--name", "copy", "--version",
                        "v1", "--db", str(db), "--json")
    assert code == 0
    assert json.loads(out)["version"] == "v1"
    code, out, _ = _run(capsys, "data", "list", "--db", str(db), "--json")
    listed = json.loads(out)
    assert [(w["name"], w["version"]) for w in listed["webs"]] == [("copy", "v1"),
                                                                    ("small", "1")]
    code, out, _ = _run(capsys, "data", "list", "--db", str(db))
    assert "copy" in out
    assert "small" in out
    for fmt in ("csv", "parquet"):
        code, out, _ = _run(capsys, "data", "export", "small", f"out_{fmt}", "--format", fmt,
                            "--db", str(db))
        assert code == 0
        assert bubblescope.store.exchange.read_export(f"out_{fmt}") == small_web
    code, out, _ = _run(capsys, "data", "export", "small", "x", "--format", "xlsx",
                        "--db", str(db), "--json")
    assert code == 2
    code, out, _ = _run(capsys, "data", "show", "openai", "--web", "small", "--db", str(db),
                        "--json")
    shown = json.loads(out)
    assert {c["id"] for c in shown["owes"]} == {"c_equity", "c_compute"}
    assert shown["holds"] == []
    assert shown["figures"][0]["metric"] == "revenue"
    assert {s["id"] for s in shown["sources"]} == {"s_seed", "s_assume"}
    code, out, _ = _run(capsys, "data", "show", "oracle", "--web", "small", "--db", str(db))
    assert code == 0
    assert "c_compute" in out
    assert "c_lease" in out
    code, _, err = _run(capsys, "data", "show", "ghost", "--web", "small", "--db", str(db))
    assert code == 2
    assert "must be an entity id" in _flat(err)
    code, out, _ = _run(capsys, "data", "delete", "copy", "--db", str(db), "--json")
    assert code == 0
    assert json.loads(out) == {"name": "copy", "deleted_versions": 1}
    code, out, _ = _run(capsys, "data", "delete", "small", "--version", "1", "--db", str(db))
    assert code == 0
    assert "Deleted 1 version" in out
    assert _store_state(db) == []


def test_the_default_web_is_used_when_the_store_lacks_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, small_web: Web,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bubblescope, "load_default", lambda: small_web)
    monkeypatch.setenv("BUBBLESCOPE_DB", str(tmp_path / "env.duckdb"))
    code, out, _ = _run(capsys, "data", "show", "nvidia", "--json")
    assert code == 0
    assert json.loads(out)["kind"] == "chipmaker"
    code, _, err = _run(capsys, "data", "show", "nvidia", "--web", "other")
    assert code == 2
    assert "must name a stored web" in _flat(err)
    code, _, _ = _run(capsys, "data", "import", str(write_web_dir(small_web, tmp_path / "w")))
    assert code == 0
    assert _store_state(tmp_path / "env.duckdb") == [("small", "1", 6)]


def test_a_bad_import_exits_2_prints_every_issue_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], web_dir: Path,
) -> None:
    db = Path("s.duckdb")
    assert _run(capsys, "data", "import", str(web_dir), "--db", str(db))[0] == 0
    before = _store_state(db)
    contracts = web_dir / "contracts.csv"
    contracts.write_text(contracts.read_text().replace("300.0", "abc").replace("us_banks",
                                                                               "ghost"))
    entities = web_dir / "entities.csv"
    entities.write_text(entities.read_text().replace("hyperscaler", "cloud"))
    code, out, err = _run(capsys, "data", "import", str(web_dir), "--db", str(db))
    assert code == 2
    assert out == ""
    text = _flat(err)
    for needle in ("contracts.csv line 3: 'amount' must be a number",
                   "contracts.csv line 4: 'holder' must name a known entity",
                   "entities.csv line 4: 'kind' must be one of"):
        assert needle in text
    assert _store_state(db) == before


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(picks=st.lists(st.tuples(st.integers(1, 6), st.sampled_from(
    [("amount", "-1"), ("kind", "zz"), ("holder", "ghost"), ("source_ids", ""),
     ("confidence", "sure"), ("maturity", "1999-01-01")])), min_size=1, max_size=4,
    unique_by=lambda p: p[0]))
def test_the_cli_reports_random_corruptions_and_leaves_the_store_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fresh: Callable[[], Any],
    picks: list[tuple[int, tuple[str, str]]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    tables = fresh()
    db = Path("s.duckdb")
    good = build_web("small", dt.date(2025, 12, 31), tables)
    if not db.exists():
        with open_store(db) as store:
            store.save_web(good)
    before = _store_state(db)
    for row, (field, value) in picks:
        tables["contracts"][row - 1][field] = value
        if field == "maturity":
            tables["contracts"][row - 1]["start"] = "2000-01-01"
    _write_tables(Path("bad"), tables)
    code, _out, err = _run(capsys, "data", "import", "bad", "--db", str(db))
    assert code == 2
    text = _flat(err)
    for row, (field, _) in picks:
        assert f"bad/contracts.csv line {row + 1}: '{field}'" in text
    assert _store_state(db) == before


def _write_tables(root: Path, tables: dict[str, list[dict[str, str]]]) -> None:
    import csv

    root.mkdir(exist_ok=True)
    (root / "web.yaml").write_text("name: small\nas_of: 2025-12-31\n")
    for name, rows in tables.items():
        with open(root / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


def test_deal_legs_can_extend_a_base_web(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, small_web: Web, shared_data: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bubblescope, "load_default", lambda: small_web)
    db = tmp_path / "s.duckdb"
    code, out, _ = _run(capsys, "data", "import", str(shared_data / KEVIN), "--deal-legs",
                        "--base", "default", "--name", "merged", "--db", str(db), "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["contracts"] == len(small_web.contracts) + 81
    assert "nvidia" not in payload["created_entities"]
    assert payload["as_of"] == "2026-10-07"
    # the same legs again on top of the merged web: every contract id collides
    code, out, err = _run(capsys, "data", "validate", str(shared_data / KEVIN), "--deal-legs",
                          "--base", "merged", "--db", str(db))
    assert code == 2
    assert f"{shared_data / KEVIN} line 2: 'deal_id' must be unique (duplicate id)" in _flat(err)


def test_instruments_import_from_a_vendor_layout_all_errors_at_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    web = bubblescope.load_default()
    root = write_web_dir(web, tmp_path / "mine")
    db = Path("s.duckdb")
    assert _run(capsys, "data", "import", str(root), "--name", "mine", "--db", str(db))[0] == 0
    before = _store_state(db)
    code, out, _ = _run(capsys, "data", "show", "--coverage", "--web", "mine", "--db", str(db),
                        "--json")
    assert code == 0
    assert json.loads(out)["instruments"] == len(web.instruments)
    inst = root / "instruments.csv"
    text = inst.read_text(encoding="utf-8")
    inst.write_text(text.replace("msft_debt_2025q2,microsoft,bond",
                                 "msft_debt_2025q2,microsoft,swap", 1)
                    .replace(",2030-09-26,", ",2020-09-26,", 1), encoding="utf-8")
    hold = root / "holdings.csv"
    lines = hold.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[1].split(",")
    cells[2] = str(float(cells[2]) + 0.1)  # row 1's share: its target no longer sums to 1
    lines[1] = ",".join(cells)
    hold.write_text("".join(lines), encoding="utf-8")
    code, out, err = _run(capsys, "data", "import", str(root), "--name", "mine", "--db", str(db))
    assert code == 2
    assert out == ""
    flat = _flat(err)
    for needle in ("instruments.csv line 2: 'kind' must be one of bond",
                   "'maturity' must not be before date",
                   "holdings.csv line 2: 'share' must sum to 1"):
        assert needle in flat
    assert _store_state(db) == before
    code, _, err = _run(capsys, "data", "validate", str(hold))
    assert code == 0  # one table alone: its fields are valid (sums are checked with the web)
