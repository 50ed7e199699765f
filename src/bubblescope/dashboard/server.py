"""Running the dashboard under uvicorn so that slow or hostile clients cannot starve it.

uvicorn's h11 protocol has no timeout for a request's headers or body: a client that opens
a connection and sends half a request line holds a file descriptor for ever, and some
twenty thousand such clients exhaust the process's descriptors. :class:`GuardedH11Protocol`
adds what is missing:

* a **header timeout**: a request's headers must be complete within
  :attr:`ServerLimits.header_timeout` seconds of its first byte (or of the connection);
* a **body timeout**: while a request body is being received, no gap between two chunks
  may exceed :attr:`ServerLimits.body_timeout` seconds;
* a **connection cap**: with :attr:`ServerLimits.max_connections` connections open, a new
  one evicts the oldest connection still waiting for its request headers (a slow client,
  not a request being served); only if none is waiting is the new one closed. So health
  checks and real users keep getting answers while partial connections come and go.

:class:`RateLimitFilter` caps the log lines of each kind (``Invalid HTTP request received``,
accept errors, ...) to a few per interval and says how many it dropped.

:func:`bind` opens the listening socket before uvicorn starts, so a port in use is a
:class:`~bubblescope.model.errors.ScenarioError` (exit 2 with a message), not a uvicorn
exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import resource
import socket
import time
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from bubblescope.model.errors import ScenarioError

__all__ = [
    "LOGGERS",
    "GuardedH11Protocol",
    "RateLimitFilter",
    "ServerLimits",
    "bind",
    "guarded_protocol",
    "install_log_limits",
    "raise_fd_limit",
]

#: The loggers whose records are rate limited.
LOGGERS: Final = ("uvicorn", "uvicorn.error", "uvicorn.access", "asyncio")


@dataclass(frozen=True)
class ServerLimits:
    """Connection-level limits of the served dashboard.

    Parameters
    ----------
    header_timeout : float
        Seconds a request's headers may take, from its first byte (or the connection).
    body_timeout : float
        Longest pause, in seconds, between two chunks of a request body.
    keep_alive : int
        Seconds an idle keep-alive connection stays open (uvicorn's ``timeout_keep_alive``).
    max_connections : int
        Most open connections; past it the oldest one still waiting for headers is closed.
    max_header_bytes : int
        Largest request line plus headers (h11's ``max_incomplete_event_size``).
    """

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive: int = 5
    max_connections: int = 512
    max_header_bytes: int = 16_384

    def __post_init__(self) -> None:
        for name in ("header_timeout", "body_timeout", "keep_alive", "max_connections",
                     "max_header_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ScenarioError(f"server limit {name!r} must be a positive number, "
                                    f"got {value!r}")


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with header and body timeouts and a connection cap."""

    limits: ClassVar[ServerLimits] = ServerLimits()
    #: Connections closed by a timeout or the cap since start (for tests and logs).
    closed: ClassVar[dict[str, int]] = {"header_timeout": 0, "body_timeout": 0, "evicted": 0,
                                        "refused": 0}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_since = time.monotonic()

    # --- the connection cap ----------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._waiting_since = time.monotonic()
        self._arm("header_timeout", self.limits.header_timeout)
        excess = len(self.connections) - self.limits.max_connections
        if excess > 0:
            self._shed(excess)

    def _shed(self, excess: int) -> None:
        waiting = sorted((c for c in self.connections
                          if isinstance(c, GuardedH11Protocol) and c is not self
                          and c._awaiting_headers()), key=lambda c: c._waiting_since)
        for victim in waiting[:excess]:
            victim._close("evicted")
        if excess > len(waiting):
            self._close("refused")

    def _awaiting_headers(self) -> bool:
        return self.conn.their_state is h11.IDLE and (
            self.cycle is None or self.cycle.response_complete)

    # --- the timeouts ----------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            self._arm("body_timeout", self.limits.body_timeout)  # restarted by every chunk
        elif state is not h11.IDLE:
            self._disarm()  # headers (and body) complete: the app has the request

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._awaiting_headers() and not self.transport.is_closing():
            self._waiting_since = time.monotonic()
            self._arm("header_timeout", self.limits.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, why: str, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expire, why)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self, why: str) -> None:
        self._deadline = None
        if why == "header_timeout" and not self._awaiting_headers():
            return
        if why == "body_timeout" and self.conn.their_state is not h11.SEND_BODY:
            return
        self._close(why)

    def _close(self, why: str) -> None:
        self._disarm()
        type(self).closed[why] = type(self).closed.get(why, 0) + 1
        if not self.transport.is_closing():
            self.transport.close()


def guarded_protocol(limits: ServerLimits) -> type[GuardedH11Protocol]:
    """A :class:`GuardedH11Protocol` subclass holding ``limits`` (one per server)."""
    closed = {"header_timeout": 0, "body_timeout": 0, "evicted": 0, "refused": 0}
    return type("GuardedH11Protocol", (GuardedH11Protocol,),
                {"limits": limits, "closed": closed})


class RateLimitFilter(logging.Filter):
    """Let through at most ``burst`` records of each kind per ``interval`` seconds.

    A record's kind is its logger and message template. When an interval with dropped
    records ends, the next record of that kind says how many were dropped.

    >>> f = RateLimitFilter(burst=2, interval=60.0)
    >>> rec = logging.LogRecord("uvicorn.error", logging.WARNING, "", 0, "bad request", None,
    ...                         None)
    >>> [f.filter(rec) for _ in range(4)]
    [True, True, False, False]
    """

    def __init__(self, burst: int = 5, interval: float = 10.0) -> None:
        super().__init__()
        self.burst = burst
        self.interval = interval
        self._windows: dict[tuple[str, str], tuple[float, int, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """Return whether ``record`` is logged (and note drops in its message)."""
        key = (record.name, str(record.msg))
        now = time.monotonic()
        start, count, dropped = self._windows.get(key, (now, 0, 0))
        if now - start >= self.interval:
            if dropped:
                record.msg = f"{record.msg} [{dropped} similar messages suppressed]"
            start, count, dropped = now, 0, 0
        if count >= self.burst:
            self._windows[key] = (start, count, dropped + 1)
            return False
        self._windows[key] = (start, count + 1, dropped)
        if len(self._windows) > 1000:  # many distinct messages: forget the oldest windows
            for old in sorted(self._windows, key=lambda k: self._windows[k][0])[:500]:
                del self._windows[old]
        return True


def install_log_limits(burst: int = 5, interval: float = 10.0) -> RateLimitFilter:
    """Attach one :class:`RateLimitFilter` to every logger in :data:`LOGGERS`."""
    flt = RateLimitFilter(burst, interval)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, RateLimitFilter)]:
            logger.removeFilter(old)
        logger.addFilter(flt)
    return flt


def raise_fd_limit(wanted: int) -> int:
    """Raise the soft open-files limit towards ``wanted`` (never past the hard limit).

    Returns the soft limit in force afterwards.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def bind(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on ``host:port``.

    Raises
    ------
    ScenarioError
        The address is in use, not available on this machine or not allowed.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise ScenarioError(f"--host {host!r} is not an address this machine can bind "
                            f"({exc})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        reason = {errno.EADDRINUSE: "is already in use (stop the other server or choose "
                  "another --port)", errno.EACCES: "needs privileges (choose a port above "
                  "1023)", errno.EADDRNOTAVAIL: "is not an address of this machine"}.get(
                      exc.errno or 0, f"cannot be bound ({exc.strerror})")
        raise ScenarioError(f"{host}:{port} {reason}") from None
    sock.setblocking(False)
    return sock
