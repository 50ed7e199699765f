"""WHO GETS HURT in the report: the cascade of a stress run drawn, and its headline.

:func:`section` renders a :class:`~bubblescope.stress.result.StressResult` as the report's
"Who gets hurt" section (defaults timeline, losses by holder kind, GDP and jobs, and a
Sankey of losses from borrowers to holder kinds); :func:`headline` is the one line
``bubblescope run`` prints.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bubblescope.report.base import Section
from bubblescope.stress.macro import DOWNGRADED_2008_USD_BN, JOBS_2008_MILLIONS
from bubblescope.stress.result import StressResult

__all__ = ["headline", "section"]


def headline(result: StressResult) -> str:
    """One line: defaults, holder losses, jobs and downgrades of the run (means over paths).

    The numbers are means over paths; USD bn.
    """
    last = result.timeline.iloc[-1]
    return (
        f"Who gets hurt ({result.scenario.name}): {result.n_defaults.mean():.1f} defaults, "
        f"holder sectors lose USD {result.holder_loss.mean():,.0f}bn, "
        f"jobs {last['jobs_millions']:+.1f}M (2008: -{JOBS_2008_MILLIONS:g}M worldwide), "
        f"USD {last['downgraded']:,.0f}bn junked "
        f"({last['downgraded'] / DOWNGRADED_2008_USD_BN:.2f}x 2008)"
    )


def section(result: StressResult) -> Section:
    """The "Who gets hurt" section of the HTML report."""
    sc = result.scenario
    parts = [
        f"<p><b>{html.escape(sc.name)}</b>: {html.escape(sc.description)}</p>",
        f"<p>{html.escape(headline(result))}</p>",
        _defaults_table(result),
        _capital_table(result),
    ]
    figures = [_defaults_plot(result), _sector_plot(result), _macro_plot(result),
               _sankey(result)]
    parts += [_embed(f) for f in figures if f is not None]
    parts.append(f"<p class='note'>{result.n_assumed} inputs of the web were filled with "
                 "documented defaults (see docs/stress.md).</p>")
    return Section("stress", "Who gets hurt", "\n".join(parts))


def _embed(fig: go.Figure) -> str:
    return str(fig.to_html(full_html=False, include_plotlyjs=False))


def _defaults_table(result: StressResult) -> str:
    d = result.defaults.query("path == 0")
    if d.empty:
        return "<p>No entity defaults on the first path.</p>"
    rows = "".join(
        f"<tr><td>{html.escape(str(r.label))}</td><td>{html.escape(str(r.entity))}</td>"
        f"<td>{html.escape(str(r.kind))}</td><td>{html.escape(str(r.reason))}</td></tr>"
        for r in d.itertuples()
    )
    return ("<table><thead><tr><th>quarter</th><th>entity</th><th>kind</th><th>why</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>")


def _capital_table(result: StressResult) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(str(r.entity))}</td><td>{html.escape(str(r.kind))}</td>"
        f"<td>{r.loss:,.1f}</td><td>{r.capital:,.0f}</td><td>{r.share:.1%}</td></tr>"
        for r in result.capital_hit.itertuples()
    )
    return ("<h3>Holder sectors: losses against capital</h3><table><thead><tr><th>holder</th>"
            "<th>kind</th><th>loss, USD bn</th><th>capital, USD bn</th><th>share lost</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>")


def _defaults_plot(result: StressResult) -> go.Figure:
    tl = result.timeline
    d = result.defaults.query("path == 0")
    names = [", ".join(d.loc[d["label"] == q, "entity"]) for q in tl.index]
    fig = go.Figure(go.Bar(x=list(tl.index), y=tl["defaults"], hovertext=names,
                           name="new defaults"))
    fig.update_layout(title="Defaults by quarter (mean over paths; hover: first path)",
                      yaxis_title="entities")
    return fig


def _sector_plot(result: StressResult) -> go.Figure:
    frame: pd.DataFrame = result.losses_by_sector
    fig = go.Figure()
    for sector, row in frame.iterrows():
        fig.add_trace(go.Scatter(x=list(frame.columns), y=row.to_numpy(), name=str(sector),
                                 stackgroup="losses", mode="lines"))
    fig.update_layout(title="Cumulative losses by holder kind, USD bn (marks included)",
                      yaxis_title="USD bn")
    return fig


def _macro_plot(result: StressResult) -> go.Figure:
    tl = result.timeline
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=list(tl.index), y=100 * tl["gdp_growth"],
                             name="GDP growth, % y/y"), secondary_y=False)
    fig.add_trace(go.Scatter(x=list(tl.index), y=tl["jobs_millions"],
                             name="jobs vs no-shock path, millions"), secondary_y=True)
    fig.update_layout(title="GDP and jobs")
    fig.update_yaxes(title_text="% y/y", secondary_y=False)
    fig.update_yaxes(title_text="millions", secondary_y=True)
    return fig


def _sankey(result: StressResult) -> go.Figure | None:
    flows = result.loss_flows
    if flows.empty:
        return None
    flows = flows.head(40)
    borrowers = list(dict.fromkeys(flows["borrower"]))
    sectors = [f"{s} (holders)" for s in dict.fromkeys(flows["sector"])]
    labels = borrowers + sectors
    source = [borrowers.index(b) for b in flows["borrower"]]
    target = [len(borrowers) + sectors.index(f"{s} (holders)") for s in flows["sector"]]
    fig = go.Figure(go.Sankey(
        node={"label": labels, "pad": 12},
        link={"source": source, "target": target, "value": np.round(flows["loss"], 3)},
    ))
    fig.update_layout(title="Where the losses go: borrowers to holder kinds, USD bn "
                            "(the 40 largest flows)")
    return fig
