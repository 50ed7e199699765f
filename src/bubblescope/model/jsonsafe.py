"""One JSON cleaner for every face: strict JSON from results that hold NaN, arrays or dates."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["finite", "plain"]


def finite(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, inf, at any depth) replaced by ``None``.

    Dicts, lists and tuples are walked; numpy arrays and scalars become lists and Python
    numbers first. JSON has no NaN or infinity, so a missing number is sent as ``null``.

    >>> finite({"a": float("nan"), "b": [1.5, float("inf")], "c": (2,)})
    {'a': None, 'b': [1.5, None], 'c': [2]}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if hasattr(value, "tolist") and not hasattr(value, "isoformat"):
        return finite(value.tolist())  # numpy arrays and scalars
    return value


def plain(value: Any) -> Any:
    """The ``default=`` hook of :func:`json.dumps`: dates as ISO text, arrays as lists,
    non-finite floats as ``None``, anything else as its text."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
