"""The clocks: when payments fall due, when cash runs out, when AI debt passes 2008's mark.

Everything is read from the web as the stress engine compiles it
(:func:`~bubblescope.stress.compile.compile_web`: one row per contract, with the engine's
documented defaults for missing rates, terms and outside debt), so the clocks and the stress
runs see the same schedules.

* :func:`maturity_wall`: per quarter 2026–2032 and per obligor, debt principal falling due,
  interest, lease rent and commitment payments (compute commitments and customer purchase
  agreements), against the obligor's cash and revenue.
* :func:`runways`: for each AI lab and neocloud, the quarter its cash runs out, (a) by a
  transparent static count (cash plus closed future equity, minus quarterly operating
  burn and what falls due) and (b) in the stress engine under the baseline and each preset
  (first quarter of negative cash, or its default quarter and reason).
* :func:`debt_crossing`: the quarter AI debt passes the $1.9T of securities downgraded to
  junk in 2008, from the engine's baseline debt path (issuance from capex), with the
  web's own ``ai_sector`` debt figures by compound interpolation, and says so.
* :func:`seed_claims`: the seeds' timing claims, each with its file and quoted passage,
  beside the computed date.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from bubblescope.model.debt import debt_schedule
from bubblescope.model.errors import ScenarioError
from bubblescope.model.web import Web
from bubblescope.stress.compile import AI_KINDS, DEBT_KINDS, CompiledWeb
from bubblescope.stress.engine import run as run_stress
from bubblescope.stress.result import REASONS, StressResult
from bubblescope.stress.scenario import PRESETS

__all__ = [
    "FIRST_YEAR",
    "IG_MEASURE",
    "LAST_YEAR",
    "THRESHOLD_2008",
    "Claim",
    "DebtCrossing",
    "Runway",
    "cover_by_sector",
    "debt_crossing",
    "maturity_wall",
    "quarter_label",
    "runways",
    "seed_claims",
]

FIRST_YEAR: Final = 2026
LAST_YEAR: Final = 2032
#: USD bn of securities downgraded from investment grade to junk in 2008 (seed 004).
THRESHOLD_2008: Final = 1900.0
RUNWAY_KINDS: Final = ("ai_lab", "neocloud")
_PAYMENT_KINDS: Final = {"lease": "lease", "compute_commitment": "commitment",
                         "customer_revenue": "commitment"}
#: Obligor kinds on the wall: the AI firms and their SPVs.
WALL_SECTORS: Final = AI_KINDS | {"spv"}
WALL_COLUMNS: Final = ("quarter", "firm", "sector", "principal", "interest", "lease",
                       "commitment", "total")


def quarter_label(as_of: dt.date, t: int) -> str:
    """Calendar label of engine quarter ``t`` (0 = the first quarter after ``as_of``).

    >>> quarter_label(dt.date(2025, 12, 31), 0), quarter_label(dt.date(2025, 12, 31), 5)
    ('2026Q1', '2027Q2')
    """
    k = (as_of.month - 1) // 3 + 1 + t
    return f"{as_of.year + k // 4}Q{k % 4 + 1}"


def _horizon(as_of: dt.date, last_year: int) -> int:
    """Number of engine quarters up to the end of ``last_year``."""
    n = 0
    while int(quarter_label(as_of, n)[:4]) <= last_year:
        n += 1
    return n


def maturity_wall(cw: CompiledWeb, first_year: int = FIRST_YEAR,
                  last_year: int = LAST_YEAR, web: Web | None = None) -> pd.DataFrame:
    """Payments falling due per quarter and obligor (USD bn), columns :data:`WALL_COLUMNS`.

    As in the stress engine, a contract runs in quarters ``start_q <= t < maturity_q``:
    debt (the engine's ``DEBT_KINDS``, outside debt included) pays interest
    (``annual_payment / 4``) in those quarters and its principal in the maturity quarter;
    leases and commitments pay ``annual_payment / 4`` in those quarters. Equity,
    guarantees and the engine's synthetic operating costs are not payments due. Obligors
    are the AI firms (the engine's ``AI_KINDS``) and their SPVs; holders' own borrowing and
    aggregates are left out. Rows with nothing due are dropped.

    With ``web`` and its debt instruments, the debt of every instrument-backed deal comes
    from the instrument-level schedule instead
    (:func:`~bubblescope.model.debt.debt_schedule`: each tranche at its own maturity, linear
    amortisation where stated, instruments issued after ``as_of`` from their issue date),
    not from the engine's one balance-weighted maturity per contract.
    """
    n_q = _horizon(cw.as_of, last_year)
    due = np.zeros((4, n_q, cw.n))  # principal, interest, lease, commitment
    by_instrument = _instrument_deals(web)
    deal_of = {c.id: c.deal for c in web.contracts} if web is not None else {}
    for c in range(cw.m):
        kind, i = cw.contract_kinds[c], int(cw.obligor[c])
        if cw.kinds[i] not in WALL_SECTORS:
            continue
        if kind in DEBT_KINDS and deal_of.get(cw.contract_ids[c], "") in by_instrument:
            continue  # laid out per instrument below
        lo, mat = max(int(cw.start_q[c]), 0), int(cw.maturity_q[c])
        if mat < 0:
            continue
        hi = min(mat, n_q)
        if kind in DEBT_KINDS:
            if mat < n_q:
                due[0, mat, i] += cw.amount[c]
            due[1, lo:hi, i] += cw.annual_payment[c] / 4.0
        elif kind in _PAYMENT_KINDS:
            row = 2 if _PAYMENT_KINDS[kind] == "lease" else 3
            due[row, lo:hi, i] += cw.annual_payment[c] / 4.0
    if web is not None and by_instrument:
        insts = [x for x in web.instruments if x.deal in by_instrument]
        sched = debt_schedule(insts, web.holdings, web.as_of, quarters=n_q, by=("issuer",))
        # the schedule's quarter q ends at the q-th quarter end after as_of (its own rule)
        first = pd.Timestamp(web.as_of) + pd.offsets.QuarterEnd(1)
        pos = {d.date(): q for q, d in enumerate(pd.date_range(first, periods=n_q, freq="QE"))}
        index = {e: i for i, e in enumerate(cw.ids)}
        for rec in sched.to_dict(orient="records"):
            i = index.get(str(rec["issuer"]), -1)
            t = pos.get(pd.Timestamp(rec["quarter_end"]).date(), -1)
            if i >= 0 and t >= 0 and cw.kinds[i] in WALL_SECTORS:
                due[0, t, i] += float(rec["principal"])
                due[1, t, i] += float(rec["interest"])
    rows = []
    for t in range(n_q):
        label = quarter_label(cw.as_of, t)
        if int(label[:4]) < first_year:
            continue
        for k in np.flatnonzero(due[:, t, :].sum(axis=0) > 1e-9):
            p, r, lease, com = (float(v) for v in due[:, t, k])
            rows.append((label, cw.ids[k], cw.kinds[k], p, r, lease, com, p + r + lease + com))
    return pd.DataFrame(rows, columns=list(WALL_COLUMNS))


def _instrument_deals(web: Web | None) -> frozenset[str]:
    """Deals laid out per instrument: those of the web's debt instruments."""
    if web is None:
        return frozenset()
    return frozenset(x.deal for x in web.instruments if x.deal)


def cover_by_sector(cw: CompiledWeb, wall: pd.DataFrame) -> pd.DataFrame:
    """Per quarter and sector: what falls due against cash (at ``as_of``) and revenue.

    Revenue is each firm's latest annual figure / 4, held flat (an assumption: the stress
    engine's baseline grows AI revenue; this table does not). Columns: quarter, sector,
    due, revenue_q, cash, due_over_revenue.
    """
    if wall.empty:
        return pd.DataFrame(columns=["quarter", "sector", "due", "revenue_q", "cash",
                                     "due_over_revenue"])
    by_kind = pd.DataFrame({"sector": cw.kinds, "cash": cw.cash, "revenue_q": cw.revenue / 4})
    totals = by_kind.groupby("sector")[["cash", "revenue_q"]].sum()
    due = pd.DataFrame(wall.groupby(["quarter", "sector"], as_index=False)["total"].sum())
    out = pd.DataFrame(due.rename(columns={"total": "due"}).join(totals, on="sector"))
    rev = out["revenue_q"].to_numpy(dtype=np.float64)
    out["due_over_revenue"] = np.divide(out["due"].to_numpy(dtype=np.float64), rev,
                                        out=np.full(rev.shape, np.inf), where=rev > 0)
    return out


@dataclass(frozen=True)
class Runway:
    """When one AI lab's or neocloud's cash runs out (quarter labels; ``None``: not by the
    end of the horizon / the run).

    ``static`` counts cash plus closed or reported future equity against quarterly burn
    ((operating cost + capex − revenue) / 4) plus what falls due on the wall; ``engine``
    maps each stress preset to the first quarter of negative cash or default, with the
    engine's reason (``shortfall``, ``contagion``, ``maturity wall``) or ``cash < 0``.
    """

    firm: str
    sector: str
    cash: float
    committed: float
    burn_q: float
    static: str | None
    engine: dict[str, tuple[str | None, str]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"firm": self.firm, "sector": self.sector, "cash": self.cash,
                "committed_funding": self.committed, "burn_per_quarter": self.burn_q,
                "static": self.static,
                "engine": {k: {"quarter": q, "why": why} for k, (q, why) in self.engine.items()}}


def runways(web: Web, cw: CompiledWeb, wall: pd.DataFrame,
            presets: Sequence[str] = PRESETS) -> tuple[Runway, ...]:
    """Cash runway of every AI lab and neocloud (see :class:`Runway`)."""
    results: dict[str, StressResult | None] = {}
    for p in presets:
        try:
            results[p] = run_stress(cw, p)
        except ScenarioError:  # a preset naming firms this web does not have
            results[p] = None
    committed = np.zeros(cw.n)
    for c in web.contracts:
        if (c.kind == "equity_stake" and c.start is not None and c.start > web.as_of
                and c.status in ("closed", "reported")):
            committed[web.index[c.obligor]] += c.amount
    n_q = _horizon(cw.as_of, LAST_YEAR)
    out = []
    for i, (eid, kind) in enumerate(zip(cw.ids, cw.kinds, strict=True)):
        if kind not in RUNWAY_KINDS:
            continue
        burn = float(cw.op_cost[i] + cw.capex[i] - cw.revenue[i]) / 4.0
        mine = wall[wall["firm"] == eid].set_index("quarter")["total"]
        left = float(cw.cash[i] + committed[i])
        static = None
        for t in range(n_q):
            label = quarter_label(cw.as_of, t)
            left -= burn + float(mine.get(label, 0.0))
            if left < 0:
                static = label
                break
        engine: dict[str, tuple[str | None, str]] = {}
        for name, res in results.items():
            if res is None:
                engine[name] = (None, "preset does not apply: it names firms not in this web")
                continue
            j = res.entity_ids.index(eid)
            dq, reason = int(res.default_quarter[0, j]), int(res.default_reason[0, j])
            neg = np.flatnonzero(res.cash[0, :, j] < 0)
            if dq >= 0 and (neg.size == 0 or dq <= neg[0]):
                engine[name] = (res.quarter_labels[dq], f"default ({REASONS[reason]})")
            elif neg.size:
                engine[name] = (res.quarter_labels[int(neg[0])], "cash < 0")
            else:
                engine[name] = (None, f"not within {res.quarters} quarters")
        out.append(Runway(eid, kind, float(cw.cash[i]), float(committed[i]), burn, static,
                          engine))
    return tuple(out)


#: The measure of :attr:`DebtCrossing.quarter` when the engine dates it.
IG_MEASURE: Final[str] = ("AI-linked investment-grade bonds (the seeds' $1.2T measure, "
                          "JPMorgan)")


@dataclass(frozen=True)
class DebtCrossing:
    """When AI debt passes :data:`THRESHOLD_2008`: the engine's baseline path
    (``engine_has_debt_growth``) or, without a run, the web's ``ai_sector`` figures.

    With an engine run, ``quarter`` dates the measure of the seeds' own clock: bonds rated
    investment grade at the start, new issues included (``measure``); ``all_debt_quarter``
    and ``all_debt_start`` give the engine's wider AI-linked debt (loans, private credit,
    credit lines too) beside it.
    """

    engine_has_debt_growth: bool
    points: tuple[tuple[int, float], ...]
    growth: float | None
    quarter: str | None
    note: str
    measure: str = "ai_sector debt (web figures)"
    start: float | None = None
    all_debt_quarter: str | None = None
    all_debt_start: float | None = None
    #: The measure at the engine run's last quarter, USD bn, and that quarter.
    end: float | None = None
    end_quarter: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"threshold_usd_bn": THRESHOLD_2008,
                "engine_has_debt_growth": self.engine_has_debt_growth,
                "figures": [{"year": y, "debt_usd_bn": v} for y, v in self.points],
                "growth_per_year": self.growth, "quarter": self.quarter,
                "measure": self.measure, "start_usd_bn": self.start,
                "all_debt_quarter": self.all_debt_quarter,
                "all_debt_start_usd_bn": self.all_debt_start, "end_usd_bn": self.end,
                "end_quarter": self.end_quarter, "note": self.note}

    def headline(self) -> str:
        """The crossing in a clause: the seeds' measure first, all AI-linked debt beside."""
        if not self.engine_has_debt_growth:
            return (f"AI-linked debt at or above $1.9T from {self.quarter} (web figures)"
                    if self.quarter else "AI-linked debt stays below $1.9T (web figures)")
        when = (f"pass $1.9T in {self.quarter}" if self.quarter else
                f"stay below $1.9T through {self.end_quarter} (USD {self.end or 0.0:,.0f}bn then)")
        beside = (f"from {self.all_debt_quarter}" if self.all_debt_quarter else "never")
        return (f"{self.measure}, USD {self.start or 0.0:,.0f}bn now, {when} (engine "
                f"baseline, debt issued from capex); all AI-linked debt incl. loans, private "
                f"credit and lines, USD {self.all_debt_start or 0.0:,.0f}bn, is at or above "
                f"$1.9T {beside}")


def debt_crossing(web: Web, baseline: StressResult | None = None) -> DebtCrossing:
    """The quarter AI debt passes $1.9T: from the engine's baseline when given, else from the
    web's ``ai_sector`` figures (compound interpolation).

    The engine issues debt from capex plans (``debt_share_of_capex``) and repays it on the
    instruments' schedules, so its baseline per quarter dates the crossing of the seeds'
    measure (investment-grade bonds, :attr:`StressResult.ig_bonds`), with all AI-linked debt
    beside; the web's figures for the ``ai_sector`` entity (2025 and a later projection)
    give a second, outside reading, stated in the note.
    """
    pts = tuple(sorted((f.year, f.value) for e in web.entities if e.id == "ai_sector"
                       for f in e.figures if f.metric == "debt"))
    web_reading = _web_reading(pts)
    if baseline is not None and baseline.ig_bonds.size:
        return _engine_crossing(baseline, pts, web_reading)
    return DebtCrossing(False, pts, web_reading[0], web_reading[1],
                        f"No engine run given. Web figures: {web_reading[2]}")


def _engine_crossing(base: StressResult, pts: tuple[tuple[int, float], ...],
                     web_reading: tuple[float | None, str | None, str]) -> DebtCrossing:
    """The crossing dated on the engine's baseline paths (see :func:`debt_crossing`)."""
    ig, every = base.ig_bonds.mean(axis=0), base.ai_debt.mean(axis=0)
    labels = base.quarter_labels
    quarter = base.debt_crossing(THRESHOLD_2008, "ig_bonds")
    all_q = base.debt_crossing(THRESHOLD_2008)
    mid = {lab[:4]: float(v) for lab, v in zip(labels, ig, strict=True)}
    when = f"passes $1,900bn in {quarter}" if quarter else "does not pass $1,900bn"
    note = (f"Engine baseline (debt issued from capex, repaid on schedule). {IG_MEASURE}: "
            f"{ig[0]:,.0f} USD bn in {labels[0]}"
            + (f", {mid['2028']:,.0f} at the end of 2028 (seeds: $1.5T by 2028)"
               if "2028" in mid else "")
            + f", {ig[-1]:,.0f} in {labels[-1]}; it {when}. All AI-linked debt (bonds, "
            f"loans, private credit to tech, credit lines): {every[0]:,.0f} USD bn in "
            f"{labels[0]}, {every[-1]:,.0f} in {labels[-1]}, at or above $1,900bn "
            f"{'from ' + all_q if all_q else 'never'}. Web figures: {web_reading[2]}")
    return DebtCrossing(True, pts, web_reading[0], quarter, note, IG_MEASURE, float(ig[0]),
                        all_q, float(every[0]), float(ig[-1]), labels[-1])


def _web_reading(pts: tuple[tuple[int, float], ...]) -> tuple[float | None, str | None, str]:
    """Compound growth, crossing quarter and a sentence from the ``ai_sector`` debt figures."""
    if len(pts) < 2:
        return None, None, "fewer than two ai_sector debt figures, so no crossing."
    (y0, v0), (y1, v1) = pts[0], pts[-1]
    g = (v1 / v0) ** (1.0 / (y1 - y0)) - 1.0
    if v0 >= THRESHOLD_2008:
        years = 0.0
    elif g <= 0:
        return g, None, "the ai_sector debt does not grow, so it never passes $1.9T."
    else:
        years = math.log(THRESHOLD_2008 / v0) / math.log(1.0 + g)
    q = math.ceil(years * 4)
    label = quarter_label(dt.date(y0, 12, 31), q - 1) if q > 0 else f"{y0}Q4"
    return g, label, (f"ai_sector debt {', '.join(f'{y}: {v:,.0f}' for y, v in pts)} USD bn, "
                      f"compound growth {g:.1%} a year, passes $1,900bn in {label} "
                      f"({years:.1f} years after the end of {y0}).")


@dataclass(frozen=True)
class Claim:
    """A timing claim of a seed, its source passage and what bubblescope computes."""

    topic: str
    claim: str
    seed: str
    passage: str
    computed: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"topic": self.topic, "claim": self.claim, "seed": self.seed,
                "passage": self.passage, "computed": self.computed}


