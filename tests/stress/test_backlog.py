"""Lost backlog at margin (kernels/backlog.py) and what it does to the provider's rating."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bubblescope as bs
from bubblescope.stress import run
from bubblescope.stress.kernels.backlog import (
    CAPITAL_SHARE,
    lost_share,
    lost_share_reference,
    sale_lost_share,
)


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


def test_cutting_openais_commitment_moves_oracles_credit() -> None:
    """The market marks Oracle's bonds down more when OpenAI's commitment is lost than
    without it, and the loss is valued at margin plus stranded capacity, not at 80% of face.

    The agencies' grade (through the cycle, issue 11) stays BBB in both: the lost backlog
    takes Oracle's model grade one notch down, short of the 1.8-notch migration trigger
    (docs/calibration.md, what an analyst would still object to)."""
    from bubblescope.stress.ledger import LossClass

    web = bs.load_default()
    without = dataclasses.replace(web, contracts=tuple(
        c for c in web.contracts if c.id != "oracle_openai_compute"))

    def bonds(r: bs.stress.StressResult) -> list[int]:
        pairs = zip(r.contract_obligor, r.contract_kinds, strict=True)
        return [k for k, (o, kind) in enumerate(pairs) if o == "oracle" and kind == "bond"]

    def marks(r: bs.stress.StressResult) -> float:  # debt marks over the first three years
        return float(r.contract_class_quarter[:12, bonds(r), LossClass.DEBT_MARK].sum())

    crash, calm = run(web, "atlantic-crash"), run(without, "atlantic-crash")
    assert marks(crash) > marks(calm) + 0.3
    assert crash.rating[0][:, bonds(crash)].max() >= calm.rating[0][:, bonds(calm)].max()
    j = crash.contract_ids.index("oracle_openai_compute")
    lost = float(crash.contract_class[0, j].sum())
    assert 50.0 < lost < 0.8 * 300.0


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_a_chip_order_costs_its_margin_on_what_is_not_resold(m: float, r: float) -> None:
    share = sale_lost_share(np.array([m, np.nan]), np.array([r]))
    assert share[0, 0] == pytest.approx((1.0 - r) * m)
    assert np.isnan(share[0, 1])  # no margin known: the caller keeps face value


def _without_margins(web: bs.Web) -> bs.Web:
    ents = tuple(dataclasses.replace(e, figures=tuple(f for f in e.figures
                                                      if f.metric != "gross_margin"))
                 for e in web.entities)
    return dataclasses.replace(web, entities=ents)


def test_chip_suppliers_lose_their_gross_margin_on_cancelled_orders_not_the_price() -> None:
    """OpenAI's cuts and default cost Broadcom and AMD their gross margin (filings: 66.8%,
    44.2%) on the chips not delivered, not the orders' face value."""
    web = bs.load_default()
    at_margin, at_face = run(web, "atlantic-crash"), run(_without_margins(web), "atlantic-crash")
    for contract, margin, relet in (("broadcom_openai_chips", 0.6683, 0.2),
                                    ("amd_openai_gpus", 0.4424, 0.2)):
        k = at_margin.contract_ids.index(contract)
        lost, face = (float(r.contract_class[0, k].sum()) for r in (at_margin, at_face))
        assert face > 10.0, contract
        # a cut lost the face before (ratio m(1 - relet)), a default face less relet (ratio m)
        assert margin * (1 - relet) - 1e-6 <= lost / face <= margin + 1e-6, (contract, lost, face)
