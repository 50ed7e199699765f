"""ASGI middleware: the access token, the request-size cap and the local-only guards.

Pure ASGI (no request buffering) so a too-large body is refused before it is read.

A server on a loopback address has no token, so two browser attacks on "localhost" servers
are closed here: DNS rebinding (a page of another site whose name now resolves to
127.0.0.1) is refused by :class:`HostGuardMiddleware`, which accepts only loopback names
in the ``Host`` header; and cross-site requests that change state (an upload applied, a
reset, a run) are refused by :class:`SameOriginMiddleware`, which compares the
``Origin`` a browser sends with the ``Host``.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "COOKIE",
    "LOOPBACK_NAMES",
    "BodyLimitMiddleware",
    "HostGuardMiddleware",
    "SameOriginMiddleware",
    "TokenMiddleware",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Host names a loopback-bound server answers to.
LOOPBACK_NAMES: frozenset[str] = frozenset({"localhost", "127.0.0.1", "::1"})

#: Cookie set after a page was opened with a valid ``?token=``, so its scripts and API calls pass.
COOKIE = "bubblescope_token"


async def _send_json(send: Send, status: int, detail: str,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


def _cookie(scope: Scope, name: str) -> str:
    for part in _header(scope, b"cookie").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


class TokenMiddleware:
    """Refuse (401) every HTTP request that does not carry the token.

    Accepted carriers: ``Authorization: Bearer <token>``, ``?token=<token>`` (then a
    ``SameSite=Strict``, ``HttpOnly`` cookie is set so the page's own requests pass), or
    that cookie.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    def _matches(self, candidate: str) -> bool:
        return bool(candidate) and hmac.compare_digest(candidate.encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
        via_query = self._matches(query.get("token", [""])[0])
        auth = _header(scope, b"authorization")
        bearer = auth[7:] if auth.lower().startswith("bearer ") else ""
        if not (via_query or self._matches(bearer) or self._matches(_cookie(scope, COOKIE))):
            await _send_json(send, 401, "missing or wrong token",
                             [(b"www-authenticate", b"Bearer")])
            return
        if not via_query:
            await self.app(scope, receive, send)
            return
        cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode()

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class BodyLimitMiddleware:
    """Refuse (413) request bodies larger than ``max_bytes``.

    A declared ``Content-Length`` over the cap is refused before reading; a streamed body
    is counted as it arrives, and once over the cap the response becomes a 413 whatever
    the endpoint made of the truncated body.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _send_json(send, 413, self._detail())
            return
        state = {"seen": 0, "over": False, "replaced": False}

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["seen"] += len(message.get("body", b""))
                if state["seen"] > self.max_bytes:
                    state["over"] = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def guarded_send(message: Message) -> None:
            if state["replaced"]:
                return
            if state["over"] and message["type"] == "http.response.start":
                state["replaced"] = True
                await _send_json(send, 413, self._detail())
                return
            await send(message)

        await self.app(scope, counting_receive, guarded_send)

    def _detail(self) -> str:
        return f"request body larger than the {self.max_bytes} byte limit"


def _hostname(netloc: str) -> str:
    """``host`` of ``host:port`` / ``[v6]:port`` (lower case, no brackets); ``""`` if malformed.

    >>> _hostname("[::1]:8000"), _hostname("LOCALHOST"), _hostname("["), _hostname("a b")
    ('::1', 'localhost', '', '')
    """
    try:
        if any(c.isspace() or ord(c) < 32 for c in netloc):
            return ""
        return (urlsplit(f"//{netloc}").hostname or "").lower()
    except ValueError:  # "[" or "[::1": an unclosed IPv6 bracket
        return ""


def _netloc(url: str) -> str | None:
    """``host:port`` of ``url`` in lower case; ``None`` if ``url`` is malformed.

    >>> _netloc("http://LocalHost:8000/x"), _netloc("http://[")
    ('localhost:8000', None)
    """
    try:
        return urlsplit(url).netloc.lower()
    except ValueError:
        return None


class HostGuardMiddleware:
    """Refuse (400) requests whose ``Host`` is malformed or not one of ``names`` (port ignored).

    With ``names=None`` (a server bound to a public address) any well-formed host name is
    accepted; a malformed one (``[``, spaces) is still refused before anything parses it.
    """

    def __init__(self, app: ASGIApp, names: frozenset[str] | None) -> None:
        self.app = app
        self.names = names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = _hostname(_header(scope, b"host"))
            if not host:
                await _send_json(send, 400, "malformed or missing Host header")
                return
            if self.names is not None and host not in self.names:
                await _send_json(send, 400, "unexpected Host header: this server answers to "
                                 + ", ".join(sorted(self.names)))
                return
        await self.app(scope, receive, send)


class SameOriginMiddleware:
    """Refuse (403) state-changing requests a browser sends from another origin."""

    SAFE = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in self.SAFE:
            origin = _header(scope, b"origin")
            if origin and _netloc(origin) != _header(scope, b"host").lower():
                await _send_json(send, 403, "cross-origin request refused")
                return
        await self.app(scope, receive, send)
