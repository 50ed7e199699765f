"""GDP contributions, scaling economics and the Goldfarb–Kirsch rubric."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bubblescope.data import data_path
from bubblescope.model import DataError, ScenarioError
from bubblescope.size.data import load_rubric, read_contributions, read_generations
from bubblescope.size.gdp_contribution import ContributionRow, contribution, gdp_contribution
from bubblescope.size.goldfarb_kirsch import level_from_value, parse_rubric, score
from bubblescope.size.scaling import Generation, fit_scaling


def _row(q: str, s: str, v: float, vintage: str = "v1") -> ContributionRow:
    return ContributionRow(q, s, v, vintage, "src", "high")


def test_contribution_formula() -> None:
    assert contribution(0.04, 25.0) == pytest.approx(1.0)


def test_ai_share_and_growth_ex_ai() -> None:
    rows = [_row("2025Q1", "gdp", 2.0), _row("2025Q1", "info_processing_equipment", 1.0),
            _row("2025Q1", "software", 0.5), _row("2025Q1", "data_center_structures", 0.1)]
    res = gdp_contribution(rows, ["2025Q1"])
    q = res.quarters[0]
    assert q.ai == pytest.approx(1.6)
    assert q.ex_ai == pytest.approx(0.4)
    assert q.flags == ()
    assert res.window_share == pytest.approx(0.8)
    lo, hi = res.sensitivity(0.5)
    assert lo == pytest.approx(1.6 / 1.5)
    assert hi == pytest.approx(1.6 / 2.5)


def test_missing_and_substituted_components_are_flagged() -> None:
    rows = [_row("2025Q2", "gdp", 3.8), _row("2025Q2", "info_processing_equipment", 0.22, "v2"),
            _row("2025Q2", "ipp", 0.78)]
    q = gdp_contribution(rows, ["2025Q2"]).quarters[0]
    assert q.used == ("info_processing_equipment", "ipp")
    assert any("ipp used" in f for f in q.flags)
    assert any("data_center_structures missing" in f for f in q.flags)
    assert any("mixed vintages" in f for f in q.flags)


def test_contribution_errors() -> None:
    dup = [_row("2025Q1", "gdp", 1.0), _row("2025Q1", "gdp", 2.0)]
    with pytest.raises(DataError, match="overlapping vintages"):
        gdp_contribution(dup, ["2025Q1"])
    with pytest.raises(ScenarioError, match="missing"):
        gdp_contribution([_row("2025Q1", "gdp", 1.0)], ["2025Q2"])
    with pytest.raises(ScenarioError, match="zero"):
        gdp_contribution([_row("2025Q1", "gdp", 0.0)], ["2025Q1"])


def test_bundled_h1_2025_check_against_the_seed() -> None:
    res = gdp_contribution(read_contributions(), ["2025Q1", "2025Q2"], claim=0.92)
    # H1 growth ~1.6 % a year: a small denominator, so the share is fragile
    assert res.window_growth == pytest.approx(1.6)
    assert 0.4 < res.window_share < 1.2
    lo, hi = res.sensitivity()
    assert hi < res.window_share < lo
    assert "seed claim 92%" in str(res)


def _gen(k: int, cost: float, cap: float | None) -> Generation:
    return Generation(k, f"m{k}", 2020 + k, cost, cap, "acc", "s", "s")


def test_scaling_fit_recovers_a_tenfold_factor() -> None:
    fit = fit_scaling([_gen(1, 50, 40.0), _gen(2, 500, 60.0), _gen(3, 5000, 70.0)],
                      transform="raw")
    assert fit.cost_factor == pytest.approx(10.0)
    assert fit.cost_growth == pytest.approx(9.0)
    assert fit.per_decade == pytest.approx(15.0)
    costs = dict(fit.marginal)
    assert costs["m1→m2"] == pytest.approx(450 / 20)
    assert costs["m2→m3"] == pytest.approx(4500 / 10)  # marginal cost rises: "log benefit"
    assert fit.predict(500) == pytest.approx(56.6667, rel=1e-4)
    assert "x10.0 per generation" in str(fit)


def test_scaling_bundled_data_and_logit() -> None:
    fit = fit_scaling(read_generations())
    assert fit.cost_factor == pytest.approx(10.0)
    assert fit.marginal[-1][1] is None
    assert 0 < (fit.predict(5000) or 0) < 100
    assert "n/a (capability missing)" in str(fit)


def test_scaling_errors() -> None:
    with pytest.raises(ScenarioError):
        fit_scaling([_gen(1, 50, 40.0)])
    with pytest.raises(DataError, match="training_cost"):
        fit_scaling([_gen(1, 0, 40.0), _gen(2, 5, 50.0)])
    with pytest.raises(DataError, match="strictly between"):
        fit_scaling([_gen(1, 5, 100.0), _gen(2, 50, 50.0)])
    flat = fit_scaling([_gen(1, 5, None), _gen(2, 50, None)])
    assert flat.per_decade is None
    assert flat.predict(10) is None
    worse = fit_scaling([_gen(1, 5, 50.0), _gen(2, 50, 40.0)])
    assert worse.marginal[0][1] == float("inf")


def test_threshold_levels() -> None:
    assert [level_from_value(v, (0.1, 0.3)) for v in (0.05, 0.1, 0.29, 0.3)] == [0, 1, 1, 2]


def _doc() -> dict[str, Any]:
    text = data_path("goldfarb_kirsch.yaml").read_text(encoding="utf-8")
    doc: dict[str, Any] = yaml.safe_load(text)
    return doc


def test_editing_the_rubric_rescores() -> None:
    doc = copy.deepcopy(_doc())
    ai = next(e for e in doc["episodes"] if e["id"] == "ai_2025")
    ai["evidence"] = [r for r in ai["evidence"] if r["factor"] != "pure_plays"]
    ai["evidence"].append({"factor": "pure_plays", "value": 0.05, "source": "edited"})
    scores = score(parse_rubric(doc))
    assert scores.scores["ai_2025"][1] == 0
    assert scores.total("ai_2025") == 6


def test_median_rounds_half_up() -> None:
    doc = copy.deepcopy(_doc())
    tv = next(e for e in doc["episodes"] if e["id"] == "television_1940s")
    tv["evidence"].append({"factor": "uncertainty", "level": 2, "source": "x"})
    scores = score(parse_rubric(doc))
    assert scores.scores["television_1940s"][0] == 2  # median of (1, 2) = 1.5 -> 2


def test_rubric_errors_name_file_row_and_field(tmp_path: Path) -> None:
    doc = copy.deepcopy(_doc())
    ai = doc["episodes"][0]
    ai["evidence"][0]["level"] = 1          # contradicts value 0.95 -> 2
    ai["evidence"][1]["level"] = 5          # not 0/1/2
    ai["evidence"][2]["factor"] = "hype"    # unknown factor
    ai["evidence"][3]["source"] = ""        # no source
    ai["evidence"].append({"factor": "narrative", "source": "x"})  # neither level nor value
    ai["evidence"].append({"factor": "narrative", "value": "lots", "source": "x"})
    doc["factors"][0]["proxy"]["thresholds"] = [0.9, 0.1]
    with pytest.raises(DataError) as err:
        parse_rubric(doc, "gk.yaml")
    text = str(err.value)
    # a YAML item is named by its path (the field), not by a line number
    assert "gk.yaml: 'episodes[ai_2025].evidence[1].level' contradicts value" in text
    assert "evidence[2].level' must be 0, 1 or 2" in text
    assert "evidence[3].factor' must be one of" in text
    assert "evidence[4].source' is required" in text
    assert "must give a level (0/1/2) or a value" in text
    assert "evidence[8].value' must be a number" in text
    assert "must be increasing" in text
    assert "must hold at least one row for factor pure_plays" in text


def test_rubric_structure_errors() -> None:
    with pytest.raises(DataError, match="must be a mapping"):
        parse_rubric([1, 2])
    with pytest.raises(DataError) as err:
        parse_rubric({"framework": {"verdicts": [{"min": 0, "max": 3, "verdict": "x"}]},
                      "factors": [], "episodes": []})
    text = str(err.value)
    assert "'factors' must be a non-empty list" in text
    assert "'episodes' must be a non-empty list" in text
    assert "cover totals 0..8" in text
    doc = copy.deepcopy(_doc())
    doc["factors"].append("oops")
    doc["factors"][0]["levels"] = {0: "a"}
    doc["factors"][1]["proxy"] = {"thresholds": "x"}
    doc["factors"][2]["id"] = ""
    doc["episodes"].append({"name": "no id"})
    doc["episodes"][0]["evidence"].append("not a mapping")
    with pytest.raises(DataError) as err:
        parse_rubric(doc)
    text = str(err.value)
    assert "must define levels 0, 1 and 2" in text
    assert "must be two numbers" in text
    assert "'factors[3].id' is required" in text
    assert "'factors[5]' must be a mapping" in text
    assert "'episodes[8].id' is required" in text


def test_bundled_rubric_prints_every_episode() -> None:
    text = str(score(load_rubric()))
    for ep in ("ai_2025", "radio_1920s", "insulin_1920s"):
        assert ep in text
