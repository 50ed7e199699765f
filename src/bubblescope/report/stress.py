"""WHO GETS HURT in the report: the cascade of a stress run drawn, and its headline.

:func:`section` renders a :class:`~bubblescope.stress.result.StressResult` as the report's
"Who gets hurt" section (defaults timeline, losses by holder kind and by SPV tranche, GDP
and jobs, a Sankey of losses from borrowers to holder kinds, and DebtRank as a second
measure of distress); :func:`headline` is the one line ``bubblescope run`` prints.
The tranche and DebtRank figures come from the core (:mod:`bubblescope.stress.payload`,
:mod:`bubblescope.stress.distress`), which the command line and dashboard share.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bubblescope.model.web import Web
from bubblescope.report.base import Section
from bubblescope.stress.distress import DebtRankView, debtrank_view
from bubblescope.stress.payload import tranche_losses
from bubblescope.stress.result import DOWNGRADED_2008_USD_BN, JOBS_2008_US_MILLIONS, StressResult

__all__ = ["cascade_events", "defaults_text", "headline", "holder_losses", "section",
           "totals_note"]



def headline(result: StressResult) -> str:
    """One line: defaults, holder losses credit first, jobs and downgrades (means over paths).

    The numbers are means over paths; USD bn.
    """
    tl = result.timeline
    last = tl.iloc[-1]
    credit, marks, equity = result.ledger.holder_sector_totals().mean(axis=0)[:3]
    return (
        f"Who gets hurt ({result.scenario.name}): {defaults_text(result)}; holder sectors "
        f"(funds looked through) lose USD {credit:,.0f}bn realised credit and "
        f"{marks:,.0f}bn debt marks{_marks_peak(tl, marks)}, with USD {equity:,.0f}bn of "
        f"equity marks beside{_marks_peak(tl, equity, 'equity_marks', 'at the trough')}; "
        f"{_private_credit(result)}{_jobs(tl)}"
        f"USD {last['downgraded']:,.0f}bn junked "
        f"({last['downgraded'] / DOWNGRADED_2008_USD_BN:.2f}x 2008)"
    )


def _jobs(tl: pd.DataFrame) -> str:
    """``"jobs -1.8M at the trough (2028Q1; US 2008-10: -8.7M, BLS), "``: the trough against
    the no-shock path, as 2008-10's figure is a trough; ``+X.XM by <last quarter>`` when jobs
    never fall below that path."""
    jobs = tl["jobs_millions"]
    ref = f"US 2008-10: -{JOBS_2008_US_MILLIONS:g}M, BLS"
    if jobs.min() >= 0:
        return f"jobs {jobs.iloc[-1]:+.1f}M by {jobs.index[-1]} ({ref}), "
    return f"jobs {jobs.min():+.1f}M at the trough ({jobs.idxmin()}; {ref}), "


def _marks_peak(tl: pd.DataFrame, end: float, column: str = "debt_marks",
                label: str = "held at most") -> str:
    """`` (held at most USD Xbn, 2026Q2)`` when the marks held during the run (``column`` of
    the timeline: debt or equity marks) peak well above what is left at the end (spread and
    liquidity premia given back, prices recovering), else ``""``; ``label`` names the peak."""
    held = tl[column].cumsum()
    if held.empty or held.max() < end + max(5.0, 0.1 * abs(end)):
        return ""
    return f" ({label} USD {held.max():,.0f}bn, {held.idxmax()})"


def _private_credit(result: StressResult) -> str:
    """``"private-credit funds' NAV per share low 0.79 (2026Q2), gated 2026Q2; "`` or ``""``."""
    pc = [i for i, k in enumerate(result.entity_kinds) if k == "private_credit_fund"]
    if not pc or result.fund_nav_index.size == 0:
        return ""
    nav = result.fund_nav_index[:, :, pc].mean(axis=(0, 2))
    if nav.min() > 0.99:
        return ""
    labels = result.quarter_labels
    gated = result.gated[:, :, pc].mean(axis=(0, 2)) >= 0.5
    gate = f", gated {labels[int(np.argmax(gated))]}" if gated.any() else ""
    return (f"private-credit funds' NAV per share low {nav.min():.2f} "
            f"({labels[int(np.argmin(nav))]}){gate}; ")


def totals_note(result: StressResult) -> str:
    """Say what the run's loss totals count, so they are not read against Monte Carlo's."""
    paths = ("one path: the scenario as written, no uncertainty" if result.n_paths == 1
             else f"mean over {result.n_paths} paths")
    return (f"Totals ({paths}): the holder sectors (banks, insurers, pension, hedge and "
            f"private-credit funds, households, the rest of the world) bear USD "
            f"{result.holder_loss.mean():,.0f}bn in all three classes, funds looked through "
            "(the Monte Carlo section's measure); counting firms' own losses too, each "
            f"contract once, USD {result.total_loss.mean():,.0f}bn. Neither adds a fund's "
            "loss twice.")


def defaults_text(result: StressResult) -> str:
    """``"9 defaults"`` for one path, ``"9.0 defaults on average"`` over several."""
    if result.n_paths == 1:
        n = int(result.n_defaults[0])
        return f"{n} default{'' if n == 1 else 's'}"
    return f"{result.n_defaults.mean():.1f} defaults on average"


def section(result: StressResult, web: Web | None = None) -> Section:
    """The "Who gets hurt" section of the HTML report (DebtRank too when ``web`` is given)."""
    sc = result.scenario
    parts = [
        f"<p><b>{html.escape(sc.name)}</b>: {html.escape(sc.description)}</p>",
        f"<p>{html.escape(headline(result))}</p>",
        f"<p class='note'>{html.escape(totals_note(result))}</p>",
        _defaults_table(result),
        _cuts_table(result),
        _capital_table(result),
        _tranche_table(result, web),
    ]
    view = None if web is None else debtrank_view(web, result)
    if view is not None:
        parts.append(_debtrank_html(view))
    figures = [_cascade_plot(result), _holder_plot(result), _defaults_plot(result),
               _sector_plot(result), _macro_plot(result), _sankey(result)]
    parts += [_embed(f) for f in figures if f is not None]
    parts.append(f"<p class='note'>{result.n_assumed} inputs of the web were filled with "
                 "documented defaults (see docs/stress.md).</p>")
    return Section("stress", "Who gets hurt", "\n".join(parts))


def _embed(fig: go.Figure) -> str:
    return str(fig.to_html(full_html=False, include_plotlyjs=False))


def _table(title: str, headers: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
    """An HTML table with an optional ``<h3>`` title; every cell is escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    top = f"<h3>{html.escape(title)}</h3>" if title else ""
    return f"{top}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _defaults_table(result: StressResult) -> str:
    d = result.defaults.query("path == 0")
    if d.empty:
        return "<p>No entity defaults on the first path.</p>"
    return _table("", ("quarter", "entity", "kind", "why"),
                  ((str(r.label), str(r.entity), str(r.kind), str(r.reason))
                   for r in d.itertuples()))


