"""The financing web in the report and on the terminal: size, totals, exposures, quality."""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from rich import box
from rich.console import Group
from rich.table import Table

from bubblescope.model.kinds import HOLDER_SECTORS
from bubblescope.model.quality import DataQuality, data_quality
from bubblescope.model.web import Web
from bubblescope.report.base import Section

__all__ = ["WebSummary", "graph_figure", "rich_summary", "section", "summarize"]

#: Nodes named on the web graph (the largest by claims held plus owed); the rest on hover.
LABELLED = 15
#: Largest claims drawn as edges on the web graph.
EDGES = 80

#: Ownership claims, left out of "largest exposures" (they are valued at market, not owed).
_EQUITY_KINDS = ("equity_stake", "fund_share", "warrant")


@dataclass(frozen=True)
class WebSummary:
    """What `bubblescope run` reports about the web itself (USD bn)."""

    name: str
    as_of: str
    n_entities: int
    n_contracts: int
    n_sources: int
    by_kind: pd.DataFrame
    by_holder_sector: pd.DataFrame
    largest: pd.DataFrame
    quality: DataQuality

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "name": self.name, "as_of": self.as_of, "entities": self.n_entities,
            "contracts": self.n_contracts, "sources": self.n_sources,
            "totals_by_kind": self.by_kind.to_dict(orient="records"),
            "holder_sectors": self.by_holder_sector.to_dict(orient="records"),
            "largest_exposures": self.largest.to_dict(orient="records"),
            "debt_coverage": (self.quality.coverage.frame().to_dict(orient="records")
                              if self.quality.coverage else []),
            "data_quality": {**{k: v for k, v in self.quality.__dict__.items()
                                if k != "coverage"}, **{
                name: getattr(self.quality, name) for name in (
                    "assumption_figure_share", "assumption_notional_share",
                    "citing_assumption_notional_share", "low_confidence_notional_share")}},
        }


def summarize(web: Web, top: int = 10) -> WebSummary:
    """Summarise ``web``: totals by contract kind and holder sector, largest exposures."""
    by_kind = web.contracts_frame()
    by_kind = by_kind[by_kind["status"] != "superseded"]
    kinds = (by_kind.groupby("kind")["amount"].agg(["count", "sum"])
             .rename(columns={"count": "contracts", "sum": "usd_bn"})
             .sort_values("usd_bn", ascending=False).reset_index())
    sectors = web.totals_by_sector()
    sectors = sectors[sectors["sector"].isin(HOLDER_SECTORS)]
    by_sector = (sectors.groupby("sector")[["held", "owed"]].sum()
                 .sort_values("held", ascending=False).reset_index())
    credit = by_kind[~by_kind["kind"].isin(_EQUITY_KINDS)]
    largest = credit.nlargest(top, "amount")[
        ["kind", "holder", "obligor", "amount", "confidence"]
    ].reset_index(drop=True)
    return WebSummary(web.name, web.as_of.isoformat(), len(web.entities), len(web.contracts),
                      len(web.sources), kinds, by_sector, largest, data_quality(web))


def _table(title: str, frame: pd.DataFrame, money: tuple[str, ...]) -> Table:
    # Light borders and no wrapping of names: at 80 columns an entity id is never cut.
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True, show_edge=False)
    for col in frame.columns:
        number = col in money or col == "contracts"
        table.add_column(col, justify="right" if number else "left", no_wrap=True,
                         min_width=len(col) if number else None)
    for row in frame.itertuples(index=False):
        table.add_row(*[f"{v:,.1f}" if c in money else str(v)
                        for c, v in zip(frame.columns, row, strict=True)])
    return table


def rich_summary(summary: WebSummary) -> Group:
    """Terminal rendering of a :class:`WebSummary`."""
    head = (f"[bold]Web {summary.name!r}[/] as of {summary.as_of}: {summary.n_entities} entities,"
            f" {summary.n_contracts} contracts, {summary.n_sources} sources")
    return Group(
        head,
        _table("Totals by contract kind (USD bn)", summary.by_kind, ("usd_bn",)),
        _table("Holder sectors: claims held and owed (USD bn)", summary.by_holder_sector,
               ("held", "owed")),
        _table("Largest credit and commitment exposures (USD bn)",
               summary.largest.rename(columns={"confidence": "conf."}), ("amount",)),
        f"[bold]Data quality:[/] {summary.quality}",
    )


def _frame_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, float_format=lambda v: f"{v:,.1f}",
                         classes="table", border=0)


def _sankey(web: Web) -> go.Figure:
    """Claims from the obligor's sector to the holder's sector (money owed flows that way)."""
    frame = web.contracts_frame()
    frame = frame[frame["status"] != "superseded"]
    kind_of = {e.id: e.kind for e in web.entities}
    flows = (frame.assign(src=frame["obligor"].map(kind_of), dst=frame["holder"].map(kind_of))
             .groupby(["src", "dst"])["amount"].sum().reset_index())
    labels = sorted(set(flows["src"]) | set(flows["dst"]))
    left = [f"{x} (owes)" for x in labels]
    right = [f"{x} (holds)" for x in labels]
    pos = {x: i for i, x in enumerate(labels)}
    fig = go.Figure(go.Sankey(
        node={"label": left + right, "pad": 12},
        link={"source": [pos[s] for s in flows["src"]],
              "target": [len(labels) + pos[d] for d in flows["dst"]],
              "value": flows["amount"].tolist()},
    ))
    fig.update_layout(title="Who owes whom, by sector (USD bn of claims)", height=560)
    return fig


