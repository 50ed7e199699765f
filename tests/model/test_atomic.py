"""The one atomic writer: a failure mid-write leaves the old file or directory as it was."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from bubblescope.model import Web
from bubblescope.model.atomic import write_dir, write_file
from bubblescope.model.tables import Tabular
from bubblescope.store.exchange import export_web
from bubblescope.store.files import read_web_dir, write_web_dir


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative name → bytes); hidden leftovers included."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


class InjectedError(RuntimeError):
    """The failure injected mid-write."""


def half_then_fail(tmp: Path) -> None:
    if tmp.suffix == ".tmp":  # a directory
        (tmp / "a.txt").write_text("half")
    else:
        tmp.write_text("half")
    raise InjectedError


def test_write_file_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out" / "x.csv"
    write_file(target, lambda tmp: tmp.write_text("old"))
    with pytest.raises(InjectedError):
        write_file(target, half_then_fail)
    assert snapshot(tmp_path) == {"out/x.csv": b"old"}
    write_file(target, lambda tmp: tmp.write_text("new"))
    assert snapshot(tmp_path) == {"out/x.csv": b"new"}


def test_write_file_temporary_keeps_the_suffix(tmp_path: Path) -> None:
    seen: list[Path] = []
    write_file(tmp_path / "t.parquet", lambda tmp: seen.append(tmp) or tmp.write_text(""))
    assert seen[0].suffix == ".parquet"
    assert seen[0].parent == tmp_path


def test_write_dir_failure_keeps_the_old_directory(tmp_path: Path) -> None:
    root = tmp_path / "web"
    write_dir(root, lambda tmp: (tmp / "a.txt").write_text("old"))
    with pytest.raises(InjectedError):
        write_dir(root, half_then_fail)
    assert snapshot(tmp_path) == {"web/a.txt": b"old"}
    write_dir(root, lambda tmp: (tmp / "b.txt").write_text("new"))
    assert snapshot(tmp_path) == {"web/b.txt": b"new"}  # replaced whole, not merged


def test_write_dir_puts_the_old_directory_back_when_the_swap_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "web"
    write_dir(root, lambda tmp: (tmp / "a.txt").write_text("old"))
    real = Path.rename
    calls: list[Path] = []

    def rename(self: Path, target: Path) -> Path:
        calls.append(self)
        if len(calls) == 2:  # the new directory moving in
            raise OSError("rename failed")
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(OSError, match="rename failed"):
        write_dir(root, lambda tmp: (tmp / "b.txt").write_text("new"))
    monkeypatch.undo()
    assert snapshot(tmp_path) == {"web/a.txt": b"old"}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_web_export_failing_mid_write_leaves_the_old_web(
        small_web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    root = export_web(small_web, tmp_path / "w", fmt)  # type: ignore[arg-type]
    before = snapshot(tmp_path)
    written: list[str] = []

    def fail_second(*args: object, **kwargs: object) -> None:
        written.append("table")
        if len(written) == 2:
            raise InjectedError

    if fmt == "csv":
        monkeypatch.setattr("csv.DictWriter.writerows", fail_second)
    else:
        monkeypatch.setattr(pq, "write_table", fail_second)
    with pytest.raises(InjectedError):
        export_web(small_web, root, fmt)  # type: ignore[arg-type]
    monkeypatch.undo()
    assert snapshot(tmp_path) == before
    if fmt == "csv":
        assert read_web_dir(root).name == small_web.name


def test_write_web_dir_replaces_a_web_directory(small_web: Web, tmp_path: Path) -> None:
    root = write_web_dir(small_web, tmp_path / "w")
    (root / "stale.csv").write_text("x")
    write_web_dir(small_web, root)
    assert not (root / "stale.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w"]


class _Frames(Tabular):
    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"main": self.frame}


def test_result_export_failing_mid_write_keeps_the_old_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "r.csv"
    _Frames(pd.DataFrame({"a": [1]})).export(path)
    before = snapshot(tmp_path)

    def broken(self: pd.DataFrame, target: Path, **kwargs: object) -> None:
        Path(target).write_text("a\n2\n")
        raise InjectedError

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(InjectedError):
        _Frames(pd.DataFrame({"a": [2]})).export(path)
    assert snapshot(tmp_path) == before
