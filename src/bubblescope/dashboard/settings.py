"""How the dashboard server runs: address, access token and the limits it enforces.

>>> s = Settings()
>>> (s.host, s.port, s.limits.max_upload_bytes)
('127.0.0.1', 8000, 5000000)
>>> Settings(host="0.0.0.0")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
bubblescope.model.errors.ScenarioError: binding to non-loopback host '0.0.0.0' requires a token...
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from bubblescope.model.errors import ScenarioError

__all__ = ["EXAMPLE_TOKENS", "Limits", "Settings", "check_token", "is_loopback"]

#: Tokens printed in the README and docs: refused, since anyone can read them.
EXAMPLE_TOKENS: frozenset[str] = frozenset({"CHANGE-ME-LONG-TOKEN", "<token>"})


@dataclass(frozen=True)
class Limits:
    """Caps on what one request may ask of the server.

    Parameters
    ----------
    max_upload_bytes : int
        Largest request body accepted (uploads included); larger bodies get 413.
    max_paths : int
        Most Monte Carlo paths one stress run may ask for; more gets 422.
    max_quarters : int
        Longest stress horizon, in quarters; longer gets 422.
    max_jobs : int
        Most background jobs kept in memory; the oldest finished ones are dropped first,
        and a new run while this many are still running gets 429.
    max_upload_rows : int
        Most data rows of an uploaded CSV (a table or a price series).
    max_signal_uploads : int
        Most uploaded series analysed at once (each takes a CPU for a second or more); one
        more while this many run gets 429, as a stress run does when the job slots are full.
    """

    max_upload_bytes: int = 5_000_000
    max_paths: int = 2_000
    max_quarters: int = 40
    max_jobs: int = 32
    max_upload_rows: int = 20_000
    max_signal_uploads: int = 2

    def __post_init__(self) -> None:
        for name in ("max_upload_bytes", "max_paths", "max_quarters", "max_jobs",
                     "max_upload_rows", "max_signal_uploads"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ScenarioError(
                    f"limit {name!r} must be a positive whole number, got {value!r}")


@dataclass(frozen=True)
class Settings:
    """Server configuration (frozen; change by :func:`dataclasses.replace`).

    Parameters
    ----------
    host : str
        Address to bind. Anything but a loopback address requires ``token``.
    port : int
        TCP port, 0-65535 (0 lets the system choose).
    token : str or None
        When set, every request must carry it (``Authorization: Bearer <token>``, or
        ``?token=<token>`` on a page, which then sets a same-site cookie).
    limits : Limits
        Request and run size caps.
    data_dir : Path or None
        Directory of extra price series (``../shared/data``) for the signals page, chosen by
        whoever starts the server; uploads never name paths.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    limits: Limits = field(default_factory=Limits)
    data_dir: Path | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ScenarioError(f"port must be from 0 to 65535, got {self.port}")
        if self.token is not None:
            check_token(self.token)
        if not self.token and not is_loopback(self.host):
            raise ScenarioError(
                f"binding to non-loopback host {self.host!r} requires a token (--token)"
            )


def check_token(token: str) -> None:
    """Refuse a token that guards nothing: short, blank-padded, or one printed in the docs.

    >>> check_token("a7f3c9e1b2d4")
    >>> check_token(" " * 8)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bubblescope.model.errors.ScenarioError: token must be at least 8 characters long, not...
    >>> check_token("CHANGE-ME-LONG-TOKEN")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bubblescope.model.errors.ScenarioError: token 'CHANGE-ME-LONG-TOKEN' is the documentation's...
    """
    if len(token.strip()) < 8:
        raise ScenarioError("token must be at least 8 characters long, not counting spaces")
    if token != token.strip() or any(c.isspace() or ord(c) < 32 for c in token):
        raise ScenarioError("token must not contain spaces or control characters")
    if token.upper().startswith("CHANGE-ME") or token in EXAMPLE_TOKENS:
        raise ScenarioError(f"token {token!r} is the documentation's example: choose a secret "
                            "one, e.g. $(openssl rand -hex 16)")


def is_loopback(host: str) -> bool:
    """Whether ``host`` names the local machine only (``localhost``, 127.0.0.0/8, ``::1``).

    >>> [is_loopback(h) for h in ("localhost", "127.0.0.2", "::1", "0.0.0.0", "example.org")]
    [True, True, True, False, False]
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
