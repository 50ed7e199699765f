"""The deal-leg importer on the real trackers and on corrupted copies."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bubblescope.model.errors import DataError
from bubblescope.model.inputs import read_csv
from bubblescope.model.web import Web
from bubblescope.store.deal_legs import (
    MissingAmountWarning,
    import_deal_legs,
    import_leg_rows,
    read_leg_rows,
)
from bubblescope.store.duckdb_store import open_store
from bubblescope.store.leg_mapping import KEVIN_MAPPING, LegRule, load_mapping

KEVIN = "ai_circular_deals_kevin19980730.csv"
EDGES = "ai_circular_financing_edges_20260603.json"


def _contract(web: Web, deal: str, kind: str | None = None) -> list[tuple[str, str, str, float]]:
    return [(c.kind, c.holder, c.obligor, c.amount) for c in web.contracts
            if c.deal == deal and (kind is None or c.kind == kind)]


def test_the_kevin_tracker_imports_with_empty_amounts_skipped(shared_data: Path) -> None:
    with pytest.warns(MissingAmountWarning, match="93 legs without an amount were skipped"):
        result = import_deal_legs(shared_data / KEVIN)
    web = result.web
    assert result.n_rows == 174
    assert len(result.contract_rows) == 81
    assert len(result.skipped_rows) == 93
    assert len(web.contracts) == 81
    assert web.as_of.isoformat() == "2026-10-07"
    assert _contract(web, "openai-oracle-2025-07") == [
        ("compute_commitment", "oracle", "openai", 300.0)]
    assert _contract(web, "aws-openai-2025-11") == [
        ("compute_commitment", "amazon", "openai", 38.0)]
    loi = [c for c in web.contracts if c.deal == "nvda-openai-loi-2025-09"]
    assert [(c.kind, c.holder, c.obligor, c.amount, c.status) for c in loi] == [
        ("equity_stake", "nvidia", "openai", 100.0, "superseded")]
    assert "status in file: superseded" in loi[0].note
    assert _contract(web, "avgo-xpv-2026-06") == [("guarantee", "anthropic", "broadcom", 35.0)]
    assert _contract(web, "marvell-google-2026-08") == [("warrant", "google", "marvell", 12.2)]
    assert _contract(web, "avgo-openai-fin-2026-10", "loan") == [
        ("loan", "broadcom", "openai", 50.0)]
    assert _contract(web, "goog-characterai-2024-08") == [
        ("customer_revenue", "character_ai", "google", 2.7)]


def test_rows_in_memory_import_like_the_file(shared_data: Path) -> None:
    rows, as_of = read_leg_rows(shared_data / KEVIN)
    with pytest.warns(MissingAmountWarning):
        from_file = import_deal_legs(shared_data / KEVIN, name="k")
    with pytest.warns(MissingAmountWarning):
        from_rows = import_leg_rows(rows, str(shared_data / KEVIN), name="k", as_of=as_of)
    assert from_rows.web == from_file.web
    assert from_rows.skipped_rows == from_file.skipped_rows
    bad = [dict(rows[0], **{KEVIN_MAPPING.columns["amount"]: "-3"}), *rows[1:]]
    with pytest.raises(DataError, match=r"upload\.csv line 2: .usd_bn. must be a finite number"):
        import_leg_rows(bad, "upload.csv", name="k")


def test_superseded_legs_do_not_count(shared_data: Path) -> None:
    with pytest.warns(MissingAmountWarning):
        web = import_deal_legs(shared_data / KEVIN).web
    superseded = sum(c.amount for c in web.contracts if c.status == "superseded")
    assert superseded > 0
    total = sum(c.amount for c in web.contracts)
    assert web.totals_by_kind().sum() == pytest.approx(total - superseded)


def test_the_headline_option_fills_legs_and_says_so(shared_data: Path) -> None:
    with pytest.warns(MissingAmountWarning, match="83 legs without an amount took their deal"):
        result = import_deal_legs(shared_data / KEVIN, empty_amount="headline")
    assert (len(result.contract_rows), len(result.skipped_rows)) == (164, 10)
    stargate = [c for c in result.web.contracts if c.deal == "stargate-2025-01"]
    assert len(stargate) == 5
    assert all(c.status == "superseded" and c.amount == 500.0 for c in stargate)
    assert all(c.confidence == "low" and "headline" in c.note for c in stargate)
    not_counted = {r.line for r in read_csv(shared_data / KEVIN)
                   if r["in_totals"] == "0" or r["status"].startswith("superseded")}
    assert set(result.superseded_rows) == not_counted & set(result.contract_rows)


def test_entities_and_sources_made_by_the_import_are_flagged(shared_data: Path) -> None:
    with pytest.warns(MissingAmountWarning):
        result = import_deal_legs(shared_data / KEVIN, empty_amount="headline")
    web = result.web
    assert set(result.created_entities) == {e.id for e in web.entities}
    assert all("created by the deal-leg import" in e.note for e in web.entities)
    assert web.entity("nvidia").kind == "chipmaker"
    g42 = web.entity("g42")
    assert g42.kind == "other"
    assert "not in the mapping" in g42.note
    assert web.source_by_id["kevin19980730_deals"].kind == "dataset"
    assert all(c.source_ids[0] == "kevin19980730_deals" and len(c.source_ids) >= 2
               for c in web.contracts)
    kinds = {s.kind for s in web.sources if "sec.gov" in s.citation}
    assert kinds == {"filing"}


def test_an_imported_web_round_trips_through_the_store(shared_data: Path, tmp_path: Path) -> None:
    with pytest.warns(MissingAmountWarning):
        web = import_deal_legs(shared_data / KEVIN, name="kevin").web
    with open_store(tmp_path / "s.duckdb") as store:
        store.save_web(web)
        assert store.load_web("kevin") == web


def test_the_json_edges_file_imports_payer_to_payee(shared_data: Path) -> None:
    with pytest.warns(MissingAmountWarning, match="6 legs without an amount were skipped"):
        result = import_deal_legs(shared_data / EDGES)
    web = result.web
    assert web.as_of.isoformat() == "2026-06-03"
    assert len(web.contracts) == 6
    flows = {(c.kind, c.holder, c.obligor): c for c in web.contracts}
    commitment = flows["compute_commitment", "coreweave", "openai"]
    assert commitment.amount == 18.4
    assert commitment.start is not None
    loi = flows["equity_stake", "nvidia", "openai"]
    assert (loi.amount, loi.status, loi.confidence) == (100.0, "announced", "low")
    assert flows["equity_stake", "microsoft", "openai"].confidence == "high"


def test_a_base_web_supplies_known_entities(shared_data: Path, small_web: Web) -> None:
    with pytest.warns(MissingAmountWarning):
        result = import_deal_legs(shared_data / EDGES, base=small_web, name="merged")
    web = result.web
    assert set(small_web.contracts) <= set(web.contracts)
    assert "nvidia" not in result.created_entities
    assert web.entity("nvidia") == small_web.entity("nvidia")
    assert len(web.contracts) == len(small_web.contracts) + 6


LEG_HEADER = ("deal_id,date,deal,from,to,leg_type,usd_bn,leg_note,headline_usd_bn,"
              "headline_note,bis_category,status,confidence,in_totals,sources,origin")


def _legs(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "legs.csv"
    path.write_text("\n".join([LEG_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = "d1,2025-01-02,Deal,Nvidia,OpenAI,investment,5,,5,,x,closed,high,1,https://a.example"


def test_every_bad_row_is_reported_at_once(tmp_path: Path) -> None:
    path = _legs(
        tmp_path, GOOD,
        "d2,2025-13-01,Deal,Nvidia,OpenAI,investment,5,,5,,x,closed,high,1,https://a",
        "d3,2025-01-02,Deal,Nvidia,OpenAI,gift,5,,5,,x,closed,high,1,https://a",
        "d4,2025-01-02,Deal,Nvidia,OpenAI,investment,-5,,5,,x,closed,high,1,https://a",
        "d5,2025-01-02,Deal,Nvidia,OpenAI,investment,5,,5,,x,rumoured,high,1,https://a",
        "d6,2025-01-02,Deal,Nvidia,OpenAI,investment,5,,5,,x,closed,sure,1,https://a",
        "d7,2025-01-02,Deal,,OpenAI,investment,5,,5,,x,closed,high,1,https://a",
        "d8,2025-01-02,Deal,Nvidia,OpenAI,investment,5,,5,,x,closed,high,2,https://a",
        "d9,2025-01-02,Deal,Nvidia,OpenAI,investment,5,,5,,x,closed,high,1,",
        "d10,2025-01-02,Deal,Nvidia,OpenAI,investment,lots,,5,,x,closed,high,1,https://a",
    )
    with pytest.raises(DataError) as info:
        import_deal_legs(path)
    found = {(i.file, i.line, i.field, i.value) for i in info.value.issues}
    file = str(path)
    assert found == {  # file lines: the header is line 1, GOOD line 2
        (file, 3, "date", "2025-13-01"), (file, 4, "leg_type", "gift"),
        (file, 5, "usd_bn", "-5"), (file, 6, "status", "rumoured"),
        (file, 7, "confidence", "sure"), (file, 8, "from", ""), (file, 9, "in_totals", "2"),
        (file, 10, "sources", ""), (file, 11, "usd_bn", "lots"),
    }
    lines = path.read_text(encoding="utf-8").splitlines()
    assert all(value in lines[line - 1] for _, line, _, value in found)


def test_web_level_problems_are_traced_back_to_the_leg_row(tmp_path: Path) -> None:
    path = _legs(
        tmp_path, GOOD,
        "d2,2025-01-02,Deal,OpenAI,OpenAI,investment,5,,5,,x,closed,high,1,https://a",
        "d3,2025-01-02,Deal,Retail,OpenAI,investment,5,,5,,x,closed,high,1,https://a",
    )
    mapping = load_mapping(_yaml(tmp_path, "entities:\n  Retail: {id: retail, kind: household}\n"
                                 "legs:\n  investment: {kind: equity_stake, holder: to}\n"))
    with pytest.raises(DataError) as info:
        import_deal_legs(path, mapping)
    found = {(i.line, i.field) for i in info.value.issues}
    # line 3: a claim on oneself (reported on the obligor's column);
    # line 4: a household cannot be the investee of an equity stake (holder=to → obligor=from)
    assert found == {(3, "from"), (4, "from")}
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[3 - 1].startswith("d2,")
    assert lines[4 - 1].startswith("d3,")
    assert all(i.file == str(path) for i in info.value.issues)


def test_missing_columns_and_empty_files_are_file_level_errors(tmp_path: Path) -> None:
    path = tmp_path / "legs.csv"
    path.write_text("date,from,to\n2025-01-01,a,b\n")
    with pytest.raises(DataError) as info:
        import_deal_legs(path)
    assert {i.field for i in info.value.issues} == {"leg_type", "usd_bn", "status",
                                                     "confidence", "sources"}
    assert all(i.line is None for i in info.value.issues)
    path.write_text(LEG_HEADER + "\n")
    with pytest.raises(DataError, match="must hold at least one deal leg"):
        import_deal_legs(path)
    with pytest.raises(DataError, match="must be a deal-leg CSV or JSON file"):
        import_deal_legs(tmp_path / "nope.csv")


def test_bad_json_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_text("{not json")
    with pytest.raises(DataError, match="must be UTF-8 JSON"):
        read_leg_rows(path)
    path.write_text('{"edges": [1, 2]}')
    with pytest.raises(DataError, match="must be a list of objects"):
        read_leg_rows(path)
    path.write_text('[{"from": "A", "to": "B"}]')
    rows, as_of = read_leg_rows(path)
    assert (rows, as_of) == ([{"from": "A", "to": "B"}], None)


def test_as_of_needs_a_dated_leg_or_an_argument(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_text('{"edges": [{"from": "NVIDIA", "to": "OpenAI", "flow_type": '
                    '"equity_investment", "amount_usd": 1e9, "date": "ongoing", "binding": true,'
                    ' "source_tier": "inferred", "source_uri": "https://x"}]}')
    with pytest.raises(DataError, match="must date at least one leg"):
        import_deal_legs(path)
    import datetime as dt

    web = import_deal_legs(path, as_of=dt.date(2026, 1, 1)).web
    assert web.contracts[0].start is None
    assert web.contracts[0].amount == 1.0


def _yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_yaml_mapping_renames_columns_and_adds_entities(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("when,payer,payee,type,bn,state,conf,links\n"
                    "2025-05-01,Acme Cloud,OpenAI,buy,2.5,signed,A,https://x; https://y\n",
                    encoding="utf-8")
    mapping = load_mapping(_yaml(tmp_path, """
