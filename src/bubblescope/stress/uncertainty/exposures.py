"""Exposures of a web known only as totals: which contracts, how to fill them, the webs.

The ``exposures:`` section of a scenario file names contracts of one kind from some holders
to some obligors whose totals per holder and per obligor are known but not who holds what;
:func:`exposure_webs` rebuilds them with a reconstruction of
:mod:`bubblescope.stress.kernels.reconstruct` (one web, or ``draws`` random ones for the
Monte Carlo).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import DataError, Issue, ScenarioError
from bubblescope.model.kinds import CONTRACT_KINDS
from bubblescope.model.web import Contract, Web
from bubblescope.stress.kernels.reconstruct import (
    EXPOSURE_METHODS,
    ExposureMethod,
    max_entropy,
    min_density,
    sample_exposures,
)

__all__ = ["ExposureSpec", "apply_exposures", "exposure_totals", "exposure_webs",
           "parse_exposures"]

_FILE: Final[str] = "exposure totals"


@dataclass(frozen=True)
class ExposureSpec:
    """Which exposures of a web are known only as totals, and how to fill them in.

    The contracts of ``kind`` from ``holders`` to ``obligors`` keep their totals per holder
    and per obligor; who holds what is rebuilt by ``method``: ``max_entropy`` or
    ``min_density`` (one web), or ``sample`` (``draws`` random webs of link ``density``).
    """

    kind: str
    holders: tuple[str, ...]
    obligors: tuple[str, ...]
    method: ExposureMethod = "sample"
    density: float = 0.5
    draws: int = 8


def parse_exposures(section: Mapping[str, Any], file: str = "scenario") -> ExposureSpec:
    """Validate the ``exposures:`` section of a scenario file (ScenarioError names the key)."""
    where = f"{file}: exposures"
    if not isinstance(section, Mapping):
        raise ScenarioError(f"{where} must be a mapping, got {section!r}",
                            [Issue(file, None, "exposures", "must be a mapping", repr(section))],
                            ("exposures",))
    allowed = {"kind", "holders", "obligors", "method", "density", "draws"}
    for key in section:
        _need(key in allowed, where, str(key),
              f"is not a key (allowed: {', '.join(sorted(allowed))})", section[key], file)
    kind = section.get("kind")
    _need(kind in CONTRACT_KINDS, where, "kind", f"must be one of {', '.join(CONTRACT_KINDS)}",
          kind, file)
    ids = {k: section.get(k) for k in ("holders", "obligors")}
    for key, value in ids.items():
        ok = isinstance(value, list) and value and all(isinstance(v, str) for v in value)
        _need(bool(ok), where, key, "must be a non-empty list of entity ids", value, file)
    method = section.get("method", "sample")
    _need(method in EXPOSURE_METHODS, where, "method",
          f"must be one of {', '.join(EXPOSURE_METHODS)}", method, file)
    density, draws = section.get("density", 0.5), section.get("draws", 8)
    _need(isinstance(density, int | float) and 0 < density <= 1, where, "density",
          "must be a number in (0, 1]", density, file)
    _need(isinstance(draws, int) and not isinstance(draws, bool) and 1 <= draws <= 1000, where,
          "draws", "must be an integer from 1 to 1000", draws, file)
    return ExposureSpec(str(kind), tuple(ids["holders"]), tuple(ids["obligors"]),  # type: ignore[arg-type]
                        method, float(density), int(draws))


def exposure_totals(web: Web, spec: ExposureSpec) -> tuple[FloatArray, FloatArray]:
    """The known totals: what each holder holds (n,) and each obligor owes (m,) in ``spec``."""
    _check_ids(web, spec)
    rows, cols = np.zeros(len(spec.holders)), np.zeros(len(spec.obligors))
    for c in _selected(web, spec):
        rows[spec.holders.index(c.holder)] += c.amount
        cols[spec.obligors.index(c.obligor)] += c.amount
    if rows.sum() <= 0:
        raise DataError.single(_FILE, None, "exposures", f"must select active {spec.kind} "
                               "contracts from the holders to the obligors", "none found")
    return rows, cols


def apply_exposures(web: Web, spec: ExposureSpec, matrix: FloatArray) -> Web:
    """A copy of ``web`` whose ``spec`` contracts are the cells of ``matrix`` (n, m).

    Each new contract takes the terms (maturity, rate, seniority, sources) of the largest
    old contract on its obligor, its annual payment scaled to its amount.
    """
    old = _selected(web, spec)
    template: dict[str, Contract] = {}
    for c in sorted(old, key=lambda c: c.amount):
        template[c.obligor] = c
    cut = 1e-12 * max(float(matrix.sum()), 1.0)
    new = [_fill(template[o], spec, h, float(matrix[i, j]))
           for j, o in enumerate(spec.obligors) if o in template
           for i, h in enumerate(spec.holders) if matrix[i, j] > cut]
    dropped = {id(c) for c in old}
    return web.with_contracts([*(c for c in web.contracts if id(c) not in dropped), *new])


def exposure_webs(web: Web, spec: ExposureSpec, rng: np.random.Generator) -> tuple[Web, ...]:
    """The web(s) with ``spec`` exposures rebuilt from their totals by ``spec.method``."""
    rows, cols = exposure_totals(web, spec)
    if spec.method == "max_entropy":
        return (apply_exposures(web, spec, max_entropy(rows, cols).matrix),)
    if spec.method == "min_density":
        return (apply_exposures(web, spec, min_density(rows, cols).matrix),)
    draws = sample_exposures(rows, cols, spec.draws, rng, spec.density)
    return tuple(apply_exposures(web, spec, x) for x in draws)


def _selected(web: Web, spec: ExposureSpec) -> list[Contract]:
    holders, obligors = set(spec.holders), set(spec.obligors)
    return [c for c in web.active() if c.kind == spec.kind and c.holder in holders
            and c.obligor in obligors]


def _fill(t: Contract, spec: ExposureSpec, holder: str, amount: float) -> Contract:
    pay = None if t.annual_payment is None or t.amount <= 0 else \
        t.annual_payment * amount / t.amount
    return replace(t, id=f"{t.id}@{holder}", holder=holder, amount=amount, annual_payment=pay,
                   note=f"reconstructed from totals ({spec.method}); terms of {t.id}")


def _check_ids(web: Web, spec: ExposureSpec) -> None:
    issues = [Issue("scenario", None, f"exposures.{key}", "must name entities of the web", e)
              for key, ids in (("holders", spec.holders), ("obligors", spec.obligors))
              for e in ids if e not in web.index]
    if issues:
        raise DataError(issues)


def _need(ok: bool, where: str, key: str, rule: str, value: object, file: str) -> None:
    """Raise the error of ``exposures.KEY`` breaking ``rule`` with ``value`` (located by a
    reader of the file through its key path)."""
    if not ok:
        raise ScenarioError(f"{where}.{key} {rule}, got {value!r}",
                            [Issue(file, None, f"exposures.{key}", rule, str(value))],
                            ("exposures", key))
