"""Regulated holders' capital ratios before and after a run: life insurers' RBC ratio and
banks' capital over risk-weighted assets, with charges that follow the paper's ratings.

What a regulator and a credit analyst at an insurer or a bank watch is a ratio, capital
over required capital; a run moves both:

* capital falls by the losses the holder finally bears (the ledger's look-through: a
  private-credit fund's marks and write-offs reach the insurers that own it once);
* required capital moves with the rating of each contract it holds (start and end of the
  run, on what is left of it).

Life insurers (NAIC risk-based capital, statutory view). Total adjusted capital (TAC) of
the US life/annuity industry at the end of 2024 about USD 520bn with an RBC ratio (TAC over
authorised-control-level RBC) of about 4.2: recalled from NAIC industry snapshots, not
re-read (confidence low). C-1 factors by NAIC designation 1-6
(pre-tax, life RBC, the six-designation table used until 2020): 0.4%, 1.3%, 4.6%, 10%, 23%,
30% (recalled from the NAIC Life RBC instructions; confidence medium). Insurers hold their
private credit in the web through private-credit fund shares; as with rated-note feeders
the share is charged by the ratings of the fund's loans (look-through), other fund shares
and equity stakes at 30% (Schedule BA / common stock).

Banks (Basel III standardised approach). Risk weights of corporate exposures by external
rating: AAA to AA- 20%, A 50%, BBB 75%, BB 100%, below BB- 150%, unrated (lines to funds,
SPV loans) 100%, equity 250% (BCBS, *Basel III: Finalising post-crisis reforms*, Dec 2017,
paras 2.41-2.45 and 2.59, recalled; confidence medium). The banks' capital in the web is
their book equity; the risk-weighted assets outside the web are set so that the starting
ratio is the large US banks' aggregate CET1 ratio of about 12.7% (Federal Reserve, 2024
stress test results, starting point Q4 2023; recalled, confidence low).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray, IntArray
from bubblescope.stress.compile import DEBT_KINDS
from bubblescope.stress.kernels.ratings import RATINGS

if TYPE_CHECKING:
    from collections.abc import Callable

    from bubblescope.stress.result import StressResult

    _Charges = Callable[[StressResult, int], tuple[float, float]]

__all__ = ["BANK_START_RATIO", "LIFE_INDUSTRY", "CapitalRatio", "c1_factor", "capital_ratios",
           "risk_weight"]

_NAIC_FACTORS: Final[tuple[float, ...]] = (0.004, 0.013, 0.046, 0.10, 0.23, 0.30)
#: C-1 factor of equity-like holdings (common stock, Schedule BA fund interests).
EQUITY_FACTOR: Final[float] = 0.30
#: US life/annuity industry, end 2024 (statutory; see the module doc): TAC and RBC ratio.
LIFE_INDUSTRY: Final[dict[str, float]] = {"total_adjusted_capital": 520.0, "rbc_ratio": 4.2}
#: Large US banks' aggregate CET1 ratio at the start (see the module doc).
BANK_START_RATIO: Final[float] = 0.127
_RISK_WEIGHTS: Final[tuple[float, ...]] = (0.20, 0.50, 0.75, 1.00, 1.50)
EQUITY_RISK_WEIGHT: Final[float] = 2.50
_DEBT_FUND_KINDS: Final[frozenset[str]] = frozenset({"private_credit_fund"})


def c1_factor(grade: IntArray) -> FloatArray:
    """C-1 factor of paper rated ``grade`` (codes into :data:`RATINGS`): AAA..A- NAIC 1,
    BBB NAIC 2, BB NAIC 3, B NAIC 4, CCC NAIC 5, D NAIC 6.

    >>> [float(f) for f in c1_factor(np.array([0, 8, 11, 14, 16, 17]))]
    [0.004, 0.013, 0.046, 0.1, 0.23, 0.3]
    """
    g = np.asarray(grade, dtype=np.int64)
    naic = np.select([g <= RATINGS.index("A-"), g <= RATINGS.index("BBB-"),
                      g <= RATINGS.index("BB-"), g <= RATINGS.index("B-"),
                      g <= RATINGS.index("CCC")], [0, 1, 2, 3, 4], default=5)
    return np.asarray(np.asarray(_NAIC_FACTORS)[naic], dtype=np.float64)


def risk_weight(grade: IntArray) -> FloatArray:
    """Basel III standardised risk weight of a corporate exposure rated ``grade``.

    >>> [float(w) for w in risk_weight(np.array([0, 5, 8, 11, 14]))]
    [0.2, 0.5, 0.75, 1.0, 1.5]
    """
    g = np.asarray(grade, dtype=np.int64)
    band = np.select([g <= RATINGS.index("AA-"), g <= RATINGS.index("A-"),
                      g <= RATINGS.index("BBB-"), g <= RATINGS.index("BB-")],
                     [0, 1, 2, 3], default=4)
    return np.asarray(np.asarray(_RISK_WEIGHTS)[band], dtype=np.float64)


@dataclass(frozen=True)
class CapitalRatio:
    """A regulated holder's capital ratio before and after a run (means over paths)."""

    holder: str
    rule: str
    capital_before: float
    capital_after: float
    required_before: float
    required_after: float

    @property
    def ratio_before(self) -> float:
        """Capital over required capital (or risk-weighted assets) at the start."""
        return self.capital_before / self.required_before

    @property
    def ratio_after(self) -> float:
        """The same at the end of the run."""
        return self.capital_after / self.required_after if self.required_after > 0 else np.inf

    def to_dict(self) -> dict[str, object]:
        """Plain data (USD bn; ratios as fractions)."""
        return {"holder": self.holder, "rule": self.rule,
                "capital_before_usd_bn": self.capital_before,
                "capital_after_usd_bn": self.capital_after,
                "required_before_usd_bn": self.required_before,
                "required_after_usd_bn": self.required_after,
                "ratio_before": self.ratio_before, "ratio_after": self.ratio_after}

    def __str__(self) -> str:
        return (f"{self.holder} ({self.rule}): {self.ratio_before:.1%} -> "
                f"{self.ratio_after:.1%}")


