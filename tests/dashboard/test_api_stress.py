"""The stress API: presets with ranges, run-size caps, validation of overrides."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from bubblescope.dashboard import Limits, Settings, create_app
from bubblescope.model import Web


def test_presets_list_every_parameter_with_its_range(client: TestClient) -> None:
    r = client.get("/api/stress/presets").json()
    names = [p["name"] for p in r["presets"]]
    assert names[0] == "baseline"
    assert "atlantic-crash" in names
    crash = next(p for p in r["presets"] if p["name"] == "atlantic-crash")
    eq = next(p for p in crash["parameters"] if p["name"] == "equity_shock")
    assert (eq["value"], eq["min"], eq["max"], eq["main"]) == (0.3, 0.0, 0.99, True)
    assert "quarters" not in {p["name"] for p in crash["parameters"]}
    assert r["limits"] == {"max_paths": 2000, "max_quarters": 40}


def test_run_size_over_the_caps_is_422(xss_web: Web) -> None:
    app = create_app(Settings(limits=Limits(max_paths=10, max_quarters=12)), xss_web)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        r = c.post("/api/stress/run", json={"preset": "baseline", "paths": 11})
        assert r.status_code == 422
        assert "paths must be at most 10" in r.json()["detail"]
        r = c.post("/api/stress/run", json={"preset": "baseline", "quarters": 13})
        assert r.status_code == 422
        assert "quarters must be at most 12" in r.json()["detail"]


def test_bad_preset_or_parameter_is_422(client: TestClient) -> None:
    r = client.post("/api/stress/run", json={"preset": "nope"})
    assert r.status_code == 422
    assert "unknown preset 'nope'" in r.json()["detail"]
    r = client.post("/api/stress/run",
                    json={"preset": "baseline", "overrides": {"equity_shock": 5}})
    assert r.status_code == 422
    assert "'equity_shock' must be between 0 and 0.99" in r.text
    r = client.post("/api/stress/run", json={"preset": "baseline", "overrides": {"x": 1}})
    assert r.status_code == 422
    assert "unknown field 'x'" in r.text
    r = client.post("/api/stress/run", json={"preset": "baseline", "paths": 0})
    assert r.status_code == 422  # pydantic: paths >= 1


def test_unknown_job_is_404(client: TestClient) -> None:
    assert client.get("/api/jobs/nope").status_code == 404


def wait_job(client: TestClient, job_id: str) -> dict[str, object]:
    for _ in range(600):
        job: dict[str, object] = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_a_run_is_a_job_whose_result_steps_through_the_quarters(client: TestClient) -> None:
    r = client.post("/api/stress/run", json={"preset": "atlantic-crash", "quarters": 6,
                                             "paths": 2, "overrides": {"equity_shock": 0.6}})
    assert r.status_code == 202
    assert r.json()["status"] in ("queued", "running")
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "done", job["error"]
    assert job["progress"] == 1.0
    payload = job["result"]
    assert isinstance(payload, dict)
    assert payload["paths"] == 2
    res = payload["view"]
    assert res["quarters"] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1", "2027Q2"]
    assert "equity_shock=0.6" in res["scenario"]["text"]
    assert len(res["cascade"]) == 6
    assert len(res["gdp"]["values"]) == 6
    assert len(res["jobs"]["values"]) == 6
    for sector, losses in res["losses_by_sector"].items():
        assert len(losses) == 6, sector
        # cumulative losses can fall when marks recover (the equity shock's sentiment fades,
        # kernels/firm_value.sentiment); each step's table is the same numbers
        assert res["cascade"][-1]["losses"][sector] == losses[-1]
    labels = [h["label"] for h in res["headlines"]]
    assert labels[:4] == [
        "Holder sectors' realised credit losses (mean of 2 paths; funds looked through)",
        "Holder sectors' debt marks", "Holder sectors' equity marks (beside, not added)",
        "Defaults per path"]
    # GDP is shown at its trough, not in whichever quarter the run ends
    gdp = next(h for h in res["headlines"] if h["label"].startswith("GDP growth"))
    quarter = gdp["label"].removeprefix("GDP growth at its trough (").removesuffix(")")
    lowest = min(res["gdp"]["values"])
    assert res["gdp"]["values"][res["quarters"].index(quarter)] == pytest.approx(lowest, abs=1e-3)
    assert gdp["value"] == pytest.approx(lowest, abs=1e-3)


def test_bigger_shock_loses_at_least_as_much(client: TestClient) -> None:
    totals = []
    for shock in (0.1, 0.8):
        r = client.post("/api/stress/run", json={"preset": "baseline", "quarters": 4,
                                                 "overrides": {"equity_shock": shock}})
        res = wait_job(client, r.json()["id"])["result"]
        assert isinstance(res, dict)
        totals.append(res["total_loss"])
        # the first headline is the holder sectors' realised credit loss (not their marks)
        credit = res["credit_first"]["holder_sectors"]["realised credit"]
        assert res["view"]["headlines"][0]["value"] == pytest.approx(credit)
        assert credit >= 0.0
    assert totals[1] > totals[0]


def test_preset_longer_than_the_cap_must_ask_for_fewer_quarters(xss_web: Web) -> None:
    app = create_app(Settings(limits=Limits(max_quarters=8)), xss_web)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        r = c.post("/api/stress/run", json={"preset": "baseline"})
        assert r.status_code == 422
        assert "runs 24: ask for fewer" in r.json()["detail"]


def test_headline_of_the_default_scenario(client: TestClient) -> None:
    r = client.get("/api/stress/headline").json()
    assert r["preset"] == "atlantic-crash"
    assert r["headlines"][0]["unit"] == "USD bn"
    assert client.get("/api/stress/headline").json() == r  # cached per web


def test_run_while_every_job_slot_is_busy_is_429(xss_web: Web) -> None:
    import threading

    app = create_app(Settings(limits=Limits(max_jobs=1)), xss_web)
    gate = threading.Event()
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        app.state.dashboard.jobs.submit("blocker", lambda progress: {"ok": gate.wait(5)})
        r = c.post("/api/stress/run", json={"preset": "baseline", "quarters": 2})
        assert r.status_code == 429
        assert "job slots are busy" in r.json()["detail"]
        gate.set()
