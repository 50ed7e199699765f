"""The debt universe: schedules, derived contracts, validation and coverage."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bubblescope as bs
from bubblescope.cli import app
from bubblescope.model.debt import Holding, Instrument, debt_schedule, derive_contracts
from bubblescope.model.errors import DataError
from bubblescope.model.inputs import read_csv
from bubblescope.store.duckdb_store import open_store
from bubblescope.store.files import read_web_dir, write_web_dir

AS_OF = dt.date(2025, 12, 31)


def _inst(**kw: object) -> Instrument:
    base: dict[str, object] = dict(
        id="a", issuer="x", kind="bond", name="n", date=dt.date(2025, 1, 1), amount=8.0,
        status="closed", confidence="medium", source_ids=("s",), deal="d", coupon=0.04,
        maturity=dt.date(2026, 12, 31), holder_profile="p")
    base.update(kw)
    return Instrument(**base)  # type: ignore[arg-type]


HOLD = (Holding("p", "h1", 0.25, "assumption", "low", ("s",)),
        Holding("p", "h2", 0.75, "published_shares", "low", ("s",)))


def test_bullet_pays_coupon_each_quarter_and_principal_at_maturity() -> None:
    s = debt_schedule([_inst()], HOLD, AS_OF, quarters=8, by=("instrument",))
    assert s["principal"].sum() == pytest.approx(8.0)
    assert s.loc[s["quarter_end"] == dt.date(2026, 12, 31), "principal"].item() == 8.0
    assert s["interest"].tolist() == pytest.approx([0.08] * 4)  # 4% x 8 / 4, until maturity


def test_linear_amortisation_and_holder_split() -> None:
    s = debt_schedule([_inst(amortisation="linear")], HOLD, AS_OF, quarters=8,
                      by=("holder",))
    h2 = s[s["holder"] == "h2"]
    assert h2["principal"].tolist() == pytest.approx([1.5] * 4)  # 8 x 0.75 over 4 quarters
    assert h2["interest"].tolist() == pytest.approx([0.06, 0.045, 0.03, 0.015])


def test_later_issue_enters_at_its_date_and_has_no_contract() -> None:
    late = _inst(id="b", date=dt.date(2026, 5, 1), maturity=dt.date(2027, 3, 31))
    s = debt_schedule([late], HOLD, AS_OF, quarters=8, by=("instrument",))
    assert s["quarter_end"].min() == dt.date(2026, 6, 30)
    assert derive_contracts([late], HOLD, AS_OF) == ()


def test_derived_contract_weights_coupon_and_maturity() -> None:
    two = [_inst(amount=2.0, coupon=0.02, maturity=dt.date(2030, 1, 1)),
           _inst(id="b", amount=6.0, coupon=0.06, maturity=dt.date(2040, 1, 1))]
    got = {d.holder: d for d in derive_contracts(two, HOLD, AS_OF)}
    assert got["h2"].amount == pytest.approx(6.0)
    assert got["h2"].rate == pytest.approx(0.05)
    assert got["h2"].maturity.year in (2037, 2038)  # type: ignore[union-attr]
    assert got["h2"].confidence == "low"


def _copy_default(tmp_path: Path) -> Path:
    return write_web_dir(bs.load_default(), tmp_path / "web")


def _rewrite(path: Path, edit: dict[int, dict[str, str]]) -> None:
    rows = read_csv(path)
    for i, change in edit.items():
        rows[i - 1] = {**rows[i - 1], **change}
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_every_debt_problem_is_reported_at_once(tmp_path: Path) -> None:
    root = _copy_default(tmp_path)
    _rewrite(root / "instruments.csv", {1: {"kind": "lease", "issuer": "nobody"},
                                        2: {"coupon": "abc"}})
    _rewrite(root / "holdings.csv", {1: {"share": "0.5"}})
    with pytest.raises(DataError) as err:
        read_web_dir(root)
    found = {(i.file.rsplit("/", 1)[-1], i.line, i.field) for i in err.value.issues}
    # data row k is line k + 1 (the header is line 1)
    assert ("instruments.csv", 2, "kind") in found
    assert ("instruments.csv", 2, "issuer") in found
    assert ("instruments.csv", 3, "coupon") in found
    assert ("holdings.csv", 2, "share") in found  # shares of the profile no longer sum to 1
    lines = (root / "instruments.csv").read_text(encoding="utf-8").splitlines()
    assert "abc" in lines[3 - 1].split(",")


def test_contract_disagreeing_with_its_instruments_is_rejected(tmp_path: Path) -> None:
    root = _copy_default(tmp_path)
    rows = read_csv(root / "contracts.csv")
    k = next(i for i, r in enumerate(rows, 1) if r["id"] == "hyperion_bond_pimco")
    _rewrite(root / "contracts.csv", {k: {"amount": "19"}})
    with pytest.raises(DataError, match=r"hyperion.*pimco.*18\.000"):
        read_web_dir(root)


def test_default_coverage_is_what_the_instruments_itemize() -> None:
    web = bs.load_default()
    cov = web.debt_coverage()
    ig = cov.row("ig_debt")
    residual = next(i for i in web.instruments if i.id == "ai_ig_residual")
    assert ig.itemized + residual.amount == pytest.approx(1200.0)
    assert ig.residual == pytest.approx(residual.amount)
    assert ig.share >= 0.8  # the issue's goal, with issuer totals from 10-K/10-Q debt notes
    assert ig.share_at_least("medium") >= 0.8  # no low-confidence row counts toward it
    pc = cov.row("private_credit_tech")
    assert pc.itemized == pytest.approx(
        450.0 - next(i.amount for i in web.instruments if i.id == "private_credit_residual"))
    assert cov.row("capex_debt_2025").ratio > 1.0  # seed: "at least $141bn"
    assert "itemized by instrument" in str(bs.model.quality.data_quality(web))


def test_no_holder_split_is_an_unexplained_equal_division() -> None:
    web = bs.load_default()
    for target in {h.target for h in web.holdings}:
        shares = [h for h in web.holdings if h.target == target]
        assert sum(h.share for h in shares) == pytest.approx(1.0, abs=1e-4)
        assert all(h.note and h.source_ids for h in shares)


def test_instruments_survive_store_and_export(tmp_path: Path) -> None:
    web = bs.load_default()
    with open_store(tmp_path / "s.duckdb") as store:
        store.save_web(web)
        again = store.load_web("default")
    assert again.instruments == web.instruments
    assert again.holdings == web.holdings
    assert again.aggregates == web.aggregates
    assert read_web_dir(write_web_dir(web, tmp_path / "out")) == web


def test_cli_show_coverage_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["data", "show", "--coverage", "--json", "--db",
                                      str(tmp_path / "none.duckdb")])
    assert result.exit_code == 0, result.output
    rows = {r["aggregate"]: r for r in json.loads(result.stdout)["coverage"]}
    assert rows["ig_debt"]["itemized"] + rows["ig_debt"]["residual"] == pytest.approx(1200.0)


def test_amortiser_is_repaid_at_its_average_life_in_the_engine_contract() -> None:
    from bubblescope.model.debt import repayment_date

    lin = _inst(amortisation="linear", maturity=dt.date(2029, 12, 31))
    assert repayment_date(lin, AS_OF) == dt.date(2027, 12, 31)
    assert repayment_date(_inst(maturity=dt.date(2029, 12, 31)), AS_OF) == dt.date(2029, 12, 31)
    half = Holding("p", "h1", 1.0, "assumption", "low", ("s",))
    (contract,) = derive_contracts([lin], (half,), AS_OF)
    assert contract.maturity == dt.date(2027, 12, 31)


def test_crossing_check_counts_only_later_tagged_issuance() -> None:
    from bubblescope.model.debt import Aggregate, crossing_check

    ig = Aggregate("ig", "IG", 1200.0, "ig", ("s",))
    later = [_inst(id="b", date=dt.date(2026, 2, 1), amount=25.0, aggregates=("ig",)),
             _inst(id="c", date=dt.date(2026, 3, 1), amount=5.0, aggregates=("hy",)),
             _inst(id="d", date=dt.date(2025, 6, 1), amount=9.0, aggregates=("ig",))]
    check = crossing_check(later, ig, 1900.0, AS_OF)
    assert (check.issued_after, check.reached, check.gap) == (25.0, 1225.0, 675.0)
    assert check.last_date == dt.date(2026, 2, 1)
    web = bs.load_default()
    target = web.entity("ai_sector").figure("debt", 2026)
    assert target is not None
    assert target.value == 1900.0
    real = crossing_check(web.instruments, web.aggregates[0], target.value, web.as_of)
    assert 0 < real.issued_after < real.gap  # named 2026 deals fall far short of $700bn
