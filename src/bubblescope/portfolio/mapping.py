"""Map positions onto the web: which claims of the web a position is a slice of.

A debt position (bond, loan, ABS/lease note, CDS protection) is a pro-rata slice of a
*pool* of the web's contracts: the contract, instrument or deal it names, or else the
issuer's active contracts of that instrument's kinds, narrowed to the position's seniority
or tranche when the web has claims of it. Equity and private-credit fund shares follow
the issuer's value index in the engine (the same index the engine marks equity stakes and
fund shares with). An issuer or contract the web does not know is an error naming the row
and the nearest ids; a position larger than what the web says exists is a warning.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Final

from bubblescope.model.errors import DataError, Issue
from bubblescope.model.web import Contract, Web
from bubblescope.portfolio.positions import Portfolio, Position

__all__ = ["DEBT_KINDS", "Mapped", "PositionMap", "map_portfolio"]

#: Web contract kinds each debt instrument can be a slice of.
DEBT_KINDS: Final[dict[str, tuple[str, ...]]] = {
    "bond": ("bond",),
    "loan": ("loan", "gpu_backed_loan", "credit_line"),
    "abs_note": ("abs_note",),
    "cds": ("bond", "loan", "gpu_backed_loan", "credit_line"),
}
_ANY_DEBT: Final = ("bond", "loan", "gpu_backed_loan", "credit_line", "abs_note")
#: Entity kinds a fund share can be held in.
FUND_KINDS: Final = frozenset({"private_credit_fund", "hedge_fund", "mutual_fund",
                               "private_equity", "pension_fund"})


@dataclass(frozen=True)
class PositionMap:
    """Where one position sits in the web.

    ``contracts`` are the ids of the pool's contracts (empty for equity and fund shares,
    which follow ``issuer``'s value index); ``pool_usd_bn`` is the pool's notional (for
    equity, the issuer's market value; for a fund share, the fund's assets when known).
    """

    position: Position
    issuer: str
    contracts: tuple[str, ...]
    pool_usd_bn: float
    how: str

    @property
    def share_of_pool(self) -> float:
        """The position as a share of its pool (above 1: more than the web has)."""
        return self.position.amount / self.pool_usd_bn if self.pool_usd_bn > 0 else float("inf")


@dataclass(frozen=True)
class Mapped:
    """Every position mapped, and the warnings found on the way."""

    portfolio: Portfolio
    maps: tuple[PositionMap, ...]
    warnings: tuple[str, ...]


def map_portfolio(web: Web, portfolio: Portfolio,
                  market_value: dict[str, float] | None = None) -> Mapped:
    """Map every position of ``portfolio`` onto ``web``.

    ``market_value`` (entity id → USD bn) sizes equity and fund pools for the "larger than
    the web" warning; without it those pools are not checked.

    Raises
    ------
    DataError
        Naming every row whose issuer or contract the web does not know (with the nearest
        ids), or whose issuer has no claim of the instrument's kind.
    """
    active = web.active()
    issues: list[Issue] = []
    maps: list[PositionMap] = []
    for pos in portfolio.positions:
        found = _map(web, active, pos, portfolio.file, market_value or {})
        if isinstance(found, Issue):
            issues.append(found)
        else:
            maps.append(found)
    if issues:
        raise DataError(issues)
    warnings = tuple(
        f"{portfolio.file} line {m.position.line} ({m.position.id}): USD {m.position.amount:,.3g}bn"
        f" is {m.share_of_pool:.1f}x the USD {m.pool_usd_bn:,.3g}bn the web has in "
        f"{m.how}; losses are scaled from the web's pool"
        for m in maps if m.pool_usd_bn > 0 and m.share_of_pool > 1.0)
    return Mapped(portfolio, tuple(maps), warnings)


def _map(web: Web, active: tuple[Contract, ...], pos: Position, file: str,
         market_value: dict[str, float]) -> PositionMap | Issue:
    if pos.contract is not None:
        return _by_contract(web, active, pos, file)
    issuer = str(pos.issuer)
    if issuer not in web.index:
        return Issue(file, pos.line, "issuer", "must be an entity id of the web"
                     + _nearest(issuer, web), issuer)
    if pos.instrument in ("equity", "fund_share"):
        kind = web.entities[web.index[issuer]].kind
        if pos.instrument == "fund_share" and kind not in FUND_KINDS:
            return Issue(file, pos.line, "issuer", "of a fund share must be a fund "
                         f"({', '.join(sorted(FUND_KINDS))}); {issuer} is a {kind}", issuer)
        return PositionMap(pos, issuer, (), market_value.get(issuer, 0.0),
                           f"{issuer}'s value index ({pos.instrument.replace('_', ' ')})")
    return _by_issuer(active, pos, issuer, file)


def _by_issuer(active: tuple[Contract, ...], pos: Position, issuer: str,
               file: str) -> PositionMap | Issue:
    mine = [c for c in active if c.obligor == issuer]
    kinds = DEBT_KINDS[pos.instrument]
    pool = [c for c in mine if c.kind in kinds]
    how = f"{issuer}'s {pos.instrument.replace('_', ' ')} claims"
    if not pool:
        pool = [c for c in mine if c.kind in _ANY_DEBT]
        how = f"{issuer}'s debt (no {pos.instrument.replace('_', ' ')} in the web)"
    if not pool:
        held: list[str] = sorted({str(c.kind) for c in mine}) or ["nothing"]
        return Issue(file, pos.line, "instrument", f"must be a claim the web has on {issuer} "
                     f"(it has: {', '.join(held)})", pos.instrument)
    pool, how = _narrow(pool, pos, how)
    return PositionMap(pos, issuer, tuple(c.id for c in pool),
                       float(sum(c.amount for c in pool)), f"{how} ({len(pool)} contracts)")


def _narrow(pool: list[Contract], pos: Position, how: str) -> tuple[list[Contract], str]:
    """Keep the claims of the position's seniority or tranche when the web has some."""
    if pos.tranche is not None:
        same = [c for c in pool if c.tranche == pos.tranche]
        if same:
            return same, f"{how}, {pos.tranche} tranche"
    if pos.seniority is not None:
        same = [c for c in pool if c.seniority == pos.seniority]
        if same:
            return same, f"{how}, {pos.seniority}"
    return pool, how


