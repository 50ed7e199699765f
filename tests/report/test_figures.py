"""Every plotly figure of the real report reads right; the checker catches the old mistakes.

The "old" figures below are built the way the report built them before they were fixed
(a category axis shaded at number-like periods, an annotated line on a log money axis, a
narrow histogram beside a reference line, VaR and ES labelled at the same height), so each
rule is shown to fail where it should.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from bubblescope.report.figcheck import figure_problems, figures_in_html, report_problems


def _fig(fig: go.Figure) -> dict[str, object]:
    return {"data": [t.to_plotly_json() for t in fig.data], "layout": fig.layout.to_plotly_json()}


def test_the_report_has_its_figures_and_none_reads_wrong(report_html: Path) -> None:
    text = report_html.read_text(encoding="utf-8")
    titles = [f["title"] for f in figures_in_html(text)]
    for expected in ("Wicksellian deficit", "Revenue paths vs obligations", "The web grouped",
                     "The cascade on the first path", "Losses by holder, quarter by quarter",
                     "Holder sectors' realised credit and debt-mark losses",
                     "Investment-grade paper junked"):
        assert any(t.startswith(expected) for t in titles), expected
    assert report_problems(text) == []


def test_old_wicksell_chart_category_axis_shaded_at_numbers() -> None:
    years = [str(y) for y in range(1990, 2000)]
    old = go.Figure(go.Bar(x=years, y=np.arange(10.0)))
    old.add_vrect(x0="1995", x1="1997")
    old.update_layout(xaxis={"type": "category"})
    assert any("number-like '1995' on a category axis" in p for p in figure_problems(_fig(old)))
    numeric_range = go.Figure(go.Bar(x=["a", "b"], y=[1.0, 2.0]))
    numeric_range.update_layout(xaxis={"type": "category", "range": [1990, 2020]})
    assert any("numeric range" in p for p in figure_problems(_fig(numeric_range)))


def test_old_revenue_chart_annotation_on_a_log_money_axis() -> None:
    old = go.Figure(go.Scatter(x=[2025.0, 2026.0], y=[10.0, 90.0]))
    old.add_hline(y=211.0, annotation_text="revenue needed")  # annotation y: an exponent
    old.update_layout(yaxis={"type": "log", "title": "USD bn a year"})
    assert any("beyond 1e+06" in p for p in figure_problems(_fig(old)))
    runaway = go.Figure(go.Scatter(x=[2025.0, 2040.0], y=[10.0, 10.0 * 3.0 ** 15]))
    runaway.update_layout(yaxis={"title": "USD bn"})
    assert figure_problems(_fig(runaway)) == ["yaxis (USD bn): reaches 1.43e+08, beyond 1e+06"]


def test_old_histograms_hairlines_and_overlapping_labels() -> None:
    x = np.r_[np.full(60, 1174.0), np.full(40, 1217.0)]
    old = go.Figure(go.Histogram(x=x, nbinsx=50))
    old.add_vline(x=1900.0, annotation_text="2008: $1.9T")
    assert any("hairlines" in p for p in figure_problems(_fig(old)))
    loss = np.linspace(11_000.0, 12_600.0, 300)
    labels = go.Figure(go.Histogram(x=loss))
    labels.add_vline(x=12_503.0, annotation_text="VaR 99%")
    labels.add_vline(x=12_544.0, annotation_text="ES")
    assert any("overlap" in p for p in figure_problems(_fig(labels)))


@pytest.mark.parametrize("trace", [go.Bar(x=[], y=[]), go.Scatter(x=[1.0, 2.0],
                                                                   y=[np.nan, np.nan])])
def test_empty_traces_are_found(trace: go.BaseTraceType) -> None:
    assert figure_problems(_fig(go.Figure(trace))) == ["trace 0 ("
                                                       f"{trace.type}): nothing to draw"]


def test_a_plain_figure_reads_right() -> None:
    fig = go.Figure(go.Bar(x=["2026Q1", "2026Q2"], y=[3.0, 4.0]))
    fig.update_layout(yaxis={"title": "USD bn"})
    assert figure_problems(_fig(fig)) == []


def test_the_web_summary_never_cuts_a_name_at_80_columns() -> None:
    from rich.console import Console

    import bubblescope as bs
    from bubblescope.report import web as report_web

    summary = report_web.summarize(bs.load_default())
    with open(os.devnull, "w") as sink:
        console = Console(width=80, record=True, file=sink)
        console.print(report_web.rich_summary(summary))
        text = console.export_text()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    for row in summary.largest.itertuples():
        assert str(row.holder) in text
        assert str(row.obligor) in text
        assert f"{row.amount:,.1f}" in text
