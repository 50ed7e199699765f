"""`bubblescope serve`: run the dashboard (FastAPI under uvicorn), on loopback by default."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bubblescope.cli.common import err_console
from bubblescope.datadir import DATA_ENV, resolve_data_dir

if TYPE_CHECKING:
    from bubblescope.dashboard.server import ServerLimits

__all__ = ["TOKEN_ENV", "register", "run_server", "serve"]

TOKEN_ENV = "BUBBLESCOPE_TOKEN"


def serve(
    host: Annotated[str, typer.Option(
        help="Address to bind; non-loopback needs --token, and to reach others put it behind "
             "a TLS reverse proxy (docs/security.md).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    token: Annotated[str | None, typer.Option(
        envvar=TOKEN_ENV, help=f"Access token required on every request (or ${TOKEN_ENV}).",
    )] = None,
    web: Annotated[Path | None, typer.Option(
        help="Web directory to show instead of the bundled default.",
    )] = None,
    data_dir: Annotated[Path | None, typer.Option(
        help=f"Directory of extra price series (default: ${DATA_ENV} or ../shared/data).",
    )] = None,
) -> None:
    """Serve the dashboard: the web, stress, signals and data pages and their JSON API.

    Bound to loopback by default. On any other address it needs --token; to expose it
    beyond one machine, put it behind a reverse proxy that terminates TLS (see
    docs/security.md). Slow clients are cut off: request headers must arrive within 10 s,
    body chunks at most 30 s apart, and past 512 open connections the oldest one still
    waiting for its headers is closed.
    """
    from bubblescope import load_web
    from bubblescope.dashboard import Settings, create_app
    from bubblescope.dashboard.server import ServerLimits, bind

    found = resolve_data_dir(data_dir)
    settings = Settings(host=host, port=port, token=token, data_dir=found)
    app = create_app(settings, load_web(str(web)) if web is not None else None)
    sock = bind(host, port)
    where = f"http://{host}:{sock.getsockname()[1]}/" + ("?token=…" if token else "")
    err_console.print(f"bubblescope dashboard on {where}  (Ctrl-C to stop)", highlight=False)
    run_server(app, sock, ServerLimits())


def run_server(app: Any, sock: socket.socket, limits: ServerLimits) -> None:
    """Serve ``app`` on the bound ``sock`` under uvicorn with the guards of ``limits``."""
    import uvicorn

    from bubblescope.dashboard.server import guarded_protocol, install_log_limits, raise_fd_limit

    raise_fd_limit(limits.max_connections + 256)
    config = uvicorn.Config(app, log_level="warning", http=guarded_protocol(limits),
                            timeout_keep_alive=limits.keep_alive,
                            h11_max_incomplete_event_size=limits.max_header_bytes,
                            timeout_graceful_shutdown=5)
    install_log_limits()
    with sock:
        uvicorn.Server(config).run(sockets=[sock])


def register(app: typer.Typer) -> None:
    """Add the `serve` command to ``app``."""
    app.command("serve")(serve)
