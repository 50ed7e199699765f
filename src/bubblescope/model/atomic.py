"""One atomic writer for files and directories: all of the new content, or the old untouched.

The content is written under a temporary name beside the target (same directory, so the
same file system) and renamed into place only once it is complete. A failure while writing
(an exception, a full disk) removes the temporary and leaves whatever was at the target
as it was. Every writer of the package (exports, web directories, the report, caches)
goes through :func:`write_file` or :func:`write_dir`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_dir", "write_file"]


def write_file(target: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Write ``target`` atomically: ``write(tmp)`` fills a temporary file, then it replaces it.

    ``tmp`` is beside ``target`` and ends with the target's suffix (writers that pick a
    format by suffix, such as pandas' Excel and Parquet, see the right one). The parent
    directory is created if missing.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> write_file(d / "a.txt", lambda tmp: tmp.write_text("new")).read_text()
    'new'
    >>> def broken(tmp: Path) -> None:
    ...     tmp.write_text("half")
    ...     raise OSError("disk full")
    >>> write_file(d / "a.txt", broken)
    Traceback (most recent call last):
    OSError: disk full
    >>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('new', ['a.txt'])
    """
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_dir(target: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Write directory ``target`` atomically: ``write(tmp)`` fills a new directory, then it
    takes the target's place.

    An existing ``target`` is renamed aside, the new directory renamed in, and the old one
    removed; if the second rename fails the old one is put back. Callers check first that
    ``target`` may be replaced.
    """
    root = Path(target)
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", suffix=".tmp", dir=root.parent))
    try:
        write(tmp)
        _swap(tmp, root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return root


def _swap(new: Path, root: Path) -> None:
    """Put directory ``new`` at ``root``, the old ``root`` (if any) removed once it is."""
    if not root.exists():
        new.rename(root)
        return
    old = root.with_name(f".{root.name}.{secrets.token_hex(4)}.old")
    root.rename(old)
    try:
        new.rename(root)
    except BaseException:
        old.rename(root)
        raise
    shutil.rmtree(old, ignore_errors=True)
