"""Tests of the backends: a real local Dask cluster gives the local backend's numbers."""

from __future__ import annotations

import http.server
import os
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from bubblescope._testing.synthetic import FurfineModel, SyntheticSpec, synthetic_compiled
from bubblescope.model.errors import ScenarioError
from bubblescope.stress.uncertainty.backends import DaskBackend, LocalBackend, open_backend
from bubblescope.stress.uncertainty.distributions import parse_uncertainty
from bubblescope.stress.uncertainty.montecarlo import run_montecarlo

UNCERTAIN = parse_uncertainty({
    "shortfall": {"dist": "triangular", "low": 0, "mode": 0.05, "high": 0.3,
                  "field": "ai_revenue_shock"},
    "recovery": {"dist": "beta", "a": 4, "b": 6, "field": "recovery_senior"},
})


#: This process's environment when the module is collected, before any cluster starts.
ENVIRON_BEFORE_THE_CLUSTER = dict(os.environ)


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskBackend]:
    """One local cluster (2 worker processes on loopback) for the whole module."""
    with open_backend(workers=2) as backend:
        assert isinstance(backend, DaskBackend)
        yield backend


@pytest.fixture(scope="module")
def model() -> FurfineModel:
    return FurfineModel(synthetic_compiled(SyntheticSpec(80, 400), np.random.default_rng(2)),
                        quarters=6)


def test_dask_gives_the_local_numbers(cluster: DaskBackend, model: FurfineModel) -> None:
    local = run_montecarlo(model, UNCERTAIN, 120, seed=9, chunk_size=50)
    remote = run_montecarlo(model, UNCERTAIN, 120, seed=9, chunk_size=7, backend=cluster)
    np.testing.assert_array_equal(local.inputs, remote.inputs)
    np.testing.assert_array_equal(local.outcome.system_loss, remote.outcome.system_loss)
    np.testing.assert_array_equal(local.outcome.sector_loss, remote.outcome.sector_loss)
    np.testing.assert_array_equal(local.outcome.default_quarter, remote.outcome.default_quarter)
    assert cluster.n_workers == 2
    assert "local cluster of 2 worker processes" in cluster.name
    assert "DaskBackend" in repr(cluster)


def test_existing_scheduler_by_address(cluster: DaskBackend, model: FurfineModel) -> None:
    address = cluster._client.scheduler.address
    assert address.startswith("tcp://127.0.0.1:")
    with open_backend(scheduler=address) as backend:
        assert backend.name == f"dask ({address})"
        out = list(backend.map(lambda item, shared: item + shared, 100, [1, 2, 3]))
    assert sorted(out) == [101, 102, 103]


def test_empty_work_and_local_backend() -> None:
    assert LocalBackend().name == "local"
    assert list(LocalBackend().map(lambda item, shared: item, None, [])) == []


def test_dask_map_of_nothing(cluster: DaskBackend) -> None:
    assert list(cluster.map(lambda item, shared: item, None, [])) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_scheduler_is_a_clear_error_within_the_timeout() -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    t0 = time.monotonic()
    with pytest.raises(ScenarioError, match="is unreachable within 1 s"), \
            open_backend(scheduler=address, timeout=1.0):
        pass
    assert time.monotonic() - t0 < 15


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workers": 2, "scheduler": "tcp://127.0.0.1:1"}, "not both"),
        ({"workers": 0}, "'workers' must be an integer >= 1, got 0"),
        ({"scheduler": "localhost"}, "must be an address like tcp://HOST:PORT"),
        ({"scheduler": "tcp://nohost"}, "must be an address like tcp://HOST:PORT"),
        ({"scheduler": "tcp://127.0.0.1:1", "timeout": 0}, "'timeout' must be a number"),
    ],
)
def test_bad_backend_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError, match=message), open_backend(**kwargs):  # type: ignore[arg-type]
        pass


@contextmanager
def _server(handler: type[socketserver.BaseRequestHandler]) -> Iterator[str]:
    """A real TCP server on loopback in a thread; yields its tcp:// address."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Garbage(socketserver.BaseRequestHandler):
    """Answers every connection with bytes that read as a 3 EiB Dask frame."""

    def handle(self) -> None:
        self.request.sendall(b"\xff\xff\xff\xff\xff\xff\xff\x3f" + b"garbage" * 20)
        time.sleep(0.5)


class _Hangup(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        pass


def test_an_http_server_is_not_a_scheduler_and_the_timeout_holds() -> None:
    # A plain HTTP server says nothing until it gets a request: Dask's client used to wait
    # for its handshake far beyond --timeout, then read the "HTTP/1.0 400" reply as a length.
    with _server(http.server.BaseHTTPRequestHandler) as address:
        t0 = time.monotonic()
        with pytest.raises(ScenarioError, match=r"is not a Dask scheduler or is unreachable "
                           r"within 1.5 s \(it sent no Dask handshake\)"), \
                open_backend(scheduler=address, timeout=1.5):
            pass
        assert 1.4 < time.monotonic() - t0 < 5


@pytest.mark.parametrize(("handler", "message"), [
    (_Garbage, r"is not a Dask scheduler: it answered b'\\xff"),
    (_Hangup, "closed the connection without a Dask handshake"),
])
def test_a_server_answering_garbage_is_a_clear_error(
    handler: type[socketserver.BaseRequestHandler], message: str
) -> None:
    with _server(handler) as address:
        t0 = time.monotonic()
        with pytest.raises(ScenarioError, match=message), \
                open_backend(scheduler=address, timeout=3):
            pass
        assert time.monotonic() - t0 < 3


def test_sobol_design_in_chunks_on_the_cluster(cluster: DaskBackend, model: FurfineModel) -> None:
    from bubblescope.stress.uncertainty.sensitivity import sobol

    local = sobol(model, UNCERTAIN, 32, np.random.default_rng(4))
    remote = sobol(model, UNCERTAIN, 32, np.random.default_rng(4), backend=cluster,
                   chunk_size=40)
    np.testing.assert_array_equal(local.first, remote.first)
    np.testing.assert_array_equal(local.total, remote.total)


def test_the_cluster_leaves_this_process_environment_alone(cluster: DaskBackend) -> None:
    # The nanny writes its pre-spawn variables into the parent's os.environ; a changed
    # NUMBA_NUM_THREADS made every later numba compile in this process fail (CI, cold cache).
    import os

    now = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}  # pytest's own
    assert now == {k: v for k, v in ENVIRON_BEFORE_THE_CLUSTER.items()
                   if k != "PYTEST_CURRENT_TEST"}
    seen = set(cluster.map(lambda _i, _s: os.environ.get("NUMBA_NUM_THREADS"), None, [0, 1, 2]))
    assert seen == {"1"}  # the workers do get one numba thread each


def test_workers_leave_ctrl_c_to_this_process(cluster: DaskBackend) -> None:
    # Ctrl-C reaches the whole process group; workers that died of it each printed a
    # KeyboardInterrupt traceback. They ignore SIGINT; this process keeps its handler.
    import signal

    seen = set(cluster.map(lambda _i, _s: signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
                           None, [0, 1, 2, 3]))
    assert seen == {True}
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
