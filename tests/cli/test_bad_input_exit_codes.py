"""Every command, given bad input, exits 2 with a message: never a traceback, never exit 1.

Exit 1 is for bugs only. Each case below is one hostile or careless input (a FIFO, a symlink
to ``/dev/zero``, a directory or an empty file in a table's place, an impossible date,
broken YAML in ``--set``, a non-UTF-8 or NaN price series, ...) given to one command.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bubblescope.cli import data as data_cli
from bubblescope.cli.app import run_app
from bubblescope.dashboard.server import bind

WEB = Path(__file__).resolve().parents[2] / "src" / "bubblescope" / "data" / "web"


def _web(tmp: Path) -> Path:
    root = tmp / "web"
    if not root.exists():
        shutil.copytree(WEB, root)
    return root


def _replace(tmp: Path, table: str, make: Callable[[Path], None]) -> Path:
    root = _web(tmp)
    path = root / table
    path.unlink()
    make(path)
    return root


def _edit_meta(tmp: Path, text: str) -> Path:
    root = _web(tmp)
    (root / "web.yaml").write_text(text, encoding="utf-8")
    return root


def _set_cell(tmp: Path, column: str, value: str) -> Path:
    root = _web(tmp)
    path = root / "contracts.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index(column)] = value
    lines[1] = ",".join(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _file(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


BAD_WEBS: dict[str, Callable[[Path], Path]] = {
    "fifo table": lambda t: _replace(t, "contracts.csv", os.mkfifo),
    "table -> /dev/zero": lambda t: _replace(t, "contracts.csv",
                                             lambda p: p.symlink_to("/dev/zero")),
    "directory table": lambda t: _replace(t, "entities.csv", lambda p: p.mkdir()),
    "empty table": lambda t: _replace(t, "contracts.csv", lambda p: p.write_bytes(b"")),
    "impossible as_of": lambda t: _edit_meta(t, "name: x\nas_of: 2025-13-45\n"),
    "web.yaml -> /dev/zero": lambda t: _replace(t, "web.yaml",
                                                lambda p: p.symlink_to("/dev/zero")),
    "huge name": lambda t: _edit_meta(t, f"name: {'n' * 100_000}\nas_of: 2025-12-31\n"),
    "arabic digits": lambda t: _set_cell(t, "amount", "١٢٣"),
    "underscored number": lambda t: _set_cell(t, "amount", "1_000"),
    "NUL in a name": lambda t: _set_cell(t, "note", "a\x00b"),
    "amount 1.7e308": lambda t: _set_cell(t, "amount", "1.7e308"),
    "non-utf8 table": lambda t: _replace(t, "sources.csv",
                                         lambda p: p.write_bytes(b"id,kind\n\xff\xfe,x\n")),
}


def _expect_2(args: list[str], capsys: pytest.CaptureFixture[str], needle: str = "") -> str:
    code = run_app(args)
    out = capsys.readouterr()
    text = out.err + out.out
    assert "Traceback" not in text
    assert "internal error" not in text
    assert code == 2, text
    assert "error" in text.lower()
    assert needle in text
    return text


@pytest.mark.parametrize("case", list(BAD_WEBS))
def test_data_validate_refuses_every_bad_web(tmp_path: Path, case: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = BAD_WEBS[case](tmp_path)
    _expect_2(["data", "validate", str(root)], capsys)


@pytest.mark.parametrize("command", [
    ["data", "import"], ["stress", "--web"], ["size", "--web"], ["run", "--no-montecarlo",
                                                                  "--web"],
    ["montecarlo", "--paths", "2", "--no-store", "--web"], ["reverse", "--web"],
    ["sensitivity", "--samples", "2", "--web"], ["serve", "--port", "0", "--web"],
])
@pytest.mark.parametrize("case", ["fifo table", "impossible as_of", "amount 1.7e308"])
def test_every_command_taking_a_web_refuses_a_bad_one(
        tmp_path: Path, command: list[str], case: str,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUBBLESCOPE_DB", str(tmp_path / "store.duckdb"))
    root = BAD_WEBS[case](tmp_path)
    _expect_2([*command, str(root)], capsys, needle=str(root))
    assert not (tmp_path / "store.duckdb").exists() or command[0] != "data"


@pytest.mark.parametrize(("sets", "needle"), [
    (["x=[unclosed"], "unknown field"),
    (["equity_shock=[unclosed"], "YAML syntax"),
    (["equity_shock={a: b"], "YAML syntax"),
    (["equity_shock=2025-13-45"], "YAML syntax"),
    (["revenue_shocks=[[a]]"], "revenue_shocks"),
    (["revenue_shocks=[1, 2, 3]"], "revenue_shocks"),
    (["revenue_shocks={openai: x}"], "revenue_shocks"),
    (["revenue_shocks=[unclosed"], "YAML syntax"),
    (["equity_shock=" + "9" * 400], "equity_shock"),
    (["equity_shock"], "field=value"),
])
def test_stress_set_errors_exit_2(sets: list[str], needle: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    args = ["stress"]
    for s in sets:
        args += ["--set", s]
    _expect_2(args, capsys, needle)


@pytest.mark.parametrize(("text", "needle"), [
    ("name: x\nrevenue_shocks: [[a]]\n", "revenue_shocks"),
    ("name: x\nrevenue_shocks: {openai: [1]}\n", "revenue_shocks"),
    ("name: x\nequity_shock: 2025-13-45\n", "date"),
    ("name: [unclosed\n", "not valid YAML"),
    ("[" * 5000 + "]" * 5000, "not nested this deeply"),
    ("- a list\n", "mapping"),
])
def test_bad_scenario_files_exit_2(tmp_path: Path, text: str, needle: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, "s.yaml", text.encode())
    _expect_2(["stress", "--scenario", str(path)], capsys, needle)


def test_a_fifo_scenario_exits_2_at_once(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(tmp_path / "s.yaml")
    _expect_2(["stress", "--scenario", str(tmp_path / "s.yaml")], capsys, "regular file")


@pytest.mark.parametrize(("data", "needle"), [
    (b"date,value\n2024-01-01,1\n2024-01-02,\xff\n", "UTF-8"),
    (b"date,value\n2024-01-01,1\n2024-01-02,nan\n2024-01-03,2\n", "line 3"),
    (b"date,value\n2024-01-01,1\n2024-01-02,\xd9\xa1\xd9\xa2\n", "line 3"),
    (b"date,value\n2024-01-01,1_000\n", "line 2"),
    (b"", "header"),
    (b"date,value\n2024-01-01,1\x00\n", "NUL"),
    (b'date,value\n"2024-01-01,1\n', "series.csv"),
])
def test_signals_refuses_bad_series_files(tmp_path: Path, data: bytes, needle: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, "series.csv", data)
    _expect_2(["signals", "--series", str(path), "--no-lppls", "--reps", "19"], capsys, needle)


def test_signals_refuses_a_constant_series(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    rows = "".join(f"2024-01-{d:02d},5\n" for d in range(1, 31))
    path = _file(tmp_path, "flat.csv", f"date,value\n{rows}".encode())
    _expect_2(["signals", "--series", str(path), "--no-lppls", "--reps", "19", "--json"],
              capsys, "constant")


@pytest.mark.parametrize(("option", "data", "needle"), [
    ("--rubric", b"factors: [\n", "valid YAML"),
    ("--flows", b"asset_class,flow_usd_bn\nx,\xd9\xa1\n", "flow_usd_bn"),
    ("--scaling", b"generation,model,year,training_cost_usd_m\n1,m,inf,1\n", "year"),
    ("--gdp", b"date,level-current\n2024-01-01,1_0\n", "value"),
    ("--gdp-contributions", b"", "header"),
])
def test_size_refuses_bad_tables(tmp_path: Path, option: str, data: bytes, needle: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, "t.csv" if option != "--rubric" else "r.yaml", data)
    _expect_2(["size", option, str(path)], capsys, needle)


@pytest.mark.parametrize(("name", "data", "needle"), [
    ("legs.csv", b"", "header"),
    ("legs.json", b"{\"edges\": [" * 3000, "JSON"),
    ("legs.json", b"{\"edges\": [{\"usd_bn\": 1" + b"0" * 5000 + b"}]}", "JSON"),
    ("legs.json", b"[1, 2]", "edges"),
])
def test_deal_leg_imports_refuse_bad_files(tmp_path: Path, name: str, data: bytes,
                                           needle: str, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUBBLESCOPE_DB", str(tmp_path / "store.duckdb"))
    path = _file(tmp_path, name, data)
    _expect_2(["data", "import", "--deal-legs", str(path)], capsys, needle)
    assert not (tmp_path / "store.duckdb").exists()


@pytest.mark.parametrize(("args", "needle"), [
    (["--name", "n" * 201], "at most 200 characters"),
    (["--version", "v" * 65], "at most 64 characters"),
    (["--name", "a\tb"], "control characters"),
])
def test_import_caps_names_and_versions(tmp_path: Path, args: list[str], needle: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    _expect_2(["data", "import", str(_web(tmp_path)), "--db", str(tmp_path / "s.duckdb"),
               *args], capsys, needle)


def test_other_data_commands_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "s.duckdb")
    _expect_2(["data", "export", "default", str(tmp_path / "out"), "--format", "xml"], capsys)
    _expect_2(["data", "show", "no-such-entity", "--db", db], capsys, "no-such-entity")
    _expect_2(["data", "delete", "no-such-web", "--db", db], capsys, "no-such-web")
    _expect_2(["data", "validate", str(_file(tmp_path, "contracts.csv", b""))], capsys,
              "header")


def test_serve_refusals_exit_2(capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUBBLESCOPE_TOKEN", raising=False)
    _expect_2(["serve", "--host", "0.0.0.0", "--token", " " * 8], capsys, "not counting spaces")
    _expect_2(["serve", "--host", "0.0.0.0", "--token", "CHANGE-ME-LONG-TOKEN"], capsys,
              "example")
    _expect_2(["serve", "--host", "not a host name", "--port", "0"], capsys, "requires a token")
    _expect_2(["serve", "--host", "not a host name", "--port", "0", "--token",
               "a-long-enough-token"], capsys, "is not an address this machine can bind")
    holder = bind("127.0.0.1", 0)
    with holder:
        _expect_2(["serve", "--port", str(holder.getsockname()[1])], capsys, "in use")


def test_ctrl_c_during_import_says_the_store_is_unchanged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "s.duckdb"
    assert run_app(["data", "import", str(_web(tmp_path)), "--db", str(db)]) == 0
    before = db.read_bytes()

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(data_cli, "read_export", interrupted)
    capsys.readouterr()
    assert run_app(["data", "import", str(_web(tmp_path)), "--db", str(db)]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err
    assert "unchanged" in err
    assert "Traceback" not in err
    assert db.read_bytes() == before
