"""End to end in headless Chromium: every page renders, a scenario runs, a bad CSV shows row errors.

Uses Debian's ``chromium`` (``$BUBBLESCOPE_CHROMIUM`` or ``/usr/bin/chromium``) through
Playwright; browser downloads are not possible here. Without chromium these tests skip, or
fail when ``$CI`` is set. Screenshots of each page go to ``out/screenshots/``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from bubblescope.dashboard import Settings, create_app
from bubblescope.model import BubblescopeError, Entity, Web

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "out" / "screenshots"
SHARED_DATA = ROOT.parent / "shared" / "data"  # extra price series, beside the repository
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    path = os.environ.get("BUBBLESCOPE_CHROMIUM") or "/usr/bin/chromium"
    if Path(path).is_file():
        return path
    message = (f"chromium not found at {path!r}: install Debian's chromium "
               "(apt-get install -y chromium) or set BUBBLESCOPE_CHROMIUM")
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Server:
    """A real uvicorn server on a free loopback port, in a thread."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread = field(repr=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def e2e_web(small_web: Web) -> Web:
    """The bundled web when it loads, else the small test web; plus a hostile-named entity."""
    try:
        from bubblescope import load_default

        web = load_default()
    except BubblescopeError:  # no bundled web in this checkout: the small test web stands in
        web = small_web
    hostile = Entity("xss_test", XSS, "other", "US")
    return replace(web, entities=(*web.entities, hostile))


@pytest.fixture
def server(small_web: Web) -> Iterator[Server]:
    port = free_port()
    data_dir = SHARED_DATA if SHARED_DATA.is_dir() else None
    app = create_app(Settings(port=port, data_dir=data_dir), e2e_web(small_web))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.02)
    assert srv.started, "uvicorn did not start"
    yield Server(f"http://127.0.0.1:{port}", srv, thread)
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        yield b
        b.close()


@dataclass
class Watched:
    """A page plus what went wrong on it: console errors, page errors, dialogs."""

    page: Any
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    watched = Watched(pg)
    pg.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: watched.errors.append(str(e)))

    def on_dialog(d: Any) -> None:
        watched.dialogs.append(d.message)
        d.dismiss()

    pg.on("dialog", on_dialog)
    yield watched
    context.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_overview_page(server: Server, page: Watched) -> None:
    pg = page.page
    pg.goto(server.url + "/")
    pg.wait_for_selector("#web-line:not(:has-text('Loading'))")
    for card in ("size-card", "signals-card", "stress-card"):
        pg.wait_for_selector(f"#{card} .body:not(:has-text('Loading'))", timeout=60_000)
    assert "entities" in pg.text_content("#web-line")
    assert "Wicksellian deficit" in pg.text_content("#size-card")
    assert "realised credit losses" in pg.text_content("#stress-card")
    assert "NASDAQ" in pg.text_content("#signals-card")
    pg.wait_for_selector("#size-table table")
    shot(pg, "overview")
    assert page.errors == []
    assert page.dialogs == []


def node_point(pg: Any, entity_id: str) -> tuple[float, float]:
    """Screen position of a node of the plotly graph, from plotly's own axes."""
    xy = pg.evaluate(
        """(id) => {
          const gd = document.getElementById('graph');
          for (const t of gd.data) {
            const i = (t.customdata || []).indexOf(id);
            if (i >= 0) {
              const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
              const box = gd.getBoundingClientRect();
              return [box.left + xa._offset + xa.l2p(t.x[i]),
                      box.top + ya._offset + ya.l2p(t.y[i])];
            }
          }
          return null;
        }""", entity_id)
    assert xy is not None, f"node {entity_id} not drawn"
    return float(xy[0]), float(xy[1])


def test_web_page_click_shows_a_hostile_name_as_text(server: Server, page: Watched) -> None:
    pg = page.page
    pg.goto(server.url + "/web")
    pg.wait_for_selector("#graph .main-svg")
    pg.wait_for_selector("#graph .scatterlayer .trace >> nth=3")
    assert "contracts shown" in pg.text_content("#summary")
    shot(pg, "web")
    x, y = node_point(pg, "xss_test")
    pg.mouse.click(x, y)
    pg.wait_for_selector("#entity-name")
    assert pg.text_content("#entity-name") == XSS
    assert pg.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    # the entity panel is wide enough to read (words never wrap letter by letter)
    assert pg.evaluate("document.getElementById('entity').getBoundingClientRect().width") >= 400
    # a click shows the node's neighbourhood (ego view); the button brings the web back
    pg.click("#ego-back")
    pg.wait_for_selector("#ego:not(:has(button))")
    whole = pg.evaluate("document.getElementById('graph').data.length")
    x, y = node_point(pg, "openai")
    pg.mouse.click(x, y)
    pg.wait_for_selector("#ego-back")
    assert "counterparties" in pg.text_content("#ego")
    assert pg.evaluate("document.getElementById('graph').data.length") < whole
    shot(pg, "web-ego")
    pg.click("#ego-back")
    pg.wait_for_selector("#ego:not(:has(button))")
    assert pg.evaluate("document.getElementById('graph').data.length") == whole
    pg.fill("#search", "onerror")  # search highlights the hostile node, still as text
    pg.check("#f-kind input[value=loan]")
    pg.wait_for_selector("#summary:has-text('contracts shown')")
    shot(pg, "web-entity")
    assert page.dialogs == []
    assert page.errors == []


