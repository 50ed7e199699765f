"""Published clearing examples (see ../shared/REFERENCES.md, "Clearing and contagion").

Convention of the sources: L[i, j] = what i owes j. Our edge list has one contract per
non-zero L[i, j] with obligor i and holder j, plus one contract per external liability
with holder -1 (paid pari passu with interbank debt: same rank).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest

from bubblescope.model._typing import FloatArray, IntArray
from bubblescope.stress.kernels.clearing import ClearingResult, clear, clear_reference

Clearer = Callable[..., ClearingResult]

BOTH: list[Clearer] = [clear, clear_reference]


def edge_list(
    liabilities: FloatArray, external: FloatArray
) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
    """Contracts of a liabilities matrix plus external liabilities, all of rank 0."""
    obligor, holder = np.nonzero(liabilities)
    due = liabilities[obligor, holder]
    out = np.flatnonzero(external)
    obligor = np.concatenate([obligor, out])
    holder = np.concatenate([holder, np.full(out.size, -1)])
    due = np.concatenate([due, external[out]])
    return obligor, holder, due, np.zeros(obligor.size, dtype=np.int64)


# Eisenberg & Noe (2001) 3-bank example as in the R package `systemicrisk`, help page of
# `default_clearing` (CRAN, v0.4): ea = (1/2, 5/8, 3/4), el = (3/2, 1/2, 1/2), x = 0.5.
EN_L = np.array([[0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]])
EN_EXTERNAL_LIAB = np.array([1.5, 0.5, 0.5])
EN_E = np.array([[0.5, 5 / 8, 3 / 4]])


@pytest.mark.parametrize("fn", BOTH)
def test_eisenberg_noe_three_banks(fn: Clearer) -> None:
    r = fn(*edge_list(EN_L, EN_EXTERNAL_LIAB), EN_E, 3)
    # Greatest clearing vector p = (165/112, 159/112, 3/2) (REFERENCES.md).
    expected = [float(Fraction(165, 112)), float(Fraction(159, 112)), 1.5]
    np.testing.assert_allclose(r.paid[0], expected, rtol=0, atol=1e-12)
    assert r.defaulted[0].tolist() == [True, True, False]
    # Bank 3 keeps equity of exactly 1/56: a knife edge.
    assert r.equity[0, 2] == pytest.approx(1 / 56, abs=1e-12)
    # Fictitious default algorithm: round 1 defaults {1}, round 2 {1, 2}.
    assert r.default_round[0].tolist() == [1, 2, -1]
    assert r.rounds == 2


@pytest.mark.parametrize("fn", BOTH)
def test_rogers_veraart_costs_on_three_banks(fn: Clearer) -> None:
    r = fn(*edge_list(EN_L, EN_EXTERNAL_LIAB), EN_E, 3, alpha=0.5, beta=0.7)
    # systemicrisk::default_clearing(L, ea, el, alpha=0.5, beta=0.7), as quoted in
    # REFERENCES.md to 6 decimals: all three default.
    np.testing.assert_allclose(r.paid[0], [0.502026, 0.514710, 0.565386], atol=1e-5)
    assert r.defaulted[0].all()
    # With everyone in default the exact solution solves p = a e + b Pi^T p; the quoted
    # figures differ from it by up to 6e-6 (presumably the package's own rounding or
    # tolerance), so we also pin the exact linear-algebra value.
    pbar = EN_L.sum(axis=1) + EN_EXTERNAL_LIAB
    pi = EN_L / pbar[:, None]
    exact = np.linalg.solve(np.eye(3) - 0.7 * pi.T, 0.5 * EN_E[0])
    np.testing.assert_allclose(r.paid[0], exact, atol=1e-11)


@pytest.mark.parametrize("fn", BOTH)
def test_rogers_veraart_example_3_3(fn: Clearer) -> None:
    # Rogers & Veraart (2013), Example 3.3: L = [[0, 2], [2.2, 0]], e = (1, 1), a = b = 1/2.
    liab = np.array([[0, 2.0], [2.2, 0]])
    r = fn(*edge_list(liab, np.zeros(2)), np.array([[1.0, 1.0]]), 2, alpha=0.5, beta=0.5)
    np.testing.assert_allclose(r.paid[0], [2.0, 2.2], atol=1e-12)
    assert not r.defaulted.any()
    assert r.rounds == 0
