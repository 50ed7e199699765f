"""The result of a stress run: arrays with named axes (path, quarter, entity) and summaries.

:class:`StressResult` is frozen; its summaries are pandas frames (means over paths) and it
prints as its own quarter-by-quarter summary. :class:`~bubblescope.stress.recorder.Recorder`
fills it during the run.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.model.kinds import HOLDER_SECTORS
from bubblescope.model.tables import Tabular
from bubblescope.model.web import Web
from bubblescope.stress.compile import DEBT_KINDS
from bubblescope.stress.ledger import LossLedger, bearer_mask, build_ledger
from bubblescope.stress.scenario import Scenario

__all__ = [
    "AXES",
    "CHANNELS",
    "DOWNGRADED_2008_USD_BN",
    "JOBS_2008_MILLIONS",
    "JOBS_2008_US_MILLIONS",
    "REASONS",
    "DebtMeasure",
    "DefaultReason",
    "LossChannel",
    "StressResult",
]

#: Jobs lost worldwide in the 2008 crisis, millions (seed 000; ILO). Not comparable with this
#: US model: compare with :data:`JOBS_2008_US_MILLIONS`.
JOBS_2008_MILLIONS: Final[float] = 27.0
#: US nonfarm payrolls lost 2008-2010, millions (BLS CES; CALIBRATION.md): the yardstick
#: for this model's US jobs.
JOBS_2008_US_MILLIONS: Final[float] = 8.7
#: Securities downgraded from investment grade to junk in 2008, USD bn (seed 004).
DOWNGRADED_2008_USD_BN: Final[float] = 1900.0
#: Measures of AI-linked debt: all of it, or the investment-grade bonds of the seeds' clock.
DebtMeasure = Literal["all", "ig_bonds"]


class LossChannel(IntEnum):
    """Where a holder's loss comes from; the value is the index on the ``channel`` axis."""

    MISSED_PAYMENTS = 0
    DEFAULT_WRITE_OFFS = 1
    CUTS = 2
    EQUITY_MARKS = 3
    GPU_COLLATERAL = 4
    FORCED_SALES = 5
    BACKLOG_LOST = 6
    EXPECTED_LOSS_MARKS = 7
    MARGIN_CALL_SALES = 8
    SPREAD_MARKS = 9

    @property
    def label(self) -> str:
        """The channel's name in tables: ``"missed payments"``, ..."""
        return CHANNELS[self.value]


#: Labels of :class:`LossChannel`, in the order of the ``channel`` axis.
CHANNELS: Final[tuple[str, ...]] = (
    "missed payments", "default write-offs", "lease and commitment cuts", "equity marks",
    "GPU collateral", "forced sales", "backlog lost", "expected-loss marks",
    "margin-call sales", "spread and liquidity marks",
)


class DefaultReason(IntEnum):
    """Why an entity defaulted (the codes of ``default_reason``)."""

    NONE = 0
    SHORTFALL = 1
    CONTAGION = 2
    MATURITY_WALL = 3


#: Labels of :class:`DefaultReason` by code (0 = did not default).
REASONS: Final[tuple[str, ...]] = ("none", "shortfall", "contagion", "maturity wall")
#: Named axes of every result array.
AXES: Final[dict[str, tuple[str, ...]]] = {
    "cash": ("path", "quarter", "entity"),
    "valuation": ("path", "quarter", "entity"),
    "loss": ("path", "quarter", "entity"),
    "loss_by_channel": ("path", "quarter", "channel"),
    "tranche_loss": ("path", "quarter", "tranche"),
    "default_quarter": ("path", "entity"),
    "default_reason": ("path", "entity"),
    "series": ("path", "quarter"),
}


