"""The report's "When: the clocks" section (see :mod:`bubblescope.when`)."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from bubblescope.report.base import Section
from bubblescope.when import LAST_YEAR, WhenResult

__all__ = ["section"]

_PARTS = (("principal", "debt principal"), ("interest", "interest"), ("lease", "lease rent"),
          ("commitment", "commitments"))


def section(result: WhenResult) -> Section:
    """Headline, maturity-wall chart and table, runways, the $1.9T crossing, the seeds'
    claims beside the computed dates and, last, the AI names' market signals."""
    byq = result.wall_by_quarter()
    fig = go.Figure([go.Bar(x=list(byq.index), y=byq[col], name=label) for col, label in _PARTS])
    fig.update_layout(barmode="stack", height=360, margin={"t": 40, "b": 30},
                      title="Maturity wall: payments due by quarter (USD bn, AI firms and SPVs)",
                      yaxis_title="USD bn")
    parts = [f"<p>{html.escape(result.headline())}</p>",
             fig.to_html(full_html=False, include_plotlyjs=False),
             "<h3>Due by year and sector (USD bn)</h3>",
             result.wall_by_sector().round(1).to_html(classes="table"),
             "<h3>Against cash and revenue: due ÷ revenue by year and sector</h3>"
             "<p class='muted'>Revenue held flat at each firm's latest annual figure; the last "
             "row is the sector's cash at the as-of date (USD bn).</p>", _cover(result),
             "<h3>Cash runway of AI labs and neoclouds</h3>", _runways(result),
             "<h3>AI debt against 2008's $1.9T</h3>",
             f"<p>{html.escape(result.crossing.note)}</p>",
             "<h3>The seeds' timing claims beside the computed dates</h3>", _claims(result),
             "<h3>Market signals (AI names, each series' standard reading)</h3>",
             "<ul>" + "".join(f"<li>{html.escape(str(x))}</li>" for x in result.market)
             + "</ul>" if result.market else "<p>Market signals not requested.</p>"]
    return Section("clocks", "When: the clocks", "".join(parts))


def _cover(result: WhenResult) -> str:
    c = result.cover
    if c.empty:
        return "<p>Nothing falls due.</p>"
    c = c.assign(year=c["quarter"].str[:4])
    g = c.groupby(["year", "sector"])[["due", "revenue_q"]].sum()
    ratio = (g["due"] / g["revenue_q"].where(g["revenue_q"] > 0)).unstack("sector")
    cash = c.groupby("sector")["cash"].first()
    table = ratio.map(lambda v: "n/a" if v != v else f"{v:.2f}")
    table.loc["cash"] = [f"{cash.get(k, float('nan')):.1f}" for k in table.columns]
    return str(table.to_html(classes="table", escape=True))


def _runways(result: WhenResult) -> str:
    if not result.runways:
        return "<p>No AI lab or neocloud in this web.</p>"
    presets = list(result.runways[0].engine)
    head = ("<table><tr><th>firm</th><th>cash</th><th>burn / quarter</th><th>static count</th>"
            + "".join(f"<th>{html.escape(p)}</th>" for p in presets) + "</tr>")
    rows = []
    for r in result.runways:
        cells = "".join(f"<td>{html.escape(q or '-')}"
                        + (f" <span class='muted'>{html.escape(why)}</span>" if q else "")
                        + "</td>" for q, why in r.engine.values())
        rows.append(f"<tr><td>{html.escape(r.firm)}</td><td>{r.cash:.1f}</td>"
                    f"<td>{r.burn_q:.1f}</td><td>{html.escape(r.static or f'beyond {LAST_YEAR}')}"
                    f"</td>{cells}</tr>")
    return head + "".join(rows) + "</table>"


def _claims(result: WhenResult) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(c.topic)}</td><td>{html.escape(c.claim)}<br>"
        f"<span class='muted'>{html.escape(c.seed)}: 「{html.escape(c.passage)}」</span></td>"
        f"<td>{html.escape(c.computed)}</td></tr>" for c in result.claims)
    return ("<table><tr><th>clock</th><th>the seed says</th><th>computed</th></tr>"
            + rows + "</table>")
