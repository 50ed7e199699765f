"""The bubble card as JSON-ready data: numbers with their units, not display strings.

:func:`card_payload` is what ``bubblescope size --json`` prints and what ``bubblescope run``
stores. Every figure keeps its display text (``value``) and adds ``numbers`` whose keys
carry the unit (``_usd_bn``, ``_share`` in 0..1, ``_pp``, ``_x``, ``_points``). The
``details`` block holds the results behind the figures (per-entity and per-sector tables,
cycles, round trips, roles, growth excluding AI, the SPV comparison, customer shares);
each table has a ``units`` map from column to unit.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Final

import pandas as pd

from bubblescope.model.jsonsafe import finite
from bubblescope.size.bubble_card import SizeCard

__all__ = ["card_details", "card_payload", "records"]

Json = dict[str, Any]

_REVENUE_UNITS: Final = {"ai_revenue": "usd_bn", "capex": "usd_bn",
                         "commitments_per_year": "usd_bn_per_year", "gap": "usd_bn",
                         "coverage": "ratio (ai_revenue / (capex + commitments_per_year))"}
_DEBT_UNITS: Final = {"capex": "usd_bn", "on_bs": "usd_bn", "off_bs": "usd_bn",
                      "on_share": "share of capex (0..1)", "off_share": "share of capex (0..1)",
                      "debt_share": "share of capex (0..1)"}


def records(frame: pd.DataFrame) -> list[Json]:
    """Rows of ``frame`` as dicts (NaN as ``None``)."""
    out: list[Json] = finite(frame.to_dict(orient="records"))
    return out


def card_payload(card: SizeCard) -> Json:
    """The card as JSON-ready data: headline, figures (text and numbers), details."""
    w = card.wicksell
    out: Json = finite({
        "headline": card.headline,
        "figures": [asdict(f) for f in card.figures],
        "unavailable": list(card.unavailable),
        "wicksell": {
            "rates": w.rate_name, "rate_source": w.rate_source, "rate_note": w.rate_note,
            "config": asdict(w.config), "ratio_dotcom": w.ratio_dotcom,
            "ratio_subprime": w.ratio_subprime, "notes": list(w.notes),
            "episodes": [asdict(e) for e in w.episodes],
            "units": {"ratio_dotcom": "x", "ratio_subprime": "x", "episodes.size": "pp_years",
                      "config.theta": "pp"},
        },
        "variants": records(card.variants.table),
        "details": card_details(card),
    })
    return out


def card_details(card: SizeCard) -> Json:
    """The results behind the figures, as numbers (``None`` where a measure is unavailable)."""
    out: Json = {}
    if card.revenue is not None:
        r = card.revenue
        out["revenue_gap"] = {
            "year": r.year, "units": _REVENUE_UNITS, "by_entity": records(r.by_entity),
            "by_sector": records(r.by_sector), "total": r.total,
            "total_excluding_chipmakers": r.total_excluding(("chipmaker",))}
    if card.debt is not None:
        d = card.debt
        out["debt_mix"] = {
            "year": d.year, "units": _DEBT_UNITS, "by_entity": records(d.by_entity),
            "by_sector": records(d.by_sector), "total": d.total,
            "undated_contracts": d.undated,
            "spv_looked_through": [{"spv": k.spv, "spv_debt_usd_bn": k.spv_debt,
                                    "tenant": k.tenant, "carried_usd_bn": k.part,
                                    "lease": k.lease} for k in d.links],
            "aggregates_capex_usd_bn": dict(d.aggregates)}
    if card.spv is not None:
        s = card.spv
        out["spv_comparison"] = {
            "tenant": s.tenant, "spvs": list(s.spvs), "carried_usd_bn": s.carried,
            "industry_capex_usd_bn": s.industry_capex, "share_of_industry_capex": s.share,
            "seed_spv_debt_usd_bn": s.seed_debt, "seed_share_of_industry_capex": s.seed_share}
    if card.cycles is not None:
        out["cycles"] = [{"nodes": list(k.nodes), "smallest_leg_usd_bn": k.smallest,
                          "hops": [{"from": h.src, "to": h.dst, "usd_bn": h.value,
                                    "legs": list(h.legs), "contracts": list(h.contract_ids)}
                                   for h in k.hops]} for k in card.cycles.cycles]
    if card.round_trips is not None:
        rt = card.round_trips
        out["round_trips"] = {
            "share_by_firm": {f: rt.share(f) for f in rt.firms},
            "trips": [{"firm": t.firm, "customer": t.customer, "revenue_usd_bn": t.revenue,
                       "returned_usd_bn": t.returned, "path": list(t.path)} for t in rt.trips]}
    if card.roles is not None:
        out["several_roles"] = [{"entity": e, "roles": list(card.roles.roles[e])}
                                for e in card.roles.multi]
    if card.concentration is not None:
        k = card.concentration
        out["concentration"] = {
            "supplier": k.supplier, "basis": k.basis, "revenue_usd_bn": k.denominator,
            "hhi": k.hhi, "top_share": k.top_share, "unattributed_share": k.unattributed,
            "customers": [{"customer": c, "revenue_usd_bn": a, "share": s} for c, a, s in
                          zip(k.customers, k.amounts, k.shares, strict=True)]}
    if card.break_even is not None:
        b = card.break_even
        out["break_even"] = {
            "revenue0_usd_bn": b.revenue0, "obligations_usd_bn_per_year": b.obligations,
            "margin_share": b.margin, "required_usd_bn_per_year": b.required,
            "year_exponential": b.year_exponential, "year_linear": b.year_linear,
            "years": b.years, "exponential_usd_bn": b.exponential, "linear_usd_bn": b.linear}
    if card.gdp is not None:
        g = card.gdp
        window_numbers = next(f.numbers for f in card.figures if f.key == "gdp")
        out["gdp"] = {
            "window": list(g.window), **window_numbers, "seed_ai_share": g.claim,
            "quarters": [{"quarter": q.quarter, "gdp_growth_pp": q.gdp_growth, "ai_pp": q.ai,
                          "growth_ex_ai_pp": q.ex_ai, "used": list(q.used),
                          "flags": list(q.flags)} for q in g.quarters]}
    if card.gk is not None:
        gk = card.gk
        out["goldfarb_kirsch"] = {
            e.id: {"total_points": gk.total(e.id), "verdict": gk.verdict(e.id),
                   "scores": dict(zip((f.id for f in gk.rubric.factors), gk.scores[e.id],
                                      strict=True))} for e in gk.rubric.episodes}
    return out
