"""The web's own summary, data-quality view and the HTML report assembly."""

from __future__ import annotations

import pytest

from bubblescope.model import Web
from bubblescope.model.quality import data_quality
from bubblescope.report import html as report_html
from bubblescope.report import web as report_web
from bubblescope.report.base import Section


def test_data_quality_counts_assumption_only_numbers(small_web: Web) -> None:
    q = data_quality(small_web)
    assert (q.n_contracts, q.n_assumption_contracts, q.n_low_confidence_contracts) == (5, 2, 1)
    assert q.notional == pytest.approx(485.0)
    assert q.assumption_notional_share == pytest.approx(58 / 485)
    assert q.low_confidence_notional_share == pytest.approx(40 / 485)
    assert (q.n_contracts_citing_assumption, q.citing_assumption_notional) == (2, 58.0)
    assert (q.n_figures, q.n_assumption_figures) == (2, 1)
    assert "2/5 contracts" in str(q)


def test_summary_totals_match_contracts(small_web: Web) -> None:
    s = report_web.summarize(small_web, top=3)
    totals = dict(zip(s.by_kind["kind"], s.by_kind["usd_bn"], strict=True))
    assert totals == {"compute_commitment": 300.0, "equity_stake": 100.0,
                      "customer_revenue": 40.0, "abs_note": 27.0, "loan": 18.0}
    assert list(s.largest["amount"]) == [300.0, 40.0, 27.0]  # equity stakes left out
    sectors = dict(zip(s.by_holder_sector["sector"], s.by_holder_sector["held"], strict=True))
    assert sectors == {"life_insurer": 27.0, "bank": 18.0}
    assert s.to_dict()["contracts"] == 5


def test_section_escapes_entity_names(small_web: Web) -> None:
    from dataclasses import replace

    evil = replace(small_web.entities[0], name="<script>alert(1)</script>")
    web = replace(small_web, entities=(evil, *small_web.entities[1:]))
    body = report_web.section(web).html
    assert "<script>alert(1)</script>" not in body


def test_render_is_self_contained() -> None:
    page = report_html.render([Section("a&b", "A <title>", "<p>x</p>")], title="T")
    assert page.startswith("<!DOCTYPE html>")
    assert "cdn" not in page.lower().split("<script>")[0]
    assert 'id="a&amp;b"' in page
    assert "A &lt;title&gt;" in page
    assert "Plotly" in page
    assert len(page) > 1_000_000
