"""The real report, written once per session by ``bubblescope report`` on the bundled web."""

from __future__ import annotations

from pathlib import Path

import pytest

from bubblescope.cli import app_main

#: Monte Carlo paths of the test report (enough for every plot to have data).
PATHS = 64


@pytest.fixture(scope="session")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``report.html`` of the bundled web with a small Monte Carlo section."""
    out = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BUBBLESCOPE_CACHE", str(tmp_path_factory.getbasetemp() / "mc-cache"))
        assert app_main(["report", "--out", str(out), "--paths", str(PATHS)]) == 0
    return out / "report.html"
