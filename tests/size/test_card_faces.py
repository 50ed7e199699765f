"""The bubble card, the `bubblescope size` command and the "How big" report section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bubblescope.cli import app_main
from bubblescope.model import ScenarioError, Web
from bubblescope.report.size import card_for, headline, rich_card, section
from bubblescope.size.bubble_card import CardOptions, bubble_card
from bubblescope.size.data import load_inputs
from bubblescope.size.revenue_gap import break_even


def test_card_on_a_small_web(small_web: Web) -> None:
    card = bubble_card(load_inputs(web=small_web))
    keys = {f.key for f in card.figures}
    assert {"wicksell", "allocation", "revenue_gap", "sequoia", "break_even", "debt_mix",
            "cycles", "round_trip", "concentration", "gdp", "scaling", "gk"} <= keys
    wick = next(f for f in card.figures if f.key == "wicksell")
    assert wick.vs_dotcom.endswith(")")
    assert "x" in wick.vs_2008
    assert "17" in wick.seed
    assert card.cycles is not None
    assert card.cycles.find(["nvidia", "openai", "oracle"])
    assert "seed claims 17x and 4x" in card.headline
    assert "HOW BIG" in str(card)


def test_card_without_a_web_says_why(small_web: Web) -> None:
    card = bubble_card(load_inputs(web=None, web_error="no web here"))
    assert any("no web here" in u for u in card.unavailable)
    assert "unavailable" in str(card)


def test_card_reports_missing_entities(small_web: Web) -> None:
    opts = CardOptions(lab="nobody", neocloud="pimco", chip_supplier="meta")
    card = bubble_card(load_inputs(web=small_web), opts)
    text = " ".join(card.unavailable)
    assert "break-even" in text
    assert "concentration" in text
    assert "Sequoia" in text


def test_card_rejects_unknown_rates(small_web: Web) -> None:
    with pytest.raises(ScenarioError, match="--data-dir"):
        bubble_card(load_inputs(web=small_web), CardOptions(rates="baa"))


def test_report_section_has_plots_and_escapes(small_web: Web) -> None:
    card = card_for(small_web)
    sec = section(card)
    assert sec.key == "size"
    assert sec.title == "How big"
    assert sec.html.count("plotly-graph-div") >= 6
    assert "<script src" not in sec.html
    assert headline(card) == card.headline
    assert rich_card(card).row_count == len(card.figures)


def test_cli_size_prints_the_card(capsys: pytest.CaptureFixture[str]) -> None:
    assert app_main(["size"]) == 0
    out = capsys.readouterr().out
    assert "HOW BIG" in out
    assert "Wicksellian" in out


def test_cli_size_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert app_main(["size", "--json", "--theta", "3", "--frequency", "quarterly",
                     "--rates", "treasury_const"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["wicksell"]["config"]["theta"] == 3.0
    assert payload["wicksell"]["rates"] == "treasury_const"
    assert {f["key"] for f in payload["figures"]} >= {"wicksell", "gk"}
    series = {v["rates"] for v in payload["variants"]}
    assert "treasury_const" in series
    assert len(payload["variants"]) == 12 * len(series)  # 2 freq x 2 rules x 3 θ per series


def test_cli_size_with_vendor_data(shared_data: Path, capsys: pytest.CaptureFixture[str]
                                   ) -> None:
    assert app_main(["size", "--json", "--data-dir", str(shared_data)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["wicksell"]["rates"] == "baa"
    assert "shifted by" in payload["wicksell"]["rate_note"]


def test_cli_size_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    assert app_main(["size", "--rates", "junk"]) == 2
    assert app_main(["size", "--rule", "sum"]) == 2
    assert app_main(["size", "--rates", "baa", "--data-dir", str(tmp_path)]) == 2
    assert "fred_" in capsys.readouterr().err  # the vendor file that is missing is named


def test_cli_size_with_a_web_dir(tmp_path: Path, small_web: Web,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from bubblescope.store.files import write_web_dir

    write_web_dir(small_web, tmp_path / "w")
    assert app_main(["size", "--json", "--web", str(tmp_path / "w")]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["unavailable"] == [] or all("web" not in u for u in payload["unavailable"])


def test_break_even_paths_and_errors() -> None:
    b = break_even(10.0, 60.0, 0.5, start_year=2025, horizon=5)
    assert b.years.tolist()[:2] == [2025.0, 2026.0]
    assert b.year_exponential == pytest.approx(2025 + b.years_exponential)
    assert b.required_cagr(5) == pytest.approx(12 ** 0.2 - 1)
    assert "Break-even" in str(b)
    covered = break_even(200.0, 60.0, 0.5)
    assert covered.years_exponential == 0.0
    assert covered.years_linear == 0.0
    with pytest.raises(ScenarioError):
        break_even(0.0, 60.0, 0.5)


def test_section_without_web_skips_web_plots() -> None:
    card = bubble_card(load_inputs(web=None, web_error="none"))
    sec = section(card)
    assert "unavailable: web measures: none" in sec.html
    assert sec.html.count("plotly-graph-div") == 4  # deficit, GDP, scaling, GK


def test_cli_size_with_a_broken_web_dir_reports_why(
    broken_web: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert app_main(["size", "--json", "--web", str(broken_web)]) == 2
    payload = json.loads(capsys.readouterr().out)
    assert payload["error"]["kind"] == "DataError"
    assert len(payload["error"]["issues"]) >= 2
