"""Token guard and request-size cap."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bubblescope.dashboard import Limits, Settings, create_app
from bubblescope.dashboard.security import COOKIE
from bubblescope.model import Web

TOKEN = "correct-horse-battery"


@pytest.fixture
def guarded(xss_web: Web) -> Iterator[TestClient]:
    app = create_app(Settings(host="0.0.0.0", token=TOKEN), xss_web)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


@pytest.mark.parametrize("path", ["/", "/web", "/api/web", "/api/health", "/assets/plotly.min.js",
                                  "/static/common.js", "/openapi.json", "/favicon.ico"])
def test_every_request_without_token_gets_401(guarded: TestClient, path: str) -> None:
    r = guarded.get(path)
    assert r.status_code == 401
    assert r.json() == {"detail": "missing or wrong token"}


def test_wrong_token_gets_401(guarded: TestClient) -> None:
    assert guarded.get("/api/web", headers={"Authorization": "Bearer nope-nope"}).status_code == 401
    assert guarded.get("/api/web?token=nope-nope").status_code == 401
    guarded.cookies.set(COOKIE, "nope-nope")
    assert guarded.get("/api/web").status_code == 401


def test_bearer_header_passes(guarded: TestClient) -> None:
    r = guarded.get("/api/web", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    assert "set-cookie" not in r.headers


def test_query_token_on_a_page_sets_a_cookie_that_then_passes(guarded: TestClient) -> None:
    r = guarded.get(f"/web?token={TOKEN}")
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    # the client kept the cookie: the page's own API calls pass without the query
    assert guarded.get("/api/web").status_code == 200


def test_oversized_upload_gets_413(xss_web: Web) -> None:
    app = create_app(Settings(limits=Limits(max_upload_bytes=1000)), xss_web)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        r = c.post("/api/validate", data={"table": "contracts"},
                   files={"file": ("c.csv", b"x" * 5000, "text/csv")})
        assert r.status_code == 413
        assert "1000 byte limit" in r.json()["detail"]


def test_streamed_body_over_the_cap_gets_413(xss_web: Web) -> None:
    app = create_app(Settings(limits=Limits(max_upload_bytes=1000)), xss_web)

    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"y" * 300

    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        r = c.post("/api/stress/run", content=chunks(),
                   headers={"content-type": "application/json"})
        assert r.status_code == 413


def test_small_streamed_body_passes_the_cap(client: TestClient) -> None:
    r = client.post("/api/stress/run", content=iter([b'{"preset": 1']),
                    headers={"content-type": "application/json"})
    assert r.status_code == 422  # reached the endpoint: malformed JSON, not 413


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io"])
def test_loopback_server_refuses_other_host_names(client: TestClient, host: str) -> None:
    # DNS rebinding: another site's name resolving to 127.0.0.1 must not reach the API
    r = client.get("/api/web", headers={"host": host})
    assert r.status_code == 400
    assert "unexpected Host header" in r.json()["detail"]


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "[::1]:8000"])
def test_loopback_names_are_accepted(client: TestClient, host: str) -> None:
    assert client.get("/api/health", headers={"host": host}).status_code == 200


def test_cross_site_posts_are_refused(client: TestClient) -> None:
    r = client.post("/api/web/reset", headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    same = client.post("/api/web/reset", headers={"origin": "http://127.0.0.1:8000"})
    assert same.status_code == 200
    assert client.post("/api/web/reset").status_code == 200  # no Origin: not a browser form


@pytest.mark.parametrize("host", ["[", "[::1", "a b", ""])
def test_a_malformed_host_gets_400_not_500(client: TestClient, guarded: TestClient,
                                           host: str) -> None:
    for c in (client, guarded):  # loopback (name list) and public (any well-formed name)
        r = c.get("/api/health", headers={"host": host, "authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 400
        assert r.json() == {"detail": "malformed or missing Host header"}


@pytest.mark.parametrize("origin", ["http://[", "http://[::1", "null", "http://evil.example"])
def test_a_malformed_or_foreign_origin_gets_403_not_500(client: TestClient,
                                                        origin: str) -> None:
    r = client.post("/api/web/reset", headers={"origin": origin})
    assert r.status_code == 403
    assert r.json() == {"detail": "cross-origin request refused"}


def test_uploaded_series_analyses_are_capped_like_stress_jobs(xss_web: Web) -> None:
    app = create_app(Settings(limits=Limits(max_signal_uploads=1)), xss_web)
    state = app.state.dashboard
    with TestClient(app, base_url="http://127.0.0.1:8000") as c, state.analysis_slot():
        r = c.post("/api/signals/upload",
                   files={"file": ("s.csv", b"date,value\n2020-01-01,1\n", "text/csv")})
        assert r.status_code == 429
        assert "analysed already" in r.json()["detail"]
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:  # the slot is free again
        r = c.post("/api/signals/upload",
                   files={"file": ("s.csv", b"date,value\n2020-01-01,x\n", "text/csv")})
        assert r.status_code == 422


def test_an_xlsx_export_with_control_characters_is_422_not_500(client: TestClient) -> None:
    # found by schemathesis: openpyxl refuses control characters and the 500 leaked out
    for tables in ({"": [{"\x1f": None}]}, {"t": [{"a": "x\x00y"}]}, {"t\x07": [{"a": 1}]}):
        r = client.post("/api/export.xlsx", json={"tables": tables})
        assert r.status_code == 422
        assert "control characters" in r.json()["detail"]
    r = client.post("/api/export.xlsx", json={"tables": {"t": [{"a": 1, "b": "ok"}]}})
    assert r.status_code == 200
