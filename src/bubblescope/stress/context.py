"""What a run fixes before its first quarter: the compiled web, the parameters and the masks.

:class:`RunContext` is frozen and shared by every channel of every quarter; it holds the
compiled web, the scenario, its :class:`~bubblescope.stress.params.Params` and a
:class:`RunIndex` of masks and index arrays over the contract axis (m,) and the entity
axis (n,). It also sums contract arrays by obligor or holder.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.model.errors import ScenarioError
from bubblescope.stress.compile import (
    AI_KINDS,
    DEBT_KINDS,
    EQUITY_KINDS,
    FLOW_KINDS,
    FUND_KINDS,
    RATING_CONSTRAINED,
    CompiledWeb,
    chip_order,
)
from bubblescope.stress.kernels.aggregate import sum_by
from bubblescope.stress.kernels.leverage import (
    GATING_KINDS,
    LINE_UTILISATION,
    MAX_LEVERAGE,
    fund_nav,
)
from bubblescope.stress.kernels.ratings import anchor_pds
from bubblescope.stress.kernels.waterfall import SpvBook, spv_book, spv_tenants
from bubblescope.stress.ledger import underlying_contracts
from bubblescope.stress.params import Params
from bubblescope.stress.scenario import Scenario

__all__ = ["CUTTABLE", "FundBook", "RunContext", "RunIndex"]

_T = TypeVar("_T")

#: Flow contracts a tenant in distress can cut or renegotiate.
CUTTABLE: frozenset[str] = frozenset({"lease", "compute_commitment", "customer_revenue"})


@dataclass(frozen=True, eq=False)
class FundBook:
    """Funds' balance sheets in the web at the start (:mod:`~bubblescope.stress.kernels.leverage`).

    ``nav0`` is each fund's NAV (holdings in the web less its borrowing in it; 0 for other
    entities), ``gross0`` its holdings; ``leveraged`` the funds that borrow in the web, whose
    capital is their NAV (not their total assets); ``max_leverage`` the gross / NAV at which
    prime brokers call margin (0: not margined); ``gating`` the funds whose investors can
    redeem. On the contract axis, ``fund_debt`` is debt owed by a leveraged fund to a lender
    in the web and ``line`` the bank lines among it, with ``undrawn0`` still undrawn;
    ``margin_stakes`` the equity stakes a margined fund sells on a margin call.
    """

    nav0: FloatArray
    gross0: FloatArray
    leveraged: BoolArray
    max_leverage: FloatArray
    gating: BoolArray
    fund_debt: BoolArray
    line: BoolArray
    undrawn0: FloatArray
    margin_stakes: BoolArray

    @staticmethod
    def of(cw: CompiledWeb, debt: BoolArray, fund: BoolArray) -> FundBook:
        """The fund book of ``cw`` (``debt`` (m,) and ``fund`` (n,) masks)."""
        inside = cw.holder >= 0
        started = cw.start_q < 0
        held = np.bincount(cw.holder[inside], weights=(cw.amount * started)[inside],
                           minlength=cw.n).astype(np.float64)
        borrowed = np.bincount(cw.obligor, weights=cw.amount * debt * started * inside,
                               minlength=cw.n).astype(np.float64)
        nav = fund_nav(held, borrowed, fund)
        leveraged = fund & (borrowed > 0) & (nav > 0)
        fund_debt = debt & inside & leveraged[cw.obligor]
        line = fund_debt & cw.kind_mask(("credit_line",))
        max_leverage = np.array([MAX_LEVERAGE.get(k, 0.0) for k in cw.kinds])
        return FundBook(
            nav0=nav, gross0=np.where(fund, held, 0.0), leveraged=leveraged,
            max_leverage=max_leverage,
            gating=np.array([k in GATING_KINDS for k in cw.kinds]) & (nav > 0),
            fund_debt=fund_debt, line=line,
            undrawn0=np.where(line, cw.amount * (1.0 / LINE_UTILISATION - 1.0), 0.0),
            margin_stakes=(cw.kind_mask(("equity_stake",)) & inside
                           & (max_leverage[np.maximum(cw.holder, 0)] > 0)),
        )


@dataclass(frozen=True, eq=False)
class RunIndex:
    """Masks and index arrays fixed for the run (contract masks (m,), entity masks (n,)).

    ``capital`` is what absorbs an entity's losses (NAV for a fund that borrows in the web,
    assets for another fund, book equity otherwise); ``book`` lays out the SPVs' tranches;
    ``future`` indexes financing that starts after the as-of date (paid holder -> obligor
    when it starts); ``pd_anchor`` is each issuer's default probability at its agency rating
    (NaN: none); ``gsub`` indexes the GPU-backed loans, whose collateral vintage is
    ``gpu_age0`` and start ``gpu_start``.
    ``pool`` marks granular pools of many borrowers (entities with a ``pool_lgd``;
    :mod:`~bubblescope.stress.kernels.credit_pool`), ``pool_lgd`` their loss given default
    (0 elsewhere); ``fair_value`` the debt held by funds, marked each quarter by expected
    loss (:mod:`~bubblescope.stress.kernels.el_marks`); ``sale_margin`` the supplier's gross
    margin on each customer purchase whose seller has a ``gross_margin`` figure (NaN
    elsewhere: lost at face), :func:`~bubblescope.stress.kernels.backlog.sale_lost_share`;
    ``chip_order`` the purchases from a chipmaker (the buyer's capex,
    :func:`~bubblescope.stress.compile.chip_order`).
    """

    debt: BoolArray
    flow: BoolArray
    cuttable: BoolArray
    equity: BoolArray
    guarantee: BoolArray
    gpu: BoolArray
    inside: BoolArray
    opcost: BoolArray
    constrained: BoolArray
    sector_holder: BoolArray
    ai: BoolArray
    listed: BoolArray
    chip: BoolArray
    fund: BoolArray
    capital: FloatArray
    shock_by_entity: FloatArray
    book: SpvBook
    g_share: FloatArray
    ltv0: FloatArray
    gsub: IntArray
    future: IntArray
    pd_anchor: FloatArray
    gpu_age0: FloatArray
    gpu_start: IntArray
    ai_value_share: FloatArray
    beta: FloatArray
    underlying: BoolArray
    contingent: BoolArray
    spv_tenant: IntArray
    main_tenant_contract: BoolArray
    pool: BoolArray
    pool_lgd: FloatArray
    fair_value: BoolArray
    funds: FundBook
    sale_margin: FloatArray
    chip_order: BoolArray

    @staticmethod
    def of(cw: CompiledWeb, sc: Scenario, prm: Params) -> RunIndex:
        """Build the index of ``cw`` for scenario ``sc``."""
        debt, equity = cw.kind_mask(DEBT_KINDS), cw.kind_mask(EQUITY_KINDS)
        kinds = np.array(cw.kinds, dtype=object)
        fund = cw.entity_mask(FUND_KINDS)
        guarantee = cw.kind_mask(("guarantee",))
        beneficiary = cw.holder[guarantee]
        counts = np.bincount(beneficiary, minlength=cw.n).astype(np.float64)
        holder_kind = np.array([cw.kinds[h] if h >= 0 else "" for h in cw.holder], dtype=object)
        gpu = cw.kind_mask(("gpu_backed_loan",))
        book = spv_book(cw.obligor, cw.amount, cw.rank, cw.tranche, debt, kinds == "spv")
        # each SPV's main tenant or guarantor: the obligor owing it the most
        worth = np.where(cw.kind_mask(CUTTABLE), cw.annual_payment / 4
                         * np.maximum(cw.maturity_q - np.maximum(cw.start_q, 0), 0), 0.0)
        worth = np.where(guarantee, cw.amount, worth)
        tenant = spv_tenants(book, cw.holder, cw.obligor, worth)
        spv_pos = np.full(cw.n, -1, dtype=np.int64)
        spv_pos[book.spv] = np.arange(book.spv.size)
        pos = spv_pos[np.maximum(cw.holder, 0)]
        main_c = (cw.holder >= 0) & (worth > 0) & (cw.obligor == np.append(tenant, -1)[pos])
        funds = FundBook.of(cw, debt, fund)
        return RunIndex(
            debt=debt, flow=cw.kind_mask(FLOW_KINDS), cuttable=cw.kind_mask(CUTTABLE),
            equity=equity, guarantee=guarantee, gpu=gpu, inside=cw.holder >= 0,
            opcost=cw.kind_mask(("operating_cost",)),
            constrained=np.isin(holder_kind, list(RATING_CONSTRAINED)) & debt,
            sector_holder=(cw.holder >= 0) & cw.is_holder_sector[np.maximum(cw.holder, 0)],
            ai=cw.entity_mask(AI_KINDS), listed=~(cw.is_holder_sector | (kinds == "spv")),
            chip=kinds == "chipmaker", fund=fund,
            capital=np.where(funds.leveraged, funds.nav0,
                             np.where(fund, cw.total_assets, cw.book_equity)),
            shock_by_entity=_entity_shocks(cw, sc),
            book=book,
            g_share=1.0 / np.maximum(counts[beneficiary], 1.0),
            ltv0=np.where(np.isnan(cw.ltv[gpu]), float(prm.ltv[0]), cw.ltv[gpu]),
            gsub=np.flatnonzero(gpu),
            future=np.flatnonzero((cw.start_q >= 0) & (debt | equity) & (cw.holder >= 0)),
            pd_anchor=anchor_pds(cw.agency_rating), gpu_age0=cw.age_q[gpu],
            gpu_start=np.maximum(cw.start_q[gpu], 0),
            ai_value_share=cw.ai_value_share, beta=np.ones(cw.n),
            underlying=underlying_contracts(cw.obligor, cw.holder, cw.amount,
                                            cw.kind_mask(("fund_share",)), cw.n),
            contingent=(cw.contingent if cw.contingent.size == cw.m
                        else np.zeros(cw.m, dtype=np.bool_)),
            spv_tenant=tenant, main_tenant_contract=main_c,
            pool=_pools(cw), pool_lgd=np.nan_to_num(_pool_lgd(cw), nan=0.0),
            fair_value=debt & (cw.holder >= 0) & fund[np.maximum(cw.holder, 0)],
            funds=funds, sale_margin=_sale_margin(cw),
            chip_order=np.array([chip_order(k, cw.kinds[h] if h >= 0 else "")
                                 for k, h in zip(cw.contract_kinds, cw.holder, strict=True)],
                                dtype=np.bool_),
        )


@dataclass(frozen=True, eq=False)
class RunContext:
    """Everything a channel reads that does not change during the run.

    :meth:`constant` keeps what a channel derives from these (and from arrays of the state
    that are set once at the start) so it is computed once a run, not once a quarter.
    """

    web: CompiledWeb
    scenario: Scenario
    params: Params
    index: RunIndex
    n_paths: int
    _constants: dict[str, tuple[tuple[object, ...], Any]] = field(
        default_factory=dict, repr=False)

    @staticmethod
    def of(cw: CompiledWeb, scenario: Scenario, n_paths: int) -> RunContext:
        """The context of a run of ``scenario`` on ``cw`` over ``n_paths`` paths."""
        prm = Params.of(scenario, n_paths)
        return RunContext(cw, scenario, prm, RunIndex.of(cw, scenario, prm), n_paths)

    def before_shock(self) -> RunContext:
        """This context with the baseline's scenario terms
        (:meth:`~bubblescope.stress.scenario.Scenario.before_shock`): what the channels read
        in the quarters before the shock quarter. Constants are shared (none depends on a
        scenario term)."""
        prm = Params.of(self.scenario.before_shock(), self.n_paths)
        return RunContext(self.web, self.scenario, prm, self.index, self.n_paths,
                          self._constants)

    def constant(self, key: str, make: Callable[[], _T], *inputs: object) -> _T:
        """``make()``, computed on the first call for ``key`` and then reused while the
        same ``inputs`` (compared by identity: arrays of the state fixed at the start) are
        passed. The value must not be modified by the caller."""
        held = self._constants.get(key)
        if held is not None and len(held[0]) == len(inputs) and all(
                map(operator.is_, held[0], inputs)):
            return held[1]  # type: ignore[no-any-return]
        value = make()
        if isinstance(value, np.ndarray):
            value.flags.writeable = False  # shared by every later quarter
        self._constants[key] = (inputs, value)
        return value

    def by_obligor(self, x: FloatArray) -> FloatArray:
        """Sum a contract array (n_paths, m) by obligor: (n_paths, n)
        (:func:`~bubblescope.stress.kernels.aggregate.sum_by`)."""
        return sum_by(x, self.web.obligor, self.web.n)

    def by_holder(self, x: FloatArray) -> FloatArray:
        """Sum a contract array (n_paths, m) by holder inside the web: (n_paths, n)."""
        return sum_by(x, self.web.holder, self.web.n)


def _pool_lgd(cw: CompiledWeb) -> FloatArray:
    return cw.pool_lgd if cw.pool_lgd.size == cw.n else np.full(cw.n, np.nan)


def _sale_margin(cw: CompiledWeb) -> FloatArray:
    """Gross margin of the seller of each customer purchase, (m,), NaN where none is known."""
    margin = cw.gross_margin if cw.gross_margin.size == cw.n else np.full(cw.n, np.nan)
    seller = np.where(cw.holder >= 0, margin[np.maximum(cw.holder, 0)], np.nan)
    return np.asarray(np.where(cw.kind_mask(("customer_revenue",)), seller, np.nan),
                      dtype=np.float64)


def _pools(cw: CompiledWeb) -> BoolArray:
    return np.asarray(~np.isnan(_pool_lgd(cw)), dtype=np.bool_)


def _entity_shocks(cw: CompiledWeb, sc: Scenario) -> FloatArray:
    out = np.zeros(cw.n)
    for entity, value in sc.revenue_shocks:
        if entity not in cw.ids:
            raise ScenarioError(
                f"scenario {sc.name!r}: 'revenue_shocks' names {entity!r}, which is not an "
                f"entity of web {cw.name!r} (entities: {', '.join(cw.ids)})"
            )
        out[cw.ids.index(entity)] = value
    return out
