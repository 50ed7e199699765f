"""The clocks: maturity wall, runways, the $1.9T crossing, the seeds' claims and the faces."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

import bubblescope
from bubblescope.cli import app_main
from bubblescope.dashboard import Settings, create_app
from bubblescope.model import Web
from bubblescope.stress import run
from bubblescope.stress.compile import compile_web
from bubblescope.when import THRESHOLD_2008, debt_crossing, maturity_wall, quarter_label, when

SEEDS = Path(os.environ.get("BUBBLESCOPE_TEST_SHARED_DATA")
             or Path(__file__).resolve().parents[2].parent / "shared" / "data").parent / "seeds"


def test_wall_follows_the_engine_schedule(small_web: Web) -> None:
    """c2: OpenAI pays Oracle 60/yr from 2027-01-01 (quarter 4) until its maturity quarter
    (2031Q4, not paid, as in the engine); c4: Oracle's 18 loan at 5.5% matures 2030-09-01."""
    cw = compile_web(small_web)
    wall = maturity_wall(cw)
    assert list(wall.columns) == ["quarter", "firm", "sector", "principal", "interest",
                                  "lease", "commitment", "total"]
    openai = wall[wall["firm"] == "openai"].set_index("quarter")
    assert "2026Q4" not in openai.index
    assert openai.loc["2027Q1", "commitment"] == pytest.approx(15.0)
    assert openai.loc["2031Q3", "commitment"] == pytest.approx(15.0)
    assert openai["commitment"].sum() == pytest.approx(15.0 * 19)
    oracle = wall[wall["firm"] == "oracle"].set_index("quarter")
    mat = quarter_label(cw.as_of, int(cw.maturity_q[cw.contract_ids.index("c4")]))
    assert mat == "2030Q3"
    assert oracle.loc[mat, "principal"] == pytest.approx(18.0)
    assert oracle.loc["2026Q1", "interest"] == pytest.approx(18 * 0.055 / 4)
    assert (wall["total"] - wall[["principal", "interest", "lease", "commitment"]].sum(axis=1)
            ).abs().max() < 1e-12
    assert set(wall["sector"]) <= {"chipmaker", "ai_lab", "hyperscaler", "neocloud",
                                   "data_center_developer", "spv"}  # no holders' own debt
    assert wall["quarter"].min() == "2026Q1"
    assert wall["quarter"].max() <= "2032Q4"


def test_debt_crossing_from_the_web_figures() -> None:
    web = bubblescope.load_default()
    cross = debt_crossing(web)
    assert cross.engine_has_debt_growth is False
    assert "No engine run given" in cross.note
    (y0, v0), (y1, v1) = cross.points[0], cross.points[-1]
    g = (v1 / v0) ** (1 / (y1 - y0)) - 1
    assert cross.growth == pytest.approx(g)
    years = math.log(THRESHOLD_2008 / v0) / math.log(1 + g)
    want = quarter_label(bubblescope.load_default().as_of, math.ceil(years * 4) - 1)
    assert cross.quarter == want


def test_debt_crossing_from_the_engine_baseline() -> None:
    from bubblescope.stress.compile import compile_web
    from bubblescope.stress.engine import run as run_stress

    web = bubblescope.load_default()
    base = run_stress(compile_web(web), "baseline")
    cross = debt_crossing(web, base)
    assert cross.engine_has_debt_growth is True
    # the crossing is dated on the seeds' measure: bonds investment grade at the start
    above = base.ig_bonds.mean(axis=0) >= THRESHOLD_2008
    want = base.quarter_labels[int(above.argmax())] if above.any() else None
    assert cross.quarter == want
    assert "investment-grade bonds" in cross.measure
    every = base.ai_debt.mean(axis=0) >= THRESHOLD_2008
    assert cross.all_debt_quarter == (base.quarter_labels[int(every.argmax())]
                                      if every.any() else None)
    # the same measure as the seeds' clock: about $1.2T now and $1.5T by 2028
    assert cross.start == pytest.approx(1200.0, rel=0.1)
    end_2028 = base.ig_bonds.mean(axis=0)[base.quarter_labels.index("2028Q4")]
    assert end_2028 == pytest.approx(1500.0, rel=0.15)
    assert cross.all_debt_start is not None
    assert cross.start is not None
    assert cross.all_debt_start > cross.start
    assert "all AI-linked debt" in cross.headline()


