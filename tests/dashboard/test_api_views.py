"""Overview, size and signals API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bubblescope.dashboard import signal_views


def test_overview_counts_the_web(client: TestClient) -> None:
    assert client.get("/api/overview").json() == {
        "name": "small", "as_of": "2025-12-31", "entities": 6, "contracts": 5, "sources": 2,
        "modified": False}


def test_size_card_has_its_figures_and_overview_headlines(client: TestClient) -> None:
    r = client.get("/api/size").json()
    assert r["headline"].startswith("How big:")
    keys = [f["key"] for f in r["figures"]]
    assert "wicksell" in keys
    assert r["view"]["headlines"][0]["label"] == "Wicksellian deficit, current episode"
    assert all(isinstance(u, str) for u in r["unavailable"])


def test_bundled_series_are_listed(client: TestClient) -> None:
    names = [s["name"] for s in client.get("/api/signals").json()]
    assert {"nasdaq-dotcom", "us-house"} <= set(names)


def test_house_prices_show_the_2000s_bubble(client: TestClient) -> None:
    r = client.get("/api/signals/us-house").json()
    view = r["view"]
    assert view["log"] is True
    assert len(view["dates"]) == len(view["values"]) == r["observations"] == 312
    assert len(r["bsadf"]["stat"]) == len(r["bsadf"]["cv"]) == len(r["bsadf"]["dates"])
    # Case-Shiller: PSY dates an explosive episode that covers the 2006 peak
    assert any(e["start"] < "2005-01-01" < "2006-07-01" <= (e["end"] or r["end"])
               for e in r["episodes"])
    assert r["lppls"] is None  # monthly prices: LPPLS confidence needs daily ones
    curve = view["lppls_curve"]
    assert curve is not None
    assert curve["dates"][-1] == "2006-07-01"  # the run-up ends at the highest price
    assert len(curve["fit"]) == len(curve["dates"])


def test_unknown_series_is_422(client: TestClient) -> None:
    r = client.get("/api/signals/nope")
    assert r.status_code == 422
    assert "unknown series 'nope'" in r.json()["detail"]


def upload(client: TestClient, body: bytes) -> tuple[int, dict[str, object]]:
    r = client.post("/api/signals/upload", files={"file": ("s.csv", body, "text/csv")})
    return r.status_code, r.json()


def test_uploaded_series_is_analysed(client: TestClient) -> None:
    rows = "".join(f"{1990 + m // 12}-{m % 12 + 1:02d}-01,{100 * 1.01 ** m:.4f}\n"
                   for m in range(200))
    code, r = upload(client, ("date,value\n" + rows).encode())
    assert code == 200
    view = r["view"]
    assert view["title"] == "s.csv"  # type: ignore[index]  # the uploaded file's name
    assert len(view["values"]) == r["observations"] == 200  # type: ignore[index]
    assert r["transform_source"] == "default for a CSV"


def test_uploaded_series_errors_name_the_rows(client: TestClient) -> None:
    code, r = upload(client, b"date,value\n2020-01-01,1\nsoon,2\n2020-03-01,-4\n")
    assert code == 422
    got = [(i["line"], i["field"]) for i in r["issues"]]  # type: ignore[attr-defined]
    assert got == [(3, "date"), (4, "value")]  # file lines: the header is line 1
    assert {i["file"] for i in r["issues"]} == {"s.csv"}  # type: ignore[attr-defined]
    # every problem in one pass, duplicated dates included, in row order
    code, r = upload(client, b"date,value\n2020-01-01,1\n2020-02-01,x\n2020-01-01,3\n")
    assert code == 422
    got = [(i["line"], i["field"], i["rule"]) for i in r["issues"]]  # type: ignore[attr-defined]
    rule = "must be a positive ASCII decimal number (a price; NaN and inf are refused)"
    assert got == [(3, "value", rule), (4, "date", "must not repeat line 2's date")]
    code, r = upload(client, ("date,value\n2020-01-01,1\n2020-02-01,nan\n2020-03-01,1_000\n"
                              "2020-04-01,\u0661\u0662\n").encode())
    assert code == 422
    got = [(i["line"], i["value"]) for i in r["issues"]]  # type: ignore[attr-defined]
    assert got == [(3, "nan"), (4, "1_000"), (5, "\u0661\u0662")]
    code, r = upload(client, b"day,price\n2020-01-01,1\n")
    assert code == 422
    assert "date and value" in str(r["issues"])


def test_lppls_curve_matches_the_formula() -> None:
    import numpy as np

    from bubblescope.signals import LpplsFit

    fit = LpplsFit(np.datetime64("2000-01-01"), 0.0, 1.0, 10, 2.0, 0.5, 6.0, 1.0, -0.5,
                   0.1, 0.0, 0.0, True)
    t = np.array([0.0, 1.0])
    dt = 2.0 - t
    want = 1.0 - 0.5 * dt ** 0.5 + 0.1 * dt ** 0.5 * np.cos(6.0 * np.log(dt))
    assert signal_views.lppls_curve(fit, t) == pytest.approx(want)


def test_latest_signals_say_what_is_missing(client: TestClient) -> None:
    r = client.get("/api/signals/latest").json()
    by_label = {h["label"].split()[0]: h for h in r["view"]["headlines"]}
    nvda = next(x for x in r["latest"] if x["name"] == "nvda")
    assert nvda["missing"] == by_label["NVDA"]["note"]
    assert by_label["NVDA"]["text"] == "no data here"  # no data directory in this client
    assert "not bundled" in by_label["NVDA"]["note"]
    assert by_label["NASDAQ"]["text"] in ("explosive", "not explosive")
