"""The calibration table: each stress preset's headline figures beside history's envelopes.

For every preset :func:`calibrate` runs the engine once on the web and reads from the
result the figures of :data:`~bubblescope.calibration.envelopes.METRICS` (per-firm equity
drawdowns, AI index and GPU rental troughs, BBB and high-yield spread peaks, defaulted debt
and default rate in the worst year, downgraded volume, regulated holders' losses against
capital, GDP and jobs troughs); :func:`check` compares each with the worst of the dot-com
bust, 2008 and the 2022 tech drawdown. A figure outside needs a written reason in the
preset (``calibration_notes``); one without is a finding (``unexplained``).

Definitions (docs/calibration.md):

* drawdowns are peak-to-trough over the run on the mean path, the start counting as a peak;
* the high-yield spread is implied from the engine's BBB spread with the measured slope of
  the HY OAS on the BBB OAS (1996-2026), from their levels at the web's as-of date;
* defaulted debt of a year is the debt outstanding at the start of the obligors that
  default in that year, plus the principal of granular-pool borrowers (the residual private
  credit to tech) that defaulted in it; the default rate divides it by all AI-linked debt at
  the start;
* the private-credit default rate is the granular pool's defaults over the trailing four
  quarters as a share of its principal (the S&P/LSTA trailing-12-month measure), at its
  peak; the private-credit NAV fall is the largest fall of private-credit funds' NAV per
  share from the start;
* regulated holders are banks and life insurers; their losses include every channel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from bubblescope.calibration.envelopes import METRICS, Envelope, envelopes, load_cited
from bubblescope.calibration.history import History, hy_bbb_slope, load_history, measure
from bubblescope.model._typing import FloatArray
from bubblescope.model.web import Web
from bubblescope.stress.compile import DEBT_KINDS, CompiledWeb, compile_web
from bubblescope.stress.engine import run
from bubblescope.stress.funds_view import pool_default_rates
from bubblescope.stress.kernels.firm_value import drawdowns
from bubblescope.stress.kernels.ratings import INVESTMENT_GRADE_FLOOR
from bubblescope.stress.result import StressResult
from bubblescope.stress.scenario import PRESETS, load_preset

__all__ = ["FIRM_KINDS", "CalibrationTable", "PresetCalibration", "calibrate", "figures",
           "h100_equivalent", "ig_issuers_downgraded"]

#: Entity kinds whose equity drawdown the table reports, grouped as in :data:`METRICS`.
FIRM_KINDS: Final[dict[str, tuple[str, ...]]] = {
    "hyperscaler_drawdown": ("hyperscaler",),
    "chipmaker_drawdown": ("chipmaker",),
    "pure_play_drawdown": ("neocloud", "ai_lab", "data_center_developer"),
}
_REGULATED: Final[tuple[str, ...]] = ("bank", "life_insurer")


@dataclass(frozen=True)
class PresetCalibration:
    """One preset's figures, per-firm drawdowns, and which figures lie outside history."""

    preset: str
    values: Mapping[str, float]
    firms: Mapping[str, float]
    outside: tuple[str, ...] = ()
    reasons: Mapping[str, str] = field(default_factory=dict)

    @property
    def unexplained(self) -> tuple[str, ...]:
        """Figures outside their envelope with no written reason in the preset."""
        return tuple(m for m in self.outside if m not in self.reasons)


@dataclass(frozen=True)
class CalibrationTable:
    """Every preset's calibration beside the envelopes."""

    presets: tuple[PresetCalibration, ...]
    envelopes: Mapping[str, Envelope]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        """The table as text: one row per metric, one column per preset, then history."""
        names = [p.preset for p in self.presets]
        head = f"{'figure':<44}" + "".join(f"{n[:14]:>15}" for n in names) + "  history (worst)"
        out = [head]
        for m in METRICS:
            env = self.envelopes[m.key]
            cells = []
            for p in self.presets:
                mark = "*" if m.key in p.outside else " "
                cells.append(f"{format_value(p.values.get(m.key, np.nan), m.unit):>14}{mark}")
            hist = ", ".join(f"{e} {format_value(v, m.unit)}" for e, v in env.episodes.items())
            out.append(f"{m.label + ' (' + m.unit + ')':<44}" + "".join(cells) + "  " + hist)
        out.append("* outside history's envelope; reasons:")
        for p in self.presets:
            for metric in p.outside:
                why = p.reasons.get(metric, "NO WRITTEN REASON")
                out.append(f"  {p.preset} / {metric}: {why}")
        return out


