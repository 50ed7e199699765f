"""The guarded edge: bounded reads of regular files only, ASCII numbers, length caps."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from bubblescope.model import inputs
from bubblescope.model.errors import DataError
from bubblescope.model.inputs import (
    MAX_INPUT_ENV,
    check_label,
    load_yaml,
    max_input_bytes,
    parse_decimal,
    read_csv,
    read_input_bytes,
    read_input_text,
)
from bubblescope.store.files import REQUIRED_TABLES, read_web_dir
from bubblescope.store.rows import TABLES

WEB = Path(__file__).resolve().parents[2] / "src" / "bubblescope" / "data" / "web"


def _issue(exc: pytest.ExceptionInfo[DataError]) -> tuple[str, str, str]:
    [issue] = exc.value.issues
    return issue.file, issue.rule, issue.value


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "contracts.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataError) as info:
        read_input_text(fifo)  # would block for ever if opened for a blocking read
    assert _issue(info) == (str(fifo), "must be a regular file", "a FIFO (named pipe)")


def test_a_symlink_to_dev_zero_is_refused_without_reading(tmp_path: Path) -> None:
    link = tmp_path / "contracts.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(DataError) as info:
        read_csv(link)
    assert _issue(info) == (str(link), "must be a regular file", "a character device")


def test_a_directory_and_a_missing_file_are_data_errors(tmp_path: Path) -> None:
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(DataError) as info:
        read_input_bytes(tmp_path / "d.csv")
    assert _issue(info)[1:] == ("must be a regular file", "a directory")
    with pytest.raises(DataError) as info:
        read_input_bytes(tmp_path / "gone.csv")
    assert _issue(info)[1] == "must exist"
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "nowhere")
    with pytest.raises(DataError, match=r"dangling\.csv: 'file' must exist"):
        read_input_bytes(tmp_path / "dangling.csv")


def test_an_unreadable_file_is_a_data_error(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # root reads any file, so the kernel's refusal is simulated at os.open.
    path = tmp_path / "secret.csv"
    path.write_text("a\n1\n", encoding="utf-8")

    def refuse(name: str, flags: int, *args: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", name)

    monkeypatch.setattr(inputs.os, "open", refuse)
    with pytest.raises(DataError) as info:
        read_input_bytes(path)
    assert _issue(info) == (str(path), "must be readable", "Permission denied")


def test_a_read_error_after_opening_is_a_data_error() -> None:
    # /proc/self/mem opens as a regular file but reading offset 0 fails (EIO).
    with pytest.raises(DataError, match="/proc/self/mem: 'file' must be readable"):
        read_input_bytes("/proc/self/mem")


def test_the_size_cap_is_configurable_and_enforced(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 1_500_000)
    assert len(read_input_bytes(big)) == 1_500_000  # under the 64 MB default
    monkeypatch.setenv(MAX_INPUT_ENV, "1")
    assert max_input_bytes() == 1_000_000
    with pytest.raises(DataError) as info:
        read_input_bytes(big)
    file, rule, value = _issue(info)
    assert (file, value) == (str(big), "1,500,000 bytes or more")
    assert rule == f"must be at most 1,000,000 bytes (raise the cap with ${MAX_INPUT_ENV}, in MB)"
    assert read_input_bytes(big, limit=2_000_000) == b"x" * 1_500_000
    monkeypatch.setenv(MAX_INPUT_ENV, "lots")
    with pytest.raises(DataError, match="must be a positive whole number of megabytes"):
        max_input_bytes()


def test_a_proc_file_of_unknown_size_is_cut_at_the_cap() -> None:
    # /proc files report size 0, so only the counted read can stop them.
    data = read_input_bytes("/proc/self/status", limit=10**6)
    assert data.startswith(b"Name:")
    with pytest.raises(DataError, match="must be at most 20 bytes"):
        read_input_bytes("/proc/self/status", limit=20)


def test_text_must_be_utf8_without_nul(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,name\n1,a\x00b\n")
    with pytest.raises(DataError) as info:
        read_input_text(path)
    assert _issue(info) == (str(path), "must not contain NUL bytes", "\\x00")
    assert info.value.issues[0].line == 2
    path.write_bytes(b"\xef\xbb\xbfid\n1\n")
    assert read_input_text(path) == "id\n1\n"


@pytest.mark.parametrize("text", ["١٢٣", "1_000", "nan", "NaN", "inf", "-Infinity", "0x10",
                                  "1e", "", " ", "1.2.3", "²", "１２"])
def test_only_ascii_decimal_numbers_are_numbers(text: str) -> None:
    with pytest.raises(ValueError, match="not an ASCII decimal number"):
        parse_decimal(text)


def test_python_float_would_have_taken_what_is_refused() -> None:
    assert [float(t) for t in ("١٢٣", "1_000", "１２")] == [123.0, 1000.0, 12.0]


@pytest.mark.parametrize(("text", "value"), [("12", 12.0), ("-1.5e3", -1500.0), (".5", 0.5),
                                             ("+7.", 7.0), (" 3 ", 3.0), ("1E-2", 0.01)])
def test_ascii_decimal_numbers_parse(text: str, value: float) -> None:
    assert parse_decimal(text) == value


def test_labels_are_capped_and_printable() -> None:
    check_label("f", "name", "a" * 200, 200)
    for bad, rule in (("a" * 201, "must be at most 200 characters (got 201)"),
                      ("  ", "must not be empty"), ("a\x00b", "must not contain control")):
        with pytest.raises(DataError, match=rule.replace("(", r"\(").replace(")", r"\)")):
            check_label("f", "name", bad, 200)


def test_yaml_errors_are_data_errors_with_line() -> None:
    with pytest.raises(DataError, match=r"must be valid YAML \(line 2, column 1\)"):
        load_yaml("a: [1,\n", "x.yaml")
    with pytest.raises(DataError, match="a date must be a real date"):
        load_yaml("as_of: 2025-13-45\n", "web.yaml")
    with pytest.raises(DataError, match="not nested this deeply"):
        load_yaml("[" * 5000 + "]" * 5000, "deep.yaml")


def _web_copy(tmp_path: Path) -> Path:
    root = tmp_path / "web"
    shutil.copytree(WEB, root)
    return root


@pytest.mark.parametrize("make", ["fifo", "dev_zero", "directory", "empty", "header_only"])
@pytest.mark.parametrize("name", TABLES)
def test_every_hostile_table_in_a_web_directory_is_named(tmp_path: Path, make: str,
                                                         name: str) -> None:
    if make == "header_only" and name not in REQUIRED_TABLES:
        return  # an optional table may be empty
    root = _web_copy(tmp_path)
    table = root / f"{name}.csv"
    header = table.read_text(encoding="utf-8").splitlines()[0]
    table.unlink()
    if make == "fifo":
        os.mkfifo(table)
    elif make == "dev_zero":
        table.symlink_to("/dev/zero")
    elif make == "directory":
        table.mkdir()
    else:
        table.write_text("" if make == "empty" else header + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_web_dir(root)
    assert [i.file for i in info.value.issues] == [str(table)]


def test_a_huge_web_name_is_refused_quickly(tmp_path: Path) -> None:
    root = _web_copy(tmp_path)
    (root / "web.yaml").write_text(f"name: {'n' * 1_000_000}\nas_of: 2025-12-31\n",
                                   encoding="utf-8")
    with pytest.raises(DataError, match="'name' must be at most 200 characters"):
        read_web_dir(root)
