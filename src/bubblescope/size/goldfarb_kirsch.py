"""The Goldfarb–Kirsch four-factor framework (SPEC M2): a rubric with evidence, scored.

Four factors — uncertainty, pure plays, novice investors, narrative — each scored 0, 1 or
2 (total 0–8; Goldfarb & Kirsch, *Bubbles and Crashes*, 2019). The rubric is data
(``bubblescope/data/goldfarb_kirsch.yaml``): level definitions, a quantitative proxy with
two thresholds per factor, and evidence rows with sources per episode. An evidence row
gives a level directly, or a proxy value that the thresholds turn into a level
(:math:`v < t_1 → 0`, :math:`t_1 \\le v < t_2 → 1`, :math:`v \\ge t_2 → 2`). A factor's
score is the median of its evidence levels, rounded half up; the total maps to a verdict.

:func:`parse_rubric` validates a parsed YAML document (errors name file, row and field);
:func:`score` scores every episode. Edit the file, reload, rescore.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bubblescope.model.errors import DataError, Issue

__all__ = [
    "Episode",
    "Evidence",
    "Factor",
    "GKScores",
    "Rubric",
    "level_from_value",
    "parse_rubric",
    "score",
]


@dataclass(frozen=True)
class Factor:
    """One factor: level definitions and its quantitative proxy with thresholds."""

    id: str
    name: str
    levels: tuple[str, str, str]
    proxy: str
    unit: str
    thresholds: tuple[float, float]


@dataclass(frozen=True)
class Evidence:
    """One evidence row: a level, or a proxy value, with its source."""

    factor: str
    level: int
    value: float | None
    source: str
    text: str


@dataclass(frozen=True)
class Episode:
    """A technology episode with its evidence and the verdict expected from the book."""

    id: str
    name: str
    expected_verdict: str
    confidence: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Rubric:
    """The whole rubric: factors, verdict bands and episodes."""

    factors: tuple[Factor, ...]
    verdicts: tuple[tuple[int, int, str], ...]
    episodes: tuple[Episode, ...]
    reference: str = ""

    def verdict(self, total: int) -> str:
        """The verdict band holding ``total``."""
        return next(v for lo, hi, v in self.verdicts if lo <= total <= hi)


def level_from_value(value: float, thresholds: tuple[float, float]) -> int:
    """Map a proxy value to a level 0/1/2 by two thresholds.

    >>> level_from_value(0.58, (0.10, 0.30))
    2
    """
    return 0 if value < thresholds[0] else (1 if value < thresholds[1] else 2)


@dataclass(frozen=True)
class GKScores:
    """Scores per episode and factor, with totals, verdicts and the evidence behind them."""

    rubric: Rubric
    scores: Mapping[str, tuple[int, ...]]

    def total(self, episode: str) -> int:
        """Total 0..8 of ``episode``."""
        return sum(self.scores[episode])

    def verdict(self, episode: str) -> str:
        """Verdict of ``episode`` from its total."""
        return self.rubric.verdict(self.total(episode))

    @property
    def mismatches(self) -> tuple[str, ...]:
        """Episodes whose verdict differs from the expected one."""
        return tuple(e.id for e in self.rubric.episodes if self.verdict(e.id) != e.expected_verdict)

    def __str__(self) -> str:
        names = " ".join(f"{f.id[:10]:>10}" for f in self.rubric.factors)
        lines = [f"Goldfarb–Kirsch scores   {names}  total  verdict (expected)"]
        for e in self.rubric.episodes:
            cells = " ".join(f"{s:>10}" for s in self.scores[e.id])
            lines.append(f"  {e.id:<20} {cells}  {self.total(e.id):>5}  {self.verdict(e.id)} "
                         f"({e.expected_verdict})")
        return "\n".join(lines)


def score(rubric: Rubric) -> GKScores:
    """Score every episode of ``rubric``."""
    out = {}
    for e in rubric.episodes:
        out[e.id] = tuple(_median_level([v.level for v in e.evidence if v.factor == f.id])
                          for f in rubric.factors)
    return GKScores(rubric, out)


def _median_level(levels: Sequence[int]) -> int:
    ordered = sorted(levels)
    n = len(ordered)
    mid = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    return math.floor(mid + 0.5)


# --- parsing and validation -----------------------------------------------------------------
def parse_rubric(doc: Any, file: str = "goldfarb_kirsch.yaml") -> Rubric:
    """Validate a parsed YAML document and build a :class:`Rubric`.

    Raises
    ------
    DataError
        With every problem: missing keys, levels outside 0/1/2, thresholds out of order,
        unknown factors, evidence rows without a source, a level that contradicts the
        row's value, or an episode without evidence for some factor.
    """
    issues: list[Issue] = []
    if not isinstance(doc, Mapping):
        raise DataError.single(file, None, "document", "must be a mapping with framework, "
                               "factors and episodes", type(doc).__name__)
    factors = _factors(doc.get("factors"), file, issues)
    verdicts = _verdicts(doc.get("framework"), file, issues)
    by_id = {f.id: f for f in factors}
    episodes = _episodes(doc.get("episodes"), by_id, file, issues)
    if issues:
        raise DataError(issues)
    ref = str((doc.get("framework") or {}).get("reference", ""))
    return Rubric(tuple(factors), verdicts, tuple(episodes), ref)


def _factors(raw: Any, file: str, issues: list[Issue]) -> list[Factor]:
    if not isinstance(raw, list) or not raw:
        issues.append(Issue(file, None, "factors", "must be a non-empty list", str(raw)))
        return []
    out = []
    for i, f in enumerate(raw, start=1):
        where = f"factors[{i}]"
        if not isinstance(f, Mapping):
            issues.append(Issue(file, None, where, "must be a mapping", str(f)))
            continue
        levels = f.get("levels") or {}
        texts = tuple(str(levels.get(k, levels.get(str(k), ""))) for k in (0, 1, 2))
        if not all(texts):
            issues.append(Issue(file, None, f"{where}.levels", "must define levels 0, 1 and 2",
                                str(levels)))
        proxy = f.get("proxy") or {}
        thresholds = _thresholds(proxy.get("thresholds"), file, i, where, issues)
        if not f.get("id"):
            issues.append(Issue(file, None, f"{where}.id", "is required", ""))
        out.append(Factor(str(f.get("id", "")), str(f.get("name", "")),
                          (texts[0], texts[1], texts[2]), str(proxy.get("name", "")),
                          str(proxy.get("unit", "")), thresholds))
    return out


def _thresholds(raw: Any, file: str, row: int, where: str, issues: list[Issue]
                ) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in raw)
    except (TypeError, ValueError):
        issues.append(Issue(file, None, f"{where}.proxy.thresholds",
                            "must be two numbers [t1, t2]", str(raw)))
        return (0.0, 0.0)
    if not lo < hi:
        issues.append(Issue(file, None, f"{where}.proxy.thresholds", "must be increasing (t1 < t2)",
                            str(raw)))
    return (lo, hi)


def _verdicts(raw: Any, file: str, issues: list[Issue]) -> tuple[tuple[int, int, str], ...]:
    bands = (raw or {}).get("verdicts") if isinstance(raw, Mapping) else None
    try:
        out = tuple((int(b["min"]), int(b["max"]), str(b["verdict"])) for b in bands or ())
    except (TypeError, KeyError, ValueError):
        out = ()
    covered = sorted(t for lo, hi, _ in out for t in range(lo, hi + 1))
    if covered != list(range(9)):
        issues.append(Issue(file, None, "framework.verdicts",
                            "must cover totals 0..8 exactly once with {min, max, verdict}",
                            str(bands)))
    return out


def _episodes(raw: Any, factors: Mapping[str, Factor], file: str, issues: list[Issue]
              ) -> list[Episode]:
    if not isinstance(raw, list) or not raw:
        issues.append(Issue(file, None, "episodes", "must be a non-empty list", str(raw)))
        return []
    out = []
    for i, e in enumerate(raw, start=1):
        if not isinstance(e, Mapping) or not e.get("id"):
            issues.append(Issue(file, None, f"episodes[{i}].id", "is required", str(e)))
            continue
        rows = [_evidence(r, factors, file, f"episodes[{e['id']}].evidence[{j}]", j, issues)
                for j, r in enumerate(e.get("evidence") or [], start=1)]
        evidence = tuple(r for r in rows if r is not None)
        for fid in factors:
            if not any(v.factor == fid for v in evidence):
                issues.append(Issue(file, None, f"episodes[{e['id']}].evidence",
                                    f"must hold at least one row for factor {fid}", "none"))
        out.append(Episode(str(e["id"]), str(e.get("name", e["id"])),
                           str(e.get("expected_verdict", "")), str(e.get("confidence", "")),
                           evidence))
    return out


def _evidence(r: Any, factors: Mapping[str, Factor], file: str, where: str, row: int,
              issues: list[Issue]) -> Evidence | None:
    if not isinstance(r, Mapping):
        issues.append(Issue(file, None, where, "must be a mapping", str(r)))
        return None
    fid = str(r.get("factor", ""))
    if fid not in factors:
        issues.append(Issue(file, None, f"{where}.factor",
                            f"must be one of {', '.join(factors)}", fid))
        return None
    if not str(r.get("source", "")).strip():
        issues.append(Issue(file, None, f"{where}.source", "is required (where it comes from)", ""))
    level, value = _level_and_value(r, factors[fid], file, where, row, issues)
    return Evidence(fid, level, value, str(r.get("source", "")), str(r.get("text", "")))


def _level_and_value(r: Mapping[str, Any], factor: Factor, file: str, where: str, row: int,
                     issues: list[Issue]) -> tuple[int, float | None]:
    value = r.get("value")
    level = r.get("level")
    derived = None
    if value is not None:
        try:
            value = float(value)
            derived = level_from_value(value, factor.thresholds)
        except (TypeError, ValueError):
            issues.append(Issue(file, None, f"{where}.value", "must be a number", str(value)))
            value = None
    if level is None and derived is None:
        issues.append(Issue(file, None, f"{where}", "must give a level (0/1/2) or a value", ""))
        return 0, None
    if level is not None and level not in (0, 1, 2):
        issues.append(Issue(file, None, f"{where}.level", "must be 0, 1 or 2", str(level)))
        return 0, value
    if level is not None and derived is not None and level != derived:
        issues.append(Issue(file, None, f"{where}.level", f"contradicts value {value} under "
                            f"thresholds {list(factor.thresholds)} (gives {derived})", str(level)))
    return (int(level) if level is not None else int(derived or 0)), value