def _cuts_table(result: StressResult) -> str:
    cuts = result.cuts.query("path == 0").sort_values("cut_usd_bn", ascending=False)
    if cuts.empty:
        return "<p>No lease or commitment is cut or renegotiated on the first path.</p>"
    return _table("Who cuts or renegotiates leases and commitments",
                  ("entity", "kind", "from", "torn up, USD bn"),
                  ((str(r.entity), str(r.kind), str(r.label), f"{r.cut_usd_bn:,.1f}")
                   for r in cuts.itertuples()))


def _capital_table(result: StressResult) -> str:
    return _table("Holder sectors: losses against capital",
                  ("holder", "kind", "loss, USD bn", "capital, USD bn", "share lost"),
                  ((str(r.entity), str(r.kind), f"{r.loss:,.1f}", f"{r.capital:,.0f}",
                    f"{r.share:.1%}") for r in result.capital_hit.itertuples()))


def _tranche_table(result: StressResult, web: Web | None) -> str:
    frame = tranche_losses(result, web)
    if web is None:
        return _table("SPV paper: projected principal loss by tranche",
                      ("tranche", "end of run, USD bn", "peak, USD bn"),
                      ((str(name), f"{r.end:,.1f}", f"{r.peak:,.1f}")
                       for name, r in frame.iterrows()))
    return _table("SPV paper: projected principal loss by tranche",
                  ("tranche", "size, USD bn", "end of run, USD bn", "peak, USD bn",
                   "peak, share of size"),
                  ((str(name), f"{r['size']:,.1f}", f"{r['end']:,.1f}", f"{r['peak']:,.1f}",
                    "n/a" if not np.isfinite(r["peak_share"]) else f"{r['peak_share']:.1%}")
                   for name, r in frame.iterrows()))