def test_when_on_the_default_web() -> None:
    res = when(bubblescope.load_default(), market=False, presets=("baseline", "atlantic-crash"))
    firms = {r.firm for r in res.runways}
    assert {"openai", "coreweave", "anthropic"} <= firms
    openai = next(r for r in res.runways if r.firm == "openai")
    assert set(openai.engine) == {"baseline", "atlantic-crash"}
    # the static count: cash minus quarterly burn and what falls due, first quarter below 0
    wall = res.wall[res.wall["firm"] == "openai"].set_index("quarter")["total"]
    left, first = openai.cash + openai.committed, None
    for t in range(28):
        q = quarter_label(bubblescope.load_default().as_of, t)
        left -= openai.burn_q + float(wall.get(q, 0.0))
        if left < 0:
            first = q
            break
    assert openai.static == first
    topics = [c.topic for c in res.claims]
    assert topics[0] == "CoreWeave debt"
    assert any("1.9T" in t for t in topics)
    payload = res.to_dict()
    json.dumps(payload)
    # the baseline run dates the crossing from the engine's own debt path
    assert payload["ai_debt_crossing"]["engine_has_debt_growth"] is True
    # the engine's path of the seeds' measure near the seeds' own "$1.5T by 2028"
    base = run(bubblescope.load_default(), "baseline")
    ig = base.ig_bonds.mean(axis=0)
    end_2028 = float(ig[base.quarter_labels.index("2028Q4")])
    assert 0.9 * 1500 <= end_2028 <= 1.1 * 1500
    assert f"{end_2028:,.0f} at the end of 2028" in res.crossing.note
    # a crossing is dated where the path passes $1.9T, else the headline says where it ends
    crossed = np.flatnonzero(ig >= 1900)
    if crossed.size:
        assert res.crossing.quarter == base.quarter_labels[int(crossed[0])]
    else:
        assert res.crossing.quarter is None
        assert (f"stay below $1.9T through {base.quarter_labels[-1]} (USD {ig[-1]:,.0f}bn then)"
                in res.crossing.headline())
    assert "Engine baseline" in res.crossing.note
    assert res.headline().startswith("When: maturity wall 2026-2032")


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds not beside the repository")
def test_seed_passages_are_quoted_verbatim() -> None:
    res = when(bubblescope.load_default(), market=False, presets=("baseline",))
    for c in res.claims:
        text = (SEEDS / Path(c.seed).name).read_text(encoding="utf-8")
        assert c.passage in text, c.topic


def test_when_faces(capsys: pytest.CaptureFixture[str], small_web: Web) -> None:
    assert app_main(["when", "--no-market", "--presets", "baseline", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["maturity_wall"]["by_quarter"][0]["quarter"] == "2026Q1"
    assert out["market_signals"] == []
    assert app_main(["when", "--presets", "nope"]) == 2
    with TestClient(create_app(Settings(), small_web), base_url="http://127.0.0.1:8000") as c:
        r = c.get("/api/when").json()
    assert r["headline"].startswith("When:")
    assert any(h["label"].startswith("openai") for h in r["view"]["headlines"])
    assert r["view"]["headlines"][-1]["label"] == "Market signals (last row)"


def test_wall_reads_instrument_schedules() -> None:
    """Instrument-backed deals are laid out per tranche (issue 14's schedules): Oracle's
    2028-08-03 notes (1.5 + 0.5) fall in 2028Q3, Vantage's two 2029-10-15 loans (23.3 +
    14.8) in 2029Q4, xAI's 2030-07-01 secured debt (5.0) in 2030Q3."""
    web = bubblescope.load_default()
    assert web.instruments, "the bundled web carries debt instruments"
    wall = maturity_wall(compile_web(web), web=web).set_index(["firm", "quarter"])
    assert wall.loc[("oracle", "2028Q3"), "principal"] >= 2.0 - 1e-9
    assert wall.loc[("vantage", "2029Q4"), "principal"] >= 38.1 - 1e-9
    assert wall.loc[("xai", "2030Q3"), "principal"] >= 5.0 - 1e-9
    inst = {x.id: x for x in web.instruments}
    x = inst["xai_secured_debt_2025_07"]
    assert wall.loc[("xai", "2026Q1"), "interest"] >= x.balance * (x.coupon or 0) / 4 - 1e-9


def test_runway_headline_says_static_count_and_engine_baseline() -> None:
    """The headline's runway part names the static count's first firm as needing new money,
    then what the engine's baseline (which refinances) says; never a bare "runway end"."""
    from bubblescope.when import _runway_headline
    from bubblescope.when.clocks import Runway

    def run(firm: str, static: str | None, base: str | None) -> Runway:
        return Runway(firm, "neocloud", 1.0, 0.0, 2.0, static,
                      {"baseline": (base, "cash < 0" if base else "not within 24 quarters"),
                       "atlantic-crash": ("2026Q2", "default (shortfall)")})

    quiet = _runway_headline([run("coreweave", "2026Q1", None), run("openai", "2026Q2", None)])
    assert quiet == ("without new money coreweave runs out first, in 2026Q1 (static count); "
                     "in the engine baseline, which refinances, none runs out")
    tight = _runway_headline([run("coreweave", "2026Q1", None), run("xai", "2026Q3", "2027Q2")])
    assert tight.endswith("in the engine baseline xai runs out in 2027Q2")
    assert _runway_headline([run("a", None, None)]) == (
        "no AI lab or neocloud runs out of cash by the static count")
