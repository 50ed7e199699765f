"""Expected-loss ratings: the table, batching, migration, IG-to-junk volume."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.model.errors import ScenarioError
from bubblescope.stress.kernels.ratings import (
    EL_THRESHOLDS,
    INVESTMENT_GRADE_FLOOR,
    RATINGS,
    downgraded_volume,
    is_investment_grade,
    migration_matrix,
    rating_of,
    rating_of_reference,
)


def test_table_is_ordered_and_complete() -> None:
    assert len(EL_THRESHOLDS) == RATINGS.index("CCC")
    assert all(a < b for a, b in itertools.pairwise(EL_THRESHOLDS))
    assert RATINGS[INVESTMENT_GRADE_FLOOR] == "BBB-"
    # Moody's idealized 10-year EL: Aaa 0.0055%, Baa2 1.98% (module docstring).
    assert EL_THRESHOLDS[0] == pytest.approx(0.000055)
    assert EL_THRESHOLDS[RATINGS.index("BBB")] == pytest.approx(0.0198)


def test_thresholds_are_inclusive_upper_bounds() -> None:
    el = np.array(EL_THRESHOLDS)
    assert rating_of(el).tolist() == list(range(len(EL_THRESHOLDS)))
    assert rating_of(el * 1.0001).tolist() == list(range(1, len(EL_THRESHOLDS) + 1))
    assert RATINGS[int(rating_of(np.array(0.99)))] == "CCC"
    assert RATINGS[int(rating_of(np.array(0.5), default_at=0.4))] == "D"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_fast_equals_reference_and_is_monotone(values: list[float]) -> None:
    el = np.sort(np.array(values)).reshape(1, -1)
    codes = rating_of(el)
    assert codes.tolist() == rating_of_reference(el).tolist()
    assert np.all(np.diff(codes) >= 0)  # more expected loss, never a better grade


def test_migration_and_downgraded_volume() -> None:
    before = np.array([[0, 3, 9, 12], [0, 3, 9, 12]])
    after = np.array([[0, 10, 17, 12], [2, 4, 9, 17]])
    amounts = np.array([100.0, 50.0, 30.0, 20.0])
    d = downgraded_volume(amounts, before, after)
    np.testing.assert_allclose(d.volume, [80.0, 0.0])
    np.testing.assert_allclose(d.outstanding_ig, [180.0, 180.0])
    np.testing.assert_allclose(d.vs_2008(), [80.0 / 1900.0, 0.0])
    assert "1.9T" in str(d)
    m = migration_matrix(before, after, np.broadcast_to(amounts, before.shape))
    assert m.sum() == pytest.approx(2 * amounts.sum())
    assert m[3, 10] == 50.0
    assert m[0, 0] == 100.0
    counts = migration_matrix(before, after)
    assert counts.sum() == before.size
    assert is_investment_grade(before).sum() == 6


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: rating_of(np.array([-0.1])), "expected_loss"),
        (lambda: rating_of(np.array([1.1])), "expected_loss"),
        (lambda: migration_matrix(np.array([0, 1]), np.array([0])), "shapes"),
        (lambda: migration_matrix(np.array([0]), np.array([99])), "codes"),
    ],
)
def test_bad_input(call: object, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        call()  # type: ignore[operator]


def test_grade_pd_rates_back_to_its_grade() -> None:
    from bubblescope.stress.kernels.ratings import IDEALIZED_LGD, grade_pd

    codes = np.arange(RATINGS.index("CCC") + 1)
    assert rating_of(grade_pd(codes) * IDEALIZED_LGD).tolist() == codes.tolist()
    with pytest.raises(ScenarioError):
        grade_pd(RATINGS.index("D"))


def test_anchored_pd_starts_at_the_anchor_and_moves_with_the_model() -> None:
    from bubblescope.stress.kernels.ratings import IDEALIZED_LGD, anchor_pds, anchored_pd, grade_pd

    anchor = anchor_pds(np.array([RATINGS.index("BBB"), -1]))
    assert anchor[0] == pytest.approx(float(grade_pd(RATINGS.index("BBB"))))
    assert np.isnan(anchor[1])
    start = np.array([0.4, 0.4])
    same = anchored_pd(start[None, :], start, anchor)[0]
    assert same[0] == pytest.approx(anchor[0])  # the raw model would say Phi(-0.4) = 34%
    assert same[1] == pytest.approx(0.3446, abs=1e-4)
    worse = anchored_pd((start - 1.0)[None, :], start, anchor)[0]
    assert worse[0] > same[0]
    assert not is_investment_grade(rating_of(np.array(worse[0] * IDEALIZED_LGD)))
    assert anchored_pd(np.array([[np.inf]]), np.array([np.inf]), anchor[:1])[0, 0] == 0.0
    with pytest.raises(ScenarioError):
        anchor_pds(np.array([RATINGS.index("D")]))


def test_ratings_are_web_data_with_sources_and_reach_the_engine_compiled() -> None:
    import bubblescope as bs
    from bubblescope.stress import compile_web

    web = bs.load_default()
    grades = {r.entity_id: r for r in web.ratings}
    assert grades["oracle"].grade == "BBB"
    assert grades["ai_ig_issuers_other"].source_ids == ("asm_ig_residual_rating",)
    kinds = {s.id: s.kind for s in web.sources}
    assert kinds["asm_ig_residual_rating"] == "assumption"
    assert all(r.confidence in ("high", "medium", "low") and r.source_ids for r in web.ratings)
    cw = compile_web(web)
    codes = dict(zip(cw.ids, cw.agency_rating.tolist(), strict=True))
    assert codes["oracle"] == RATINGS.index("BBB")
    assert codes["openai"] == -1  # unrated: the raw structural model
    assert not any(a.field == "ratings" for a in cw.assumptions)


def test_a_web_without_ratings_is_unrated_and_says_so() -> None:
    import dataclasses

    import bubblescope as bs
    from bubblescope.stress import compile_web
    from bubblescope.stress.compile import UNRATED_RULE

    web = bs.load_default()
    bare = dataclasses.replace(web, ratings=())
    cw = compile_web(bare)
    assert (cw.agency_rating == -1).all()
    assert [a.rule for a in cw.assumptions if a.field == "ratings"] == [UNRATED_RULE]
    # the same entity ids inherit nothing from any bundled file
    assert cw.n_assumed == compile_web(web).n_assumed + 1


def test_rating_rows_are_validated_at_the_boundary(tables: dict[str, list[dict[str, str]]]
                                                   ) -> None:
    import datetime as dt

    from bubblescope.model import build_web
    from bubblescope.model.errors import DataError

    def row(entity: str, grade: str, src: str = "s_filing", conf: str = "medium"
            ) -> dict[str, str]:
        return {"entity_id": entity, "grade": grade, "confidence": conf, "source_ids": src,
                "agencies": "", "note": ""}

    good = build_web("w", dt.date(2025, 12, 31), {**tables, "ratings": [row("nvidia", "AA-")]})
    assert [(r.entity_id, r.grade) for r in good.ratings] == [("nvidia", "AA-")]
    bad = [row("nvidia", "BBB"), row("nvidia", "A"), row("nobody", "Z", "nope", "sure")]
    with pytest.raises(DataError) as err:
        build_web("w", dt.date(2025, 12, 31), {**tables, "ratings": bad})
    found = {(i.line, i.field) for i in err.value.issues}
    assert {(3, "entity_id"), (4, "entity_id"), (4, "grade"), (4, "source_ids"),
            (4, "confidence")} <= found  # file lines: the header is line 1
    assert all(i.file == "ratings.csv" for i in err.value.issues)
