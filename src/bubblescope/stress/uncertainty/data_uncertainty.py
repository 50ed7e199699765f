"""Uncertainty over the data: draw the web's numbers by their confidence.

Most of the AI web is estimated: 92% of contract notional is low confidence. A Monte Carlo
that varies only scenario inputs treats every one of those numbers as known. :func:`draw_web`
returns a copy of the web whose contract amounts and annual payments and whose entity
figures are multiplied by independent mean-one lognormal factors, with a spread set by each
number's confidence (:data:`CONFIDENCE_SIGMA`). :func:`data_sensitivity` ranks the data
assumptions (grouped by their ``assumption`` source) by how much a one-sigma change moves a
chosen loss.

Spreads (**assumption**, documented in docs/montecarlo.md): ``high`` 5% (filings: timing of
trailing-four-quarter figures, fiscal years mapped to calendar years), ``medium`` 15%
(releases, run-rates, reported figures recalled rather than re-read), ``low`` 40% (the
tool's assumptions and unlisted firms' financials, whose public estimates differ by about
that much, e.g. xAI's valuation or private-credit allocations).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from bubblescope.model.web import Contract, Entity, Figure, Web

__all__ = ["CONFIDENCE_SIGMA", "DataSensitivity", "data_sensitivity", "draw_web",
           "lognormal_factor"]

#: Lognormal sigma of a number's multiplicative error, by its confidence (see module notes).
CONFIDENCE_SIGMA: Final[Mapping[str, float]] = {"high": 0.05, "medium": 0.15, "low": 0.40}
#: Figures that are shares, kept in [0, 1] after a draw.
_SHARES: Final[frozenset[str]] = frozenset({"ai_value_share"})


def lognormal_factor(z: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Mean-one lognormal factors ``exp(sigma z - sigma^2 / 2)`` for standard normals ``z``.

    >>> lognormal_factor(np.zeros(2), np.array([0.0, 0.4])).round(4).tolist()
    [1.0, 0.9231]
    """
    return np.asarray(np.exp(sigma * z - 0.5 * sigma**2), dtype=np.float64)


def draw_web(web: Web, rng: np.random.Generator,
             sigma: Mapping[str, float] = CONFIDENCE_SIGMA,
             only: Callable[[tuple[str, ...]], bool] | None = None) -> Web:
    """Return a copy of ``web`` with its amounts drawn by their confidence.

    Parameters
    ----------
    web : Web
    rng : numpy.random.Generator
        The only source of randomness; one normal per contract and per figure, in the
        web's order, so a seed reproduces the draw.
    sigma : mapping
        Lognormal sigma per confidence level.
    only : callable, optional
        Draw only the numbers whose ``source_ids`` it accepts (the others keep their value,
        though the normals are still drawn so streams stay aligned).

    Returns
    -------
    Web
        Contract ``amount`` and ``annual_payment`` share one factor per contract; every
        entity figure has its own (shares clipped to [0, 1]).
    """
    contracts = tuple(_draw_contract(c, float(rng.standard_normal()), sigma, only)
                      for c in web.contracts)
    entities = tuple(_draw_entity(e, rng, sigma, only) for e in web.entities)
    return dataclasses.replace(web, contracts=contracts, entities=entities)


def _factor(confidence: str, z: float, sigma: Mapping[str, float], ids: tuple[str, ...],
            only: Callable[[tuple[str, ...]], bool] | None) -> float:
    if only is not None and not only(ids):
        return 1.0
    s = float(sigma.get(confidence, 0.0))
    return float(np.exp(s * z - 0.5 * s * s))


def _draw_contract(c: Contract, z: float, sigma: Mapping[str, float],
                   only: Callable[[tuple[str, ...]], bool] | None) -> Contract:
    f = _factor(c.confidence, z, sigma, c.source_ids, only)
    pay = None if c.annual_payment is None else c.annual_payment * f
    return dataclasses.replace(c, amount=c.amount * f, annual_payment=pay)


def _draw_entity(e: Entity, rng: np.random.Generator, sigma: Mapping[str, float],
                 only: Callable[[tuple[str, ...]], bool] | None) -> Entity:
    figs = []
    for fig in e.figures:
        f = _factor(fig.confidence, float(rng.standard_normal()), sigma, fig.source_ids, only)
        value = fig.value * f
        figs.append(dataclasses.replace(fig, value=min(value, 1.0) if fig.metric in _SHARES
                                        else value))
    return dataclasses.replace(e, figures=tuple(figs))


@dataclass(frozen=True)
class DataSensitivity:
    """How much a one-sigma change of each data assumption moves a loss (USD bn)."""

    base: float
    rows: tuple[tuple[str, float, float], ...]
    """(assumption source id, loss after +1 sigma minus base, after -1 sigma minus base),
    largest absolute move first."""

    def __str__(self) -> str:
        lines = [f"base {self.base:,.1f}"]
        lines += [f"  {sid}: +1 sigma {up:+,.1f}, -1 sigma {down:+,.1f}"
                  for sid, up, down in self.rows]
        return "\n".join(lines)

    def frame(self) -> pd.DataFrame:
        """One row per assumption, largest move first: ``source``, ``up_usd_bn``,
        ``down_usd_bn`` (loss after +1 / -1 sigma minus the base)."""
        return pd.DataFrame(list(self.rows), columns=["source", "up_usd_bn", "down_usd_bn"])


def data_sensitivity(web: Web, loss: Callable[[Web], float],
                     sources: Sequence[str] | None = None,
                     sigma: Mapping[str, float] = CONFIDENCE_SIGMA) -> DataSensitivity:
    """Rank data assumptions by how much moving them one sigma moves ``loss(web)``.

    Parameters
    ----------
    web : Web
    loss : callable
        ``Web -> float``, e.g. insurers' losses in a preset.
    sources : sequence of str, optional
        Assumption source ids to test (default: every source of kind ``assumption``).
    sigma : mapping
        Sigma per confidence (each number moves by its own confidence's sigma).
    """
    ids = list(sources) if sources is not None else [
        s.id for s in web.sources if s.kind == "assumption"]
    base = loss(web)
    rows = []
    for sid in ids:
        moved = [loss(_shift(web, sid, sign, sigma)) - base for sign in (1.0, -1.0)]
        rows.append((sid, moved[0], moved[1]))
    rows.sort(key=lambda r: -max(abs(r[1]), abs(r[2])))
    return DataSensitivity(base, tuple(rows))


def _shift(web: Web, source_id: str, sign: float, sigma: Mapping[str, float]) -> Web:
    def hit(ids: tuple[str, ...]) -> bool:
        return source_id in ids

    def fac(conf: str) -> float:
        return float(np.exp(sign * float(sigma.get(conf, 0.0))))

    contracts = tuple(dataclasses.replace(c, amount=c.amount * fac(c.confidence),
                                          annual_payment=None if c.annual_payment is None
                                          else c.annual_payment * fac(c.confidence))
                      if hit(c.source_ids) else c for c in web.contracts)
    entities = tuple(dataclasses.replace(e, figures=tuple(
        _shift_fig(f, fac(f.confidence)) if hit(f.source_ids) else f for f in e.figures))
        for e in web.entities)
    return dataclasses.replace(web, contracts=contracts, entities=entities)


def _shift_fig(f: Figure, factor: float) -> Figure:
    value = f.value * factor
    return dataclasses.replace(f, value=min(value, 1.0) if f.metric in _SHARES else value)
