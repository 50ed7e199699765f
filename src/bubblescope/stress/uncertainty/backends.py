"""Where chunks of paths run: in this process (default) or on a Dask ``distributed`` cluster.

A backend maps a pure function over units of work and yields results as they finish; the
caller puts them back in order (results never depend on which backend ran them, see
:mod:`bubblescope.stress.uncertainty.montecarlo`).

* :class:`LocalBackend` — runs each unit in this process; the model is vectorised over the
  paths of a unit, so one core is kept busy without Python loops over paths.
* :class:`DaskBackend` — a ``distributed.Client``: either a :class:`LocalCluster` of ``workers``
  single-threaded worker processes on loopback that the backend starts and closes, or an
  existing cluster at ``scheduler="tcp://HOST:PORT"``. Shared inputs (model, scenario) are
  scattered once to every worker; units are tasks.

>>> with open_backend() as backend:
...     list(backend.map(lambda item, shared: item * shared, 10, [1, 2, 3]))
[10, 20, 30]
"""

from __future__ import annotations

import logging
import math
import os
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bubblescope.model.errors import ScenarioError

__all__ = ["Backend", "DaskBackend", "LocalBackend", "open_backend"]

T = TypeVar("T")
S = TypeVar("S")
R = TypeVar("R")


class Backend(Protocol):
    """Runs ``fn(item, shared)`` for every item and yields the results as they finish."""

    @property
    def name(self) -> str: ...

    def map(self, fn: Callable[[T, S], R], shared: S, items: Sequence[T]) -> Iterator[R]: ...


