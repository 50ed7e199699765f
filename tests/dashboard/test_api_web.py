"""The web and data API on a small web with a hostile entity name."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bubblescope.dashboard.app import PAGES

XSS = "<img src=x onerror=alert(1)>"


def test_web_has_every_node_and_active_edge(client: TestClient) -> None:
    g = client.get("/api/web").json()
    assert {n["id"] for n in g["nodes"]} == {"nvidia", "openai", "oracle", "spv", "banks",
                                             "insurers"}
    assert sorted(e["id"] for e in g["edges"]) == ["c1", "c2", "c3", "c4", "c5"]
    assert g["totals"] == {"contracts": 5, "amount": 485.0, "circular_amount": 440.0}
    assert g["modified"] is False
    xss = next(n for n in g["nodes"] if n["id"] == "spv")
    assert xss["name"] == XSS  # JSON carries the raw name; pages put it in with textContent


def test_circular_flow_is_the_nvidia_openai_oracle_loop(client: TestClient) -> None:
    # nvidia invests in openai, openai pays oracle for compute, oracle pays nvidia for chips
    g = client.get("/api/web").json()
    circular = {e["id"] for e in g["edges"] if e["circular"]}
    assert circular == {"c1", "c2", "c3"}
    assert g["cycles"] == [{"nodes": ["nvidia", "openai", "oracle"], "smallest": 40.0}]
    assert g["cycle_count"] == 1


def test_filters_narrow_the_edges_and_break_the_loop(client: TestClient) -> None:
    g = client.get("/api/web", params={"kind": ["loan", "equity_stake"]}).json()
    assert sorted(e["id"] for e in g["edges"]) == ["c1", "c4"]
    assert g["cycles"] == []
    assert not any(e["circular"] for e in g["edges"])
    g = client.get("/api/web", params={"confidence": "low"}).json()
    assert [e["id"] for e in g["edges"]] == ["c3"]
    g = client.get("/api/web", params={"start_from": "2025-09-15"}).json()
    # undated contracts are kept; c4 started 2025-09-01 and is dropped
    assert sorted(e["id"] for e in g["edges"]) == ["c1", "c2", "c3", "c5"]
    g = client.get("/api/web", params={"start_to": "2025-12-31"}).json()
    assert "c2" not in {e["id"] for e in g["edges"]}
    assert client.get("/api/web", params={"status": "closed"}).json()["edges"] == []


def test_unknown_filter_value_is_422(client: TestClient) -> None:
    r = client.get("/api/web", params={"kind": "mortgage"})
    assert r.status_code == 422
    assert "mortgage" in r.json()["detail"]
    assert client.get("/api/web", params={"start_from": "yesterday"}).status_code == 422


def test_entity_card_has_contracts_figures_and_sources(client: TestClient) -> None:
    e = client.get("/api/entities/openai").json()
    assert e["name"] == "OpenAI"
    assert sorted(c["id"] for c in e["contracts"]) == ["c1", "c2"]
    assert {(f["metric"], f["value"]) for f in e["figures"]} == {("revenue", 13.0), ("cash", 20.0)}
    assert [s["id"] for s in e["sources"]] == ["a1", "s1"]
    c2 = next(c for c in e["contracts"] if c["id"] == "c2")
    assert (c2["holder_name"], c2["obligor_name"], c2["annual_payment"]) == ("Oracle", "OpenAI", 60)


def test_unknown_entity_is_404(client: TestClient) -> None:
    r = client.get("/api/entities/nobody")
    assert r.status_code == 404
    assert "nobody" in r.json()["detail"]


def test_entity_search(client: TestClient) -> None:
    assert [e["id"] for e in client.get("/api/entities", params={"q": "ORAC"}).json()] == ["oracle"]
    assert [e["id"] for e in client.get("/api/entities", params={"q": "onerror"}).json()] == ["spv"]
    assert len(client.get("/api/entities", params={"limit": 2}).json()) == 2


def test_source_search(client: TestClient) -> None:
    r = client.get("/api/sources", params={"q": "illustrative"}).json()
    assert (r["count"], r["total"], r["sources"][0]["id"]) == (1, 2, "a1")
    assert client.get("/api/sources").json()["count"] == 2
    assert client.get("/api/sources", params={"q": "zzz"}).json()["sources"] == []


def test_vocabulary_lists_tables(client: TestClient) -> None:
    v = client.get("/api/vocabulary").json()
    assert "gpu_backed_loan" in v["contract_kinds"]
    assert v["tables"][-1] == "deal_legs"


@pytest.mark.parametrize("path", list(PAGES))
def test_pages_are_html_with_a_strict_policy(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "cdn" not in r.text.lower()
    assert "https://" not in r.text


def test_plotly_is_served_from_the_installed_package(client: TestClient) -> None:
    r = client.get("/assets/plotly.min.js")
    assert r.status_code == 200
    assert len(r.content) > 1_000_000
    assert r.headers["content-type"].startswith("text/javascript")


def test_page_scripts_never_use_inner_html(client: TestClient) -> None:
    for name in ("common", "overview", "web", "stress", "signals", "data", "portfolio", "docs"):
        text = client.get(f"/static/{name}.js").text
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, (name, sink)


def test_no_page_loads_from_a_cdn(client: TestClient) -> None:
    # FastAPI's /docs and /redoc pull their scripts from a CDN: ours serves the installed
    # swagger-ui-bundle, and /redoc stays off
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/assets/swagger/swagger-ui-bundle.js" in docs.text
    assert "http" not in docs.text  # nothing from another host
    assert "script-src 'self'" in docs.headers["content-security-policy"]
    bundle = client.get("/assets/swagger/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert "SwaggerUIBundle" in bundle.text
    assert client.get("/redoc").status_code == 404
    assert client.get("/favicon.ico").headers["content-type"].startswith("image/svg")


def test_openapi_schema_lists_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/web", "/api/entities/{entity_id}", "/api/sources", "/api/validate",
              "/api/stress/presets", "/api/stress/run", "/api/jobs/{job_id}",
              "/api/signals/{name}", "/api/size", "/api/overview"):
        assert p in paths, p


def test_non_finite_numbers_become_null() -> None:
    import json

    from bubblescope.dashboard.deps import fast_json

    r = fast_json({"a": [1.0, float("nan")], "b": (float("inf"), "x"), "c": 2})
    assert json.loads(r.body) == {"a": [1.0, None], "b": [None, "x"], "c": 2}
    assert json.loads(fast_json({"d": 1.5}).body) == {"d": 1.5}