def test_data_page_shows_row_errors_of_a_bad_csv(server: Server, page: Watched) -> None:
    pg = page.page
    pg.goto(server.url + "/data")
    pg.wait_for_selector("#sources table")
    pg.select_option("#table", "contracts")
    bad = ("id,kind,holder,obligor,amount,status,confidence,source_ids\n"
           "n1,loan,nobody,openai,-5,closed,high,s1\n"
           "n2,loan,us_banks,openai,5,closed,certain,s1\n")
    pg.set_input_files("#file", {"name": "bad.csv", "mimeType": "text/csv",
                                 "buffer": bad.encode()})
    pg.click("#validate")
    pg.wait_for_selector("#upload-errors")
    cells = pg.eval_on_selector_all("#upload-result tbody tr td:first-child",
                                    "tds => tds.map(td => td.textContent)")
    assert {"2", "3"} <= set(cells)  # file lines: the header is line 1
    assert "1" not in cells
    assert "nothing was stored" in pg.text_content("#upload-errors")
    shot(pg, "data")
    assert page.dialogs == []
    assert page.errors == []


def test_signals_page_charts_a_bundled_series(server: Server, page: Watched) -> None:
    pg = page.page
    pg.goto(server.url + "/signals")
    pg.wait_for_selector("#status:not(:has-text('Loading')):not(:has-text('Analysing'))",
                         timeout=60_000)
    assert "observations" in pg.text_content("#status")
    pg.wait_for_selector("#price .main-svg")
    pg.wait_for_selector("#bsadf .main-svg")
    assert "Latest BSADF" in pg.text_content("#signal-summary")
    shot(pg, "signals")
    assert page.dialogs == []
    assert page.errors == []


#: Records the id of every job progress bar the page ever shows (they may come and go
#: between two polls of the test).
SEE_BARS = """
window.__bars = [];
new MutationObserver(() => {
  for (const b of document.querySelectorAll("progress.job-progress")) {
    if (!window.__bars.includes(b.id)) window.__bars.push(b.id);
  }
}).observe(document, { childList: true, subtree: true });
"""


def test_signals_and_when_run_as_jobs_with_a_progress_bar(server: Server, page: Watched) -> None:
    pg = page.page
    urls: list[str] = []
    pg.on("request", lambda r: urls.append(f"{r.method} {r.url}"))
    pg.add_init_script(SEE_BARS)
    pg.goto(server.url + "/signals")
    pg.wait_for_selector("#status:not(:has-text('Loading')):not(:has-text('Analysing'))",
                         timeout=60_000)
    assert "observations" in pg.text_content("#status")
    first = pg.eval_on_selector("#series", "s => s.value")
    assert f"POST {server.url}/api/signals/{first}/job" in urls
    assert any(u.startswith(f"GET {server.url}/api/jobs/") for u in urls)
    assert "signal-progress" in pg.evaluate("window.__bars")
    pg.goto(server.url + "/")
    pg.wait_for_selector("#when-card .body:not(:has-text('Loading')):not(:has(progress))",
                         timeout=120_000)
    assert "maturity wall" in pg.text_content("#when-card").lower()
    assert f"POST {server.url}/api/when/job" in urls
    assert "when-progress" in pg.evaluate("window.__bars")
    assert page.errors == []


def run_slot(pg: Any, slot: str, preset: str, quarters: int,
             fields: dict[str, str] | None = None) -> None:
    form = f".slot[data-slot={slot}] form"
    pg.select_option(f"{form} select[name=preset]", preset)  # re-renders the form
    pg.fill(f"{form} input[name=quarters]", str(quarters))
    for name, value in (fields or {}).items():
        pg.fill(f"{form} input[name={name}]", value)
    pg.click(f"{form} button.run-button")
    done = f".slot[data-slot={slot}] .run :is(.result, .error, [data-state])"
    pg.wait_for_selector(done, timeout=120_000)
    assert pg.locator(f".result[data-slot={slot}]").count() == 1, pg.text_content(
        f".slot[data-slot={slot}] .run")


