"""The portfolio page's API and the workbook export of shown tables."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from bubblescope.dashboard import Settings, create_app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "insurer_portfolio.csv"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()), base_url="http://127.0.0.1:8000")


def wait(client: TestClient, job: dict[str, Any]) -> dict[str, Any]:
    for _ in range(1200):
        job = client.get(f"/api/jobs/{job['id']}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_an_uploaded_book_runs_and_exports(client: TestClient) -> None:
    r = client.post("/api/portfolio/run", data={"scenario": "atlantic-crash", "paths": "4"},
                    files={"file": ("book.csv", EXAMPLE.read_bytes(), "text/csv")})
    assert r.status_code == 202, r.text
    job = wait(client, r.json())
    assert job["status"] == "done", job["error"]
    res = job["result"]
    assert res["paths"] == 4
    assert len(res["totals"]) == 4
    positions = res["tables"]["positions_usd_bn"]
    assert len(positions) == 9
    assert sum(p["loss_usd_bn"] for p in positions) == pytest.approx(
        sum(res["totals"]) / 4, rel=1e-6)
    x = client.post("/api/export.xlsx", json={"name": "book", "tables": res["tables"]})
    assert x.status_code == 200
    assert x.headers["content-disposition"] == 'attachment; filename="book.xlsx"'
    sheets = pd.read_excel(io.BytesIO(x.content), sheet_name=None)
    assert len(sheets["positions_usd_bn"]) == 9


def test_a_bad_book_is_422_with_rows(client: TestClient) -> None:
    bad = b"issuer,instrument,amount\noracl,bond,1\nmeta,bond,-2\n"
    r = client.post("/api/portfolio/run", files={"file": ("bad.csv", bad, "text/csv")})
    assert r.status_code == 422
    issues = r.json()["issues"]
    assert [(i["line"], i["field"]) for i in issues] == [(3, "amount")]
    assert bad.decode().splitlines()[3 - 1] == "meta,bond,-2"
    ok_rows = b"issuer,instrument,amount\noracl,bond,1\n"
    r = client.post("/api/portfolio/run", files={"file": ("bad.csv", ok_rows, "text/csv")})
    assert r.status_code == 422
    (issue,) = r.json()["issues"]
    assert (issue["line"], issue["field"]) == (2, "issuer")
    assert "nearest: oracle" in issue["rule"]


def test_stress_results_carry_their_tables(client: TestClient) -> None:
    r = client.post("/api/stress/run", json={"preset": "atlantic-crash", "quarters": 4})
    job = wait(client, r.json())
    tables = job["result"]["view"]["tables"]  # the page's download tables
    assert len(tables["timeline"]) == 4
    row = tables["timeline"][0]
    assert {"holder_realised_credit_usd_bn", "holder_debt_marks_usd_bn",
            "holder_equity_marks_usd_bn"} <= set(row)  # credit first: classes, not one sum
    assert "loss_all_holders_usd_bn" not in row
