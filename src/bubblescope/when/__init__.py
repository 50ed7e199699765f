"""WHEN does it break: the clocks of the web, the seeds' claims, and the market signals.

:func:`when` assembles, for one web, the maturity wall 2026–2032 (by firm and sector,
against cash and revenue), the cash runway of every AI lab and neocloud (static count and
each stress preset), the quarter AI debt passes 2008's $1.9T, the seeds' timing claims
beside the computed dates, and — as the last row — the market signals (PSY and LPPLS) of
the AI names, each in its one standard reading. Faces: ``bubblescope when``, the report's
"When: the clocks" section and the dashboard's ``/api/when``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bubblescope.model.web import Web
from bubblescope.signals.latest import LatestSignal, latest_signals
from bubblescope.signals.registry import AI_NAMES
from bubblescope.stress.compile import compile_web
from bubblescope.stress.engine import run as run_stress
from bubblescope.stress.scenario import PRESETS
from bubblescope.when.clocks import (
    FIRST_YEAR,
    LAST_YEAR,
    THRESHOLD_2008,
    Claim,
    DebtCrossing,
    Runway,
    cover_by_sector,
    debt_crossing,
    maturity_wall,
    quarter_label,
    runways,
    seed_claims,
)

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "THRESHOLD_2008",
    "Claim",
    "DebtCrossing",
    "Runway",
    "WhenResult",
    "cover_by_sector",
    "debt_crossing",
    "market_line",
    "maturity_wall",
    "quarter_label",
    "runways",
    "seed_claims",
    "when",
]


def _runway_headline(runs: Sequence[Runway]) -> str:
    """The runway part of :meth:`WhenResult.headline`: the static count says who needs new
    money first if none came; the engine's baseline says whether anyone actually runs out."""
    ends = [(r.static, r.firm) for r in runs if r.static is not None]
    if not ends:
        return "no AI lab or neocloud runs out of cash by the static count"
    q, firm = min(ends)
    static = f"without new money {firm} runs out first, in {q} (static count)"
    if not any("baseline" in r.engine for r in runs):
        return static
    base = sorted((r.engine["baseline"][0] or "", r.firm) for r in runs
                  if "baseline" in r.engine and r.engine["baseline"][0])
    if not base:
        return f"{static}; in the engine baseline, which refinances, none runs out"
    return f"{static}; in the engine baseline {base[0][1]} runs out in {base[0][0]}"