def _by_contract(web: Web, active: tuple[Contract, ...], pos: Position,
                 file: str) -> PositionMap | Issue:
    name = str(pos.contract)
    pool = [c for c in active if c.id == name]
    how = f"contract {name}"
    if not pool:
        deals = {i.id: i.deal for i in web.instruments}
        deal = deals.get(name, name)
        pool = [c for c in active if c.deal == deal and c.kind in _ANY_DEBT]
        how = f"instrument {name}" if name in deals else f"deal {name}"
    if not pool:
        ids = [c.id for c in active] + [i.id for i in web.instruments]
        near = difflib.get_close_matches(name, ids, n=3, cutoff=0.5)
        hint = f" (nearest: {', '.join(near)})" if near else ""
        return Issue(file, pos.line, "contract", "must be a contract, instrument or deal id "
                     "of the web" + hint, name)
    issuer = pool[0].obligor
    if pos.issuer is not None and pos.issuer != issuer:
        return Issue(file, pos.line, "issuer", f"must match the obligor of {name} ({issuer})",
                     pos.issuer)
    return PositionMap(pos, issuer, tuple(c.id for c in pool),
                       float(sum(c.amount for c in pool)), f"{how} ({len(pool)} contracts)")


def _nearest(text: str, web: Web) -> str:
    """`` (nearest: a, b)`` from ids and names close to ``text``, or ``""``."""
    ids = [e.id for e in web.entities]
    by_name = {e.name.lower(): e.id for e in web.entities}
    key = text.lower()
    near = difflib.get_close_matches(key, ids, n=3, cutoff=0.5)
    near += [by_name[n] for n in difflib.get_close_matches(key, list(by_name), n=3, cutoff=0.5)]
    near += [e.id for e in web.entities if key and (key in e.name.lower() or key in e.id)]
    near = list(dict.fromkeys(near))[:4]
    return f" (nearest: {', '.join(near)})" if near else ""