def capital_ratios(result: StressResult) -> tuple[CapitalRatio, ...]:
    """Each life insurer's RBC ratio and each bank's capital ratio, before and after."""
    out = []
    for i, kind in enumerate(result.entity_kinds):
        if kind == "life_insurer":
            out.append(_ratio(result, i, "NAIC RBC: TAC / ACL RBC", _insurer_charges,
                              LIFE_INDUSTRY["total_adjusted_capital"],
                              LIFE_INDUSTRY["rbc_ratio"]))
        elif kind == "bank" and result.capital.size:
            out.append(_ratio(result, i, "Basel III: equity / RWA", _bank_charges,
                              float(result.capital[i]), BANK_START_RATIO))
    return tuple(out)


def _ratio(result: StressResult, i: int, rule: str, charges: _Charges, capital: float,
           start_ratio: float) -> CapitalRatio:
    before, after = charges(result, i)
    required0 = capital / start_ratio
    outside = max(required0 - before, 0.0)
    borne = float(result.ledger.borne.mean(axis=0)[i].sum())
    return CapitalRatio(result.entity_ids[i], rule, capital, capital - borne,
                        outside + before, outside + after)


def _holdings(result: StressResult, i: int) -> tuple[BoolArray, FloatArray, FloatArray]:
    """Contracts held by entity ``i``, what they were at the start and what is left."""
    mine = np.array([h == result.entity_ids[i] for h in result.contract_holder])
    amount = result.contract_amount
    left = np.maximum(amount - result.contract_class.mean(axis=0).sum(axis=1), 0.0)
    return mine, amount, left


def _grades(result: StressResult) -> tuple[IntArray, IntArray]:
    start = np.rint(result.rating_start.mean(axis=0)).astype(np.int64)
    end = np.rint(result.rating[:, -1].astype(np.float64).mean(axis=0)).astype(np.int64)
    return start, end


def _insurer_charges(result: StressResult, i: int) -> tuple[float, float]:
    mine, amount, left = _holdings(result, i)
    debt = np.array([k in DEBT_KINDS for k in result.contract_kinds]) & mine
    start, end = _grades(result)
    other = mine & ~debt
    fund_f0, fund_f1 = _fund_factors(result, start, end)
    obligor = np.array([result.entity_ids.index(o) for o in result.contract_obligor])
    f0 = np.where(other, fund_f0[obligor], 0.0)
    f1 = np.where(other, fund_f1[obligor], 0.0)
    before = float((c1_factor(start) * amount * debt).sum() + (f0 * amount).sum())
    after = float((c1_factor(end) * left * debt).sum() + (f1 * left).sum())
    return before, after


def _fund_factors(result: StressResult, start: IntArray, end: IntArray
                  ) -> tuple[FloatArray, FloatArray]:
    """C-1 factor of a share of each entity: a private-credit fund's by its loans' ratings
    (look-through), anything else 30%, shape (n,) at the start and the end."""
    n = len(result.entity_ids)
    f0, f1 = np.full(n, EQUITY_FACTOR), np.full(n, EQUITY_FACTOR)
    holder = np.array([result.entity_ids.index(h) if h != "outside" else -1
                       for h in result.contract_holder])
    debt = np.array([k in DEBT_KINDS for k in result.contract_kinds])
    for f, kind in enumerate(result.entity_kinds):
        held = (holder == f) & debt
        if kind in _DEBT_FUND_KINDS and held.any():
            w = result.contract_amount * held
            f0[f] = float((c1_factor(start) * w).sum() / w.sum())
            f1[f] = float((c1_factor(end) * w).sum() / w.sum())
    return f0, f1


def _bank_charges(result: StressResult, i: int) -> tuple[float, float]:
    mine, amount, left = _holdings(result, i)
    debt = np.array([k in DEBT_KINDS for k in result.contract_kinds]) & mine
    start, end = _grades(result)
    obligor_kind = {e: k for e, k in zip(result.entity_ids, result.entity_kinds, strict=True)}
    unrated = np.array([obligor_kind[o] in {"private_credit_fund", "hedge_fund", "spv",
                                            "private_equity"} for o in result.contract_obligor])
    w0 = np.where(unrated, 1.0, risk_weight(start))
    w1 = np.where(unrated, 1.0, risk_weight(end))
    end_exposure = _line_exposure(result, left)
    eq = mine & ~debt
    before = float((w0 * amount * debt).sum() + EQUITY_RISK_WEIGHT * (amount * eq).sum())
    after = float((w1 * end_exposure * debt).sum() + EQUITY_RISK_WEIGHT * (left * eq).sum())
    return before, after


def _line_exposure(result: StressResult, left: FloatArray) -> FloatArray:
    """What is left of each contract, lines to funds at what is drawn at the end."""
    if result.lines_drawn.size == 0:
        return left
    out = left.copy()
    lines = np.array([k == "credit_line" for k in result.contract_kinds])
    drawn = result.lines_drawn[:, -1].mean(axis=0)
    for k in np.flatnonzero(lines):
        f = result.entity_ids.index(result.contract_obligor[k])
        same = lines & (np.array(result.contract_obligor) == result.contract_obligor[k])
        total = float(result.contract_amount[same].sum())
        if drawn[f] > 0 and total > 0:
            out[k] = drawn[f] * result.contract_amount[k] / total
    return out