@dataclass(frozen=True, eq=False)
class StressResult(Tabular):
    """What a stress run produced (USD bn unless stated; see :data:`AXES` for the axes).

    ``loss[p, t, i]`` is the loss entity ``i`` booked as a holder in quarter ``t``;
    ``default_quarter[p, i]`` is the quarter it defaulted (-1: never), and
    ``default_reason`` indexes :data:`REASONS`. Per-quarter series have shape
    (n_paths, quarters): ``gdp_growth`` (year on year), ``output_gap`` (fraction of GDP),
    ``jobs_millions`` (change against the no-shock path, Okun's law minus displacement),
    ``gpu_price`` (index, 1 at the start), ``downgraded`` (USD bn fallen from investment
    grade to junk), ``spread``, ``ai_revenue`` and ``capex`` (USD bn a year).
    """

    scenario: Scenario
    web_name: str
    as_of: dt.date
    entity_ids: tuple[str, ...]
    entity_kinds: tuple[str, ...]
    n_assumed: int
    cash: FloatArray
    valuation: FloatArray
    loss: FloatArray
    loss_by_channel: FloatArray
    tranche_loss: FloatArray
    default_quarter: IntArray
    default_reason: IntArray
    ai_revenue: FloatArray
    capex: FloatArray
    capex_plan: FloatArray
    output_gap: FloatArray
    gdp_growth: FloatArray
    jobs_millions: FloatArray
    displaced_millions: FloatArray
    gpu_price: FloatArray
    downgraded: FloatArray
    spread: FloatArray
    inflow: FloatArray
    outflow: FloatArray
    destroyed: FloatArray
    cash_start: FloatArray
    capital: FloatArray = field(default_factory=lambda: np.zeros(0))
    contract_ids: tuple[str, ...] = ()
    contract_obligor: tuple[str, ...] = ()
    contract_holder: tuple[str, ...] = ()
    contract_loss: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    cut: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    ai_index: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """The anchored AI index (1 at the start), (n_paths, quarters)."""
    gpu_rental: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """H100 rental, USD per GPU-hour, (n_paths, quarters)."""
    ai_debt: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """AI-linked debt outstanding at the end of each quarter, USD bn, (n_paths, quarters)."""
    issued: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """New debt issued to finance capex each quarter, USD bn, (n_paths, quarters)."""
    ig_bonds: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Bonds rated investment grade at the start, outstanding at the end of each quarter
    (new issues included), USD bn, (n_paths, quarters): the measure of the seeds' $1.2T
    AI-linked investment-grade debt (JPMorgan), narrower than :attr:`ai_debt`."""
    contract_kinds: tuple[str, ...] = ()
    contract_amount: FloatArray = field(default_factory=lambda: np.zeros(0))
    #: Loss by contract and class over the run, (n_paths, m, K) (``ledger.LossClass``).
    contract_class: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    #: The same by quarter, (n_paths, quarters, m, K): a quarter's marks given back (a
    #: negative debt mark) stay debt marks, never a negative realised credit loss.
    contract_class_by_quarter: FloatArray = field(
        default_factory=lambda: np.zeros((0, 0, 0, 0)))
    #: Loss on underlying (non-fund) obligors by quarter and class, (n_paths, quarters, K).
    quarter_class: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    #: Rating code (``kernels.ratings.RATINGS``) of each contract at the end of each quarter,
    #: (n_paths, quarters, m), int8; only debt contracts are meaningful.
    rating: IntArray = field(default_factory=lambda: np.zeros((0, 0, 0), dtype=np.int8))
    #: Principal of granular-pool borrowers that defaulted each quarter (they default name
    #: by name, not as one obligor: ``stress.channels.pool``), (n_paths, quarters), USD bn.
    pool_defaulted: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    #: Expected-loss marks each holder's fund-held debt carries at the end of each quarter
    #: (``stress.channels.marks``), (n_paths, quarters, n), USD bn.
    el_marks: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    #: Spread and liquidity premium each holder's fund-held debt below investment grade
    #: carries at the end of each quarter (``stress.channels.marks``), (n_paths, quarters,
    #: n), USD bn.
    spread_marks: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    #: Principal of granular-pool loans outstanding before each quarter's defaults,
    #: (n_paths, quarters), USD bn: ``pool_defaulted / pool_exposed`` is the quarter's
    #: default rate.
    pool_exposed: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    #: Each fund's NAV at the end of each quarter, USD bn, and its NAV per share against the
    #: start (1 for other entities), (n_paths, quarters, n) (``stress.channels.leverage``).
    fund_nav: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    fund_nav_index: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    #: Stakes each fund sold on margin calls in each quarter, (n_paths, quarters, n), USD bn.
    margin_sales: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    #: Bank lines drawn by each fund at the end of each quarter, (n_paths, quarters, n).
    lines_drawn: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    #: Whether each fund has gated redemptions by the end of each quarter, (n_paths,
    #: quarters, n).
    gated: BoolArray = field(default_factory=lambda: np.zeros((0, 0, 0), dtype=np.bool_))
    #: Each entity's operating cash flow before capex in each quarter (revenue plus interest
    #: and flows received, less operating costs, leases, commitments and interest paid;
    #: ``stress.channels.settlement``), (n_paths, quarters, n), USD bn a quarter.
    operating_cash: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    #: The part of :attr:`operating_cash` from contracts that start after the as-of date
    #: (signed deals not yet in the trailing filings), net of their cash cost,
    #: (n_paths, quarters, n), USD bn.
    new_business: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    #: Dividends, buybacks and extra buybacks each firm paid in each quarter
    #: (``stress.channels.payouts``), (n_paths, quarters, n), USD bn.
    payouts: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    #: Rating code of each contract at the start, before any shock, (n_paths, m), int8.
    rating_start: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int8))

    def rating_path(self, contract_id: str, path: int = 0) -> tuple[str, ...]:
        """Rating of one contract quarter by quarter on one path (letters)."""
        from bubblescope.stress.kernels.ratings import RATINGS

        j = self.contract_ids.index(contract_id)
        return tuple(RATINGS[int(c)] for c in self.rating[path, :, j])

    @functools.cached_property
    def _contract_ends(self) -> tuple[IntArray, IntArray]:
        """Obligor and holder index of each contract (holder -1: outside the web)."""
        index = {e: i for i, e in enumerate(self.entity_ids)}
        holder = np.array([index.get(h, -1) for h in self.contract_holder], dtype=np.int64)
        obligor = np.array([index[o] for o in self.contract_obligor], dtype=np.int64)
        return obligor, holder

    @functools.cached_property
    def holder_mask(self) -> BoolArray:
        """Entities that bear losses as holders, not firms: the holder sectors and holder
        aggregates such as ``rest_of_world`` (:func:`~bubblescope.stress.ledger.bearer_mask`)."""
        obligor, holder = self._contract_ends
        return bearer_mask(self.entity_kinds, frozenset(HOLDER_SECTORS), obligor, holder)

    @property
    def contract_loss_by_quarter(self) -> FloatArray:
        """Loss of each contract's holder in each quarter, all classes, (n_paths, quarters, m)."""
        return np.asarray(self.contract_class_by_quarter.sum(axis=3), dtype=np.float64)

    @property
    def contract_class_quarter(self) -> FloatArray:
        """Loss by quarter, contract and class, mean over paths, (quarters, m, K)."""
        return np.asarray(self.contract_class_by_quarter.mean(axis=0), dtype=np.float64)

    @functools.cached_property
    def ledger(self) -> LossLedger:
        """Losses split into realised credit, debt marks and equity marks, looked through
        funds so each loss reaches its final bearer once (:mod:`~bubblescope.stress.ledger`)."""
        obligor, holder = self._contract_ends
        return build_ledger(
            self.contract_class, self.contract_class_quarter, obligor=obligor, holder=holder,
            amount=self.contract_amount,
            is_fund_share=np.array([k == "fund_share" for k in self.contract_kinds],
                                   dtype=np.bool_),
            is_debt=np.array([k in DEBT_KINDS for k in self.contract_kinds], dtype=np.bool_),
            entity_ids=self.entity_ids, entity_kinds=self.entity_kinds,
            holder_sector=self.holder_mask, quarter_class=self.quarter_class,
        )

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return int(self.cash.shape[0])

    @property
    def quarters(self) -> int:
        """Number of quarters."""
        return int(self.cash.shape[1])

    @property
    def quarter_labels(self) -> tuple[str, ...]:
        """Calendar label of each quarter (the first quarter after ``as_of``)."""
        q0 = (self.as_of.month - 1) // 3 + 1
        out = []
        for t in range(self.quarters):
            k = q0 + t  # 0-based count of quarters after Q1 of the as-of year, plus one
            out.append(f"{self.as_of.year + k // 4}Q{k % 4 + 1}")
        return tuple(out)

    @property
    def n_defaults(self) -> IntArray:
        """Entities that defaulted on each path, shape (n_paths,)."""
        return np.asarray((self.default_quarter >= 0).sum(axis=1), dtype=np.int64)

    @property
    def total_loss(self) -> FloatArray:
        """Losses on the web's paper over the run on each path, each contract counted once,
        shape (n_paths,).

        Funds are looked through (:attr:`ledger`): marks on fund shares, the funds' own
        losses seen a second time, are not added again, so this is the sum over obligors
        of the losses on their paper. Firms' own losses (Oracle not paid by OpenAI) are in
        it beside the holders' marks on those firms; :attr:`holder_loss` counts only the
        final bearers.
        """
        return np.asarray(self.ledger.borne.sum(axis=(1, 2)), dtype=np.float64)

    @property
    def holder_loss(self) -> FloatArray:
        """Losses the holder sectors finally bear (banks, insurers, pensions, funds looked
        through, households, the rest of the world), all three loss classes, (n_paths,)."""
        return np.asarray(self.ledger.holder_sector_totals().sum(axis=1), dtype=np.float64)

    @property
    def booked_loss(self) -> FloatArray:
        """Every holder's losses as booked, before look-through, (n_paths,): fund-share
        marks repeat the funds' own losses here. Kept to reconcile with
        :attr:`loss_by_channel`; never a headline figure."""
        return np.asarray(self.loss.sum(axis=(1, 2)), dtype=np.float64)

    @property
    def cuts(self) -> pd.DataFrame:
        """Who cut or renegotiated leases and commitments, when, and how much of what was
        still to be paid they tore up: one row per (path, entity), first quarter and total."""
        if self.cut.size == 0:
            return pd.DataFrame(columns=["path", "entity", "kind", "quarter", "label",
                                         "cut_usd_bn"])
        any_cut = self.cut > 0
        p, i = np.nonzero(any_cut.any(axis=1))
        first = any_cut[p, :, i].argmax(axis=1)
        labels = np.array(self.quarter_labels, dtype=object)
        return pd.DataFrame({
            "path": p, "entity": np.array(self.entity_ids, dtype=object)[i],
            "kind": np.array(self.entity_kinds, dtype=object)[i], "quarter": first,
            "label": labels[first], "cut_usd_bn": self.cut[p, :, i].sum(axis=1),
        })

    @property
    def firm_drawdowns(self) -> pd.Series:
        """Each listed firm's peak-to-trough fall of value over the run (mean over paths),
        largest first; a firm that defaults falls 100%."""
        firms = ("hyperscaler", "chipmaker", "neocloud", "ai_lab", "data_center_developer")
        mask = np.array([k in firms for k in self.entity_kinds], dtype=bool)
        path = np.concatenate([np.ones((self.n_paths, 1, self.cash.shape[2])),
                               self.valuation], axis=1)
        peak = np.maximum.accumulate(path, axis=1)
        fall = (1.0 - path / np.where(peak > 0, peak, 1.0)).max(axis=1).mean(axis=0)
        out = pd.Series(fall[mask], index=pd.Index(np.array(self.entity_ids)[mask],
                                                     name="entity"), name="drawdown")
        return out.sort_values(ascending=False)

    @property
    def firm_cash_flows(self) -> pd.DataFrame:
        """Listed firms' cash, USD bn (mean over paths; firms with operating cash flow or
        payouts): operating cash flow before capex and payouts over the first four quarters,
        cash at the start, at its lowest and at the end of the run."""
        if self.operating_cash.size == 0:
            return pd.DataFrame(columns=["ocf_first_year", "payouts_first_year", "cash_start",
                                         "cash_low", "cash_end"])
        firms = ("hyperscaler", "chipmaker", "neocloud")
        mask = np.array([k in firms for k in self.entity_kinds], dtype=bool)
        cash = self.cash.mean(axis=0)
        out = pd.DataFrame({
            "ocf_first_year": self.operating_cash[:, :4].sum(axis=1).mean(axis=0),
            "payouts_first_year": self.payouts[:, :4].sum(axis=1).mean(axis=0),
            "cash_start": self.cash_start.mean(axis=0),
            "cash_low": np.minimum(cash.min(axis=0), self.cash_start.mean(axis=0)),
            "cash_end": cash[-1]}, index=pd.Index(self.entity_ids, name="entity"))
        return out[mask].sort_values("ocf_first_year", ascending=False)

    def debt_crossing(self, threshold: float, measure: DebtMeasure = "all") -> str | None:
        """Label of the first quarter whose AI-linked debt (mean over paths) is at least
        ``threshold`` USD bn, ``None`` if it never is.

        ``measure`` is ``"all"`` (:attr:`ai_debt`: bonds, loans, private credit, lines) or
        ``"ig_bonds"`` (:attr:`ig_bonds`, the seeds' investment-grade measure).
        """
        path = self.ai_debt if measure == "all" else self.ig_bonds
        if path.size == 0:
            return None
        above = np.flatnonzero(path.mean(axis=0) >= threshold)
        return self.quarter_labels[int(above[0])] if above.size else None

    @property
    def defaults(self) -> pd.DataFrame:
        """Who defaulted, when and why: one row per (path, entity) default."""
        p, i = np.nonzero(self.default_quarter >= 0)
        q = self.default_quarter[p, i]
        labels = np.array(self.quarter_labels, dtype=object)
        return pd.DataFrame({
            "path": p, "entity": np.array(self.entity_ids, dtype=object)[i],
            "kind": np.array(self.entity_kinds, dtype=object)[i], "quarter": q,
            "label": labels[q] if q.size else np.array([], dtype=object),
            "reason": np.array(REASONS, dtype=object)[self.default_reason[p, i]],
        }).sort_values(["path", "quarter", "entity"], ignore_index=True)

    @property
    def default_probability(self) -> pd.Series:
        """Share of paths on which each entity defaults."""
        share = (self.default_quarter >= 0).mean(axis=0)
        return pd.Series(share, index=pd.Index(self.entity_ids, name="entity"), name="p_default")

    @property
    def losses_by_sector(self) -> pd.DataFrame:
        """Mean cumulative loss borne by each entity kind (rows) and quarter (columns), USD bn:
        funds looked through, all three loss classes."""
        cum = self.ledger.borne_quarter_mean.sum(axis=2).cumsum(axis=0)  # (quarter, entity)
        frame = pd.DataFrame(cum.T, columns=list(self.quarter_labels))
        frame["sector"] = self.entity_kinds
        out = frame.groupby("sector").sum()
        return out.loc[out.iloc[:, -1].abs().sort_values(ascending=False).index]

    @property
    def losses_by_channel(self) -> pd.Series:
        """Mean loss over the run by channel (missed payments, write-offs, ...), USD bn, as
        booked before look-through (its sum is :attr:`booked_loss`: the equity-marks channel
        includes marks on fund shares)."""
        return pd.Series(self.loss_by_channel.sum(axis=1).mean(axis=0),
                         index=pd.Index(CHANNELS, name="channel"), name="loss")

    @property
    def holder_quarter_classes(self) -> FloatArray:
        """Losses the holder sectors bear each quarter by class, mean over paths,
        (quarters, K) (funds looked through)."""
        return np.asarray(self.ledger.borne_quarter_mean[:, self.holder_mask].sum(axis=1),
                          dtype=np.float64)

    @property
    def timeline(self) -> pd.DataFrame:
        """Mean path by quarter: defaults, holder losses by class, GDP, jobs, GPU price,
        downgrades. ``holder_loss`` is the three classes together (funds looked through)."""
        new_defaults = [(self.default_quarter == t).sum(axis=1).mean()
                        for t in range(self.quarters)]
        classes = self.holder_quarter_classes
        return pd.DataFrame({
            "defaults": new_defaults,
            "holder_loss": classes.sum(axis=1),
            "credit_loss": classes[:, 0], "debt_marks": classes[:, 1],
            "equity_marks": classes[:, 2],
            "ai_revenue": self.ai_revenue.mean(axis=0),
            "capex": self.capex.mean(axis=0),
            "gdp_growth": self.gdp_growth.mean(axis=0),
            "jobs_millions": self.jobs_millions.mean(axis=0),
            "gpu_price": self.gpu_price.mean(axis=0),
            "downgraded": self.downgraded.mean(axis=0),
            "downgraded_vs_2008": self.downgraded.mean(axis=0) / DOWNGRADED_2008_USD_BN,
            "spread": self.spread.mean(axis=0),
        }, index=pd.Index(self.quarter_labels, name="quarter"))

    @property
    def capital_hit(self) -> pd.DataFrame:
        """Holder sectors' losses over the run against their capital (mean over paths).

        ``loss`` is what each bears with funds looked through, all classes; ``credit_and_debt``
        its realised credit and debt marks. ``capital`` is book equity for banks and insurers
        and assets for funds and households (their investors bear every loss); ``share``
        above 1 means the capital is gone.
        """
        mask = self.holder_mask
        borne = self.ledger.borne.mean(axis=0)[mask]
        loss = borne.sum(axis=1)
        cap = self.capital[mask] if self.capital.size else np.full(int(mask.sum()), np.nan)
        share = np.where(cap > 0, loss / np.where(cap > 0, cap, 1.0), np.nan)
        return pd.DataFrame({
            "entity": np.array(self.entity_ids, dtype=object)[mask],
            "kind": np.array(self.entity_kinds, dtype=object)[mask],
            "loss": loss, "credit_and_debt": borne[:, 0] + borne[:, 1], "capital": cap,
            "share": share,
        }).sort_values("share", ascending=False, ignore_index=True)

    @property
    def loss_flows(self) -> pd.DataFrame:
        """Mean loss over the run from each borrower to each holder sector, USD bn.

        Columns ``borrower``, ``sector`` (the holder's kind) and ``loss``; gains (negative
        marks) and fund shares (a fund's own losses seen again) are left out.
        """
        kind = dict(zip(self.entity_ids, self.entity_kinds, strict=True))
        own = np.array([k != "fund_share" for k in self.contract_kinds], dtype=bool) \
            if self.contract_kinds else np.ones(len(self.contract_obligor), dtype=bool)
        frame = pd.DataFrame({"borrower": self.contract_obligor, "holder": self.contract_holder,
                              "loss": np.maximum(self.contract_loss.mean(axis=0), 0.0)})[own]
        frame["sector"] = frame["holder"].map(kind)
        frame = frame[frame["loss"] > 0]
        out = frame.groupby(["borrower", "sector"])["loss"].sum().reset_index()
        return pd.DataFrame(out.sort_values("loss", ascending=False, ignore_index=True))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The run as tables (means over paths; units in the names): the quarter-by-quarter
        timeline first, then defaults, cuts, losses by holder kind and quarter, holders'
        losses against capital, losses by channel and borrower → holder-kind flows."""
        tl = self.timeline
        timeline = pd.DataFrame({
            "quarter": tl.index, "new_defaults": tl["defaults"].to_numpy(),
            "holder_realised_credit_usd_bn": tl["credit_loss"].to_numpy(),
            "holder_debt_marks_usd_bn": tl["debt_marks"].to_numpy(),
            "holder_equity_marks_usd_bn": tl["equity_marks"].to_numpy(),
            "ai_revenue_usd_bn_a_year": tl["ai_revenue"].to_numpy(),
            "capex_usd_bn_a_year": tl["capex"].to_numpy(),
            "gdp_growth_yoy_pct": 100 * tl["gdp_growth"].to_numpy(),
            "jobs_vs_no_shock_millions": tl["jobs_millions"].to_numpy(),
            "gpu_value_index_start_1": tl["gpu_price"].to_numpy(),
            "downgraded_to_junk_usd_bn": tl["downgraded"].to_numpy(),
            "downgraded_vs_2008_x": tl["downgraded_vs_2008"].to_numpy(),
            "spread_pct": 100 * tl["spread"].to_numpy(),
        })
        sectors = self.losses_by_sector
        by_sector = sectors.reset_index().melt(id_vars="sector", var_name="quarter",
                                               value_name="cumulative_loss_usd_bn")
        hit = self.capital_hit.rename(columns={"loss": "loss_usd_bn", "capital": "capital_usd_bn",
                                               "share": "share_of_capital_lost"})
        channel = self.losses_by_channel.rename("loss_usd_bn").reset_index()
        return {"timeline": timeline,
                "defaults": self.defaults.rename(columns={"label": "quarter_label"}),
                "cuts_usd_bn": self.cuts.rename(columns={"label": "quarter_label"}),
                "losses_by_kind_usd_bn": by_sector,
                "capital_hit_usd_bn": hit,
                "losses_by_channel_usd_bn": channel,
                "loss_flows_usd_bn": self.loss_flows.rename(columns={"loss": "loss_usd_bn"})}

    def to_dict(self, reference: StressResult | None = None, web: Web | None = None
                ) -> dict[str, Any]:
        """The run as plain JSON data: the one schema of ``stress --json``, ``run --json``
        and the dashboard (``docs/json.md``; :func:`~bubblescope.stress.payload.stress_dict`).

        ``reference`` is the no-shock run the shock's losses are measured against (``self``
        when ``None``); ``web`` adds DebtRank from the first defaults.
        """
        from bubblescope.stress.payload import stress_dict

        return stress_dict(self, reference, web)

    def conservation_error(self) -> FloatArray:
        """Largest gap of the cash identity over quarters on each path, shape (n_paths,).

        ``sum cash_t - sum cash_{t-1} = inflow - outflow - destroyed`` must hold: money moves
        between entities without appearing or vanishing, except as flows across the web's
        boundary and as value destroyed by default costs.
        """
        total = np.concatenate([self.cash_start.sum(axis=1)[:, None],
                                self.cash.sum(axis=2)], axis=1)
        gap = np.diff(total, axis=1) - (self.inflow - self.outflow - self.destroyed)
        return np.asarray(np.abs(gap).max(axis=1), dtype=np.float64)

    def summary(self) -> str:
        """A short text account of the run (means over paths)."""
        tl = self.timeline
        last = tl.iloc[-1]
        credit, marks, equity = self.ledger.holder_sector_totals().mean(axis=0)
        lines = [
            f"Stress run {self.scenario.name!r} on web {self.web_name!r} (as of {self.as_of}): "
            f"{self.n_paths} path(s) x {self.quarters} quarters; {self.n_assumed} assumed inputs",
            f"  defaults per path: {self.n_defaults.mean():.2f}; holder sectors (funds looked "
            f"through) lose USD {credit:,.1f}bn realised credit and {marks:,.1f}bn debt marks, "
            f"with USD {equity:,.1f}bn of equity marks beside",
            f"  GDP growth at the end: {last['gdp_growth']:.2%} (output gap "
            f"{self.output_gap[:, -1].mean():.2%}); jobs {last['jobs_millions']:+.2f}M "
            f"(US 2008-10: -{JOBS_2008_US_MILLIONS:g}M, BLS)",
            f"  GPU value index {last['gpu_price']:.2f} (a card bought at the start, ageing "
            f"included: 0.05 is its salvage at the end of its life; start = 1)"
            + (f", H100 rental ${self.gpu_rental[:, -1].mean():.2f}/h" if self.gpu_rental.size
               else ""),
            f"  downgraded to junk USD {last['downgraded']:,.0f}bn = "
            f"{last['downgraded_vs_2008']:.2f}x 2008's $1.9T (face amount of paper "
            "investment grade at the start)",
        ]
        first = self.defaults.query("path == 0").head(8)
        for row in first.itertuples():
            lines.append(f"  {row.label}: {row.entity} ({row.kind}) defaults: {row.reason}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"StressResult({self.scenario.name!r}, n_paths={self.n_paths}, "
                f"quarters={self.quarters}, mean_defaults={self.n_defaults.mean():.3g})")
