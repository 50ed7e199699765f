"""Audit fixes: plausibility of series, all problems at once, one data-dir rule, CLI inputs.

The corrupted inputs are copies of the real files in ``../shared/data`` with one change each.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bubblescope.cli import app_main
from bubblescope.data import data_path
from bubblescope.datadir import DATA_ENV, resolve_data_dir
from bubblescope.model import DataError, Web
from bubblescope.model.inputs import read_csv
from bubblescope.size.data import load_gdp, load_rates, load_rubric

VENDOR = ("fred_BAA_monthly.csv", "fred_AAA_monthly.csv", "fred_BAMLC0A4CBBB.csv",
          "fred_BAMLC0A1CAAA.csv")


def _copy(shared: Path, dest: Path) -> Path:
    dest.mkdir()
    for name in VENDOR:
        shutil.copy(shared / name, dest / name)
    return dest


def _rewrite(path: Path, edit: Callable[[list[list[str]]], list[list[str]]]) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows = edit(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _row_of(rows: list[list[str]], date: str) -> int:
    """Index in ``csv.reader``'s list (the header is index 0): file line = index + 1."""
    return next(i for i, r in enumerate(rows) if r[0].startswith(date))


def _cells_on_line(path: Path, line: int) -> list[str]:
    """The cells of file line ``line`` (the header is line 1), read back from the file."""
    return path.read_text(encoding="utf-8").splitlines()[line - 1].split(",")


def _baa_decimals(rows: list[list[str]]) -> list[list[str]]:
    lo, hi = _row_of(rows, "1999-01"), _row_of(rows, "2000-09")
    for r in rows[lo:hi + 1]:
        r[1] = f"{float(r[1]) / 100:.4f}"
    return rows


def test_real_files_still_load(shared_data: Path) -> None:
    rates = load_rates(shared_data)
    assert {"baa", "aaa", "treasury_bbb", "treasury_const"} <= set(rates)
    assert load_gdp(shared_data / "us_gdp_quarterly_bea.csv").last_period >= "2024Q4"