SEED_003 = "seeds/003_d9b4a1d9c68ae676.txt"
SEED_004 = "seeds/004_9ceebf9f4351e9be.txt"
_PASSAGES: Final = {
    "coreweave": (SEED_003, "为了填补这一缺口,公司已举债140亿美元,"
                  "其中一半以上将在未来一年内到期。"),
    "openai": (SEED_003, "该公司今年预计仅能创造100亿美元收入——不到其每年仅用于履行与甲骨文协议所需"
               "资金的五分之一。它今年预计将至少亏损150亿美元,并且直到2029年之前都不指望实现盈利。"),
    "debt": (SEED_004, "按照目前的借贷速度,人工智能行业一年内,甚至可能在未来六个月内,就很容易达到"
             "1.9万亿美元的目标。"),
    "dimon": (SEED_004, "戴蒙表示,他“比其他人更担心”严重的市场回调,并表示这可能在未来六个月到两年内"
              "发生。"),
}


def _debt_outstanding(cw: CompiledWeb, web: Web | None, firm: str) -> float:
    """Debt ``firm`` owes at ``as_of``: its instruments' balances plus its other debt
    contracts as compiled (outside debt included)."""
    deals = _instrument_deals(web)
    deal_of = {c.id: c.deal for c in web.contracts} if web is not None else {}
    i = cw.ids.index(firm)
    total = sum(float(cw.amount[c]) for c in range(cw.m)
                if cw.obligor[c] == i and cw.contract_kinds[c] in DEBT_KINDS
                and cw.maturity_q[c] >= 0 and deal_of.get(cw.contract_ids[c], "") not in deals)
    if web is not None:
        total += sum(x.balance for x in web.instruments
                     if x.issuer == firm and x.deal in deals and x.date <= web.as_of)
    return total


