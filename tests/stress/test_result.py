"""The result object: named axes, pandas summaries, printing as its summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bubblescope.model import Web
from bubblescope.stress import Scenario, StressResult, run
from bubblescope.stress.result import AXES, REASONS


def _crash(web: Web) -> StressResult:
    return run(web, Scenario("crash", quarters=8, equity_shock=0.6, ai_revenue_shock=0.5,
                             spread_shock=0.04, lease_cut=0.6, lease_cut_trigger=0.9,
                             rollover_base=0.5), n_paths=2)


def test_arrays_have_their_named_axes(toy_web: Web) -> None:
    r = _crash(toy_web)
    sizes = {"path": 2, "quarter": 8, "entity": len(toy_web.entities), "channel": 10,
             "tranche": 3}
    for name, axes in AXES.items():
        arrays = [getattr(r, name)] if name != "series" else [r.gdp_growth, r.gpu_price]
        for arr in arrays:
            assert arr.shape == tuple(sizes[a] for a in axes), name
    assert r.n_paths == 2
    assert r.quarters == 8


def test_summaries_are_frames_with_calendar_quarters(toy_web: Web) -> None:
    r = _crash(toy_web)
    assert r.quarter_labels[:2] == ("2026Q1", "2026Q2")
    tl = r.timeline
    assert isinstance(tl, pd.DataFrame)
    assert list(tl.index) == list(r.quarter_labels)
    assert {"defaults", "gdp_growth", "jobs_millions", "gpu_price", "downgraded"} <= set(tl)
    sectors = r.losses_by_sector
    assert sectors.shape[1] == 8
    assert "life_insurer" in sectors.index
    d = r.defaults
    assert list(d.columns) == ["path", "entity", "kind", "quarter", "label", "reason"]
    assert set(d["reason"]) <= set(REASONS[1:])
    hit = r.capital_hit
    assert set(hit["kind"]) <= {"bank", "life_insurer", "private_credit_fund", "mutual_fund",
                                "household", "pension_fund", "hedge_fund", "private_equity"}
    assert (hit["capital"] > 0).all()
    assert hit["share"].iloc[0] >= hit["share"].iloc[-1]
    p = r.default_probability
    assert ((p >= 0) & (p <= 1)).all()
    np.testing.assert_allclose(r.losses_by_channel.sum(), r.booked_loss.mean())


def test_prints_as_its_summary(toy_web: Web) -> None:
    r = _crash(toy_web)
    text = str(r)
    assert text == r.summary()
    assert "Stress run 'crash'" in text
    assert "2008" in text
    assert repr(r).startswith("StressResult('crash', n_paths=2")


def test_no_defaults_gives_empty_tables(toy_web: Web) -> None:
    r = run(toy_web, Scenario("calm", quarters=4))
    assert r.defaults.empty
    assert r.n_defaults.tolist() == [0]
    assert "defaults per path: 0.00" in str(r)
