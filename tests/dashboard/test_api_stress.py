"""The stress API: presets with ranges, run-size caps, validation of overrides."""

from __future__ import annotations

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
    assert (eq["value"], eq["min"], eq["max"], eq["main"]) == (0.45, 0.0, 0.99, True)
    assert "quarters" not in {p["name"] for p in crash["parameters"]}
    assert r["limits"] == {"max_paths": 2000, "max_quarters": 40}


def test_run_size_over_the_caps_is_422(xss_web: Web) -> None:
    app = create_app(Settings(limits=Limits(max_paths=10, max_quarters=12)), xss_web)
    with TestClient(app) as c:
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
