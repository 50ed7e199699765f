"""The calibration table: each preset's figures beside history's envelopes."""

from __future__ import annotations

import dataclasses
import json

import pytest

import bubblescope as bs
from bubblescope.calibration.envelopes import METRICS
from bubblescope.calibration.presets import CalibrationTable, calibrate
from bubblescope.cli import app_main
from bubblescope.model.errors import ScenarioError
from bubblescope.stress.scenario import PRESETS, scenario_from_mapping


@pytest.fixture(scope="module")
def table() -> CalibrationTable:
    return calibrate(bs.load_default())


def test_every_preset_has_every_figure(table: CalibrationTable) -> None:
    assert [p.preset for p in table.presets] == list(PRESETS)
    for p in table.presets:
        assert set(p.values) == {m.key for m in METRICS}
        assert {"microsoft", "nvidia", "coreweave", "openai"} <= set(p.firms)


def test_baseline_has_no_crash(table: CalibrationTable) -> None:
    base = next(p for p in table.presets if p.preset == "baseline")
    # no named default; only the residual private-credit pool's ordinary defaults: a B-rated
    # pool of about $430bn at B's idealized 10-year PD (25%) loses about 2.8% a year
    assert base.values["default_rate"] < 0.01
    assert base.values["defaulted_usd_bn_year"] < 0.03 * 430.5
    assert base.values["hyperscaler_drawdown"] < 0.1
    assert base.outside == ()


def test_crash_presets_are_worse_than_baseline(table: CalibrationTable) -> None:
    base = next(p for p in table.presets if p.preset == "baseline").values
    crash = next(p for p in table.presets if p.preset == "atlantic-crash").values
    assert crash["bbb_spread_peak_pct"] > base["bbb_spread_peak_pct"]
    assert crash["hy_spread_peak_pct"] > crash["bbb_spread_peak_pct"]
    assert crash["gdp_yoy_trough"] < base["gdp_yoy_trough"]
    assert crash["jobs_millions"] < base["jobs_millions"] <= 0.0
    assert crash["defaulted_usd_bn_year"] > base["defaulted_usd_bn_year"]


def test_reasons_are_read_and_unexplained_figures_found(table: CalibrationTable) -> None:
    p = table.presets[1]
    noted = dataclasses.replace(p, outside=("bbb_spread_peak_pct", "jobs_millions"),
                                reasons={"jobs_millions": "why"})
    assert noted.unexplained == ("bbb_spread_peak_pct",)
    sc = scenario_from_mapping({"name": "x", "calibration_notes": {"jobs_millions": "why"}})
    assert sc.calibration_notes == (("jobs_millions", "why"),)
    with pytest.raises(ScenarioError, match="calibration_notes"):
        scenario_from_mapping({"name": "x", "calibration_notes": {"jobs_millions": " "}})


def test_cli_calibration_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert app_main(["stress", "--calibration", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [p["preset"] for p in payload["presets"]] == list(PRESETS)
    assert payload["envelopes"]["bbb_spread_peak_pct"]["worst"] == pytest.approx(8.04)
    assert payload["envelopes"]["hyperscaler_drawdown"]["basis"]["2022 tech"].startswith(
        "measured: META")


def test_every_figure_inside_history_or_explained(table: CalibrationTable) -> None:
    """Issue 11 item 10: each preset's figures lie inside history's envelope (dot-com, 2008,
    2022) or the preset says why in ``calibration_notes``."""
    for p in table.presets:
        assert p.unexplained == (), f"{p.preset}: outside history with no reason"
        assert all(len(why) > 40 for why in p.reasons.values())
    # and no reason is stale: every reason names a figure that is outside
    for p in table.presets:
        assert set(p.reasons) <= set(p.outside), p.preset


def test_hyperscalers_do_not_fall_like_pure_plays(table: CalibrationTable) -> None:
    # CALIBRATION.md: no large, profitable dot-com survivor lost 95%; the worst measured
    # large-cap fall is META's -77% in 2022
    for p in table.presets:
        for firm in ("microsoft", "google", "amazon", "meta", "oracle"):
            assert p.firms[firm] < 0.77, (p.preset, firm)
    crash = next(p for p in table.presets if p.preset == "atlantic-crash")
    assert crash.firms["coreweave"] > crash.firms["nvidia"] > crash.firms["microsoft"]
    assert crash.values["ai_index_drawdown"] < 0.95  # anchored: it cannot fall to nothing
