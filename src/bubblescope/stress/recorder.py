"""What a run's quarters leave behind: each quarter's :class:`QuarterRecord`, collected by the
:class:`Recorder` into the arrays of a :class:`~bubblescope.stress.result.StressResult`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.compile import CompiledWeb
from bubblescope.stress.kernels.aggregate import record_losses
from bubblescope.stress.ledger import CLASS_NAMES
from bubblescope.stress.result import LossChannel, StressResult
from bubblescope.stress.scenario import Scenario

__all__ = ["FundSeries", "MacroPaths", "QuarterRecord", "Recorder", "RunSeries"]


@dataclass(frozen=True)
class QuarterRecord:
    """What one quarter leaves in the result: entity arrays (n_paths, n), per-path series
    (n_paths,), the quarter's losses by holder and channel (n_paths, n, channel) and by
    contract (n_paths, m). ``cut`` is what each obligor tore up of its leases and
    commitments; ``capex`` and ``capex_plan`` are quarterly amounts. ``booked_columns``
    are the contracts outside which ``contract_loss`` and ``contract_class`` are +0.0."""

    cash: FloatArray
    value: FloatArray
    loss: FloatArray
    contract_loss: FloatArray
    contract_class: FloatArray
    underlying: BoolArray
    cut: FloatArray
    gpu_price: FloatArray
    spread: FloatArray
    ai_revenue: FloatArray
    capex: FloatArray
    capex_plan: FloatArray
    wealth_change: FloatArray
    destroyed: FloatArray
    inflow: FloatArray
    outflow: FloatArray
    ai_index: FloatArray
    gpu_rental: FloatArray
    ai_debt: FloatArray
    issued: FloatArray
    pool_defaulted: FloatArray
    el_marks: FloatArray
    fund_nav: FloatArray
    fund_nav_index: FloatArray
    margin_sales: FloatArray
    lines_drawn: FloatArray
    gated: BoolArray
    ig_bonds: FloatArray
    spread_marks: FloatArray
    pool_exposed: FloatArray
    operating_cash: FloatArray
    new_business: FloatArray
    payouts: FloatArray
    booked_columns: IntArray


@dataclass(frozen=True)
class FundSeries:
    """Private credit and leverage by entity, each (n_paths, quarters, n), filled quarter by
    quarter: expected-loss marks held, funds' NAV and NAV per share, margin-call sales, bank
    lines drawn, gates (:mod:`~bubblescope.stress.channels.leverage`)."""

    el_marks: FloatArray
    fund_nav: FloatArray
    fund_nav_index: FloatArray
    margin_sales: FloatArray
    lines_drawn: FloatArray
    gated: BoolArray
    spread_marks: FloatArray

    @classmethod
    def zeros(cls, n_paths: int, quarters: int, n: int) -> FundSeries:
        """Every series at zero (no fund gated)."""
        shape = (n_paths, quarters, n)
        return cls(np.zeros(shape), np.zeros(shape), np.zeros(shape), np.zeros(shape),
                   np.zeros(shape), np.zeros(shape, dtype=np.bool_), np.zeros(shape))

    def store(self, t: int, record: QuarterRecord) -> None:
        """Write quarter ``t`` from ``record``."""
        self.el_marks[:, t], self.fund_nav[:, t] = record.el_marks, record.fund_nav
        self.fund_nav_index[:, t], self.margin_sales[:, t] = (record.fund_nav_index,
                                                               record.margin_sales)
        self.lines_drawn[:, t], self.gated[:, t] = record.lines_drawn, record.gated
        self.spread_marks[:, t] = record.spread_marks


@dataclass(frozen=True)
class MacroPaths:
    """The macro channel's paths, each (n_paths, quarters): output gap (fraction of GDP),
    year-on-year GDP growth, jobs against the no-shock path and jobs displaced (millions)."""

    output_gap: FloatArray
    gdp_growth: FloatArray
    jobs_millions: FloatArray
    displaced_millions: FloatArray


@dataclass(frozen=True)
class RunSeries:
    """The run's per-path series, each (n_paths, quarters), filled quarter by quarter.

    ``capex`` and ``capex_plan`` are quarterly amounts here (the result states them a year);
    ``downgraded`` comes from the paper channel, the others from each :class:`QuarterRecord`.
    """

    ai_revenue: FloatArray
    capex: FloatArray
    capex_plan: FloatArray
    gpu_price: FloatArray
    downgraded: FloatArray
    spread: FloatArray
    wealth_change: FloatArray
    inflow: FloatArray
    outflow: FloatArray
    destroyed: FloatArray
    ai_index: FloatArray
    gpu_rental: FloatArray
    ai_debt: FloatArray
    issued: FloatArray
    pool_defaulted: FloatArray
    ig_bonds: FloatArray
    pool_exposed: FloatArray

    @classmethod
    def zeros(cls, n_paths: int, quarters: int) -> RunSeries:
        """Every series at zero."""
        return cls(*(np.zeros((n_paths, quarters)) for _ in dataclasses.fields(cls)))

    def store(self, t: int, record: QuarterRecord) -> None:
        """Write quarter ``t`` of every series but ``downgraded`` from ``record``."""
        self.ai_revenue[:, t], self.capex[:, t] = record.ai_revenue, record.capex
        self.capex_plan[:, t], self.gpu_price[:, t] = record.capex_plan, record.gpu_price
        self.spread[:, t], self.wealth_change[:, t] = record.spread, record.wealth_change
        self.inflow[:, t], self.outflow[:, t] = record.inflow, record.outflow
        self.destroyed[:, t], self.ai_index[:, t] = record.destroyed, record.ai_index
        self.gpu_rental[:, t], self.ai_debt[:, t] = record.gpu_rental, record.ai_debt
        self.issued[:, t], self.pool_defaulted[:, t] = record.issued, record.pool_defaulted
        self.ig_bonds[:, t] = record.ig_bonds
        self.pool_exposed[:, t] = record.pool_exposed


class Recorder:
    """Collects the records of a run's quarters into the arrays of a :class:`StressResult`."""

    def __init__(self, n_paths: int, quarters: int, n: int, m: int, cash_start: FloatArray
                 ) -> None:
        shape3 = (n_paths, quarters, n)
        self.cash, self.valuation, self.loss = (np.zeros(shape3) for _ in range(3))
        self.operating_cash, self.new_business = np.zeros(shape3), np.zeros(shape3)
        self.payouts = np.zeros(shape3)
        self.loss_by_channel = np.zeros((n_paths, quarters, len(LossChannel)))
        self.tranche_loss = np.zeros((n_paths, quarters, 3))
        self.cut = np.zeros(shape3)
        self.series = RunSeries.zeros(n_paths, quarters)
        self.funds = FundSeries.zeros(n_paths, quarters, n)
        self.cash_start = cash_start.copy()
        self.contract_loss = np.zeros((n_paths, m))
        self.contract_class = np.zeros((n_paths, m, len(CLASS_NAMES)))
        self.contract_class_by_quarter = np.zeros((n_paths, quarters, m, len(CLASS_NAMES)))
        self.quarter_class = np.zeros((n_paths, quarters, len(CLASS_NAMES)))
        self.rating: IntArray = np.zeros((n_paths, quarters, m), dtype=np.int8)
        self.rating_start: IntArray = np.zeros((n_paths, m), dtype=np.int8)
        # where a quarter's losses are booked (reused; the classes straight into their place)
        self._entity = np.empty((n_paths, n, len(LossChannel)))
        self._contract = np.empty((n_paths, m))

    def loss_arrays(self, t: int) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Arrays to book quarter ``t``'s losses into (by holder and channel, by contract,
        by contract and class; the last is quarter ``t`` of ``contract_class_by_quarter``),
        to be passed back in its :class:`QuarterRecord`. Their values are not defined until
        booked; they are reused by the next quarter."""
        return self._entity, self._contract, self.contract_class_by_quarter[:, t]

    def quarter(self, t: int, record: QuarterRecord) -> None:
        """Store quarter ``t``."""
        self.cash[:, t], self.valuation[:, t], self.cut[:, t] = (record.cash, record.value,
                                                                 record.cut)
        self.funds.store(t, record)
        self.operating_cash[:, t] = record.operating_cash
        self.new_business[:, t] = record.new_business
        self.payouts[:, t] = record.payouts
        this_quarter = self.contract_class_by_quarter[:, t]
        same = record.contract_class.base is self.contract_class_by_quarter and (
            record.contract_class.__array_interface__ == this_quarter.__array_interface__)
        self.quarter_class[:, t], self.loss[:, t], self.loss_by_channel[:, t] = record_losses(
            record.loss, record.contract_loss, record.contract_class, record.underlying,
            self.contract_loss, self.contract_class,
            record.contract_class if same else this_quarter, record.booked_columns)
        self.series.store(t, record)

    def paper(self, t: int, downgraded: FloatArray, tranche_loss: FloatArray,
              grade: IntArray) -> None:
        """Store the downgraded volume (n_paths,), projected tranche losses (n_paths, 3) and
        each contract's rating code at the end of the quarter (n_paths, m)."""
        self.series.downgraded[:, t] = downgraded
        self.tranche_loss[:, t] = tranche_loss
        self.rating[:, t] = grade

    def result(self, cw: CompiledWeb, scenario: Scenario, macro: MacroPaths,
               default_q: IntArray, reason: IntArray, capital: FloatArray) -> StressResult:
        """Assemble the frozen result."""
        s = self.series
        return StressResult(
            scenario=scenario, web_name=cw.name, as_of=cw.as_of, entity_ids=cw.ids,
            entity_kinds=cw.kinds, n_assumed=cw.n_assumed, cash=self.cash, valuation=self.valuation,
            loss=self.loss, loss_by_channel=self.loss_by_channel, tranche_loss=self.tranche_loss,
            default_quarter=default_q, default_reason=reason, ai_revenue=s.ai_revenue,
            capex=4 * s.capex, capex_plan=4 * s.capex_plan, output_gap=macro.output_gap,
            gdp_growth=macro.gdp_growth, jobs_millions=macro.jobs_millions,
            displaced_millions=macro.displaced_millions, gpu_price=s.gpu_price,
            downgraded=s.downgraded, spread=s.spread, inflow=s.inflow,
            outflow=s.outflow, destroyed=s.destroyed, cash_start=self.cash_start,
            capital=capital, contract_ids=cw.contract_ids,
            contract_obligor=tuple(cw.ids[i] for i in cw.obligor),
            contract_holder=tuple(cw.ids[i] if i >= 0 else "outside" for i in cw.holder),
            contract_loss=self.contract_loss, cut=self.cut,
            ai_index=s.ai_index, gpu_rental=s.gpu_rental,
            ai_debt=s.ai_debt, issued=s.issued, ig_bonds=s.ig_bonds,
            contract_kinds=cw.contract_kinds, contract_amount=cw.amount,
            contract_class=self.contract_class,
            contract_class_by_quarter=self.contract_class_by_quarter,
            quarter_class=self.quarter_class, rating=self.rating,
            pool_defaulted=s.pool_defaulted, rating_start=self.rating_start,
            el_marks=self.funds.el_marks, fund_nav=self.funds.fund_nav,
            fund_nav_index=self.funds.fund_nav_index, margin_sales=self.funds.margin_sales,
            lines_drawn=self.funds.lines_drawn, gated=self.funds.gated,
            spread_marks=self.funds.spread_marks, pool_exposed=s.pool_exposed,
            operating_cash=self.operating_cash, new_business=self.new_business,
            payouts=self.payouts,
        )
