"""Published sizing numbers the size measures must reproduce (see ../shared/REFERENCES.md)."""

from __future__ import annotations

import pytest

from bubblescope.model import ScenarioError
from bubblescope.size.data import load_rubric
from bubblescope.size.goldfarb_kirsch import score
from bubblescope.size.revenue_gap import break_even, sequoia_required_revenue


@pytest.mark.parametrize(("run_rate", "required"), [(50.0, 200.0), (150.0, 600.0)])
def test_sequoia_required_revenue(run_rate: float, required: float) -> None:
    # Source: David Cahn, "AI's $200B Question" (Sequoia, Sept 2023) and "AI's $600B
    # Question" (Sequoia, June 2024): Nvidia data-centre run-rate x2 (GPUs are about half of
    # data-centre cost) x2 (50% gross margin for the end user).
    res = sequoia_required_revenue(run_rate)
    assert res.required == pytest.approx(required)
    assert res.gap(100.0) == pytest.approx(required - 100.0)
    assert "AI revenue needed" in str(res)


def test_sequoia_rejects_impossible_shares() -> None:
    with pytest.raises(ScenarioError):
        sequoia_required_revenue(50.0, gpu_share=0.0)
    with pytest.raises(ScenarioError):
        sequoia_required_revenue(-1.0)


def test_goldfarb_kirsch_ai_scores_eight() -> None:
    # Source: Goldfarb & Kirsch via Wired (seed 001): "on that 0-to-8 scale, AI is an 8",
    # the highest score in all four factors.
    scores = score(load_rubric())
    assert scores.scores["ai_2025"] == (2, 2, 2, 2)
    assert scores.total("ai_2025") == 8
    assert scores.verdict("ai_2025") == "bubble"


@pytest.mark.parametrize(("episode", "verdict"), [
    ("radio_1920s", "bubble"), ("aviation_1920s", "bubble"), ("television_1940s", "mild"),
    ("telephone_1880s", "mild"), ("insulin_1920s", "none"), ("dotcom_1990s", "bubble"),
])
def test_goldfarb_kirsch_historical_verdicts(episode: str, verdict: str) -> None:
    # Source: Goldfarb & Kirsch, Bubbles and Crashes (2019): radio and aviation in the 1920s
    # were bubbles; television and telephone mild; insulin none; the internet a bubble.
    scores = score(load_rubric())
    assert scores.verdict(episode) == verdict
    assert scores.mismatches == ()


def test_azhar_exponential_path() -> None:
    # Source: seed 003 (The Atlantic, Dec 2025): Azhar says direct AI revenue grew almost
    # ninefold in two years; x9 in two years is +200% a year.
    path = break_even(10.0, 60.0, 0.5, multiple=9.0, multiple_years=2.0)
    assert path.growth_rate == pytest.approx(2.0)
    assert path.exponential[2] == pytest.approx(90.0)
    assert path.linear[2] == pytest.approx(90.0)
    assert path.required == pytest.approx(120.0)
    assert path.years_exponential < path.years_linear
