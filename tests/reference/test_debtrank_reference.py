"""DebtRank 3-node example (see ../shared/REFERENCES.md, "Clearing and contagion").

Source: README of the R package `NetworkRiskMeasures` (Carlos Cinelli), DebtRank example
after Battiston et al. (2012). Assets matrix A[i, j] = claim of i on j; capital
E = (2, 5, 2); weights (10, 100, 30), i.e. relative value v = weights / 140.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from bubblescope.stress.kernels.debtrank import debtrank, debtrank_reference

A = np.array([[0, 1, 0], [10, 0, 3], [3, 2, 0]], dtype=np.float64)
CAPITAL = np.array([2.0, 5.0, 2.0])
WEIGHTS = np.array([10.0, 100.0, 30.0])

# initial shock, final h, additional stress (v.h - v.h0), additional defaults
TABLE = [
    ((1.0, 0, 0), (1, 1, 1), 0.9285714, 2),
    ((0, 1.0, 0), (0.5, 1, 1), 0.25, 1),
    ((0, 0, 1.0), (0.3, 0.9, 1), 0.6642857, 0),
    ((0.1, 0.1, 0.1), (0.15, 0.26, 0.30), 0.1607143, 0),
]


@pytest.mark.parametrize(("h0", "h", "stress", "defaults"), TABLE)
@pytest.mark.parametrize("variant", ["dense", "sparse", "reference"])
def test_debtrank_table(
    h0: tuple[float, ...], h: tuple[float, ...], stress: float, defaults: int, variant: str
) -> None:
    shock = np.array([h0])
    if variant == "dense":
        r = debtrank(A, CAPITAL, WEIGHTS, shock)
    elif variant == "sparse":
        r = debtrank(sparse.csr_array(A), CAPITAL, WEIGHTS, shock)
    else:
        r = debtrank_reference(A, CAPITAL, WEIGHTS, shock)
    np.testing.assert_allclose(r.h[0], h, atol=1e-12)
    assert r.additional_stress[0] == pytest.approx(stress, abs=5e-8)
    assert r.additional_defaults[0] == defaults


def test_all_rows_in_one_batch() -> None:
    shocks = np.array([row[0] for row in TABLE])
    r = debtrank(A, CAPITAL, WEIGHTS, shocks)
    np.testing.assert_allclose(r.h, [row[1] for row in TABLE], atol=1e-12)
    np.testing.assert_allclose(r.additional_stress, [row[2] for row in TABLE], atol=5e-8)
