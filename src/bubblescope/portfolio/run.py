"""A portfolio through the crash: the same engine run, read at the positions.

Each position's loss per path, quarter and channel comes from the engine's result, in the
classes of the stress ledger (:mod:`bubblescope.stress.ledger`: realised credit, debt
marks, equity marks), so a portfolio holding a web contract outright books what ``stress``
books for that contract:

- debt (bond, loan, ABS/lease note): the position's share of its pool's losses by class
  (:attr:`StressResult.contract_class`, which holds the engine's expected-loss marks of
  downgraded paper as debt marks), timed by the pool's quarterly losses, nothing after
  the position's maturity; a position with a stated ``rating`` scales those marks by how
  much larger the same notches of downgrade (against the no-shock baseline) are on the
  stated grade than on the engine's grade, in the grade's idealized expected loss per
  year (the ratings kernel's :func:`~bubblescope.stress.kernels.ratings.grade_pd` times
  its 55% LGD): the **rating adjustment**, in the debt-mark class. Marks are actuarial
  (PD x LGD): a market mark would add a risk premium;
- CDS protection: minus the pool's realised credit losses on the protected amount (a gain
  at default), minus its debt marks (protection gains when the name is downgraded), and
  its running premium (``coupon``) as a cost each quarter until maturity or the credit
  event (channel ``CDS premium``);
- equity: the fall of the issuer's value index times the amount (how the engine marks
  stakes), an equity mark;
- private-credit fund shares: the position's share of the fund's NAV (what it holds less
  what it borrowed) times the fund's own losses by class in the ledger (``direct``: net of
  what its lenders bore), timed by the fund's quarterly losses.

With ``n_paths > 1`` the paths draw the Monte Carlo's uncertain inputs from the same seeded
streams as ``bubblescope montecarlo``, so VaR and expected shortfall of the portfolio
loss, each position's share of the tail and each assumption's rank correlation with the
loss say how sure the answer is and what drives it. The worst preset per position comes
from one path of every preset.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
import pandas as pd

from bubblescope.model._typing import FloatArray, IntArray
from bubblescope.model.errors import ScenarioError
from bubblescope.model.ratings import AGENCY_GRADES
from bubblescope.model.tables import Tabular
from bubblescope.model.web import Web
from bubblescope.portfolio.mapping import Mapped, map_portfolio
from bubblescope.portfolio.positions import Portfolio, Position
from bubblescope.stress.compile import DEBT_KINDS, CompiledWeb, compile_web
from bubblescope.stress.engine import simulate
from bubblescope.stress.kernels.ratings import IDEALIZED_LGD, RATINGS, grade_pd
from bubblescope.stress.ledger import LossClass
from bubblescope.stress.result import StressResult
from bubblescope.stress.scenario import PRESETS, Scenario, load_preset
from bubblescope.stress.uncertainty.distributions import (
    DEFAULT_UNCERTAIN,
    Uncertainty,
    parse_uncertainty,
)
from bubblescope.stress.uncertainty.montecarlo import NOISE, draw_inputs, draw_noise, engine_model

__all__ = ["CHANNELS", "PortfolioResult", "position_losses", "run_portfolio"]

#: The channels a position's loss is split into: the ledger's three classes
#: (:data:`~bubblescope.stress.ledger.CLASS_NAMES`, in that order) and the premium a CDS
#: buyer pays.
CHANNELS: Final[tuple[str, ...]] = ("credit loss", "debt mark", "equity mark", "CDS premium")
_CCC: Final = RATINGS.index("CCC")
_D: Final = RATINGS.index("D")
#: Paths per engine batch in the Monte Carlo (bounds memory; does not change results).
BATCH: Final = 256

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PortfolioResult(Tabular):
    """Losses of a portfolio's positions (USD bn; positive is a loss, negative a gain).

    ``loss`` has shape (n_paths, quarters, n_positions, 4), channels as :data:`CHANNELS`;
    ``rating_mark`` (n_paths, quarters, n_positions) is the part of the debt mark that comes
    from rating migration (already inside ``loss``).
    ``inputs`` (n_paths, n_inputs) are the Monte Carlo's draws (empty for one path);
    ``worst`` has one row per position: its worst preset and the loss there.
    """

    mapped: Mapped
    scenario: str
    quarter_labels: tuple[str, ...]
    loss: FloatArray
    seed: int = 0
    input_names: tuple[str, ...] = ()
    inputs: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    worst: pd.DataFrame = field(default_factory=pd.DataFrame)
    level: float = 0.99
    rating_mark: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return int(self.loss.shape[0])

    @property
    def position_ids(self) -> tuple[str, ...]:
        """Position axis labels."""
        return tuple(m.position.id for m in self.mapped.maps)

    @property
    def total(self) -> FloatArray:
        """Portfolio loss over the horizon on each path, shape (n_paths,)."""
        return np.asarray(self.loss.sum(axis=(1, 2, 3)), dtype=np.float64)

    def var(self, level: float | None = None) -> float:
        """Value at risk of the portfolio loss at ``level`` (default :attr:`level`), USD bn."""
        return float(np.quantile(self.total, self.level if level is None else level))

    def expected_shortfall(self, level: float | None = None) -> float:
        """Mean portfolio loss on the paths at or beyond the VaR, USD bn."""
        tail = self._tail(self.level if level is None else level)
        return float(self.total[tail].mean())

    def _tail(self, level: float) -> np.ndarray:
        return np.asarray(self.total >= np.quantile(self.total, level))

    def by_position(self) -> pd.DataFrame:
        """One row per position: what it is, where it maps, its mean loss by channel, its
        loss as a share of the amount, its mean loss in the tail paths and its worst preset."""
        per = self.loss.sum(axis=1).mean(axis=0)  # (positions, channels)
        tail = self.loss[self._tail(self.level)].sum(axis=1).mean(axis=0).sum(axis=1)
        marks = (self.rating_mark.sum(axis=1).mean(axis=0) if self.rating_mark.size
                 else np.zeros(len(self.mapped.maps)))
        rows = []
        for k, m in enumerate(self.mapped.maps):
            p = m.position
            rows.append({"position": p.id, "issuer": m.issuer, "instrument": p.instrument,
                         "amount_usd_bn": p.amount, "mapped_to": m.how,
                         "loss_usd_bn": float(per[k].sum()),
                         **{f"{c.replace(' ', '_')}_usd_bn": float(per[k, j])
                            for j, c in enumerate(CHANNELS)},
                         "of_which_rating_mark_usd_bn": float(marks[k]),
                         "loss_share_of_amount": float(per[k].sum()) / p.amount,
                         f"tail_{self.level:.0%}_loss_usd_bn": float(tail[k])})
        frame = pd.DataFrame(rows)
        if not self.worst.empty:
            frame = frame.merge(self.worst, on="position", how="left")
        return frame

    def by_quarter(self) -> pd.DataFrame:
        """Mean loss per quarter and channel (USD bn), and cumulated."""
        q = self.loss.sum(axis=2).mean(axis=0)  # (quarters, channels)
        frame = pd.DataFrame(q, columns=[f"{c.replace(' ', '_')}_usd_bn" for c in CHANNELS])
        frame.insert(0, "quarter", self.quarter_labels)
        frame["loss_usd_bn"] = q.sum(axis=1)
        frame["cumulative_loss_usd_bn"] = frame["loss_usd_bn"].cumsum()
        return frame

    def drivers(self) -> pd.DataFrame:
        """Which assumptions drive the loss: each uncertain input's Spearman rank correlation
        with the portfolio loss over the paths (empty for one path)."""
        if self.n_paths < 3 or not self.input_names:
            return pd.DataFrame(columns=["assumption", "rank_correlation"])
        ranks = pd.DataFrame(self.inputs, columns=list(self.input_names)).rank()
        loss = pd.Series(self.total).rank()
        corr = [float(ranks[c].corr(loss)) if ranks[c].nunique() > 1 else 0.0
                for c in self.input_names]
        frame = pd.DataFrame({"assumption": list(self.input_names), "rank_correlation": corr})
        return frame.reindex(frame["rank_correlation"].abs().sort_values(
            ascending=False).index).reset_index(drop=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Positions, quarters, summary, drivers and (for several paths) per-path totals."""
        lv = f"{self.level:.0%}"
        summary = pd.DataFrame([
            ("scenario", self.scenario, ""), ("paths", self.n_paths, "paths"),
            ("portfolio amount", self.mapped.portfolio.total, "USD bn"),
            ("mean loss", float(self.total.mean()), "USD bn"),
            (f"VaR {lv}", self.var(), "USD bn"),
            (f"expected shortfall {lv}", self.expected_shortfall(), "USD bn"),
        ], columns=["figure", "value", "unit"])
        out = {"positions_usd_bn": self.by_position(), "quarters_usd_bn": self.by_quarter(),
               "summary": summary, "assumption_drivers": self.drivers()}
        if self.n_paths > 1:
            out["paths_usd_bn"] = pd.DataFrame({"path": np.arange(self.n_paths),
                                                "loss_usd_bn": self.total})
        return out

    def __str__(self) -> str:
        lv = f"{self.level:.0%}"
        p = self.mapped.portfolio
        head = (f"Portfolio {p.file} ({len(p.positions)} positions, USD {p.total:,.2f}bn) "
                f"under {self.scenario}: ")
        if self.n_paths == 1:
            head += f"loses USD {self.total[0]:,.3f}bn on one path (the scenario as written)"
        else:
            head += (f"mean loss USD {self.total.mean():,.3f}bn over {self.n_paths:,} paths, "
                     f"VaR {lv} {self.var():,.3f}bn, expected shortfall "
                     f"{self.expected_shortfall():,.3f}bn")
        return head


