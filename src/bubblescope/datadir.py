"""Where vendor data lives: the one rule every command and the dashboard use.

Series the package may not redistribute (FRED yields, vendor prices) are read from a data
directory: ``--data-dir`` when given, else ``$BUBBLESCOPE_DATA_DIR``, else ``../shared/data``
beside the working directory or beside the source checkout, when it exists. Computed
results worth keeping between runs (PSY critical values, LPPLS fits) go to the cache
directory, ``$BUBBLESCOPE_CACHE`` or ``~/.cache/bubblescope``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

__all__ = ["CACHE_ENV", "DATA_ENV", "default_cache_dir", "find_data_dir", "resolve_data_dir"]

#: Environment variable naming the vendor data directory.
DATA_ENV: Final = "BUBBLESCOPE_DATA_DIR"
#: Environment variable naming the cache directory.
CACHE_ENV: Final = "BUBBLESCOPE_CACHE"


def default_cache_dir() -> Path:
    """``$BUBBLESCOPE_CACHE`` or ``~/.cache/bubblescope``: the one cache every command and
    the dashboard use."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "bubblescope")


def find_data_dir(explicit: Path | None, env_value: str | None, cwd: Path) -> Path | None:
    """Pick the data directory: ``explicit``, else ``env_value``, else ``../shared/data``.

    ``../shared/data`` is tried beside ``cwd`` and beside the source checkout; the first that
    exists wins. Returns ``None`` when nothing is given and no default exists.
    """
    if explicit is not None:
        return explicit
    if env_value:
        return Path(env_value)
    repo = Path(__file__).resolve().parents[2]
    for cand in (cwd.parent / "shared" / "data", repo.parent / "shared" / "data"):
        if cand.is_dir():
            return cand
    return None


def resolve_data_dir(explicit: Path | str | None = None, *,
                     env: Mapping[str, str] | None = None, cwd: Path | None = None
                     ) -> Path | None:
    """:func:`find_data_dir` with ``$BUBBLESCOPE_DATA_DIR`` read from ``env`` (default: the
    process environment) and ``cwd`` defaulting to the working directory."""
    environ = os.environ if env is None else env
    given = None if explicit is None else Path(explicit)
    return find_data_dir(given, environ.get(DATA_ENV) or None, cwd or Path.cwd())
