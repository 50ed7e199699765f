"""The "When" section of the report and the one-line-per-name signal summary for `run`."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bubblescope.model._typing import IntArray
from bubblescope.model.errors import DataError
from bubblescope.report.base import Section
from bubblescope.signals.critical import CriticalValues, monte_carlo_cv
from bubblescope.signals.datestamp import PsyResult, psy_analysis
from bubblescope.signals.lppls import LpplsConfidence, confidence, confidence_applies
from bubblescope.signals.registry import load_named
from bubblescope.signals.series import PriceSeries

__all__ = ["LatestSignal", "latest_signals", "report_confidence", "section"]

#: Trading days of history ``latest_signals`` tests (a common T lets one cached set of
#: critical values serve every name).
LATEST_T = 1000
LATEST_REPS = 199
LATEST_LENGTHS = np.arange(125, 751, 125)
#: The report's LPPLS panel: windows 750 … 125 trading days in steps of 25 (the FCO table
#: thinned 5×) at every 20th trading day.
REPORT_LENGTHS = np.arange(125, 751, 25)
REPORT_STEP = 20


@dataclass(frozen=True)
class LatestSignal:
    """The latest PSY and LPPLS reading of one named series (or why it is missing)."""

    name: str
    date: str | None
    bsadf: float
    cv95: float
    gsadf: float
    gsadf_cv95: float
    lppls_positive: float
    reps: int
    missing: str | None = None

    @property
    def explosive(self) -> bool:
        """True when the latest BSADF exceeds its 95% critical value."""
        return self.bsadf > self.cv95

    def __str__(self) -> str:
        if self.missing is not None:
            return f"{self.name:<6} not available: {self.missing}"
        flag = "EXPLOSIVE" if self.explosive else "not explosive"
        lp = "" if np.isnan(self.lppls_positive) else (
            f", LPPLS confidence {self.lppls_positive:.0%}")
        return (f"{self.name:<6} {self.date}: BSADF {self.bsadf:6.2f} vs 95% cv {self.cv95:.2f}"
                f" ({flag}); GSADF {self.gsadf:.2f} vs {self.gsadf_cv95:.2f}{lp} "
                f"[last {LATEST_T} days, MC {self.reps} reps]")


def latest_signals(
    names: Sequence[str],
    data_dir: Path | None,
    *,
    cache_dir: Path | None = None,
    seed: int = 0,
    lppls: bool = True,
) -> list[LatestSignal]:
    """Latest PSY (log prices, last 1,000 days) and LPPLS confidence for each name.

    Critical values come from a small Monte Carlo (199 replications, shared by every name,
    cached in ``cache_dir``); the LPPLS confidence uses windows 750…125 in steps of 125.
    Names whose data are absent give a :class:`LatestSignal` saying so.
    """
    rng = np.random.default_rng(seed)
    cvs: dict[int, CriticalValues] = {}
    out = []
    for name in names:
        try:
            s = load_named(name, data_dir)
        except DataError as exc:
            issue = exc.issues[0]
            why = (f"{issue.file} not found ({issue.value}); Yahoo prices are not bundled: "
                   "pass --data-dir or set $BUBBLESCOPE_DATA_DIR")
            out.append(LatestSignal(name, None, np.nan, np.nan, np.nan, np.nan, np.nan,
                                    LATEST_REPS, why))
            continue
        s = _tail(s, LATEST_T)
        if len(s) not in cvs:  # shorter histories need their own (cached) critical values
            cvs[len(s)] = monte_carlo_cv(len(s), reps=LATEST_REPS, rng=rng, cache_dir=cache_dir)
        cv = cvs[len(s)]
        res = psy_analysis(s, cv, transform="log")
        pos = np.nan
        if lppls:
            pos = float(confidence(s, rng=rng, lengths=LATEST_LENGTHS).positive[-1])
        out.append(LatestSignal(name, str(s.end), float(res.stats.bsadf[-1]),
                                float(res.cv_sequence[-1]), res.stats.gsadf,
                                float(cv.gsadf[1]), pos, cv.reps))
    return out


def report_confidence(series: PriceSeries, *, seed: int = 0, step: int = REPORT_STEP,
                      lengths: IntArray | None = None) -> LpplsConfidence | None:
    """LPPLS confidence over the history of ``series`` for the report's panel.

    End dates every ``step`` observations from the first with a full 750-day window, and
    always the last date; windows :data:`REPORT_LENGTHS`. ``None`` when the series is not
    daily, too short or not positive (the section then says why the panel is absent).
    """
    lens = REPORT_LENGTHS if lengths is None else np.asarray(lengths, dtype=np.int64)
    longest = int(lens.max())
    if not confidence_applies(series, longest):
        return None
    ends = np.unique(np.append(np.arange(longest - 1, len(series), step), len(series) - 1))
    return confidence(series, rng=np.random.default_rng(seed), ends=ends, lengths=lens)


def section(psy: PsyResult, series: PriceSeries, conf: LpplsConfidence | None = None) -> Section:
    """The "When" section: price with episodes shaded, BSADF vs its critical values, and the
    LPPLS confidence panel (positive and negative indicator over the end dates of ``conf``,
    with the t_c quantiles of the latest date in the text); without ``conf`` the section says
    the panel was not computed."""
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
        _confidence_panel(fig, conf)
    fig.update_layout(height=300 * rows, margin={"t": 40, "b": 30})
    body = (f"<p>{html.escape(str(psy)).replace(chr(10), '<br>')}</p>"
            + f"<p>{html.escape(_confidence_text(series, conf))}</p>"
            + fig.to_html(full_html=False, include_plotlyjs=False))
    return Section("when", "When: market bubble signals", body)


def _confidence_panel(fig: go.Figure, conf: LpplsConfidence) -> None:
    """Positive (B < 0) confidence up, negative (B > 0) down, one point per end date."""
    kind = go.Bar if conf.dates.shape[0] <= 3 else go.Scatter
    fig.add_trace(kind(x=conf.dates, y=conf.positive, name="LPPLS confidence (+, bubble)"),
                  row=3, col=1)
    fig.add_trace(kind(x=conf.dates, y=-conf.negative, name="LPPLS confidence (−, crash)"),
                  row=3, col=1)
    fig.update_yaxes(range=[-1, 1], title_text="share of windows", row=3, col=1)


def _confidence_text(series: PriceSeries, conf: LpplsConfidence | None) -> str:
    if conf is None:
        why = ("a daily series of at least 750 positive prices is needed"
               if not confidence_applies(series) else "not requested")
        return f"LPPLS confidence indicator: not computed ({why})."
    i = int(np.argmax(conf.positive))
    return (f"{conf}. Highest positive confidence {conf.positive[i]:.0%} on {conf.dates[i]}; "
            f"{conf.lengths.shape[0]} windows of {conf.lengths[0]}…{conf.lengths[-1]} trading "
            f"days per end date.")


def _titles(psy: PsyResult, conf: LpplsConfidence | None) -> tuple[str, ...]:
    base = (f"{psy.name}: price, PSY episodes shaded",
            f"BSADF vs {psy.level:.0%} critical value ({psy.cv.method}, {psy.cv.reps} reps)")
    if conf is None:
        return base
    return (*base, "LPPLS confidence indicator (FCO filters): + bubble, − crash")


def _tail(s: PriceSeries, n: int) -> PriceSeries:
    if len(s) <= n:
        return s
    return s.between(str(s.dates[-n]), None)


