"""The bubble card: every sizing figure in one place, with its source and benchmarks.

:func:`bubble_card` takes inputs already loaded (:class:`SizeInputs`; the loader is
:func:`bubblescope.size.data.load_inputs`) and runs each measure. A figure that cannot be
computed from the inputs (an entity missing from the web, say) is reported as unavailable
with the reason, never as a number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

import pandas as pd

from bubblescope.model.errors import DataError, ScenarioError
from bubblescope.model.series import Series
from bubblescope.model.tables import Tabular
from bubblescope.model.web import Web
from bubblescope.size.circularity import (
    CycleReport,
    RoleReport,
    RoundTripReport,
    cycles,
    roles,
    round_trips,
)
from bubblescope.size.concentration import Concentration, concentration
from bubblescope.size.debt_mix import DebtMix, debt_mix
from bubblescope.size.gdp_contribution import ContributionRow, GdpContribution, gdp_contribution
from bubblescope.size.goldfarb_kirsch import GKScores, Rubric, score
from bubblescope.size.revenue_gap import (
    BreakEven,
    RevenueGap,
    SequoiaResult,
    break_even,
    revenue_gap,
    sequoia_required_revenue,
)
from bubblescope.size.scaling import Generation, ScalingFit, fit_scaling
from bubblescope.size.wicksell import (
    Allocation,
    FlowShare,
    VariantsTable,
    WicksellConfig,
    WicksellResult,
    allocate,
    variants,
    wicksell,
)

__all__ = ["CapexComparison", "CardFigure", "CardOptions", "SizeCard", "SizeInputs",
           "SpvComparison", "bubble_card", "card"]

T = TypeVar("T")


@dataclass(frozen=True)
class SizeInputs:
    """Everything the card needs, loaded at the edge."""

    gdp: Series
    rates: Mapping[str, Series]
    flows: tuple[FlowShare, ...]
    claims: Mapping[str, Any]
    rubric: Rubric
    generations: tuple[Generation, ...]
    contributions: tuple[ContributionRow, ...]
    web: Web | None
    web_error: str = ""


@dataclass(frozen=True)
class CardOptions:
    """User choices for the card."""

    rates: str = "treasury_const"
    wicksell: WicksellConfig = field(default_factory=WicksellConfig)
    year: int = 2025
    margin: float = 0.5
    lab: str = "openai"
    neocloud: str = "coreweave"
    chip_supplier: str = "nvidia"
    h1_window: tuple[str, ...] = ("2025Q1", "2025Q2")
    spv_tenant: str = "meta"


@dataclass(frozen=True)
class SpvComparison:
    """SPV debt a tenant carries (looked through) against industry capex, beside the seed's.

    ``industry_capex`` is the seed's industry capex claim (``ai_capex_2025``), the
    benchmark the seed's "≈ 5 %" uses; ``seed_debt`` the seed's SPV debt for the tenant
    (``<tenant>_spv_debt``, e.g. ``meta_spv_debt``), ``None`` when the seed gives none.
    """

    tenant: str
    spvs: tuple[str, ...]
    carried: float
    industry_capex: float
    seed_debt: float | None

    @property
    def share(self) -> float:
        """Carried SPV debt as a share of industry capex (0..1)."""
        return self.carried / self.industry_capex

    @property
    def seed_share(self) -> float | None:
        """The seed's SPV debt as a share of the same capex."""
        return None if self.seed_debt is None else self.seed_debt / self.industry_capex


@dataclass(frozen=True)
class CapexComparison:
    """Hyperscalers' capex from their filings beside the seed's AI-industry capex, one year.

    The two measure different things: ``filings`` is purchases of property and equipment
    (all uses: AI and non-AI data centres, offices, logistics) of the ``firms``; the seed's
    figure (Goldman Sachs via seed 000) is AI-industry capex. Neither is converted into the
    other; the card shows both with their definitions.
    """

    year: int
    filings: float
    firms: tuple[str, ...]
    seed: float | None

    @property
    def seed_share(self) -> float | None:
        """The seed's figure as a share of the filings' total."""
        return None if self.seed is None or self.filings <= 0 else self.seed / self.filings