def position_losses(mapped: Mapped, result: StressResult, cw: CompiledWeb | None = None,
                    base: StressResult | None = None) -> FloatArray:
    """Each position's loss per path, quarter and channel, (n_paths, quarters, n_pos, 4).

    ``base`` is the no-shock reference run (one path of ``baseline`` on the same web): the
    rating mark counts the notches ``result`` moved a contract against it. Without it no
    rating mark is booked.
    """
    return _losses(mapped, result, _checked(result, cw), base)[0]


def _losses(mapped: Mapped, result: StressResult, cw: CompiledWeb,
            base: StressResult | None) -> tuple[FloatArray, FloatArray]:
    """Losses (n_paths, quarters, n_pos, 4) and their rating marks (n_paths, quarters, n_pos)."""
    n_paths, quarters = result.n_paths, result.quarters
    out = np.zeros((n_paths, quarters, len(mapped.maps), len(CHANNELS)))
    marks = np.zeros((n_paths, quarters, len(mapped.maps)))
    col = {c: j for j, c in enumerate(result.contract_ids)}
    ent = {e: i for i, e in enumerate(result.entity_ids)}
    for k, m in enumerate(mapped.maps):
        pos, i = m.position, ent[m.issuer]
        if pos.instrument == "equity":
            v = np.concatenate([np.ones((n_paths, 1)), result.valuation[:, :, i]], axis=1)
            out[:, :, k, LossClass.EQUITY] = pos.amount * (v[:, :-1] - v[:, 1:])
            continue
        if pos.instrument == "fund_share":
            out[:, :, k, :3] = _fund_share(pos.amount, i, result, cw)
            continue
        # Claims held outside the web book no loss in the engine: the rate is read off
        # the claims held inside it.
        js = np.array([col[c] for c in m.contracts
                       if c in col and result.contract_holder[col[c]] != "outside"],
                      dtype=np.int64)
        pool = float(cw.amount[js].sum()) if js.size else 0.0
        if pool <= 0:
            continue
        alive = _alive(pos.maturity, result, np.arange(quarters))
        by_class = pos.amount / pool * _pool_classes(result, js) * alive[None, :, None]
        mark = np.zeros((n_paths, quarters))
        if base is not None and pos.rating is not None:  # the stated grade's adjustment
            held = np.cumsum(by_class[..., LossClass.DEBT_MARK], axis=1)
            ratio = _rating_ratio(pos, js, result, base, cw)
            mark = np.diff(held * (ratio - 1.0), axis=1, prepend=0.0)
        if pos.instrument == "cds":
            dq = result.default_quarter[:, i]
            before = np.arange(quarters)[None, :] <= np.where(dq >= 0, dq, quarters)[:, None]
            out[:, :, k, LossClass.CREDIT] = -by_class[..., LossClass.CREDIT]
            out[:, :, k, LossClass.DEBT_MARK] = -(by_class[..., LossClass.DEBT_MARK] + mark)
            out[:, :, k, 3] = pos.amount * (pos.coupon or 0.0) / 4.0 * alive * before
            marks[:, :, k] = -mark
            continue
        out[:, :, k, :3] = by_class
        out[:, :, k, LossClass.DEBT_MARK] += mark
        marks[:, :, k] = mark
    return out, marks


