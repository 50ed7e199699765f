"""Persistence: web directories (CSV/YAML), Parquet exports, the DuckDB store, importers.

``open_store``, ``export_web``, ``read_export`` and ``import_deal_legs`` are loaded on first
use, so ``import bubblescope`` does not pay for DuckDB and Parquet.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from bubblescope.store.files import read_web_dir, write_web_dir

__all__ = [
    "Store",
    "export_web",
    "import_deal_legs",
    "open_store",
    "read_export",
    "read_web_dir",
    "write_web_dir",
]

_LAZY = {
    "Store": "bubblescope.store.duckdb_store",
    "open_store": "bubblescope.store.duckdb_store",
    "export_web": "bubblescope.store.exchange",
    "read_export": "bubblescope.store.exchange",
    "import_deal_legs": "bubblescope.store.deal_legs",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'bubblescope.store' has no attribute {name!r}")