@dataclass(frozen=True)
class CardFigure:
    """One line of the card."""

    key: str
    label: str
    value: str
    source: str
    vs_dotcom: str = ""
    vs_2008: str = ""
    seed: str = ""
    numbers: Mapping[str, float | None] = field(default_factory=dict)
    """The figure's numbers, unit in the key (``_usd_bn``, ``_share`` 0..1, ``_pp``, ``_x``)."""


@dataclass(frozen=True)
class SizeCard(Tabular):
    """The card's figures and the full results behind them."""

    figures: tuple[CardFigure, ...]
    options: CardOptions
    wicksell: WicksellResult
    variants: VariantsTable
    allocation: Allocation | None = None
    sequoia: SequoiaResult | None = None
    revenue: RevenueGap | None = None
    break_even: BreakEven | None = None
    debt: DebtMix | None = None
    cycles: CycleReport | None = None
    round_trips: RoundTripReport | None = None
    roles: RoleReport | None = None
    spv: SpvComparison | None = None
    capex: CapexComparison | None = None
    concentration: Concentration | None = None
    gdp: GdpContribution | None = None
    scaling: ScalingFit | None = None
    gk: GKScores | None = None
    unavailable: tuple[str, ...] = ()

    @property
    def headline(self) -> str:
        """One sentence for ``bubblescope run``."""
        w = self.wicksell
        ratios = (f"{_x(w.ratio_dotcom)} the dot-com episode and {_x(w.ratio_subprime)} "
                  "subprime")
        gk = "" if self.gk is None else f"; Goldfarb–Kirsch score {self.gk.total('ai_2025')}/8"
        lo_d, hi_d, lo_s, hi_s = self.variants.ratio_range
        return (f"How big: the current Wicksellian deficit episode ({w.rate_name}, "
                f"{w.config.rule}, θ={w.config.theta:g}) is {ratios} "
                f"(seed claims 17x and 4x; across the {len(self.variants.table)} rate and rule "
                f"variants {lo_d:.1f}..{hi_d:.0f}x and {lo_s:.1f}..{hi_s:.1f}x){gk}. "
                f"Default: {_DEFAULT_WHY.get(w.rate_name, 'chosen by the user')}")

    def to_dict(self) -> dict[str, Any]:
        """The card as JSON-ready data (:func:`bubblescope.size.payload.card_payload`): what
        ``size --json`` prints, the ``size`` part of ``run --json`` and ``/api/size``."""
        from bubblescope.size.payload import card_payload  # payload imports this module

        return card_payload(self)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The card (one row per figure, its numbers with units in their names), the
        Wicksell series and variants, and the web measures behind the card (USD bn)."""
        card = pd.DataFrame([{"figure": f.key, "label": f.label, "value": f.value,
                              "vs_dotcom": f.vs_dotcom, "vs_2008": f.vs_2008, "seed": f.seed,
                              "source": f.source, **dict(f.numbers)} for f in self.figures])
        w = self.wicksell
        out = {"card": card,
               "wicksell_pp": pd.DataFrame({"period": w.periods, "deficit_pp": w.deficit,
                                            "accumulated_pp_years": w.accumulated}),
               "wicksell_variants": self.variants.table}
        if self.revenue is not None:
            out["revenue_gap_by_sector_usd_bn"] = self.revenue.by_sector
            out["revenue_gap_by_entity_usd_bn"] = self.revenue.by_entity
        if self.debt is not None:
            out["debt_mix_by_entity_usd_bn"] = self.debt.by_entity
        return out

    def __str__(self) -> str:
        lines = ["HOW BIG — the bubble card", self.headline, ""]
        for f in self.figures:
            bench = " ".join(b for b in (f.vs_dotcom, f.vs_2008) if b)
            seed = f"  | seed: {f.seed}" if f.seed else ""
            lines.append(f"• {f.label}: {f.value}" + (f"  [{bench}]" if bench else "") + seed)
            lines.append(f"    source: {f.source}")
        lines += [f"• unavailable: {u}" for u in self.unavailable]
        return "\n".join(lines)


#: Why each rate series is (or would be) the default of the Wicksell headline.
_DEFAULT_WHY: Final[dict[str, str]] = {
    "treasury_const": "10y Treasury + 1.92 pp, the one rate series the package can ship "
                      "(Moody's Baa is vendor data) with the Baa spread's long-run mean, so "
                      "the rule's 2 pp margin is measured against a Baa-like borrowing cost.",
    "baa": "Moody's Baa, the corporate borrowing cost Garran's rule names.",
}


def _x(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f}x"


def bubble_card(inputs: SizeInputs, options: CardOptions | None = None) -> SizeCard:
    """Compute every sizing figure for the card.

    Raises
    ------
    ScenarioError
        If ``options.rates`` names a rate series the inputs do not have.
    """
    opt = options or CardOptions()
    if opt.rates not in inputs.rates:
        raise ScenarioError(f"rates must be one of {', '.join(inputs.rates)} with this data "
                            f"(vendor series need --data-dir), got {opt.rates!r}")
    missing: list[str] = []
    w = wicksell(inputs.gdp, inputs.rates[opt.rates], opt.wicksell)
    parts: dict[str, Any] = {
        "wicksell": w,
        "variants": variants(inputs.gdp, inputs.rates, base=opt.wicksell),
        "allocation": _try(missing, "allocation", lambda: allocate(w, inputs.flows, inputs.gdp)),
        "gdp": _try(missing, "GDP contribution", lambda: gdp_contribution(
            inputs.contributions, opt.h1_window, claim=_claim(inputs, "gdp_ai_share_h1_2025"))),
        "scaling": _try(missing, "scaling", lambda: fit_scaling(inputs.generations)),
        "gk": score(inputs.rubric),
    }
    parts.update(_web_parts(inputs, opt, missing))
    figures = _figures(inputs, opt, parts)
    return SizeCard(figures=figures, options=opt, unavailable=tuple(missing), **parts)


def _try(missing: list[str], label: str, fn: Callable[[], T]) -> T | None:
    try:
        return fn()
    except (ScenarioError, DataError, KeyError) as exc:
        missing.append(f"{label}: {str(exc).splitlines()[0]}")
        return None


def _claim(inputs: SizeInputs, key: str) -> float | None:
    c = inputs.claims.get(key)
    return None if c is None else float(c.value)


def _web_parts(inputs: SizeInputs, opt: CardOptions, missing: list[str]) -> dict[str, Any]:
    web = inputs.web
    if web is None:
        missing.append(f"web measures: {inputs.web_error or 'no web loaded'}")
        return {}
    rev = _try(missing, "revenue gap", lambda: revenue_gap(web, opt.year))
    debt = _try(missing, "debt mix", lambda: debt_mix(web, opt.year))
    return {
        "spv": None if debt is None else _try(missing, "SPV comparison",
                                              lambda: _spv(inputs, debt, opt)),
        "revenue": rev,
        "sequoia": _try(missing, "Sequoia", lambda: _sequoia(web, opt)),
        "break_even": _try(missing, "break-even", lambda: _break_even(web, rev, opt)),
        "debt": debt,
        "capex": _try(missing, "capex 2024", lambda: _capex(inputs, web, 2024)),
        "cycles": _try(missing, "cycles", lambda: cycles(web)),
        "round_trips": _try(missing, "round trips", lambda: round_trips(web)),
        "roles": _try(missing, "roles", lambda: roles(web)),
        "concentration": _try(missing, "concentration",
                              lambda: concentration(web, opt.neocloud)),
    }


def _spv(inputs: SizeInputs, debt: DebtMix, opt: CardOptions) -> SpvComparison:
    tenant = opt.spv_tenant
    links = [k for k in debt.links if k.tenant == tenant]
    if not links:
        raise ScenarioError(f"{tenant} leases from no SPV in the web")
    capex = _claim(inputs, "ai_capex_2025")
    if capex is None or capex <= 0:
        raise ScenarioError("the seed's industry capex (ai_capex_2025) is missing or not "
                            "positive")
    return SpvComparison(tenant, tuple(k.spv for k in links), sum(k.part for k in links),
                         capex, _claim(inputs, f"{tenant}_spv_debt"))


def _capex(inputs: SizeInputs, web: Web, year: int) -> CapexComparison:
    figs = {e.id: f for e in web.entities
            if e.kind == "hyperscaler" and (f := e.figure("capex", year)) is not None}
    if not figs:
        raise ScenarioError(f"no hyperscaler has a capex figure for {year}")
    return CapexComparison(year, sum(f.value for f in figs.values()), tuple(figs),
                           _claim(inputs, f"ai_capex_{year}"))


def _sequoia(web: Web, opt: CardOptions) -> SequoiaResult:
    fig = web.entity(opt.chip_supplier).figure("ai_revenue", opt.year)
    if fig is None:
        raise ScenarioError(f"{opt.chip_supplier} has no ai_revenue figure for {opt.year}")
    return sequoia_required_revenue(fig.value)


def _break_even(web: Web, rev: RevenueGap | None, opt: CardOptions) -> BreakEven:
    entity = web.entity(opt.lab)
    fig = entity.figure("ai_revenue", opt.year) or entity.figure("revenue", opt.year)
    if fig is None or rev is None:
        raise ScenarioError(f"{opt.lab} has no revenue figure for {opt.year}")
    row = rev.by_entity[rev.by_entity["entity"] == opt.lab]
    owed = float(row["commitments_per_year"].iloc[0]) if len(row) else 0.0
    return break_even(fig.value, owed, opt.margin, start_year=opt.year)


# --- the lines of the card --------------------------------------------------------------------
def _figures(inputs: SizeInputs, opt: CardOptions, p: Mapping[str, Any]) -> tuple[CardFigure, ...]:
    c = inputs.claims
    seed = {k: f"{v.value:g} (seed {v.seed})" for k, v in c.items()}
    out = [_wicksell_fig(p["wicksell"], p["variants"], seed)]
    builders: list[tuple[str, Callable[[Any], CardFigure]]] = [
        ("allocation", _alloc_fig), ("revenue", lambda r: _revenue_fig(r, seed)),
        ("sequoia", _sequoia_fig), ("break_even", lambda b: _be_fig(b, opt, seed)),
        ("debt", lambda d: _debt_fig(d, seed)), ("capex", _capex_fig), ("cycles", _cycle_fig),
        ("round_trips", _round_fig), ("concentration", lambda k: _conc_fig(k, seed)),
        ("gdp", lambda g: _gdp_fig(g, seed)), ("scaling", _scaling_fig),
        ("gk", lambda g: _gk_fig(g, seed)),
    ]
    out += [fn(p[key]) for key, fn in builders if p.get(key) is not None]
    return tuple(out)


def _wicksell_fig(w: WicksellResult, v: VariantsTable, seed: Mapping[str, str]) -> CardFigure:
    size = "none" if w.current is None else f"{w.current.size:.1f} pp-years ({w.current.start}.." \
        f"{w.current.end})"
    lo_d, hi_d, lo_s, hi_s = v.ratio_range
    return CardFigure(
        "wicksell", "Wicksellian deficit, current episode", size,
        f"{w.rate_name}: {w.rate_note or w.rate_source}; BEA GDP",
        f"{_x(w.ratio_dotcom)} (variants {lo_d:.1f}..{hi_d:.0f}x)",
        f"{_x(w.ratio_subprime)} (variants {lo_s:.1f}..{hi_s:.1f}x)",
        f"dot-com {seed.get('wicksell_ratio_dotcom', 'n/a')}, 2008 "
        f"{seed.get('wicksell_ratio_subprime', 'n/a')}",
        {"current_size_pp_years": None if w.current is None else w.current.size,
         "ratio_dotcom_x": w.ratio_dotcom, "ratio_subprime_x": w.ratio_subprime,
         "variants_ratio_dotcom_min_x": lo_d, "variants_ratio_dotcom_max_x": hi_d,
         "variants_ratio_subprime_min_x": lo_s, "variants_ratio_subprime_max_x": hi_s,
         "theta_pp": w.config.theta})


def _alloc_fig(a: Allocation) -> CardFigure:
    ai = next((s for f, s in zip(a.flows, a.usd_bn, strict=True) if f.asset_class == "ai"), 0.0)
    return CardFigure("allocation", "Misallocated capital in AI",
                      f"~${ai:,.0f}bn of ${a.usd_bn.sum():,.0f}bn",
                      "ASSUMPTION: flow shares (flow_shares.csv, low confidence)",
                      numbers={"ai_usd_bn": float(ai), "total_usd_bn": float(a.usd_bn.sum())})


def _revenue_fig(r: RevenueGap, seed: Mapping[str, str]) -> CardFigure:
    t = r.total_excluding(("chipmaker",))
    return CardFigure("revenue_gap", f"AI revenue vs capex + commitments {r.year}",
                      f"${t['ai_revenue']:,.0f}bn vs ${t['capex']:,.0f}bn + "
                      f"${t['commitments_per_year']:,.0f}bn/yr",
                      "web ai_revenue figures: labs, neoclouds and the hyperscalers that "
                      "disclose AI revenue or run-rates (chipmakers left out: their AI "
                      "revenue is the others' capex)",
                      seed=f"{seed.get('ai_revenue_2025', '')} vs "
                           f"{seed.get('ai_spending_2025', '')}",
                      numbers={"ai_revenue_usd_bn": t["ai_revenue"], "capex_usd_bn": t["capex"],
                               "commitments_usd_bn_per_year": t["commitments_per_year"],
                               "gap_usd_bn": t["gap"]})


def _capex_fig(k: CapexComparison) -> CardFigure:
    seed = "n/a" if k.seed is None else f"${k.seed:,.0f}bn"
    share = "" if k.seed_share is None else f" ({k.seed_share:.0%} of the filings' total)"
    return CardFigure(
        "capex_definitions", f"Capex {k.year}: two definitions",
        f"${k.filings:,.0f}bn filings ({len(k.firms)} hyperscalers, all property and "
        f"equipment) vs {seed} seed (AI-industry capex){share}",
        "10-K/10-Q purchases of property and equipment (web capex figures); seed 000 "
        "(Goldman Sachs via Lockett)", seed=f"{seed} (seed 000)",
        numbers={"filings_usd_bn": k.filings, "seed_usd_bn": k.seed})


def _sequoia_fig(s: SequoiaResult) -> CardFigure:
    return CardFigure("sequoia", "Sequoia required AI revenue", f"${s.required:,.0f}bn/yr "
                      f"(GPU run-rate ${s.run_rate:,.0f}bn)", "Cahn (Sequoia) formula; web",
                      numbers={"required_usd_bn_per_year": s.required,
                               "gpu_run_rate_usd_bn": s.run_rate, "gpu_share": s.gpu_share,
                               "gross_margin_share": s.gross_margin})


def _be_fig(b: BreakEven, opt: CardOptions, seed: Mapping[str, str]) -> CardFigure:
    return CardFigure("break_even", f"{opt.lab} break-even at {opt.margin:.0%} margin",
                      f"needs ${b.required:,.0f}bn; x9/2y path: {b.year_exponential:.0f}, "
                      f"linear: {b.year_linear:.0f}", "web; Azhar's x9 in two years",
                      seed=seed.get("azhar_growth_two_years", ""),
                      numbers={"required_usd_bn_per_year": b.required,
                               "margin_share": opt.margin,
                               "year_exponential": b.year_exponential,
                               "year_linear": b.year_linear})


def _debt_fig(d: DebtMix, seed: Mapping[str, str]) -> CardFigure:
    t = d.total
    return CardFigure("debt_mix", f"Debt share of {d.year} capex",
                      f"on {t['on_share']:.0%}, off {t['off_share']:.0%} (of ${t['capex']:,.0f}bn)",
                      "web firms, SPVs looked through",
                      seed=f"{seed.get('on_balance_sheet_debt_2025', '')} of "
                           f"{seed.get('ai_capex_2025', '')}",
                      numbers={"capex_usd_bn": t["capex"], "on_bs_usd_bn": t["on_bs"],
                               "off_bs_usd_bn": t["off_bs"], "on_share": t["on_share"],
                               "off_share": t["off_share"], "debt_share": t["debt_share"]})


def _cycle_fig(c: CycleReport) -> CardFigure:
    top = "none"
    smallest: float | None = None
    if c.cycles:
        k = c.cycles[0]
        smallest = k.smallest
        top = f"{' → '.join((*k.nodes, k.nodes[0]))} (min leg ${k.smallest:,.0f}bn)"
    return CardFigure("cycles", f"Financing cycles ({len(c.cycles)}), top", top,
                      "web contracts as money flows",
                      numbers={"count": float(len(c.cycles)), "top_smallest_leg_usd_bn": smallest})


def _round_fig(r: RoundTripReport) -> CardFigure:
    firm = r.firms[0] if r.firms else "none"
    share = r.share(firm) if r.firms else 0.0
    return CardFigure("round_trip", "Top round-trip revenue share", f"{firm} {share:.0%}",
                      "web (widest path back)", numbers={"top_share": share})


def _conc_fig(k: Concentration, seed: Mapping[str, str]) -> CardFigure:
    return CardFigure("concentration", f"{k.supplier} customers",
                      f"top {k.customers[0]} {k.top_share:.0%}, HHI {k.hhi:.2f}",
                      f"web ({k.basis})",
                      seed=seed.get("coreweave_top_customer_share", ""),
                      numbers={"top_share": k.top_share, "hhi": k.hhi,
                               "unattributed_share": k.unattributed})


def _gdp_fig(g: GdpContribution, seed: Mapping[str, str]) -> CardFigure:
    lo, hi = g.sensitivity()
    return CardFigure("gdp", "AI share of H1 2025 GDP growth",
                      f"{g.window_share:.0%} (growth ±0.5 pp: {hi:.0%}..{lo:.0%})",
                      "BEA via cited summaries (gdp_contributions.csv)",
                      seed=seed.get("gdp_ai_share_h1_2025", ""),
                      numbers={"ai_share": g.window_share, "growth_pp": g.window_growth,
                               "ai_pp": g.window_ai,
                               "growth_ex_ai_pp": g.window_growth - g.window_ai,
                               "ai_share_growth_minus_0_5pp": lo,
                               "ai_share_growth_plus_0_5pp": hi})


def _scaling_fig(s: ScalingFit) -> CardFigure:
    return CardFigure("scaling", "Training cost per generation",
                      f"x{s.cost_factor:.1f}", "seed 002; MMLU (scaling.csv)",
                      numbers={"cost_factor_per_generation_x": s.cost_factor})


def _gk_fig(g: GKScores, seed: Mapping[str, str]) -> CardFigure:
    ai, dot = g.total("ai_2025"), g.total("dotcom_1990s") if "dotcom_1990s" in g.scores else None
    return CardFigure("gk", "Goldfarb–Kirsch score, AI 2025", f"{ai}/8 ({g.verdict('ai_2025')})",
                      "goldfarb_kirsch.yaml",
                      vs_dotcom="" if dot is None else f"{dot}/8",
                      seed=seed.get("gk_ai_score", ""),
                      numbers={"ai_score_points": float(ai),
                               "dotcom_score_points": None if dot is None else float(dot),
                               "max_points": 8.0})


def card(web: Web | None, data_dir: Path | str | None = None,
         options: CardOptions | None = None) -> SizeCard:
    """The bubble card of ``web`` (``None``: the figures that need a web are left out).

    >>> import bubblescope as bs
    >>> bs.size.card(bs.load_default()).figures[0].label != ""
    True

    The vendor data directory is resolved as for ``bubblescope size``
    (:func:`bubblescope.datadir.resolve_data_dir`: ``data_dir``, else
    ``$BUBBLESCOPE_DATA_DIR``, else ``../shared/data`` when it exists); the rates default to
    ``baa`` when a directory is found, else ``treasury_const``.
    """
    from bubblescope.datadir import resolve_data_dir
    from bubblescope.size.data import default_rates, load_inputs

    ddir = resolve_data_dir(data_dir)
    opts = options or CardOptions(rates=default_rates(ddir))
    return bubble_card(load_inputs(ddir, web), opts)
