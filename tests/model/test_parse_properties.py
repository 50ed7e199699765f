"""Hypothesis: random corruptions of valid rows are each reported, all at once.

Each corruption changes one cell (or appends a duplicate row) of the small valid web in
``conftest.py`` and says which issue (file, row, field) it must produce. Several
corruptions on distinct rows must all be reported in one :class:`DataError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bubblescope.model.errors import DataError
from bubblescope.model.kinds import DIRECTION
from bubblescope.model.parse import build_web

Tables = dict[str, list[dict[str, Any]]]
AS_OF = dt.date(2025, 12, 31)


@dataclass(frozen=True)
class Corruption:
    """Set ``updates`` on row ``row`` (1-based) of ``table``; expect an issue on ``field``.

    ``row = 0`` appends a copy of row 1 with ``updates`` (a duplicate) instead.
    """

    table: str
    row: int
    updates: tuple[tuple[str, str], ...]
    field: str
    #: Other rows the expected issue depends on (a direction check needs the entity's kind).
    needs: tuple[tuple[str, int], ...] = ()

    def apply(self, tables: Tables) -> tuple[str, int, str]:
        rows = tables[self.table]
        if self.row == 0:
            rows.append({**rows[0], **dict(self.updates)})
            return f"{self.table}.csv", len(rows) + 1, self.field  # the header is line 1
        rows[self.row - 1].update(dict(self.updates))
        return f"{self.table}.csv", self.row + 1, self.field


BAD_NUMBERS = ("-3", "abc", "nan", "inf", "-0.5", "1e400", "1,5", "")
UNKNOWN = st.text("abcxyz_", min_size=3, max_size=8).map(lambda s: "zz_" + s)


def _cell(table: str, field: str, values: st.SearchStrategy[str], n: int,
          expect: str | None = None) -> st.SearchStrategy[Corruption]:
    return st.builds(lambda r, v: Corruption(table, r, ((field, v),), expect or field),
                     st.integers(1, n), values)


def corruptions(base: Tables) -> st.SearchStrategy[Corruption]:
    """Every kind of corruption the validators must catch."""
    nc, ne, nf, ns = (len(base[t]) for t in ("contracts", "entities", "figures", "sources"))
    direction = _direction_options(base)
    seeds = [i for i, s in enumerate(base["sources"], 1) if s["kind"] == "seed"]
    return st.one_of(
        _cell("contracts", "amount", st.sampled_from(BAD_NUMBERS), nc),
        _cell("contracts", "kind", UNKNOWN, nc),
        _cell("contracts", "status", UNKNOWN, nc),
        _cell("contracts", "confidence", st.sampled_from(["sure", "HIGHISH", ""]), nc),
        _cell("contracts", "rate", st.sampled_from(["abc", "2", "-0.5", "nan"]), nc),
        _cell("contracts", "ltv", st.sampled_from(["3", "-1", "x"]), nc),
        _cell("contracts", "on_balance_sheet", st.sampled_from(["maybe", "2"]), nc),
        _cell("contracts", "start", st.sampled_from(["2025-13-01", "yesterday", "01/02/2025"]),
              nc),
        _cell("contracts", "holder", UNKNOWN, nc),
        _cell("contracts", "obligor", UNKNOWN, nc),
        _cell("contracts", "source_ids", UNKNOWN, nc),
        _cell("contracts", "source_ids", st.sampled_from(["", " ; ", ";"]), nc),
        st.builds(lambda r: Corruption("contracts", r, (("start", "2030-06-01"),
                                                        ("maturity", "2030-05-31")), "maturity"),
                  st.integers(1, nc)),
        st.sampled_from(direction),
        _cell("entities", "kind", UNKNOWN, ne),
        _cell("entities", "id", st.just(""), ne),
        _cell("entities", "source_ids", UNKNOWN, ne),
        _cell("figures", "entity_id", UNKNOWN, nf),
        _cell("figures", "source_ids", st.sampled_from(["", ";"]), nf),
        _cell("figures", "year", st.sampled_from(["abc", "1800", "20.5", ""]), nf),
        _cell("figures", "value", st.sampled_from(["x", "nan", "inf", ""]), nf),
        _cell("figures", "metric", UNKNOWN, nf),
        _cell("sources", "kind", UNKNOWN, ns),
        _cell("sources", "date", st.sampled_from(["2025-02-30", "soon"]), ns),
        _cell("sources", "citation", st.just(""), ns),
        st.builds(lambda r: Corruption("sources", r, (("quote", ""),), "quote"),
                  st.sampled_from(seeds)),
        st.sampled_from([Corruption(t, 0, (), "metric" if t == "figures" else "id")
                         for t in ("sources", "entities", "figures", "contracts")]),
    )


def _direction_options(base: Tables) -> list[Corruption]:
    kinds = {e["id"]: e["kind"] for e in base["entities"]}
    rows = {e["id"]: j for j, e in enumerate(base["entities"], 1)}
    out = []
    for i, c in enumerate(base["contracts"], 1):
        rule = DIRECTION[c["kind"]]
        for end, allowed in (("holder", rule.holders), ("obligor", rule.obligors)):
            other = c["obligor" if end == "holder" else "holder"]
            out += [Corruption("contracts", i, ((end, eid),), end, (("entities", rows[eid]),))
                    for eid, kind in kinds.items() if kind not in allowed and eid != other]
    return out


def _distinct(items: list[Corruption]) -> list[Corruption]:
    """Keep corruptions that touch different rows.

    A duplicate (``row == 0``) copies row 1, so it also claims row 1: corrupting row 1 as
    well could remove the duplicate key it relies on.
    """
    seen: set[tuple[str, int]] = set()
    out = []
    for c in items:
        keys = {(c.table, 0), (c.table, 1)} if c.row == 0 else {(c.table, c.row)}
        keys |= set(c.needs)
        if not keys & seen:
            seen |= keys
            out.append(c)
    return out


def _reported(tables: Tables) -> set[tuple[str, int | None, str]]:
    with pytest.raises(DataError) as info:
        build_web("bad", AS_OF, tables)
    issues = info.value.issues
    assert all(i.rule and i.file for i in issues)
    return {(i.file, i.line, i.field) for i in issues}


def test_the_uncorrupted_tables_are_valid(fresh: Callable[[], Tables]) -> None:
    web = build_web("ok", AS_OF, fresh())
    assert len(web.contracts) == len(fresh()["contracts"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_single_corruption_is_reported_where_it_is(
    fresh: Callable[[], Tables], data: st.DataObject,
) -> None:
    tables = fresh()
    corruption = data.draw(corruptions(tables))
    expected = corruption.apply(tables)
    assert expected in _reported(tables)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_several_corruptions_are_all_reported_at_once(
    fresh: Callable[[], Tables], data: st.DataObject,
) -> None:
    tables = fresh()
    chosen = _distinct(data.draw(st.lists(corruptions(tables), min_size=2, max_size=6)))
    expected = {c.apply(tables) for c in chosen}
    reported = _reported(tables)
    assert expected <= reported, f"missing: {expected - reported}"


def test_several_errors_in_one_row_are_all_reported(fresh: Callable[[], Tables]) -> None:
    tables = fresh()
    tables["contracts"][1].update(amount="-3", holder="ghost", source_ids="s_seed;nope",
                                  rate="abc")
    reported = _reported(tables)
    assert {("contracts.csv", 3, f) for f in ("amount", "holder", "source_ids", "rate")} <= reported


def test_duplicate_ids_are_reported_on_the_row_that_repeats(
    fresh: Callable[[], Tables],
) -> None:
    tables = fresh()
    first = dict(tables["contracts"][0])
    tables["contracts"].insert(0, {**first, "holder": "households_401k", "obligor": "openai",
                                   "kind": "compute_commitment"})
    reported = _reported(tables)
    assert ("contracts.csv", 3, "id") in reported  # the header is line 1
    # the direction problem stays on the row it is in, not on the duplicate's row
    assert ("contracts.csv", 2, "holder") in reported