def test_baa_decimals_for_21_months_are_rejected(shared_data: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    copy = _copy(shared_data, tmp_path / "data")
    _rewrite(copy / "fred_BAA_monthly.csv", _baa_decimals)
    with pytest.raises(DataError) as err:
        load_rates(copy)
    jumps = [i for i in err.value.issues if "jump" in i.rule]
    assert len(jumps) == 2  # into and out of the decimal run
    first = jumps[0]
    assert first.file.endswith("fred_BAA_monthly.csv")
    assert first.field == "value"
    with (shared_data / "fred_BAA_monthly.csv").open(newline="", encoding="utf-8") as fh:
        original = list(csv.reader(fh))
    line = _row_of(original, "1999-01") + 1  # the file line: the header is line 1
    assert first.line == line
    assert float(first.value) == pytest.approx(float(original[line - 1][1]) / 100)
    spoiled = copy / "fred_BAA_monthly.csv"
    assert _cells_on_line(spoiled, first.line)[0].startswith("1999-01")
    assert float(_cells_on_line(spoiled, first.line)[1]) == pytest.approx(float(first.value))
    assert jumps[1].line == _row_of(original, "2000-10") + 1
    assert _cells_on_line(spoiled, jumps[1].line)[0].startswith("2000-10")
    assert app_main(["size", "--data-dir", str(copy)]) == 2
    assert "must not jump by more than x10" in capsys.readouterr().err


def test_gdp_with_four_quarters_times_1000_is_rejected(shared_data: Path,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "gdp.csv"
    shutil.copy(shared_data / "us_gdp_quarterly_bea.csv", path)

    def times_1000(rows: list[list[str]]) -> list[list[str]]:
        start = _row_of(rows, "2010-01")
        for r in rows[start:start + 4]:
            r[1] = f"{float(r[1]) * 1000:.1f}"
        return rows

    _rewrite(path, times_1000)
    with pytest.raises(DataError) as err:
        load_gdp(path)
    lines = sorted(i.line for i in err.value.issues if i.line is not None)
    assert lines == [254, 258]  # 2010Q1 (first scaled) and 2011Q1 (back to bn)
    assert _cells_on_line(path, 254)[0].startswith("2010-01")
    assert _cells_on_line(path, 258)[0].startswith("2011-01")
    assert all("jump" in i.rule for i in err.value.issues)


def test_every_problem_in_a_file_is_reported(shared_data: Path, tmp_path: Path) -> None:
    copy = _copy(shared_data, tmp_path / "data")

    def spoil(rows: list[list[str]]) -> list[list[str]]:
        rows[10][1] = "NaN"                        # file line 11 (the header is line 1)
        rows[100][1] = "0.05"                      # line 101: a decimal among percents
        dup = list(rows[200])
        del rows[400]                              # a gap at old line 401
        rows.insert(201, dup)                      # line 202 repeats line 201's month
        return rows

    _rewrite(copy / "fred_BAA_monthly.csv", spoil)
    with pytest.raises(DataError) as err:
        load_rates(copy)
    rules = " | ".join(i.rule for i in err.value.issues)
    nan = [i for i in err.value.issues if i.value == "NaN"]
    assert len(nan) == 1
    assert nan[0].line == 11
    assert "must be a number" in nan[0].rule
    assert "overlapping dates" in rules
    assert "without a gap" in rules
    assert "jump" in rules
    assert {i.line for i in err.value.issues} >= {11, 101, 202}
    spoiled = copy / "fred_BAA_monthly.csv"
    assert _cells_on_line(spoiled, 11)[1] == "NaN"
    assert _cells_on_line(spoiled, 101)[1] == "0.05"
    assert _cells_on_line(spoiled, 202)[0] == _cells_on_line(spoiled, 201)[0]


def test_data_dir_resolution_order(tmp_path: Path, shared_data: Path) -> None:
    explicit = tmp_path / "x"
    assert resolve_data_dir(explicit, env={DATA_ENV: "/e"}) == explicit
    assert resolve_data_dir(None, env={DATA_ENV: "/e"}) == Path("/e")
    # nothing given: ../shared/data beside the checkout (exists in this workspace)
    found = resolve_data_dir(None, env={}, cwd=tmp_path)
    assert found is not None
    assert found.resolve() == shared_data.resolve()


def test_size_and_card_for_use_the_env_data_dir(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], small_web: Web,
) -> None:
    from bubblescope.report.size import card_for

    copy = _copy(shared_data, tmp_path / "data")
    _rewrite(copy / "fred_BAA_monthly.csv", _baa_decimals)
    monkeypatch.setenv(DATA_ENV, str(copy))
    # the env directory is the one read: its corrupted Baa fails both faces
    assert app_main(["size"]) == 2
    with pytest.raises(DataError):
        card_for(small_web)
    monkeypatch.setenv(DATA_ENV, str(shared_data))
    assert app_main(["size", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["wicksell"]["rates"] == "baa"
    assert card_for(small_web).wicksell.rate_name == "baa"


def test_size_with_an_invalid_web_exits_2_and_lists_every_problem(
    broken_web: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert app_main(["size", "--web", str(broken_web)]) == 2
    err = capsys.readouterr().err
    head = next(line for line in err.splitlines() if "problem" in line)
    n = int(head.split("error: ")[-1].split()[0])
    assert n >= 2
    assert err.count("  - ") == n


@pytest.mark.parametrize("margin", ["0", "-0.1", "1.5"])
def test_size_rejects_a_bad_margin(margin: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert app_main(["size", "--margin", margin]) == 2
    assert "--margin must be in (0, 1]" in capsys.readouterr().err


def test_size_json_gives_numbers_and_details(capsys: pytest.CaptureFixture[str]) -> None:
    assert app_main(["size", "--json", "--rates", "treasury_const"]) == 0
    p = json.loads(capsys.readouterr().out)
    debt = next(f for f in p["figures"] if f["key"] == "debt_mix")["numbers"]
    assert debt["on_share"] + debt["off_share"] == pytest.approx(debt["debt_share"])
    assert debt["on_bs_usd_bn"] / debt["capex_usd_bn"] == pytest.approx(debt["on_share"])
    d = p["details"]
    customers = {c["customer"]: c["share"] for c in d["concentration"]["customers"]}
    assert customers["microsoft"] == pytest.approx(0.70)
    assert customers["nvidia"] == pytest.approx(0.10)
    assert customers["openai"] == pytest.approx(0.10)
    for q in d["gdp"]["quarters"]:
        assert q["growth_ex_ai_pp"] == pytest.approx(q["gdp_growth_pp"] - q["ai_pp"])
    spv = d["spv_comparison"]
    assert spv["tenant"] == "meta"
    assert spv["share_of_industry_capex"] == pytest.approx(
        spv["carried_usd_bn"] / spv["industry_capex_usd_bn"])
    assert {r["entity"] for r in d["debt_mix"]["by_entity"]} >= {"meta"}
    assert {r["sector"] for r in d["revenue_gap"]["by_sector"]} >= {"ai_lab"}
    assert d["cycles"][0]["smallest_leg_usd_bn"] == min(h["usd_bn"]
                                                         for h in d["cycles"][0]["hops"])
    assert any(r["entity"] == "coreweave" for r in d["several_roles"])
    assert all(0.0 <= s <= 1.0 for s in d["round_trips"]["share_by_firm"].values())


def test_report_section_has_the_detail_tables(small_web: Web) -> None:
    from bubblescope.report.size import card_for, section

    html = section(card_for(small_web)).html
    for title in ("Revenue gap 2025 per sector", "Debt mix of 2025 capex per entity",
                  "Financing cycles", "Entities in several roles", "coreweave customers",
                  "growth ex-AI"):
        assert title in html, title


def test_rubric_from_the_cli_rescores(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    doc = yaml.safe_load(data_path("goldfarb_kirsch.yaml").read_text(encoding="utf-8"))
    ai = next(e for e in doc["episodes"] if e["id"] == "ai_2025")
    for ev in ai["evidence"]:
        ev["level"] = 0
        ev.pop("value", None)  # a quantitative value would contradict level 0
    path = tmp_path / "gk.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert load_rubric(path)  # the edited rubric is valid
    assert app_main(["size", "--json", "--rates", "treasury_const",
                     "--rubric", str(path)]) == 0
    gk = json.loads(capsys.readouterr().out)["details"]["goldfarb_kirsch"]["ai_2025"]
    assert gk["total_points"] == 0


@pytest.mark.parametrize(("flag", "bundled", "column", "bad"), [
    ("--flows", "flow_shares.csv", "flow_usd_bn", "lots"),
    ("--scaling", "scaling.csv", "training_cost_usd_m", "-5"),
    ("--gdp-contributions", "gdp_contributions.csv", "value", "x"),
])
def test_table_options_name_file_row_field(flag: str, bundled: str, column: str, bad: str,
                                           tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    src = data_path("size", bundled)
    with src.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    rows[1][column] = bad
    path = tmp_path / bundled
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    assert app_main(["size", "--rates", "treasury_const", flag, str(path)]) == 2
    err = capsys.readouterr().err
    line = read_csv(path)[1].line  # the second data row: line 3 unless a note spans lines
    assert f"{path} line {line}: '{column}' must be" in " ".join(err.split())
    assert repr(bad) in err
    assert bad in next(csv.reader([path.read_text(encoding="utf-8").splitlines()[line - 1]]))


def test_quality_line_says_contracts_cite_an_assumption(small_web: Web) -> None:
    from bubblescope.model.quality import data_quality

    q = data_quality(small_web)
    text = str(q)
    assert q.n_contracts_citing_assumption > 0
    assert (f"{q.n_contracts_citing_assumption}/{q.n_contracts} contracts "
            f"({q.citing_assumption_notional_share:.0%} of notional) cite at least one "
            "assumption") in text
    assert "cite one;" not in text
