"""One schema per result: the dashboard sends what the CLI's ``--json`` prints, plus ``view``.

``StressResult.to_dict`` is the only serialiser of a stress run, ``SizeCard.to_dict`` of the
bubble card and ``SignalsResult.to_dict`` of a series' signals analysis (docs/json.md). For
the same inputs, the CLI's JSON and the dashboard's payload (without its ``view`` key, the
page's own presentation) must carry the same keys at every depth and the same values.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import bubblescope as bs
from bubblescope.cli import app_main
from bubblescope.cli import run as run_cli
from bubblescope.dashboard import Settings, create_app


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys at every depth, element shapes, leaf types."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return "number" if isinstance(value, int | float) and not isinstance(value, bool) else (
        type(value).__name__)


def cli_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert app_main(args) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def dashboard_json(body: dict[str, Any]) -> dict[str, Any]:
    app = create_app(Settings(), bs.load_default())
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        job = client.post("/api/stress/run", json=body).json()
        for _ in range(1200):
            job = client.get(f"/api/jobs/{job['id']}").json()
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.05)
    assert job["status"] == "done", job
    result: dict[str, Any] = job["result"]
    return result


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["atlantic-crash", "baseline"])
def test_cli_and_dashboard_carry_one_stress_schema(
        preset: str, capsys: pytest.CaptureFixture[str]) -> None:
    cli = cli_json(["stress", "--scenario", preset, "--quarters", "8", "--json"], capsys)
    page = dashboard_json({"preset": preset, "quarters": 8, "paths": 1})
    view = page.pop("view")
    assert shape(page) == shape(cli)
    assert page == cli  # same run, same numbers: one serialiser
    assert {"headlines", "cascade", "quarters"} <= set(view)  # the page's part stays apart
    assert cli["debtrank"] is not None or preset == "baseline"  # the web reached both


def test_cli_and_dashboard_carry_one_bubble_card_schema(
        shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = cli_json(["size", "--json", "--data-dir", str(shared_data)], capsys)
    app = create_app(Settings(data_dir=shared_data), bs.load_default())
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        page = client.get("/api/size").json()
    view = page.pop("view")
    assert shape(page) == shape(cli)
    assert page == cli
    wicksell = next(f for f in cli["figures"] if f["key"] == "wicksell")
    assert view["headlines"][0]["text"] == wicksell["value"]


def test_cli_dashboard_and_run_carry_one_signals_schema(
        shared_data: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a real daily series from ../shared/data: PSY and the LPPLS confidence at its last date
    cli = cli_json(["signals", "--series", "msft", "--data-dir", str(shared_data), "--json"],
                   capsys)
    app = create_app(Settings(data_dir=shared_data), bs.load_default())
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        page = client.get("/api/signals/msft").json()
    view = page.pop("view")
    assert shape(page) == shape(cli)
    assert page == cli  # same reading, same numbers: one serialiser
    assert cli["lppls"] is not None  # the LPPLS part reached both faces
    assert cli["bsadf"]["stat"][-1] == cli["latest_bsadf"]["value"]
    assert len(cli["bsadf"]["dates"]) == cli["observations"] - cli["window"] + 1
    assert view["dates"][-1] == cli["end"]  # the page's own part stays apart
    assert {"headlines", "values", "lppls_curve", "title"} <= set(view)
    # `run --json`: its signals part carries the analysis `signals` makes of its series
    monkeypatch.setattr(run_cli, "_latest", lambda data_dir: ())
    part = run_cli._signals_part(bs.load_default(), run_cli.RunOptions(data_dir=shared_data,
                                                                       paths=0))
    ours = json.loads(json.dumps(part.payload["analysis"]))
    dotcom = cli_json(["signals", "--series", run_cli.REPORT_SERIES, "--json"], capsys)
    assert shape(ours) == shape(dotcom)
    assert ours == dotcom