def section(web: Web) -> Section:
    """The report's "The web" section: totals, exposures, data quality and a sector Sankey."""
    s = summarize(web)
    bars = go.Figure(go.Bar(x=s.by_kind["kind"], y=s.by_kind["usd_bn"]))
    bars.update_layout(title="Notional by contract kind (USD bn)", height=380)
    body = "".join([
        f"<p>Web <b>{html.escape(s.name)}</b> as of {s.as_of}: {s.n_entities} entities, "
        f"{s.n_contracts} contracts, {s.n_sources} sources.</p>",
        f"<p><b>Data quality:</b> {html.escape(str(s.quality))}.</p>",
        bars.to_html(full_html=False, include_plotlyjs=False),
        "<h3>Totals by contract kind</h3>", _frame_html(s.by_kind),
        "<h3>Holder sectors</h3>", _frame_html(s.by_holder_sector),
        "<h3>Largest credit and commitment exposures</h3>", _frame_html(s.largest),
        _sankey(web).to_html(full_html=False, include_plotlyjs=False),
        graph_figure(web).to_html(full_html=False, include_plotlyjs=False),
    ])
    return Section("web", "The financing web", body)


def graph_figure(web: Web, labelled: int = LABELLED, edges: int = EDGES) -> go.Figure:
    """The web as a circle grouped by kind: each kind an arc (its nodes largest first),
    nodes sized by exposure (claims held plus owed, USD bn), the ``labelled`` largest
    named outside the circle, the ``edges`` largest claims drawn as chords by amount."""
    frame = web.contracts_frame()
    frame = frame[frame["status"] != "superseded"]
    exposure = (frame.groupby("holder")["amount"].sum()
                .add(frame.groupby("obligor")["amount"].sum(), fill_value=0.0))
    kind_of = {e.id: e.kind for e in web.entities}
    name_of = {e.id: e.name for e in web.entities}
    by_kind = exposure.groupby(exposure.index.map(kind_of)).sum().sort_values(ascending=False)
    order = [str(e) for k in by_kind.index for e in
             exposure[exposure.index.map(kind_of) == k].sort_values(ascending=False).index]
    # One empty slot between kinds, so the arcs read as groups.
    slots, slot = {}, 0
    for j, e in enumerate(order):
        if j and kind_of[e] != kind_of[order[j - 1]]:
            slot += 1
        slots[e] = slot
        slot += 1
    angle = {e: 2 * np.pi * k / slot for e, k in slots.items()}
    pos = {e: (float(np.cos(a)), float(np.sin(a))) for e, a in angle.items()}
    fig = go.Figure()
    biggest = frame.nlargest(edges, "amount")
    top_amount = max(float(biggest["amount"].max()), 1e-9)
    for h, o, amount in biggest[["holder", "obligor", "amount"]].itertuples(index=False):
        (x0, y0), (x1, y1) = pos[h], pos[o]
        fig.add_scatter(x=[x0, 0.2 * (x0 + x1), x1], y=[y0, 0.2 * (y0 + y1), y1],
                        mode="lines", showlegend=False, hoverinfo="skip",
                        line={"width": 0.5 + 6 * float(np.sqrt(amount / top_amount)),
                              "color": "rgba(80,80,80,0.22)", "shape": "spline"})
    big = max(float(exposure.max()), 1e-9)
    for k in by_kind.index:
        ids = [e for e in order if kind_of[e] == k]
        fig.add_scatter(
            x=[pos[e][0] for e in ids], y=[pos[e][1] for e in ids], mode="markers",
            name=f"{str(k).replace('_', ' ')} (USD {by_kind[k]:,.0f}bn)",
            hovertext=[f"{name_of[e]} ({k}): USD {exposure[e]:,.1f}bn held + owed"
                       for e in ids], hoverinfo="text",
            marker={"size": [7 + 30 * float(np.sqrt(exposure[e] / big)) for e in ids],
                    "line": {"width": 1, "color": "#333"}})
    top = [str(e) for e in exposure.sort_values(ascending=False).index[:labelled]]
    for side, right in (("middle right", True), ("middle left", False)):
        ids = [e for e in top if (pos[e][0] >= 0) == right]
        fig.add_scatter(x=[1.12 * pos[e][0] for e in ids], y=[1.12 * pos[e][1] for e in ids],
                        mode="text", text=[name_of[e] for e in ids], textposition=side,
                        textfont={"size": 11}, showlegend=False, hoverinfo="skip")
    fig.update_layout(
        title=f"The web grouped by kind (arcs; the {labelled} largest named, the {edges} "
              "largest claims drawn, width by USD bn)",
        height=720, hovermode="closest", colorway=qualitative.Dark24,
        legend={"title": {"text": "kind (held + owed)"}},
        xaxis={"visible": False, "range": [-2.0, 2.0]},
        yaxis={"visible": False, "range": [-1.3, 1.3], "scaleanchor": "x"})
    return fig
