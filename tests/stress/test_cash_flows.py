"""Firms' cash flows against their filings (issue 11: cash flows were crude).

The trailing four quarters of each firm's ``operatingCashflow`` are measured from the shared
Alpha Vantage files (``../shared/data/quarterly_financials_alphavantage_<TICKER>.csv``, see
``SOURCES.md`` there); the engine's baseline must start within 15% of them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import bubblescope as bs
from bubblescope.stress import CompiledWeb, StressResult, compile_web
from bubblescope.stress.engine import run

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
#: Listed firms of the default web with a shared financials file.
TICKERS = {"nvidia": "NVDA", "microsoft": "MSFT", "google": "GOOGL", "amazon": "AMZN",
           "meta": "META", "oracle": "ORCL", "amd": "AMD", "broadcom": "AVGO"}
TOLERANCE = 0.15


def trailing(ticker: str, column: str) -> float:
    """Sum of ``column`` over the newest four quarters of the ticker's file, USD bn."""
    path = DATA / f"quarterly_financials_alphavantage_{ticker}.csv"
    if not path.exists():
        pytest.skip(f"shared data not found: {path}")
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:4]  # newest first
    return sum(float(r[column]) for r in rows if r[column] not in ("None", "")) / 1e9


@pytest.fixture(scope="module")
def web() -> CompiledWeb:
    return compile_web(bs.load_default())


@pytest.fixture(scope="module")
def baseline(web: CompiledWeb) -> StressResult:
    return run(web, "baseline")


def as_of_book(r: StressResult, i: int, quarters: slice) -> float:
    """Operating cash flow of entity ``i`` over ``quarters`` on the business it had at the
    as-of date (deals that start later are not in the trailing filings)."""
    return float((r.operating_cash[0, quarters, i] - r.new_business[0, quarters, i]).sum())


@pytest.mark.parametrize("firm", list(TICKERS))
def test_first_quarter_operating_cash_flow_matches_the_filings(
        firm: str, web: CompiledWeb, baseline: StressResult) -> None:
    measured = trailing(TICKERS[firm], "operatingCashflow")
    model = 4 * as_of_book(baseline, web.ids.index(firm), slice(0, 1))
    assert abs(model / measured - 1) <= TOLERANCE, (firm, model, measured)


@pytest.mark.parametrize("firm", ["nvidia", "microsoft", "google", "amazon", "meta", "oracle",
                                  "amd"])
def test_first_year_operating_cash_flow_matches_the_filings(
        firm: str, web: CompiledWeb, baseline: StressResult) -> None:
    # broadcom is left out: Anthropic renegotiates its TPU purchases in 2026Q3 of the
    # baseline (a structural finding), which takes its first year 19% below the filings
    measured = trailing(TICKERS[firm], "operatingCashflow")
    model = as_of_book(baseline, web.ids.index(firm), slice(0, 4))
    assert abs(model / measured - 1) <= TOLERANCE, (firm, model, measured)


@pytest.mark.parametrize("firm", ["amazon", "meta", "oracle"])  # where the filings show it
def test_depreciation_is_not_paid_twice(firm: str, web: CompiledWeb,
                                         baseline: StressResult) -> None:
    """Capex is paid in cash, so the operating cost must not hold depreciation too: the
    model's operating cash flow stands above operating income by a good part of the
    depreciation added back (before, it was operating income less interest: Amazon 76bn
    against 121bn of operating cash flow)."""
    ticker = TICKERS[firm]
    income = trailing(ticker, "operatingIncome")
    depreciation = trailing(ticker, "depreciationAndAmortization")
    model = 4 * as_of_book(baseline, web.ids.index(firm), slice(0, 1))
    assert model - income >= 0.5 * depreciation, (firm, model, income, depreciation)


def test_coreweave_is_left_out_for_a_stated_reason(web: CompiledWeb) -> None:
    """CoreWeave's contracts in the web pay it more than its revenue figure (commitments at
    their average annual value, not their ramp), so its operating cash flow cannot match a
    filing in which they have not ramped up; the day that changes, it joins the test above."""
    i = web.ids.index("coreweave")
    received = web.annual_payment[(web.holder == i) & (web.start_q < 0)
                                  & np.isin(web.contract_kinds, ["compute_commitment",
                                                                 "customer_revenue"])].sum()
    assert received > web.revenue[i]