columns: {date: when, from: payer, to: payee, leg_type: type, amount: bn, status: state,
          confidence: conf, sources: links}
legs:
  buy: {kind: customer_revenue, holder: to, kind_by_holder_kind: {neocloud: compute_commitment}}
statuses: {signed: closed}
confidences: {A: high}
sources_separator: ";"
entities:
  Acme Cloud: {id: acme, kind: neocloud, name: Acme Cloud Inc.}
dataset_source: {}
"""))
    assert mapping.entities["Nvidia"].id == "nvidia"  # merged with the defaults
    result = import_deal_legs(path, mapping, name="acme")
    (c,) = result.web.contracts
    assert (c.kind, c.holder, c.obligor, c.amount, c.status) == (
        "customer_revenue", "openai", "acme", 2.5, "closed")
    assert len(c.source_ids) == 2
    assert result.web.entity("acme").name == "Acme Cloud Inc."
    assert "acme" in str(result)
    assert "1 contracts" in str(result)


def test_a_bad_mapping_reports_every_problem(tmp_path: Path) -> None:
    path = _yaml(tmp_path, """
colour: red
columns: {date: when, weather: sky}
legs:
  gift: {kind: present, holder: both}
statuses: {signed: sealed}
confidences: {A: certain}
entities:
  X: {id: x, kind: wizard}
