"""The served dashboard outlives slow clients: partial requests are timed out or evicted.

A real uvicorn server (the same :func:`bubblescope.cli.serve.run_server` the CLI uses) runs
on a loopback port in a thread, with short timeouts so the test takes seconds.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from bubblescope.cli.app import run_app
from bubblescope.dashboard import Settings, create_app
from bubblescope.dashboard.server import (
    GuardedH11Protocol,
    RateLimitFilter,
    ServerLimits,
    bind,
    guarded_protocol,
    install_log_limits,
)
from bubblescope.model.errors import ScenarioError

PARTIAL = 300
LIMITS = ServerLimits(header_timeout=1.5, body_timeout=1.0, keep_alive=1, max_connections=100)


@dataclass
class Running:
    port: int
    protocol: type[GuardedH11Protocol]
    server: uvicorn.Server


@pytest.fixture
def running(small_web: object) -> Iterator[Running]:
    app = create_app(Settings(), small_web)  # type: ignore[arg-type]
    sock = bind("127.0.0.1", 0)
    protocol = guarded_protocol(LIMITS)
    config = uvicorn.Config(app, log_level="warning", http=protocol,
                            timeout_keep_alive=LIMITS.keep_alive,
                            h11_max_incomplete_event_size=LIMITS.max_header_bytes)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    try:
        yield Running(sock.getsockname()[1], protocol, server)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _health(port: int) -> float:
    start = time.monotonic()
    r = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5)
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    return time.monotonic() - start


def _partial(port: int, payload: bytes) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(payload)
    return s


def _closed_by_server(s: socket.socket, within: float) -> bool:
    """Whether the server closes ``s`` within ``within`` seconds (any reply is read first)."""
    end = time.monotonic() + within
    try:
        while (left := end - time.monotonic()) > 0:
            s.settimeout(left)
            if s.recv(65536) == b"":
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False
    return False


def test_health_keeps_answering_under_hundreds_of_partial_connections(
        running: Running) -> None:
    clients = []
    try:
        for i in range(PARTIAL):
            clients.append(_partial(running.port, b"GET /api/health HTTP/1.1\r\nHost: 127.0"))
            if i % 50 == 49:
                assert _health(running.port) < 2.0  # answered while the flood goes on
        times = [_health(running.port) for _ in range(5)]
        assert max(times) < 2.0
        closed = running.protocol.closed
        # Past 100 open connections the oldest partial ones were evicted, not the health checks.
        assert closed["evicted"] >= PARTIAL - LIMITS.max_connections
        assert closed["refused"] == 0
        # The survivors hit the header timeout: the server closes them by itself.
        survivors = clients[-20:]
        assert all(_closed_by_server(s, LIMITS.header_timeout + 2.0) for s in survivors)
        assert closed["header_timeout"] >= 1
    finally:
        for s in clients:
            s.close()


def test_a_request_line_sent_byte_by_byte_is_cut_at_the_header_timeout(
        running: Running) -> None:
    s = _partial(running.port, b"G")
    start = time.monotonic()
    closed = False
    for byte in b"ET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n":
        try:
            s.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        if _closed_by_server(s, 0.3):
            closed = True
            break
    s.close()
    assert closed
    assert time.monotonic() - start < LIMITS.header_timeout + 1.5


def test_a_stalled_body_is_cut_at_the_body_timeout(running: Running) -> None:
    s = _partial(running.port, b"POST /api/validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Content-Type: multipart/form-data; boundary=xyz\r\n"
                 b"Content-Length: 1000\r\n\r\n--xyz\r\n")
    start = time.monotonic()
    try:
        assert _closed_by_server(s, LIMITS.body_timeout + 2.0)
        assert time.monotonic() - start >= LIMITS.body_timeout * 0.9
        assert running.protocol.closed["body_timeout"] == 1
    finally:
        s.close()
    assert _health(running.port) < 2.0


def test_a_port_in_use_is_a_scenario_error_and_exit_2(
        capsys: pytest.CaptureFixture[str]) -> None:
    holder = bind("127.0.0.1", 0)
    try:
        port = holder.getsockname()[1]
        with pytest.raises(ScenarioError, match=f"127.0.0.1:{port} is already in use"):
            bind("127.0.0.1", port)
        assert run_app(["serve", "--port", str(port)]) == 2
        err = capsys.readouterr().err
        assert "already in use" in err
        assert "Traceback" not in err
    finally:
        holder.close()


def test_log_lines_of_one_kind_are_rate_limited() -> None:
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    logger = logging.getLogger("uvicorn.error")
    handler = Keep(logging.WARNING)
    flt = install_log_limits(burst=3, interval=60.0)
    logger.addHandler(handler)
    try:
        for _ in range(1000):
            logger.warning("Invalid HTTP request received.")
        logger.warning("another kind of message")
        assert [r.getMessage() for r in seen] == ["Invalid HTTP request received."] * 3 + [
            "another kind of message"]
        assert isinstance(flt, RateLimitFilter)
    finally:
        logger.removeHandler(handler)
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "asyncio"):
            logging.getLogger(name).removeFilter(flt)


def test_server_limits_are_checked() -> None:
    with pytest.raises(ScenarioError, match="'header_timeout' must be a positive number"):
        ServerLimits(header_timeout=0)
