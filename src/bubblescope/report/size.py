"""HOW BIG in the report and on the terminal: the bubble card, its plots and headline.

:func:`card_for` loads the bundled tables (and, with ``data_dir``, the vendor rate series)
and computes the card for a web; :func:`section` renders it as the report's "How big"
section; :func:`headline` is the one line ``bubblescope run`` prints; :func:`rich_card` is
the terminal table ``bubblescope size`` prints.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from rich.table import Table

from bubblescope.datadir import resolve_data_dir
from bubblescope.model.web import Web
from bubblescope.report.base import Section
from bubblescope.size.bubble_card import CardOptions, SizeCard, bubble_card, card
from bubblescope.size.data import default_rates, load_inputs

__all__ = ["card_for", "headline", "rich_card", "section"]


def card_for(web: Web | None, data_dir: Path | str | None = None,
             options: CardOptions | None = None, web_error: str = "") -> SizeCard:
    """Compute the bubble card for ``web``.

    The vendor data directory is resolved as for ``bubblescope size``
    (:func:`bubblescope.datadir.resolve_data_dir`: ``data_dir``, else
    ``$BUBBLESCOPE_DATA_DIR``, else ``../shared/data`` when it exists); the rates default to
    ``baa`` when a directory is found, else ``treasury_const``.
    """
    if not web_error:
        return card(web, data_dir, options)
    ddir = resolve_data_dir(data_dir)
    opts = options or CardOptions(rates=default_rates(ddir))
    return bubble_card(load_inputs(ddir, web, web_error), opts)


def headline(card: SizeCard) -> str:
    """The card's headline, for ``bubblescope run``."""
    return card.headline


def rich_card(card: SizeCard) -> Table:
    """The card as a rich table (one row per figure)."""
    table = Table(title="HOW BIG — the bubble card", caption=card.headline)
    for col in ("figure", "value", "vs dot-com | 2008", "seed says", "source"):
        table.add_column(col, overflow="fold")
    for f in card.figures:
        bench = " | ".join(b for b in (f.vs_dotcom, f.vs_2008) if b)
        table.add_row(f.label, f.value, bench, f.seed, f.source)
    return table


def section(card: SizeCard) -> Section:
    """The "How big" section: the card, the variants table and the plots."""
    parts = [f"<p>{html.escape(card.headline)}</p>", _card_table(card)]
    parts += [f"<p class='note'>note: {html.escape(n)}</p>" for n in card.wicksell.notes]
    parts += [f"<p class='note'>unavailable: {html.escape(u)}</p>" for u in card.unavailable]
    figures = [_wicksell_plot(card), _revenue_plot(card), _debt_plot(card), _cycles_plot(card),
               _gdp_plot(card), _scaling_plot(card), _gk_plot(card)]
    parts += [_embed(f) for f in figures if f is not None]
    parts.append("<h3>Wicksellian deficit: variants</h3>" + _frame_html(card.variants.table))
    parts += _detail_tables(card)
    if card.allocation is not None:
        parts.append(f"<pre>{html.escape(str(card.allocation))}</pre>")
    return Section("size", "How big", "\n".join(parts))


def _detail_tables(card: SizeCard) -> list[str]:
    """The tables behind the card's web figures (USD bn; shares in %)."""
    return _money_tables(card) + _link_tables(card)


#: Columns holding a share in 0..1, shown in percent.
_PCT: Final = frozenset({"on_share", "off_share", "debt_share", "share", "round_trip_share"})


def _titled(title: str, frame: pd.DataFrame) -> str:
    shown = frame.copy()
    for col in _PCT & set(shown.columns):
        shown[col] = shown[col].map(lambda v: f"{100 * v:.1f}%")
    return f"<h3>{html.escape(title)}</h3>" + _frame_html(shown)


def _money_tables(card: SizeCard) -> list[str]:
    out: list[str] = []
    if card.revenue is not None:
        r = card.revenue
        out += [_titled(f"Revenue gap {r.year} per sector (USD bn; coverage = AI revenue / "
                        "(capex + commitments))", r.by_sector),
                _titled(f"Revenue gap {r.year} per entity (USD bn)", r.by_entity)]
    if card.debt is not None:
        d = card.debt
        out += [_titled(f"Debt mix of {d.year} capex per entity (USD bn; SPVs looked through)",
                        d.by_entity),
                _titled(f"Debt mix of {d.year} capex per sector (USD bn)", d.by_sector)]
    if card.spv is not None:
        s = card.spv
        seed = "" if s.seed_share is None else (f"; the seed's ${s.seed_debt:,.1f}bn is "
                                                f"{s.seed_share:.1%}")
        out.append(f"<p>{html.escape(s.tenant)} carries ${s.carried:,.1f}bn of SPV debt "
                   f"({html.escape(', '.join(s.spvs))}), {s.share:.1%} of the seed's "
                   f"${s.industry_capex:,.0f}bn industry capex{html.escape(seed)}.</p>")
    return out


