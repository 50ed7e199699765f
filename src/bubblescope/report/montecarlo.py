"""The Monte Carlo section of the HTML report: loss distributions, default odds, convergence."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from bubblescope.report.base import Section
from bubblescope.stress.uncertainty.montecarlo import (
    DOWNGRADE_MEASURE,
    DOWNGRADES_2008,
    MonteCarloResult,
)

__all__ = ["SYSTEM_LOSS", "headline", "section"]

#: What the Monte Carlo loss figures count, printed beside every Monte Carlo total.
SYSTEM_LOSS = ("Losses are what the holder sectors (banks, insurers, pensions, funds, "
               "households, the rest of the world) finally bear, funds looked through so a "
               "fund's loss reaches its investors once - the measure of 'holder sectors' in "
               "Who gets hurt, whose figure is one path of the scenario as written; here each "
               "path draws the uncertain inputs. Realised credit and debt marks lead; equity "
               "marks are shown beside and never added. Downgrades: " + DOWNGRADE_MEASURE + ".")


def headline(result: MonteCarloResult, origin: str = "", *,
             central_credit: float | None = None) -> str:
    """One line, credit first: mean, VaR and ES of the holder sectors' realised credit and
    debt-mark losses, realised credit alone, equity marks beside, and the 2008 odds (USD bn).

    ``central_credit``: the realised credit of the preset's one path at its central inputs
    (the "Who gets hurt" figure); the line then says where it falls among these paths, since
    a path at central inputs is not the mean of paths over uncertain inputs.
    """
    lv = f"{result.level:.0%}"
    where = f" ({origin})" if origin else ""
    o = result.outcome
    credit = o.measure("credit")
    central = ""
    if central_credit is not None and credit.size:
        rank = result.percentile_of(central_credit)
        central = (f"; the preset's one path at central inputs (Who gets hurt) loses USD "
                   f"{central_credit:,.0f}bn realised credit, at the {_ordinal(rank)} "
                   f"percentile of these paths")
    return (f"Uncertainty{where}: over {result.n_paths:,} paths holder sectors (funds looked "
            f"through) lose USD {o.measure('credit_and_debt').mean():,.0f}bn realised credit "
            f"and debt marks on average (VaR {lv} {result.var():,.0f}bn, expected shortfall "
            f"{result.expected_shortfall():,.0f}bn; realised credit alone "
            f"{credit.mean():,.0f}bn, VaR {result.var(of='credit'):,.0f}bn), with "
            f"USD {o.measure('equity').mean():,.0f}bn of equity marks beside (VaR "
            f"{result.var(of='equity'):,.0f}bn){central}; P(downgrades > 2008's $1.9T) = "
            f"{result.p_downgrades_exceed():.3f} (largest path USD "
            f"{float(o.downgraded.max()):,.0f}bn; face amount of investment-grade paper "
            f"junked, as in Who gets hurt)")


def _ordinal(share: float) -> str:
    """A share in [0, 1] as a whole percentile: ``0.713 -> "71st"``.

    >>> [_ordinal(x) for x in (0.01, 0.02, 0.03, 0.111, 0.5, 0.999)]
    ['1st', '2nd', '3rd', '11th', '50th', '100th']
    """
    n = round(100 * share)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def section(result: MonteCarloResult, origin: str = "") -> Section:
    """The "Uncertainty" section: distributions of losses, default odds and convergence.

    ``origin`` says where the run came from (scenario and uncertainty, or a stored run id).
    """
    head = (f"{result.n_paths:,} paths from seed {result.seed} over {result.n_quarters} "
            f"quarters; uncertain inputs: {', '.join(result.input_names) or 'none'}.")
    if origin:
        head = f"{origin[:1].upper()}{origin[1:]}: {head}"
    parts = [f"<p>{html.escape(head)}</p>", f"<p class='note'>{html.escape(SYSTEM_LOSS)}</p>",
             _headline_table(result)]
    figures = [_loss_histogram(result), _sector_box(result), _default_bars(result),
               _downgrade_histogram(result)]
    parts += [str(f.to_html(full_html=False, include_plotlyjs=False)) for f in figures]
    parts.append("<h3>Convergence (batch means)</h3>" + _frame_html(pd.DataFrame(
        [{"metric": c.metric, "estimate": c.estimate, "std error": c.std_error,
          "95% half-width": c.half_width, "converged": "yes" if c.passed else "no"}
         for c in result.convergence()])))
    return Section("montecarlo", "Uncertainty: Monte Carlo", "\n".join(parts))


def _headline_table(r: MonteCarloResult) -> str:
    lv = f"{r.level:.0%}"
    rows = [{"holder sectors' loss (USD bn)": row["measure"], "mean": row["mean"],
             f"VaR {lv}": row["var"], f"expected shortfall {lv}": row["expected_shortfall"]}
            for row in r.loss_summary().to_dict(orient="records")]
    table = _frame_html(pd.DataFrame(rows))
    odds = (f"P(downgrades > 2008's $1.9T) = {r.p_downgrades_exceed():.3f} ± "
            f"{r.p_downgrades_exceed_se():.3f}; largest path USD "
            f"{r.outcome.downgraded.max():,.0f}bn ({DOWNGRADE_MEASURE})")
    return table + f"<p>{html.escape(odds)}</p>"


def _loss_histogram(r: MonteCarloResult) -> go.Figure:
    var, es = r.var(), r.expected_shortfall()
    fig = go.Figure(_histogram(r.outcome.measure("credit_and_debt"), (var, es),
                               "realised credit + debt marks"))
    # VaR sits just left of ES: label one on each side so the labels never overlap.
    fig.add_vline(x=var, line_dash="dash", annotation_text=f"VaR {r.level:.0%}: {var:,.0f}",
                  annotation_position="top left")
    fig.add_vline(x=es, line_dash="dot", annotation_text=f"ES: {es:,.0f}",
                  annotation_position="bottom right")
    fig.update_layout(title="Holder sectors' realised credit and debt-mark losses over the "
                      "horizon (funds looked through, USD bn)",
                      xaxis_title="USD bn", yaxis_title="paths", showlegend=False)
    return fig


def _histogram(x: np.ndarray, marks: tuple[float, ...], name: str,
               bins: int = 40) -> go.Histogram:
    """A histogram with explicit bins spanning the data and the marked values.

    Automatic bins over a narrow sample drawn on an axis a reference line stretches
    come out as hairlines; bins of a fortieth of the shown span never do.
    """
    shown = np.concatenate([x[np.isfinite(x)], np.asarray(marks, dtype=np.float64)])
    lo, hi = float(shown.min()), float(shown.max())
    size = max((hi - lo) / bins, 1e-9)
    return go.Histogram(x=x, name=name, xbins={"start": lo - size / 2, "end": hi + size,
                                               "size": size})


def _sector_box(r: MonteCarloResult) -> go.Figure:
    fig = go.Figure()
    for j, sector in enumerate(r.sectors):
        fig.add_trace(go.Box(y=r.outcome.sector_loss[:, j], name=sector, boxpoints=False))
    fig.update_layout(title="Loss borne by holder sector (funds looked through, all classes)",
                      yaxis_title="USD bn", showlegend=False)
    return fig


def _default_bars(r: MonteCarloResult) -> go.Figure:
    t = r.default_timing()
    t = t[t["default_probability"] > 0].sort_values("default_probability", ascending=False)
    fig = go.Figure(go.Bar(
        x=list(t.index), y=t["default_probability"],
        error_y={"type": "data", "array": 1.96 * t["std_error"].to_numpy()},
        customdata=np.stack([t["mean_quarter"], t["first_quarter"]], axis=1) if len(t) else None,
        hovertemplate="%{x}: P=%{y:.3f}<br>mean quarter %{customdata[0]:.1f}, "
                      "first %{customdata[1]:.0f}<extra></extra>"))
    fig.update_layout(title="Probability of default (95% interval)", yaxis_title="probability",
                      yaxis_range=[0, 1.05])
    return fig


def _downgrade_histogram(r: MonteCarloResult) -> go.Figure:
    fig = go.Figure(_histogram(r.outcome.downgraded, (DOWNGRADES_2008,), "downgraded"))
    fig.add_vline(x=DOWNGRADES_2008, line_dash="dash", annotation_text="2008: $1.9T")
    fig.update_layout(title="Investment-grade paper junked by the end (face amount, USD bn)",
                      xaxis_title="USD bn", yaxis_title="paths", showlegend=False)
    return fig


def _frame_html(frame: pd.DataFrame) -> str:
    return str(frame.to_html(index=False, escape=True, na_rep="n/a",
                             float_format=lambda v: f"{v:,.3f}"))