@dataclass(frozen=True, eq=False)
class WhenResult:
    """The clocks of one web (see the module docstring); amounts in USD bn."""

    web_name: str
    as_of: str
    wall: pd.DataFrame
    cover: pd.DataFrame
    runways: tuple[Runway, ...]
    crossing: DebtCrossing
    claims: tuple[Claim, ...]
    market: tuple[LatestSignal, ...]

    def wall_by_quarter(self) -> pd.DataFrame:
        """Quarter × (principal, interest, lease, commitment, total), summed over firms."""
        cols = ["principal", "interest", "lease", "commitment", "total"]
        return self.wall.groupby("quarter")[cols].sum()

    def wall_by_sector(self) -> pd.DataFrame:
        """Year × sector totals due (a compact view of the wall)."""
        w = self.wall.assign(year=self.wall["quarter"].str[:4])
        return w.pivot_table(index="year", columns="sector", values="total", aggfunc="sum",
                             fill_value=0.0)

    def headline(self) -> str:
        """One line: the biggest quarter of the wall, the first runway end, the crossing."""
        byq = self.wall_by_quarter()
        peak = (f"peak {byq['total'].idxmax()} ({byq['total'].max():,.0f} USD bn due)"
                if not byq.empty else "nothing due")
        first = _runway_headline(self.runways)
        cross = self.crossing.headline()
        return f"When: maturity wall {FIRST_YEAR}-{LAST_YEAR} {peak}; {first}; {cross}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (every face prints these numbers)."""
        return {
            "web": self.web_name, "as_of": self.as_of, "headline": self.headline(),
            "maturity_wall": {
                "by_quarter": _records(self.wall_by_quarter().reset_index()),
                "by_firm": _records(self.wall),
                "cover_by_sector": _records(self.cover),
            },
            "runways": [r.to_dict() for r in self.runways],
            "ai_debt_crossing": self.crossing.to_dict(),
            "seed_claims": [c.to_dict() for c in self.claims],
            "market_signals": [x.to_dict() for x in self.market],
        }

    def __str__(self) -> str:
        lines = [self.headline(), "", f"Maturity wall (USD bn due, by year and sector; web "
                 f"{self.web_name} as of {self.as_of}):",
                 self.wall_by_sector().round(1).to_string(), "",
                 "Cash runway of AI labs and neoclouds (quarter cash runs out):"]
        presets = list(self.runways[0].engine) if self.runways else []
        for r in self.runways:
            eng = "; ".join(f"{k}: {q or '-'}" + (f" ({why})" if q else "")
                            for k, (q, why) in r.engine.items())
            lines.append(f"  {r.firm:<11} cash {r.cash:6.1f}, burn {r.burn_q:6.1f}/q: static "
                         f"{r.static or 'beyond ' + str(LAST_YEAR)}; engine {eng}")
        if not presets:
            lines.append("  none in this web")
        lines += ["", f"AI debt vs 2008's $1.9T: {self.crossing.note}", "",
                  "The seeds' timing claims beside the computed dates:"]
        for c in self.claims:
            lines += [f"  {c.topic}: seed says {c.claim} ({c.seed}: 「{c.passage}」)",
                      f"    computed: {c.computed}"]
        lines += ["", "Market signals (last row; each series' standard reading):"]
        lines += [f"  {x}" for x in self.market]
        return "\n".join(lines)


def market_line(market: Sequence[LatestSignal]) -> str:
    """The market signals in one sentence (for the seeds' correction claim)."""
    live = [x for x in market if x.missing is None]
    if not live:
        return "market signals: no AI price data here (pass --data-dir)"
    hot = [f"{x.name} since {x.since}" if x.since else x.name for x in live if x.explosive]
    lp = [x for x in live if not np.isnan(x.lppls_positive) and x.lppls_positive > 0]
    return (f"market signals at the last date: {len(hot)} of {len(live)} AI price series "
            f"explosive (PSY BSADF vs 95% cv: {', '.join(hot) or 'none'}); LPPLS confidence "
            f"positive for {len(lp)} of them — prices date a bubble, not a crash quarter")


def when(web: Web, data_dir: Path | None = None, *, cache_dir: Path | None = None,
         presets: Sequence[str] = PRESETS, market: bool = True,
         lppls: bool = True, signals: Sequence[LatestSignal] | None = None) -> WhenResult:
    """The clocks of ``web`` (see :class:`WhenResult`).

    ``presets`` are the stress presets for the runways (baseline first); ``market`` adds the
    AI names' PSY/LPPLS readings from ``data_dir`` (``lppls`` the FCO confidence), or
    ``signals`` when the caller already has them.
    """
    cw = compile_web(web)
    wall = maturity_wall(cw, web=web)
    runs = runways(web, cw, wall, presets)
    base = run_stress(cw, "baseline") if "baseline" in presets else None
    crossing = debt_crossing(web, base)
    if signals is not None:
        sigs = tuple(signals)
    else:
        sigs = tuple(latest_signals(AI_NAMES, data_dir, cache_dir=cache_dir, lppls=lppls)
                     if market else ())
    claims = seed_claims(cw, wall, runs, crossing, market_line(sigs), web)
    return WhenResult(web.name, web.as_of.isoformat(), wall, cover_by_sector(cw, wall), runs,
                      crossing, claims, sigs)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({str(k): (None if isinstance(v, float) and not np.isfinite(v) else v)
                    for k, v in row.items()})
    return out
