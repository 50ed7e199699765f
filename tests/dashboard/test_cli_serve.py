"""`bubblescope serve`: options reach the server; a public address needs a token."""

from __future__ import annotations

from typing import Any

import pytest

from bubblescope.cli import app_main, serve
from bubblescope.dashboard.server import ServerLimits
from bubblescope.model import Web
from bubblescope.store.files import write_web_dir


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def run_server(app: Any, sock: Any, limits: Any) -> None:
        host, port = sock.getsockname()[:2]
        seen.append({"app": app, "host": host, "port": port, "limits": limits})
        sock.close()

    monkeypatch.setattr(serve, "run_server", run_server)
    return seen


def test_serve_runs_the_guarded_server_on_loopback(calls: list[dict[str, Any]], small_web: Web,
                                                   tmp_path: Any) -> None:
    write_web_dir(small_web, tmp_path / "web")
    code = app_main(["serve", "--port", "0", "--web", str(tmp_path / "web")])
    assert code == 0
    (call,) = calls
    assert call["host"] == "127.0.0.1"
    assert call["port"] > 0  # bound before the server starts
    assert call["limits"] == ServerLimits()
    assert call["app"].state.dashboard.web.name == "small"


def test_public_host_without_token_is_refused(calls: list[dict[str, Any]],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUBBLESCOPE_TOKEN", raising=False)
    assert app_main(["serve", "--host", "0.0.0.0"]) == 2
    assert calls == []


def test_public_host_with_token_from_the_environment(calls: list[dict[str, Any]],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUBBLESCOPE_TOKEN", "a-long-enough-token")
    assert app_main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 0
    assert calls[0]["host"] == "0.0.0.0"