def _link_tables(card: SizeCard) -> list[str]:
    out: list[str] = []
    if card.cycles is not None and card.cycles.cycles:
        rows = [{"cycle": " → ".join((*k.nodes, k.nodes[0])), "smallest leg": k.smallest,
                 "legs": ", ".join("/".join(h.legs) for h in k.hops)}
                for k in card.cycles.cycles[:15]]
        out.append(_titled(f"Financing cycles (top {len(rows)} of {len(card.cycles.cycles)}, "
                           "USD bn)", pd.DataFrame(rows)))
    if card.round_trips is not None and card.round_trips.firms:
        rt = card.round_trips
        out.append(_titled("Round-trip revenue share per firm (own money coming back)",
                           pd.DataFrame([{"firm": f, "round_trip_share": rt.share(f)}
                                         for f in rt.firms])))
    if card.roles is not None and card.roles.multi:
        roles = card.roles
        out.append(_titled("Entities in several roles", pd.DataFrame(
            [{"entity": e, "roles": ", ".join(roles.roles[e])} for e in roles.multi])))
    if card.concentration is not None:
        k = card.concentration
        out.append(_titled(f"{k.supplier} customers ({k.basis}; HHI {k.hhi:.2f})", pd.DataFrame(
            {"customer": k.customers, "revenue": k.amounts, "share": k.shares})))
    if card.gdp is not None:
        out.append(_titled("Real GDP growth with and without AI investment (pp, annualised)",
                           pd.DataFrame([{"quarter": q.quarter, "growth": q.gdp_growth,
                                          "AI": q.ai, "growth ex-AI": q.ex_ai,
                                          "flags": "; ".join(q.flags)}
                                         for q in card.gdp.quarters])))
    return out


def _embed(fig: go.Figure) -> str:
    return str(fig.to_html(full_html=False, include_plotlyjs=False))


def _frame_html(frame: pd.DataFrame) -> str:
    return str(frame.to_html(index=False, escape=True, na_rep="n/a",
                             float_format=lambda v: f"{v:.2f}"))


def _card_table(card: SizeCard) -> str:
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in
                         (f.label, f.value, f.vs_dotcom, f.vs_2008, f.seed, f.source)) + "</tr>"
        for f in card.figures)
    head = "".join(f"<th>{h}</th>" for h in
                   ("figure", "value", "vs dot-com", "vs 2008", "seed says", "source"))
    return f"<table class='card'><tr>{head}</tr>{rows}</table>"