def test_stress_page_runs_and_compares_two_scenarios(server: Server, page: Watched) -> None:
    pg = page.page
    pg.goto(server.url + "/stress")
    pg.wait_for_selector("#status:not(:has-text('Loading'))")
    # a value out of range is caught in the form, before any request
    pg.fill(".slot[data-slot=A] input[name=equity_shock]", "3")
    pg.click(".slot[data-slot=A] button.run-button")
    pg.wait_for_selector(".slot[data-slot=A] .field-error:has-text('must be a number from 0')")
    run_slot(pg, "A", "atlantic-crash", 8, {"equity_shock": "0.5", "paths": "6"})
    assert pg.is_visible("#results")
    # an edited scenario says so; several paths give a distribution of losses
    assert "(edited)" in pg.text_content(".result[data-slot=A]")
    assert "equity_shock=0.5" in pg.text_content(".result[data-slot=A] .edited")
    assert "6 paths over the default data uncertainty" in pg.text_content(".result[data-slot=A]")
    pg.wait_for_selector("#dist .main-svg")
    totals = pg.evaluate("document.getElementById('dist').data[0].x")
    assert len(totals) == 6
    assert len(set(totals)) > 1  # the paths differ
    assert "realised credit losses" in pg.text_content(".result[data-slot=A]")
    assert pg.text_content("#quarter-label") == "2026Q1"
    pg.click("#next")
    assert pg.text_content("#quarter-label") == "2026Q2"
    assert "2026Q2" in pg.text_content(".step[data-slot=A] h2")
    run_slot(pg, "B", "gpu-spiral", 8)
    assert pg.locator(".step").count() == 2
    assert "B − A" in pg.text_content("#compare")  # the A/B difference table
    assert pg.locator("#compare tbody tr").count() >= 5
    pg.wait_for_selector("#losses .main-svg")
    pg.wait_for_selector("#gdp .main-svg")
    pg.wait_for_selector("#jobs .main-svg")
    shot(pg, "stress")
    assert page.dialogs == []
    assert page.errors == []


def test_portfolio_page_runs_a_book_and_downloads_it(server: Server, page: Watched,
                                                     tmp_path: Path) -> None:
    pg = page.page
    pg.goto(server.url + "/portfolio")
    pg.wait_for_selector("#scenario option", state="attached")
    book = ROOT / "examples" / "insurer_portfolio.csv"
    pg.set_input_files("#file", str(book))
    pg.fill("#paths", "4")
    pg.click("#run")
    pg.wait_for_selector("#positions table", timeout=120_000)
    assert pg.locator("#positions tbody tr").count() == 9
    assert "mean loss USD" in pg.text_content("#summary")
    pg.wait_for_selector("#dist .main-svg")
    with pg.expect_download() as got:
        pg.click("#downloads button[data-format=xlsx]")
    path = tmp_path / "book.xlsx"
    got.value.save_as(str(path))
    assert path.stat().st_size > 5_000
    shot(pg, "portfolio")
    assert page.errors == []


def test_api_docs_render_from_local_assets(server: Server, page: Watched) -> None:
    pg = page.page
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(server.url + "/docs")
    pg.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "bubblescope dashboard" in pg.text_content(".swagger-ui .info .title")
    assert all(u.startswith(server.url) or u.startswith("data:") for u in requests), requests
    shot(pg, "docs")
    assert page.errors == []


def test_token_in_the_page_address_lets_the_page_call_the_api(
        small_web: Web, browser: Any) -> None:
    port = free_port()
    app = create_app(Settings(host="127.0.0.1", port=port, token="e2e-secret-token"), small_web)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if srv.started:
                break
            time.sleep(0.02)
        context = browser.new_context()
        pg = context.new_page()
        response = pg.goto(f"http://127.0.0.1:{port}/data")
        assert response.status == 401  # no token: nothing, not even the page
        pg.goto(f"http://127.0.0.1:{port}/data?token=e2e-secret-token")
        pg.wait_for_selector("#sources table")  # the page's own API calls carried the cookie
        assert "2 of 2 sources" in pg.text_content("#source-count")
        context.close()
    finally:
        srv.should_exit = True
        thread.join(10)


def test_missing_chromium_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUBBLESCOPE_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="chromium not found"):
        chromium_path()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        chromium_path()
