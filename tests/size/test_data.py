"""Loaders of the bundled sizing tables: provenance, and errors that name file/row/field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bubblescope.data import data_path
from bubblescope.model import DataError
from bubblescope.model.inputs import read_csv
from bubblescope.size.data import (
    bundled,
    load_gdp,
    load_inputs,
    load_rubric,
    read_contributions,
    read_flow_shares,
    read_generations,
    read_seed_claims,
    read_series_csv,
)

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


def test_bundled_gdp_matches_sources_checks() -> None:
    gdp = load_gdp()
    assert gdp.last_period == "2024Q4"
    assert gdp.data.iloc[-1] == pytest.approx(29723.9)  # SOURCES.md: 2024Q4 29,723.9
    assert "BEA" in gdp.source


def test_size_series_have_sidecars() -> None:
    for name in ("gdp_us_quarterly", "treasury_10y_monthly"):
        csv = data_path("series", f"{name}.csv")
        meta = yaml.safe_load(csv.with_suffix(".source.yaml").read_text(encoding="utf-8"))
        assert {"source", "publisher", "licence", "transformations", "as_of",
                "confidence"} <= set(meta)
        assert "ODC-PDDL" in meta["licence"]


def test_seed_claims_quote_the_seeds() -> None:
    if not SEEDS.is_dir():
        pytest.skip("seeds not beside the repository")
    texts = {p.name[:3]: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    claims = read_seed_claims()
    assert claims["wicksell_ratio_dotcom"].value == 17.0
    for c in claims.values():
        assert c.quote in texts[c.seed], c.id
    assert claims["gk_ai_score"].citation.startswith("seed 001")


def test_flow_shares_have_sources() -> None:
    flows = read_flow_shares()
    assert {f.asset_class for f in flows} == {"ai", "venture_capital", "residential_real_estate",
                                             "commercial_real_estate", "nfts"}
    assert all(f.source and f.confidence for f in flows)


def test_bad_flow_table_names_row_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "flows.csv"
    bad.write_text("asset_class,flow_usd_bn,source\nai,abc,x\nvc,-1,\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_flow_shares(bad)
    text = str(err.value)
    assert "line 2: 'flow_usd_bn' must be a number" in text  # the header is line 1
    assert "line 3: 'flow_usd_bn' must be a finite number >= 0" in text
    assert "line 3: 'source' is required" in text


def test_missing_file_and_column_are_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="must exist"):
        read_csv(tmp_path / "none.csv")
    f = tmp_path / "s.csv"
    f.write_text("date,x\n2020-01,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="'y' must be a column"):
        read_series_csv(f, "y", name="s", unit="percent", freq="M", source="t")
    empty = tmp_path / "e.csv"
    empty.write_text("date,x\n", encoding="utf-8")
    with pytest.raises(DataError, match="at least one data row"):
        read_series_csv(empty, "x", name="s", unit="percent", freq="M", source="t")
    blank = tmp_path / "b.csv"
    blank.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="header"):
        read_csv(blank)


def test_gap_in_a_series_file_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "g.csv"
    f.write_text("date,x\n2020-01,1\n2020-02,\n2020-03,2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 3: 'value' must be a finite number"):
        read_series_csv(f, "x", name="s", unit="percent", freq="M", source="t")


def test_generations_and_contributions_load() -> None:
    gens = read_generations()
    assert [g.cost for g in gens] == [50.0, 500.0, 5000.0]
    assert gens[-1].capability is None
    rows = read_contributions()
    assert {r.quarter for r in rows} >= {"2025Q1", "2025Q2"}
    assert all(r.source for r in rows)


def test_bad_contribution_rows_are_named(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("quarter,series,value,vintage,source,confidence\n,gdp,x,,,\n",
                 encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_contributions(f)
    assert "'value' must be a number" in str(err.value)
    assert "'quarter' is required" in str(err.value)


def test_bad_generation_rows_are_named(tmp_path: Path) -> None:
    f = tmp_path / "g.csv"
    f.write_text("generation,model,year,training_cost_usd_m,capability\n1,a,2020,x,\n",
                 encoding="utf-8")
    with pytest.raises(DataError, match="training_cost_usd_m"):
        read_generations(f)


def test_rubric_file_errors(tmp_path: Path) -> None:
    broken = tmp_path / "r.yaml"
    broken.write_text("factors: [", encoding="utf-8")
    with pytest.raises(DataError, match="valid YAML"):
        load_rubric(broken)
    with pytest.raises(DataError, match=r"missing\.yaml: 'file' must exist"):
        load_rubric(tmp_path / "missing.yaml")


def test_bad_seed_claim_value(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("id,value,unit,seed,quote,note\nx,abc,u,001,q,n\n", encoding="utf-8")
    with pytest.raises(DataError, match="'value' must be a number"):
        read_seed_claims(f)


def test_bad_constant_spread_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bubblescope.size import data as size_data

    bad = tmp_path / "wicksell.yaml"
    bad.write_text("treasury_const: {spread_pp: abc}\n", encoding="utf-8")
    with pytest.raises(DataError, match="spread_pp"):
        size_data._constant(bad)


def test_load_inputs_bundles_everything() -> None:
    inputs = load_inputs()
    assert inputs.web is None
    assert set(inputs.rates) == {"treasury_const"}
    assert bundled("flow_shares.csv").is_file()