def _debtrank_html(view: DebtRankView) -> str:
    return (f"<h3>DebtRank: distress from the first defaults</h3><p>{html.escape(str(view))}"
            "</p><p class='note'>Single-hit DebtRank (Battiston et al. 2012) on the web's "
            "claims, seeded with the first quarter's defaulters: a second, simpler measure "
            "of how far distress spreads.</p>"
            + _table("", ("entity", "distress h (path 0)"),
                     ((str(e), f"{h:.3f}") for e, h in view.distress.head(15).items())))


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


#: Holders drawn one by one in the losses-by-holder plot; the rest are summed as "others".
TOP_HOLDERS = 10


def holder_losses(result: StressResult, top: int = TOP_HOLDERS) -> pd.DataFrame:
    """New losses per quarter (columns) of the ``top`` largest holders and "others" (rows).

    Means over paths, USD bn; marks included, so a quarter can show a gain (negative).
    """
    per = pd.DataFrame(result.loss.mean(axis=0).T, index=pd.Index(result.entity_ids,
                       name="holder"), columns=list(result.quarter_labels))
    order = per.sum(axis=1).abs().sort_values(ascending=False).index
    per = per.loc[order]
    per = per[per.abs().sum(axis=1) > 1e-9]
    if len(per) <= top:
        return per
    rest = per.iloc[top:].sum(axis=0).rename("others")
    return pd.concat([per.iloc[:top], rest.to_frame().T])


def _holder_plot(result: StressResult) -> go.Figure | None:
    frame = holder_losses(result)
    if frame.empty:
        return None
    fig = go.Figure()
    for holder, row in frame.iterrows():
        fig.add_bar(x=list(frame.columns), y=row.to_numpy(), name=str(holder))
    fig.update_layout(barmode="relative", yaxis_title="USD bn a quarter",
                      xaxis_title="quarter",
                      title="Losses by holder, quarter by quarter (stacked; the "
                            f"{TOP_HOLDERS} largest, marks included)")
    return fig


def cascade_events(result: StressResult, path: int = 0) -> pd.DataFrame:
    """Defaults and cuts on one path, in order: ``quarter``, ``label``, ``entity``,
    ``kind``, ``event`` (a default's reason, or ``cut``) and ``usd_bn`` (cut amount)."""
    d = result.defaults.query("path == @path")
    c = result.cuts.query("path == @path")
    frame = pd.concat([
        pd.DataFrame({"quarter": d["quarter"], "label": d["label"], "entity": d["entity"],
                      "kind": d["kind"], "event": "default: " + d["reason"].astype(str),
                      "usd_bn": np.nan}),
        pd.DataFrame({"quarter": c["quarter"], "label": c["label"], "entity": c["entity"],
                      "kind": c["kind"], "event": "cut", "usd_bn": c["cut_usd_bn"]}),
    ], ignore_index=True)
    return frame.sort_values(["quarter", "entity"], ignore_index=True)


def _cascade_plot(result: StressResult) -> go.Figure | None:
    ev = cascade_events(result)
    if ev.empty:
        return None
    order = list(dict.fromkeys(ev["entity"]))
    labels = list(result.quarter_labels)
    fig = go.Figure()
    for event, rows in ev.groupby("event", sort=False):
        fig.add_scatter(x=rows["label"], y=rows["entity"], mode="markers", name=str(event),
                        marker={"size": 12, "symbol": "x" if event == "cut" else "circle"},
                        hovertext=[f"{e} ({k}): {event}" + ("" if np.isnan(u) else
                                                          f", USD {u:,.1f}bn torn up")
                                   for e, k, u in zip(rows["entity"], rows["kind"],
                                                      rows["usd_bn"], strict=True)])
    fig.update_layout(title="The cascade on the first path: who defaults or cuts, when",
                      xaxis={"type": "category", "categoryorder": "array",
                             "categoryarray": labels, "title": "quarter",
                             "range": [-0.5, len(labels) - 0.5]},
                      yaxis={"type": "category", "categoryorder": "array",
                             "categoryarray": order[::-1], "title": "", "dtick": 1},
                      height=max(320, 140 + 26 * len(order)))
    return fig
