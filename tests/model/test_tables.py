"""Results out: tables to CSV, Parquet and xlsx by suffix; the CLI's --export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bubblescope.cli import app_main
from bubblescope.model.errors import ScenarioError
from bubblescope.model.tables import Tabular, sheet_name, write_tables

TABLES = {"timeline": pd.DataFrame({"quarter": ["2026Q1", "2026Q2"], "loss_usd_bn": [1.5, 2.0]}),
          "defaults": pd.DataFrame({"entity": ["openai"], "quarter": [3]})}


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_flat_formats_write_one_file_per_table(tmp_path: Path, suffix: str) -> None:
    written = write_tables(TABLES, tmp_path / f"run{suffix}")
    assert [p.name for p in written] == [f"run-timeline{suffix}", f"run-defaults{suffix}"]
    read = pd.read_csv if suffix == ".csv" else pd.read_parquet
    pd.testing.assert_frame_equal(read(written[0]), TABLES["timeline"])
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind
    one = write_tables({"timeline": TABLES["timeline"]}, tmp_path / f"one{suffix}")
    assert [p.name for p in one] == [f"one{suffix}"]


def test_a_workbook_has_one_sheet_per_table(tmp_path: Path) -> None:
    path = write_tables(TABLES, tmp_path / "sub" / "run.xlsx")[0]
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["timeline", "defaults"]
    pd.testing.assert_frame_equal(sheets["timeline"], TABLES["timeline"])


def test_unknown_suffix_names_the_allowed_ones(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"\.csv, \.parquet, \.xlsx.*'\.txt'"):
        write_tables(TABLES, tmp_path / "run.txt")
    with pytest.raises(ScenarioError, match=r"must end in \.xlsx"):
        Demo().to_excel(tmp_path / "run.csv")


def test_sheet_names_are_valid_for_excel() -> None:
    assert sheet_name("losses/by:holder [USD bn]") == "losses_by_holder _USD bn_"
    assert len(sheet_name("x" * 40)) == 31


class Demo(Tabular):
    def tables(self) -> dict[str, pd.DataFrame]:
        return TABLES


def test_a_result_gives_its_main_frame_and_exports(tmp_path: Path) -> None:
    pd.testing.assert_frame_equal(Demo().to_frame(), TABLES["timeline"])
    assert Demo().to_excel(tmp_path / "d.xlsx").exists()
    assert len(Demo().export(tmp_path / "d.csv")) == 2


def test_stress_export_opens_with_pandas_and_carries_units(tmp_path: Path) -> None:
    out = tmp_path / "crash.xlsx"
    assert app_main(["stress", "--scenario", "atlantic-crash", "--quarters", "4",
                     "--json", "--export", str(out)]) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert "capital_hit_usd_bn" in sheets
    timeline = sheets["timeline"]
    assert list(timeline["quarter"]) == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert {"holder_realised_credit_usd_bn", "holder_equity_marks_usd_bn",
            "gdp_growth_yoy_pct", "gpu_value_index_start_1"} <= set(timeline.columns)


def test_montecarlo_and_size_export(tmp_path: Path) -> None:
    assert app_main(["montecarlo", "--scenario", "atlantic-crash", "--paths", "8",
                     "--no-store", "--json", "--export", str(tmp_path / "mc.csv")]) == 0
    summary = pd.read_csv(tmp_path / "mc-summary.csv")
    figure = "mean realised credit + debt marks"
    assert summary.loc[summary["figure"] == figure, "unit"].item() == "USD bn"
    paths = pd.read_csv(tmp_path / "mc-paths_usd_bn.csv")
    assert len(paths) == 8
    assert "system_loss_usd_bn" in paths.columns
    assert app_main(["size", "--json", "--export", str(tmp_path / "size.parquet")]) == 0
    card = pd.read_parquet(tmp_path / "size-card.parquet")
    assert len(card) > 3
    assert app_main(["size", "--export", str(tmp_path / "size.txt")]) == 2