def _checked(result: StressResult, cw: CompiledWeb | None) -> CompiledWeb:
    if cw is not None and cw.contract_ids == result.contract_ids:
        return cw
    raise ScenarioError("position_losses needs the compiled web the result was run on")


def _pool_classes(result: StressResult, js: IntArray) -> FloatArray:
    """The pool's losses per path, quarter and ledger class, (n_paths, quarters, 3): the
    engine's own split of each quarter, so the sum over quarters is exactly the booked loss
    by class (``contract_class``) and marks given back stay debt marks."""
    return np.asarray(result.contract_class_by_quarter[:, :, js, :].sum(axis=2),
                      dtype=np.float64)


def _rating_ratio(pos: Position, js: IntArray, result: StressResult, base: StressResult,
                  cw: CompiledWeb) -> FloatArray:
    """How much larger the engine's expected-loss marks are on the stated grade, (n_paths, q).

    The notches each contract moved since the start, valued on the stated grade
    and on the engine's grade (the change of the grade's yearly idealized expected loss
    times the duration left): their ratio, 1 where the engine's grade has moved nothing.
    Expected loss is convex in the grade, so a lower stated grade gives a ratio above 1.
    """
    # notches since the start (the baseline's first quarter), so the baseline's own drift
    # is scaled like the shock's downgrades
    grade = result.rating[:, :, js].astype(np.int64)
    ref = np.broadcast_to(base.rating[0][:1, js], grade.shape[1:]).astype(np.int64)
    engine = np.minimum(ref, _CCC)
    stated = np.full_like(ref, AGENCY_GRADES.index(pos.rating or "AAA"))
    live = (grade < _D) & (ref[None] < _D)  # a defaulted contract: realised credit instead
    weights = cw.amount[js] / cw.amount[js].sum()

    def level(start: IntArray) -> FloatArray:
        moved = np.clip(start[None] + (grade - ref[None]), 0, _CCC)
        el = _yearly_el(moved) - _yearly_el(start)[None]
        return np.asarray((np.where(live, el, 0.0) * weights).sum(axis=2), dtype=np.float64)

    on_engine = level(engine)
    ratio = level(stated) / np.where(np.abs(on_engine) > 1e-12, on_engine, 1.0)
    return np.asarray(np.where(np.abs(on_engine) > 1e-12, ratio, 1.0), dtype=np.float64)


