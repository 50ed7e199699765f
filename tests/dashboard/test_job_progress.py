"""Job progress for the dashboard's long computations: signals, the clocks, Monte Carlo.

Each long computation reports ``progress(fraction, message)`` stages; the API runs it as a job
(``POST .../job``, then ``/api/jobs/{id}``) whose result is the JSON of the matching GET.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bubblescope.dashboard import signal_views, stress_views
from bubblescope.dashboard.when_views import when_json
from bubblescope.datadir import CACHE_ENV
from bubblescope.model import Web
from bubblescope.signals import load_named
from bubblescope.signals.reading import standard_reading
from bubblescope.signals.registry import AI_NAMES


class Heard:
    """A progress callback that keeps what it hears."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str]] = []

    def __call__(self, fraction: float, message: str) -> None:
        self.calls.append((fraction, message))

    @property
    def fractions(self) -> list[float]:
        return [f for f, _ in self.calls]

    def said(self, text: str) -> bool:
        return any(text in m for _, m in self.calls)


def wait_job(client: TestClient, job_id: str) -> dict[str, object]:
    for _ in range(1200):
        job: dict[str, object] = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_signal_analysis_reports_its_stages_in_order() -> None:
    heard = Heard()
    out = signal_views.named("nasdaq-dotcom", None, heard)
    assert out["series"] == "nasdaq-dotcom"  # the one schema (PsyResult.to_dict)
    assert heard.fractions == sorted(heard.fractions)
    assert heard.said("loading nasdaq-dotcom")
    assert heard.said("critical values")
    assert heard.said("LPPLS fit")
    assert heard.fractions[-1] >= 0.95


def test_named_analysis_keeps_its_fits_in_the_commands_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    first = signal_views.named("nasdaq-dotcom", None)
    stored = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert stored, "the dashboard's analysis stored nothing in $BUBBLESCOPE_CACHE"
    again = signal_views.named("nasdaq-dotcom", None)
    assert again == first  # read back from the cache: the same analysis
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()) == stored


def test_uploaded_analysis_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    s = load_named("nasdaq-dotcom").between("1999-01-01", "2000-12-31")
    rows = [{"date": str(d)[:10], "value": f"{v:.4f}"}
            for d, v in zip(s.dates, s.values, strict=True)]
    signal_views.uploaded(rows)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_simulated_critical_values_report_replications() -> None:
    heard = Heard()
    s = load_named("nasdaq-dotcom").between("1999-01-01", "2000-12-31")
    reading = replace(standard_reading("nasdaq-dotcom"), cv_method="monte-carlo", reps=40)
    signal_views.analyse(s, reading, "test", heard)
    reps = [(f, m) for f, m in heard.calls if "replications" in m]
    assert reps, heard.calls
    assert reps[-1][1].endswith("40 of 40 replications")
    assert 0.05 < reps[0][0] <= reps[-1][0] <= 0.6 + 1e-12


def test_signal_job_gives_the_get_json_and_ends_at_one(client: TestClient) -> None:
    r = client.post("/api/signals/nasdaq-dotcom/job")
    assert r.status_code == 202
    assert r.json()["kind"] == "signals"
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "done", job["error"]
    assert job["progress"] == 1.0
    assert job["result"] == client.get("/api/signals/nasdaq-dotcom").json()


def test_unknown_series_job_is_422(client: TestClient) -> None:
    r = client.post("/api/signals/nope/job")
    assert r.status_code == 422
    assert "unknown series 'nope'" in r.json()["detail"]


def test_when_reports_each_ai_name_then_the_clocks(xss_web: Web) -> None:
    heard = Heard()
    out = when_json(xss_web, None, heard)
    assert "headlines" in out["view"]
    assert heard.fractions == sorted(heard.fractions)
    for name in AI_NAMES:
        assert heard.said(f"market signals: {name}")
    assert heard.said("runways")


def test_when_job_gives_the_get_json(client: TestClient) -> None:
    r = client.post("/api/when/job")
    assert r.status_code == 202
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "done", job["error"]
    assert job["result"] == client.get("/api/when").json()


def test_monte_carlo_run_reports_quarters(xss_web: Web) -> None:
    heard = Heard()
    sc = stress_views.scenario("atlantic-crash", {}, 4)
    res = stress_views.stress_job(xss_web, sc, 3, 0, heard)
    assert res["paths"] == 3
    quarters = [m for _, m in heard.calls if "paths: quarter" in m]
    assert quarters == [f"3 paths: quarter {q} of 4" for q in range(1, 5)]
    assert heard.fractions == sorted(heard.fractions)
