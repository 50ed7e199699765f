"""The financing web in the report and on the terminal: size, totals, exposures, quality."""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from rich.console import Group
from rich.table import Table

from bubblescope.model.kinds import HOLDER_SECTORS
from bubblescope.model.quality import DataQuality, data_quality
from bubblescope.model.web import Web
from bubblescope.report.base import Section

__all__ = ["WebSummary", "rich_summary", "section", "summarize"]

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
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(col, justify="right" if col in money or col == "contracts" else "left")
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
        _table("Largest credit and commitment exposures (USD bn)", summary.largest, ("amount",)),
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
    ])
    return Section("web", "The financing web", body)
