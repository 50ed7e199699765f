"""Where chunks of paths run: in this process (default) or on a Dask ``distributed`` cluster.

A backend maps a pure function over units of work and yields results as they finish; the
caller puts them back in order (results never depend on which backend ran them, see
:mod:`bubblescope.stress.montecarlo`).

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
import os
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
        Seconds to wait for the scheduler before giving up.

    With neither, the local in-process backend. Both at once, ``workers < 1``, a malformed
    address or an unreachable scheduler raise :class:`ScenarioError`.
    """
    if workers is not None and scheduler is not None:
        raise ScenarioError(f"give 'workers' or 'scheduler', not both; got workers={workers} "
                            f"and scheduler={scheduler!r}")
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
    try:
        client = _distributed().Client(address, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ScenarioError(f"'scheduler' {address!r} is unreachable within {timeout:g} s "
                            f"({type(exc).__name__}: {exc})") from None
    try:
        yield DaskBackend(client, address)
    finally:
        client.close()


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
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
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


def _distributed() -> Any:
    """The ``distributed`` package, imported on first use (importing bubblescope stays cheap)."""
    import distributed

    return distributed