def seed_claims(cw: CompiledWeb, wall: pd.DataFrame, runs: Sequence[Runway],
                crossing: DebtCrossing, market: str, web: Web | None = None) -> tuple[Claim, ...]:
    """The seeds' timing claims beside the computed dates (``market``: the signals line)."""
    out = []
    firms = [f for f in ("coreweave", "coreweave_spv") if f in cw.ids]
    if firms:
        debt = sum(_debt_outstanding(cw, web, f) for f in firms)
        first_year = {quarter_label(cw.as_of, t) for t in range(4)}
        mine = wall[wall["firm"].isin(firms) & wall["quarter"].isin(first_year)]
        year = float(mine["principal"].sum())
        share = year / debt if debt else float("nan")
        out.append(Claim("CoreWeave debt", "$14bn of debt, more than half due within a year",
                         *_PASSAGES["coreweave"],
                         f"web: {debt:.1f} USD bn of debt owed by {' and '.join(firms)} "
                         f"(instruments, contracts and outside debt), {year:.1f} ({share:.0%}) "
                         f"of principal due in the four quarters after {cw.as_of}"))
    if "openai" in cw.ids:
        i = cw.ids.index("openai")
        y2027 = wall[(wall["firm"] == "openai") & wall["quarter"].str.startswith("2027")]
        run = next((r for r in runs if r.firm == "openai"), None)
        base = run.engine.get("baseline", (None, "")) if run else (None, "")
        out.append(Claim("OpenAI commitments vs revenue",
                         "revenue ~$10bn, under a fifth of what the Oracle deal needs a year; "
                         "losses of $15bn+; no profit before 2029", *_PASSAGES["openai"],
                         f"web: OpenAI revenue {cw.revenue[i]:.1f} USD bn/yr against "
                         f"{y2027['total'].sum():.1f} USD bn due in 2027; cash runs out in "
                         f"{run.static if run else 'n/a'} (static count), "
                         f"{base[0] or 'not within the run'} in the baseline engine run"))
    out.append(Claim("AI debt passes 2008's $1.9T",
                     "within a year, perhaps six months (from $1.2T)", *_PASSAGES["debt"],
                     crossing.note))
    out.append(Claim("Correction", "in six months to two years (Jamie Dimon)",
                     *_PASSAGES["dimon"], market))
    return tuple(out)