def _yearly_el(code: IntArray) -> FloatArray:
    """Yearly expected loss of a grade: its idealized 10-year EL spread over 10 years."""
    el10 = grade_pd(code) * IDEALIZED_LGD
    return np.asarray(-np.log1p(-el10) / 10.0, dtype=np.float64)


def _fund_share(amount: float, f: int, result: StressResult, cw: CompiledWeb) -> FloatArray:
    """A fund share's loss by class: its share of the fund's NAV times the fund's own
    losses in the ledger, each class timed by that class's quarterly losses on the fund's
    holdings, (n_paths, quarters, 3)."""
    held = float(cw.amount[cw.holder == f].sum())
    borrowed = float(cw.amount[(cw.obligor == f) & cw.kind_mask(DEBT_KINDS)].sum())
    nav = held - borrowed if held > borrowed else held
    if nav <= 0:
        return np.zeros((result.n_paths, result.quarters, 3))
    own = result.ledger.direct[:, f, :]  # (n_paths, 3)
    flow = result.contract_class_by_quarter[:, :, cw.holder == f, :].sum(axis=2)  # (p, q, 3)
    total = flow.sum(axis=1, keepdims=True)
    timing = np.where(np.abs(total) > 1e-12, flow / np.where(total == 0, 1.0, total),
                      1.0 / result.quarters)
    return np.asarray(amount / nav * timing * own[:, None, :], dtype=np.float64)


def _alive(maturity: dt.date | None, result: StressResult, t: np.ndarray) -> FloatArray:
    """1 in the quarters the position is still outstanding, 0 after its maturity."""
    if maturity is None:
        return np.ones(t.size)
    labels = result.quarter_labels
    last = f"{maturity.year}Q{(maturity.month - 1) // 3 + 1}"
    return np.array([1.0 if q <= last else 0.0 for q in labels])


