"""The "When" section of the report and the one-line-per-name signal summary for `run`."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bubblescope.model.series import Series
from bubblescope.report.base import Section
from bubblescope.signals.datestamp import PsyResult
from bubblescope.signals.latest import LatestSignal, recent_confidence
from bubblescope.signals.lppls import FCO_LENGTHS, LpplsConfidence, confidence_applies
from bubblescope.signals.reading import read_psy, standard_reading
from bubblescope.signals.registry import load_named

__all__ = ["figure", "latest_html", "section"]

def section(psy: PsyResult, series: Series, conf: LpplsConfidence | None = None,
            standard: LpplsConfidence | None = None) -> Section:
    """The "When" section: price with episodes shaded, BSADF vs its critical values, and the
    LPPLS confidence panel (positive and negative indicator over the end dates of ``conf``,
    with the t_c quantiles of the latest date in the text); without ``conf`` the section says
    the panel was not computed.

    ``standard`` is the standard reading at the last date (FCO's 126 windows, what
    `signals`, `run --json` and the AI names' table print): the text gives it and the panel
    marks it, so the report shows one LPPLS number for the last date, not the panel's own
    (coarser) last point beside it.
    """
    latest = None if standard is None else float(standard.positive[-1])
    body = (f"<p>{html.escape(str(psy)).replace(chr(10), '<br>')}<br>"
            f"reading: {html.escape(psy.describe())}</p>"
            + f"<p>{html.escape(_confidence_text(series, conf, standard))}</p>"
            + figure(psy, series, conf, latest=latest).to_html(full_html=False,
                                                                include_plotlyjs=False))
    return Section("when", "When: market bubble signals", body)


def figure(psy: PsyResult, series: Series, conf: LpplsConfidence | None = None,
           height: int = 300, latest: float | None = None) -> go.Figure:
    """Price with episodes shaded, BSADF against its critical-value sequence and, with
    ``conf``, the LPPLS confidence (one row each). ``latest``: the standard reading's positive
    confidence at the last date
    (:data:`~bubblescope.signals.lppls.FCO_LENGTHS`), marked on the confidence panel."""
    rows = 3 if conf is not None else 2
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=False, vertical_spacing=0.08,
                        subplot_titles=_titles(psy, conf))
    fig.add_trace(go.Scatter(x=series.dates, y=series.values, name=series.name), row=1, col=1)
    fig.update_yaxes(type="log" if psy.transform == "log" else "linear", row=1, col=1)
    for ep in psy.episodes:
        end = ep.end if ep.end is not None else series.end
        fig.add_vrect(x0=ep.start, x1=end, fillcolor="firebrick", opacity=0.15, line_width=0,
                      row=1, col=1)
    fig.add_trace(go.Scatter(x=psy.dates, y=psy.stats.bsadf, name="BSADF"), row=2, col=1)
    fig.add_trace(go.Scatter(x=psy.dates, y=psy.cv_sequence, name=f"{psy.level:.0%} cv",
                             line={"dash": "dash"}), row=2, col=1)
    if conf is not None:
        _confidence_panel(fig, conf, latest)
    fig.update_layout(height=height * rows, margin={"t": 40, "b": 30})
    return fig


def latest_html(latest: Sequence[LatestSignal], data_dir: Path | None,
                cache_dir: Path | None = None, *, plots: bool = True) -> str:
    """The AI names' table (each row its standard reading) and, with ``plots``, one figure
    per available name: price with episodes shaded, BSADF vs its 95% critical values and
    the LPPLS confidence over the last :data:`AI_CONF_DAYS` trading days."""
    head = ("<h3>Latest signals, AI names</h3><table><tr><th>series</th><th>date</th>"
            "<th>BSADF</th><th>95% cv</th><th>explosive</th><th>GSADF</th><th>95% cv</th>"
            "<th>GSADF p</th><th>LPPLS +</th></tr>")
    rows = []
    for x in latest:
        if x.missing is not None:
            rows.append(f"<tr><td>{html.escape(x.name)}</td>"
                        f"<td colspan='8'>{html.escape(x.missing)}</td></tr>")
            continue
        flag = ("yes" + (f", since {x.since}" if x.since else "")) if x.explosive else "no"
        p = "" if x.p_gsadf is None else ("< 0.005" if x.p_gsadf <= 0.005 + 1e-9 else
                                          f"{x.p_gsadf:.3f}")
        lp = "" if np.isnan(x.lppls_positive) else f"{x.lppls_positive:.0%}"
        rows.append(f"<tr><td>{html.escape(x.name)}</td><td>{x.date}</td><td>{x.bsadf:.3f}</td>"
                    f"<td>{x.cv95:.3f}</td><td>{flag}</td><td>{x.gsadf:.3f}</td>"
                    f"<td>{x.gsadf_cv95:.3f}</td><td>{p}</td><td>{lp}</td></tr>")
    whys = [f"{x.name}: {x.lppls_why}" for x in latest if x.missing is None and x.lppls_why]
    if whys:
        rows.append("<tr><td colspan='9' class='muted'>LPPLS + is 0% where no window's fit "
                    "passes the FCO filters (a measured result, not a failure): "
                    + html.escape("; ".join(whys)) + "</td></tr>")
    readings = sorted({x.reading for x in latest if x.missing is None})
    out = head + "".join(rows) + "</table>" + "".join(
        f"<p class='muted'>reading: {html.escape(r)}</p>" for r in readings)
    if not plots:
        return out
    for x in latest:
        if x.missing is not None:
            continue
        s = load_named(x.name, data_dir)
        psy = read_psy(s, standard_reading(x.name), cache_dir=cache_dir)
        conf = recent_confidence(s, cache_dir=cache_dir)
        mark = None if np.isnan(x.lppls_positive) else x.lppls_positive
        out += (f"<h4>{html.escape(x.name)}</h4>"
                + figure(psy, s, conf, height=220, latest=mark).to_html(
                    full_html=False, include_plotlyjs=False))
    return out


def _confidence_panel(fig: go.Figure, conf: LpplsConfidence, latest: float | None) -> None:
    """Positive (B < 0) confidence up, negative (B > 0) down, one point per end date; the
    standard reading's positive confidence at the last date (``latest``) as a marker."""
    kind = go.Bar if conf.dates.shape[0] <= 3 else go.Scatter
    fig.add_trace(kind(x=conf.dates, y=conf.positive, name="LPPLS confidence (+, bubble)"),
                  row=3, col=1)
    fig.add_trace(kind(x=conf.dates, y=-conf.negative, name="LPPLS confidence (−, crash)"),
                  row=3, col=1)
    if latest is not None:
        fig.add_trace(go.Scatter(
            x=conf.dates[-1:], y=[latest], mode="markers", marker={"symbol": "diamond", "size": 10},
            name=f"last date, standard reading ({FCO_LENGTHS.shape[0]} windows)"), row=3, col=1)
    fig.update_yaxes(range=[-1, 1], title_text="share of windows", row=3, col=1)


def _confidence_text(series: Series, conf: LpplsConfidence | None,
                     standard: LpplsConfidence | None = None) -> str:
    if conf is None:
        why = ("a daily series of at least 750 positive prices is needed"
               if not confidence_applies(series) else "not requested")
        return f"LPPLS confidence indicator: not computed ({why})."
    i = int(np.argmax(conf.positive))
    text = (f"{conf}. Highest positive confidence {conf.positive[i]:.0%} on {conf.dates[i]}; "
            f"{conf.lengths.shape[0]} windows of {conf.lengths[0]}…{conf.lengths[-1]} trading "
            f"days per end date.")
    if standard is None:
        return text
    return (f"At the last date ({standard.dates[-1]}) the standard reading, the number every "
            f"face prints ({standard.lengths.shape[0]} windows of {standard.lengths[0]}…"
            f"{standard.lengths[-1]} trading days), is positive {standard.positive[-1]:.0%}, "
            f"negative {standard.negative[-1]:.0%} (the diamond on the panel). The panel's "
            f"history: {text}")


def _titles(psy: PsyResult, conf: LpplsConfidence | None) -> tuple[str, ...]:
    base = (f"{psy.name}: price, PSY episodes shaded",
            f"BSADF vs {psy.level:.0%} critical value ({psy.cv.method}, {psy.cv.reps} reps)")
    if conf is None:
        return base
    return (*base, "LPPLS confidence indicator (FCO filters): + bubble, − crash")
