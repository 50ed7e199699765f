"""Web directories: web.yaml plus the four CSV tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bubblescope.model.errors import DataError
from bubblescope.model.inputs import read_csv
from bubblescope.model.web import Web
from bubblescope.store.files import read_web_dir, write_web_dir


def test_write_then_read_gives_an_equal_web(tmp_path: Path, small_web: Web) -> None:
    root = write_web_dir(small_web, tmp_path / "w")
    assert sorted(p.name for p in root.iterdir()) == [
        "contracts.csv", "entities.csv", "figures.csv", "sources.csv", "web.yaml"]
    assert read_web_dir(root) == small_web
    write_web_dir(small_web.with_contracts(()), root)  # replaces the old directory
    with pytest.raises(DataError, match=r"contracts\.csv: 'rows' must hold at least one data row"):
        read_web_dir(root)  # a web without contracts is refused on the way in
    assert not any(p.name.startswith(".web-") for p in tmp_path.iterdir())


def test_figures_csv_is_optional(tmp_path: Path, small_web: Web) -> None:
    root = write_web_dir(small_web, tmp_path / "w")
    (root / "figures.csv").unlink()
    assert all(e.figures == () for e in read_web_dir(root).entities)


def test_missing_pieces_are_all_named(tmp_path: Path, small_web: Web) -> None:
    with pytest.raises(DataError, match="must be a web directory"):
        read_web_dir(tmp_path / "nope")
    root = write_web_dir(small_web, tmp_path / "w")
    (root / "sources.csv").unlink()
    (root / "contracts.csv").unlink()
    with pytest.raises(DataError) as info:
        read_web_dir(root)
    assert [Path(i.file).name for i in info.value.issues] == ["sources.csv", "contracts.csv"]
    (root / "web.yaml").unlink()
    with pytest.raises(DataError, match=r"web.yaml: 'file' is required"):
        read_web_dir(root)


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("name: x\nas_of: not a date\n", ["as_of"]),
        ("as_of: 2025-12-31\n", ["name"]),
        ("name: ''\n", ["name", "as_of"]),
        ("- a\n- b\n", ["web.yaml"]),
        ("name: [unclosed\n", ["file"]),
    ],
)
def test_bad_web_yaml_is_reported(
    tmp_path: Path, small_web: Web, text: str, fields: list[str],
) -> None:
    root = write_web_dir(small_web, tmp_path / "w")
    (root / "web.yaml").write_text(text)
    with pytest.raises(DataError) as info:
        read_web_dir(root)
    assert [i.field for i in info.value.issues] == fields


def test_as_of_may_be_a_timestamp_or_a_string(tmp_path: Path, small_web: Web) -> None:
    root = write_web_dir(small_web, tmp_path / "w")
    (root / "web.yaml").write_text("name: small\nas_of: 2025-12-31 10:00:00\n")
    assert read_web_dir(root).as_of == dt.date(2025, 12, 31)
    (root / "web.yaml").write_text("name: small\nas_of: '2025-12-31'\ndescription:\n")
    web = read_web_dir(root)
    assert (web.as_of, web.description) == (dt.date(2025, 12, 31), "")


def test_csv_with_bom_and_crlf_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffid,kind\r\ns1,seed\r\n".encode())
    assert read_csv(path) == [{"id": "s1", "kind": "seed"}]


def test_a_file_that_is_not_utf8_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,name\n1,\xff\xfe caf\xe9\n")
    with pytest.raises(DataError, match=r"line 2: 'file' must be UTF-8 text"):
        read_csv(path)


def test_errors_in_several_files_are_reported_together(tmp_path: Path, small_web: Web) -> None:
    root = write_web_dir(small_web, tmp_path / "w")
    text = (root / "contracts.csv").read_text().replace(",300.0,", ",-300,")
    (root / "contracts.csv").write_text(text)
    text = (root / "entities.csv").read_text().replace(",chipmaker,", ",chip_maker,")
    (root / "entities.csv").write_text(text)
    with pytest.raises(DataError) as info:
        read_web_dir(root)
    found = {(Path(i.file).name, i.line, i.field) for i in info.value.issues}
    assert {("contracts.csv", 3, "amount"), ("entities.csv", 2, "kind")} <= found
    assert ",-300," in (root / "contracts.csv").read_text().splitlines()[3 - 1]
