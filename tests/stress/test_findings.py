"""Structural findings: what moves with no shock at all is reported, not booked as a crash."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

import bubblescope as bs
from bubblescope.stress import run
from bubblescope.stress.compile import DEBT_KINDS
from bubblescope.stress.kernels.ratings import RATINGS
from bubblescope.stress.payload import baseline_downgrades, structural_findings


def test_baseline_rating_drifts_are_findings_one_per_obligor() -> None:
    base = run(bs.load_default(), "baseline")
    moves = baseline_downgrades(base)
    assert [m["entity"] for m in moves] == sorted({m["entity"] for m in moves})
    assert all(RATINGS.index(m["end"]) > RATINGS.index(m["start"]) for m in moves)
    # each listed move is the obligor's largest over its rated debt, read from the run itself
    for m in moves:
        js = [j for j, (o, k) in enumerate(zip(base.contract_obligor, base.contract_kinds,
                                                strict=True))
              if o == m["entity"] and k in DEBT_KINDS]
        worst = max(int(base.rating[0, -1, j]) - int(base.rating_start[0, j]) for j in js)
        assert RATINGS.index(m["end"]) - RATINGS.index(m["start"]) == worst
    assert structural_findings(base)["downgrades"] == moves


def test_no_drift_no_finding() -> None:
    base = run(bs.load_default(), "baseline")
    frozen = np.repeat(base.rating_start[:, None, :], base.rating.shape[1], axis=1)
    assert baseline_downgrades(replace(base, rating=frozen)) == []
