"""A portfolio through the crash: the same engine run, read at the positions.

Each position's loss per path, quarter and channel (``credit loss``, ``debt mark``,
``equity mark``) comes from the engine's result:

- debt (bond, loan, ABS/lease note): the position's share of its pool's booked loss
  quarter by quarter (:attr:`StressResult.contract_loss_by_quarter`), nothing after the
  position's maturity; a loss before the issuer defaults is a *debt mark* (forced sales
  and marks while the issuer still pays), from its default quarter on a *credit loss*;
- CDS protection: minus the credit loss of the issuer's debt pool on the protected amount
  (a gain when the issuer defaults; premiums are not modelled);
- equity and private-credit fund shares: the fall of the issuer's value index, quarter by
  quarter, times the amount (how the engine marks equity stakes and fund shares); fund
  shares book it as credit loss (the fund's NAV falls with its borrowers).

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
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import ScenarioError
from bubblescope.model.tables import Tabular
from bubblescope.model.web import Web
from bubblescope.portfolio.mapping import Mapped, map_portfolio
from bubblescope.portfolio.positions import Portfolio
from bubblescope.stress.compile import CompiledWeb, compile_web
from bubblescope.stress.engine import simulate
from bubblescope.stress.result import StressResult
from bubblescope.stress.scenario import PRESETS, Scenario, load_preset
from bubblescope.stress.uncertainty.distributions import (
    DEFAULT_UNCERTAIN,
    Uncertainty,
    parse_uncertainty,
)
from bubblescope.stress.uncertainty.montecarlo import NOISE, draw_inputs, draw_noise, engine_model

__all__ = ["CHANNELS", "PortfolioResult", "position_losses", "run_portfolio"]

#: The channels a position's loss is split into.
CHANNELS: Final[tuple[str, ...]] = ("credit loss", "debt mark", "equity mark")
#: Paths per engine batch in the Monte Carlo (bounds memory; does not change results).
BATCH: Final = 256

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PortfolioResult(Tabular):
    """Losses of a portfolio's positions (USD bn; positive is a loss, negative a gain).

    ``loss`` has shape (n_paths, quarters, n_positions, 3), channels as :data:`CHANNELS`.
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
        rows = []
        for k, m in enumerate(self.mapped.maps):
            p = m.position
            rows.append({"position": p.id, "issuer": m.issuer, "instrument": p.instrument,
                         "amount_usd_bn": p.amount, "mapped_to": m.how,
                         "loss_usd_bn": float(per[k].sum()),
                         **{f"{c.replace(' ', '_')}_usd_bn": float(per[k, j])
                            for j, c in enumerate(CHANNELS)},
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


def position_losses(mapped: Mapped, result: StressResult,
                    cw: CompiledWeb | None = None) -> FloatArray:
    """Each position's loss per path, quarter and channel, (n_paths, quarters, n_pos, 3)."""
    n_paths, quarters = result.n_paths, result.quarters
    out = np.zeros((n_paths, quarters, len(mapped.maps), len(CHANNELS)))
    col = {c: j for j, c in enumerate(result.contract_ids)}
    amount = _amounts(result, cw)
    ent = {e: i for i, e in enumerate(result.entity_ids)}
    t = np.arange(quarters)
    for k, m in enumerate(mapped.maps):
        pos, i = m.position, ent[m.issuer]
        if pos.instrument in ("equity", "fund_share"):
            v = np.concatenate([np.ones((n_paths, 1)), result.valuation[:, :, i]], axis=1)
            fall = pos.amount * (v[:, :-1] - v[:, 1:])
            out[:, :, k, 2 if pos.instrument == "equity" else 0] = fall
            continue
        # Claims held outside the web book no loss in the engine: the rate is read off
        # the claims held inside it.
        js = [col[c] for c in m.contracts
              if c in col and result.contract_holder[col[c]] != "outside"]
        pool = float(sum(amount[j] for j in js))
        rate = (result.contract_loss_by_quarter[:, :, js].sum(axis=2) / pool if pool > 0
                else np.zeros((n_paths, quarters)))
        rate = rate * _alive(pos.maturity, result, t)
        dq = result.default_quarter[:, i]
        credit = t[None, :] >= np.where(dq >= 0, dq, quarters)[:, None]
        if pos.instrument == "cds":
            out[:, :, k, 0] = -pos.amount * rate * credit
            continue
        out[:, :, k, 0] = pos.amount * rate * credit
        out[:, :, k, 1] = pos.amount * rate * ~credit
    return out


def _amounts(result: StressResult, cw: CompiledWeb | None) -> FloatArray:
    if cw is not None and cw.contract_ids == result.contract_ids:
        return np.asarray(cw.amount, dtype=np.float64)
    raise ScenarioError("position_losses needs the compiled web the result was run on")


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
    if n_paths == 1 and uncertainty is None:
        result = simulate(cw, sc, np.zeros((1, sc.quarters)))
        loss, x = position_losses(mapped, result, cw), np.zeros((1, 0))
        names: tuple[str, ...] = ()
        labels = result.quarter_labels
    else:
        loss, names, x, labels = _montecarlo(cw, sc, mapped, n_paths, seed,
                                             uncertainty, progress)
    return PortfolioResult(mapped, sc.name, labels, loss, seed, names, x,
                           _worst(cw, mapped, worst_of), level)


def _market_values(cw: CompiledWeb) -> dict[str, float]:
    return {e: float(v) for e, v in zip(cw.ids, cw.market_cap, strict=True)
            if math.isfinite(float(v)) and v > 0}


def _montecarlo(cw: CompiledWeb, sc: Scenario, mapped: Mapped, n_paths: int, seed: int,
                uncertainty: Uncertainty | None, progress: Progress | None
                ) -> tuple[FloatArray, tuple[str, ...], FloatArray, tuple[str, ...]]:
    unc = uncertainty or parse_uncertainty(DEFAULT_UNCERTAIN, file="default uncertainty")
    model = engine_model(cw, sc, unc)
    parts, draws = [], []
    labels: tuple[str, ...] = ()
    for start in range(0, n_paths, BATCH):
        stop = min(start + BATCH, n_paths)
        x = draw_inputs(unc, seed, start, stop, model.n_noise)
        fields = unc.as_fields(x)
        if model.n_noise:
            fields[NOISE] = draw_noise(unc, seed, start, stop, model.n_noise)
        result = model.stress_result(fields, stop - start)
        parts.append(position_losses(mapped, result, cw))
        draws.append(x)
        labels = result.quarter_labels
        if progress is not None:
            progress(stop, n_paths)
    return np.concatenate(parts), unc.names, np.concatenate(draws), labels


def _worst(cw: CompiledWeb, mapped: Mapped, presets: Sequence[str]) -> pd.DataFrame:
    if not presets:
        return pd.DataFrame()
    totals = {}
    for name in presets:
        sc = load_preset(name)
        r = simulate(cw, sc, np.zeros((1, sc.quarters)))
        totals[name] = position_losses(mapped, r, cw)[0].sum(axis=(0, 2))
    frame = pd.DataFrame(totals, index=[m.position.id for m in mapped.maps])
    worst = frame.max(axis=1).to_numpy()
    return pd.DataFrame({"position": frame.index,
                         "worst_scenario": np.where(worst > 1e-9, frame.idxmax(axis=1),
                                                    "none (no preset loses)"),
                         "worst_loss_usd_bn": worst})
