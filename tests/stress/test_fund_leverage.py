"""Funds' NAV as capital, bank lines drawn, gates, margin calls and lenders' losses beyond
NAV on the default web (issue 11 item 6): each mechanism moves when its input does."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import bubblescope as bs
from bubblescope.model.web import Web
from bubblescope.stress import StressResult
from bubblescope.stress.ledger import LossClass


def _with(web: Web, **amounts: float) -> Web:
    return web.with_contracts(dataclasses.replace(c, amount=amounts.get(c.id, c.amount))
                              for c in web.contracts)


@pytest.fixture(scope="module")
def web() -> Web:
    return bs.load_default()


@pytest.fixture(scope="module")
def crash(web: Web) -> StressResult:
    return bs.stress.run(web, "atlantic-crash")


def _fund(r: StressResult, name: str) -> int:
    return r.entity_ids.index(name)


def test_baseline_draws_no_line_sells_nothing_and_gates_no_fund(web: Web) -> None:
    base = bs.stress.run(web, "baseline")
    assert base.margin_sales.sum() == 0.0
    assert not base.gated.any()
    i = _fund(base, "private_credit_funds")
    assert base.lines_drawn[0, 0, i] == pytest.approx(67.5)


def test_a_crash_draws_lines_gates_funds_and_calls_margin(crash: StressResult) -> None:
    pc, hf = _fund(crash, "private_credit_funds"), _fund(crash, "hedge_funds")
    assert crash.lines_drawn[0, :4, pc].max() > 67.5  # lines drawn to pay redemptions
    assert crash.gated[0, -1, pc]
    assert crash.gated[0, -1, hf]
    assert crash.margin_sales[0, :, hf].sum() > 10.0
    assert crash.fund_nav_index[0, -1, pc] < 0.97  # 0.96 (0.94 before issue 11's ratings)
    # NAV falls with the marks: the NAV path is the fund's capital less its losses
    assert crash.fund_nav[0, -1, pc] < crash.fund_nav[0, 0, pc]
    assert crash.ledger.reconciliation_error() < 1e-6


def test_more_hedge_fund_leverage_forces_more_sales(web: Web, crash: StressResult) -> None:
    hf = _fund(crash, "hedge_funds")
    levered = bs.stress.run(_with(web, us_banks_hedge_fund_lines=330.0), "atlantic-crash")
    assert levered.margin_sales[0, :, hf].sum() > crash.margin_sales[0, :, hf].sum() + 10.0


def test_a_smaller_nav_gates_no_later_and_falls_further(web: Web, crash: StressResult) -> None:
    pc = _fund(crash, "private_credit_funds")
    thin = bs.stress.run(_with(web, us_banks_private_credit_lines=250.0), "atlantic-crash")
    first = int(np.argmax(crash.gated[0, :, pc]))
    assert crash.gated[0, :, pc].any()
    assert int(np.argmax(thin.gated[0, :, pc])) <= first
    # the same marks on less NAV: a deeper fall per share
    assert thin.fund_nav_index[0, :, pc].min() < crash.fund_nav_index[0, :, pc].min() - 0.05


def test_losses_beyond_nav_fall_on_the_lenders_as_realised_credit(web: Web,
                                                                  crash: StressResult) -> None:
    k = crash.contract_ids.index("us_banks_hedge_fund_lines")
    assert crash.contract_class[0, k, LossClass.CREDIT] < 1e-9  # the NAV held
    thin = bs.stress.run(_with(web, us_banks_hedge_fund_lines=700.0), "atlantic-crash")
    assert thin.contract_class[0, k, LossClass.CREDIT] > 1.0
    banks = thin.ledger.holder_table().set_index("holder").loc["us_banks", "realised credit"]
    assert banks > crash.ledger.holder_table().set_index("holder").loc[
        "us_banks", "realised credit"]
    assert thin.ledger.reconciliation_error() < 1e-6
    assert thin.conservation_error().max() < 1e-6
