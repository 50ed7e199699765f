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
from bubblescope.model import Web
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


# ------------------------------------------------------------------ payouts and cash piles

#: Hyperscalers of the default web and the bound on their baseline cash at the end of the run
#: against today's (before payouts Alphabet held ~USD 1.6tn by 2031, 76x its 21bn).
HYPERSCALERS = ("microsoft", "google", "amazon", "meta", "oracle")
CASH_MULTIPLE = 3.0


@pytest.mark.parametrize("firm", HYPERSCALERS)
def test_baseline_cash_stays_near_todays(firm: str, web: CompiledWeb,
                                         baseline: StressResult) -> None:
    i = web.ids.index(firm)
    assert 0.0 <= baseline.cash[0, -1, i] <= CASH_MULTIPLE * web.cash[i], firm


@pytest.mark.parametrize("firm", ["nvidia", "microsoft", "google", "meta", "oracle", "amd",
                                  "broadcom"])
def test_baseline_pays_at_least_the_trailing_rate(firm: str, web: CompiledWeb,
                                                  baseline: StressResult) -> None:
    """Dividends plus buybacks of the first year at least the filings' trailing four quarters
    (more when cash above today's is returned)."""
    ticker = TICKERS[firm]
    trailing_rate = (trailing(ticker, "dividendPayout")
                     - trailing(ticker, "proceedsFromRepurchaseOfEquity"))
    paid = baseline.payouts[0, :4, web.ids.index(firm)].sum()
    assert paid >= 0.95 * trailing_rate, (firm, paid, trailing_rate)


def test_a_crash_cuts_payouts(web: CompiledWeb, baseline: StressResult) -> None:
    """In atlantic-crash the hyperscalers pay out less in the year after the shock than in the
    baseline, and keep more cash (S&P 500 members in 2009)."""
    crash = run(web, "atlantic-crash")
    t = crash.scenario.shock_quarter
    hs = [web.ids.index(f) for f in HYPERSCALERS]
    assert crash.payouts[0, t:t + 4, hs].sum() < baseline.payouts[0, t:t + 4, hs].sum()
    assert crash.cash[0, t + 4, hs].sum() > baseline.cash[0, t + 4, hs].sum()


def test_payout_elasticities_are_measured_from_shiller() -> None:
    """The 2007-09 price fall and 2008-10 dividend cut behind the elasticities, re-measured
    from the shared Shiller file (nominal monthly averages; dividends 12-month)."""
    from bubblescope.stress.kernels import payouts as k

    path = DATA / "shiller_ie_data_to_2025-12.csv"
    if not path.exists():
        pytest.skip(f"shared data not found: {path}")
    with path.open(newline="", encoding="utf-8") as f:
        rows = {r[0]: r for r in csv.reader(f, delimiter=";")}
    # October is written YYYY.1 in Shiller's dates
    assert float(rows["2007.1"][1]) == k.PRICE_PEAK_2007
    assert float(rows["2009.03"][1]) == k.PRICE_TROUGH_2009
    assert float(rows["2008.09"][2]) == k.DIVIDEND_PEAK_2008
    assert float(rows["2010.03"][2]) == k.DIVIDEND_TROUGH_2010
    assert abs(k.DIVIDEND_ELASTICITY - 0.388) < 1e-3
    assert abs(k.BUYBACK_ELASTICITY - 2.763) < 1e-3


def test_compute_cash_margin_is_coreweaves_ebitda_margin() -> None:
    from bubblescope.stress.kernels.backlog import COMPUTE_CASH_MARGIN

    path = DATA / "quarterly_financials_alphavantage_CRWV.csv"
    if not path.exists():
        pytest.skip(f"shared data not found: {path}")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["ebitda"] != "None"
                and r["fiscalDateEnding"] >= "2024-10-01"]
    margin = (sum(float(r["ebitda"]) for r in rows)
              / sum(float(r["totalRevenue"]) for r in rows))
    assert len(rows) == 3
    assert margin == pytest.approx(COMPUTE_CASH_MARGIN, rel=1e-6)


def test_cash_above_target_repays_maturing_debt_and_replaces_issuance(toy_web: Web) -> None:
    """The toy neocloud's bank loan falls due in 2026Q2 (quarter 1): with its own cash part of
    it is rolled; with 50bn more than its starting cash it is repaid, not rolled, and its
    capex needs no new debt."""
    from dataclasses import replace

    from bubblescope.stress import Scenario
    from bubblescope.stress.channels import funding
    from bubblescope.stress.channels.quarter import Quarter
    from bubblescope.stress.context import RunContext
    from bubblescope.stress.engine import start

    cw = compile_web(toy_web)
    ctx = RunContext.of(cw, Scenario("calm", quarters=4, rollover_base=0.9), 1)
    neo, loan = cw.ids.index("neo"), cw.contract_ids.index("bank_neo")
    st = start(ctx)
    t = int(cw.maturity_q[loan])
    principal = np.where(np.arange(cw.m) == loan, st.outstanding, 0.0)
    q = Quarter.of(ctx, t, np.zeros(1))
    zero = np.zeros((1, cw.n))
    own = funding.refinance(ctx, st, q, principal, principal, zero)
    assert own.rolled[0, loan] > 0.5 * principal[0, loan]
    rich = replace(st, cash=st.cash + 50.0 * (np.arange(cw.n) == neo))
    flush = funding.refinance(ctx, rich, q, principal, principal, zero)
    assert flush.rolled[0, loan] == 0.0
    assert flush.principal_due[0, loan] == pytest.approx(principal[0, loan])
    spent = np.where(np.arange(cw.n) == neo, 5.0, 0.0)[None, :]  # while the loan runs
    assert funding.issue(ctx, st, 0, spent).by_obligor[0, neo] > 0
    assert funding.issue(ctx, rich, 0, spent).by_obligor[0, neo] == 0.0


def test_firm_cash_flows_table_and_json(web: CompiledWeb, baseline: StressResult) -> None:
    """The first screen's firm cash table and the JSON carry the same figures as the arrays."""
    table = baseline.firm_cash_flows
    i = web.ids.index("amazon")
    row = table.loc["amazon"]
    assert row["ocf_first_year"] == pytest.approx(baseline.operating_cash[0, :4, i].sum())
    assert row["cash_start"] == pytest.approx(web.cash[i])
    assert row["cash_low"] <= row["cash_start"]
    assert "openai" not in table.index  # a lab, not a listed firm with filings
    payload = baseline.to_dict()["firm_cash_flows_usd_bn"]
    assert payload["google"]["payouts_first_year"] == pytest.approx(
        table.loc["google", "payouts_first_year"])