def run_portfolio(
    web: Web,
    portfolio: Portfolio,
    scenario: Scenario | str = "atlantic-crash",
    *,
    n_paths: int = 1,
    seed: int = 0,
    uncertainty: Uncertainty | None = None,
    worst_of: Sequence[str] = PRESETS,
    level: float = 0.99,
    progress: Progress | None = None,
) -> PortfolioResult:
    """Run ``portfolio`` through ``scenario`` on ``web``.

    Parameters
    ----------
    n_paths : int
        1 runs the scenario as written; more runs the Monte Carlo over ``uncertainty``
        (default: the documented default uncertainty) from ``seed``.
    worst_of : sequence of str
        Presets each position's worst scenario is searched among (one path each; empty:
        skip).
    """
    if n_paths < 1:
        raise ScenarioError(f"'paths' must be a whole number >= 1, got {n_paths}")
    if not 0.5 <= level < 1.0:
        raise ScenarioError(f"'level' must be in [0.5, 1), got {level}")
    sc = load_preset(scenario) if isinstance(scenario, str) else scenario
    cw = compile_web(web)
    mapped = map_portfolio(web, portfolio, _market_values(cw))
    base = _baseline(cw, sc.quarters)
    if n_paths == 1 and uncertainty is None:
        result = simulate(cw, sc, np.zeros((1, sc.quarters)))
        (loss, marks), x = _losses(mapped, result, cw, base), np.zeros((1, 0))
        names: tuple[str, ...] = ()
        labels = result.quarter_labels
    else:
        loss, marks, names, x, labels = _montecarlo(cw, sc, mapped, n_paths, seed,
                                                    uncertainty, progress, base)
    return PortfolioResult(mapped, sc.name, labels, loss, seed, names, x,
                           _worst(cw, mapped, worst_of), level, marks)


def _baseline(cw: CompiledWeb, quarters: int) -> StressResult:
    """One path of the no-shock baseline: the reference of the rating marks."""
    sc = replace(load_preset("baseline"), quarters=quarters)
    return simulate(cw, sc, np.zeros((1, quarters)))


def _market_values(cw: CompiledWeb) -> dict[str, float]:
    return {e: float(v) for e, v in zip(cw.ids, cw.market_cap, strict=True)
            if math.isfinite(float(v)) and v > 0}


def _montecarlo(cw: CompiledWeb, sc: Scenario, mapped: Mapped, n_paths: int, seed: int,
                uncertainty: Uncertainty | None, progress: Progress | None, base: StressResult
                ) -> tuple[FloatArray, FloatArray, tuple[str, ...], FloatArray,
                           tuple[str, ...]]:
    unc = uncertainty or parse_uncertainty(DEFAULT_UNCERTAIN, file="default uncertainty")
    model = engine_model(cw, sc, unc)
    parts, mark_parts, draws = [], [], []
    labels: tuple[str, ...] = ()
    for start in range(0, n_paths, BATCH):
        stop = min(start + BATCH, n_paths)
        x = draw_inputs(unc, seed, start, stop, model.n_noise)
        fields = unc.as_fields(x)
        if model.n_noise:
            fields[NOISE] = draw_noise(unc, seed, start, stop, model.n_noise)
        result = model.stress_result(fields, stop - start)
        loss, marks = _losses(mapped, result, cw, base)
        parts.append(loss)
        mark_parts.append(marks)
        draws.append(x)
        labels = result.quarter_labels
        if progress is not None:
            progress(stop, n_paths)
    return (np.concatenate(parts), np.concatenate(mark_parts), unc.names,
            np.concatenate(draws), labels)


def _worst(cw: CompiledWeb, mapped: Mapped, presets: Sequence[str]) -> pd.DataFrame:
    if not presets:
        return pd.DataFrame()
    totals = {}
    bases: dict[int, StressResult] = {}
    for name in presets:
        sc = load_preset(name)
        r = simulate(cw, sc, np.zeros((1, sc.quarters)))
        base = bases.setdefault(sc.quarters, _baseline(cw, sc.quarters))
        totals[name] = _losses(mapped, r, cw, base)[0][0].sum(axis=(0, 2))
    frame = pd.DataFrame(totals, index=[m.position.id for m in mapped.maps])
    worst = frame.max(axis=1).to_numpy()
    return pd.DataFrame({"position": frame.index,
                         "worst_scenario": np.where(worst > 1e-9, frame.idxmax(axis=1),
                                                    "none (no preset loses)"),
                         "worst_loss_usd_bn": worst})
