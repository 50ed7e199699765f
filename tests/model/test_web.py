"""Unit tests of the frozen web and its derived views."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pytest

from bubblescope.model.parse import build_web
from bubblescope.model.web import Web

Tables = dict[str, list[dict[str, Any]]]


@pytest.fixture
def web(tables: Tables) -> Web:
    return build_web("small", dt.date(2025, 12, 31), tables)


def test_repr_summarises_the_web(web: Web) -> None:
    assert repr(web) == "Web('small', as_of=2025-12-31, 7 entities, 6 contracts, 3 sources)"


def test_webs_are_frozen_and_compare_by_value(web: Web, tables: Tables) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        web.name = "other"  # type: ignore[misc]
    assert web == build_web("small", dt.date(2025, 12, 31), tables)


def test_lookups(web: Web) -> None:
    assert web.index["nvidia"] == 0
    assert web.entity("oracle").kind == "hyperscaler"
    assert web.source_by_id["s_seed"].kind == "seed"
    with pytest.raises(KeyError, match="no entity 'ghost' in web 'small'"):
        web.entity("ghost")


def test_entity_figure_picks_the_year_or_the_latest(web: Web) -> None:
    nvidia = web.entity("nvidia")
    latest = nvidia.figure("cash")
    assert latest is not None
    assert latest.year == 2025
    early = nvidia.figure("cash", 2024)
    assert early is not None
    assert early.value == 43.2
    assert nvidia.figure("debt") is None


def test_contracts_of_and_active(web: Web) -> None:
    assert {c.id for c in web.contracts_of("coreweave")} == {"c_loan", "c_old"}
    assert "c_old" not in {c.id for c in web.active()}
    assert len(web.active(include_superseded=True)) == len(web.contracts)


def test_contract_roles_and_maturity(web: Web) -> None:
    loan = next(c for c in web.contracts if c.id == "c_loan")
    lease = next(c for c in web.contracts if c.id == "c_lease")
    assert loan.is_financing
    assert not lease.is_financing
    assert (lease.holder_role, lease.obligor_role) == ("lessor (landlord, often an SPV)", "tenant")
    years = loan.years_to_maturity(dt.date(2025, 8, 1))
    assert years == pytest.approx(3.0, abs=0.01)
    assert lease.years_to_maturity(dt.date(2025, 1, 1)) is None


def test_adjacency_is_holder_by_obligor_and_skips_superseded(web: Web) -> None:
    a = web.adjacency().toarray()
    i = web.index
    assert a.shape == (7, 7)
    assert a[i["oracle"], i["openai"]] == 300.0
    assert a[i["nvidia"], i["coreweave"]] == 0.0  # the superseded stake
    assert a.sum() == pytest.approx(100 + 300 + 2.3 + 27 + 5.5)
    only_loans = web.adjacency("gpu_backed_loan").toarray()
    assert only_loans.sum() == 2.3
    assert only_loans[i["us_banks"], i["coreweave"]] == 2.3


def test_adjacency_by_kind_sums_to_the_whole(web: Web) -> None:
    parts = web.adjacency_by_kind()
    assert set(parts) == {"equity_stake", "compute_commitment", "gpu_backed_loan", "lease",
                          "abs_note"}
    total = sum(m.toarray() for m in parts.values())
    np.testing.assert_allclose(total, web.adjacency().toarray())


def test_frames_and_totals(web: Web) -> None:
    frame = web.contracts_frame()
    assert len(frame) == 6
    assert frame.loc[2, "source_ids"] == "s_filing;s_assume"
    by_entity = web.totals_by_entity().set_index(["entity", "kind"])
    assert by_entity.loc[("openai", "compute_commitment"), "owed"] == 300.0
    assert by_entity.loc[("oracle", "compute_commitment"), "held"] == 300.0
    assert by_entity.loc[("oracle", "lease"), "owed"] == 27.0
    by_sector = web.totals_by_sector().set_index(["sector", "kind"])
    assert by_sector.loc[("household", "abs_note"), "held"] == 5.5
    by_kind = web.totals_by_kind()
    assert by_kind.index[0] == "compute_commitment"
    assert by_kind["equity_stake"] == 100.0  # the superseded 1.0 is left out


def test_with_contracts_makes_a_new_web(web: Web) -> None:
    fewer = web.with_contracts(c for c in web.contracts if c.kind != "lease")
    assert len(fewer.contracts) == 5
    assert len(web.contracts) == 6
    assert fewer.adjacency("lease").nnz == 0


def test_an_empty_web_has_empty_views() -> None:
    empty = Web("e", dt.date(2025, 1, 1), (), (), ())
    assert empty.adjacency().shape == (0, 0)
    assert empty.adjacency_by_kind() == {}
    assert empty.totals_by_kind().empty
    assert empty.totals_by_entity().empty
