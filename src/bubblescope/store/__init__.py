"""Persistence: web directories (CSV/YAML) and the DuckDB store."""

from bubblescope.store.files import read_csv_rows, read_web_dir, write_web_dir

__all__ = ["read_csv_rows", "read_web_dir", "write_web_dir"]
