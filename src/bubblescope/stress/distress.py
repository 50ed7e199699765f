"""DebtRank of a run's first defaults: how far their distress alone would spread.

A second measure of contagion beside the engine's own cascade: single-hit DebtRank
(:mod:`~bubblescope.stress.kernels.debtrank`) seeded with each path's first defaulters, on
the web's claims and the run's capital.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bubblescope.model._typing import FloatArray
from bubblescope.model.web import Web
from bubblescope.stress.kernels.debtrank import debtrank
from bubblescope.stress.result import StressResult

__all__ = ["DebtRankView", "debtrank_view"]

#: Capital given to entities with none, so any claim on a defaulter wipes them out.
_NO_CAPITAL = 1e-9


@dataclass(frozen=True)
class DebtRankView:
    """DebtRank of the first defaults of a run: how far their distress alone would spread.

    ``quarter`` and ``seeds`` are the first default quarter and its defaulters on path 0;
    ``debtrank`` is the mean over paths of the added distress ``v·h - v·h0`` (a share of
    the web's economic value, 0 to 1); ``distress`` is each entity's final distress ``h``
    on path 0, largest first; ``engine_defaults`` counts the entities the engine has
    defaulting by the end on path 0.
    """

    quarter: str
    seeds: tuple[str, ...]
    debtrank: float
    distress: pd.Series
    engine_defaults: int

    def __str__(self) -> str:
        top = ", ".join(f"{e} {h:.2f}" for e, h in self.distress.head(5).items())
        return (f"DebtRank at the first default ({self.quarter}: {', '.join(self.seeds)}): "
                f"{self.debtrank:.3f} of the web's value distressed beyond the defaulters; "
                f"{int((self.distress >= 1).sum())} entities at full distress (the "
                f"defaulters included) against {self.engine_defaults} defaults in the engine "
                f"by the end. Most distressed: {top}")


def debtrank_view(web: Web, result: StressResult) -> DebtRankView | None:
    """Run single-hit DebtRank from each path's first defaulters (None if none default).

    Claims are the web's contracts (``Web.adjacency``), capital is the run's (book equity;
    assets for funds), and an entity's economic value is its claims held plus owed.
    """
    q = result.default_quarter
    hit = q >= 0
    if not hit[0].any():
        return None
    first = np.where(hit, q, np.iinfo(np.int64).max).min(axis=1, keepdims=True)
    h0 = (hit & (q == first)).astype(np.float64)
    claims = _claims(web, result.entity_ids)
    value = np.asarray(claims.sum(axis=0) + claims.sum(axis=1), dtype=np.float64)
    cap = result.capital if result.capital.size else np.zeros(len(result.entity_ids))
    cap = np.where(np.isfinite(cap) & (cap > 0), cap, _NO_CAPITAL)
    dr = debtrank(claims, cap, value + (value.sum() == 0), h0)
    distress = pd.Series(dr.h[0], index=pd.Index(result.entity_ids, name="entity"), name="h")
    distress = distress[distress > 0].sort_values(ascending=False)
    seeds = tuple(e for e, s in zip(result.entity_ids, h0[0] > 0, strict=True) if s)
    return DebtRankView(result.quarter_labels[int(first[0, 0])], seeds,
                        float(dr.additional_stress.mean()), distress, int(hit[0].sum()))


def _claims(web: Web, ids: tuple[str, ...]) -> FloatArray:
    """The web's claims ``A[holder, obligor]`` (USD bn) in the order of ``ids``."""
    full = web.adjacency().toarray()
    pos = np.array([web.index.get(e, -1) for e in ids])
    ok = pos >= 0
    out = np.zeros((len(ids), len(ids)))
    out[np.ix_(ok, ok)] = full[np.ix_(pos[ok], pos[ok])]
    return np.maximum(out, 0.0)
