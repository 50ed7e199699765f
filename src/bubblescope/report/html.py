"""Assemble sections into one self-contained HTML page (plotly.js inline; opens offline)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from plotly.offline import get_plotlyjs

from bubblescope.report.base import Section

__all__ = ["render"]

_CSS = """
body{font-family:system-ui,sans-serif;max-width:1180px;margin:2rem auto;padding:0 1rem;color:#222}
nav a{margin-right:1rem} h1{margin-bottom:.2rem} .meta{color:#666}
table.table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}
table.table td,table.table th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left}
section{margin-top:2.5rem}
"""


def render(sections: Sequence[Section], title: str = "bubblescope report",
           generated: dt.datetime | None = None) -> str:
    """Return a complete HTML document holding ``sections`` and plotly.js inline."""
    when = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    nav = " ".join(f'<a href="#{html.escape(s.key)}">{html.escape(s.title)}</a>'
                   for s in sections)
    body = "\n".join(
        f'<section id="{html.escape(s.key)}"><h2>{html.escape(s.title)}</h2>{s.html}</section>'
        for s in sections
    )
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        f"<h1>{html.escape(title)}</h1><p class=\"meta\">Generated {when} by bubblescope.</p>"
        f"<nav>{nav}</nav>{body}</body></html>"
    )