@dataclass(frozen=True)
class LocalBackend:
    """Run every unit in this process, in order."""

    @property
    def name(self) -> str:
        """``"local"``."""
        return "local"

    def map(self, fn: Callable[[T, S], R], shared: S, items: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(item, shared)`` for each item in order."""
        for item in items:
            yield fn(item, shared)


class DaskBackend:
    """Run units as tasks on a Dask ``distributed`` client (see :func:`open_backend`)."""

    def __init__(self, client: Any, description: str) -> None:
        self._client = client
        self._description = description

    def __repr__(self) -> str:
        return f"DaskBackend({self._description})"

    @property
    def name(self) -> str:
        """``"dask"`` and where the cluster is."""
        return f"dask ({self._description})"

    @property
    def n_workers(self) -> int:
        """Number of workers connected to the scheduler."""
        return len(self._client.scheduler_info()["workers"])

    def map(self, fn: Callable[[T, S], R], shared: S, items: Sequence[T]) -> Iterator[R]:
        """Submit one task per item; yield results as tasks finish.

        Unfinished tasks are cancelled when the consumer stops early (e.g. Ctrl-C).
        """
        if not items:
            return
        # hash=False: a fresh key per call, so releasing an earlier call's copy cannot
        # delete the data this call's tasks depend on.
        [shared_future] = self._client.scatter([shared], broadcast=True, hash=False)
        futures = self._client.map(fn, list(items), [shared_future] * len(items), pure=False)
        try:
            for future in _distributed().as_completed(futures, loop=self._client.loop):
                yield future.result()
        finally:
            self._client.cancel([f for f in futures if not f.done()])


@contextmanager
def open_backend(
    workers: int | None = None, scheduler: str | None = None, timeout: float = 10.0
) -> Iterator[LocalBackend | DaskBackend]:
    """Open the backend a run asks for and close what it started.

    Parameters
    ----------
    workers : int, optional
        Start a Dask ``LocalCluster`` of this many single-threaded worker processes on
        127.0.0.1 (closed on exit).
    scheduler : str, optional
        Address ``tcp://HOST:PORT`` of an existing Dask scheduler (left running on exit).
    timeout : float
        Seconds to wait for the scheduler before giving up (> 0): connecting, checking that
        it speaks Dask's protocol and opening the client all fit within it.

    With neither, the local in-process backend. Both at once, ``workers < 1``, a malformed
    address or an unreachable scheduler raise :class:`ScenarioError`.
    """
    if workers is not None and scheduler is not None:
        raise ScenarioError(f"give 'workers' or 'scheduler', not both; got workers={workers} "
                            f"and scheduler={scheduler!r}")
    if not (isinstance(timeout, int | float) and math.isfinite(timeout) and timeout > 0):
        raise ScenarioError(f"'timeout' must be a number of seconds > 0, got {timeout!r}")
    if scheduler is not None:
        with _connect(scheduler, timeout) as backend:
            yield backend
    elif workers is not None:
        with _local_cluster(workers, timeout) as backend:
            yield backend
    else:
        yield LocalBackend()


@contextmanager
def _connect(address: str, timeout: float) -> Iterator[DaskBackend]:
    if not address.startswith(("tcp://", "tls://")) or ":" not in address.split("://", 1)[1]:
        raise ScenarioError(f"'scheduler' must be an address like tcp://HOST:PORT, got {address!r}")
    deadline = time.monotonic() + timeout
    if address.startswith("tcp://"):
        _probe(address, timeout, deadline)
    left = max(deadline - time.monotonic(), 0.1)
    try:
        client = _distributed().Client(address, timeout=f"{left}s", set_as_default=False)
    except Exception as exc:
        raise ScenarioError(f"'scheduler' {address!r} is not a Dask scheduler or is unreachable "
                            f"within {timeout:g} s ({type(exc).__name__}: {exc})") from None
    try:
        yield DaskBackend(client, address)
    finally:
        client.close()


def _probe(address: str, timeout: float, deadline: float) -> None:
    """Check that ``address`` speaks Dask's protocol before handing it to a Client.

    A Dask scheduler opens every connection by sending its handshake: one framed msgpack
    message (8-byte total length, 8-byte frame count, 8-byte frame lengths, then a map
    holding ``pickle-protocol``). Reading it here, with the caller's deadline, keeps a server
    that never answers (an HTTP server waits for a request) from hanging the run and one
    that answers garbage from reaching Dask's reader (which trusts the length it reads).
    """
    host, _, port = address.split("://", 1)[1].rpartition(":")
    try:
        sock = socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"'scheduler' {address!r} is unreachable within {timeout:g} s "
                            f"({type(exc).__name__}: {exc})") from None
    with sock:
        try:
            head = _recv(sock, 8, deadline)
            (size,) = struct.unpack("<Q", head)
            body = _recv(sock, size, deadline) if 16 <= size <= _MAX_HANDSHAKE else b""
        except OSError as exc:
            raise ScenarioError(f"'scheduler' {address!r} is not a Dask scheduler or is "
                                f"unreachable within {timeout:g} s ({exc})") from None
    frames = struct.unpack_from("<Q", body)[0] if body else 0
    if not (1 <= frames <= 16 and b"pickle-protocol" in body):
        raise ScenarioError(f"'scheduler' {address!r} is not a Dask scheduler: it answered "
                            f"{(head + body)[:24]!r}, not a Dask handshake")


#: Largest handshake accepted from a scheduler (a real one is under 100 bytes).
_MAX_HANDSHAKE = 1 << 16


def _recv(sock: socket.socket, n: int, deadline: float) -> bytes:
    """Read exactly ``n`` bytes before ``deadline`` (``time.monotonic()``), or raise."""
    out = b""
    while len(out) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("it sent no Dask handshake")
        sock.settimeout(left)
        try:
            part = sock.recv(n - len(out))
        except TimeoutError:
            raise TimeoutError("it sent no Dask handshake") from None
        if not part:
            raise ConnectionError("it closed the connection without a Dask handshake")
        out += part
    return out


@contextmanager
def _local_cluster(workers: int, timeout: float) -> Iterator[DaskBackend]:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ScenarioError(f"'workers' must be an integer >= 1, got {workers!r}")
    dist = _distributed()
    import dask

    # Dask sets MALLOC_TRIM_THRESHOLD_=65536 in worker processes, which turns off glibc's
    # adaptive mmap threshold: every large temporary array is then mapped and unmapped
    # afresh, and the engine runs ~4x slower than in this process. Keep glibc's defaults.
    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ").items()
               if k != "MALLOC_TRIM_THRESHOLD_"}
    # The nanny writes its pre-spawn variables into *this* process's os.environ; numba
    # would then see a changed NUMBA_NUM_THREADS at its next compile and refuse. Restore
    # the caller's environment once the workers are spawned.
    saved = dict(os.environ)
    try:
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}), _sigint_ignored():
            cluster = dist.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=":0", silence_logs=logging.ERROR,
                # One numba thread per worker: the workers are the parallelism. Set in the
                # worker process only (the nanny's ``env``), never in this one.
                env={"NUMBA_NUM_THREADS": "1"},
            )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    client = dist.Client(cluster, timeout=f"{timeout}s", set_as_default=False)
    try:
        client.wait_for_workers(workers, timeout=timeout * 6)
        yield DaskBackend(client, f"local cluster of {workers} worker processes")
    finally:
        client.close()
        cluster.close()
        os.environ.clear()  # a worker restarted by its nanny writes the variables again
        os.environ.update(saved)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while worker processes start, so that they inherit the ignoring.

    Ctrl-C reaches every process of the terminal's foreground group: the workers would each
    die printing a KeyboardInterrupt traceback. This process handles Ctrl-C and closes the
    cluster itself. (Only in the main thread, where signal handlers can be set.)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)


def _distributed() -> Any:
    """The ``distributed`` package, imported on first use (importing bubblescope stays cheap)."""
    import distributed

    return distributed
