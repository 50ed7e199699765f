"""Unit tests of the boundary validation in :mod:`bubblescope.model.parse`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bubblescope.model.errors import DataError, Issue
from bubblescope.model.inputs import parse_csv
from bubblescope.model.parse import (
    _Reader,
    build_web,
    parse_contracts,
    parse_entities,
    parse_figures,
    parse_sources,
)

Tables = dict[str, list[dict[str, Any]]]
AS_OF = dt.date(2025, 12, 31)


def _issues(tables: Tables) -> list[Issue]:
    with pytest.raises(DataError) as info:
        build_web("bad", AS_OF, tables)
    return list(info.value.issues)


def test_build_web_keeps_every_row_and_attaches_figures(tables: Tables) -> None:
    web = build_web("small", AS_OF, tables, description="d")
    assert (web.name, web.as_of, web.description) == ("small", AS_OF, "d")
    assert [e.id for e in web.entities][:2] == ["nvidia", "openai"]
    nvidia = web.entity("nvidia")
    assert [(f.year, f.value) for f in nvidia.figures] == [(2024, 43.2), (2025, 60.6)]
    loan = next(c for c in web.contracts if c.id == "c_loan")
    assert loan.start == dt.date(2023, 8, 1)
    assert (loan.rate, loan.ltv, loan.seniority, loan.collateral) == (0.11, 0.7,
                                                                       "senior_secured", "H100")
    assert loan.source_ids == ("s_filing", "s_assume")
    lease = next(c for c in web.contracts if c.id == "c_lease")
    assert lease.on_balance_sheet is False
    assert lease.seniority == "senior"  # the default
    assert next(c for c in web.contracts if c.id == "c_abs").tranche == "senior"


def test_file_names_default_to_the_table_and_can_be_given(tables: Tables) -> None:
    tables["contracts"][0]["amount"] = "-1"
    with pytest.raises(DataError) as info:
        build_web("bad", AS_OF, tables, files={"contracts": "deals/c.csv"})
    assert info.value.issues[0].file == "deals/c.csv"


def test_a_missing_required_column_and_an_unknown_column_are_reported() -> None:
    rows = [{"id": "s1", "kind": "filing", "colour": "red"}]
    _, issues = parse_sources(rows)
    missing = Issue("sources.csv", None, "citation", "is a required column and is missing", "")
    assert missing in issues
    assert any(i.field == "colour" and "is not a column of sources" in i.rule for i in issues)


def test_surplus_fields_of_a_csv_row_are_reported_on_their_line() -> None:
    text = "id,kind,citation\ns1,filing,x\ns2,filing,y,a,b\n"
    with pytest.raises(DataError) as err:
        parse_csv(text, "sources.csv")
    assert err.value.issues == (Issue("sources.csv", 3, "(extra fields)", "must not exist: the "
                                      "row has more fields than the header", "a,b"),)
    assert text.splitlines()[3 - 1].endswith(",a,b")


def test_empty_tables_parse_to_nothing() -> None:
    assert parse_entities([]) == ([], [])


def test_a_seed_source_needs_its_quoted_passage() -> None:
    _, issues = parse_sources([{"id": "s", "kind": "seed", "citation": "a.md", "quote": " "}])
    assert [(i.field, i.rule) for i in issues] == [
        ("quote", "is required for a seed source: the quoted passage")]


def test_bad_figure_fields_are_each_named() -> None:
    rows = [{"entity_id": "x", "metric": "vibes", "year": "20x5", "value": "lots",
             "confidence": "sure", "source_ids": ""}]
    _, issues = parse_figures(rows)
    assert {i.field for i in issues} == {"metric", "year", "value", "confidence", "source_ids"}
    assert all(i.line == 2 and i.file == "figures.csv" for i in issues)  # header = line 1


def test_a_year_out_of_range_is_rejected() -> None:
    rows = [{"entity_id": "x", "metric": "cash", "year": "1776", "value": "1",
             "confidence": "high", "source_ids": "s"}]
    _, issues = parse_figures(rows)
    assert issues == [Issue("figures.csv", 2, "year", "must be a whole number from 1900 to 2100",
                            "1776")]


def _contract(**kw: str) -> dict[str, str]:
    return {"id": "c", "kind": "loan", "holder": "a", "obligor": "b", "amount": "1",
            "status": "closed", "confidence": "high", "source_ids": "s", **kw}


@pytest.mark.parametrize(
    ("updates", "field", "rule"),
    [
        ({"amount": "-3"}, "amount", "must be >= 0 in USD billions"),
        ({"amount": "abc"}, "amount", "must be a number in USD billions (ASCII decimal)"),
        ({"amount": "nan"}, "amount", "must be a number in USD billions (ASCII decimal)"),
        ({"amount": "١٢٣"}, "amount", "must be a number in USD billions (ASCII decimal)"),
        ({"amount": "1_000"}, "amount", "must be a number in USD billions (ASCII decimal)"),
        ({"amount": "1e999"}, "amount", "must be a finite number in USD billions"),
        ({"amount": "1.7e308"}, "amount", "must be <= 100000 in USD billions"),
        ({"note": "a\x00b"}, "note", "must not contain NUL or other control characters"),
        ({"note": "x" * 20_001}, "note", "must be at most 20000 characters (got 20001)"),
        ({"amount": ""}, "amount", "is required: a number in USD billions"),
        ({"rate": "1.5"}, "rate", "must be <= 1 (decimal per year)"),
        ({"start": "2025-02-30"}, "start", "must be a date YYYY-MM-DD"),
        ({"on_balance_sheet": "perhaps"}, "on_balance_sheet", "must be true or false"),
        ({"kind": "abs_note", "tranche": ""}, "tranche", "is required for an abs_note: one of "
         "senior, mezzanine, equity"),
        ({"tranche": "junior"}, "tranche", "must be one of senior, mezzanine, equity"),
        ({"obligor": "a"}, "obligor", "must differ from holder (no claim on oneself)"),
        ({"start": "2030-01-02", "maturity": "2030-01-01"}, "maturity",
         "must not be before start (2030-01-02)"),
        ({"id": ""}, "id", "is required and must not be empty"),
        ({"source_ids": ";"}, "source_ids",
         "must name at least one source id (separate several with ';')"),
    ],
)
def test_each_contract_rule_names_field_and_rule(
    updates: dict[str, str], field: str, rule: str,
) -> None:
    _, issues = parse_contracts([_contract(**updates)])
    assert [(i.field, i.rule) for i in issues] == [(field, rule)]


@pytest.mark.parametrize(("raw", "value"), [("TRUE", True), ("yes", True), ("0", False),
                                             ("no", False), ("", True)])
def test_booleans_read_the_usual_spellings(raw: str, value: bool) -> None:
    contracts, issues = parse_contracts([_contract(on_balance_sheet=raw)])
    assert issues == []
    assert contracts[0].on_balance_sheet is value


def test_reader_date_can_be_required() -> None:
    reader = _Reader("f.csv", 4, {"d": ""})
    assert reader.date("d", required=True) is None
    assert reader.issues == [Issue("f.csv", 4, "d", "is required: a date YYYY-MM-DD", "")]


def test_reader_choice_falls_back_to_its_default_only_when_empty() -> None:
    reader = _Reader("f.csv", 1, {"k": "", "j": "zz"})
    assert reader.choice("k", ("a", "b"), default="b") == "b"
    reader.choice("j", ("a", "b"), default="b")
    assert [i.field for i in reader.issues] == ["j"]


def test_unknown_references_are_reported_in_every_table(tables: Tables) -> None:
    tables["entities"][1]["source_ids"] = "s_seed;ghost_src"
    tables["figures"][2]["entity_id"] = "ghost"
    tables["contracts"][0]["obligor"] = "nobody"
    found = {(i.file, i.line, i.field, i.value) for i in _issues(tables)}
    assert ("entities.csv", 3, "source_ids", "ghost_src") in found
    assert ("figures.csv", 4, "entity_id", "ghost") in found
    assert ("contracts.csv", 2, "obligor", "nobody") in found


def test_a_figure_repeated_for_the_same_entity_and_year_is_reported(tables: Tables) -> None:
    tables["figures"].append(dict(tables["figures"][0]))
    found = _issues(tables)
    assert found == [Issue("figures.csv", 5, "metric", "must be unique per entity and year",
                           "nvidia/cash/2024")]


def test_direction_contradictions_name_the_role_and_the_allowed_kinds(tables: Tables) -> None:
    tables["contracts"][1]["holder"] = "us_banks"  # a bank cannot sell compute
    (issue,) = _issues(tables)
    assert (issue.file, issue.line, issue.field, issue.value) == (
        "contracts.csv", 3, "holder", "us_banks")
    assert issue.rule.startswith("contradicts kind compute_commitment: the holder is the "
                                 "compute seller, which cannot be a bank")


def test_an_entity_of_unknown_kind_does_not_also_raise_direction_noise(tables: Tables) -> None:
    tables["entities"][2]["kind"] = "wizard"
    found = _issues(tables)
    assert [(i.file, i.field) for i in found] == [("entities.csv", "kind")]
