"""Lost backlog at margin (kernels/backlog.py) and what it does to the provider's rating."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bubblescope as bs
from bubblescope.stress import run
from bubblescope.stress.kernels.backlog import CAPITAL_SHARE, lost_share, lost_share_reference


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_fast_matches_reference_and_is_bounded(m: float, b: float, r: float) -> None:
    started = np.array([True, False])
    args = (np.array([m]), np.array([b]), np.array([r]))
    fast = lost_share(started, *args)
    np.testing.assert_allclose(fast, lost_share_reference(started, *args), atol=1e-12)
    assert 0.0 <= fast[0, 1] <= fast[0, 0] <= 1.0 - r + 1e-12


def test_capital_share_from_the_gpu_break_even() -> None:
    assert pytest.approx(1.0 - 0.45 / 1.65) == CAPITAL_SHARE


def test_cutting_openais_commitment_moves_oracles_rating() -> None:
    """Oracle's bonds rate worse when OpenAI's commitment is lost than without it, and the
    loss is valued at margin plus stranded capacity, not at 80% of face."""
    from bubblescope.stress.kernels.ratings import RATINGS

    web = bs.load_default()
    without = dataclasses.replace(web, contracts=tuple(
        c for c in web.contracts if c.id != "oracle_openai_compute"))

    def worst(r: bs.stress.StressResult) -> int:
        ob = [k for k, (o, kind) in enumerate(zip(r.contract_obligor, r.contract_kinds,
                                                  strict=True)) if o == "oracle" and kind == "bond"]
        return int(r.rating[0][:, ob].max())

    crash, calm = run(web, "atlantic-crash"), run(without, "atlantic-crash")
    assert worst(crash) > worst(calm), (RATINGS[worst(crash)], RATINGS[worst(calm)])
    j = crash.contract_ids.index("oracle_openai_compute")
    lost = float(crash.contract_class[0, j].sum())
    assert 50.0 < lost < 0.8 * 300.0