empty_amount: guess
amount_scale: -1
""")
    with pytest.raises(DataError) as info:
        load_mapping(path)
    fields = {i.field for i in info.value.issues}
    assert fields >= {"colour", "columns.from", "columns.weather", "legs.gift.kind",
                      "legs.gift.holder", "statuses.signed", "confidences.A",
                      "entities.X.kind", "empty_amount", "amount_scale"}
    assert all(i.file == str(path) for i in info.value.issues)


def test_a_mapping_of_the_wrong_shape_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="has the wrong shape"):
        load_mapping(_yaml(tmp_path, "legs: [1, 2]\n"))
    with pytest.raises(DataError, match="must be a YAML mapping"):
        load_mapping(_yaml(tmp_path, "- 1\n"))
    with pytest.raises(DataError, match=r"missing\.yaml: 'file' must exist"):
        load_mapping(tmp_path / "missing.yaml")


def test_leg_rules_pick_the_kind_by_holder_kind() -> None:
    rule = KEVIN_MAPPING.legs["purchase"]
    assert rule.kind_for("neocloud") == "compute_commitment"
    assert rule.kind_for("chipmaker") == "customer_revenue"
    assert LegRule("loan", "from").kind_for("bank") == "loan"
    assert dataclasses.replace(KEVIN_MAPPING, amount_scale=2.0).column("amount") == "usd_bn"


FIELDS = {"date": "2025-02-30", "leg_type": "donation", "usd_bn": "-1", "status": "maybe",
          "confidence": "certain", "in_totals": "yes", "sources": "", "from": ""}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(picks=st.lists(st.tuples(st.integers(1, 30), st.sampled_from(sorted(FIELDS))),
                      min_size=1, max_size=5, unique_by=lambda p: p[0]))
def test_corrupted_rows_of_the_real_tracker_are_each_reported(
    shared_data: Path, tmp_path: Path, picks: list[tuple[int, str]],
) -> None:
    with open(shared_data / KEVIN, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[:30]
    for row, field in picks:
        rows[row - 1][field] = FIELDS[field]
    path = tmp_path / "corrupt.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(DataError) as info:
        import_deal_legs(path)
    found = {(i.file, i.line, i.field) for i in info.value.issues}
    line_of = [r.line for r in read_csv(path)]  # a quoted newline moves later rows down
    assert {(str(path), line_of[row - 1], field) for row, field in picks} <= found
