"""Portfolios: parsing, mapping onto the web, losses read off the engine, Monte Carlo, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bubblescope as bs
from bubblescope.cli import app_main
from bubblescope.model.errors import DataError
from bubblescope.model.web import Web
from bubblescope.portfolio import (
    Portfolio,
    map_portfolio,
    parse_positions,
    position_losses,
    run_portfolio,
)
from bubblescope.store.portfolio_file import read_portfolio
from bubblescope.stress import PRESETS, run
from bubblescope.stress.compile import compile_web

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "insurer_portfolio.csv"


@pytest.fixture(scope="module")
def web() -> Web:
    return bs.load_default()


def book(*rows: dict[str, str]) -> Portfolio:
    return parse_positions(list(rows), "book.csv")


def test_every_bad_field_is_reported_with_its_row() -> None:
    rows = [{"issuer": "oracle", "instrument": "bond", "amount": "-1"},
            {"issuer": "", "instrument": "swaption", "amount": "2"},
            {"issuer": "meta", "instrument": "Lease note", "amount": "1", "coupon": "twelve"}]
    with pytest.raises(DataError) as err:
        parse_positions(rows, "book.csv")
    text = [str(i) for i in err.value.issues]
    assert text[0] == ("book.csv line 2: 'amount' must be a positive number in USD billions, "
                       "got '-1'")
    assert any(t.startswith("book.csv line 3: 'instrument' must be one of bond") for t in text)
    assert any(t.startswith("book.csv line 3: 'issuer'") for t in text)
    assert any(t.startswith("book.csv line 4: 'coupon'") for t in text)
    ok = parse_positions([{"issuer": "meta", "instrument": "credit default swap",
                           "amount": "1", "coupon": "6.5%"}])
    assert ok.positions[0].instrument == "cds"
    assert ok.positions[0].coupon == pytest.approx(0.065)


def test_unknown_issuer_names_the_row_and_the_nearest_ids(web: Web) -> None:
    p = book({"issuer": "oracle", "instrument": "bond", "amount": "1"},
             {"issuer": "oracl", "instrument": "bond", "amount": "1"},
             {"contract": "orcl_2025_09_2036", "instrument": "bond", "amount": "1"})
    with pytest.raises(DataError) as err:
        map_portfolio(web, p)
    issues = err.value.issues
    assert [(i.line, i.field) for i in issues] == [(3, "issuer"), (4, "contract")]
    assert "nearest: oracle" in issues[0].rule
    assert "orcl_2025_09_2035" in issues[1].rule


def test_a_position_larger_than_the_web_is_a_warning(web: Web) -> None:
    mapped = map_portfolio(web, book({"contract": "crwv_notes_2030", "instrument": "bond",
                                      "amount": "5"}))
    assert len(mapped.warnings) == 1
    assert "book.csv line 2" in mapped.warnings[0]
    assert "2.5x" in mapped.warnings[0]  # USD 5bn against the USD 2bn of notes


def test_debt_and_equity_losses_are_read_off_the_engine(web: Web) -> None:
    p = book({"id": "b", "contract": "crwv_notes_2030", "instrument": "bond", "amount": "0.5"},
             {"id": "e", "issuer": "nvidia", "instrument": "equity", "amount": "2"})
    cw = compile_web(web)
    mapped = map_portfolio(web, p)
    result = run(cw, "atlantic-crash")
    loss = position_losses(mapped, result, cw)
    # reference: the bond is a 0.5/pool slice of what the pool's inside holders lost
    ids = set(mapped.maps[0].contracts)
    inside = [j for j, c in enumerate(result.contract_ids)
              if c in ids and result.contract_holder[j] != "outside"]
    rate = result.contract_loss[0, inside].sum() / cw.amount[inside].sum()
    assert loss[0, :, 0].sum() == pytest.approx(0.5 * rate)
    assert loss[0, :, 0].sum() > 0  # CoreWeave's notes lose in the crash
    assert loss[0, :, 0, 2].sum() == 0.0  # no equity mark on a bond
    # equity: the fall of NVIDIA's value index, quarter by quarter
    i = result.entity_ids.index("nvidia")
    assert loss[0, :, 1, 2].sum() == pytest.approx(2 * (1 - result.valuation[0, -1, i]))
    np.testing.assert_allclose(loss[0, :, 1, :2], 0.0)


def test_losses_scale_with_the_amount_and_split_by_default_quarter(web: Web) -> None:
    one = run_portfolio(web, book({"issuer": "coreweave", "instrument": "bond", "amount": "1"}),
                        worst_of=())
    two = run_portfolio(web, book({"issuer": "coreweave", "instrument": "bond", "amount": "2"}),
                        worst_of=())
    np.testing.assert_allclose(two.loss, 2 * one.loss)
    q = one.by_quarter()
    assert q["cumulative_loss_usd_bn"].iloc[-1] == pytest.approx(one.total[0])


def test_monte_carlo_gives_var_es_and_drivers(web: Web) -> None:
    p = read_portfolio(EXAMPLE)
    r = run_portfolio(web, p, "atlantic-crash", n_paths=24, seed=1, worst_of=())
    again = run_portfolio(web, p, "atlantic-crash", n_paths=24, seed=1, worst_of=())
    np.testing.assert_array_equal(r.total, again.total)
    assert r.n_paths == 24
    assert r.expected_shortfall() >= r.var() - 1e-12
    assert r.var() >= np.median(r.total)
    drivers = r.drivers()
    assert set(drivers["assumption"]) == set(r.input_names)
    assert drivers["rank_correlation"].abs().is_monotonic_decreasing
    assert float(r.total.std()) > 0  # the paths differ


def test_the_example_runs_through_every_preset(web: Web) -> None:
    r = run_portfolio(web, read_portfolio(EXAMPLE))
    frame = r.by_position()
    assert len(frame) == 9
    assert set(frame["worst_scenario"]) <= {*PRESETS, "none (no preset loses)"}
    assert (frame["worst_loss_usd_bn"] >= frame["loss_usd_bn"] - 1e-9).all()
    assert r.total[0] > 0


def test_cli_table_json_export_and_errors(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "book.xlsx"
    assert app_main(["portfolio", str(EXAMPLE), "--json", "--export", str(out)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["positions"]) == 9
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"positions_usd_bn", "quarters_usd_bn", "summary"} <= set(sheets)
    assert sheets["positions_usd_bn"]["loss_usd_bn"].sum() == pytest.approx(
        payload["total_usd_bn"])
    bad = tmp_path / "bad.csv"
    bad.write_text("issuer,instrument,amount\nOracle Corp,bond,1\n")
    assert app_main(["portfolio", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv line 2: 'issuer'" in err
    assert "oracle" in err


def test_xlsx_portfolio_reads_like_csv(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    pd.read_csv(EXAMPLE).to_excel(path, index=False)
    assert read_portfolio(path) == read_portfolio(EXAMPLE).__class__(
        read_portfolio(EXAMPLE).positions, "book.xlsx")


@pytest.mark.parametrize(("name", "data"), [("book.xlsx", b"not a workbook"),
                                            ("book.csv", b"issuer,instrument\n"),
                                            ("book.txt", b"x")])
def test_bad_portfolio_files_exit_2(tmp_path: Path, name: str, data: bytes,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert app_main(["portfolio", str(path)]) == 2
    assert name in capsys.readouterr().err
