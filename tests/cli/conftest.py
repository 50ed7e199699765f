"""CLI tests share one Monte Carlo cache for the session (critical values are slow to make)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _session_cache(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path_factory.getbasetemp() / "mc-cache"
    monkeypatch.setenv("BUBBLESCOPE_CACHE", str(cache))
    return cache