def format_value(v: float, unit: str) -> str:
    """Format one figure for the table (``—`` when the run does not produce it).

    >>> format_value(0.4567, "fraction"), format_value(float("nan"), "%")
    ('45.7%', '—')
    """
    if v != v:
        return "—"
    if unit == "fraction":
        return f"{v:.1%}"
    if unit == "USD bn":
        return f"{v:,.0f}"
    return f"{v:.2f}"


def calibrate(web: Web | CompiledWeb, presets: Sequence[str] = PRESETS,
              history: History | None = None) -> CalibrationTable:
    """Run each preset on ``web`` and compare its figures with history.

    Parameters
    ----------
    web : Web or CompiledWeb
    presets : sequence of str
        Preset names (default: all six).
    history : History, optional
        The measured series (default: the bundled ones).
    """
    cw = web if isinstance(web, CompiledWeb) else compile_web(web)
    hist = history or load_history()
    env = envelopes(measure(hist), load_cited())
    rows = []
    for name in presets:
        sc = load_preset(name)
        vals, firms = figures(run(cw, sc), cw, hist)
        outside = tuple(k for k in env if not env[k].inside(vals.get(k, np.nan)))
        rows.append(PresetCalibration(name, vals, firms, outside, dict(sc.calibration_notes)))
    return CalibrationTable(tuple(rows), env)


def figures(result: StressResult, cw: CompiledWeb, history: History
            ) -> tuple[dict[str, float], dict[str, float]]:
    """The calibration figures of one run (means over paths) and per-firm drawdowns."""
    kinds = np.array(result.entity_kinds, dtype=object)
    dd = drawdowns(result.valuation).mean(axis=0)
    firms = {e: float(dd[i]) for i, e in enumerate(result.entity_ids)
             if any(kinds[i] in ks for ks in FIRM_KINDS.values())}
    vals: dict[str, float] = {}
    for key, ks in FIRM_KINDS.items():
        mask = np.isin(kinds, ks)
        vals[key] = float(dd[mask].max()) if mask.any() else float("nan")
    vals.update(_market(result, history))
    vals.update(_credit(result, cw))
    vals["gdp_yoy_trough"] = float(result.gdp_growth.mean(axis=0).min())
    vals["jobs_millions"] = float(min(result.jobs_millions.mean(axis=0).min(), 0.0))
    return vals, firms


def _market(result: StressResult, history: History) -> dict[str, float]:
    out = {"ai_index_drawdown": float("nan"), "gpu_rental_trough_usd_h": float("nan")}
    if result.ai_index.size:
        out["ai_index_drawdown"] = float(drawdowns(result.ai_index[:, :, None]).mean())
    if result.gpu_rental.size:
        out["gpu_rental_trough_usd_h"] = float(h100_equivalent(result).mean(axis=0).min())
    bbb = 100.0 * result.spread.mean(axis=0)
    oas = history.oas[history.oas.index <= str(result.as_of)].iloc[-1]
    bbb_peak = max(float(bbb.max()), float(oas["bbb"]))
    out["bbb_spread_peak_pct"] = float(bbb.max())
    out["hy_spread_peak_pct"] = float(oas["hy"] + hy_bbb_slope(history.oas)
                                      * (bbb_peak - float(oas["bbb"])))
    return out


