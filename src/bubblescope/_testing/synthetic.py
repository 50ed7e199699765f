"""Synthetic financing webs for scale tests, and a fast reduced-form cascade to run on them.

:func:`synthetic_compiled` draws a web of ``n_entities`` entities and ``n_contracts`` debt
contracts straight into the engine's arrays (:class:`~bubblescope.stress.compile.CompiledWeb`),
without building Python objects per contract, so a 100,000-entity, 1,000,000-contract web
takes seconds. Degrees follow a power law (Chung–Lu: each end of a contract is drawn with
probability proportional to a Pareto weight), entity kinds follow a sector mix, amounts are
log-normal. :func:`to_web` turns a small one into a validated :class:`~bubblescope.model.web.Web`.

:class:`FurfineModel` is a reduced-form stand-in for the full engine (Furfine 2003): AI
revenue lost each quarter erodes equity; an entity defaults when its losses reach its
equity; its creditors lose ``1 - recovery`` of their claims on it, in the same quarter,
until no new default occurs. It implements the Monte Carlo :class:`PathModel` protocol
and is used to test the Monte Carlo machinery and to time it at scale.

>>> import numpy as np
>>> web = synthetic_compiled(SyntheticSpec(50, 200), np.random.default_rng(0))
>>> web.n, web.m
(50, 200)

References
----------
Chung, F., Lu, L. (2002). Connected components in random graphs with given expected
degree sequences. *Annals of Combinatorics* 6, 125-145.
Furfine, C. (2003). Interbank exposures: quantifying the risk of contagion. *Journal of
Money, Credit and Banking* 35(1), 111-128.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

import numpy as np
from scipy import sparse

from bubblescope.model._typing import FloatArray, IntArray
from bubblescope.model.errors import ScenarioError
from bubblescope.model.kinds import DIRECTION, HOLDER_SECTORS
from bubblescope.model.parse import build_web
from bubblescope.model.web import Web
from bubblescope.stress.compile import DEFAULT_AI_SHARE, DEFAULT_AI_VALUE_SHARE, CompiledWeb
from bubblescope.stress.uncertainty.montecarlo import PathOutcome

__all__ = ["DEFAULT_MIX", "FurfineModel", "SyntheticSpec", "synthetic_compiled", "to_web"]

#: Default sector mix: share of entities of each kind (an assumption, sums to 1).
DEFAULT_MIX: Final[tuple[tuple[str, float], ...]] = (
    ("ai_lab", 0.02), ("hyperscaler", 0.01), ("neocloud", 0.03), ("chipmaker", 0.01),
    ("data_center_developer", 0.05), ("spv", 0.08), ("bank", 0.15), ("life_insurer", 0.08),
    ("pension_fund", 0.08), ("hedge_fund", 0.10), ("mutual_fund", 0.10),
    ("private_credit_fund", 0.10), ("private_equity", 0.05), ("household", 0.04),
    ("other", 0.10),
)
MAX_WEB_ENTITIES: Final[int] = 5_000
_LEVERAGE: Final[float] = 10.0  # total assets / book equity of a synthetic entity
_SYN_AS_OF: Final[dt.date] = dt.date(2025, 12, 31)


@dataclass(frozen=True)
class SyntheticSpec:
    """Size and shape of a synthetic web.

    ``exponent`` is the power-law exponent of the degree distribution (``P(k) ~ k^-exponent``,
    > 2); ``sector_mix`` gives the share of each entity kind; ``mean_amount`` the mean
    contract size (USD bn, log-normal with log-sd ``amount_sigma``).
    """

    n_entities: int
    n_contracts: int
    exponent: float = 2.5
    sector_mix: tuple[tuple[str, float], ...] = DEFAULT_MIX
    mean_amount: float = 1.0
    amount_sigma: float = 1.0

    def __post_init__(self) -> None:
        _need(self.n_entities >= 2, "n_entities", "must be an integer >= 2", self.n_entities)
        _need(self.n_contracts >= 1, "n_contracts", "must be an integer >= 1", self.n_contracts)
        _need(self.exponent > 2.0, "exponent", "must be > 2", self.exponent)
        _need(self.mean_amount > 0, "mean_amount", "must be > 0", self.mean_amount)
        _need(self.amount_sigma >= 0, "amount_sigma", "must be >= 0", self.amount_sigma)
        kinds = [k for k, _ in self.sector_mix]
        unknown = [k for k in kinds if k not in DIRECTION["bond"].holders]
        _need(not unknown, "sector_mix", "must name entity kinds", unknown)
        _need(all(s >= 0 for _, s in self.sector_mix) and sum(s for _, s in self.sector_mix) > 0,
              "sector_mix", "must have shares >= 0 with a positive sum", self.sector_mix)
        _need(any(k != "household" and s > 0 for k, s in self.sector_mix), "sector_mix",
              "must give a positive share to a kind that can owe debt (not household)",
              self.sector_mix)


def synthetic_compiled(spec: SyntheticSpec, rng: np.random.Generator) -> CompiledWeb:
    """Draw a synthetic web as engine arrays (entity axis ``n``, contract axis ``m``).

    Every contract is senior debt (a ``loan`` when the holder may lend, else a ``bond``)
    paying 6% a year and maturing in 1 to 40 quarters; households never owe. Balance
    sheets follow from the claims: total assets are claims held plus log-normal outside
    assets, book equity is a tenth of total assets, cash 5%, revenue of operators 20%.
    """
    n, m = spec.n_entities, spec.n_contracts
    kind_names = [k for k, _ in spec.sector_mix]
    shares = np.array([s for _, s in spec.sector_mix]) / sum(s for _, s in spec.sector_mix)
    kind_idx = rng.choice(len(kind_names), size=n, p=shares)
    kinds = tuple(kind_names[i] for i in kind_idx)
    holder, obligor = _draw_ends(spec, kinds, rng)
    amount = _draw_amounts(spec, m, rng)
    return _assemble(spec, kinds, holder, obligor, amount, rng)


def to_web(compiled: CompiledWeb) -> Web:
    """A validated :class:`Web` with the entities, balance sheets and contracts of a small
    synthetic web (at most :data:`MAX_WEB_ENTITIES` entities)."""
    _need(compiled.n <= MAX_WEB_ENTITIES, "n_entities", f"must be <= {MAX_WEB_ENTITIES} to "
          "build a Web (use the compiled arrays for larger webs)", compiled.n)
    src = [{"id": "synthetic", "kind": "assumption", "citation": "bubblescope._testing.synthetic",
            "note": "randomly generated web"}]
    entities = [{"id": i, "name": i, "kind": k, "country": "XX", "source_ids": "synthetic"}
                for i, k in zip(compiled.ids, compiled.kinds, strict=True)]
    figures = [_figure(compiled.ids[i], metric, float(values[i]))
               for metric, values in (("cash", compiled.cash), ("equity", compiled.book_equity),
                                      ("total_assets", compiled.total_assets),
                                      ("revenue", compiled.revenue))
               for i in range(compiled.n)]
    contracts = [_contract_row(compiled, j) for j in range(compiled.m)]
    tables = {"sources": src, "entities": entities, "figures": figures, "contracts": contracts}
    return build_web(compiled.name, compiled.as_of, tables)


@dataclass(frozen=True)
class FurfineModel:
    """Reduced-form sequential-default cascade on compiled arrays (a :class:`PathModel`).

    Per-path fields (arrays of shape (n_paths,), or the defaults): ``ai_revenue_shock``
    (share of AI revenue lost each quarter, default 0), ``recovery_senior`` (share of a
    defaulted claim recovered, default 0.4), ``equity_shock`` (share of AI firms' equity
    wiped out at the start, default 0).

    Notes
    -----
    With ``L`` the losses of shape (n_paths, n), ``A[h, o]`` the debt ``h`` holds on ``o``
    and ``D`` the new defaults, each round adds ``(1 - R) D A^T`` to ``L``; an entity
    defaults when ``L >= equity``. Debt of an entity that has lost half its equity counts
    as downgraded to junk.
    """

    web: CompiledWeb
    quarters: int = 24
    defaults: Mapping[str, float] = field(default_factory=lambda: {
        "ai_revenue_shock": 0.0, "recovery_senior": 0.4, "equity_shock": 0.0})

    @property
    def entity_ids(self) -> tuple[str, ...]:
        """Entity axis labels."""
        return self.web.ids

    @property
    def sectors(self) -> tuple[str, ...]:
        """Holder sectors reported (entity kinds)."""
        return HOLDER_SECTORS

    @property
    def n_quarters(self) -> int:
        """Horizon in quarters."""
        return self.quarters

    @property
    def n_noise(self) -> int:
        """No noise: the cascade is deterministic given its fields."""
        return 0

    @cached_property
    def _claims(self) -> sparse.csr_array:
        keep = self.web.holder >= 0
        n = self.web.n
        return sparse.csr_array((self.web.amount[keep], (self.web.holder[keep],
                                                         self.web.obligor[keep])), shape=(n, n))

    @cached_property
    def _debt_owed(self) -> FloatArray:
        owed = np.bincount(self.web.obligor, weights=self.web.amount, minlength=self.web.n)
        return np.asarray(owed, dtype=np.float64)

    @cached_property
    def _groups(self) -> sparse.csr_array:
        # Row 0 sums every entity, row 1 + s the members of sector s.
        kinds = np.array(self.web.kinds)
        member = np.stack([np.ones(self.web.n, bool), *(kinds == s for s in HOLDER_SECTORS)])
        return sparse.csr_array(member.astype(np.float64))

    def evaluate(self, fields: Mapping[str, FloatArray], n_paths: int) -> PathOutcome:
        """Run the cascade for ``n_paths`` paths; see the class notes."""
        get = {k: np.broadcast_to(np.asarray(fields.get(k, v), np.float64), (n_paths,))
               for k, v in self.defaults.items()}
        w = self.web
        ai = np.array([k in DEFAULT_AI_SHARE and k != "spv" for k in w.kinds])
        capital = np.broadcast_to(w.book_equity, (n_paths, w.n))
        loss = get["equity_shock"][:, None] * np.where(ai, w.book_equity, 0.0)[None, :]
        quarterly = (w.ai_share * w.revenue / 4.0)[None, :]
        when = np.full((n_paths, w.n), np.nan)
        for q in range(self.quarters):
            loss = loss + get["ai_revenue_shock"][:, None] * quarterly
            loss = self._cascade(loss, capital, when, q, 1.0 - get["recovery_senior"])
        junk = loss >= 0.5 * capital
        # Sums by sparse products, whose order per path does not depend on the number of
        # paths (numpy's and BLAS's reductions do): results are bitwise chunk-invariant.
        sums = (self._groups @ np.minimum(loss, capital).T).T
        junk_debt = self._groups[[0]] @ (junk * self._debt_owed[None, :]).T
        # the toy books only credit losses (write-downs of claims at default)
        return PathOutcome.credit_only(sums[:, 0], sums[:, 1:], when, junk_debt[0])

    def _cascade(self, loss: FloatArray, capital: FloatArray, when: FloatArray, q: int,
                 lgd: FloatArray) -> FloatArray:
        new = np.isnan(when) & (loss >= capital) & (capital > 0)
        while new.any():
            when[new] = q
            hit = self._claims @ (new.T * lgd[None, :])  # (n, n_paths): loss to each holder
            loss = loss + hit.T
            new = np.isnan(when) & (loss >= capital) & (capital > 0)
        return loss


# --- helpers -------------------------------------------------------------------------------
def _need(ok: bool, name: str, rule: str, value: object) -> None:
    if not ok:
        raise ScenarioError(f"synthetic web: {name!r} {rule}, got {value!r}")


def _draw_ends(
    spec: SyntheticSpec, kinds: tuple[str, ...], rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    n, m = spec.n_entities, spec.n_contracts
    weight = (1.0 - rng.random(n)) ** (-1.0 / (spec.exponent - 1.0))  # Pareto, x_min = 1
    can_owe = np.array([k != "household" for k in kinds])
    holder = rng.choice(n, size=m, p=weight / weight.sum())
    owe_w = weight * can_owe
    obligor = rng.choice(n, size=m, p=owe_w / owe_w.sum())
    loops = np.flatnonzero(holder == obligor)
    ok = np.flatnonzero(can_owe)
    # A claim on oneself moves to the next entity (cyclically) that can owe.
    obligor[loops] = ok[np.searchsorted(ok, obligor[loops], side="right") % ok.size]
    _need(not np.any(holder == obligor), "sector_mix", "must let at least two entities owe "
          "debt (no claims on oneself)", spec.sector_mix)
    return holder.astype(np.int64), obligor.astype(np.int64)


def _draw_amounts(spec: SyntheticSpec, m: int, rng: np.random.Generator) -> FloatArray:
    mu = np.log(spec.mean_amount) - spec.amount_sigma**2 / 2.0
    return rng.lognormal(mu, spec.amount_sigma, size=m)


def _assemble(spec: SyntheticSpec, kinds: tuple[str, ...], holder: IntArray, obligor: IntArray,
              amount: FloatArray, rng: np.random.Generator) -> CompiledWeb:
    n, m = spec.n_entities, spec.n_contracts
    held = np.bincount(holder, weights=amount, minlength=n)
    assets = held + rng.lognormal(np.log(spec.mean_amount), 1.0, size=n)
    operator = np.array([k not in HOLDER_SECTORS and k not in ("spv", "other") for k in kinds])
    revenue = np.where(operator, 0.2 * assets, 0.0)
    lender = np.array([k in DIRECTION["loan"].holders for k in kinds])
    ids = tuple(f"e{i}" for i in range(n))
    return CompiledWeb(
        name=f"synthetic-{n}x{m}", as_of=_SYN_AS_OF, ids=ids, kinds=kinds,
        cash=0.05 * assets, market_cap=1.5 * assets / _LEVERAGE,
        book_equity=assets / _LEVERAGE, revenue=revenue, outside_revenue=revenue.copy(),
        ai_share=np.array([DEFAULT_AI_SHARE.get(k, 0.0) for k in kinds]),
        ai_value_share=np.array([DEFAULT_AI_VALUE_SHARE.get(k, 0.0) for k in kinds]),
        op_cost=0.8 * revenue, capex=np.zeros(n), total_assets=assets,
        contract_ids=tuple(f"c{j}" for j in range(m)),
        contract_kinds=tuple(np.where(lender[holder], "loan", "bond").tolist()),
        obligor=obligor, holder=holder, amount=amount, annual_payment=0.06 * amount,
        rate=np.full(m, 0.06), start_q=np.full(m, -1, np.int64),
        maturity_q=rng.integers(0, 40, size=m, dtype=np.int64), rank=np.ones(m, np.int64),
        tranche=np.full(m, -1, np.int64), ltv=np.full(m, np.nan),
        on_balance_sheet=np.ones(m, np.bool_), assumptions=(), n_superseded=0,
        age_q=np.zeros(m), agency_rating=np.full(n, -1, np.int64),
    )


def _figure(entity: str, metric: str, value: float) -> dict[str, str]:
    return {"entity_id": entity, "metric": metric, "year": "2025", "value": f"{value:.9g}",
            "confidence": "low", "source_ids": "synthetic"}


def _contract_row(w: CompiledWeb, j: int) -> dict[str, str]:
    days = int((int(w.maturity_q[j]) + 1) * 91.3125)
    return {
        "id": w.contract_ids[j], "kind": w.contract_kinds[j], "holder": w.ids[w.holder[j]],
        "obligor": w.ids[w.obligor[j]], "amount": f"{w.amount[j]:.9g}", "status": "reported",
        "confidence": "low", "source_ids": "synthetic", "rate": f"{w.rate[j]:g}",
        "maturity": (w.as_of + dt.timedelta(days=days)).isoformat(),
    }
