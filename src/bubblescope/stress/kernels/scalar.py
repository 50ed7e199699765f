"""numpy's scalar rules for min, max and clip, for numba kernels that must match numpy bit
for bit: NaN propagates, a tie returns the second argument (so ``max(-0.0, 0.0)`` is
``0.0``), and clip keeps NaN and a ``-0.0`` within its bounds (numpy's rule with scalar
bounds)."""

from __future__ import annotations

import numba

__all__ = ["np_clip", "np_maximum", "np_minimum"]


@numba.njit(cache=True, nogil=True, inline="always")
def np_maximum(a: float, b: float) -> float:  # pragma: no cover - numba
    """``np.maximum(a, b)`` of two floats: NaN from either, ``b`` when equal (signed zeros)."""
    return a if (a > b or a != a) else b


@numba.njit(cache=True, nogil=True, inline="always")
def np_minimum(a: float, b: float) -> float:  # pragma: no cover - numba
    """``np.minimum(a, b)`` of two floats: NaN from either, ``b`` when equal (signed zeros)."""
    return a if (a < b or a != a) else b


@numba.njit(cache=True, nogil=True, inline="always")
def np_clip(x: float, lo: float, hi: float) -> float:  # pragma: no cover - numba
    """``np.clip(x, lo, hi)`` of a float: NaN stays NaN, ``x`` when equal to a bound."""
    c = x if (x >= lo or x != x) else lo
    return c if (c <= hi or c != c) else hi
