"""One serialiser per stress result: the JSON schema the CLI, ``run`` and the dashboard share.

:func:`stress_dict` is what ``StressResult.to_dict`` returns; the schema is documented in
``docs/json.md``. :func:`tranche_losses` and
:func:`structural_findings` are the figures it shares with the terminal and the report.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from bubblescope.model.jsonsafe import finite
from bubblescope.model.web import Web
from bubblescope.stress.compile import DEBT_KINDS
from bubblescope.stress.distress import DebtRankView, debtrank_view
from bubblescope.stress.funds_view import private_credit_and_leverage
from bubblescope.stress.kernels.ratings import RATINGS
from bubblescope.stress.result import DOWNGRADED_2008_USD_BN, StressResult

__all__ = ["TRANCHE_NAMES", "stress_dict", "structural_findings", "tranche_losses"]

#: Names of the tranche axis of ``StressResult.tranche_loss``, senior first.
TRANCHE_NAMES: Final[tuple[str, ...]] = ("senior", "mezzanine", "equity")


def stress_dict(result: StressResult, reference: StressResult | None = None,
                web: Web | None = None) -> dict[str, Any]:
    """``result`` as plain JSON data (means over paths; USD bn unless a key says otherwise).

    ``reference`` is the no-shock run the shock's losses are measured against and whose
    structural findings are listed (``result`` itself when ``None``); with ``web`` the
    payload carries DebtRank from the first defaults (else ``"debtrank": null``).
    Non-finite numbers are ``None``; dates are ISO text.
    """
    tl = result.timeline.reset_index()
    sectors = result.losses_by_sector.iloc[:, -1]
    ref = reference if reference is not None else result
    return dict(finite({
        "credit_first": result.ledger.headline(),
        "shock_losses": result.ledger.relative_to(ref.ledger).headline(),
        "structural_findings": structural_findings(ref),
        "scenario": {"name": result.scenario.name, "description": result.scenario.description},
        "web": result.web_name, "as_of": result.as_of.isoformat(), "paths": result.n_paths,
        "assumed_inputs": result.n_assumed,
        "timeline": tl.to_dict(orient="records"),
        "defaults": result.defaults.to_dict(orient="records"),
        "cuts": result.cuts.to_dict(orient="records"),
        "losses_by_sector": {str(k): float(v) for k, v in sectors.items()},
        "losses_by_channel": {str(k): float(v) for k, v in result.losses_by_channel.items()},
        "capital_hit": result.capital_hit.to_dict(orient="records"),
        "holder_loss": float(result.holder_loss.mean()),
        "total_loss": float(result.total_loss.mean()),
        "downgraded_usd_bn": float(result.downgraded[:, -1].mean()),
        "downgraded_vs_2008": float(result.downgraded[:, -1].mean() / DOWNGRADED_2008_USD_BN),
        "jobs_millions": float(result.jobs_millions[:, -1].mean()),
        "tranche_loss_usd_bn": {str(k): {"end": float(r.end), "peak": float(r.peak)}
                                for k, r in tranche_losses(result).iterrows()},
        "debtrank": None if web is None else _debtrank_dict(debtrank_view(web, result)),
        "firm_drawdowns": result.firm_drawdowns.to_dict(),
        "firm_cash_flows_usd_bn": result.firm_cash_flows.to_dict(orient="index"),
        "ai_index": result.ai_index.mean(axis=0).tolist(),
        "gpu_rental_usd_h": result.gpu_rental.mean(axis=0).tolist(),
        "ai_debt_usd_bn": result.ai_debt.mean(axis=0).tolist(),
        "debt_issued_usd_bn": result.issued.mean(axis=0).tolist(),
        "ai_debt_passes_2008_downgrades": result.debt_crossing(DOWNGRADED_2008_USD_BN),
        "ig_bonds_usd_bn": result.ig_bonds.mean(axis=0).tolist(),
        "ig_bonds_pass_2008_downgrades": result.debt_crossing(DOWNGRADED_2008_USD_BN,
                                                              "ig_bonds"),
        "private_credit_and_leverage": private_credit_and_leverage(result),
    }))


def structural_findings(base: StressResult) -> dict[str, Any]:
    """What fails in the no-shock run: defaults, cuts and firms not paid (first path)."""
    firms = base.ledger.firm_table()
    credit = firms[firms["realised credit"] > 1e-6]
    return {
        "defaults": base.defaults.query("path == 0")[["label", "entity", "reason"]]
        .to_dict(orient="records"),
        "cuts": base.cuts.query("path == 0")[["entity", "label", "cut_usd_bn"]]
        .to_dict(orient="records"),
        "firms_not_paid": credit[["firm", "realised credit"]].to_dict(orient="records"),
        "downgrades": baseline_downgrades(base),
    }


def baseline_downgrades(base: StressResult) -> list[dict[str, str]]:
    """Obligors whose debt ends the no-shock run rated lower than it starts (first path).

    A drift with no shock is a finding about the web (e.g. a provider whose customer
    renegotiates), not a crash loss; each obligor appears once, with its largest move.
    """
    moves: dict[str, tuple[int, int]] = {}
    for j, kind in enumerate(base.contract_kinds):
        start, end = int(base.rating_start[0, j]), int(base.rating[0, -1, j])
        obligor = base.contract_obligor[j]
        if kind in DEBT_KINDS and end > start and end - start > _notches(moves.get(obligor)):
            moves[obligor] = (start, end)
    return [{"entity": o, "start": RATINGS[a], "end": RATINGS[b]}
            for o, (a, b) in sorted(moves.items())]


def _notches(move: tuple[int, int] | None) -> int:
    return 0 if move is None else move[1] - move[0]


def tranche_losses(result: StressResult, web: Web | None = None) -> pd.DataFrame:
    """Projected principal loss of SPV paper by tranche, USD bn (mean over paths).

    One row per tranche (senior, mezzanine, equity); ``end`` is the projection in the last
    quarter, ``peak`` the largest over the run (the waterfall of seed 001's step 3). With
    ``web``, ``size`` is the tranche's notional in the web (its active ``abs_note``
    contracts, USD bn) and ``peak_share`` the peak loss as a share of it.
    """
    mean = result.tranche_loss.mean(axis=0)  # (quarter, tranche)
    out = pd.DataFrame({"end": mean[-1], "peak": mean.max(axis=0)},
                       index=pd.Index(TRANCHE_NAMES, name="tranche"))
    if web is not None:
        size = dict.fromkeys(TRANCHE_NAMES, 0.0)
        for c in web.active():
            if c.kind == "abs_note" and c.tranche in size:
                size[c.tranche] += c.amount
        out.insert(0, "size", [size[t] for t in TRANCHE_NAMES])
        out["peak_share"] = np.where(out["size"] > 0, out["peak"] / out["size"].where(
            out["size"] > 0, 1.0), np.nan)
    return out


def _debtrank_dict(view: DebtRankView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {"quarter": view.quarter, "seeds": list(view.seeds), "debtrank": view.debtrank,
            "engine_defaults": view.engine_defaults,
            "distress": {str(k): float(v) for k, v in view.distress.items()}}
