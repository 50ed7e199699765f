"""The bundled default: the AI financing web, real series, presets and the rubric.

Files only; :func:`bubblescope.load_default` reads them through :mod:`bubblescope.store`.
"""

from importlib.resources import files
from pathlib import Path

__all__ = ["data_path"]


def data_path(*parts: str) -> Path:
    """Return the path of a bundled data file or directory."""
    return Path(str(files("bubblescope.data").joinpath(*parts)))
