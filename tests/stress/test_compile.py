"""Compiling a web into arrays: defaults flagged, synthetic contracts, errors named."""

from __future__ import annotations

import numpy as np
import pytest

from bubblescope.model import Web, build_web
from bubblescope.model.errors import DataError
from bubblescope.stress.compile import compile_web

from .conftest import AS_OF, toy_tables


def test_toy_web_compiles_to_consistent_arrays(toy_web: Web) -> None:
    cw = compile_web(toy_web)
    assert cw.n == len(toy_web.entities)
    assert cw.n_superseded == 1
    for arr in (cw.obligor, cw.holder, cw.amount, cw.annual_payment, cw.rate, cw.start_q,
                cw.maturity_q, cw.rank, cw.tranche, cw.ltv, cw.on_balance_sheet):
        assert arr.shape == (cw.m,)
    assert "compile" not in repr(cw)
    assert "assumed values" in repr(cw)
    assert cw.is_holder_sector.sum() == 5


def test_missing_figures_are_flagged_and_counted(toy_web: Web) -> None:
    cw = compile_web(toy_web)
    assert cw.n_assumed == len(cw.assumptions) > 0
    items = {(a.item, a.field) for a in cw.assumptions}
    assert ("lab", "capex") in items
    assert ("spv", "revenue") in items
    assert ("agg", "contracts") in items  # isolated: not simulated
    assert all(str(a) for a in cw.assumptions)
    agg = cw.ids.index("agg")
    assert cw.capex[agg] == 0.0
    assert cw.revenue[agg] == 0.0


def test_outside_debt_and_operating_costs_are_synthetic_contracts(toy_web: Web) -> None:
    cw = compile_web(toy_web)
    outside = [k for k, i in enumerate(cw.contract_ids) if i.startswith("outside_debt:cloud")]
    # cloud reports 40 of debt, 15 of it is the bond in the web: 25 owed outside in 5 parts
    assert len(outside) == 5
    assert cw.amount[outside].sum() == pytest.approx(25.0)
    assert (cw.holder[outside] == -1).all()
    assert sorted(cw.maturity_q[outside]) == [3, 7, 11, 15, 19]
    # lab's 20 of operating cost are covered by 24/yr of compute bills: nothing owed outside,
    # but the contract is there (at 0) to take the bills back when they run out
    lab = cw.contract_ids.index("operating_cost:lab")
    assert cw.annual_payment[lab] == 0.0
    op = cw.contract_ids.index("operating_cost:cloud")
    # cloud: 150 of costs less 3 of rent paid through the web; its 30 of chip purchases are
    # capex, taken out of its capex plan of 80 instead
    assert cw.annual_payment[op] == pytest.approx(147.0)
    assert cw.capex[cw.ids.index("cloud")] == pytest.approx(50.0)
    assert cw.rank[op] == 0
    assert cw.holder[op] == -1


def test_tranches_rank_and_defaults(toy_web: Web) -> None:
    cw = compile_web(toy_web)
    k = {c: cw.contract_ids.index(c) for c in ("abs_sen", "abs_mez", "abs_eq", "bank_neo")}
    assert cw.rank[k["abs_sen"]] < cw.rank[k["abs_mez"]] < cw.rank[k["abs_eq"]]
    assert cw.tranche[k["abs_eq"]] == 2
    assert cw.tranche[k["bank_neo"]] == -1
    assert cw.maturity_q[k["bank_neo"]] == 1
    assert cw.rate[cw.contract_ids.index("abs_eq")] == pytest.approx(0.064)  # default, flagged
    assert any(a.item == "abs_eq" and a.field == "rate" for a in cw.assumptions)
    assert np.isnan(cw.ltv[k["abs_sen"]])
    assert cw.start_q[cw.contract_ids.index("nv_lab_eq2")] == 1


def test_contract_the_engine_cannot_value_raises_naming_id_and_field() -> None:
    tables = toy_tables()
    tables["contracts"].append({"id": "empty", "kind": "lease", "holder": "spv",
                                "obligor": "cloud", "amount": "0", "status": "closed",
                                "confidence": "low", "source_ids": "a"})
    web = build_web("bad", AS_OF, tables)
    with pytest.raises(DataError, match=r"'empty'.*positive amount or annual_payment"):
        compile_web(web)


def test_flows_without_maturity_get_a_flagged_term() -> None:
    tables = toy_tables()
    tables["contracts"].append({"id": "open_lease", "kind": "lease", "holder": "spv",
                                "obligor": "cloud", "amount": "30", "status": "closed",
                                "confidence": "low", "source_ids": "a"})
    cw = compile_web(build_web("t", AS_OF, tables))
    k = cw.contract_ids.index("open_lease")
    assert cw.annual_payment[k] == pytest.approx(2.0)  # 30 over the 15-year default term
    assert any(a.item == "open_lease" and a.field == "maturity" for a in cw.assumptions)