def h100_equivalent(result: StressResult) -> FloatArray:
    """The H100 rental without its planned generation decline, (n_paths, quarters), USD/h.

    The engine's rental is that of one vintage, which rents for less each year as newer
    generations ship (``generation_step`` every ``generation_interval_quarters``) even with
    no shock; dividing by that trend gives the rental of a GPU-hour of H100-equivalent
    compute, the quantity the 2023-2025 history ($8 -> $1.70) describes.
    """
    sc = result.scenario
    step = sc.values("generation_step", result.n_paths)[:, None]
    t = np.arange(1, result.quarters + 1)[None, :]
    trend = (1.0 - step) ** (t / sc.generation_interval_quarters)
    return np.asarray(result.gpu_rental / trend, dtype=np.float64)


def ig_issuers_downgraded(result: StressResult, cw: CompiledWeb) -> float:
    """Share of issuers rated investment grade at the start of a year whose rating is lower
    at its end (any notch; a default counts), in the worst year of the run (mean over
    paths): the measure of Moody's 22 % of investment-grade issuers downgraded in 2002.

    An issuer's rating is that of its best-rated debt outstanding at the start (its senior
    paper; SPVs by their senior tranche)."""
    debt = np.flatnonzero(cw.kind_mask(DEBT_KINDS) & (cw.start_q < 0))
    if debt.size == 0 or result.rating.size == 0:
        return float("nan")
    paths, quarters = result.rating.shape[:2]
    grades = np.concatenate([result.rating_start[:, None, debt], result.rating[:, :, debt]],
                            axis=1).astype(np.int64)  # (paths, quarters + 1, k)
    issuer = np.full((paths, quarters + 1, cw.n), np.iinfo(np.int64).max)
    for c, o in enumerate(cw.obligor[debt]):
        issuer[:, :, o] = np.minimum(issuer[:, :, o], grades[:, :, c])
    years = issuer[:, ::4]  # the start, then the end of each year
    before, after = years[:, :-1], years[:, 1:]
    ig = before <= INVESTMENT_GRADE_FLOOR
    share = (ig & (after > before)).sum(axis=2) / np.maximum(ig.sum(axis=2), 1)
    return float(share.mean(axis=0).max()) if share.size else float("nan")


def _credit(result: StressResult, cw: CompiledWeb) -> dict[str, float]:
    debt = cw.kind_mask(DEBT_KINDS) & (cw.start_q < 0)
    owed = np.bincount(cw.obligor[debt], weights=cw.amount[debt], minlength=cw.n)
    total = float(owed.sum())
    years = np.arange(result.quarters) // 4
    per_year = np.zeros((result.n_paths, int(years.max()) + 1))
    for p, i in zip(*np.nonzero(result.default_quarter >= 0), strict=True):
        per_year[p, years[result.default_quarter[p, i]]] += owed[i]
    if result.pool_defaulted.size:  # granular pools default name by name
        np.add.at(per_year.T, years, result.pool_defaulted.T)
    worst = float(per_year.mean(axis=0).max())
    pool = pool_default_rates(result)["trailing_year"]
    pc = [i for i, k in enumerate(result.entity_kinds) if k == "private_credit_fund"]
    nav_fall = (float(1.0 - result.fund_nav_index[:, :, pc].mean(axis=0).min())
                if pc and result.fund_nav_index.size else float("nan"))
    hit = result.capital_hit
    reg = hit[hit["kind"].isin(_REGULATED)]
    return {
        "defaulted_usd_bn_year": worst,
        "default_rate": worst / total if total > 0 else float("nan"),
        "downgraded_usd_bn": float(result.downgraded.mean(axis=0).max()),
        "downgraded_share": (float(result.downgraded.mean(axis=0).max()) / total
                             if total > 0 else float("nan")),
        "ig_issuers_downgraded_share": ig_issuers_downgraded(result, cw),
        "private_credit_default_rate": max(pool) if pool else float("nan"),
        "private_credit_nav_drawdown": nav_fall,
        "regulated_loss_share": float(reg["share"].max()) if len(reg) else float("nan"),
    }
