"""One reading: `signals`, `run`, the report, the dashboard and `when` print the same numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import bubblescope
from bubblescope.cli import app_main
from bubblescope.cli import run as run_cli
from bubblescope.dashboard import Settings, create_app
from bubblescope.when import when


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUBBLESCOPE_CACHE", str(tmp_path / "cache"))


def test_four_faces_agree_on_nvda(shared_data: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch,
                                  request: pytest.FixtureRequest) -> None:
    # signals
    assert app_main(["signals", "--series", "nvda", "--data-dir", str(shared_data), "--json",
                     "--no-lppls"]) == 0
    sig = json.loads(capsys.readouterr().out)
    bsadf, cv = sig["latest_bsadf"]["value"], sig["latest_bsadf"]["cv95"]
    date, gsadf = sig["end"], sig["gsadf"]["value"]
    assert sig["critical_values"]["method"] == "table"
    text = f"BSADF {bsadf:6.3f} vs 95% cv {cv:.3f}"
    # run (terminal and JSON) and the report it writes: only nvda, to keep the test short
    monkeypatch.setattr(run_cli, "AI_NAMES", ("nvda",))
    run_cli._latest.cache_clear()
    request.addfinalizer(run_cli._latest.cache_clear)  # leave no nvda-only cache behind
    part = run_cli._signals_part(bubblescope.load_default(),
                                 run_cli.RunOptions(data_dir=shared_data, paths=0))
    run_cli._latest.cache_clear()  # the nvda-only readings must not outlive this test
    row = part.payload["latest"][0]
    assert (row["name"], row["date"]) == ("nvda", date)
    assert row["bsadf"] == pytest.approx(bsadf, abs=1e-12)
    assert row["cv95"] == pytest.approx(cv, abs=1e-12)
    assert row["gsadf"] == pytest.approx(gsadf, abs=1e-12)
    assert row["reading"] == sig["reading"]
    assert any(text in str(line) for line in part.terminal.renderables)
    assert f"<td>{bsadf:.3f}</td><td>{cv:.3f}</td>" in part.section.html
    # the dashboard: the signals page and the overview card
    settings = Settings(data_dir=shared_data)
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as c:
        page = c.get("/api/signals/nvda").json()
        card = c.get("/api/signals/latest").json()
    heads = {h["label"]: h for h in page["view"]["headlines"]}
    assert heads[f"Latest BSADF ({date})"]["text"].startswith(f"{bsadf:.3f} vs {cv:.3f}")
    assert page["reading"] == sig["reading"]
    assert page["bsadf"]["stat"][-1] == pytest.approx(bsadf, abs=1e-4)
    nv = next(h for h in card["view"]["headlines"] if h["label"].startswith("NVDA"))
    assert next(x for x in card["latest"] if x["name"] == "nvda")["bsadf"] == pytest.approx(
        bsadf, abs=1e-12)  # the row's one schema, as run --json has it
    assert nv["label"] == f"NVDA on {date}"
    assert f"BSADF {bsadf:.3f} vs 95% critical value {cv:.3f}" in nv["note"]
    # when: the market row
    res = when(bubblescope.load_default(), shared_data, presets=("baseline",), lppls=False)
    nvda = next(x for x in res.market if x.name == "nvda")
    assert (nvda.bsadf, nvda.cv95) == (pytest.approx(bsadf, abs=1e-12),
                                       pytest.approx(cv, abs=1e-12))