def _wicksell_plot(card: SizeCard) -> go.Figure:
    """Deficit bars and the accumulated line on a date axis, episodes shaded.

    Periods are drawn at their start dates (a date axis, not categories: plotly reads a
    number-like label such as ``"1955"`` in a shape as a category position).
    """
    w = card.wicksell
    x = [_start(p) for p in w.periods]
    fig = go.Figure()
    fig.add_bar(x=x, y=w.deficit, name="WD = g + θ − r (pp)")
    fig.add_scatter(x=x, y=w.accumulated, name="accumulated (pp-years)", yaxis="y2")
    for e in w.episodes:
        fig.add_vrect(x0=_start(e.start), x1=_end(e.end), fillcolor="orange", opacity=0.15,
                      line_width=0)
    fig.update_layout(title=f"Wicksellian deficit ({w.rate_name}, {w.config.frequency}, "
                            f"{w.config.rule}); episodes shaded",
                      xaxis={"type": "date", "title": "period"},
                      yaxis={"title": "pp a period"},
                      yaxis2={"overlaying": "y", "side": "right", "title": "pp-years"},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def _start(period: str) -> str:
    return pd.Period(period).start_time.strftime("%Y-%m-%d")


def _end(period: str) -> str:
    return pd.Period(period).end_time.strftime("%Y-%m-%d")


def _revenue_plot(card: SizeCard) -> go.Figure | None:
    """Both revenue paths until each covers the obligations (the ×9 path stops there)."""
    b = card.break_even
    if b is None:
        return None
    need = b.required
    # Draw the exponential path up to the first year it covers the need, not beyond:
    # ×9 every two years for the full horizon reaches USD 10⁸ bn, which says nothing.
    stop = int(np.searchsorted(b.exponential, need)) + 1
    last = min(len(b.years), max(stop, int(np.ceil(b.years_linear)) + 2))
    years = b.years[:last]
    fig = go.Figure()
    fig.add_scatter(x=b.years[:stop], y=b.exponential[:stop],
                    name=f"x{b.multiple:g} in {b.multiple_years:g}y "
                         f"(covers it ~{b.year_exponential:.0f})", mode="lines+markers")
    fig.add_scatter(x=years, y=b.linear[:last], name=f"linear, same first step "
                    f"(covers it ~{b.year_linear:.0f})", mode="lines+markers")
    fig.add_scatter(x=[years[0], years[-1]], y=[need, need], mode="lines",
                    line={"dash": "dash", "color": "black"},
                    name=f"revenue needed: USD {need:,.0f}bn a year")
    fig.update_layout(title=f"Revenue paths vs obligations ({card.options.lab})",
                      xaxis={"title": "year"},
                      yaxis={"type": "log", "title": "USD bn a year"})
    return fig


def _debt_plot(card: SizeCard) -> go.Figure | None:
    d = card.debt
    if d is None or d.by_entity.empty:
        return None
    f = d.by_entity
    fig = go.Figure()
    fig.add_bar(x=f["entity"], y=f["on_share"], name="on balance sheet")
    fig.add_bar(x=f["entity"], y=f["off_share"], name="off balance sheet (SPVs looked through)")
    fig.update_layout(barmode="stack", title=f"Debt as a share of {d.year} capex",
                      yaxis={"tickformat": ".0%"})
    return fig


def _cycles_plot(card: SizeCard) -> go.Figure | None:
    c = card.cycles
    if c is None or not c.cycles:
        return None
    top = c.cycles[:12]
    labels = [" → ".join((*k.nodes, k.nodes[0])) for k in top]
    fig = go.Figure(go.Bar(x=[k.smallest for k in top], y=labels, orientation="h"))
    fig.update_layout(title="Financing cycles, by smallest leg (USD bn)",
                      yaxis={"autorange": "reversed"})
    return fig


def _gdp_plot(card: SizeCard) -> go.Figure | None:
    g = card.gdp
    if g is None:
        return None
    q = [r.quarter for r in g.quarters]
    fig = go.Figure()
    fig.add_bar(x=q, y=[r.ai for r in g.quarters], name="AI investment")
    fig.add_bar(x=q, y=[r.ex_ai for r in g.quarters], name="everything else")
    fig.update_layout(barmode="relative", title="Contributions to US real GDP growth (pp, SAAR)")
    return fig


def _scaling_plot(card: SizeCard) -> go.Figure | None:
    s = card.scaling
    if s is None:
        return None
    gens = s.generations
    fig = go.Figure()
    fig.add_scatter(x=[g.generation for g in gens], y=[g.cost for g in gens], name="cost (USD m)",
                    mode="lines+markers", text=[g.model for g in gens])
    known = [g for g in gens if g.capability is not None]
    fig.add_scatter(x=[g.cost for g in known], y=[g.capability for g in known], xaxis="x2",
                    yaxis="y2", mode="markers+text", text=[g.model for g in known],
                    name="capability vs cost")
    fig.update_layout(title="Training cost per generation (log) and capability vs cost (log x)",
                      yaxis={"type": "log"}, xaxis2={"type": "log", "anchor": "y2",
                                                     "domain": [0.55, 1]},
                      xaxis={"domain": [0, 0.45]}, yaxis2={"anchor": "x2"})
    return fig


def _gk_plot(card: SizeCard) -> go.Figure | None:
    g = card.gk
    if g is None:
        return None
    eps = [e.id for e in g.rubric.episodes]
    z = [list(g.scores[e]) for e in eps]
    fig = go.Figure(go.Heatmap(z=z, x=[f.name for f in g.rubric.factors], y=eps, zmin=0,
                               zmax=2, colorscale="Reds", text=z, texttemplate="%{text}"))
    fig.update_layout(title="Goldfarb–Kirsch scores (0/1/2 per factor)")
    return fig
