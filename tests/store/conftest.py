"""Store tests build their web from the shared row tables (tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

Tables = dict[str, list[dict[str, Any]]]


@pytest.fixture
def small_web(tables: Tables) -> Any:
    """The small web built (and validated) from :func:`tables`."""
    import datetime as dt

    from bubblescope.model.parse import build_web

    return build_web("small", dt.date(2025, 12, 31), tables, description="a small test web")
