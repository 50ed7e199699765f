"""The report in headless Chromium: every section renders its plots; screenshots of each.

One browser session for all sections. Screenshots go to ``out/screenshots/report-*.png``.
Uses Debian's chromium (``$BUBBLESCOPE_CHROMIUM`` or ``/usr/bin/chromium``); without it the
test skips, or fails when ``$CI`` is set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bubblescope.report.figcheck import MAX_USD

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
SECTIONS = ("web", "size", "when", "clocks", "stress", "montecarlo")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: Per rendered plot: its title and, per axis, type, title, range and category count.
_AXES_JS = """
() => [...document.querySelectorAll('.js-plotly-plot')].map((gd) => {
  const fl = gd._fullLayout;
  const axes = Object.keys(fl).filter((k) => /^[xy]axis\\d*$/.test(k)).map((k) => ({
    name: k, type: fl[k].type, title: (fl[k].title && fl[k].title.text) || '',
    range: fl[k].range, categories: (fl[k]._categories || []).length }));
  return { section: gd.closest('section').id, title: (fl.title && fl.title.text) || '', axes };
})
"""


def chromium_path() -> str:
    path = os.environ.get("BUBBLESCOPE_CHROMIUM") or "/usr/bin/chromium"
    if Path(path).is_file():
        return path
    message = f"chromium not found at {path!r}: apt-get install chromium, or set " \
              "BUBBLESCOPE_CHROMIUM"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def test_every_section_renders_and_its_axes_read_right(report_html: Path) -> None:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(report_html.as_uri())
            page.wait_for_function("[...document.querySelectorAll('.js-plotly-plot')]"
                                   ".every((d) => d._fullLayout)", timeout=60_000)
            plots: list[dict[str, Any]] = page.evaluate(_AXES_JS)
            for key in SECTIONS:
                section = page.locator(f"section#{key}")
                shot = SHOTS / f"report-{key}.png"
                section.screenshot(path=str(shot))
                assert shot.stat().st_size > 20_000, key  # a drawn section, not a blank
        finally:
            browser.close()
    assert errors == []
    assert {p["section"] for p in plots} == set(SECTIONS)
    for plot in plots:
        for axis in plot["axes"]:
            _check_axis(plot["title"], axis)


def _check_axis(title: str, axis: dict[str, Any]) -> None:
    """The axis plotly.js actually drew: no category axis beyond its categories, no money
    axis beyond MAX_USD (log ranges are exponents)."""
    lo, hi = (float(v) if not isinstance(v, str) else 0.0 for v in axis["range"])
    where = f"{title}: {axis['name']} {axis['range']}"
    if axis["type"] == "category":
        # autorange pads a category axis a little; the old Wicksell axis ran to 2024
        assert lo >= -2, where
        assert hi <= axis["categories"] + 2, where
    if "USD" in axis["title"]:
        top = 10 ** max(abs(lo), abs(hi)) if axis["type"] == "log" else max(abs(lo), abs(hi))
        assert top <= MAX_USD, where
