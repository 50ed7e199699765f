"""Every preset on the bundled default web; the crash presets hurt more than the baseline."""

from __future__ import annotations

import numpy as np
import pytest

import bubblescope as bs
from bubblescope.stress import PRESETS, CompiledWeb, StressResult, compile_web


@pytest.fixture(scope="module")
def default_web() -> CompiledWeb:
    return compile_web(bs.load_default())


@pytest.fixture(scope="module")
def results(default_web: CompiledWeb) -> dict[str, StressResult]:
    return {name: bs.stress.run(default_web, name) for name in PRESETS}  # as in DESIGN.md


def test_every_preset_runs_and_conserves_money(results: dict[str, StressResult]) -> None:
    for name, r in results.items():
        assert r.quarters == 24, name
        assert r.conservation_error().max() < 1e-6, name


def test_baseline_is_calm(results: dict[str, StressResult]) -> None:
    base = results["baseline"]
    assert base.n_defaults[0] <= 1
    assert abs(base.gdp_growth[0, -1] - 0.02) < 0.01


def test_atlantic_crash_defaults_and_hurts_holders(results: dict[str, StressResult]) -> None:
    base, crash = results["baseline"], results["atlantic-crash"]
    assert crash.n_defaults[0] > base.n_defaults[0]
    assert crash.holder_loss[0] > base.holder_loss[0]
    assert crash.downgraded[0, -1] > base.downgraded[0, -1]
    assert crash.output_gap[0, -1] < base.output_gap[0, -1]
    assert crash.jobs_millions[0, -1] < 0


@pytest.mark.parametrize("name", ["gpu-spiral", "big-short-rerating", "openai-shortfall"])
def test_each_crash_preset_is_worse_than_the_baseline(results: dict[str, StressResult],
                                                      name: str) -> None:
    assert results[name].total_loss[0] > results["baseline"].total_loss[0]


def test_gpu_spiral_drives_gpu_prices_down(results: dict[str, StressResult]) -> None:
    assert results["gpu-spiral"].gpu_price[0, -1] < results["baseline"].gpu_price[0, -1]


def test_boom_grows_and_displaces_jobs(results: dict[str, StressResult]) -> None:
    boom = results["boom"]
    assert boom.output_gap[0, 4:12].mean() > 0
    assert boom.displaced_millions[0, -1] > 0
    assert boom.ai_revenue[0, 7] / boom.ai_revenue[0, 0] > 5  # about x9 in two years


def _start_ratings(cw: CompiledWeb) -> dict[str, int]:
    import numpy as np

    from bubblescope.stress.channels.paper import expected_loss
    from bubblescope.stress.context import RunContext
    from bubblescope.stress.engine import start
    from bubblescope.stress.kernels.ratings import rating_of
    from bubblescope.stress.scenario import load_preset

    ctx = RunContext.of(cw, load_preset("baseline"), 1)
    ix = ctx.index
    st = start(ctx)
    el, _ = expected_loss(ctx, st, 0, shocked=False)
    codes = rating_of(np.asarray(el))[0]
    return {cid: int(codes[k]) for k, cid in enumerate(cw.contract_ids) if ix.debt[k]}


def test_investment_grade_paper_starts_investment_grade(default_web: CompiledWeb) -> None:
    from bubblescope.stress.kernels.ratings import INVESTMENT_GRADE_FLOOR, RATINGS

    codes = _start_ratings(default_web)
    for prefix, best in [("oracle_bonds", "BBB+"), ("microsoft_bonds", "AAA"),
                         ("hyperion_bond_", "AAA"), ("ai_ig_other_bonds", "BBB+")]:
        hits = {k: RATINGS[c] for k, c in codes.items() if k.startswith(prefix)}
        assert hits, prefix
        assert all(c <= INVESTMENT_GRADE_FLOOR for k, c in codes.items() if k in hits), hits
        assert all(c >= RATINGS.index(best) for k, c in codes.items() if k in hits), hits


def test_no_debt_is_counted_twice_for_spvs(default_web: CompiledWeb) -> None:
    # the SPVs' notes are off the sponsors' books but on the SPVs' own: no outside copy
    for spv in ("xai_colossus_spv", "hyperion_spv"):
        assert not [c for c in default_web.contract_ids if c.startswith(f"outside_debt:{spv}:")]


def test_baseline_is_calm_and_a_crash_junks_lease_backed_paper(
    results: dict[str, StressResult], default_web: CompiledWeb,
) -> None:
    from bubblescope.stress.kernels.ratings import INVESTMENT_GRADE_FLOOR

    codes = _start_ratings(default_web)
    ig = sum(float(default_web.amount[default_web.contract_ids.index(k)])
             for k, c in codes.items() if c <= INVESTMENT_GRADE_FLOOR)
    assert results["baseline"].downgraded[0, 0] == 0.0
    assert results["baseline"].downgraded[0, -1] < 0.02 * ig
    # SPV paper carries its tenants' (small) default probabilities, nothing more
    assert float(results["baseline"].tranche_loss[0, 0].sum()) < 0.1
    # the crash junks the lease-backed ABS (seed 001's step 3) and xAI's secured debt, not
    # the hyperscalers' bonds (through-the-cycle ratings; tests/stress/test_ratings_calibration)
    crash = results["atlantic-crash"]
    assert 0 < crash.downgraded[0, -1] < min(0.2 * ig, 1900.0)
    abs_notes = [j for j, o in enumerate(crash.contract_obligor) if o == "dc_abs_trust"]
    assert crash.rating[0, -1, abs_notes].max() > INVESTMENT_GRADE_FLOOR


def test_valuations_learn_the_new_trend_instead_of_decaying_for_ever(
        default_web: CompiledWeb) -> None:
    from bubblescope.stress import load_preset, simulate

    sc = load_preset("atlantic-crash")
    z = np.zeros((1, sc.quarters))
    still = simulate(default_web, sc.with_values({"expectation_learning": (0.0,)}), z)
    learns = simulate(default_web, sc.with_values({"expectation_learning": (0.25,)}), z)
    # without learning, the AI index shrinks every quarter against the pre-crash 50%/yr;
    # with learning the shortfall is priced once and the index levels off
    assert still.ai_index[0, -1] < 0.8 * still.ai_index[0, 12]
    assert learns.ai_index[0, -1] > 0.9 * learns.ai_index[0, 12]
    assert learns.ai_index[0, -1] > still.ai_index[0, -1]
    base = load_preset("baseline")  # growth as expected: learning changes nothing
    a = simulate(default_web, base.with_values({"expectation_learning": (0.0,)}), z)
    b = simulate(default_web, base.with_values({"expectation_learning": (0.9,)}), z)
    np.testing.assert_allclose(a.total_loss, b.total_loss)


def test_cuts_name_who_tore_up_what_and_add_up_to_the_cut_losses(
        results: dict[str, StressResult]) -> None:
    from bubblescope.stress.result import LossChannel

    lease = LossChannel.CUTS
    for name, r in results.items():
        # what obligors tore up is what their lessors and suppliers booked as cut losses
        np.testing.assert_allclose(r.cut.sum(), r.loss_by_channel[:, :, lease].sum(),
                                   rtol=1e-9, atol=1e-9, err_msg=name)
        cuts = r.cuts
        assert (cuts["cut_usd_bn"] > 0).all(), name
        np.testing.assert_allclose(cuts["cut_usd_bn"].sum(), r.cut.sum(), rtol=1e-9)
    base = results["baseline"].cuts
    assert "openai" in set(base["entity"])  # its commitments exceed revenue plus funding
